r"""The density of Z = X − Y (X, Y iid Gamma(k, Θ)) for real k: symmetric variance-gamma.

.. math:: f_Z(z) = \frac{|z|^{ν} K_ν(|z|/Θ)}{\sqrt{π}\,Γ(k)\,2^{ν}\,Θ^{k+½}},\qquad ν = k − ½.

Derivation: for z > 0, ``f_Z(z) = ∫_0^∞ γ(x+z)γ(x) dx`` (convolution); ``f_Z`` is even
(swap X and Y).  Checked by

* sympy for integer k = 1..5 (Θ = 2/3): the convolution integral equals the formula
  with ``K_{k−½}`` expanded into elementary functions, and ``2∫_0^∞ f_Z = 1``;
* sympy for half-integer k = ½, 3/2, 5/2 (K of integer order: sympy returns a
  Meijer G function), compared at 30 digits;
* mpmath quadrature of the convolution for real k ∈ {0.3, 0.7, 1.5, 2.7, 4.2} and
  the normalisation ``2∫_0^∞ f_Z = 1``;
* ``gammaal.diff_pdf`` against the formula (mpmath, 30 digits).
"""
from __future__ import annotations

import math

import mpmath as mp
import sympy as sp

from . import make_identity
from ._common import gamma_pdf, gammaal_function, is_zero, rel_diff, x, z
from .reference import pdf

THETA = sp.Rational(2, 3)
EQ = "law of X-Y"


def vg_formula(zz, k, scale):
    """The variance-gamma density as a sympy expression (z > 0)."""
    nu = k - sp.Rational(1, 2)
    return zz**nu * sp.besselk(nu, zz / scale) / (sp.sqrt(sp.pi) * sp.gamma(k) * 2**nu * scale ** (k + sp.Rational(1, 2)))


def vg_mp(zz, k, scale=1):
    """The variance-gamma density in mpmath (any real k > 0, z ≠ 0), at the caller's precision."""
    scale = mp.mpf(scale)
    return pdf(mp.mpf(zz) / scale, k, digits=mp.mp.dps) / scale


def _elementary(expr):
    """K_{n+½} → elementary functions (sympy expands to K_{±½}, then K_{½}(w) = √(π/2w) e^{−w})."""
    expr = sp.expand_func(expr)
    return expr.replace(lambda e: isinstance(e, sp.besselk) and abs(e.args[0]) == sp.Rational(1, 2),
                        lambda e: sp.sqrt(sp.pi / (2 * e.args[1])) * sp.exp(-e.args[1]))


def convolution_mp(zz, k):
    """f_Z(z) = ∫_0^∞ γ(x+|z|)γ(x) dx by mpmath quadrature (scale 1).

    ``x = w^{1/k}`` absorbs the ``x^{k−1}`` endpoint singularity (``x^{k−1}dx = dw/k``),
    which tanh-sinh otherwise resolves only to ~1e-10 for k = 0.3.
    """
    k = mp.mpf(k)
    a = abs(mp.mpf(zz))
    g = lambda v: v ** (k - 1) * mp.exp(-v) / mp.gamma(k)
    integrand = lambda w: mp.exp(-(w ** (1 / k))) * g(w ** (1 / k) + a) / (k * mp.gamma(k))
    return mp.quad(integrand, [0, a**k, 1, 10**k, mp.inf])


def run(quick=False):
    """Identities (``quick`` only shortens the real-k grid)."""
    out = []
    conv_ok, norm_ok = True, True
    for k in range(1, 6):
        conv = sp.integrate(sp.expand(gamma_pdf(x + z, k, THETA) * gamma_pdf(x, k, THETA)), (x, 0, sp.oo))
        conv_ok &= is_zero(conv - _elementary(vg_formula(z, k, THETA)))
        norm_ok &= sp.simplify(2 * sp.integrate(conv, (z, 0, sp.oo))) == 1
    out.append(make_identity("convolution int_0^inf g(x+z)g(x)dx = |z|^nu K_nu(|z|/T)/(sqrt(pi)G(k)2^nu T^(k+1/2)), k=1..5",
                             EQ, conv_ok, 0.0, 0.0, "sympy, Theta = 2/3, symbolic z"))
    out.append(make_identity("normalisation 2 int_0^inf f_Z = 1, k = 1..5", EQ, norm_ok, 0.0, 0.0, "sympy"))
    laplace = is_zero(_elementary(vg_formula(z, 1, THETA)) - sp.exp(-z / THETA) / (2 * THETA))
    out.append(make_identity("k = 1: f_Z is the Laplace density e^(-|z|/T)/(2T)", EQ, laplace, 0.0, 0.0, "sympy"))

    vals, refs = [], []
    with mp.workdps(30):
        for k in (sp.Rational(1, 2), sp.Rational(3, 2), sp.Rational(5, 2)):
            conv = sp.integrate(gamma_pdf(x + z, k, THETA) * gamma_pdf(x, k, THETA), (x, 0, sp.oo), conds="none")
            for zv in ("0.1", "1", "3"):
                vals.append(mp.mpf(str(sp.N(conv.subs(z, sp.Rational(zv)), 30))))
                refs.append(vg_mp(mp.mpf(zv), mp.mpf(k.p) / k.q, mp.mpf(2) / 3))
    out.append(make_identity("half-integer k = 1/2, 3/2, 5/2: sympy convolution (Meijer G) = formula", EQ,
                             True, rel_diff(vals, refs), 1e-25, "sympy/mpmath at 30 digits"))

    ks = (0.3, 1.5, 4.2) if quick else (0.3, 0.7, 1.5, 2.7, 4.2)
    vals, refs, norms = [], [], []
    with mp.workdps(30):
        for k in ks:
            for zv in (0.05, 0.5, 2.0, 8.0):
                vals.append(convolution_mp(zv, k))
                refs.append(vg_mp(zv, k))
            norms.append(2 * mp.quad(lambda v: vg_mp(v, k), [0, 1, 10, mp.inf]) - 1)
    out.append(make_identity(f"real k in {ks}: mpmath convolution = formula", EQ, True, rel_diff(vals, refs), 1e-20,
                             "mpmath quad (30 digits)"))
    # 1e-18, not 1e-20: for k < 1/2 f_Z ~ |z|^{2k-1} at 0, which tanh-sinh resolves to ~1e-20.
    out.append(make_identity(f"real k in {ks}: 2 int_0^inf f_Z - 1 = 0", EQ, True, max(abs(float(v)) for v in norms),
                             1e-18, "mpmath quad (30 digits)", "absolute difference"))

    fn, reason = gammaal_function("diff_pdf")
    vals, refs = [], []
    if fn is not None:
        with mp.workdps(30):
            for k in (0.3, 0.7, 1.0, 2.5, 4.0, 10.0):
                for tv in (0.01, 0.1, 1.0, 5.0, 20.0):
                    for th in (0.066, 1.0):
                        for sign in (1, -1):
                            vals.append(fn(sign * tv * th, k, th))
                            refs.append(vg_mp(tv * th, k, th))
    out.append(make_identity("gammaal.diff_pdf = variance-gamma formula", EQ, fn is not None,
                             rel_diff(vals, refs) if fn else math.nan, 1e-12, "mpmath besselk (30 digits)", reason))
    return out
