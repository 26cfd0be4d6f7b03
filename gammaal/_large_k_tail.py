r"""P(|Z| > t) for 64 ≤ k ≤ 2000 and σ ≤ t ≤ 4.4σ (σ = √(2k)) in O(1): the density times a fitted Mills ratio.

The small tail at large k otherwise comes from the shape recurrence of :mod:`gammaal._struve_tail`, one
step per unit of k (1.2–1.4 µs at k ≈ 1000).  Here

.. math::  P(|Z| > t) = 2 f(t)\,\frac{σ}{x}\,F(1/k, x),\qquad x = t/σ,

with f the density from Debye's expansion of K_ν (:func:`gammaal._bessel.r_debye`, O(1); it serves
x ≲ 4.45 at these k) and F the tensor Chebyshev series of :mod:`gammaal._large_k_tail_data` in
(w = 1/k, x) on three x-panels, generated from 50-digit mpmath values of the Struve-form tail and of
Bessel K by ``python -m derivations.large_k_tail_coefficients``.  F tends to the normal Mills ratio
x Q(x)/φ(x) as k → ∞; in w its coefficients fall fastest (the Edgeworth corrections are a series in
1/k).  Outside the range, or where Debye's expansion declines, :func:`beyond` returns NaN (the caller's
recurrence).  Against mpmath (tests/test_large_k_tail.py) the tail agrees to ``REL_ERR``.
"""
from __future__ import annotations

import math

import numpy as np

from . import _bessel, _chebyshev2d as _c2, _large_k_tail_data as _data
from ._special import jit

_EDGES = _data.EDGES
_DEG = _data.DEG
_COEF = _data.COEF
_NCOL = _data.NCOL
_W_LO = _data.W_LO
_W_HI = _data.W_HI
K_MIN = 1.0 / _W_HI
K_MAX = 1.0 / _W_LO
X_MIN = float(_EDGES[0])
X_MAX = float(_EDGES[-1])
_SQRTPI = math.sqrt(math.pi)


@jit
def beyond(t, k):
    """P(|Z| > t), or NaN outside K_MIN ≤ k ≤ K_MAX, X_MIN ≤ t/σ ≤ X_MAX or where Debye's R_ν declines."""
    if not K_MIN <= k <= K_MAX:
        return np.nan
    sigma = math.sqrt(2.0 * k)
    x = t / sigma
    if not X_MIN <= x <= X_MAX:
        return np.nan
    r = _bessel.r_debye(k - 0.5, t)
    if math.isnan(r):
        return np.nan
    f = r * _bessel.gamma_ratio_half(k) / _SQRTPI
    p = _c2.panel(_EDGES, x)
    tw = np.empty(_COEF.shape[2])
    tx = np.empty(_COEF.shape[3])
    _c2.cheb_values(_c2.to_unit(1.0 / k, _W_LO, _W_HI), tw)
    _c2.cheb_values(_c2.to_unit(x, _EDGES[p], _EDGES[p + 1]), tx)
    return 2.0 * f * (sigma / x) * _c2.tensor_sum(_COEF, _DEG, _NCOL, p, 0, tw, tx)
