r"""The base of φ's shape recurrence without Bessel or Struve sums: two tensor Chebyshev series in (k₀, t).

For 0 < k₀ < 1 and ``T_MIN`` ≤ t ≤ ``T_MAX``, :func:`base` returns

* g = m_{k₀}(t)/k₀, m = 2φ at shape k₀ (so m = k₀ g keeps its relative accuracy as k₀ → 0), and
* h = (q − 1)/k₀, q = K_{k₀+½}(t)/K_{k₀−½}(t), which starts the ratios ρ_j = t/(2j q_j),
  q_{j+1} = 1/q_j + (2j+1)/t (q = 1 + k₀h: exact at k₀ = 0, where K_{½} = K_{−½}),

from the coefficients of :mod:`gammaal._target_base_data` (series of t·g and t·h, both O(1)), generated
in 50-digit mpmath from the Struve form of the reflected shape's tail and Bessel K by
``python -m derivations.target_base_coefficients`` (10 panels in t, degrees ≤ 20 in each variable,
coefficients trimmed below 5e-18 of the panel's largest).  Both are summed by
:func:`gammaal._chebyshev2d.tensor_sum` on one set of T_i(k₀′), T_j(t′).  Against mpmath at points off
the nodes (tests/test_target_base.py) both agree to ``REL_ERR``.
This replaces, inside the range, the Bessel pair (0.26 µs) and the Struve or 73-node M-function base
(0.05–0.29 µs) of :mod:`gammaal._target_bessel`.
"""
from __future__ import annotations

import numpy as np

from . import _chebyshev2d as _c2, _target_base_data as _data
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
def base(k0, t):
    """(g, h) at 0 ≤ k₀ ≤ 1, T_MIN ≤ t ≤ T_MAX (no checks: the caller keeps to the range)."""
    p = _c2.panel(_EDGES, t)
    tk = np.empty(_COEF.shape[2])
    tt = np.empty(_COEF.shape[3])
    _c2.cheb_values(2.0 * k0 - 1.0, tk)
    _c2.cheb_values(_c2.to_unit(t, _EDGES[p], _EDGES[p + 1]), tt)
    inv_t = 1.0 / t                           # the series are of t·g and t·h
    g = _c2.tensor_sum(_COEF, _DEG, _NCOL, p, 0, tk, tt) * inv_t
    h = _c2.tensor_sum(_COEF, _DEG, _NCOL, p, 1, tk, tt) * inv_t
    return g, h
