r"""P(|Z| > t) for 0.001 ≤ k < 1.5 and 0.0098 ≤ t ≤ 25.8 in O(1): a fitted series with the factor k explicit.

At small k the tail is O(k) (P(|Z| > t) ≈ 2 Q(k, t) at any fixed t > 0), so 1 − P, the M-function form
and the shape recurrence P_k = P_{k+1} − t f_k/k all cancel by up to 1/k there, and the small-tail forms
of :mod:`gammaal._struve_tail` serve only k ≥ 1.5; before this module such points (tails < ¼ at k < ½,
most of them at ½ ≤ k < 1.5) took the W-quadrature, 0.04–1.4 ms each.  Here

.. math::  P(|Z| > t) = k\, e^{H(k, ξ)}\, e^{−t},\qquad ξ = \log t,

with H the tensor Chebyshev series of :mod:`gammaal._small_k_tail_data` on the boxes
K_EDGES × EDGES (degrees ≤ 19, generated from 50-digit mpmath values of the Struve-form tail by
``python -m derivations.small_k_tail_coefficients``; H is O(1) and analytic in k down to 0, so the
two exponentials carry the scale exactly).  Outside the box :func:`beyond` returns NaN.  Against mpmath
(tests/test_small_k_tail.py) the tail agrees to ``REL_ERR``.
"""
from __future__ import annotations

import math

import numpy as np

from . import _chebyshev2d as _c2, _small_k_tail_data as _data
from ._special import jit

_EDGES = _data.EDGES
_K_EDGES = _data.K_EDGES
_DEG = _data.DEG
_COEF = _data.COEF
_NCOL = _data.NCOL
_NX = _EDGES.size - 1
K_MIN = float(_K_EDGES[0])
#: the fit's upper end, excluded (from here up the M-function forms of _struve_tail serve)
K_MAX = float(_K_EDGES[-1])
T_MIN = math.exp(float(_EDGES[0]))
T_MAX = math.exp(float(_EDGES[-1]))
#: measured against mpmath on random points of the box (tests/test_small_k_tail.py)
REL_ERR = 5e-15


@jit
def beyond(t, k):
    """P(|Z| > t), or NaN outside K_MIN ≤ k < K_MAX, T_MIN ≤ t ≤ T_MAX."""
    if not (K_MIN <= k < K_MAX and T_MIN <= t <= T_MAX):
        return np.nan
    xi = math.log(t)
    if not _EDGES[0] <= xi <= _EDGES[-1]:
        return np.nan                   # t at an end whose log rounds outside the box
    ik = _c2.panel(_K_EDGES, k)
    ix = _c2.panel(_EDGES, xi)
    p = ik * _NX + ix
    tk = np.empty(_COEF.shape[2])
    tx = np.empty(_COEF.shape[3])
    _c2.cheb_values(_c2.to_unit(k, _K_EDGES[ik], _K_EDGES[ik + 1]), tk)
    _c2.cheb_values(_c2.to_unit(xi, _EDGES[ix], _EDGES[ix + 1]), tx)
    h = _c2.tensor_sum(_COEF, _DEG, _NCOL, p, 0, tk, tx)
    return k * math.exp(h) * math.exp(-t)
