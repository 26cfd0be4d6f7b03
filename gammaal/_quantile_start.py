r"""Start values for the quantile solver of :mod:`gammaal._quantile` (closed forms, no quadrature).

Z = X − Y, X, Y iid Gamma(k, 1), has the cumulant generating function
``K(s) = −k log(1 − s²)``, so its saddle point at z > 0 is explicit:
``s = z/(k + √(k² + z²))``.  Barndorff-Nielsen's r* approximation
``P(Z > z) ≈ 1 − Φ(r*)``, ``r* = w + log(v/w)/w`` with
``w = √(2(sz − K(s)))`` and ``v = s √K''(s)``, is accurate to O(k^{−3/2}) in
the body and improves relatively in the tail; it is inverted by Newton steps in
z against ``Φ^{−1}`` (scipy's ``ndtri``/``ndtri_exp``, so q down to the
subnormals is fine).  That is the start on the upper side of |Z| and, for
k ≥ ½, in the body of the lower side.

Close to 0 the saddle point degenerates, and there the start comes from the
exact small-t law of ``F(t) = P(|Z| ≤ t)``: ``F ≈ f_{|Z|}(0) t`` for k > ½
(a lower bound, the density being decreasing) and, with the Beta–Gamma mixture
``|Z| = S W`` (S ~ Gamma(2k), W² ~ Beta(½, k)),
``F ≈ t^{2k} E[W^{−2k}]/Γ(2k+1)``, ``E[W^{−2k}] = Γ(½−k)Γ(k+½)/Γ(½)²`` for k < ½.
For small k, W is close to 1 and ``|Z| ≈ S``: ``t ≈ Q^{−1}(2k, q)`` on the
upper side, ``P^{−1}(2k, p)`` where that exceeds the power law.
"""
from __future__ import annotations

import math

from ._mixture import log_gamma_ratio_half
from ._special import _bind, jit, log1pmx

_ndtri_c = _bind("ndtri", "ndtri", 1)
_ndtri_exp_c = _bind("ndtri_exp", "ndtri_exp", 1)
_gammaincinv_c = _bind("gammaincinv", "gammaincinv", 2)
_gammainccinv_c = _bind("gammainccinv", "gammainccinv", 2)

_LOG2 = math.log(2.0)
_LOGPI = math.log(math.pi)
#: below this shape |Z| ≈ Gamma(2k) (W ≈ 1) is the better start than the saddle point
SMALL_K = 0.2


@jit
def ndtri_exp(logp):
    """z with log Φ(z) = logp (scipy's ``ndtri_exp``)."""
    return _ndtri_exp_c(logp, 0)


@jit
def _rstar(z, k):
    """(r*(z), dr*/dz) of the saddle-point tail P(Z > z) ≈ 1 − Φ(r*), z > 0."""
    r = math.sqrt(k * k + z * z)
    s = z / (r + k)
    s2 = s * s
    # s z − K(s) = r s² + k (log(1 − s²) + s²), no cancellation at small s
    w = math.sqrt(2.0 * (r * s2 + k * log1pmx(-s2)))
    v = s * math.sqrt(2.0 * k * (1.0 + s2)) * (r + k) / (2.0 * k)
    return w + math.log(v / w) / w, s / w


@jit
def saddle_quantile(z_target, k, t0, loose):
    """z > 0 with r*(z) = z_target (z_target ≳ 0.3): one Newton step from t0, then secant steps.

    The approximation itself is good to about 1e-2 k^{−3/2} relative (1e-3 at k = 4, 2e-13 at
    k = 1e6), so the iteration stops well below that; ``loose``: after one secant step (a few %).
    """
    tol = min(max(1e-4 * k ** -1.5, 1e-13), 1e-6)
    t_old = t0
    g_old, d = _rstar(t0, k)
    g_old -= z_target
    t = min(max(t0 - g_old / d, 0.2 * t0), 5.0 * t0 + 1.0)
    for _ in range(1 if loose else 20):
        if abs(t - t_old) <= tol * t:
            break
        g = _rstar(t, k)[0] - z_target
        if g == g_old:
            break
        t_new = t - g * (t - t_old) / (g - g_old)
        t_old, g_old = t, g
        t = min(max(t_new, 0.2 * t), 5.0 * t + 1.0)
    return t


@jit
def log_abs_density_at_zero(k):
    """log f_{|Z|}(0) = log Γ(k−½)/(√π Γ(k)), k > ½."""
    return -0.5 * _LOGPI - log_gamma_ratio_half(k - 0.5)


@jit
def power_law_log_root(logp, k):
    """log t with t^{2k} E[W^{−2k}]/Γ(2k+1) = p, the leading term of F(t) = P(|Z| ≤ t) as t → 0, k < ½.

    E[W^{−2k}] = Γ(½−k) Γ(k+½)/Γ(½)², with Γ(k+½) = Γ(k) e^{log_gamma_ratio_half(k)}.
    """
    logmom = math.lgamma(0.5 - k) + math.lgamma(k) + log_gamma_ratio_half(k) - _LOGPI
    return (logp + math.lgamma(2.0 * k + 1.0) - logmom) / (2.0 * k)


@jit
def upper_start(logq, k, loose):
    """log t with P(|Z| > t) ≈ q = e^{logq} ≤ ½ (``loose``: a rougher, cheaper one, for cheap Newton steps)."""
    if k < SMALL_K:
        t = _gammainccinv_c(2.0 * k, math.exp(logq), 0)
        if t > 0.0 and math.isfinite(t):
            return math.log(t)
        return power_law_log_root(math.log1p(-math.exp(logq)), k)    # t tiny: F = 1 − q ≈ c t^{2k}
    z = -ndtri_exp(logq - _LOG2)                 # 1 − Φ(z) = q/2 = P(Z > t)
    sigma = math.sqrt(2.0 * k)
    t = saddle_quantile(z, k, max(z * sigma, 1e-3 * sigma), loose)
    return math.log(t)


@jit
def lower_start(logp, k, logf0, loose):
    """log t with P(|Z| ≤ t) ≈ p = e^{logp} ≤ ½; logf0 = log f_{|Z|}(0) (k > ½); ``loose`` as above."""
    if k < 0.5:
        lt = power_law_log_root(logp, k)
        if k < SMALL_K and lt > -700.0:
            # |Z| ≈ S: the incomplete-gamma inverse is better where t is not tiny
            t = _gammaincinv_c(2.0 * k, math.exp(logp), 0)
            if t > 0.0 and math.isfinite(t):
                lt = max(lt, math.log(t))
        return lt
    p = math.exp(logp)
    sigma = math.sqrt(2.0 * k)
    if k > 0.5:
        lt_lin = logp - logf0          # F(t) ≤ f(0) t: a lower bound of the root
    else:
        lt_lin = logp - math.log(2.0 / math.pi * (1.0 - logp))   # k = ½: F ≈ (2/π) t log(1/t)
    if p < 1e-3 or lt_lin < math.log(1e-3 * sigma):
        return lt_lin
    z = -_ndtri_c(0.5 * (1.0 - p), 0)           # P(Z > t) = (1 − p)/2
    t = saddle_quantile(z, k, z * sigma, loose)
    return max(math.log(t), lt_lin)
