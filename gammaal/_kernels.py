"""numba kernels for the law of Z = X − Y, X, Y iid Gamma(k, 1).

Everything here works in the scale-free variable ``t = δ/θ`` and never
validates: the public modules check arguments once and pass clean float64
arrays.  Scalar kernels (``*_scalar``) are composed into array kernels
(``*_array``); both are plain ``@njit`` functions, so a user's own ``@njit``
code may call the scalar kernels directly.

Algorithms, by regime (each choice is the one that keeps every term positive,
so nothing is lost to cancellation):

* **Integer k = n (n ≤ INTEGER_K_MAX)** — |Z| is a finite Erlang mixture:
  ``P(|Z| > t) = Σ_{j<n} w_j Q(j+1, t)`` and ``P(|Z| ≤ t) = Σ_{j<n} w_j P(j+1, t)``
  with ``w_j = 2 C(2n−2−j, n−1) 2^{−(2n−1−j)}`` (Σ w_j = 1).  The tail uses
  the Poisson-sum form of Q (e^{−t} applied in factors when it would
  underflow); the body uses ``P(n, t) + Σ_{m<n} π_m H_m`` with the Poisson
  terms ``π_m = e^{−t} t^m/m!`` and the head sums ``H_m = Σ_{j<m} w_j``, which
  only adds positive terms.  O(n) flops per point.
* **Real k** — the Beta–Gamma mixture ``|Z| = S W``, ``S ~ Gamma(2k)``,
  ``W² ~ Beta(½, k)``:
  ``P(|Z| > t) = E_W[Q(2k, t/W)]`` and ``P(|Z| ≤ t) = E_W[P(2k, t/W)]``,
  integrated with the trapezoid rule in ``ξ = logit W``.  In that variable
  the integrand is analytic in a strip and decays exponentially at both ends
  (the endpoint singularity ``(1−W)^{k−1}`` becomes ``e^{−kξ}``), so the
  trapezoid rule converges geometrically; the step is halved until two
  levels agree to 1e-11, which leaves an error near 1e-16.  We compute the
  tail first and switch to the body integral when the tail exceeds ½, so the
  smaller of the two probabilities is always computed directly.
* **φ(t)** and the density use the positive Laplace-type integrals
  ``D(t) = ∫_0^∞ x^{k−1}(2+x)^{k−1} e^{−tx} dx`` and
  ``M(t) = ∫_0^∞ x^{k}(2+x)^{k−1} e^{−tx}/(1+x) dx`` with ``φ = ½ M/D`` and
  ``f(z) = e^{−z} z^{2k−1} D(z) Γ(k+½)/(√π Γ(k) Γ(2k))``, again by the
  trapezoid rule in ``ξ = log x`` started at the Laplace point.
"""
from __future__ import annotations

import math

import llvmlite.binding as llvm_binding
import numba
import numpy as np
from numba.extending import get_cython_function_address

#: integer shapes up to this use the exact finite Erlang mixture (O(k) per point).
INTEGER_K_MAX = 2000.0



def _cython_special(name):
    """Bind scipy.special.cython_special.<name>(double, double) -> double for numba.

    The address is registered with LLVM under a fixed symbol name and called as an
    ``ExternalFunction``: jitted code then refers to the symbol, not to a pointer
    baked into the function, which is what lets ``cache=True`` work.
    """
    symbol = f"gammaal_scipy_{name}"
    llvm_binding.add_symbol(symbol, get_cython_function_address("scipy.special.cython_special", name))
    return numba.types.ExternalFunction(symbol, numba.types.float64(numba.types.float64, numba.types.float64))


_gammainc = _cython_special("gammainc")
_gammaincc = _cython_special("gammaincc")
_poch = _cython_special("poch")

_jit = numba.njit(cache=True, error_model="numpy", fastmath=False)

_LOG2 = math.log(2.0)
_LOGSQRTPI = 0.5 * math.log(math.pi)
_TRAP_RTOL = 1e-11        # two trapezoid levels agreeing to this leave ~1e-16 (geometric convergence)
_TAIL_EPS = 1e-18         # terms below this fraction of the running maximum are dropped
_MAX_LEVELS = 9
_MAX_STEPS = 200000


@_jit
def gammainc(a, x):
    """Regularised lower incomplete gamma P(a, x) (scipy's, callable from numba)."""
    return _gammainc(a, x)


@_jit
def gammaincc(a, x):
    """Regularised upper incomplete gamma Q(a, x) (scipy's, callable from numba)."""
    return _gammaincc(a, x)


@_jit
def log_gamma_ratio_half(k):
    """log(Γ(k+½)/Γ(k)).

    scipy's ``poch(k, ½)`` loses digits for large k (7e-13 relative at k = 1000;
    1e-14 at k = 30), so we use the Bernoulli-polynomial expansion
    ``½ log k − 1/(8k) + 1/(192k³) − 1/(640k⁵) + 17/(14336k⁷) − 0.00168186/k⁹``,
    whose first omitted term is below 1e-18 for k ≥ 30, after shifting k upwards.
    """
    # below 30, step up with Γ(k+½)/Γ(k) = Γ(k+1+½)/Γ(k+1) · k/(k+½): a few exact-ish ratios
    shift = 0.0
    while k < 30.0:
        shift += math.log(k / (k + 0.5))
        k += 1.0
    r = 1.0 / k
    r2 = r * r
    series = r * (-0.125 + r2 * (1.0 / 192.0 + r2 * (-1.0 / 640.0 + r2 * (17.0 / 14336.0 - r2 * 0.0016818576388888889))))
    return 0.5 * math.log(k) + series + shift


# ---------------------------------------------------------------------------
# integer k: finite Erlang mixture
# ---------------------------------------------------------------------------
@_jit
def _erlang_weights(n, w):
    """w_j, j = 0..n−1, by the backward recurrence from w_{n−1} = 2^{1−n}.

    Linear space while 2^{1−n} is a normal double (n ≤ 1000); beyond that the
    recurrence runs in logs and the smallest weights underflow harmlessly.
    """
    if n <= 1000:
        w[n - 1] = math.ldexp(1.0, 1 - n)
        for j in range(n - 2, -1, -1):
            w[j] = w[j + 1] * ((2.0 * n - 2.0 - j) / (2.0 * (n - 1.0 - j)))
        return
    lw = (1.0 - n) * _LOG2
    w[n - 1] = math.exp(lw)
    for j in range(n - 2, -1, -1):
        lw += math.log((2.0 * n - 2.0 - j) / (2.0 * (n - 1.0 - j)))
        w[j] = math.exp(lw)


@_jit
def _erlang_beyond(t, n, w):
    """P(|Z| > t) = e^{−t} Σ_m t^m/m! W_m, W_m = Σ_{j ≥ m} w_j (all terms positive)."""
    # tail sums W_m, accumulated from the small end so they keep full precision
    tail = np.empty(n)
    acc = 0.0
    for j in range(n - 1, -1, -1):
        acc += w[j]
        tail[j] = acc
    if t < 650.0:
        term = math.exp(-t)
        s = term * tail[0]
        for m in range(1, n):
            term *= t / m
            s += term * tail[m]
        return s
    if t > 1e5:
        return 0.0          # below 1e-300 for every n ≤ INTEGER_K_MAX
    # e^{−t} underflows: apply it as p exact-ish factors F = e^{−t/p}, each one
    # applied to the running term and sum together when the term grows large, so
    # the result carries only ~p roundings instead of the error of exp(large argument).
    p = int(math.ceil(t / 600.0))
    f = math.exp(-t / p)
    used = 0
    term = 1.0
    s = tail[0]
    for m in range(1, n):
        term *= t / m
        if term > 1e280 and used < p:
            term *= f
            s *= f
            used += 1
        s += term * tail[m]
    while used < p:
        s *= f
        used += 1
    return s


@_jit
def _erlang_within(t, n, w):
    """P(|Z| ≤ t) = Σ_{j<n} w_j P(j+1, t); only used where t is not large (P ≤ ½).

    With the Poisson terms π_m = e^{−t} t^m/m! and the head sums H_m = Σ_{j<m} w_j,
    ``Σ_j w_j P(j+1, t) = P(n, t) + Σ_{m=1}^{n−1} π_m H_m`` (from
    P(j, t) = P(n, t) + Σ_{m=j}^{n−1} π_m).  Every term is positive, the π_m come
    from one upward recurrence (≤ 1, so no overflow; at tiny t they underflow only
    where negligible), and P(n, t) = π_n Σ_i t^i/((n+1)…(n+i)).
    """
    pi_m = math.exp(-t)
    head = w[0]
    s = 0.0
    for m in range(1, n):
        pi_m *= t / m
        s += pi_m * head
        head += w[m]
    pi_m *= t / n                      # π_n
    ser = 1.0
    term = 1.0
    i = 1
    while i < 100000:
        term *= t / (n + i)
        ser += term
        if term < 1e-17 * ser:
            break
        i += 1
    return s + pi_m * ser


# ---------------------------------------------------------------------------
# real k: trapezoid rule on the Beta–Gamma mixture in ξ = logit W
# ---------------------------------------------------------------------------
@_jit
def _mix_term(xi, t, k, logc, upper):
    """Integrand of E_W[Q or P(2k, t/W)] in ξ = logit W (Jacobian included)."""
    # log W and log(1 − W) without cancellation for |ξ| large
    if xi > 0:
        e = math.exp(-xi)
        logw = -math.log1p(e)
        log1mw = -xi - math.log1p(e)
    else:
        e = math.exp(xi)
        logw = xi - math.log1p(e)
        log1mw = -math.log1p(e)
    w = math.exp(logw)
    lw = logc + (k - 1.0) * (log1mw + math.log1p(w)) + logw + log1mw
    x = t / w
    if upper:
        g = _gammaincc(2.0 * k, x)
    else:
        g = _gammainc(2.0 * k, x)
    if g == 0.0:
        return 0.0
    return math.exp(lw) * g


@_jit
def _walk(x0, h, t, k, logc, upper):
    """Trapezoid sum Σ_i h f(x0 + i h) over all i, walking out from x0 until negligible."""
    f0 = _mix_term(x0, t, k, logc, upper)
    total = f0
    fmax = f0
    for direction in (1.0, -1.0):
        prev = f0
        i = 1
        while i < _MAX_STEPS:
            f = _mix_term(x0 + direction * i * h, t, k, logc, upper)
            total += f
            if f > fmax:
                fmax = f
            # stop once past the peak and the terms no longer matter
            if f <= prev and f <= _TAIL_EPS * fmax:
                break
            if fmax == 0.0 and abs(i * h) > 800.0:
                break
            prev = f
            i += 1
    return total * h


@_jit
def _mixture_prob(t, k, upper):
    """P(|Z| > t) (upper=True) or P(|Z| ≤ t) for real k by the logit-W trapezoid rule."""
    # log(2/B(½, k)) with B(½,k) = √π Γ(k)/Γ(k+½)
    logc = _LOG2 + log_gamma_ratio_half(k) - _LOGSQRTPI
    # Start near the mode: the weight W(1−W)(1−W²)^{k−1} peaks near 1/(1+√(2k)),
    # and the incomplete gamma factor switches at W ≈ t/(2k).
    wmode = 1.0 / (1.0 + math.sqrt(2.0 * k))
    wsw = t / (2.0 * k)
    if upper:
        w0 = max(wmode, min(wsw, 0.999))
    else:
        w0 = min(wmode, wsw)
    # tiny δ puts the mass at W ≈ t/(2k); keep that start (down to the subnormals)
    w0 = min(max(w0, 1e-306), 1.0 - 1e-12)
    x0 = math.log(w0) - math.log1p(-w0)
    h = min(0.5, 1.0 / math.sqrt(2.0 * k))
    prev = _walk(x0, h, t, k, logc, upper)
    for _ in range(_MAX_LEVELS):
        # halving: the new level reuses the old nodes and adds the midpoints
        mid = _walk(x0 + 0.5 * h, h, t, k, logc, upper)
        cur = 0.5 * (prev + mid)
        h *= 0.5
        if abs(cur - prev) <= _TRAP_RTOL * abs(cur):
            return cur
        prev = cur
    return prev


# ---------------------------------------------------------------------------
# public scalar kernels in t = δ/θ
# ---------------------------------------------------------------------------
@_jit
def is_integer_shape(k):
    return k == math.floor(k) and k <= INTEGER_K_MAX


@_jit
def beyond_scaled(t, k):
    """P(|Z| > t), Z = X − Y, X, Y iid Gamma(k, 1)."""
    if math.isnan(t):
        return np.nan
    if t <= 0.0:
        return 1.0
    if math.isinf(t):
        return 0.0
    if is_integer_shape(k):
        n = int(k)
        w = np.empty(n)
        _erlang_weights(n, w)
        return _erlang_beyond(t, n, w)
    return _mixture_prob(t, k, True)


@_jit
def within_beyond_scaled(t, k):
    """(P(|Z| ≤ t), P(|Z| > t)) together, each accurate, for the price of one or two quadratures."""
    if math.isnan(t):
        return np.nan, np.nan
    if t <= 0.0:
        return 0.0, 1.0
    if math.isinf(t):
        return 1.0, 0.0
    if is_integer_shape(k):
        n = int(k)
        w = np.empty(n)
        _erlang_weights(n, w)
        if t < 0.5 * math.sqrt(2.0 * n):
            # below about half the median of |Z|: the body is the small side, try it first
            p = _erlang_within(t, n, w)
            if p <= 0.5:
                return p, 1.0 - p
        b = _erlang_beyond(t, n, w)
        return (1.0 - b if b < 0.5 else _erlang_within(t, n, w)), b
    b = _mixture_prob(t, k, True)
    return (1.0 - b if b < 0.5 else _mixture_prob(t, k, False)), b


@_jit
def within_scaled(t, k):
    """P(|Z| ≤ t), computed directly where it is the smaller of the two."""
    return within_beyond_scaled(t, k)[0]


# ---------------------------------------------------------------------------
# Laplace-type integrals D(t), M(t) for φ and the density
# ---------------------------------------------------------------------------
@_jit
def _laplace_log_term(xi, t, k):
    """log of x^k (2+x)^{k−1} e^{−tx} at x = e^ξ (the D integrand times the Jacobian x)."""
    x = math.exp(xi)
    return k * xi + (k - 1.0) * math.log(2.0 + x) - t * x


@_jit
def _laplace_walk(x0, h, t, k, lref):
    """Trapezoid sums of the D and M integrands on the grid x0 + i h (scaled by e^{−lref})."""
    d0 = math.exp(_laplace_log_term(x0, t, k) - lref)
    m0 = d0 * math.exp(x0) / (1.0 + math.exp(x0))
    sd = d0
    sm = m0
    dmax = d0
    mmax = m0
    for direction in (1.0, -1.0):
        pd = d0
        pm = m0
        i = 1
        while i < _MAX_STEPS:
            xi = x0 + direction * i * h
            d = math.exp(_laplace_log_term(xi, t, k) - lref)
            ex = math.exp(xi)
            m = d * ex / (1.0 + ex) if ex < 1e300 else d
            sd += d
            sm += m
            if d > dmax:
                dmax = d
            if m > mmax:
                mmax = m
            if d <= pd and m <= pm and d <= _TAIL_EPS * dmax and m <= _TAIL_EPS * mmax:
                break
            pd = d
            pm = m
            i += 1
    return sd * h, sm * h


@_jit
def _laplace_point(t, k):
    """Mode x* of x^k (2+x)^{k−1} e^{−tx} in ξ = log x, and the curvature there."""
    b = 2.0 * t - 2.0 * k + 1.0
    s = math.hypot(b, math.sqrt(8.0 * t * k))   # hypot: no overflow of b² for huge t
    # the root of t x² + b x − 2k = 0, in the form that does not cancel
    if b >= 0:
        x = 4.0 * k / (b + s)
    else:
        x = (s - b) / (2.0 * t)
    curv = abs(2.0 * (k - 1.0) * x / ((2.0 + x) ** 2) - t * x)
    return x, curv


@_jit
def laplace_integrals(t, k):
    """Return (log D(t), M(t)/D(t)) for t > 0."""
    xs, curv = _laplace_point(t, k)
    x0 = math.log(xs)
    width = 1.0 / math.sqrt(max(curv, 1e-300))
    h = min(1.0, 0.5 * width)
    lref = _laplace_log_term(x0, t, k)
    pd, pm = _laplace_walk(x0, h, t, k, lref)
    for _ in range(_MAX_LEVELS):
        md, mm = _laplace_walk(x0 + 0.5 * h, h, t, k, lref)
        cd = 0.5 * (pd + md)
        cm = 0.5 * (pm + mm)
        h *= 0.5
        done = abs(cd - pd) <= _TRAP_RTOL * cd and abs(cm - pm) <= _TRAP_RTOL * cm
        pd = cd
        pm = cm
        if done:
            break
    return lref + math.log(pd), pm / pd


@_jit
def expected_target_scaled(t, k):
    """φ(t) = E[X/(X+Y) | Y − X = t] = ½ M(t)/D(t); φ(0) = ½, φ(∞) = 0."""
    if math.isnan(t):
        return np.nan
    if t == 0.0:
        return 0.5
    if math.isinf(t):
        return 0.0
    return 0.5 * laplace_integrals(t, k)[1]


@_jit
def pdf_scaled(z, k):
    """Density of Z at z (θ = 1): e^{−|z|}|z|^{2k−1} D(|z|) Γ(k+½)/(√π Γ(k) Γ(2k))."""
    if math.isnan(z):
        return np.nan
    a = abs(z)
    if math.isinf(a):
        return 0.0
    if a == 0.0:
        if k > 0.5:
            # f(0) = Γ(k−½)/(2√π Γ(k))
            return 1.0 / (2.0 * math.sqrt(math.pi) * math.exp(log_gamma_ratio_half(k - 0.5)))
        return np.inf
    logd, _ = laplace_integrals(a, k)
    logc = log_gamma_ratio_half(k) - _LOGSQRTPI - math.lgamma(2.0 * k)
    return math.exp(-a + (2.0 * k - 1.0) * math.log(a) + logd + logc)


# ---------------------------------------------------------------------------
# array kernels: numpy ufuncs over the scalar kernels (broadcasting included)
# ---------------------------------------------------------------------------
@_jit
def cdf_scaled(z, k):
    """F(z) = ½ P(|Z| > |z|) for z < 0 and 1 − ½ P(|Z| > z) for z ≥ 0."""
    if math.isnan(z):
        return np.nan
    if z < 0:
        return 0.5 * beyond_scaled(-z, k)
    return 1.0 - 0.5 * beyond_scaled(z, k)


_ufunc = numba.vectorize(["float64(float64, float64)"], cache=True)


@_ufunc
def beyond_array(t, k):
    return beyond_scaled(t, k)


@_ufunc
def within_array(t, k):
    return within_scaled(t, k)


@_ufunc
def expected_target_array(t, k):
    return expected_target_scaled(t, k)


@_ufunc
def pdf_array(z, k):
    return pdf_scaled(z, k)


@_ufunc
def cdf_array(z, k):
    return cdf_scaled(z, k)
