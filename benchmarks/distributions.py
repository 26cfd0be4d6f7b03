"""Speed of the scipy.stats objects ``gammadiff`` / ``absgammadiff``: ppf, logsf and the rv methods,
each against scipy's generic fallback (our override switched off) and as a ratio to one
``scipy.special.gammainc`` per point, all measured in one run.

``python -m benchmarks.distributions [--quick] [--out results]`` prints a table and writes
``distributions.json`` into ``--out``.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from scipy import special, stats

import gammaal
from gammaal.atomic import atomic_write_json
from gammaal.distributions import absgammadiff_gen


class _GenericAbs(absgammadiff_gen):
    """absgammadiff with our ppf / logsf / entropy / stats removed: scipy's generic methods run on our cdf/pdf."""
    _ppf = stats.rv_continuous._ppf
    _isf = stats.rv_continuous._isf
    _logsf = stats.rv_continuous._logsf
    _entropy = stats.rv_continuous._entropy
    _stats = stats.rv_continuous._stats


_generic = _GenericAbs(a=0.0, name="absgammadiff_generic", shapes="k")


def _best(fn, repeats):
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def run(quick=False):
    rng = np.random.default_rng(0)
    n, n_generic, repeats = (200, 10, 1) if quick else (2000, 50, 3)
    rows = []
    for k in (4.0, 4.5, 30.5):
        ours, generic = gammaal.absgammadiff(k), _generic(k)
        p = rng.uniform(0.0, 1.0, n)
        x = ours.ppf(p)
        tail = np.sqrt(2 * k) * rng.uniform(5.0, 60.0, n)       # logsf far into the tail, partly past underflow
        floor = _best(lambda: special.gammainc(2 * k, x), repeats) / n
        cases = {
            "ppf": (lambda: ours.ppf(p), lambda: generic.ppf(p[:n_generic])),
            "isf": (lambda: ours.isf(p), lambda: generic.isf(p[:n_generic])),
            "logsf": (lambda: ours.logsf(tail), lambda: generic.logsf(tail[:n_generic])),
            "cdf (object)": (lambda: ours.cdf(x), lambda: gammaal.prob_within(x[:n_generic], k, 1.0)),
        }
        for name, (fast, slow) in cases.items():
            t_ours = _best(fast, repeats) / n
            t_slow = _best(slow, 1) / n_generic
            rows.append({"k": k, "method": name, "ours_us": 1e6 * t_ours, "generic_us": 1e6 * t_slow,
                         "speedup_vs_generic": t_slow / t_ours, "ratio_to_gammainc": t_ours / floor})
        t_ent = _best(lambda: gammaal.absgammadiff.entropy(k), 1)
        t_ent_generic = _best(lambda: _generic.entropy(k), 1)
        rows.append({"k": k, "method": "entropy (one call)", "ours_us": 1e6 * t_ent, "generic_us": 1e6 * t_ent_generic,
                     "speedup_vs_generic": t_ent_generic / t_ent, "ratio_to_gammainc": t_ent / floor})
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", default="results")
    args = ap.parse_args(argv)
    rows = run(args.quick)
    # "generic" for cdf (object) is a direct prob_within call: the row measures the rv_continuous overhead
    print(f"{'k':>6} {'method':<20} {'ours µs/pt':>11} {'generic µs/pt':>14} {'× faster':>9} {'÷ gammainc':>11}")
    for r in rows:
        print(f"{r['k']:>6} {r['method']:<20} {r['ours_us']:>11.2f} {r['generic_us']:>14.1f} "
              f"{r['speedup_vs_generic']:>9.1f} {r['ratio_to_gammainc']:>11.1f}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(out / "distributions.json", {"rows": rows, "quick": args.quick})


if __name__ == "__main__":
    main()
