r"""Log-space kernels for the law of |Z|, Z = X − Y, X, Y iid Gamma(k, 1).

``log P(|Z| > t)``, ``log P(|Z| ≤ t)`` and ``log f_{|Z|}(t)`` stay finite far
past the point where the probabilities underflow (t to 1e5 and beyond, tiny t
for any k), so quantiles and ``logsf`` never see a 0.

All three use the Beta–Gamma mixture ``|Z| = S W``, ``S ~ Gamma(2k)``,
``W² ~ Beta(½, k)``:

.. math::
    P(|Z| > t) = E_W[Q(2k, t/W)], \quad P(|Z| ≤ t) = E_W[P(2k, t/W)],
    \quad f_{|Z|}(t) = E_W[g_{2k}(t/W)/W],

integrated by the trapezoid rule in ``ξ = logit W`` on log-terms summed relative to
a running maximum (:func:`gammaal._mixture.log_walk`, the one walk of every W-quadrature; the
integrands are :func:`gammaal._mixture.w_log_term`'s ``UPPER``, ``LOWER``, ``DENSITY``).  The grid is centred on the mode of the log-integrand
(found by a coarse scan and Newton steps; the integrand is log-concave in ξ for the tail and
close to it otherwise) with a step from its curvature, then halved until two
levels agree.  For large ξ the integrand is exactly ``A e^{−kξ}`` to 1e-17
(W = 1 to within rounding of the incomplete gamma), so that end of the
trapezoid sum is added as a geometric series, which keeps tiny k cheap.

The incomplete gammas are scipy's where they are normal numbers; where they
underflow we use their log forms: the prefactor ``−x + a log x − log Γ(a)``
written as ``−a(d − log1p d) + ½ log(a/2π) − stirling(a)``, ``d = x/a − 1``
(no cancellation of large terms), times Legendre's continued fraction for
``Q`` (x > a) or the power series for ``P`` (x < a).

Where Hankel's expansion of K_ν, integrated term by term, is accepted (:mod:`gammaal._hankel_tail`: the
far tail, t ≳ ν²/8 + 20), ``log P(|Z| > t)`` comes from it instead, O(1) a point (~20× cheaper than the
quadrature).  Otherwise integer k ≤ ``ERLANG_MAX`` uses the finite Erlang sum
``P(|Z| > t) = 2e^{−t} Σ_{m<k} t^m/m! c_m`` as one log-sum-exp instead
(exact, all terms positive).
"""
from __future__ import annotations

import math

import numba
import numpy as np

from . import _bessel, _mixture, _struve_tail
from ._hankel_tail import log_beyond_and_pdf_hankel, log_beyond_hankel
from ._kernels import (T_FLAT, T_TINY, log_gamma_ratio_half, log_pdf_at_zero, struve_applies, struve_within_beyond,
                       within_beyond_scaled, within_scaled)
# the inner integrands (UPPER, LOWER, DENSITY: which function of x = t/W is averaged over W) and the
# trapezoid walk are the W-quadrature's, shared with gammaal._mixture.wmix_log
from ._special import Elementwise
from ._mixture import DENSITY, LOWER, UPPER, log_gammainc, log_gammaincc, log_walk, w_log_term  # noqa: F401

_jit = numba.njit(cache=True, error_model="numpy")

#: integer shapes up to this use the finite Erlang sum for log P(|Z| > t).
ERLANG_MAX = 64

_LOG2 = math.log(2.0)
_LOGSQRTPI = 0.5 * math.log(math.pi)
_DROP = 46.0              # terms below e^{-46} ≈ 1e-20 of the peak are dropped
_LEVEL_TOL = 1e-9         # levels h, h/2 differing by ε leave ~ε² at h/2 (the error squares on halving)
_MAX_LEVELS = 8
_MAX_STEPS = 100000



@_jit
def _mode(t, k, logc, kind):
    """(ξ*, ℓ(ξ*), curvature step) of the log-integrand ℓ by a coarse scan and Newton on ℓ'."""
    lo = min(math.log(t / (2.0 * k)), -0.5 * math.log(2.0 * k)) - 6.0
    hi = max(math.log(max(t, 1.0) / min(k, 1.0)) + 6.0, lo + 12.0)
    n = 24
    step = (hi - lo) / n
    best = -np.inf
    xm = lo
    for i in range(n + 1):
        v = w_log_term(lo + i * step, t, 0.0, k, logc, kind)
        if v > best:
            best = v
            xm = lo + i * step
    # Newton on ℓ' by central differences from the best scan point, kept inside its cell
    a = xm - step
    b = xm + step
    fm = best
    curv = 0.0
    for _ in range(12):
        eps = 1e-4 * max(1.0, abs(xm))
        fp = w_log_term(xm + eps, t, 0.0, k, logc, kind)
        fmn = w_log_term(xm - eps, t, 0.0, k, logc, kind)
        fm = w_log_term(xm, t, 0.0, k, logc, kind)
        d1 = (fp - fmn) / (2.0 * eps)
        curv = -(fp - 2.0 * fm + fmn) / (eps * eps)
        if not curv > 0.0:
            break
        x_new = min(max(xm + d1 / curv, a), b)
        if d1 > 0.0:
            a = xm
        else:
            b = xm
        done = abs(x_new - xm) < 0.02 / math.sqrt(curv)
        xm = x_new
        if done:
            break
    fm = w_log_term(xm, t, 0.0, k, logc, kind)
    # step σ = (−ℓ'')^{−½}: the trapezoid error is ~e^{−2π²σ²/h²}, then halved until converged
    h = 0.5
    if curv > 4.0:
        h = 1.0 / math.sqrt(curv)
    return xm, fm, h


@_jit
def _lse_add(acc, v):
    """log(e^acc + e^v)."""
    if v == -np.inf:
        return acc
    if acc >= v:
        return acc + math.log1p(math.exp(v - acc))
    return v + math.log1p(math.exp(acc - v))


@_jit
def log_mixture(t, k, kind):
    """log E_W[inner(t/W)] for the inner integrand ``kind`` (UPPER, LOWER or DENSITY); NaN if a walk ran out of steps."""
    logc = _LOG2 + log_gamma_ratio_half(k) - _LOGSQRTPI
    x0, ref, h = _mode(t, k, logc, kind)
    # beyond ξ = log t + 42 (and 40 past the mode) W = 1 − e^{−ξ} changes t/W by < 1e-18 relative
    right_tail = max(math.log(max(t, 1e-300)) + 42.0, x0 + 40.0)
    if kind == LOWER:
        right_tail = np.inf   # P(2k, t/W) → P(2k, t) as well, but the lower sum is never that long
    # log h Σ over the grid x0 + i h; each halving reuses the old nodes and adds the midpoints
    total, ok = log_walk(x0, h, t, 0.0, k, logc, kind, ref, _DROP, right_tail, _MAX_STEPS)
    if not ok:
        return np.nan
    prev = total
    for _ in range(_MAX_LEVELS):
        mid, ok = log_walk(x0 + 0.5 * h, h, t, 0.0, k, logc, kind, ref, _DROP, right_tail + 0.5 * h, _MAX_STEPS)
        if not ok:
            return np.nan
        total = _lse_add(total, mid) - _LOG2
        h *= 0.5
        if abs(total - prev) <= _LEVEL_TOL * max(1.0, abs(total)):
            return total
        prev = total
    return prev


@_jit
def _log_erlang_beyond(t, n):
    """log(2 e^{−t} Σ_{m<n} t^m/m! c_m), c_m = Σ_{i=0}^{n−1−m} C(n−1+i, i) 2^{−(n+i)}, in log space."""
    logt = math.log(t)
    acc = -np.inf
    logc = -np.inf
    # c_m built from m = n − 1 down: c_m = c_{m+1} + C(n−1+i, i) 2^{−(n+i)}, i = n − 1 − m
    for m in range(n - 1, -1, -1):
        i = n - 1 - m
        lterm = math.lgamma(n + i) - math.lgamma(i + 1.0) - math.lgamma(float(n)) - (n + i) * _LOG2
        logc = _lse_add(logc, lterm)
        acc = _lse_add(acc, m * logt - math.lgamma(m + 1.0) + logc)
    return _LOG2 - t + acc


@_jit
def _small_side_first(t, k):
    """Below about half the median of |Z| the body P(|Z| ≤ t) is the smaller side."""
    return t < 0.5 * math.sqrt(2.0 * k)


@_jit
def _log_flat_body(t, k):
    """log P(|Z| ≤ t) = log(2 f(0) t) for t < T_FLAT, k ≥ 1 (the next term is O(t) smaller; t may be subnormal)."""
    return _LOG2 + log_pdf_at_zero(k) + math.log(t)


@_jit
def log_beyond_scaled(t, k):
    """log P(|Z| > t), θ = 1 (log1p(−P(|Z| ≤ t)) where the body is the smaller side)."""
    if math.isnan(t) or math.isnan(k):
        return np.nan
    if t <= 0.0:
        return 0.0
    if math.isinf(t):
        return -np.inf
    if t < T_FLAT and k >= 1.0:
        return math.log1p(-math.exp(_log_flat_body(t, k)))
    if t < T_TINY:
        lw, ok = _mixture.wmix_log(math.log(t), k, False)   # the body is the small side for certain here
        if ok and lw < -_LOG2:
            return math.log1p(-math.exp(lw))
    if _small_side_first(t, k):
        if struve_applies(t, k):
            # the body from the Struve form (positive terms) and, where it is not the small side after all,
            # the accurate tail: log1p(−P) or log of a normal number of full relative accuracy
            p, b = within_beyond_scaled(t, k)
            if p < 0.5:
                return math.log1p(-p)
            if b > 1e-280:
                return math.log(b)
        lw = log_mixture(t, k, LOWER)
        if lw < -_LOG2:
            return math.log1p(-math.exp(lw))
    else:
        # the far tail: Hankel's expansion integrated term by term, O(1), where its checks accept the point
        lh = log_beyond_hankel(t, k)
        if not math.isnan(lh):
            return lh
        if t <= _struve_tail.X_MAX and struve_applies(t, k):
            # nearer in (t ≤ 30, small k): the Struve-form tail is a normal number of full relative accuracy
            b = struve_within_beyond(t, k)[1]
            if b > 1e-280:
                return math.log(b)
    if k == math.floor(k) and k <= ERLANG_MAX:
        return _log_erlang_beyond(t, int(k))
    return log_mixture(t, k, UPPER)


@_jit
def log_within_scaled(t, k):
    """log P(|Z| ≤ t), θ = 1 (direct where it is the smaller side, else log1p(−P(|Z| > t)))."""
    if math.isnan(t) or math.isnan(k):
        return np.nan
    if t <= 0.0:
        return -np.inf
    if math.isinf(t):
        return 0.0
    if t < T_FLAT and k >= 1.0:
        return _log_flat_body(t, k)
    if t < T_TINY:
        lw, ok = _mixture.wmix_log(math.log(t), k, False)   # the log-space W-integral (t may be subnormal)
        if ok:
            return lw
    if struve_applies(t, k):
        # the Struve body: full relative accuracy down to t = 1e-300 (near P = 1 at k ≥ 20, 1 − the accurate
        # tail); where P is a normal number its log is within an ulp or so, absolutely
        p = within_scaled(t, k)
        if p > 1e-280:
            return math.log(p)
    if not _small_side_first(t, k):
        lb = log_beyond_hankel(t, k)
        if math.isnan(lb):
            lb = log_mixture(t, k, UPPER) if not (k == math.floor(k) and k <= ERLANG_MAX) else _log_erlang_beyond(t, int(k))
        if lb < -_LOG2:
            return math.log1p(-math.exp(lb))
    return log_mixture(t, k, LOWER)


@_jit
def log_abs_pdf_scaled(t, k):
    """log f_{|Z|}(t) = log 2 + log f_Z(t), θ = 1."""
    if math.isnan(t) or math.isnan(k):
        return np.nan
    if t < 0.0 or math.isinf(t):
        return -np.inf
    if t == 0.0:
        if k > 0.5:
            # f_{|Z|}(0) = Γ(k−½)/(√π Γ(k))
            return -_LOGSQRTPI - log_gamma_ratio_half(k - 0.5)
        return np.inf
    if not _small_side_first(t, k):
        lf = log_beyond_and_pdf_hankel(t, k)[1]      # far out: Hankel's expansion of K_ν, O(1)
        if not math.isnan(lf):
            return lf
    if struve_applies(t, k):
        f = _bessel.pdf_bessel(t, k)                 # Bessel K, where the density is a normal number
        if f > 1e-280:
            return _LOG2 + math.log(f)
    return log_mixture(t, k, DENSITY)


@_jit
def _log_beyond_loop(t, k, out):
    for i in range(out.size):
        out[i] = log_beyond_scaled(t[i], k[i])


@_jit
def _log_within_loop(t, k, out):
    for i in range(out.size):
        out[i] = log_within_scaled(t[i], k[i])


@_jit
def _log_abs_pdf_loop(t, k, out):
    for i in range(out.size):
        out[i] = log_abs_pdf_scaled(t[i], k[i])


# over broadcast arrays (see _special.Elementwise)
log_beyond_array = Elementwise(_log_beyond_loop)
log_within_array = Elementwise(_log_within_loop)
log_abs_pdf_array = Elementwise(_log_abs_pdf_loop)
