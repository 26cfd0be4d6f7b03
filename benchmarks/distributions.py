"""Speed of mixed-shape arrays, quantiles, log-tails and the scipy.stats objects, each as a ratio to one
``scipy.special.gammainc`` per point on the same points, all measured in one run.

Blocks (each a function returning JSON-ready rows; ``python -m benchmarks.speed`` runs them after its
own table, ``python -m benchmarks.distributions [--quick] [--out results]`` runs only these):

* ``mixed_shape_rows``: ``prob_within``, ``prob_beyond``, ``expected_target``, ``diff_pdf`` on arrays whose
  shape varies per element, k ~ U(0.5, 20), δ = |X − Y| drawn from the law itself (θ = 1);
* ``quantile_rows``: ``gammadiff``/``absgammadiff`` ``ppf`` and ``isf`` per point, also as a ratio to one
  ``prob_within`` at the returned points (same shapes), for mixed shapes and for k = 4, 4.5, 1000.5;
* ``logsf_rows``: ``absgammadiff.logsf`` from δ/θ = 5σ to 60σ (σ = √(2k)), mostly past underflow;
* ``generic_rows``: the rv_continuous methods cdf/ppf/isf/rvs/stats (the mean) against scipy's generic fallbacks on a
  subclass that defines only ``_pdf`` (ours), i.e. with every override off.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from scipy import special, stats

import gammaal
from gammaal.atomic import atomic_write_json

FULL = {"n_mixed": 20000, "n_quantile": 2000, "n_generic": 20, "repeats": 3, "generic_stats": True}
#: (scipy's generic moments integrate the pdf for ~10 s per moment: not in the smoke-test mode)
QUICK = {"n_mixed": 200, "n_quantile": 50, "n_generic": 2, "repeats": 1, "generic_stats": False}


class _PdfOnly(stats.rv_continuous):
    """|X − Y| with only our density: scipy integrates it for cdf/stats and root-finds for ppf/isf/rvs."""

    def _pdf(self, x, k):
        return 2.0 * gammaal.diff_pdf(x, k, 1.0)


_pdf_only = _PdfOnly(a=0.0, name="absgammadiff_pdf_only", shapes="k")


def best_seconds(fn, repeats, warm=True):
    """Best wall time of ``repeats`` calls (at least one), after one untimed call (JIT / numba cache load)."""
    if warm:
        fn()
    best = np.inf
    for _ in range(max(repeats, 1)):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _row(block, name, seconds, n, floor_seconds, **extra):
    return {"block": block, "name": name, "ns_per_point": 1e9 * seconds / n,
            "ratio_gammainc": seconds / floor_seconds, **extra}


def _floor(k, t, repeats):
    """One gammainc(2k, t) per point (the shape of S in |Z| = S·W), same arrays."""
    return best_seconds(lambda: special.gammainc(2.0 * k, t), max(repeats, 3))


def mixed_shape_rows(cfg, rng):
    n, rep = cfg["n_mixed"], cfg["repeats"]
    k = rng.uniform(0.5, 20.0, n)
    t = np.abs(rng.standard_gamma(k) - rng.standard_gamma(k))
    floor = _floor(k, t, rep)
    funcs = {"prob_within": gammaal.prob_within, "prob_beyond": gammaal.prob_beyond,
             "expected_target": gammaal.expected_target, "diff_pdf": gammaal.diff_pdf}
    return [_row("mixed shapes", name, best_seconds(lambda f=f: f(t, k, 1.0), rep), n, floor)
            for name, f in funcs.items()]


def quantile_rows(cfg, rng):
    n, rep = cfg["n_quantile"], cfg["repeats"]
    rows = []
    for label, k in (("k ~ U(0.5, 20)", rng.uniform(0.5, 20.0, n)), ("k = 4", np.full(n, 4.0)),
                     ("k = 4.5", np.full(n, 4.5)), ("k = 1000.5", np.full(n, 1000.5))):
        p = rng.uniform(0.0, 1.0, n)
        for dist_name, dist in (("gammadiff", gammaal.gammadiff), ("absgammadiff", gammaal.absgammadiff)):
            for method in ("ppf", "isf"):
                fn = getattr(dist, method)
                x = np.abs(fn(p, k))
                secs = best_seconds(lambda fn=fn: fn(p, k), rep)
                within = best_seconds(lambda x=x: gammaal.prob_within(x, k, 1.0), rep)
                rows.append(_row("quantiles", f"{dist_name}.{method}", secs, n, _floor(k, x, rep), shapes=label,
                                 ratio_prob_within=secs / within))
    return rows


def logsf_rows(cfg, rng):
    n, rep = cfg["n_quantile"], cfg["repeats"]
    rows = []
    for label, k in (("k ~ U(0.5, 20)", rng.uniform(0.5, 20.0, n)), ("k = 4.5", np.full(n, 4.5))):
        t = np.sqrt(2 * k) * rng.uniform(5.0, 60.0, n)
        secs = best_seconds(lambda: gammaal.absgammadiff.logsf(t, k), rep)
        rows.append(_row("logsf", "absgammadiff.logsf", secs, n, _floor(k, t, rep), shapes=label))
    return rows


def generic_rows(cfg, rng, k=4.5):
    """Our overrides against scipy's generic methods on the pdf-only subclass, one shape."""
    n, rep = cfg["n_generic"], cfg["repeats"]
    ours, generic = gammaal.absgammadiff(k), _pdf_only(k)
    p = rng.uniform(0.01, 0.99, n)
    x = ours.ppf(p)
    floor = _floor(np.full(n, k), x, rep)
    cases = {
        "cdf": (lambda: ours.cdf(x), lambda: generic.cdf(x), n),
        "ppf": (lambda: ours.ppf(p), lambda: generic.ppf(p), n),
        "isf": (lambda: ours.isf(p), lambda: generic.isf(p), n),
        "rvs": (lambda: ours.rvs(size=n, random_state=1), lambda: generic.rvs(size=n, random_state=1), n),
    }
    if cfg["generic_stats"]:
        cases["mean (one call)"] = (lambda: ours.stats("m"), lambda: generic.stats("m"), 1)
    rows = []
    for name, (fast, slow, count) in cases.items():
        t_ours = best_seconds(fast, rep)
        t_generic = best_seconds(slow, 1, warm=False)
        rows.append(_row("rv vs generic", name, t_ours, count, floor * count / n, shapes=f"k = {k:g}",
                         generic_ns_per_point=1e9 * t_generic / count, speedup_vs_generic=t_generic / t_ours))
    return rows


def run_blocks(quick=False, seed=0):
    """All four blocks in one run; returns {"meta": …, "rows": [...]}."""
    cfg = QUICK if quick else FULL
    rng = np.random.default_rng(seed)
    gammaal.absgammadiff(4.5).ppf([0.3, 0.7])       # JIT / cache load outside the timings
    gammaal.absgammadiff.logsf([30.0], [4.5])
    start = time.perf_counter()
    rows = mixed_shape_rows(cfg, rng) + quantile_rows(cfg, rng) + logsf_rows(cfg, rng) + generic_rows(cfg, rng)
    return {"meta": {"quick": bool(quick), "seed": seed, **cfg}, "rows": rows,
            "elapsed_s": time.perf_counter() - start}


def table_lines(rows):
    """Text table of the blocks (one line per row)."""
    head = (f"{'block':<14} {'function':<20} {'shapes':<15} {'ns/pt':>11} {'÷ gammainc':>11} "
            f"{'÷ prob_within':>13} {'generic ×':>10}")
    lines = [head, "-" * len(head)]
    for r in rows:
        pw = f"{r['ratio_prob_within']:.2f}" if "ratio_prob_within" in r else ""
        gen = f"{r['speedup_vs_generic']:.3g}" if "speedup_vs_generic" in r else ""
        lines.append(f"{r['block']:<14} {r['name']:<20} {r.get('shapes', 'k ~ U(0.5, 20)'):<15} "
                     f"{r['ns_per_point']:>11.0f} {r['ratio_gammainc']:>11.1f} {pw:>13} {gen:>10}")
    return lines


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m benchmarks.distributions", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny sizes, for CI smoke tests")
    ap.add_argument("--out", default="results")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    report = run_blocks(args.quick, args.seed)
    print("\n".join(table_lines(report["rows"])))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(out / "distributions.json", report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
