"""Mixed-shape arrays and single-shape cliffs: cost per point as a ratio to scipy's gammainc on the same points.

``python -m benchmarks.mixed_shapes [--n 20000] [--repeat 5]`` prints, for each (function, regime),
the median-of-``repeat`` wall time per point, the median ratio (and the best-of ratio) to
``scipy.special.gammainc(k, δ/θ)`` on the same arrays, the two alternating in chunks of 2000
points (on a busy machine both then see nearly the same load).  Points: δ = |X − Y| for
X, Y ~ Gamma(k, 1), so the probabilities cover (0, 1) uniformly.  Below
``gammaal._tables.MIN_POINTS_PROB`` points no per-k table is involved.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import scipy.special as sc

import gammaal


def _paired(func, ref, k, delta, chunk):
    """(seconds of func, seconds of ref) over all points, alternating chunk by chunk: on a shared,
    busy machine both members of each pair see nearly the same load."""
    tf = tr = 0.0
    for i in range(0, k.size, chunk):
        kc, dc = k[i:i + chunk], delta[i:i + chunk]
        t0 = time.perf_counter()
        func(dc, kc)
        t1 = time.perf_counter()
        ref(kc, dc)
        tr += time.perf_counter() - t1
        tf += t1 - t0
    return tf, tr


def _median_ratio(func, ref, k, delta, repeat, chunk=2000):
    """(median seconds of func, median func/ref ratio, best-of ratio) over ``repeat`` paired runs.

    The best-of ratio (fastest func run / fastest ref run) is the one to read on a loaded machine."""
    func(delta, k)                      # compile / warm caches
    runs = [_paired(func, ref, k, delta, chunk) for _ in range(repeat)]
    fs, rs = [a for a, _ in runs], [b for _, b in runs]
    return float(np.median(fs)), float(np.median([a / b for a, b in runs])), min(fs) / min(rs)


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
    ap.add_argument("--only", default="", help="run only the regimes whose label contains this text")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(0)
    print(f"{'regime':18s} {'function':16s} {'us/point':>9s} {'x gammainc':>10s} {'best-of':>10s}")
    for label, k in _regimes(args.n, rng):
        if args.only not in label:
            continue
        delta = np.abs(rng.gamma(k) - rng.gamma(k))
        for name in args.funcs.split(","):
            func = FUNCS[name]
            t, ratio, best = _median_ratio(lambda d, kk: func(d, kk, 1.0), sc.gammainc, k, delta, args.repeat)
            print(f"{label:18s} {name:16s} {1e6 * t / args.n:9.3f} {ratio:10.1f} {best:10.1f}", flush=True)


if __name__ == "__main__":
    main()
