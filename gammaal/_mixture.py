"""P(|Z| ≤ t) and P(|Z| > t) for real k from the Beta–Gamma mixture |Z| = S·W,
S ~ Gamma(2k), W² ~ Beta(½, k), S and W independent.

Two quadratures, both trapezoid rules on integrands that are analytic in a
strip and decay at both ends (so they converge geometrically; the step is
halved until two levels agree to 1e-11, which leaves ~1e-16):

* **over W** (``wmix_log``): ``P(|Z| > t) = E_W[Q(2k, t/W)]``,
  ``P(|Z| ≤ t) = E_W[P(2k, t/W)]`` in ξ = logit W.  Terms are summed in log
  space relative to a running maximum and the incomplete gammas switch to
  log-space forms where scipy's would underflow, so deep tails (far below the
  smallest double) and t below the smallest double (given as log t) keep
  relative accuracy.  At W → 1 the integrand is c·e^{−kξ}, slow for small k:
  once it is that geometric sequence to 1e-17 (ξ > 40 + log(1+t)) its rest is
  summed in closed form, which makes tiny k cost no more than k = 1.
* **over S** (``smix``), for large k: ``P(|Z| ≤ t) = E_S[I_{t²/S²}(½, k)]``
  and ``P(|Z| > t) = E_S[1 − I_{t²/S²}(½, k)]`` in y = (S − 2k)/√(2k).  The
  Gamma(2k) density is a near-Gaussian of width 1 in y (its log formed
  without the ~k log k terms), the incomplete-beta factor varies on the scale
  √k in y, so ~40 nodes suffice for any k; the W-quadrature would need ~√k
  nodes there to resolve the step of P(2k, t/W), of width 1/√(2k) in ξ.

Both W-quadratures (``wmix_log`` here, ``gammaal._logtail.log_mixture``) sum their terms with the
one walk :func:`log_walk` over the integrands of :func:`w_log_term`.

Each returns ok = False when it did not converge; callers turn that into NaN
and the public functions into an error, never a silent number.
"""
from __future__ import annotations

import math

from ._special import (LOG2, LOG2PI, LOGSQRTPI, betainc, betaincc, gammainc, gammaincc, jit,
                       log1pmx, log_gamma_kernel, log_gammainc_lower, log_gammainc_upper, stirlerr)

_TRAP_RTOL = 1e-11
_NEG = 41.5                 # terms e^{-41.5} ≈ 1e-18 below the running maximum are dropped
_MAX_LEVELS = 14
_MAX_STEPS = 400000


@jit
def log_gamma_ratio_half(k):
    """log(Γ(k+½)/Γ(k)).

    scipy's ``poch(k, ½)`` loses digits for large k (7e-13 relative at k = 1000;
    1e-14 at k = 30), so we use the Bernoulli-polynomial expansion
    ``½ log k − 1/(8k) + 1/(192k³) − 1/(640k⁵) + 17/(14336k⁷) − 0.00168186/k⁹``,
    whose first omitted term is below 1e-18 for k ≥ 30, after shifting k upwards.
    """
    shift = 0.0
    while k < 30.0:
        shift += math.log(k / (k + 0.5))
        k += 1.0
    r = 1.0 / k
    r2 = r * r
    series = r * (-0.125 + r2 * (1.0 / 192.0 + r2 * (-1.0 / 640.0 + r2 * (17.0 / 14336.0 - r2 * 0.0016818576388888889))))
    return 0.5 * math.log(k) + series + shift


# ---------------------------------------------------------------------------
# over W, in log space
# ---------------------------------------------------------------------------
@jit
def _log_inc_gamma(a, logx, upper):
    """log Q(a, x) (upper) or log P(a, x), relative accuracy also below the smallest double."""
    if logx > 700.0:
        return -math.inf if upper else 0.0
    if logx < -700.0:
        # x is subnormal or 0: P = x^a/Γ(a+1)(1 + …) from its log, Q = 1 − P
        lp = log_gammainc_lower(a, logx)
        return math.log(-math.expm1(lp)) if upper else lp
    x = math.exp(logx)
    if upper:
        g = gammaincc(a, x)
        if g > 1e-280 or x <= a:
            return math.log(g) if g > 0.0 else -math.inf
        return log_gammainc_upper(a, logx)
    g = gammainc(a, x)
    if g > 1e-280 or x >= a:
        return math.log(g) if g > 0.0 else -math.inf
    return log_gammainc_lower(a, logx)


@jit
def logit_w_weight(xi, k, logc):
    """(log W, log weight) of the Beta–Gamma mixture at ξ = logit W, W² ~ Beta(½, k).

    The weight is the density of ξ, c (1 − W)^{k−1} (1 + W)^{k−1} W (1 − W) (Jacobian included),
    with log c = ``logc``; both logs are formed from ξ directly, so neither W nor 1 − W underflows.
    The one definition shared by the linear-space, log-space and log-tail W-quadratures.
    """
    if xi > 0:
        e = math.exp(-xi)
        logw = -math.log1p(e)
        log1mw = -xi - math.log1p(e)
    else:
        e = math.exp(xi)
        logw = xi - math.log1p(e)
        log1mw = -math.log1p(e)
    return logw, logc + (k - 1.0) * (log1mw + math.log1p(math.exp(logw))) + logw + log1mw


# inner integrands of the W-quadrature (which function of x = t/W is averaged over W), by kind;
# one walk (:func:`log_walk`) serves every kind
UPPER = 0        # Q(2k, x), x = t(1 + e^{−ξ}) formed from t  (the log-tail kernels, gammaal._logtail)
LOWER = 1        # P(2k, x)
DENSITY = 2      # g_{2k}(x)/W
UPPER_LOGT = 3   # Q(2k, x) from log x = log t − log W: t may lie below the smallest double (wmix_log)
LOWER_LOGT = 4   # P(2k, x), likewise

_UNDERFLOW = 1e-280       # below this scipy's incomplete gammas lose relative digits; use log forms


@jit
def _log_inc_gamma_x(a, x, upper):
    """log Q(a, x) (upper) or log P(a, x): scipy's where it is a normal number, else the log forms of
    :mod:`gammaal._special` (Q underflows only for x > a, P only for x < a)."""
    g = gammaincc(a, x) if upper else gammainc(a, x)
    if g > _UNDERFLOW:
        return math.log(g)
    return log_gammainc_upper(a, math.log(x)) if upper else log_gammainc_lower(a, math.log(x))


@jit
def log_gammaincc(a, x):
    """log Q(a, x), finite where Q underflows."""
    return _log_inc_gamma_x(a, x, True)


@jit
def log_gammainc(a, x):
    """log P(a, x), finite where P underflows."""
    return _log_inc_gamma_x(a, x, False)


@jit
def w_log_term(xi, t, logt, k, logc, kind):
    """log of the mixture integrand ``kind`` in ξ = logit W (Jacobian W(1 − W) included)."""
    logw, lw = logit_w_weight(xi, k, logc)
    if kind >= UPPER_LOGT:
        return lw + _log_inc_gamma(2.0 * k, logt - logw, kind == UPPER_LOGT)
    # x = t/W = t(1 + e^{−ξ}) keeps its digits when W underflows
    x = t * (1.0 + math.exp(-xi)) if xi > -700.0 else math.exp(math.log(t) - logw)
    if math.isinf(x):
        # W below the smallest double over t: Q and the density vanish, P is 1
        return lw if kind == LOWER else -math.inf
    if kind != DENSITY:
        return lw + _log_inc_gamma_x(2.0 * k, x, kind == UPPER)
    return lw + log_gamma_kernel(2.0 * k, math.log(x)) - math.log(x) - logw


@jit
def log_walk(x0, h, t, logt, k, logc, kind, ref, drop, geo_from, max_steps):
    """(log h Σ_i e^{ℓ(x0 + i h)} over all integers i, ok) for the log-integrand ℓ = :func:`w_log_term` ``kind``.

    The trapezoid sum of every W-quadrature.  Terms are summed relative to a running maximum (one
    exp a term, Neumaier-compensated).  Each direction stops at a term below e^{−drop} of ``ref`` (of the running maximum
    when ``ref`` is −inf) that is not rising; past ξ = ``geo_from`` (W → 1) the terms are c e^{−kξ}
    to 1e-17, so their rest is added as a geometric series, which makes tiny k cheap.  ok is False
    (and the value NaN) when a direction ran past ``max_steps`` terms.
    """
    lref = -math.inf
    total = 0.0
    comp = 0.0      # Neumaier compensation: tiny k sums ~1e4 terms of the same size
    for direction in (1.0, -1.0):
        prev = math.inf
        i = 0 if direction > 0 else 1
        while True:
            if i >= max_steps:
                return math.nan, False
            xi = x0 + direction * i * h
            lf = w_log_term(xi, t, logt, k, logc, kind)
            term = 0.0
            if lf > lref:
                scale = math.exp(lref - lf) if lref > -math.inf else 0.0
                total *= scale
                comp *= scale
                lref = lf
                term = 1.0
            elif lf > -math.inf:
                term = math.exp(lf - lref)
            if direction > 0 and xi > geo_from and lf > -math.inf:
                # W → 1: the terms are c e^{−kξ} to 1e-17; this one and the geometric rest
                term *= 1.0 + 1.0 / math.expm1(k * h)
            s = total + term
            comp += (total - s) + term if abs(total) >= term else (term - s) + total
            total = s
            if lf < (ref if ref > -math.inf else lref) - drop and lf <= prev:
                break
            if lref == -math.inf and i * h > 2000.0:
                break
            if direction > 0 and xi > geo_from:
                break
            prev = lf
            i += 1
    total += comp
    if total == 0.0:
        return -math.inf, True
    return lref + math.log(total * h), True


@jit
def wmix_log(logt, k, upper):
    """(log P(|Z| > t) if upper else log P(|Z| ≤ t), ok) for t = e^{logt}, by the W-quadrature."""
    logc = LOG2 + log_gamma_ratio_half(k) - LOGSQRTPI        # log(2/B(½, k))
    lmode = -math.log1p(math.sqrt(2.0 * k))                 # the weight peaks near W = 1/(1+√(2k))
    lsw = logt - math.log(2.0 * k)                          # P(2k, t/W) switches near W = t/2k
    if upper:
        lw0 = max(lmode, min(lsw, math.log(0.999)))
    else:
        lw0 = min(lmode, lsw)
    lw0 = min(lw0, math.log1p(-1e-12))
    xi0 = lw0 - math.log1p(-math.exp(lw0))
    h = min(0.5, 1.0 / math.sqrt(2.0 * k))
    if upper and logt > 0.0:
        h = min(h, 0.5 * math.exp(-0.5 * logt))             # deep tail: the peak is ~1/√t wide
    kind = UPPER_LOGT if upper else LOWER_LOGT
    geo_from = 40.0 + math.log1p(math.exp(min(logt, 700.0)))
    prev, ok = log_walk(xi0 + 0.0, h, 0.0, logt, k, logc, kind, -math.inf, _NEG, geo_from, _MAX_STEPS)
    if not ok:
        return math.nan, False
    for _ in range(_MAX_LEVELS):
        mid, ok = log_walk(xi0 + 0.5 * h, h, 0.0, logt, k, logc, kind, -math.inf, _NEG, geo_from, _MAX_STEPS)
        if not ok:
            return math.nan, False
        if prev == -math.inf and mid == -math.inf:
            return -math.inf, True
        hi = max(prev, mid)
        cur = hi + math.log(0.5 * (math.exp(prev - hi) + math.exp(mid - hi)))
        h *= 0.5
        if abs(math.expm1(cur - prev)) <= _TRAP_RTOL:
            return cur, True
        prev = cur
    return math.nan, False


# ---------------------------------------------------------------------------
# over S, for large k
# ---------------------------------------------------------------------------
@jit
def _smix_term(y, t, k, sa, lnorm, upper):
    """Gamma(2k) density of S = 2k + √(2k)·y times dS/dy, times I or 1 − I at t²/S²."""
    a = 2.0 * k
    d = y / sa
    ld = a * log1pmx(d) - math.log1p(d) + lnorm
    s = a * (1.0 + d)
    if s <= t:
        return 0.0 if upper else math.exp(ld)
    r = t / s
    x = r * r
    if upper:
        g = betaincc(0.5, k, x)
    elif x * k < 1e-17:
        # I_x(½, k) = 2√x/B(½,k) (1 − (k−1)x/3 + …): exact here, also when x underflows
        g = 2.0 * r * math.exp(log_gamma_ratio_half(k) - LOGSQRTPI)
    else:
        g = betainc(0.5, k, x)
    return math.exp(ld) * g


@jit
def _smix_walk(off, h, t, k, sa, lnorm, upper):
    total = 0.0
    fmax = 0.0
    for direction in (1.0, -1.0):
        prev = math.inf
        i = 0 if direction > 0 else 1
        while True:
            y = off + direction * i * h
            if y <= -sa or i >= _MAX_STEPS:
                break
            f = _smix_term(y, t, k, sa, lnorm, upper)
            total += f
            if f > fmax:
                fmax = f
            if f <= prev and f <= 1e-18 * fmax:
                break
            prev = f
            i += 1
    return total * h


@jit
def smix(t, k, upper):
    """(P(|Z| > t) if upper else P(|Z| ≤ t), ok) by the S-quadrature (k large, t ≲ 30√(2k))."""
    a = 2.0 * k
    sa = math.sqrt(a)
    lnorm = -0.5 * LOG2PI - stirlerr(a)
    # deep tails: 1 − I_{t²/S²} underflows near the Gamma peak; start where the integrand lives
    y0 = 0.0
    while upper and _smix_term(y0, t, k, sa, lnorm, upper) == 0.0 and y0 < 1e5:
        y0 += 1.0
    h = 0.5
    prev = _smix_walk(y0, h, t, k, sa, lnorm, upper)
    for _ in range(6):
        mid = _smix_walk(y0 + 0.5 * h, h, t, k, sa, lnorm, upper)
        cur = 0.5 * (prev + mid)
        h *= 0.5
        if abs(cur - prev) <= _TRAP_RTOL * cur:
            return cur, True
        prev = cur
    return math.nan, False
