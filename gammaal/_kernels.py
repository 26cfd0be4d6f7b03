"""numba kernels for the law of Z = X − Y, X, Y iid Gamma(k, 1).

Everything here works in the scale-free variable ``t = δ/θ`` and never
validates: the public modules check arguments once and pass clean float64
arrays.  Scalar kernels (``*_scalar``) are composed into array kernels
(``*_array``); both are plain ``@njit`` functions, so a user's own ``@njit``
code may call the scalar kernels directly.

Algorithms, by regime (each choice is the one that keeps every term positive,
so nothing is lost to cancellation):

* **Non-integer k in [0.01, 2000] (and integer k ≥ 150), T_TINY ≤ t ≤ 600 (``struve_applies``)** — the
  closed form ``P(|Z| ≤ t) = t[K_ν L_{ν−1} + L_ν K_{ν−1}]`` with our own Bessel K
  and Struve series (:mod:`gammaal._bessel`; two positive products, so P has full
  relative accuracy for any P, one point at a time: a few ``gammainc`` for k ≲ 20,
  O(k) flops above).  The tail is ``1 − P`` while P ≤ ¾, then the positive
  M-function form of :mod:`gammaal._struve_tail` for 1.5 ≤ k ≤ 20.5, t ≤ 30, the
  shape recurrence P_{k+1} = P_k + t f_k/k upward from that form for k ≥ 5.5,
  t ≤ 600 (results above 1e-290), one step down from k + 1 for 0.5 ≤ k < 1.5, and
  the quadratures below elsewhere.  The density for 0.01 ≤ k ≤ 2000 (any k there)
  is ``R_ν Γ(k+½)/(√π Γ(k))`` from the same Bessel recurrence.

* **Integer k = n (n ≤ INTEGER_K_MAX; n < 150 or t outside the Struve range)** — a finite Erlang mixture:
  ``P(|Z| > t) = Σ_{j<n} w_j Q(j+1, t)`` and ``P(|Z| ≤ t) = Σ_{j<n} w_j P(j+1, t)``
  with ``w_j = 2 C(2n−2−j, n−1) 2^{−(2n−1−j)}`` (Σ w_j = 1).  The tail uses
  the Poisson-sum form of Q (e^{−t} applied in factors when it would
  underflow); the body uses ``P(n, t) + Σ_{m<n} π_m H_m`` with the Poisson
  terms ``π_m = e^{−t} t^m/m!`` and the head sums ``H_m = Σ_{j<m} w_j``, which
  only adds positive terms.  O(n) flops per point (:mod:`gammaal._erlang`).
* **Real k ≤ K_LARGE, and any k for deep tails or t < T_TINY** — the Beta–Gamma
  mixture ``|Z| = S W``, ``S ~ Gamma(2k)``, ``W² ~ Beta(½, k)``:
  ``P(|Z| > t) = E_W[Q(2k, t/W)]`` and ``P(|Z| ≤ t) = E_W[P(2k, t/W)]``,
  integrated with the trapezoid rule in ``ξ = logit W`` (analytic in a strip,
  decaying at both ends, so it converges geometrically; the step is halved
  until two levels agree to 1e-11).  A linear-space walk is the fast path; it
  hands over to the log-space walk of :mod:`gammaal._mixture` (log-space
  incomplete gammas, sums relative to a running maximum) when its result is
  below 1e-250, when it did not converge, for k < 0.01 and for t < T_TINY
  (given as log t, so δ/θ may underflow).  The slowly decaying end W → 1,
  ``c e^{−kξ}``, is summed in closed form once it is geometric, so tiny k
  costs no more than k = 1.  The tail is computed first and the body
  integral used when the tail exceeds ½: the smaller probability is always
  the one integrated.
* **k > K_LARGE, results above P_LOG** — the same mixture integrated over S:
  ``P(|Z| ≤ t) = E_S[I_{t²/S²}(½, k)]`` in ``y = (S − 2k)/√(2k)`` (≈ 40 nodes
  for any k, where the W-walk would need ~√k).
* **t < T_TINY, k ≥ 1** — ``P(|Z| ≤ t) = 2 f(0) t`` (the next term is O(t) smaller).
* **φ(t) for non-integer 0.01 ≤ k ≤ 200, 1e-8 ≤ t ≤ 30** first tries :mod:`gammaal._target_bessel` (the
  reflected shape's tail and the shape recurrence of J/D — its base from the fitted Chebyshev series of
  :mod:`gammaal._target_base` for 0.3 ≤ t ≤ 30, below from one Bessel pair and Struve sums — with a running
  error bound; NaN where the bound exceeds 5e-14, chiefly t ≳ k ≥ 1; below t = 0.3 the points it would
  almost surely reject skip it, :func:`gammaal._target_bessel.worth_trying`), then for 1e-8 ≤ k ≤ 200,
  1e-6 ≤ t ≤ 1e4 one trapezoid pass with an a-priori step (:mod:`gammaal._target_trapezoid`, ~0.85 µs),
  else the adaptive Laplace integrals below.
* **φ(t)** and the density use the positive Laplace-type integrals
  ``D(t) = ∫_0^∞ x^{k−1}(2+x)^{k−1} e^{−tx} dx`` and
  ``M(t) = ∫_0^∞ x^{k}(2+x)^{k−1} e^{−tx}/(1+x) dx`` with ``φ = ½ M/D``
  (:mod:`gammaal._laplace`: log-integrand relative to the Laplace point with no
  k-sized cancellation, geometric rest at x → 0 for small k).  The density is
  ``f(0)·e^{−z}E(z)/Γ(2k−1)`` for k ≥ 1 with every O(k log k) part cancelled
  analytically (``pdf_logz``), and ``e^{−z} z^{2k−1} D(z) Γ(k+½)/(√π Γ(k) Γ(2k))``
  for k < 1.

Every kernel returns NaN where a quadrature did not converge; the public
functions turn that into an ``ArithmeticError`` naming the point.  Note for
developers: numba's cache does not see edits to the modules a cached function
calls, so delete ``gammaal/__pycache__/*.nb?`` after editing ``_special``,
``_mixture`` or ``_laplace``.
"""
from __future__ import annotations

import math

import numpy as np

from . import (_bessel, _erlang, _hankel_tail, _huge_k, _laplace, _large_k_tail, _mixture, _small_k_tail, _struve_tail,
               _target_bessel, _target_trapezoid)
from ._special import LOG2 as _LOG2
from ._special import LOGSQRTPI as _LOGSQRTPI
from ._special import Elementwise
from ._special import gammainc, gammaincc, jit as _jit, log1pmx, stirlerr  # noqa: F401  (log1pmx, stirlerr re-exported)
from ._mixture import log_gamma_ratio_half  # noqa: F401

#: integer shapes up to this use the exact finite Erlang mixture (O(k) per point; its
#: weights are exact in linear space up to here).
INTEGER_K_MAX = 1000.0
#: integer shapes from this up take the Struve–Bessel form where it applies: both are O(k) per point, and
#: the Erlang sums cost more above here (measured per point: k = 100: 0.53 / 0.59 µs Erlang / Struve;
#: 200: 1.17 / 0.93; 1000: 5.9 / 3.9)
STRUVE_INTEGER_K_MIN = 150.0
#: above this shape the body and moderate tail use the quadrature over S (≈ 40 nodes for any k).
K_LARGE = 1000.0
#: results below this come from the log-space W-quadrature (the linear-space and S ones hand over).
P_LOG = 1e-250
#: below this t (or when δ/θ underflows: the public layer passes log t) the log-space W-quadrature.
T_TINY = 1e-300
#: for k ≥ 1 below this t the law is flat at 0 to double precision: f(t) = f(0)(1 − O(t)), φ(t) = ½ − O(t log 1/t),
#: P(|Z| ≤ t) = 2 f(0) t (1 + O(t)) — the relative corrections are < 1e-18 (the quadratures fail down there).
T_FLAT = 1e-20
_LOG_T_FLAT = math.log(T_FLAT)

#: prob_beyond takes 1 − P from the Struve form where P is at most this (the tail is ≥ ¼)
_STRUVE_TAIL_MAX_P = 0.75
#: P(|Z| ≤ t) is taken as 1 − P(|Z| > t) where that tail is below this: the Struve form of P keeps ~1e-14
#: relative after the O(k) recurrence of the far tail at large k (k = 98.6, t = 196: 1 − 1.1e-14 for a
#: true 1 − 5.8e-34), which near P = 1 is larger than the tail itself
_P_VIA_TAIL = 1.0 / 64.0
#: … for k from here up: below, the recurrence behind P is short (P's error ≲ kε/2 ≤ 2.5e-15 near 1) and the
#: accurate small tail at k < 1.5 would be a ~200 µs quadrature
_P_VIA_TAIL_K = 20.0

_TRAP_RTOL = 1e-11        # two trapezoid levels agreeing to this leave ~1e-16 (geometric convergence)
_TAIL_EPS = 1e-18         # terms below this fraction of the running maximum are dropped
_MAX_LEVELS = 9
_MAX_STEPS = 200000


# ---------------------------------------------------------------------------
# real k, moderate t: the W-quadrature in linear space (fast path; see _mixture)
# ---------------------------------------------------------------------------
@_jit
def _mix_term(xi, t, k, logc, upper):
    """Integrand of E_W[Q or P(2k, t/W)] in ξ = logit W (Jacobian included)."""
    logw, lw = _mixture.logit_w_weight(xi, k, logc)
    x = t / math.exp(logw)
    if upper:
        g = gammaincc(2.0 * k, x)
    else:
        g = gammainc(2.0 * k, x)
    if g == 0.0:
        return 0.0
    return math.exp(lw) * g


@_jit
def _walk(x0, h, t, k, logc, upper):
    """Trapezoid sum Σ_i h f(x0 + i h) over all i, walking out from x0 until negligible.

    At W → 1 (ξ > 40 + log(1+t)) the terms are c e^{−kξ} to 1e-17, slow for small k:
    their rest is added as a geometric series.  Returns NaN if the walk runs out of steps.
    """
    f0 = _mix_term(x0, t, k, logc, upper)
    total = f0
    fmax = f0
    geo_from = 40.0 + math.log1p(t)
    for direction in (1.0, -1.0):
        prev = f0
        i = 1
        while True:
            if i >= _MAX_STEPS:
                return np.nan
            xi = x0 + direction * i * h
            f = _mix_term(xi, t, k, logc, upper)
            total += f
            if f > fmax:
                fmax = f
            # stop once past the peak and the terms no longer matter
            if f <= prev and f <= _TAIL_EPS * fmax:
                break
            if direction > 0 and xi > geo_from:
                total += f / math.expm1(k * h)
                break
            if fmax == 0.0 and abs(i * h) > 800.0:
                break
            prev = f
            i += 1
    return total * h


@_jit
def _mixture_prob(t, k, upper):
    """P(|Z| > t) (upper=True) or P(|Z| ≤ t) by the W-quadrature in linear space.

    NaN when it did not converge or when the integrand may have underflowed (a
    result below 1e-250): the caller then uses the log-space quadrature.
    """
    logc = _LOG2 + log_gamma_ratio_half(k) - _LOGSQRTPI
    wmode = 1.0 / (1.0 + math.sqrt(2.0 * k))
    wsw = t / (2.0 * k)
    if upper:
        w0 = max(wmode, min(wsw, 0.999))
    else:
        w0 = min(wmode, wsw)
    w0 = min(max(w0, 1e-306), 1.0 - 1e-12)
    x0 = math.log(w0) - math.log1p(-w0)
    h = min(0.5, 1.0 / math.sqrt(2.0 * k))
    prev = _walk(x0, h, t, k, logc, upper)
    for _ in range(_MAX_LEVELS):
        mid = _walk(x0 + 0.5 * h, h, t, k, logc, upper)
        cur = 0.5 * (prev + mid)
        h *= 0.5
        if abs(cur - prev) <= _TRAP_RTOL * abs(cur):
            return cur if cur > P_LOG else np.nan
        prev = cur
    return np.nan


# ---------------------------------------------------------------------------
# public scalar kernels in t = δ/θ (also given as log t, for t below the smallest double)
# ---------------------------------------------------------------------------
@_jit
def is_integer_shape(k):
    return k == math.floor(k) and k <= INTEGER_K_MAX


@_jit
def _log_tail_bound(t, k):
    """log of 2 Q(k, t) ≥ P(|Z| > t) (X − Y > t needs X > t)."""
    return _LOG2 + _mixture._log_inc_gamma(k, math.log(t), True)


@_jit
def _real_prob(t, logt, k, upper):
    """One probability for real k (any k > 0, t > 0 or log t); NaN if no method converged."""
    if t >= T_TINY:
        if k > K_LARGE:
            p, ok = _mixture.smix(t, k, upper)
            if ok and p > 1e-290:       # its incomplete betas are accurate down to here
                return min(p, 1.0)
        elif k >= 1e-2:
            p = _mixture_prob(t, k, upper)
            if not math.isnan(p):
                return p
        if upper and _log_tail_bound(t, k) < -746.0:
            return 0.0
    lp, ok = _mixture.wmix_log(logt, k, upper)
    return min(math.exp(lp), 1.0) if ok else np.nan


@_jit
def within_beyond_logt(t, logt, k):
    """(P(|Z| ≤ t), P(|Z| > t)) for t = e^{logt} > 0 (t itself may have underflowed to 0)."""
    if t >= T_TINY and is_integer_shape(k):
        n = int(k)
        w = np.empty(n)
        _erlang.weights(n, w)
        if t < 0.5 * math.sqrt(2.0 * n):
            # below about half the median of |Z|: the body is the small side, try it first
            p = _erlang.within(t, n, w)
            if p <= 0.5:
                return p, 1.0 - p
        b = _erlang.beyond(t, n, w)
        return (1.0 - b if b < 0.5 else _erlang.within(t, n, w)), b
    if t < T_FLAT and k >= 1.0:
        # P(|Z| ≤ t) = 2 f(0) t (1 + O(t)) exactly in double precision here
        if t >= 2.3e-308:
            p = 2.0 * math.exp(log_pdf_at_zero(k)) * t
        else:
            p = math.exp(_LOG2 + log_pdf_at_zero(k) + logt)
        return p, 1.0 - p
    if t < T_TINY and k >= 0.5:
        # the body is the small side for certain (P(|Z| ≤ t) ≲ t^{2k} log(1/t))
        p = _real_prob(t, logt, k, False)
        return p, 1.0 - p
    b = _real_prob(t, logt, k, True)
    if math.isnan(b):
        return np.nan, np.nan
    if b < 0.5:
        return 1.0 - b, b
    p = _real_prob(t, logt, k, False)
    return p, (b if not math.isnan(p) else np.nan)


@_jit
def within_beyond_scaled(t, k):
    """(P(|Z| ≤ t), P(|Z| > t)) together, each accurate, for the price of one or two quadratures."""
    if math.isnan(t):
        return np.nan, np.nan
    if t <= 0.0:
        return 0.0, 1.0
    if math.isinf(t):
        return 1.0, 0.0
    if t < T_FLAT and k >= 1.0:
        return within_beyond_logt(t, math.log(t), k)
    if struve_applies(t, k):
        p, b = struve_within_beyond(t, k)
        if math.isnan(b):
            b = _tail_past_struve(t, k)
        if b < _P_VIA_TAIL and k >= _P_VIA_TAIL_K:
            p = 1.0 - b                 # as in within_scaled: P ≈ 1 from the accurate tail
        return p, b
    if k > _huge_k.K_MIN and t >= T_TINY:
        p, b = _huge_k.within_beyond(t, k)      # Debye's K, the Struve body and the M-function tail: O(1)
        if not math.isnan(p):
            return p, b
    return within_beyond_logt(t, math.log(t), k)


@_jit
def beyond_scaled(t, k):
    """P(|Z| > t), Z = X − Y, X, Y iid Gamma(k, 1)."""
    if math.isnan(t):
        return np.nan
    if t <= 0.0:
        return 1.0
    if math.isinf(t):
        return 0.0
    if t < T_FLAT and k >= 1.0:
        return within_beyond_logt(t, math.log(t), k)[1]
    if t >= T_TINY:
        if k >= _large_k_tail.K_MIN:
            b = _large_k_tail.beyond(t, k)      # σ ≤ t ≤ 4.4σ: O(1), and no P to form first
            if not math.isnan(b):
                return b
        if k < _small_k_tail.K_MAX and not is_integer_shape(k):
            b = _small_k_tail.beyond(t, k)      # 0.0098 ≤ t ≤ 25.8: O(1), the factor k explicit
            if not math.isnan(b):
                return b
        if struve_applies(t, k):
            b = struve_within_beyond(t, k)[1]
            if not math.isnan(b):
                return b
        elif k > _huge_k.K_MIN:
            b = _huge_k.within_beyond(t, k)[1]
            if not math.isnan(b):
                return b
        return _tail_past_struve(t, k)
    return within_beyond_logt(t, math.log(t), k)[1]


@_jit
def _tail_past_struve(t, k):
    """P(|Z| > t), t ≥ T_TINY, where the Struve forms do not serve it: the Erlang sum for integer k, the far
    tail from Hankel's expansion where it is accepted (O(1)), else the tail integral, which is accurate on
    its own, also where it exceeds ½."""
    if is_integer_shape(k):
        n = int(k)
        w = np.empty(n)
        _erlang.weights(n, w)
        return _erlang.beyond(t, n, w)
    b = _hankel_tail.beyond_hankel(t, k)
    if not math.isnan(b):
        return b
    return _real_prob(t, math.log(t), k, True)


@_jit
def _log_chernoff_tail(t, k):
    """log of 2 min_s E[e^{sZ}] e^{−st} ≥ P(|Z| > t): E[e^{sZ}] = (1 − s²)^{−k}, optimal s = (√(k²+t²) − k)/t."""
    s = t / (k + math.hypot(k, t))
    return _LOG2 - k * math.log1p(-s * s) - s * t


@_jit
def struve_applies(t, k):
    """Whether the closed Struve–Bessel form of :mod:`gammaal._bessel` serves (t, k) (non-integer k, and
    integer k ≥ STRUVE_INTEGER_K_MIN)."""
    return (_bessel.K_MIN <= k <= _bessel.K_MAX and T_TINY <= t <= _bessel.X_MAX
            and (k >= STRUVE_INTEGER_K_MIN or not is_integer_shape(k)))


@_jit
def _struve_within(t, k):
    if t > 2.0 * k and _log_chernoff_tail(t, k) < -38.0:
        return 1.0                      # P(|Z| > t) < 4e-17: P rounds to 1
    return min(_bessel.within_struve(t, k), 1.0)


@_jit
def struve_within_beyond(t, k):
    """(P(|Z| ≤ t), P(|Z| > t)) from the Struve forms where :func:`struve_applies`; the tail is NaN
    where neither 1 − P (tail ≥ ¼) nor the small-tail forms of :mod:`gammaal._struve_tail` serve it."""
    in_tail_range = t <= _struve_tail.X_MAX and _struve_tail.K_MIN <= k <= _struve_tail.K_MAX
    if not in_tail_range:
        p = _struve_within(t, k)
    else:
        # one Bessel recurrence for both sides
        r0, r1 = _bessel.k_values(k - 0.5, t)
        g = _bessel.gamma_ratio_half(k)
        s_nu, s_num1 = _bessel.struve_sums(t, k - 0.5)
        p = min(_bessel.within_from_r(t, k, r0, r1, s_nu, s_num1, g), 1.0)
        if p > _STRUVE_TAIL_MAX_P:
            return p, _struve_tail.beyond_from_r(t, k, r0, r1, g)
    if p <= _STRUVE_TAIL_MAX_P:
        return p, 1.0 - p               # tail ≥ ¼: 1 − P loses at most two bits
    if k >= _large_k_tail.K_MIN:
        b = _large_k_tail.beyond(t, k)  # O(1): Debye's density times the fitted Mills ratio (σ ≤ t ≤ 4.4σ)
        if not math.isnan(b):
            return p, b
    if k >= _struve_tail.REC_K1 + 1.0 and t <= _struve_tail.REC_X_MAX:
        b = _struve_tail.beyond_recurrence(t, k)
        return p, (b if b > 1e-290 else np.nan)         # below: the log-space quadrature
    if k < _small_k_tail.K_MAX:
        b = _small_k_tail.beyond(t, k)                  # the fitted tail with the factor k explicit
        if not math.isnan(b):
            return p, b
        if t < _small_k_tail.T_MIN:
            # below T_MIN the tail is ≥ 0.07 at any k ≥ 0.01 (1 − P loses at most four bits) and ≥ 0.008 at
            # k ≥ 1e-3 (seven bits; measured worst 2.1e-14 against mpmath on 120 points k ∈ [1e-3, 0.01])
            return p, 1.0 - p
    return p, np.nan


@_jit
def within_scaled(t, k):
    """P(|Z| ≤ t): the Struve–Bessel form where it applies (positive terms, any P), else the quadratures."""
    if 0.0 < t < T_FLAT and k >= 1.0:
        return within_beyond_logt(t, math.log(t), k)[0]
    if struve_applies(t, k):
        p = _struve_within(t, k)
        if p > 1.0 - _P_VIA_TAIL and k >= _P_VIA_TAIL_K:
            # P ≈ 1: the Struve form's relative error (up to ~1e-14 after a long recurrence at large k) would
            # be all of the tail; 1 − (the accurate small tail) is right to the tail's own digits
            b = beyond_scaled(t, k)
            if not math.isnan(b):
                return 1.0 - b
        return p
    return within_beyond_scaled(t, k)[0]


# ---------------------------------------------------------------------------
# φ and the density from the Laplace integrals (see _laplace)
# ---------------------------------------------------------------------------
@_jit
def expected_target_logt(logt, k):
    """φ(t) = ½ M(t)/D(t) for t = e^{logt} > 0."""
    if logt < _LOG_T_FLAT and k >= 1.0:
        return 0.5
    return 0.5 * _laplace.laplace_sums(logt, k)[2]


@_jit
def expected_target_scaled(t, k):
    """φ(t) = E[X/(X+Y) | Y − X = t] = ½ M(t)/D(t); φ(0) = ½, φ(∞) = 0."""
    if math.isnan(t):
        return np.nan
    if t == 0.0:
        return 0.5
    if math.isinf(t):
        return 0.0
    if _target_bessel.worth_trying(t, k):
        # non-integer k: Bessel K, the reflected shape's Struve tail and the shape recurrence, where its
        # running error bound allows (else NaN, and the quadratures below)
        phi = _target_bessel.target_bessel(t, k)
        if not math.isnan(phi):
            return phi
    phi = _target_trapezoid.target_trapezoid(t, k)      # one pass, a-priori step (NaN outside its range)
    if not math.isnan(phi):
        return phi
    return expected_target_logt(math.log(t), k)


@_jit
def expected_target_laplace(t, k):
    """φ(t) by the Laplace quadrature alone (≈ 1e-15): the per-k φ tables are built and checked from it, so
    they do not inherit the ≤ 1e-14 spread of the Bessel path of :func:`expected_target_scaled`."""
    if math.isnan(t):
        return np.nan
    if t == 0.0:
        return 0.5
    if math.isinf(t):
        return 0.0
    return expected_target_logt(math.log(t), k)


@_jit
def log_pdf_at_zero(k):
    """log f(0) = log Γ(k−½)/(2√π Γ(k)), k > ½."""
    return -(_LOG2 + _LOGSQRTPI) - log_gamma_ratio_half(k - 0.5)


@_jit
def log_pdf_logz(logz, k):
    """log of the density of Z at |z| = e^{logz} (θ = 1); NaN if the quadrature did not converge.

    k ≥ 1: f(z) = f(0) e^{−z} E(z)/Γ(2k−1), E(z) = ∫ u^{k−1}(u+2z)^{k−1} e^{−u} du, with
    every O(k log k) part cancelled analytically (see the notes in the code); k < 1:
    the direct e^{−z} z^{2k−1} D(z) Γ(k+½)/(√π Γ(k) Γ(2k)), whose parts are small there.
    """
    if logz < _LOG_T_FLAT and k >= 1.0:
        return log_pdf_at_zero(k)
    a = math.exp(logz)
    xi0, lsd, _ = _laplace.laplace_sums(logz, k)
    if math.isnan(lsd):
        return np.nan
    if k >= 1.0:
        # With u₀ = z x₀ (the walk's centre in u = z x), w = u₀ + z, r = z/w and m = 2k − 1:
        # log[e^{−z}E/Γ(m)] = m log w − w − lgamma(m) + k log(1 − r) + (k−1) log(1 + r) + log hΣ
        #   = m log1pmx(w/m − 1) + ½ log(m/2π) − stirlerr(m) + k log(1 − r²) − log(1 + r) + log hΣ,
        # so the ±z/2-sized k log(1 ∓ r) never meet.
        lu0 = logz + xi0
        w = math.exp(lu0) + a
        m = 2.0 * k - 1.0
        r = a / w
        l2 = math.log1p(r)
        s12 = math.log1p(-r * r) if r < 0.3 else (lu0 - math.log(w)) + l2
        core = m * log1pmx((w - m) / m) + 0.5 * (math.log(m) - _mixture.LOG2PI) - stirlerr(m)
        return log_pdf_at_zero(k) + core + k * s12 - l2 + lsd
    log2px0 = xi0 + math.log1p(2.0 * math.exp(-xi0)) if xi0 > 0.0 else math.log(2.0 + math.exp(xi0))
    l0 = k * xi0 + (k - 1.0) * log2px0 - math.exp(logz + xi0)
    logc = log_gamma_ratio_half(k) - _LOGSQRTPI - math.lgamma(2.0 * k)
    return -a + (2.0 * k - 1.0) * logz + l0 + lsd + logc


@_jit
def pdf_logz(logz, k):
    return math.exp(log_pdf_logz(logz, k))


@_jit
def pdf_scaled(z, k):
    """Density of Z at z (θ = 1); f(0) = Γ(k−½)/(2√π Γ(k)) for k > ½, +inf for k ≤ ½."""
    if math.isnan(z):
        return np.nan
    a = abs(z)
    if math.isinf(a):
        return 0.0
    if a == 0.0:
        if k > 0.5:
            return math.exp(log_pdf_at_zero(k))
        return np.inf
    if a < T_FLAT and k >= 1.0:
        return math.exp(log_pdf_at_zero(k))
    if _bessel.K_MIN <= k <= _bessel.K_MAX and T_TINY <= a <= _bessel.X_MAX:
        return _bessel.pdf_bessel(a, k)
    if k > _huge_k.K_MIN and a >= T_TINY:
        f = _huge_k.pdf(a, k)           # Debye's K: O(1) where it serves
        if not math.isnan(f):
            return f
    return pdf_logz(math.log(a), k)


@_jit
def cdf_scaled(z, k):
    """F(z) = ½ P(|Z| > |z|) for z < 0 and 1 − ½ P(|Z| > z) for z ≥ 0."""
    if math.isnan(z):
        return np.nan
    if z < 0:
        return 0.5 * beyond_scaled(-z, k)
    return 1.0 - 0.5 * beyond_scaled(z, k)


# ---------------------------------------------------------------------------
# array kernels: each scalar kernel over broadcast arrays (a cached loop each, loaded on its first call;
# see _special.Elementwise for why these are not numba.vectorize ufuncs)
# ---------------------------------------------------------------------------
@_jit
def _beyond_loop(t, k, out):
    for i in range(out.size):
        out[i] = beyond_scaled(t[i], k[i])


@_jit
def _within_loop(t, k, out):
    for i in range(out.size):
        out[i] = within_scaled(t[i], k[i])


@_jit
def _within_logt_loop(t, logt, k, out):
    """P(|Z| ≤ t) given t (possibly subnormal or 0 after underflow) and log t."""
    for i in range(out.size):
        out[i] = within_beyond_logt(t[i], logt[i], k[i])[0]


@_jit
def _beyond_logt_loop(t, logt, k, out):
    for i in range(out.size):
        out[i] = within_beyond_logt(t[i], logt[i], k[i])[1]


@_jit
def _expected_target_loop(t, k, out):
    for i in range(out.size):
        out[i] = expected_target_scaled(t[i], k[i])


@_jit
def _expected_target_logt_loop(logt, k, out):
    for i in range(out.size):
        out[i] = expected_target_logt(logt[i], k[i])


@_jit
def _pdf_loop(z, k, out):
    for i in range(out.size):
        out[i] = pdf_scaled(z[i], k[i])


@_jit
def _log_pdf_logz_loop(logz, k, out):
    for i in range(out.size):
        out[i] = log_pdf_logz(logz[i], k[i])


@_jit
def _cdf_loop(z, k, out):
    for i in range(out.size):
        out[i] = cdf_scaled(z[i], k[i])


beyond_array = Elementwise(_beyond_loop)
within_array = Elementwise(_within_loop)
within_logt_array = Elementwise(_within_logt_loop)
beyond_logt_array = Elementwise(_beyond_logt_loop)
expected_target_array = Elementwise(_expected_target_loop)
expected_target_logt_array = Elementwise(_expected_target_logt_loop)
pdf_array = Elementwise(_pdf_loop)
log_pdf_logz_array = Elementwise(_log_pdf_logz_loop)
cdf_array = Elementwise(_cdf_loop)
