r"""P(|Z| ≤ t), P(|Z| > t) and the density for shapes above the Struve range (2000 < k ≤ 1e10) in O(1).

Past ``_bessel.K_MAX`` the forms of :mod:`gammaal._bessel` would run an O(k) recurrence, so these shapes
took the S-integral quadrature of :mod:`gammaal._mixture` (110–150 µs a point).  But where Debye's expansion
of K_ν serves both orders ν − 1 and ν (:func:`gammaal._bessel.r_debye_upto`: its exponent ≥ −100, i.e.
t ≲ 14.1σ, σ = √(2k); it is written with the ν log ν parts cancelled, so it stays accurate at any ν), each
piece is O(1) at any k:

* the body from the Struve form P = t[K_ν L_{ν−1} + L_ν K_{ν−1}] (positive terms; the Struve series needs
  ≈ x²/2 + 20 terms, x = t/σ, whatever k is);
* where that body exceeds ¾, the tail from the M-function form of :mod:`gammaal._struve_tail`,
  P(|Z| > t) = (G/√π)[4(k−1) R_ν J_{k−2}(t) + (t²/ν) R_{ν−1} J_{k−1}(t)] — positive terms again, with
  J_a(t) = (1/t)∫_0^t e^{−v}(1 − v²/t²)^a dv by 64-point Gauss–Laguerre.  The integrand is e^{−v} times
  a near-Gaussian of width ≈ x√2 in v; measured against mpmath the rule keeps J to ≤ 3.5e-15 for x ≥ 1
  (32 points: 2.8e-9 at x = 1), and the tail is only formed for x ≳ 1.15 (below, 1 − P ≥ ¼);
* near P = 1 (tail < 1/64) P itself as 1 − that tail, as in :func:`gammaal._kernels.within_scaled`.

Elsewhere (t ≳ 14.1σ, or k outside the range) the functions return NaN and the callers use the quadratures.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.special import roots_laguerre

from . import _bessel, _struve_tail
from ._special import jit

K_MIN = _bessel.K_MAX
K_MAX = 1e10
#: Debye's exponent E ≈ −x²/2 is used down to −100 (x ≲ 14.1σ, tails down to ~1e-44): an ulp of z = t/ν moves E
#: by ~2|E| ulps, so R_ν carries up to ~2e-14 there (measured against Edgeworth at k = 1e9, 1e10 and mpmath at
#: k = 2000.5: 1.3e-14 at x = 12, 1.7e-14 at x = 14; the S-integral behind keeps ~7e-15 but costs ~190 µs)
MAX_EXPONENT = 100.0
_GL_V, _GL_W = roots_laguerre(64)
_SQRTPI = math.sqrt(math.pi)
_TAIL_VIA_BODY_MAX_P = 0.75
_P_VIA_TAIL = 1.0 / 64.0


@jit
def within_beyond(t, k):
    """(P(|Z| ≤ t), P(|Z| > t)) for K_MIN < k ≤ K_MAX where Debye's expansion serves both orders; else NaNs."""
    p, b, _ = within_beyond_pdf(t, k)
    return p, b


@jit
def within_beyond_pdf(t, k):
    """(P(|Z| ≤ t), P(|Z| > t), f(t)) as :func:`within_beyond`, with the density from the same R_ν."""
    if not (K_MIN < k <= K_MAX and t > 0.0):
        return np.nan, np.nan, np.nan
    nu = k - 0.5
    r0 = _bessel.r_debye_upto(nu - 1.0, t, MAX_EXPONENT)
    if math.isnan(r0):
        return np.nan, np.nan, np.nan
    r1 = _bessel.r_debye_upto(nu, t, MAX_EXPONENT)
    if math.isnan(r1):
        return np.nan, np.nan, np.nan
    g = _bessel.gamma_ratio_half(k)
    f = r1 * g / _SQRTPI
    s_nu, s_num1 = _bessel.struve_sums(t, nu)
    p = min(_bessel.within_from_r(t, k, r0, r1, s_nu, s_num1, g), 1.0)
    if p <= _TAIL_VIA_BODY_MAX_P:
        return p, 1.0 - p, f
    j0, j1 = _struve_tail.j_pair_gauss_laguerre(t, k, _GL_V, _GL_W)
    b = _struve_tail.m_tail(t, k, r0, r1, g, j0, j1)
    if b < _P_VIA_TAIL:
        p = 1.0 - b
    return p, b, f


@jit
def pdf(t, k):
    """Density of Z at |z| = t > 0 for K_MIN < k ≤ K_MAX where Debye's expansion serves; else NaN."""
    if not (K_MIN < k <= K_MAX and t > 0.0):
        return np.nan
    r = _bessel.r_debye_upto(k - 0.5, t, MAX_EXPONENT)
    return r * _bessel.gamma_ratio_half(k) / _SQRTPI
