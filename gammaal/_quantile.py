r"""Quantiles of |Z|, Z = X − Y, X, Y iid Gamma(k, 1), by safeguarded Newton iteration in log t.

The equation is solved on the smaller side, always in ``u = log t`` (scale-free:
an error in u is a relative error in t, and tiny roots at small k are reached in
a few steps):

* lower side, ``F(t) = P(|Z| ≤ t) = p ≤ ½``: ``g(u) = log F(e^u) − log p``,
  ``g' = t f/F`` (F ~ c t^{2k} or f(0) t near 0: linear in u);
* upper side, ``S(t) = P(|Z| > t) = q ≤ ½``: ``g(u) = log S(e^u) − log q``,
  ``g' = −t f/S`` (log S ≈ −t in the tail: Newton converges monotonically).

g is formed as log(F/p) where both are normal numbers (two ~|log p|-sized logs would
leave 1e-13 of rounding at p ~ 1e-300).  Roots that are known in closed form to
double precision are not iterated: a power-law root (k < ½) below the smallest
double is 0, and for k ≥ 1 and t < e^{−350}, ``t = p/f(0)``.

Each step costs one probability and one density from the ordinary kernels of
:mod:`gammaal._kernels` (so the quantile is as fast as they are: for non-integer k in the
Struve–Bessel range the Struve probabilities and the Bessel density), with the
log-space W-quadrature of :mod:`gammaal._mixture` only where the probability is
below 1e-280; integer k ≤ 1000 gets the density from the finite Erlang
mixture ``f_{|Z|}(t) = e^{−t} Σ_j w_j t^j/j!`` (and the upper side both log S
and log f from one scaled pass, so nothing underflows).  Start values
(:mod:`gammaal._quantile_start`) are closed-form saddle-point and small-t
approximations, typically 1e-2…1e-7 relative (rougher and cheaper for integer
k ≤ 200, whose Newton steps cost less than a fine start), so 1–5 evaluations
reach full precision.  The stop rule predicts the error left after the last
step from the quadratic convergence, ``|δ_n|³/δ_{n−1}²``, so the converged
iterate is not evaluated again; the last step is applied as ``t·e^{δ}``, so the
rounding of u (≈ 1e-13 at t ~ 1e-300) does not reach t.  A bracket from the
sign of g catches every step that leaves it (bisection in u).
"""
from __future__ import annotations

import math

import numpy as np

from . import _bessel, _erlang, _hankel_tail, _huge_k, _kernels, _mixture, _struve_tail
from ._quantile_start import lower_start, power_law_log_root, upper_start
from ._special import Elementwise
from ._special import LOG2, jit

_LOG_MIN = 1e-280          # probabilities below this: their log from the log-space quadrature
_LOG_TINIEST = -746.0      # log of half the smallest subnormal: roots below round to 0
_LOG_LINEAR = -350.0       # k ≥ 1, t below e^{−350}: F(t) = f(0) t to double precision
_BIG = 1e300               # an open end of the bracket in u (|u| < 1e3 for every double t)
_MAX_ITER = 60
_MAX_STEP = 60.0           # a far start moves t by at most e^{±60} per step
_PRED_TOL = 1e-15          # predicted error (in u, i.e. relative in t) left after the last step
_CHEAP_N = 200             # integer k up to this: a rough start (a Newton step costs < 1 µs)
_SMALL_STEP = 1e-9         # steps this small twice in a row: at the noise floor of g, stop
#: upper side, k ≥ _UPPER_VIA_WITHIN_K: where P(|Z| ≤ t) is at most this, the tail S is taken as 1 − P.
#: P's absolute error (≤ 8e-15 against mpmath for the Struve body, 5.6e-15 with Debye's expansion) is then
#: ≤ 8e-13 of S, and reaches the root divided by t f/S (≥ 7 at S = 1 %: 2x φ(x)/Q(x) at the normal point
#: x = 2.58, larger further out), ≤ 1.2e-13 relative.  Below, the small-tail forms (at large k the O(k)
#: shape recurrence, ~1 µs at k = 1000): 16–18× one prob_within at k = 1000.5 before, see README "Speed".
_UPPER_VIA_WITHIN = 0.99
#: below this k the small-tail forms cost no more than the body (and 1 − P is used anyway for tails ≥ ¼)
_UPPER_VIA_WITHIN_K = _struve_tail.REC_K1 + 1.0


@jit
def _log_prob(t, u, k, upper, n, w, tail):
    """(log P, log f_{|Z|}(t), P or 0 where only log P is formed) at t = e^u, P = P(|Z| > t) if upper
    else P(|Z| ≤ t); NaN if a quadrature did not converge."""
    if n > 0:
        if t <= 0.0:
            lf0 = LOG2 + _kernels.log_pdf_at_zero(k)
            return lf0 + u, lf0, 0.0
        ls, lf, s_lin = _erlang.logs(t, n, w, tail)
        if upper:
            return ls, lf, s_lin
        if ls < -LOG2:
            return math.log1p(-math.exp(ls)), lf, 0.0     # F > ½: an iterate past the median
        p = _erlang.within(t, n, w) if t >= _kernels.T_TINY else 0.0
        if p > _LOG_MIN:
            return math.log(p), lf, p
        # F = f(0) t to double precision here (the next term is O(t) smaller)
        lf0 = LOG2 + _kernels.log_pdf_at_zero(k)
        return lf0 + u, lf0, 0.0
    if _kernels.struve_applies(t, k):
        # non-integer 0.01 ≤ k ≤ 2000, 1e-300 ≤ t ≤ 600: the Struve–Bessel probabilities (full relative
        # accuracy on either side, a quadrature only where the small-tail forms do not serve) and the
        # Bessel density, a few gammainc each (the quadratures below cost ~100× more)
        f = _bessel.pdf_bessel(t, k)
        if not upper:
            p = _kernels.within_scaled(t, k)
        elif k >= _UPPER_VIA_WITHIN_K:
            # a tail ≥ 1 % from 1 − P: the O(1) Struve body instead of the small-tail forms (at large k the
            # O(k) shape recurrence where the fitted tail of _large_k_tail does not serve); see
            # _UPPER_VIA_WITHIN for the error this leaves in the root
            p = _kernels.within_scaled(t, k)
            p = 1.0 - p if p <= _UPPER_VIA_WITHIN else _kernels.beyond_scaled(t, k)
        else:
            p = _kernels.beyond_scaled(t, k)
        if p > _LOG_MIN and f > 0.0:
            return math.log(p), LOG2 + math.log(f), p
    elif k > _huge_k.K_MIN:
        # 2000 < k ≤ 1e10, t ≲ 14σ: Debye's K, the Struve body and the M-function tail, O(1) (the S-integral
        # behind costs ~100× more)
        within, beyond, f = _huge_k.within_beyond_pdf(t, k)
        p = beyond if upper else within
        if p > _LOG_MIN and f > 0.0:
            return math.log(p), LOG2 + math.log(f), p
    if upper:
        # the far tail (below 1e-280 or past the Struve range): Hankel's expansion gives log S and log f in
        # O(1) where it is accepted (gammaal._hankel_tail), instead of two log-space quadratures
        lh, lfh = _hankel_tail.log_beyond_and_pdf_hankel(t, k)
        if not math.isnan(lh):
            return lh, lfh, 0.0
    lf = LOG2 + _kernels.log_pdf_logz(u, k)
    if upper and t >= _kernels.T_TINY:
        p = _kernels.beyond_scaled(t, k)        # one tail quadrature, accurate also where it exceeds ½
    else:
        within, beyond = _kernels.within_beyond_logt(t, u, k)
        p = beyond if upper else within
    if p > _LOG_MIN:
        return math.log(p), lf, p
    lp, ok = _mixture.wmix_log(u, k, upper)
    return (lp if ok else math.nan), lf, 0.0


@jit
def _solve(target, logtarget, k, upper, u):
    """(t, evaluations): t = e^u with log S(t) (upper) or log F(t) = logtarget, safeguarded Newton from u."""
    n = int(k) if _kernels.is_integer_shape(k) else 0
    if n > 0:
        w, tail = _erlang.setup(n)
    else:
        w, tail = np.empty(0), np.empty(0)
    lo = -_BIG
    hi = _BIG
    prev_step = 0.0
    small = 0
    for it in range(_MAX_ITER):
        t = math.exp(u)
        lp, lf, p_lin = _log_prob(t, u, k, upper, n, w, tail)
        if math.isnan(lp) or math.isnan(lf):
            return math.nan, it + 1
        # log(P/target) from the ratio where both are normal numbers: log P − log target would carry
        # the rounding of two ~|log P|-sized logs (1e-13 at P ~ 1e-300)
        g = math.log(p_lin / target) if p_lin > 0.0 and target > _LOG_MIN else lp - logtarget
        if g == 0.0:
            return t, it + 1
        # g decreases with u on the upper side, increases on the lower side
        if (g > 0.0) == upper:
            lo = u
        else:
            hi = u
        if lf == -math.inf:
            step = _MAX_STEP if (g > 0.0) == upper else -_MAX_STEP
        else:
            dg = math.exp(min(u + lf - lp, 700.0))
            step = -g / (-dg if upper else dg)
            step = min(max(step, -_MAX_STEP), _MAX_STEP)
        u_new = u + step
        if not lo < u_new < hi and abs(step) > _SMALL_STEP:
            if lo > -_BIG and hi < _BIG:
                u_new = 0.5 * lo + 0.5 * hi
            else:
                u_new = u + (_MAX_STEP if lo > -_BIG else -_MAX_STEP)
            step = u_new - u
            prev_step = 0.0
            small = 0
            if abs(step) <= 1e-16 * max(1.0, abs(u)):
                return t, it + 1
        else:
            a = abs(step)
            if a <= 1e-16 or (prev_step != 0.0 and a * a * a <= _PRED_TOL * prev_step * prev_step):
                return t * math.exp(step), it + 1
            small = small + 1 if a < _SMALL_STEP else 0
            if small >= 2:
                return t * math.exp(step), it + 1
            prev_step = step
        u = u_new
    return math.nan, _MAX_ITER      # not converged: the public layer raises ArithmeticError naming the point


@jit
def abs_quantile_evals(p, q, k):
    """(t, number of probability evaluations) with P(|Z| ≤ t) = p, P(|Z| > t) = q (p + q = 1), θ = 1."""
    if math.isnan(p) or math.isnan(q) or math.isnan(k):
        return math.nan, 0
    if p <= 0.0:
        return 0.0, 0
    if q <= 0.0:
        return math.inf, 0
    if k < 0.5 and power_law_log_root(math.log(p), k) < _LOG_TINIEST:
        # F ~ c t^{2k} (1 + O(t^{1−2k})) as t → 0: a power-law root below the smallest double is the root
        return 0.0, 0
    # integer k: Newton steps (finite Erlang sums) are cheaper than a fine start
    cheap = _kernels.is_integer_shape(k) and k <= _CHEAP_N
    if q <= 0.5:
        logq = math.log(q)
        return _solve(q, logq, k, True, upper_start(logq, k, cheap))
    logp = math.log(p)
    if _kernels.is_integer_shape(k):
        logf0 = math.log(_erlang.w0(int(k)))
    elif k > 0.5:
        logf0 = LOG2 + _kernels.log_pdf_at_zero(k)
    else:
        logf0 = math.inf     # k = ½: f(0) = ∞, the start uses t log(1/t) instead
    if k >= 1.0 and logp - logf0 < _LOG_LINEAR:
        # F(t) = f(0) t (1 + O(t^{min(2, 2k−1)})): exact to double precision this close to 0
        return p * math.exp(-logf0), 0
    return _solve(p, logp, k, False, lower_start(logp, k, logf0, cheap))


@jit
def abs_quantile_scaled(p, q, k):
    """t with P(|Z| ≤ t) = p and P(|Z| > t) = q (p + q = 1, both passed exactly), θ = 1."""
    return abs_quantile_evals(p, q, k)[0]


@jit
def diff_ppf_scaled(p, k):
    """Quantile of Z = X − Y (symmetric): z with P(Z ≤ z) = p."""
    if math.isnan(p):
        return math.nan
    if p < 0.5:
        # P(Z ≤ −t) = ½ P(|Z| > t) = p;  2p and 1 − 2p are exact for p ∈ [¼, ½)
        return -abs_quantile_scaled(1.0 - 2.0 * p, 2.0 * p, k)
    if p == 0.5:
        return 0.0
    return abs_quantile_scaled(2.0 * p - 1.0, 2.0 - 2.0 * p, k)


@jit
def diff_isf_scaled(q, k):
    """z with P(Z > z) = q (the symmetry z_isf(q) = −z_ppf(q); 0, not −0, at the median)."""
    return 0.0 if q == 0.5 else -diff_ppf_scaled(q, k)


@jit
def _abs_ppf_loop(p, k, out):
    """Quantile of |Z|: P(|Z| ≤ t) = p."""
    for i in range(out.size):
        out[i] = abs_quantile_scaled(p[i], 1.0 - p[i], k[i])


@jit
def _abs_isf_loop(q, k, out):
    """Inverse survival function of |Z|: P(|Z| > t) = q."""
    for i in range(out.size):
        out[i] = abs_quantile_scaled(1.0 - q[i], q[i], k[i])


@jit
def _diff_ppf_loop(p, k, out):
    """Quantile of Z = X − Y (symmetric): z with P(Z ≤ z) = p."""
    for i in range(out.size):
        out[i] = diff_ppf_scaled(p[i], k[i])


@jit
def _diff_isf_loop(q, k, out):
    """z with P(Z > z) = q."""
    for i in range(out.size):
        out[i] = diff_isf_scaled(q[i], k[i])


# over broadcast arrays (see _special.Elementwise)
abs_ppf_array = Elementwise(_abs_ppf_loop)
abs_isf_array = Elementwise(_abs_isf_loop)
diff_ppf_array = Elementwise(_diff_ppf_loop)
diff_isf_array = Elementwise(_diff_isf_loop)
