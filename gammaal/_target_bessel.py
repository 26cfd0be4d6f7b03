r"""φ(t) for non-integer k from the reflected shape's tail and the shape recurrence, one point at a time.

With u = 1 + x, ``D_k = ∫_1^∞ (u²−1)^{k−1} e^{−tu} du = Γ(k)(2/t)^{k−½} K_{k−½}(t)/√π`` and
``J_k = ∫_1^∞ (u²−1)^{k−1} e^{−tu}/u du``, φ = ½ m_k with m_k = 1 − J_k/D_k = ½-scaled
E[1 − 1/u].  Two facts (checked against mpmath, tests/test_target_bessel.py):

* **reflection** (0 < k₀ < 1, s = 1 − k₀): −dJ/dt = D and t^{−ν}K_ν = t^{−ν}K_{−ν}, so
  ``J_{k₀} = Γ(k₀)Γ(s)/2 · P_s(|Z| > t)`` and ``D_{k₀} = Γ(k₀)Γ(s) f_s(t)`` (f_s the density of Z
  for shape s), hence ``m_{k₀} = 1 − P_s(|Z| > t) / (2 f_s(t))``.  The tail of shape s comes from
  1 − P (Struve form) while that is ≥ ¼, else from the positive M-function form at s + 2
  (:mod:`gammaal._struve_tail`) and two steps of the shape recurrence down, P_s = P_{s+1} − t f_s/s;
* **shape recurrence**: integrating (u²−1)^{k−1}u e^{−tu} by parts, J_{k+1} + J_k = t D_{k+1}/(2k),
  i.e. with ρ_j = D_j/D_{j+1} = t/(2j q_j), q_j = K_{j+½}(t)/K_{j−½}(t), q_{j+1} = 1/q_j + (2j+1)/t

  .. math::  m_{j+1} = 1 − t/(2j) + ρ_j (1 − m_j),

  run upward from k₀ to k.  An error in m_j reaches m_{j+1} multiplied by ρ_j, so the recurrence is
  stable where ρ_j < 1 (t ≲ 2j) and loses digits where t ≫ k (and 1 − J/D cancels there).  Rather
  than a fixed regime map, each point carries a running first-order error bound (the base error and
  every step's rounding, propagated by ρ) and returns NaN when it exceeds ``BOUND`` relative: the
  caller then uses the trapezoid pass of :mod:`gammaal._target_trapezoid`.

**Where the base comes from.**  For 0.3 ≤ t ≤ 30 (92 % of the benchmark's points) the recurrence needs
only m_{k₀} and the ratio q = K_{k₀+½}/K_{k₀−½} (every ρ_j = t/(2j q_j) follows from q_{j+1} = 1/q_j +
(2j+1)/t), and both come from the tensor Chebyshev series of :mod:`gammaal._target_base` (~0.2 µs, no
Bessel pair, no Struve sum; frac(k) up to 1).  Below t = 0.3 one Bessel pair at the order −|k₀ − ½| and the
reflected shape's Struve body (or, where P_s > ¾, the M-function tail stepped down) give it.
"""
from __future__ import annotations

import math

import numpy as np

from . import _bessel, _struve_tail, _target_base
from ._special import jit

#: shapes and arguments served (others: NaN, the caller's quadrature)
K_MIN = 0.01
K_MAX = 200.0
T_MIN = 1e-8
T_MAX = _struve_tail.X_MAX
#: points whose running error bound exceeds this relative error are handed back (NaN).  The bound is first
#: order with generous constants (4ε a step, 2e-15 for each Struve/M-function value or fitted base value),
#: several times above the actual error.  With the Bessel-pair base it was measured against mpmath: points it
#: put at ≤ 2e-13 reached 5.3e-14 (k = 0.3, t ≈ 2), at ≤ 5e-14 the worst seen was 9.9e-15; with the fitted
#: base (0.3 ≤ t ≤ 30) the worst on 393 accepted benchmark points is 6.7e-16.  5e-14 is well inside the
#: tolerance at which the per-k φ tables (built from the Laplace kernel) must agree with this direct path
#: (tests/test_tables.py).  97 % of the benchmark's mixed-shape points are accepted.
BOUND = 5e-14
_EPS = 2.2e-16
#: relative accuracy assumed for the Struve probability, tail and density of the reflected shape
_EPS_BASE = 2e-15
_SQRTPI = math.sqrt(math.pi)


@jit
def worth_trying(t, k):
    """Whether :func:`target_bessel` is worth trying at (t, k).  Inside the fitted base's t range it costs
    ~0.25 µs and is always tried (measured on 4·10⁴ points k ~ U(0.5, 20), t = |X − Y|: its bound rejects
    0–3 % of the points with t < k and 12–54 % of those with t > k, which then cost the 0.85 µs trapezoid
    pass as well).  Below it (t < 0.3: the Bessel pair and the Struve base, ~0.5 µs) it is skipped where the
    bound almost surely rejects: frac(k) > 0.99 (the reflected shape s < K_MIN) and t > 3k for k < 1 (before
    the fitted base, measured: 87–100 % of such points rejected; t > k, which mattered there for k ≥ 1,
    cannot happen below t = 0.3).  A cost choice only."""
    if not (K_MIN <= k <= K_MAX and T_MIN <= t <= T_MAX):
        return False
    if _target_base.T_MIN <= t <= _target_base.T_MAX:
        return True
    if k - math.floor(k) > 0.99:
        return False
    return k >= 1.0 or t <= 3.0 * k


@jit
def _recurrence(t, k0, n, m, err, q, d):
    """φ at k = k₀ + n from m = m_{k₀} (absolute error err) and q = K_{k₀+½}/K_{k₀−½} (relative error d):
    m_{j+1} = 1 − t/(2j) + ρ_j(1 − m_j), ρ_j = t/(2j q_j), q_{j+1} = 1/q_j + (2j+1)/t (K's forward
    recurrence), with the running bound (4ε a step, d for every ρ_j); NaN where it exceeds BOUND."""
    j = k0
    for _ in range(n):
        a = t / (2.0 * j)
        rho = a / q
        m_new = 1.0 - a + rho - rho * m
        err = rho * err + 4.0 * _EPS * (1.0 + a + rho * (1.0 + m)) + d * rho * (1.0 - m)
        m = m_new
        q = 1.0 / q + (2.0 * j + 1.0) / t
        j += 1.0
    if not (m > 0.0 and err <= BOUND * m):
        return np.nan
    return 0.5 * m


@jit
def _from_fitted_base(t, k0, n):
    """φ at k = k₀ + n from the fitted base of :mod:`gammaal._target_base` (m_{k₀} = k₀ g and
    q = K_{k₀+½}/K_{k₀−½} = 1 + k₀ h, each to REL_ERR): no Bessel pair and no Struve sum."""
    g, h = _target_base.base(k0, t)
    m = k0 * g
    d = _target_base.REL_ERR
    return _recurrence(t, k0, n, m, d * m + _EPS, 1.0 + k0 * h, d)


@jit
def target_bessel(t, k):
    """φ(t) = ½ m_k (see the module docstring), or NaN outside the range or where the bound exceeds BOUND.

    One Bessel pair at the order −a, a = |k₀ − ½| < ½ (Temme / Steed, :mod:`gammaal._bessel`), gives
    K_a, K_{1−a} and K_{1+a} = K_{1−a} + (2a/t) K_a (a positive sum), which are all the orders the
    reflected shape's density and tail and the start of the recurrence need."""
    if not (K_MIN <= k <= K_MAX and T_MIN <= t <= T_MAX):
        return np.nan
    n = int(math.floor(k))
    k0 = k - n
    if not k0 > 0.0:
        return np.nan
    if _target_base.T_MIN <= t <= _target_base.T_MAX:
        return _from_fitted_base(t, k0, n)
    s = 1.0 - k0
    if s < K_MIN:
        return np.nan
    mu = k0 - 0.5                                       # order of D_{k₀}; the reflected shape has ν_s = −μ
    a = abs(mu)
    x2 = 0.5 * t
    rn, rn1 = _bessel.k_pair_normalised(-a, t)          # R_{−a}, R_{1−a}
    g_m = math.gamma(1.0 - mu)                          # Γ(1−μ), Γ(1+μ), Γ(s) = Γ(½−μ): every Γ below
    g_p = math.gamma(1.0 + mu)
    g_s = math.gamma(s)
    g_1ma = g_m if mu >= 0.0 else g_p                   # Γ(1−a)
    pa = math.pow(x2, a)
    k_a = rn * g_1ma * pa
    k_1ma = rn1 * (1.0 - a) * g_1ma * pa / x2
    k_1pa = k_1ma + (a / x2) * k_a
    k_1mmu = k_1pa if mu < 0.0 else k_1ma               # K_{1−μ}
    k_1pmu = k_1ma if mu < 0.0 else k_1pa               # K_{1+μ}
    pw = pa if mu < 0.0 else 1.0 / pa                   # (t/2)^{−μ}
    fs = pw * k_a / (_SQRTPI * g_s)
    # P_s(|Z| > t) for t below the fitted base's range: the Struve body 1 − P where P ≤ ¾, with
    # P_s(|Z| ≤ t) = 2t f_s [S_{ν−1} + (t/2) (K_{1+μ}/K_μ) S_ν / s], ν = −μ the reflected order (the Struve
    # form of :func:`gammaal._bessel.within_struve` on this pair's K values, no second pair)
    tail = np.nan
    s_nu, s_num1 = _bessel.struve_sums(t, -mu)
    p = 2.0 * t * fs * (s_num1 + x2 * (k_1pmu / k_a) * s_nu / s)
    if p <= 0.75:
        tail = 1.0 - p
        etail = _EPS_BASE * p + _EPS * tail
    if math.isnan(tail):
        # P_s > ¾ (small s): the positive M-function form at s + 2, then two steps down P_s = P_{s+1} − t f_s/s
        r_1m = k_1mmu * pw * x2 / ((1.0 - mu) * g_m)    # R_{1−μ}
        step = t * fs / s
        g_ratio = (1.0 - mu) * g_m / (s * g_s)          # Γ(s+3/2)/Γ(s+1)
        # two steps down from s + 2 (below t = 0.3 only s < ½ gets here: P_s ≤ 0.45 for s ≥ ½; the form
        # holds for any s in the Struve range, one step more than needed there)
        k_2mmu = k_a + ((1.0 - mu) / x2) * k_1mmu         # K_{2−μ} (positive recurrence)
        r_2m = k_2mmu * pw * x2 * x2 / ((2.0 - mu) * (1.0 - mu) * g_m)
        big = _struve_tail.beyond_from_r(t, s + 2.0, r_1m, r_2m, g_ratio * (2.0 - mu) / (s + 1.0))
        f1 = pw * x2 * k_1mmu / (_SQRTPI * s * g_s)
        step1 = t * f1 / (s + 1.0)
        tail = big - step - step1
        scale = big + step + step1
        if not tail > 0.0:
            return np.nan
        etail = _EPS_BASE * scale
    r = tail / (2.0 * fs)
    err = etail / (2.0 * fs) + _EPS_BASE * r + _EPS
    return _recurrence(t, k0, n, 1.0 - r, err, k_1pmu / k_a, 0.0)   # q = K_{1+μ}/K_μ from this pair
