r"""P(|Z| > t) where it is small, from the Struve–Bessel form with the M-functions as positive integrals.

With M_μ = L_μ − I_μ and the Wronskian ``t[K_ν I_{ν−1} + I_ν K_{ν−1}] = 1``,

.. math::
    P(|Z| > t) = −t\,[K_ν M_{ν−1} + M_ν K_{ν−1}],\qquad
    −M_μ(x) = \frac{2 (x/2)^μ}{\sqrt{π}\,Γ(μ+½)} \int_0^1 e^{−xu} (1−u^2)^{μ−½}\,du

(DLMF 11.5.4, μ > −½), again two positive products: no cancellation however
small the tail.  In the normalised Bessel values ``R_μ`` of :mod:`gammaal._bessel`
and with ``J_a(x) = ∫_0^1 e^{−xu}(1−u²)^a du``, G = Γ(k+½)/Γ(k):

.. math::
    P(|Z| > t) = \frac{G}{\sqrt{π}}\Big[4(k−1) R_ν J_{k−2}(t) + \frac{t^2}{ν} R_{ν−1} J_{k−1}(t)\Big].

The two J are one tanh–sinh sum (fixed nodes, one ``exp`` per node: the
integrand of J_{k−1} is that of J_{k−2} times 1 − u²); tanh–sinh absorbs the
integrable endpoint singularity (1 − u)^{k−2} for k < 2.  Near k = 1 that
singularity is too strong for any fixed rule, and e^{−xu}, (1 − u²)^{k−2} grow off
the real axis, so the rule is used only on ``[K_MIN, K_MAX] × (0, X_MAX]``, where it
is validated against mpmath; see :func:`gammaal._kernels.beyond_scaled`.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.special import roots_laguerre

from . import _bessel
from ._special import jit

#: validated range (tests/test_mixed_shapes.py): 73 nodes keep J to ~1e-15 here; e^{−xu} and
#: (1 − u²)^{k−2} grow off the real axis, so larger x or k would need more nodes
K_MIN = 1.5
K_MAX = 20.5
X_MAX = 30.0
_H = 0.1
_S_LO = -3.3          # u ≈ 1e-14·e^{−…}: below here the nodes carry < 1e-17 of J
_S_HI = 4.0           # 1 − u ≈ e^{−86}: enough for the (1 − u)^{−½} end at k = 1.5


def _nodes():
    s = np.arange(math.ceil(_S_LO / _H), math.floor(_S_HI / _H) + 1) * _H
    a = np.pi * np.sinh(s)
    u = 1.0 / (1.0 + np.exp(-a))               # tanh–sinh abscissa on (0, 1): (1 + tanh(π/2 sinh s))/2
    v = 1.0 / (1.0 + np.exp(a))                # 1 − u without cancellation
    w = _H * np.pi * np.cosh(s) * u * v        # h du/ds
    return u, v, w, np.log(v) + np.log1p(u), w * v * (1.0 + u)


_U, _V, _W, _LOG1MU2, _W1 = _nodes()
_GL_V, _GL_W = roots_laguerre(32)
#: the shape recurrence starts from a base shape k₁ in [REC_K1, REC_K1 + 1) (small k₁: J by the
#: rules above; ≥ 4.5 so that the Gauss–Laguerre rule for t > X_MAX has no endpoint singularity)
REC_K1 = 4.5
REC_X_MAX = 600.0


@jit
def j_pair(x, k):
    """(J_{k−2}(x), J_{k−1}(x)), J_a(x) = ∫_0^1 e^{−xu}(1−u²)^a du, by fixed-node tanh–sinh."""
    a = k - 2.0
    s0 = 0.0
    s1 = 0.0
    for j in range(_U.size):
        e = -x * _U[j] + a * _LOG1MU2[j]
        if e > -745.0:
            f = math.exp(e)
            s0 += _W[j] * f
            s1 += _W1[j] * f
    return s0, s1


@jit
def j_pair_gauss_laguerre(x, k, nodes, weights):
    """(J_{k−2}(x), J_{k−1}(x)) with J = (1/x) ∫_0^∞ e^{−v}(1 − v²/x²)_+^a dv by the Gauss–Laguerre rule
    (nodes, weights); the cut at v = x weighs e^{−x} and is smooth to order k − 2."""
    a = k - 2.0
    s0 = 0.0
    s1 = 0.0
    for j in range(nodes.size):
        r = nodes[j] / x
        if r >= 1.0:
            break
        om = 1.0 - r * r
        f = weights[j] * math.exp(a * math.log1p(-r * r))
        s0 += f
        s1 += f * om
    return s0 / x, s1 / x


@jit
def j_pair_laguerre(x, k):
    """(J_{k−2}(x), J_{k−1}(x)) for x ≥ X_MAX, k ≥ REC_K1 by 32-point Gauss–Laguerre (e^{−x} < 1e-13 there)."""
    return j_pair_gauss_laguerre(x, k, _GL_V, _GL_W)


@jit
def beyond_recurrence(x, k):
    """P(|Z| > x) for REC_K1 + 1 ≤ k ≤ _bessel.K_MAX, 0 < x ≤ REC_X_MAX, by the shape recurrence
    ``P_{k+1}(|Z| > x) = P_k(|Z| > x) + x f_k(x)/k`` (positive increments, f_k = R_{k−½} G(k)/√π)
    upward from the M-function form at k₁ = k − n ∈ [REC_K1, REC_K1 + 1)."""
    nu = k - 0.5
    n1 = int(math.floor(k - REC_K1))
    k1 = k - n1
    nu1 = k1 - 0.5
    # R_μ for μ = μ0 + i up to ν (as in _bessel.k_values), collecting the base pair and the increments
    a0 = nu - 1.0
    n = int(math.floor(a0 + 0.5))
    mu = a0 - n
    r0, r1 = _bessel.k_pair_normalised(mu, x)          # R_μ, R_{μ+1}
    q = 0.25 * x * x
    m = mu + 1.0                                        # index of r1
    inv_m = 1.0 / m
    g1 = _bessel.gamma_ratio_half(k1)
    rb0 = 0.0
    rb1 = 0.0
    inc = 0.0
    gk = g1                                             # G(k') for k' = m + ½ once m ≥ ν₁
    for _ in range(n):
        if abs(m - nu1) < 0.25:
            rb0 = r0
            rb1 = r1
        if m > nu1 - 0.25:
            kp = m + 0.5
            inc += r1 * gk / kp
            gk *= (kp + 0.5) / kp
        inv_next = 1.0 / (m + 1.0)
        r0, r1 = r1, (m * r1 + q * inv_m * r0) * inv_next
        inv_m = inv_next
        m += 1.0
    if x <= X_MAX:
        j0, j1 = j_pair(x, k1)
    else:
        j0, j1 = j_pair_laguerre(x, k1)
    return m_tail(x, k1, rb0, rb1, g1, j0, j1) + x * inc / math.sqrt(math.pi)


@jit
def m_tail(x, k, r0, r1, g, j0, j1):
    """P(|Z| > x) = (G/√π)[4(k−1) R_ν J_{k−2} + (x²/ν) R_{ν−1} J_{k−1}] from R_{ν−1} = r0, R_ν = r1,
    g = G = Γ(k+½)/Γ(k) and the pair (J_{k−2}(x), J_{k−1}(x))."""
    return (g / math.sqrt(math.pi)) * (4.0 * (k - 1.0) * r1 * j0 + x * x * r0 * j1 / (k - 0.5))


@jit
def beyond_from_r(x, k, r0, r1, g):
    """P(|Z| > x) from R_{ν−1} = r0, R_ν = r1 (:func:`gammaal._bessel.k_values`) and g = Γ(k+½)/Γ(k)."""
    j0, j1 = j_pair(x, k)
    return m_tail(x, k, r0, r1, g, j0, j1)


@jit
def beyond_struve(x, k):
    """P(|Z| > x) for K_MIN ≤ k ≤ K_MAX, 0 < x ≤ X_MAX (no checks)."""
    r0, r1 = _bessel.k_values(k - 0.5, x)           # R_{ν−1}, R_ν
    return beyond_from_r(x, k, r0, r1, _bessel.gamma_ratio_half(k))
