"""Integer shape k = n: |Z| is a finite Erlang mixture (all terms positive, O(n) flops per point).

``P(|Z| > t) = Σ_{j<n} w_j Q(j+1, t)``, ``P(|Z| ≤ t) = Σ_{j<n} w_j P(j+1, t)`` and the density
``f_{|Z|}(t) = e^{−t} Σ_j w_j t^j/j!`` with ``w_j = 2 C(2n−2−j, n−1) 2^{−(2n−1−j)}`` (Σ w_j = 1); see
:mod:`gammaal._kernels` for where these serve, :mod:`gammaal._quantile` for the log-space pass.
"""
from __future__ import annotations

import math

import numpy as np

from ._special import LOG2, LOG2PI, gammainc_series, jit, log1pmx, stirlerr


# ---------------------------------------------------------------------------
@jit
def weights(n, w):
    """w_j, j = 0..n−1, by the backward recurrence from w_{n−1} = 2^{1−n}.

    Linear space while 2^{1−n} is a normal double (n ≤ 1000); beyond that the
    recurrence runs in logs and the smallest weights underflow harmlessly.
    """
    if n <= 1000:
        w[n - 1] = math.ldexp(1.0, 1 - n)
        for j in range(n - 2, -1, -1):
            w[j] = w[j + 1] * ((2.0 * n - 2.0 - j) / (2.0 * (n - 1.0 - j)))
        return
    lw = (1.0 - n) * LOG2
    w[n - 1] = math.exp(lw)
    for j in range(n - 2, -1, -1):
        lw += math.log((2.0 * n - 2.0 - j) / (2.0 * (n - 1.0 - j)))
        w[j] = math.exp(lw)


@jit
def beyond(t, n, w):
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
        return 0.0          # below 1e-300 for every n ≤ kernels.INTEGER_K_MAX (1000)
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


@jit
def within(t, n, w):
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
    return s + pi_m * gammainc_series(float(n), t)


@jit
def setup(n):
    """Weights w_j and tail sums W_m = Σ_{j≥m} w_j of the integer-k Erlang mixture (one buffer)."""
    buf = np.empty(2 * n)
    w = buf[:n]
    tail = buf[n:]
    weights(n, w)
    acc = 0.0
    for j in range(n - 1, -1, -1):
        acc += w[j]
        tail[j] = acc
    return w, tail


@jit
def logs(t, n, w, tail):
    """(log S(t), log f_{|Z|}(t), S(t) or 0 where only its log is formed) for integer k = n: S = Σ_m π_m W_m, f = Σ_m π_m w_m, π_m = e^{−t} t^m/m!.

    For t < 600 the π_m come from π_0 = e^{−t} (the largest is ≥ e^{−600}: no underflow that
    matters); beyond, both sums are taken relative to the largest Poisson term π_M
    (M = min(n−1, ⌊t⌋)), whose log is M·log1pmx(t/M − 1) − ½ log(2πM) − stirlerr(M).
    """
    if t < 600.0:
        term = math.exp(-t)
        s_sum = term * tail[0]
        f_sum = term * w[0]
        for m in range(1, n):
            term *= t / m
            s_sum += term * tail[m]
            f_sum += term * w[m]
        return math.log(s_sum), math.log(f_sum), s_sum
    m_ref = min(n - 1, int(t))
    lref = m_ref * log1pmx(t / m_ref - 1.0) - 0.5 * (LOG2PI + math.log(m_ref)) - stirlerr(float(m_ref))
    s_sum = tail[m_ref]
    f_sum = w[m_ref]
    b = 1.0
    for m in range(m_ref, 0, -1):
        b *= m / t
        s_sum += b * tail[m - 1]
        f_sum += b * w[m - 1]
    b = 1.0
    for m in range(m_ref + 1, n):
        b *= t / m
        s_sum += b * tail[m]
        f_sum += b * w[m]
    return lref + math.log(s_sum), lref + math.log(f_sum), 0.0


@jit
def w0(n):
    """f_{|Z|}(0) = w_0 = 2 C(2n−2, n−1) 2^{−(2n−1)} for integer k = n (by the product ∏ (n−1+j)/(4j)·…)."""
    w0 = 1.0
    for j in range(1, n):
        w0 *= (n - 1.0 + j) / (4.0 * j)
    return w0
