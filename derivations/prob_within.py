r"""Paper Eq. 5 / supplement Eq. 3–6: ``P(|X − Y| ≤ δ)`` for X, Y iid Gamma(k, Θ), integer k.

Derivation (checked by sympy for each k, Θ = 2/3, symbolic δ > 0):

* Eq. 3 → Eq. 4: the inner integrals are ``∫_0^{x+δ}γ = G(x+δ) + 1`` and
  ``∫_{x−δ}^{x+δ}γ = G(x+δ) − G(x−δ)``, which splits P into
  ``A = ∫_0^δ γ G(x+δ)``, ``B = ∫_0^δ γ``, ``C = ∫_δ^∞ γ G(x+δ)``,
  ``D = −∫_δ^∞ γ G(x−δ)``.
* sympy integrates A, B, C, D exactly; each equals the printed Eq. 5 term
  (the binomial expansion and ``Γ(k+i) = {}^{k+i−1}P_i Γ(k)`` are right).
* A + B + C + D equals the Erlang-mixture sum
  ``1 − 2e^{−t} Σ_m t^m/m! Σ_i C(n−1+i, i) 2^{−(n+i)}`` (an independent route)
  and the *corrected* Eq. 6; the printed Eq. 6 is not equal to it
  (``1 − ΘG`` should be ``1 + G``; the last sum's sign is flipped).
* numerically: the sympy result at 50 digits against ``gammaal.prob_within``,
  ``gammaal.closed_form.prob_within`` and a direct mpmath quadrature of Eq. 3.
"""
from __future__ import annotations

import math

import mpmath as mp
import sympy as sp

from . import make_identity
from ._common import antiderivative, delta, gamma_pdf, gammaal_function, is_zero, mp_value, rel_diff, x, y

THETA = sp.Rational(2, 3)
EQ = "S Eq. 3-6"


def f_paper(i, n, k, d, scale):
    """The paper's f(i, n, k, δ, Θ) (after supplement Eq. 5); ``d`` may be −δ."""
    return (sp.exp(-d / scale) * sp.binomial(n - 1, i) * sp.ff(k + i - 1, i) * d ** (n - 1 - i)
            / (2 ** (k + i) * scale ** (n - i)))


def _inner_sum(k, sign):
    """Σ_n 1/Γ(n) Σ_i C(n−1,i) P(k+i−1,i) (±δ)^{n−1−i}/(2^{k+i}Θ^{n−i}) × (Θ/2 Σ_m …) pieces of Eq. 5."""
    th = THETA
    terms = []
    for n in range(1, k + 1):
        for i in range(n):
            coef = sp.binomial(n - 1, i) * sp.ff(k + i - 1, i) * (sign * delta) ** (n - 1 - i) / (2 ** (k + i) * th ** (n - i))
            tail = th / 2 * sum(delta ** (m - 1) * sp.exp(-delta / (th / 2)) / ((th / 2) ** m * sp.gamma(m))
                                for m in range(1, k + i + 1))
            terms.append((coef / sp.gamma(n), tail))
    return terms


def printed_terms(k):
    """A, B, C, D exactly as printed in supplement Eq. 5."""
    th = THETA
    a = -th * sp.exp(-delta / th) * sum(c * (-tail + 1) for c, tail in _inner_sum(k, 1))
    b = -th * sum(delta ** (n - 1) * sp.exp(-delta / th) / (th**n * sp.gamma(n)) for n in range(1, k + 1)) + 1
    c = -th * sp.exp(-delta / th) * sum(cf * tail for cf, tail in _inner_sum(k, 1))
    d = th * sp.exp(delta / th) * sum(cf * tail for cf, tail in _inner_sum(k, -1))
    return {"A": a, "B": b, "C": c, "D": d}


def eq6(k, printed, scale=THETA):
    """Supplement Eq. 6, as printed (``printed=True``) or corrected, at scale Θ = ``scale``.

    The printed form is not even scale invariant (its ``1 − Θ G`` term), so its
    numbers must be taken at the paper's own Θ.
    """
    th = scale
    g = antiderivative(delta, k, th)
    s1 = sum(f_paper(i, n, k, delta, th) / sp.gamma(n) for n in range(1, k + 1) for i in range(n))
    s2 = sum(f_paper(i, n, k, -delta, th) * antiderivative(delta, k + i, th / 2) / sp.gamma(n)
             for n in range(1, k + 1) for i in range(n))
    if printed:
        return 1 - th * g - th * s1 + th * s2
    return 1 + g - th * s1 - th * s2


def erlang_mixture(k):
    """1 − 2 e^{−t} Σ_{m<k} t^m/m! c_m, c_m = Σ_{i≤k−1−m} C(k−1+i, i) 2^{−(k+i)} (math.md item 3)."""
    tt = delta / THETA
    total = sum(tt**m / sp.factorial(m) * sum(sp.binomial(k - 1 + i, i) * sp.Rational(1, 2 ** (k + i)) for i in range(k - m))
                for m in range(k))
    return 1 - 2 * sp.exp(-tt) * total


def exact_terms(k):
    """A, B, C, D of Eq. 4 integrated by sympy from their definitions."""
    th = THETA
    gx = gamma_pdf(x, k, th)
    g_plus = antiderivative(x + delta, k, th)
    g_minus = antiderivative(x - delta, k, th)
    return {
        "A": sp.integrate(sp.expand(gx * g_plus), (x, 0, delta)),
        "B": sp.integrate(gx, (x, 0, delta)),
        "C": sp.integrate(sp.expand(gx * g_plus), (x, delta, sp.oo)),
        "D": sp.integrate(sp.expand(-gx * g_minus), (x, delta, sp.oo)),
    }


def run(quick=False):
    """Identities for k = 1..4 (quick) or 1..8."""
    from gammaal import closed_form

    out = []
    ks = range(1, 5) if quick else range(1, 9)
    th = THETA
    # k = m + 1 with m >= 0 lets sympy see k + i >= 1 and drop the Piecewise of rewrite(gamma).
    mm, ii = sp.symbols("m i", integer=True, nonnegative=True)
    kk = mm + 1
    perm_ok = sp.simplify(sp.ff(kk + ii - 1, ii).rewrite(sp.gamma) - sp.gamma(kk + ii) / sp.gamma(kk)) == 0
    out.append(make_identity("Gamma(k+i) = ^{k+i-1}P_i Gamma(k), P = (k+i-1)!/(k-1)! (falling factorial)", "S Eq. 5",
                             perm_ok, 0.0, 0.0, "sympy, symbolic integers k >= 1, i >= 0"))

    split_ok = True
    for k in ks:
        gy = gamma_pdf(y, k, th)
        split_ok &= is_zero(sp.integrate(gy, (y, 0, x + delta)) - (antiderivative(x + delta, k, th) + 1))
        split_ok &= is_zero(sp.integrate(gy, (y, x - delta, x + delta))
                            - (antiderivative(x + delta, k, th) - antiderivative(x - delta, k, th)))
    out.append(make_identity(f"Eq. 3 -> Eq. 4: inner integrals are G(x+d)+1 and G(x+d)-G(x-d), k in {list(ks)}",
                             "S Eq. 3-4", split_ok, 0.0, 0.0, "sympy integrate"))

    terms_ok, mixture_ok, eq6_ok, printed_differs = True, True, True, True
    totals, exact_by_k = {}, {}
    for k in ks:
        exact = exact_terms(k)
        exact_by_k[k] = exact
        printed = printed_terms(k)
        terms_ok &= all(is_zero(exact[key] - printed[key]) for key in "ABCD")
        total = sum(exact.values())
        totals[k] = total
        mixture_ok &= is_zero(total - erlang_mixture(k))
        eq6_ok &= is_zero(total - eq6(k, printed=False))
        printed_differs &= not is_zero(total - eq6(k, printed=True))
    out.append(make_identity(f"A, B, C, D integrated by sympy equal the printed Eq. 5 terms, k in {list(ks)}",
                             "S Eq. 5", terms_ok, 0.0, 0.0, "sympy, Theta = 2/3, symbolic delta"))
    out.append(make_identity("A+B+C+D = 1 - 2e^-t sum t^m/m! c_m (Erlang mixture)", "S Eq. 5",
                             mixture_ok, 0.0, 0.0, "sympy"))
    out.append(make_identity("A+B+C+D = corrected Eq. 6: 1 + G(d,k,T) - T SS f(d)/G(n) - T SS f(-d) G(d,k+i,T/2)/G(n)",
                             "S Eq. 6", eq6_ok, 0.0, 0.0, "sympy"))

    # Erratum: the printed Eq. 6, evaluated where the paper uses it (Table 1: k = 4, Θ = 0.066, δ = 0.1).
    kt, tht, dt = 4, sp.Rational(66, 1000), sp.Rational(1, 10)
    printed_val = float(eq6(kt, printed=True, scale=tht).subs(delta, dt))
    exact_val = float(eq6(kt, printed=False, scale=tht).subs(delta, dt))
    out.append(make_identity("ERRATUM Eq. 6 as printed (1 - Theta*G, +Theta SS f(-d) G) is not P", "S Eq. 6",
                             printed_differs and abs(printed_val - exact_val) > 1e-3, 0.0, 0.0, "sympy",
                             f"k=4, Theta=0.066, delta=0.1: printed {printed_val:.6f}, correct {exact_val:.6f}"))

    # Numbers: the exact sympy result at 50 digits vs the float64 implementations.  The closed forms
    # are compared only up to t = 5: beyond that they cancel (k >= 8 loses ~1e-12 near t = 9).
    ts = (0.01, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0)
    fn, reason = gammaal_function("prob_within")
    lib_vals, lib_refs, cf_vals, abcd_vals, cf_refs, term_vals, term_refs = [], [], [], [], [], [], []
    for k, total in totals.items():
        for tv in ts:
            dv = sp.Rational(str(tv)) * th
            ref = mp_value(total, {delta: dv})
            if fn is not None:
                lib_vals.append(fn(float(dv), k, float(th)))
                lib_refs.append(ref)
            if tv <= 5.0:
                cf_refs.append(ref)
                cf_vals.append(closed_form.prob_within(float(dv), k, float(th)))
                terms = closed_form.terms_abcd(float(dv), k, float(th))
                abcd_vals.append(math.fsum(terms.values()))
                for key in "ABCD":
                    term_vals.append(terms[key])
                    term_refs.append(mp_value(exact_by_k[k][key], {delta: dv}))
    out.append(make_identity("gammaal.prob_within = exact sympy P at t in [0.01, 10]", "paper Eq. 5",
                             fn is not None, rel_diff(lib_vals, lib_refs) if fn else math.nan, 1e-12,
                             "sympy at 50 digits", reason))
    out.append(make_identity("closed_form.prob_within (Eq. 6) = exact sympy P at t in [0.01, 5]", "S Eq. 6",
                             True, rel_diff(cf_vals, cf_refs), 1e-12, "sympy at 50 digits"))
    out.append(make_identity("sum of closed_form.terms_abcd (Eq. 5) = exact sympy P at t in [0.01, 5]", "S Eq. 5",
                             True, rel_diff(abcd_vals, cf_refs), 1e-12, "sympy at 50 digits"))
    out.append(make_identity("each of closed_form.terms_abcd A, B, C, D = its sympy integral at t in [0.01, 5]", "S Eq. 5",
                             True, rel_diff(term_vals, term_refs), 1e-12, "sympy at 50 digits"))

    # An independent route: two-dimensional mpmath quadrature of Eq. 3 itself.
    quad_vals, quad_refs = [], []
    with mp.workdps(25):
        for k in (1, 2, 4):
            for tv in (0.3, 2.0):
                dv = mp.mpf(tv)
                g = lambda v, k=k: v ** (k - 1) * mp.exp(-v) / mp.factorial(k - 1)
                first = mp.quad(lambda a: g(a) * mp.quad(g, [0, a + dv]), [0, dv])
                second = mp.quad(lambda a: g(a) * mp.quad(g, [a - dv, a + dv]), [dv, dv + 10, mp.inf])
                quad_vals.append(first + second)
                quad_refs.append(mp_value(totals[k], {delta: sp.Rational(str(tv)) * th}))
    out.append(make_identity("mpmath 2-D quadrature of Eq. 3 = sympy P (k = 1, 2, 4)", "paper Eq. 5",
                             True, rel_diff(quad_vals, quad_refs), 1e-14, "mpmath quad (25 digits)"))
    return out
