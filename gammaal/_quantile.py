r"""Quantiles of |Z|, Z = X − Y, X, Y iid Gamma(k, 1), by safeguarded Newton iteration.

The equation is always solved on the smaller side, in the variable that makes
it nearly linear, so Newton converges in a few steps from the start values:

* lower side, ``P(|Z| ≤ t) = p ≤ ½``: in ``u = log t``, ``g(u) = log F(e^u) − log p``
  (``F ~ c t^{2k}`` for k < ½ and ``~ f(0) t`` for k > ½: linear in u near 0);
* upper side, ``P(|Z| > t) = q ≤ ½``: in t, ``g(t) = log S(t) − log q``
  (``log S ≈ −t + (k−1) log t`` in the tail: linear in t).

Both use the log-space kernels of :mod:`gammaal._logtail`, so q down to the
subnormals (and p as small as the power law allows) never meets a 0.  The
iteration keeps a bracket [lo, hi] from the sign of g and bisects whenever a
Newton step leaves it.

Start values: the power law ``F(t) ≈ t^{2k} E[W^{−2k}]/Γ(2k+1)`` (k < ½) or
``F(t) ≈ f_{|Z|}(0) t`` with the normal limit ``2Φ(t/√(2k)) − 1`` (k > ½) on
the lower side; on the upper side the saddle-point (Lugannani–Rice) tail of the
cumulant generating function ``K(s) = −k log(1 − s²)`` of Z, inverted by a few
closed-form Newton steps (no special functions but ``erfc``).
"""
from __future__ import annotations

import math

import numba
import numpy as np

from ._kernels import log_gamma_ratio_half
from ._logtail import log_abs_pdf_scaled, log_beyond_scaled, log_within_scaled

_jit = numba.njit(cache=True, error_model="numpy")

_LOG2 = math.log(2.0)
_LOGSQRTPI = 0.5 * math.log(math.pi)
_REL_STEP = 4e-16         # a Newton step this small (relative) means the previous iterate was ~1e-30 off
_MAX_ITER = 60


@_jit
def _log_normal_tail(w):
    """log(1 − Φ(w)) for any real w (asymptotic series where erfc underflows)."""
    if w < 25.0:
        return math.log(0.5 * math.erfc(w / math.sqrt(2.0)))
    w2 = w * w
    series = 1.0 - 1.0 / w2 + 3.0 / (w2 * w2) - 15.0 / (w2 * w2 * w2)
    return -0.5 * w2 - math.log(w) - 0.5 * math.log(2.0 * math.pi) + math.log(series)


@_jit
def _saddle_log_tail(t, k):
    """Lugannani–Rice approximation of log P(|Z| > t) and its t-derivative −s (good start, O(1/k))."""
    r = math.sqrt(k * k + t * t)
    s = t / (r + k)                      # = (r − k)/t, the saddle point of K(s) − s t
    one_m_s2 = 2.0 * k / (r + k)         # 1 − s², without cancellation
    rate = (r - k) + k * math.log(one_m_s2)   # I(t) = s t − K(s) ≥ 0
    w = math.sqrt(max(2.0 * rate, 0.0))
    u = s * math.sqrt(2.0 * k * (1.0 + s * s)) / one_m_s2
    if w < 1e-3 or u <= 0.0:
        return 0.0, -s
    logtail = _log_normal_tail(w)
    # 1 − Φ(w) + φ(w)(1/u − 1/w), written relative to the normal tail
    mills = math.exp(-0.5 * w * w - 0.5 * math.log(2.0 * math.pi) - logtail)
    corr = 1.0 + mills * (1.0 / u - 1.0 / w)
    if corr <= 0.0:
        corr = 1e-300
    return _LOG2 + logtail + math.log(corr), -s


@_jit
def _upper_start(logq, k):
    """t with the saddle-point tail equal to q (a few Newton steps on the closed form)."""
    t = math.sqrt(2.0 * k) + max(-logq, 0.0)
    for _ in range(30):
        v, dv = _saddle_log_tail(t, k)
        if dv >= 0.0:
            break
        step = (v - logq) / dv
        t_new = max(t - step, 0.25 * t)
        if abs(t_new - t) <= 1e-6 * t:
            t = t_new
            break
        t = t_new
    return t


@_jit
def _lower_start(logp, k):
    """t with F(t) ≈ p from the small-t law (power law, or density at 0 and the normal limit)."""
    if k < 0.5:
        # F ≈ t^{2k} E[W^{−2k}]/Γ(2k+1), E[W^{−2k}] = B(½−k, k)/B(½, k)
        logmom = math.lgamma(0.5 - k) - math.lgamma(0.5) + log_gamma_ratio_half(k)
        return math.exp((logp + math.lgamma(2.0 * k + 1.0) - logmom) / (2.0 * k))
    if k == 0.5:
        return math.exp(logp)
    # F(t) ≤ f(0) t, f_{|Z|}(0) = Γ(k−½)/(√π Γ(k)); the normal limit is better past the centre
    logf0 = -_LOGSQRTPI - log_gamma_ratio_half(k - 0.5)
    t_lin = math.exp(logp - logf0)
    p = math.exp(logp)
    # 2Φ(t/σ) − 1 = p  ⇔  t = σ √2 erfinv(p); erfinv by two Newton steps on erf from t_lin
    sigma = math.sqrt(2.0 * k)
    x = min(t_lin / sigma, 3.0)
    for _ in range(4):
        x -= (math.erf(x / math.sqrt(2.0)) - p) / (math.sqrt(2.0 / math.pi) * math.exp(-0.5 * x * x))
        x = min(max(x, 1e-300), 3.0)
    return max(t_lin, sigma * x)


_NO_BOUND = 1e300         # an open end of the log-t bracket (|log t| < 1e3 for every double t)


@_jit
def _bracketed(lo, hi, upper):
    """Both ends of the bracket are set (the upper side starts at lo = 0, which is a real end)."""
    if upper:
        return math.isfinite(hi)
    return lo > -_NO_BOUND and hi < _NO_BOUND


@_jit
def _solve(logtarget, k, upper, start):
    """Safeguarded Newton for log S(t) = logtarget (upper) or log F(t) = logtarget (lower, in log t)."""
    x = start if upper else math.log(start)
    # The lower side works in log t, where an open end is ±_NO_BOUND rather than ±inf: LLVM may evaluate
    # hi − lo or lo + hi before the branch that guards them, and inf − inf would raise numpy's "invalid"
    # flag in the ufuncs (the result was right, the warning was not).
    lo = 0.0 if upper else -_NO_BOUND
    hi = np.inf if upper else _NO_BOUND
    x_f = 0.0
    have_f = False   # (NaN sentinels would raise the invalid flag in the ordered comparisons)
    logf = 0.0
    for _ in range(_MAX_ITER):
        t = x if upper else math.exp(x)
        # the derivative only steers Newton (the root is set by g): once the steps are small it is
        # reused (chord steps, each still gaining ≥ 3 digits) instead of recomputed
        if not have_f or abs(x - x_f) > 1e-3 * (abs(x) if upper else 1.0):
            have_f = True
            logf = log_abs_pdf_scaled(t, k)
            x_f = x
        if upper:
            g = log_beyond_scaled(t, k) - logtarget
            dg = -math.exp(logf - (g + logtarget))
            if g > 0.0:
                lo = max(lo, x)
            else:
                hi = min(hi, x)
        else:
            lf = log_within_scaled(t, k)
            g = lf - logtarget
            dg = math.exp(x + logf - lf)
            if g > 0.0:
                hi = min(hi, x)
            else:
                lo = max(lo, x)
        if g == 0.0:
            return t
        if dg != 0.0 and math.isfinite(dg) and math.isfinite(g):
            step = -g / dg
        else:
            # no usable slope: move by the clamp below, in the direction g asks for
            step = (1.0 if (g > 0.0) == upper else -1.0) * 1e300
        # a far start can give a huge first step: at most a factor e^{±10} in t
        if upper:
            step = min(max(step, -0.75 * x), 3.0 * x + 10.0)
        else:
            step = min(max(step, -10.0), 10.0)
        x_new = x + step
        bracketed = _bracketed(lo, hi, upper)
        if not math.isfinite(x_new) or not (lo < x_new < hi):
            if bracketed:
                x_new = 0.5 * (lo + hi) if upper or hi - lo > 1e-300 else lo
            elif upper:
                x_new = 4.0 * x if g > 0.0 else 0.25 * x
            else:
                x_new = x + (10.0 if g < 0.0 else -10.0)
        scale = abs(x_new) if upper else 1.0
        if abs(x_new - x) <= _REL_STEP * scale:
            return x_new if upper else math.exp(x_new)
        bracketed = _bracketed(lo, hi, upper)
        if bracketed and hi - lo <= 2.0 * _REL_STEP * (abs(hi) if upper else 1.0):
            return x_new if upper else math.exp(x_new)
        x = x_new
    return x if upper else math.exp(x)


@_jit
def abs_quantile_scaled(p, q, k):
    """t with P(|Z| ≤ t) = p and P(|Z| > t) = q (p + q = 1, both passed exactly), θ = 1."""
    if math.isnan(p) or math.isnan(q) or math.isnan(k):
        return np.nan
    if p <= 0.0:
        return 0.0
    if q <= 0.0:
        return np.inf
    if q <= 0.5:
        logq = math.log(q)
        return _solve(logq, k, True, _upper_start(logq, k))
    logp = math.log(p)
    return _solve(logp, k, False, _lower_start(logp, k))


@numba.vectorize(["float64(float64, float64)"], cache=True)
def abs_ppf_array(p, k):
    """Quantile of |Z|: P(|Z| ≤ t) = p."""
    return abs_quantile_scaled(p, 1.0 - p, k)


@numba.vectorize(["float64(float64, float64)"], cache=True)
def abs_isf_array(q, k):
    """Inverse survival function of |Z|: P(|Z| > t) = q."""
    return abs_quantile_scaled(1.0 - q, q, k)


@numba.vectorize(["float64(float64, float64)"], cache=True)
def diff_ppf_array(p, k):
    """Quantile of Z = X − Y (symmetric): z with P(Z ≤ z) = p."""
    if math.isnan(p):
        return np.nan
    if p < 0.5:
        # P(Z ≤ −t) = ½ P(|Z| > t) = p;  2p and 1 − 2p are exact for p ∈ [¼, ½)
        return -abs_quantile_scaled(1.0 - 2.0 * p, 2.0 * p, k)
    if p == 0.5:
        return 0.0
    return abs_quantile_scaled(2.0 * p - 1.0, 2.0 - 2.0 * p, k)


@numba.vectorize(["float64(float64, float64)"], cache=True)
def diff_isf_array(q, k):
    """z with P(Z > z) = q."""
    if math.isnan(q):
        return np.nan
    if q < 0.5:
        return abs_quantile_scaled(1.0 - 2.0 * q, 2.0 * q, k)
    if q == 0.5:
        return 0.0
    return -abs_quantile_scaled(2.0 * q - 1.0, 2.0 - 2.0 * q, k)
