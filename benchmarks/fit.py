"""Time of ``gammaal.fit_gamma`` against ``scipy.stats.gamma.fit(x, floc=0)``, measured in one run.

``python -m benchmarks.fit [--quick] [--out results]``

For n = 10^6 losses (``--quick``: 10^4) drawn from Gamma(k, 1) for several k, and for the
tightly clustered sample 1 + 1e-9·U(0, 1) (MLE k ≈ 1e19), it times, best of 5:

* ``gammaal.fit_gamma(x)`` (no KS test, the default),
* ``gammaal.fit_gamma(x, ks=True)`` (with the Kolmogorov–Smirnov test),
* ``scipy.stats.gamma.fit(x, floc=0)`` (the same model: location fixed at 0),

and records both fitted shapes (scipy's may be NaN or off for clustered data).
Writes ``fit.json`` and ``fit.md`` into ``--out`` (atomically) and prints the table.
"""
from __future__ import annotations

import argparse
import math
import platform
import sys
import time
from pathlib import Path

import numpy as np
import scipy
from scipy import stats

from gammaal.atomic import atomic_write_json, atomic_write_text

SHAPES = (0.5, 4.0, 50.0, 1e4)
FULL = {"n": 10**6, "repeats": 5}
QUICK = {"n": 10**4, "repeats": 2}


def _best_time(func, repeats):
    func()  # warm-up (imports, caches)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def _samples(n, seed):
    rng = np.random.default_rng(seed)
    cases = [(f"Gamma({k:g}, 1)", rng.gamma(k, 1.0, n)) for k in SHAPES]
    cases.append(("1 + 1e-9 U(0,1)", 1.0 + 1e-9 * rng.uniform(size=n)))
    return cases


def _scipy_shape(x):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return float(stats.gamma.fit(x, floc=0)[0])
        except Exception:  # noqa: BLE001 - any failure of the alternative is a data point, not ours
            return math.nan


def run(out="results", quick=False, seed=0, stream=None):
    """Run the benchmark, write ``fit.json`` and ``fit.md``, return the report."""
    import gammaal

    stream = sys.stdout if stream is None else stream
    cfg = QUICK if quick else FULL
    rows = []
    for label, x in _samples(cfg["n"], seed):
        scipy_s = _best_time(lambda: _scipy_shape(x), cfg["repeats"])
        ours_s = _best_time(lambda: gammaal.fit_gamma(x), cfg["repeats"])
        ks_s = _best_time(lambda: gammaal.fit_gamma(x, ks=True), cfg["repeats"])
        rows.append({"sample": label, "n": int(x.size), "k_gammaal": gammaal.fit_gamma(x).k,
                     "k_scipy": _scipy_shape(x), "time_s": {"gammaal": ours_s, "gammaal_ks": ks_s, "scipy": scipy_s},
                     "ratio_gammaal_over_scipy": ours_s / scipy_s, "ratio_gammaal_ks_over_scipy": ks_s / scipy_s})
    report = {"meta": {"quick": bool(quick), "seed": seed, "n": cfg["n"], "repeats": cfg["repeats"],
                       "python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__},
              "results": rows}
    header = ["sample", "n", "k gammaal", "k scipy", "gammaal ms", "÷ scipy", "with KS ÷ scipy"]
    body = [[r["sample"], f"{r['n']:.0e}", f"{r['k_gammaal']:.6g}", f"{r['k_scipy']:.6g}",
             f"{1e3 * r['time_s']['gammaal']:.2f}", f"{r['ratio_gammaal_over_scipy']:.2f}",
             f"{r['ratio_gammaal_ks_over_scipy']:.1f}"] for r in rows]
    out = Path(out)
    files = {"json": out / "fit.json", "md": out / "fit.md"}
    atomic_write_json(files["json"], report)
    table = "\n".join(["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
                      + ["| " + " | ".join(row) + " |" for row in body])
    atomic_write_text(files["md"], "### fit_gamma against scipy.stats.gamma.fit(floc=0)\n\n" + table + "\n")
    print(table, file=stream)
    print("wrote " + ", ".join(str(p) for p in files.values()), file=stream)
    report["files"] = {name: str(p) for name, p in files.items()}
    return report


def main(argv=None):
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fit",
                                     description="Time gammaal.fit_gamma against scipy.stats.gamma.fit.")
    parser.add_argument("--out", default="results", help="output folder (default: results)")
    parser.add_argument("--quick", action="store_true", help="10^4 losses, for CI smoke tests")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-progress", action="store_true", help="accepted for symmetry; prints no bar")
    args = parser.parse_args(argv)
    try:
        run(out=args.out, quick=args.quick, seed=args.seed)
    except (ValueError, OSError) as exc:
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
