"""Mixed-shape arrays and single-shape cliffs: cost per point as a ratio to scipy's gammainc on the same points.

``python -m benchmarks.mixed_shapes [--n 20000] [--repeat 5]`` prints, for each (function, regime),
the median-of-``repeat`` wall time per point and the median ratio to
``scipy.special.gammainc(k, δ/θ)`` on the same arrays, each call paired with a gammainc call
right after it.  Points: δ = |X − Y| for X, Y ~ Gamma(k, 1), so the probabilities cover (0, 1)
uniformly.  Below ``gammaal._tables.MIN_POINTS_PROB`` points no per-k table is involved.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import scipy.special as sc

import gammaal


def _timed(func):
    t0 = time.perf_counter()
    func()
    return time.perf_counter() - t0


def _median_ratio(func, ref, repeat):
    """(median seconds of func, median of func/ref over interleaved pairs): a shared, busy
    machine slows both members of a pair alike, so the ratio is steadier than either time."""
    func()                              # compile / warm caches
    ref()
    pairs = [(_timed(func), _timed(ref)) for _ in range(repeat)]
    return float(np.median([a for a, _ in pairs])), float(np.median([a / b for a, b in pairs]))


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
        for name in args.funcs.split(","):
            func = FUNCS[name]
            t, ratio = _median_ratio(lambda: func(delta, k, 1.0), lambda: sc.gammainc(k, delta), args.repeat)
            print(f"{label:18s} {name:16s} {1e6 * t / args.n:9.3f} {ratio:10.1f}", flush=True)


if __name__ == "__main__":
    main()
