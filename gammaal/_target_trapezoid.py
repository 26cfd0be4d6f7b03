r"""φ(t) by one trapezoid pass whose step comes from an a-priori error bound, for the points the Bessel
recurrence of :mod:`gammaal._target_bessel` skips or hands back (t ≳ k, where its shape recurrence
amplifies; integer k; frac(k) > 0.99) and the shapes it does not serve.

In ξ = log x (x = u − 1 of :mod:`gammaal._target_bessel`), with f(ξ) = x^k (2+x)^{k−1} e^{−tx},

.. math::  φ = ½ \frac{∫ f(ξ)\,x/(1+x)\,dξ}{∫ f(ξ)\,dξ},

the integrals of :mod:`gammaal._laplace`.  That module halves its step until two levels agree to 1e-11,
which costs about eight times the nodes of the final level (~7 µs a point on those points).  Here the step is chosen
once, from the classical bound for the trapezoid rule on a strip: f is analytic and integrable on
|Im ξ| < θ for every θ < π/2, and on Im ξ = ±θ, with c = cos θ,

* |e^{−t x e^{iθ}}| = e^{−t x c}, |x^k e^{ikθ}| = x^k, c(2+x) ≤ |2 + x e^{iθ}| ≤ 2+x and
  |1 + x e^{iθ}| ≥ c(1+x); with D(tc) ≤ c^{−k}·c^{−max(k−1, 0)}·D(t) (substitute x → x/c), the integrals
  of |f| along Im ξ = ±θ are ≤ c^{−(p−2)} D(t) for the D integrand and ≤ c^{−p} M(t) for the M one,
  p = 2·max(k, 1) + 1;
* so by the trapezoid theorem on a strip (|I_h − I| ≤ 2·sup_y ∫|f(ξ+iy)|dξ / (e^{2πθ/h} − 1),
  Trefethen & Weideman 2014, Thm 5.1) each sum has relative error ≤ 4 c^{−p} / (e^{2πθ/h} − 1), and φ
  at most twice that.

:func:`step` takes the largest h for which that is ≤ 1e-16 at the best θ of a fixed grid (tabulated
once over p at import).  The sum is cut where the terms fall below e^{−41.5} of the mode's on the
right (double-exponential decay) and, on the slowly decaying left end x → 0, summed in closed form
once x ≤ 0.1/(t + |k−1| + 1): there f = B e^{kξ} Σ_n c_n x^n with (2+x)^{k−1}e^{−tx} = 2^{k−1} Σ c_n x^n,
c_{n+1} = [(k−1−2t−n) c_n − t c_{n−1}] / (2(n+1)) (each term ≤ 0.1 of the one before), and
Σ_i e^{−(k+n) i h} = 1/(1 − e^{−(k+n)h}); twenty terms leave < 1e-20.

Cost: ~40 nodes (10–90 %: 38–56 on the benchmark's k ~ U(0.5, 20)), one ``log1p`` and one ``exp`` each;
e^{d} comes from products of e^{±h}, recomputed by ``expm1`` every eighth node (``expm1`` on every
node cost 1.35 µs a point against 0.85 µs, same run, same accuracy).  The log-integrand is formed
relative to the mode directly (no identity form as in :mod:`gammaal._laplace`), so its rounding grows
like ε·k: hence ``K_MAX``.  Against mpmath (tests/test_target_trapezoid.py) the worst relative error
is 1.8e-15 over k ∈ [1e-8, 200] (integers and their neighbours included) × t ∈ [1e-6, 1e4].
"""
from __future__ import annotations

import math

import numpy as np

from ._laplace import laplace_point
from ._special import jit

#: shapes and arguments served (others: NaN, the caller's adaptive quadrature)
K_MIN = 1e-8
K_MAX = 200.0
T_MIN = 1e-6
T_MAX = 1e4
#: relative discretisation error aimed at by the step (the bound is an upper bound)
TARGET = 1e-16
#: terms below e^{−NEG} of the mode's value end the walk
_NEG = 41.5
_MAX_NODES = 400
_LEFT_X = 0.1
_LEFT_TERMS = 20


def _step_table():
    """Largest h with 4 c^{−p}/(e^{2πθ/h} − 1) ≤ TARGET at the best θ, for p on a log grid (h falls with p)."""
    theta = np.linspace(0.02, 0.5 * np.pi - 0.02, 400)
    lc = -np.log(np.cos(theta))
    p = np.geomspace(3.0, 2.0 * K_MAX + 1.0, 256)
    a = math.log(4.0 / TARGET)
    # e^{2πθ/h} − 1 ≥ 4c^{−p}/TARGET  ⇔  h ≤ 2πθ / log1p(4 c^{−p}/TARGET)
    h = (2.0 * np.pi * theta[None, :] / np.logaddexp(0.0, a + p[:, None] * lc[None, :])).max(axis=1)
    return np.log(p), h


_LOG_P, _H = _step_table()


@jit
def step(k):
    """The trapezoid step in ξ for shape k: the table entry at the next larger p (h decreases with p)."""
    p = 2.0 * max(k, 1.0) + 1.0
    x = (math.log(p) - _LOG_P[0]) / (_LOG_P[1] - _LOG_P[0])
    i = min(int(math.ceil(x - 1e-12)), _H.size - 1)
    return _H[max(i, 0)]


@jit
def _left_tail(x, k, t, h):
    """Σ_{i≥0} g(ξ − ih)/g(ξ) for the D and M integrands, g = e^{kξ} Σ c_n x^n (D) or e^{kξ} Σ a_n x^n (M)."""
    km1 = k - 1.0
    c_prev = 0.0
    c = 1.0
    a = 0.0                      # coefficients of x/(1+x) · Σ c_n x^n: a_{n+1} = c_n − a_n
    xn = 1.0
    sd = sm = gd = gm = 0.0
    q = math.exp(-k * h)
    r = math.exp(-h)
    for n in range(_LEFT_TERMS):
        # 1 − e^{−(k+n)h}: expm1 while the exponent is small (1 − q would cancel), then the product
        one_m_q = -math.expm1(-(k + n) * h) if (k + n) * h < 1.0 else 1.0 - q
        q *= r
        w = xn / one_m_q
        sd += c * w
        sm += a * w
        gd += c * xn
        gm += a * xn
        c_prev, c, a = c, ((km1 - 2.0 * t - n) * c - t * c_prev) / (2.0 * (n + 1)), c - a
        xn *= x
    return sd / gd, sm / gm


@jit
def target_trapezoid(t, k):
    """φ(t) = ½ M/D by one trapezoid pass (module docstring), or NaN outside the range or past the node cap."""
    if not (K_MIN <= k <= K_MAX and T_MIN <= t <= T_MAX):
        return np.nan
    x0, _ = laplace_point(t, k)
    h = step(k)
    y0 = x0 / (2.0 + x0)
    tx0 = t * x0
    km1 = k - 1.0
    left_x = _LEFT_X / (t + abs(km1) + 1.0)
    sd = 1.0                    # the mode's node, weight e^0
    sm = x0 / (1.0 + x0)
    nodes = 1
    for direction in (1.0, -1.0):
        prev = 0.0
        i = 1
        eh = math.exp(direction * h)
        e = 1.0
        while True:
            d = direction * i * h
            if i % 8 == 1:
                em = math.expm1(d)          # exact every eighth node; in between e^{d} by products
                e = 1.0 + em
            else:
                e *= eh
                em = e - 1.0
            x = x0 * (1.0 + em)
            lg = k * d + km1 * math.log1p(y0 * em) - tx0 * em
            f = math.exp(lg)
            g = f * x / (1.0 + x)
            if direction < 0.0 and x <= left_x:
                td, tm = _left_tail(x, k, t, h)
                sd += f * td
                sm += g * tm
                break
            sd += f
            sm += g
            nodes += 1
            if nodes > _MAX_NODES:
                return np.nan
            if lg < -_NEG and lg <= prev:
                break
            prev = lg
            i += 1
    return 0.5 * sm / sd
