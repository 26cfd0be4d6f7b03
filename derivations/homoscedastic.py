r"""The homoscedastic remark (paper §4.1.1): squared Gaussian residuals are gamma distributed.

* ε ~ N(0, σ²) ⇒ ε² ~ Gamma(½, 2σ²): sympy differentiates
  ``P(ε² ≤ y) = P(|ε| ≤ √y) = erf(√y/(σ√2))`` and obtains the Gamma(½, 2σ²) density;
* sum of n iid squared N(0, σ²) ~ Gamma(n/2, 2σ²): via Laplace transforms (MGFs at
  −r), ``E e^{−rε²} = (1 + 2σ²r)^{−½}``, ``∫e^{−ry}γ(y,k,Θ)dy = (1 + Θr)^{−k}``
  (symbolic k), so the n-fold product is the Gamma(n/2, 2σ²) transform; numerically
  the density equals ``σ^{−2} χ²_n(y/σ²)`` (scipy);
* erratum: the paper writes ``p(ε²) = Σ_{i=1}^n 𝒩_i(0, σ²) = γ(n/2, 2σ²)``; a sum of
  normals is N(0, nσ²) (sympy: its transform is ``e^{nσ²s²/2}``), which is negative
  with probability ½; the statement holds for ``Σ_i ε_i²``.
"""
from __future__ import annotations

import numpy as np
import sympy as sp
from scipy import stats

from . import make_identity
from ._common import gamma_pdf

EQ = "Sec. 4.1.1"


def run(quick=False):
    """Identities of this family (all fast; ``quick`` is accepted for a uniform interface)."""
    out = []
    yv, sigma, r = sp.symbols("y sigma r", positive=True)
    eps = sp.Symbol("epsilon", real=True)
    normal = sp.exp(-(eps**2) / (2 * sigma**2)) / (sigma * sp.sqrt(2 * sp.pi))

    cdf = sp.integrate(normal, (eps, -sp.sqrt(yv), sp.sqrt(yv)))
    density = sp.diff(cdf, yv)
    ok = sp.simplify(density - gamma_pdf(yv, sp.Rational(1, 2), 2 * sigma**2)) == 0
    out.append(make_identity("eps ~ N(0,s^2) => eps^2 ~ Gamma(1/2, 2 s^2) (density by CDF transform)", EQ, ok, 0.0, 0.0,
                             "sympy", f"P(eps^2 <= y) = {sp.simplify(cdf)}"))

    lt_square = sp.simplify(sp.integrate(sp.exp(-r * eps**2) * normal, (eps, -sp.oo, sp.oo)))
    kk, th = sp.symbols("k Theta", positive=True)
    lt_gamma = sp.simplify(sp.integrate(sp.exp(-r * yv) * gamma_pdf(yv, kk, th), (yv, 0, sp.oo), conds="none"))
    ok1 = sp.simplify(lt_square - (1 + 2 * sigma**2 * r) ** sp.Rational(-1, 2)) == 0
    ok2 = sp.simplify(lt_gamma - (1 + th * r) ** (-kk)) == 0
    n = sp.Symbol("n", positive=True, integer=True)
    ok3 = sp.simplify(lt_square**n - lt_gamma.subs({kk: n / 2, th: 2 * sigma**2})) == 0
    out.append(make_identity("sum_{i<=n} eps_i^2 ~ Gamma(n/2, 2 s^2) (Laplace transforms, symbolic n, k)", EQ,
                             ok1 and ok2 and ok3, 0.0, 0.0, "sympy", f"E exp(-r eps^2) = {lt_square}"))

    ys = np.linspace(0.01, 20.0, 200)
    worst = 0.0
    for nn in (1, 2, 3, 7, 30):
        for sg in (0.3, 1.0, 2.5):
            a = stats.gamma.pdf(ys, nn / 2, scale=2 * sg**2)
            b = stats.chi2.pdf(ys / sg**2, nn) / sg**2
            mask = b > 1e-300
            worst = max(worst, float(np.max(np.abs(a[mask] - b[mask]) / b[mask])))
    out.append(make_identity("Gamma(n/2, 2 s^2) density = chi2_n(y/s^2)/s^2", EQ, True, worst, 1e-12, "scipy.stats"))

    s_ = sp.Symbol("s", real=True)
    mgf_normal = sp.simplify(sp.integrate(sp.exp(s_ * eps) * normal, (eps, -sp.oo, sp.oo), conds="none"))
    ok = sp.simplify(mgf_normal**n - sp.exp(n * sigma**2 * s_**2 / 2)) == 0
    out.append(make_identity("ERRATUM 'sum_i N_i(0,s^2) = gamma(n/2, 2s^2)': a sum of normals is N(0, n s^2), not gamma",
                             EQ, ok, 0.0, 0.0, "sympy MGF",
                             "n=2, s=1: P(N_1+N_2 < 0) = 0.5 while a gamma variable is never negative; "
                             "correct: sum_i eps_i^2 ~ gamma(n/2, 2 s^2)"))
    return out
