"""Mixed-shape arrays and single-shape cliffs: cost per point as a ratio to scipy's gammainc on the same points.

``python -m benchmarks.mixed_shapes [--n 20000] [--repeat 5]`` prints, for each (function, regime),
the median-of-``repeat`` wall time per point and its ratio to ``scipy.special.gammainc(k, δ/θ)``
timed in the same run on the same arrays.  Points: δ = |X − Y| for X, Y ~ Gamma(k, 1), so the
probabilities cover (0, 1) uniformly.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import scipy.special as sc

import gammaal


def _median_time(func, repeat):
    func()                              # compile / warm caches
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def _regimes(n, rng):
    yield "k ~ U(0.5, 20)", rng.uniform(0.5, 20.0, n)
    for k in (4.5, 30.5, 100.5, 1000.0, 1000.5):
        yield f"k = {k}", np.full(n, k)


FUNCS = {
    "prob_within": gammaal.prob_within,
    "prob_beyond": gammaal.prob_beyond,
    "diff_pdf": gammaal.diff_pdf,
    "expected_target": gammaal.expected_target,
}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--funcs", default=",".join(FUNCS))
    args = ap.parse_args(argv)
    rng = np.random.default_rng(0)
    print(f"{'regime':18s} {'function':16s} {'us/point':>9s} {'x gammainc':>10s}")
    for label, k in _regimes(args.n, rng):
        delta = np.abs(rng.gamma(k) - rng.gamma(k))
        # a fresh shape per regime and run: keep the per-k tables out of single-shape timings
        k = k * (1.0 + 1e-12 * rng.uniform(size=k.size)) if label.startswith("k =") and k[0] != int(k[0]) else k
        ref = _median_time(lambda: sc.gammainc(k, delta), args.repeat)
        for name in args.funcs.split(","):
            func = FUNCS[name]
            t = _median_time(lambda: func(delta, k, 1.0), args.repeat)
            print(f"{label:18s} {name:16s} {1e6 * t / args.n:9.3f} {t / ref:10.1f}")


if __name__ == "__main__":
    main()
