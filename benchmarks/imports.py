"""Import time and the cost of one call with Python floats, against scipy, measured in one run.

``python -m benchmarks.imports [--quick] [--out results]``

* **import**: ``python -c "import gammaal"`` in fresh subprocesses (median of ``repeats`` runs,
  wall and CPU time), next to ``import numpy`` (its floor) and ``import scipy.stats``; then the
  first call ``prob_within(0.1, 4.5, 0.066)`` after it, with the numba cache warm and with an
  empty one (``NUMBA_CACHE_DIR`` a fresh folder: every kernel compiles); with a warm cache also the
  first call at k = 4, of an array and of a mixed-shape array, each also printed minus the import
  (what the first call itself costs: numba's import and start, and the load of the one kernel it needs).  ``import gammaal``
  itself loads neither numba nor scipy, so the empty cache costs it nothing; the first call pays.
* **scalar calls**: µs per call of each public function with three Python floats (timeit, best
  of 5 rounds, the compared calls taking turns in each round), the scalar kernel alone (the rest is validation and dispatch), the same call through the
  array path (1-element arrays, what every scalar call cost before the scalar path), each as a
  ratio to one ``scipy.special.gammainc(4.5, 1.2)``; a frozen ``scipy.stats.gamma(4.5).cdf`` is
  timed too.

Writes ``imports.json`` into ``--out`` and prints both tables.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

FULL = {"repeats": 5, "cold_repeats": 3, "calls": 2000}
QUICK = {"repeats": 2, "cold_repeats": 0, "calls": 50}

FIRST_CALL = "import gammaal; gammaal.prob_within(0.1, 4.5, 0.066)"
#: the first calls timed in fresh processes with a warm numba cache (each minus ``import gammaal``: the
#: numba import and the load of the kernels that call needs)
FIRST_CALLS = {
    "import gammaal + first call": FIRST_CALL,
    "import gammaal + prob_within(0.1, 4, 0.066)": "import gammaal; gammaal.prob_within(0.1, 4, 0.066)",
    "import gammaal + first array call": ("import gammaal, numpy; "
                                          "gammaal.prob_within(numpy.linspace(0.01, 0.3, 100), 4, 0.066)"),
    "import gammaal + first mixed-shape array call": (
        "import gammaal, numpy; gammaal.prob_within(0.1, numpy.linspace(0.5, 20.5, 100), 0.066)"),
}
IMPORTS = {
    "import numpy": "import numpy",
    "import scipy.stats": "import scipy.stats",
    "import gammaal": "import gammaal",
    **FIRST_CALLS,
}

DELTA, THETA = 0.1, 0.066
SHAPES = (1e-3, 0.1, 0.5, 4.0, 4.5, 30.5, 1000.5, 1e4, 1e6)
#: public name -> (scalar kernel in gammaal._kernels, how the public layer feeds it t = δ/θ)
FUNCTIONS = {
    "prob_within": "within_scaled",
    "prob_beyond": "beyond_scaled",
    "expected_target": "expected_target_scaled",
    "diff_pdf": "pdf_scaled",
    "diff_cdf": "cdf_scaled",
}


def _subprocess_seconds(code, env=None):
    """(wall, CPU) seconds of ``python -c code`` in a fresh interpreter, run from the checkout."""
    before = os.times()
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)
    wall = time.perf_counter() - t0
    after = os.times()
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def _median_runs(code, repeats, env=None):
    runs = [_subprocess_seconds(code, env) for _ in range(repeats)]
    return {"wall_s": statistics.median(r[0] for r in runs), "cpu_s": statistics.median(r[1] for r in runs),
            "runs": len(runs)}


def import_times(cfg):
    rows = {}
    for label, code in IMPORTS.items():
        _subprocess_seconds(code)                     # .pyc files and the numba cache written: warm
        rows[label] = _median_runs(code, cfg["repeats"])
    for label, code in (("import gammaal, empty numba cache", "import gammaal"),
                        ("import gammaal + first call, empty numba cache", FIRST_CALL)):
        n = cfg["repeats"] if code == "import gammaal" else cfg["cold_repeats"]
        if n == 0:
            continue
        runs = []
        for _ in range(n):
            with tempfile.TemporaryDirectory() as cache:
                runs.append(_subprocess_seconds(code, {**os.environ, "NUMBA_CACHE_DIR": cache}))
        rows[label] = {"wall_s": statistics.median(r[0] for r in runs),
                       "cpu_s": statistics.median(r[1] for r in runs), "runs": n}
    return rows


def _per_call_us(fns, calls, rounds=5):
    """µs per call of each function, best of ``rounds``; the functions take turns within each round, so
    a load change on a shared machine hits all of them alike (their differences stay meaningful)."""
    for fn in fns:
        fn()
    best = [np.inf] * len(fns)
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            best[i] = min(best[i], timeit.timeit(fn, number=calls) / calls * 1e6)
    return best


def scalar_calls(cfg):
    import gammaal
    from gammaal import _kernels
    from scipy import special, stats

    calls = cfg["calls"]
    frozen = stats.gamma(4.5, scale=THETA)
    floor, frozen_us = _per_call_us([lambda: special.gammainc(4.5, 1.2), lambda: frozen.cdf(DELTA)], calls)
    rows = []
    one = np.array([DELTA])
    t = DELTA / THETA
    for name, kernel_name in FUNCTIONS.items():
        public, kernel = getattr(gammaal, name), getattr(_kernels, kernel_name)
        for k in SHAPES:
            n = calls if k < 1000 else max(calls // 20, 5)
            total, kern, array = _per_call_us([lambda: public(DELTA, k, THETA), lambda: kernel(t, k),
                                               lambda: public(one, k, THETA)], n)
            rows.append({"function": name, "k": k, "us": total, "kernel_us": kern, "overhead_us": total - kern,
                         "array_path_us": array, "ratio_gammainc": total / floor,
                         "ratio_frozen_gamma_cdf": total / frozen_us})
    return {"gammainc_us": floor, "frozen_gamma_cdf_us": frozen_us, "delta": DELTA, "theta": THETA, "rows": rows}


def _print_tables(report, stream):
    print("import (fresh subprocess, median of runs)", file=stream)
    print(f"  {'':50s} {'wall s':>8s} {'CPU s':>8s} {'runs':>5s}", file=stream)
    for label, r in report["imports"].items():
        print(f"  {label:50s} {r['wall_s']:8.2f} {r['cpu_s']:8.2f} {r['runs']:5d}", file=stream)
    if "first_call_s" in report:
        print("first call alone (the row minus `import gammaal`, warm numba cache), wall / CPU s", file=stream)
        for label, r in report["first_call_s"].items():
            print(f"  {label.removeprefix('import gammaal + '):50s} {r['wall_s']:8.2f} {r['cpu_s']:8.2f}",
                  file=stream)
    sc = report["scalar_calls"]
    print(f"\nscalar calls f({sc['delta']}, k, {sc['theta']}) with Python floats, µs per call "
          f"(gammainc(4.5, 1.2): {sc['gammainc_us']:.2f} µs; frozen gamma.cdf: {sc['frozen_gamma_cdf_us']:.1f} µs)",
          file=stream)
    print(f"  {'function':16s} {'k':>7s} {'µs':>8s} {'kernel':>8s} {'overhead':>9s} {'array path':>11s}"
          f" {'÷ gammainc':>11s} {'÷ gamma.cdf':>12s}", file=stream)
    for r in sc["rows"]:
        print(f"  {r['function']:16s} {r['k']:7g} {r['us']:8.2f} {r['kernel_us']:8.2f} {r['overhead_us']:9.2f}"
              f" {r['array_path_us']:11.1f} {r['ratio_gammainc']:11.1f} {r['ratio_frozen_gamma_cdf']:12.3f}",
              file=stream)


def run(out="results", quick=False, stream=None):
    from gammaal.atomic import atomic_write_json

    stream = sys.stdout if stream is None else stream
    cfg = QUICK if quick else FULL
    start = time.perf_counter()
    report = {"meta": {"quick": bool(quick), **cfg, "python": platform.python_version(),
                       "numpy": np.__version__, "cpu": f"{platform.machine()}, {os.cpu_count()} cores"},
              "imports": import_times(cfg), "scalar_calls": scalar_calls(cfg)}
    base = report["imports"]["import gammaal"]
    report["first_call_s"] = {label: {key: report["imports"][label][key] - base[key] for key in ("wall_s", "cpu_s")}
                              for label in FIRST_CALLS}
    report["elapsed_s"] = time.perf_counter() - start
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(out / "imports.json", report)
    _print_tables(report, stream)
    print(f"\nbenchmark took {report['elapsed_s']:.1f} s; wrote {out / 'imports.json'}", file=stream)
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.imports", description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="results", help="output folder (default: results)")
    parser.add_argument("--quick", action="store_true", help="two import runs, no empty-cache compile, few calls")
    args = parser.parse_args(argv)
    run(out=args.out, quick=args.quick)


if __name__ == "__main__":
    main()
