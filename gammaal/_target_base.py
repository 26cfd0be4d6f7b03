r"""The base of φ's shape recurrence without Bessel or Struve sums: two tensor Chebyshev series in (k₀, t).

For 0 < k₀ < 1 and ``T_MIN`` ≤ t ≤ ``T_MAX``, :func:`base` returns

* g = m_{k₀}(t)/k₀, m = 2φ at shape k₀ (so m = k₀ g keeps its relative accuracy as k₀ → 0), and
* h = (q − 1)/k₀, q = K_{k₀+½}(t)/K_{k₀−½}(t), which starts the ratios ρ_j = t/(2j q_j),
  q_{j+1} = 1/q_j + (2j+1)/t (q = 1 + k₀h: exact at k₀ = 0, where K_{½} = K_{−½}),

from the coefficients of :mod:`gammaal._target_base_data` (series of t·g and t·h, both O(1)), generated in 50-digit mpmath from the Struve
form of the reflected shape's tail and Bessel K by ``python -m derivations.target_base_coefficients``
(10 panels in t, degrees ≤ 22 in each variable, coefficients trimmed below 5e-18 of the panel's largest).
Each is summed directly from T_j(t′) and T_i(k₀′) (three-term recurrences, stable on [−1, 1]), one
dot product a row: independent products, where Clenshaw's recurrence is one serial chain per row.  Against mpmath at points off the nodes (tests/test_target_base.py) both agree to ``REL_ERR``.
This replaces, inside the range, the Bessel pair (0.26 µs) and the Struve or 73-node M-function base
(0.05–0.29 µs) of :mod:`gammaal._target_bessel`.
"""
from __future__ import annotations

import numpy as np

from . import _target_base_data as _data
from ._special import jit

_EDGES = _data.EDGES
_DEG = _data.DEG
_COEF = _data.COEF
_NCOL = _data.NCOL
T_MIN = float(_EDGES[0])
T_MAX = float(_EDGES[-1])
#: relative error of g and of q assumed by the caller's error bound: measured against mpmath off the nodes
#: (tests/test_target_base.py and 1500 random points): worst 8.9e-16 for g, 6.7e-16 for q — the series'
#: own truncation is ≤ 4e-17, the rest is the rounding of ~150–280 products; a factor 2 of margin
REL_ERR = 2e-15


@jit
def _cheb(x, n, out):
    """T_0(x) … T_{n−1}(x) into out[:n] (three-term recurrence, stable on [−1, 1])."""
    out[0] = 1.0
    if n > 1:
        out[1] = x
    for j in range(2, n):
        out[j] = 2.0 * x * out[j - 1] - out[j - 2]


@jit
def base(k0, t):
    """(g, h) at 0 ≤ k₀ ≤ 1, T_MIN ≤ t ≤ T_MAX (no checks: the caller keeps to the range)."""
    p = 0
    while p < _EDGES.size - 2 and t > _EDGES[p + 1]:
        p += 1
    a = _EDGES[p]
    b = _EDGES[p + 1]
    size = _COEF.shape[2]
    tt = np.empty(size)
    tk = np.empty(size)
    _cheb((2.0 * t - a - b) / (b - a), size, tt)
    _cheb(2.0 * k0 - 1.0, size, tk)
    g = 0.0
    h = 0.0
    for w in range(2):
        rows = _DEG[p, w, 0]
        acc = 0.0
        for i in range(rows):
            row = 0.0
            for j in range(_NCOL[p, w, i]):       # independent products: no serial Clenshaw chain
                row += _COEF[p, w, i, j] * tt[j]
            acc += tk[i] * row
        if w == 0:
            g = acc
        else:
            h = acc
    inv_t = 1.0 / t                           # the series are of t·g and t·h
    return g * inv_t, h * inv_t
