r"""The far tail P(|Z| > t) from Hankel's expansion of K_ν, integrated term by term (O(1) per point).

With ν = k − ½ and c = 1/(√π Γ(k) 2^ν), f_{|Z|}(z) = 2c z^ν K_ν(z) (θ = 1), and Hankel's expansion
``K_ν(z) = √(π/2z) e^{−z} Σ_j a_j z^{−j}``, ``a_j = Π_{i≤j}(4ν² − (2i−1)²) / (j! 8^j)``, gives term by term

.. math::
    P(|Z| > t) = 2c\sqrt{π/2}\; e^{−t} t^{k−1} \sum_j h_j U_{k−1−j},\qquad
    h_j = a_j t^{−j},\quad U_c = e^{t} t^{−c} Γ(c+1, t).

The U obey ``U_c = 1 + (c/t) U_{c−1}`` (integration by parts), which is run *upward* in c from one Legendre
continued fraction at the lowest order needed (errors shrink by |c|/t < 1 a step), so no incomplete gamma's
asymptotic series (divergent, with an e^{−t} floor) is used: the only approximation is Hankel's, whose
remainder after J ≥ ν − ½ terms is, for real z > 0, below the first omitted term in size (Watson §7.3);
integrated over [t, ∞) the bound becomes ``|h_J U_{k−1−J}|``.  Before that (large ν, t ≫ ν²) the sum may stop
at a term that is ≤ ½ of the one before: the term ratio (4ν² − (2j−1)²)/(8jt) only decreases up to
j = ν + ½, so the terms left out up to Watson's bound sum to at most that term.  For integer k (half-integer ν) the
expansion terminates: the sum is exact.

Each point is accepted only if that bound is ≤ 1e-17 of the sum, the terms' absolute sum is at most 64× the
sum (≤ 6 bits of cancellation), c ≥ −t along the U recurrence, J ≤ J_MAX and the continued fraction converged;
otherwise NaN, and the callers use their quadratures.  In practice it serves t ≳ ν²/8 + 20 or so
(t ≥ 30 for k ≤ 20, t ≥ 200 at k = 50, far tails at any k ≤ 2000), i.e. the log-tails far past underflow,
which the log-space W-quadrature served at ~20 µs a point before.  Checked against mpmath in
tests/test_hankel_tail.py.
"""
from __future__ import annotations

import math

import numpy as np

from ._special import jit

#: at most this many Hankel terms (more: NaN)
J_MAX = 160
_TERM_TOL = 1e-17
_CANCEL_MAX = 64.0
_CF_TOL = 1e-16
_CF_MAX = 300
_LOG2 = math.log(2.0)
#: log(2c √(π/2)) + lgamma(k) + ν log 2 = log 2 − ½ log π + ½ log(π/2) = ½ log 2
_LOG_CONST = 0.5 * math.log(2.0)
#: the linear value is formed for k up to this (t ≤ 700): larger k is served by the Struve forms
LINEAR_K_MAX = 20.5


@jit
def _u_cf(c, t):
    """U_c = e^t t^{−c} Γ(c+1, t) by Legendre's continued fraction (modified Lentz), or NaN if unconverged."""
    a = c + 1.0
    b = t + 1.0 - a
    tiny = 1e-300
    cc = 1.0 / tiny
    d = 1.0 / b if b != 0.0 else 1.0 / tiny
    h = d
    for i in range(1, _CF_MAX):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        if d == 0.0:
            d = tiny
        cc = b + an / cc
        if cc == 0.0:
            cc = tiny
        d = 1.0 / d
        de = d * cc
        h *= de
        if abs(de - 1.0) < _CF_TOL:
            return t * h
    return np.nan


@jit
def hankel_sum(t, k):
    """S = Σ_j h_j U_{k−1−j} (module docstring), or NaN where the point is not accepted."""
    return hankel_sums(t, k)[0]


@jit
def hankel_sums(t, k):
    """(S, Σ_j h_j): the tail's sum and Hankel's sum for K_ν(t) itself, or NaNs where not accepted."""
    if not (t > 0.0 and k > 0.0):
        return np.nan, np.nan
    nu = k - 0.5
    fn = 4.0 * nu * nu
    h = np.empty(J_MAX + 1)
    h[0] = 1.0
    total = 1.0
    absolute = 1.0
    j = 0
    while True:
        j += 1
        if j > J_MAX:
            return np.nan, np.nan
        odd = 2.0 * j - 1.0
        hj = h[j - 1] * (fn - odd * odd) / (8.0 * j * t)
        h[j] = hj
        total += hj
        absolute += abs(hj)
        if not (absolute < 1e300):
            return np.nan, np.nan
        if hj == 0.0:               # integer k: the expansion terminated, exact
            j -= 1
            break
        if j >= nu - 0.5:
            # past every positive factor: the terms alternate and the remainder is below the next one
            if abs(hj) <= _TERM_TOL * abs(total):
                break
            if abs(hj) > abs(h[j - 1]):
                return np.nan, np.nan   # diverging before it got small: t too small for this ν
        elif abs(hj) <= _TERM_TOL * abs(total) and abs(hj) <= 0.5 * abs(h[j - 1]):
            # still positive terms, already shrinking by ≥ ½ a step: the ratio (4ν² − (2j−1)²)/(8jt) only
            # falls from here to j = ν + ½, so the rest up to Watson's bound sums to ≤ |h_j|
            break
    n_terms = j
    c_low = k - 1.0 - n_terms
    if c_low < -t:
        # U_c = 1 + (c/t) U_{c−1} subtracts for c < 0: kept to |c| ≤ t, where it cannot amplify errors
        # (for c ≥ 0 it adds positive terms, which keep their relative accuracy)
        return np.nan, np.nan
    u = _u_cf(c_low, t)
    if math.isnan(u) or not u > 0.0:
        return np.nan, np.nan
    s = h[n_terms] * u
    s_abs = abs(s)
    for jj in range(n_terms - 1, -1, -1):
        u = 1.0 + (k - 1.0 - jj) * u / t
        term = h[jj] * u
        s += term
        s_abs += abs(term)
    if not (s > 0.0 and s_abs <= _CANCEL_MAX * s and total > 0.0 and absolute <= _CANCEL_MAX * total):
        return np.nan, np.nan
    return s, total


@jit
def _log_prefactor(t, k):
    """log(√2/(Γ(k) 2^ν) e^{−t} t^{k−1}): the common factor of the tail and of f_{|Z|} = 2c t^ν K_ν(t)."""
    return _LOG_CONST - math.lgamma(k) - (k - 0.5) * _LOG2 - t + (k - 1.0) * math.log(t)


@jit
def log_beyond_and_pdf_hankel(t, k):
    """(log P(|Z| > t), log f_{|Z|}(t)), θ = 1, or NaNs where not accepted."""
    s, ksum = hankel_sums(t, k)
    if math.isnan(s):
        return np.nan, np.nan
    base = _log_prefactor(t, k)
    return base + math.log(s), base + math.log(ksum)


@jit
def log_beyond_hankel(t, k):
    """log P(|Z| > t), θ = 1, or NaN where the Hankel form is not accepted."""
    s = hankel_sum(t, k)
    if math.isnan(s):
        return np.nan
    return _log_prefactor(t, k) + math.log(s)


@jit
def beyond_hankel(t, k):
    """P(|Z| > t), θ = 1, or NaN where the Hankel form is not accepted or the value is below 1e-290 (there
    the caller's log-space forms).  Formed as a product of separately rounded factors (each ≤ 1 ulp), not as
    exp of the log (whose rounding would grow with |log P|)."""
    if not (k <= LINEAR_K_MAX and t <= 700.0):
        return np.nan
    s = hankel_sum(t, k)
    if math.isnan(s):
        return np.nan
    # t^{k−1} ≤ e^{128} and e^{−t} ≥ 1e-304 here: no factor over- or underflows
    v = (math.sqrt(2.0) * math.pow(t, k - 1.0) / (math.gamma(k) * math.pow(2.0, k - 0.5))) * math.exp(-t) * s
    return v if v > 1e-290 else np.nan
