r"""Supplement Eq. 1–2: the antiderivative of the gamma density for integer shape.

Claim: for k ∈ Z⁺, ``G(x, k, Θ) = −Θ Σ_{n=1}^k x^{n−1} e^{−x/Θ}/(Θ^n Γ(n))`` satisfies
``dG/dx = γ(x, k, Θ)``.

Proof (by induction, each step checked by sympy):

* integration-by-parts step, symbolic integer ``k ≥ 2``:
  ``d/dx[−Θ γ(x,k,Θ)] = γ(x,k,Θ) − γ(x,k−1,Θ)``, i.e.
  ``∫γ(x,k,Θ)dx = −Θγ(x,k,Θ) + ∫γ(x,k−1,Θ)dx``;
* base ``k = 1``: ``d/dx[−Θ γ(x,1,Θ)] = γ(x,1,Θ)``;
* ``G(x,k) = G(x,k−1) − Θγ(x,k)`` by definition, so ``G'(k) = γ(k−1) + γ(k) − γ(k−1) = γ(k)``.

Then concretely for k = 1..12: ``dG/dx = γ``, ``G(0) = −1``, ``G(∞) = 0`` and
sympy's own ``∫_0^X γ = G(X) − G(0)``; numerically
:func:`gammaal.closed_form.antiderivative` = −Q(k, x/Θ) (mpmath). Eq. 1–2 are
correct as printed.
"""
from __future__ import annotations

import mpmath as mp
import sympy as sp

from . import make_identity
from ._common import antiderivative, gamma_pdf, is_zero, rel_diff, theta, x

EQ = "S Eq. 1-2"


def run(quick=False):
    """Return the identities of this family (``quick`` limits the concrete shapes to k ≤ 6)."""
    out = []
    k = sp.Symbol("k", integer=True, positive=True)

    step = sp.diff(-theta * gamma_pdf(x, k, theta), x) - gamma_pdf(x, k, theta) + gamma_pdf(x, k - 1, theta)
    step_ok = sp.simplify(sp.gammasimp(step)) == 0
    out.append(make_identity("IBP step d/dx[-Theta*gamma(x,k)] = gamma(x,k) - gamma(x,k-1), symbolic integer k>=2",
                             EQ, step_ok, 0.0, 0.0, "sympy (gammasimp)"))

    base_ok = is_zero(sp.diff(-theta * gamma_pdf(x, 1, theta), x) - gamma_pdf(x, 1, theta))
    out.append(make_identity("base case d/dx[-Theta*gamma(x,1)] = gamma(x,1)", EQ, base_ok, 0.0, 0.0, "sympy"))
    out.append(make_identity("induction: dG(x,k,Theta)/dx = gamma(x,k,Theta) for every k in Z+", EQ,
                             step_ok and base_ok, 0.0, 0.0, "the two steps above",
                             "G(k) - G(k-1) = -Theta*gamma(k) by definition"))

    kmax = 6 if quick else 12
    xx = sp.Symbol("X", positive=True)
    all_ok = True
    for kk in range(1, kmax + 1):
        g_k = antiderivative(x, kk, theta)
        ok = is_zero(sp.diff(g_k, x) - gamma_pdf(x, kk, theta))
        ok &= sp.simplify(g_k.subs(x, 0)) == -1
        ok &= sp.limit(g_k, x, sp.oo) == 0
        ok &= is_zero(sp.integrate(gamma_pdf(x, kk, theta), (x, 0, xx)) - (antiderivative(xx, kk, theta) + 1))
        all_ok &= bool(ok)
    out.append(make_identity(f"k=1..{kmax}: dG/dx = gamma, G(0) = -1, G(inf) = 0, int_0^X gamma = G(X)+1",
                             EQ, all_ok, 0.0, 0.0, "sympy integrate/diff"))

    from gammaal import closed_form

    vals, refs = [], []
    with mp.workdps(40):
        for kk in (1, 2, 4, 8, 12):
            for xv in (0.0, 1e-3, 0.1, 1.0, 5.0, 30.0, 200.0):
                for th in (0.066, 1.0, 3.5):
                    if xv / th > 700:  # e^{-x/Θ} underflows in float64: no relative comparison possible
                        continue
                    vals.append(closed_form.antiderivative(xv, kk, th))
                    refs.append(-mp.gammainc(kk, mp.mpf(xv) / mp.mpf(th), mp.inf, regularized=True))
    out.append(make_identity("closed_form.antiderivative = -Q(k, x/Theta)", EQ, True, rel_diff(vals, refs), 1e-13,
                             "mpmath gammainc (40 digits)"))
    return out
