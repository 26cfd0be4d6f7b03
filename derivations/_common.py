"""Shared symbols, sympy building blocks and comparison helpers for the derivations."""
from __future__ import annotations

import importlib

import mpmath as mp
import sympy as sp

# Positive symbols: sympy then chooses the right branch of every power and log.
x, y, z, s, u, t, delta = sp.symbols("x y z s u t delta", positive=True)
theta = sp.Symbol("Theta", positive=True)
#: stands for the exponential integral E1(t) = Γ(0, t); kept opaque so identities reduce to
#: rational-function identities in t, e^t and E1.
E1 = sp.Symbol("E1")


def gamma_pdf(v, k, scale):
    """Gamma density γ(v, k, Θ) = v^{k−1} e^{−v/Θ}/(Θ^k Γ(k)) as a sympy expression."""
    return v ** (k - 1) * sp.exp(-v / scale) / (scale**k * sp.gamma(k))


def antiderivative(v, k, scale):
    """Supplement Eq. 1: G(v, k, Θ) = −Θ Σ_{n=1}^k γ(v, n, Θ), for a concrete integer k."""
    return -scale * sum(gamma_pdf(v, n, scale) for n in range(1, k + 1))


def is_zero(expr):
    """True iff ``expr`` simplifies to 0 (expand first: the terms are polynomials times exponentials)."""
    expr = sp.expand(sp.powsimp(sp.expand(expr), combine="exp"))
    if expr == 0:
        return True
    return sp.simplify(expr) == 0


def clean_expint(expr):
    """Rewrite sympy's E1 representations in terms of the opaque symbol :data:`E1` (argument t).

    ``integrate`` returns E1(t) as ``t((log(t e^{iπ}) − Ei(t e^{iπ}))/t + γ/t) − log t − γ``
    on the polar branch; with ``Ei(t e^{iπ}) = iπ − E1(t)`` and
    ``log(t e^{iπ}) = log t + iπ`` this collapses to E1(t).  ``uppergamma(0, t)`` and
    ``expint(1, t)`` are E1(t) by definition.
    """
    polar = t * sp.exp_polar(sp.I * sp.pi)
    expr = expr.replace(lambda e: isinstance(e, sp.Ei) and e.args[0] == polar, lambda e: sp.I * sp.pi - E1)
    expr = expr.replace(lambda e: isinstance(e, sp.log) and e.args[0] == polar, lambda e: sp.log(t) + sp.I * sp.pi)
    expr = expr.replace(lambda e: isinstance(e, sp.uppergamma) and e.args == (0, t), lambda e: E1)
    expr = expr.replace(lambda e: isinstance(e, sp.expint) and e.args == (1, t), lambda e: E1)
    return sp.expand(expr)


def mp_value(expr, subs, dps=50):
    """Evaluate a sympy expression at high precision, E1 included, and return an mpmath number."""
    with mp.workdps(dps):
        tval = subs.get(t)
        if tval is not None:
            subs = {**subs, E1: sp.Float(str(mp.e1(mp.mpf(str(tval)))), dps)}
        value = sp.N(expr.subs(subs), dps)
        return mp.mpf(str(sp.re(value)))


def rel_diff(values, references):
    """max |v − r|/|r| over paired sequences, computed in mpmath so that it resolves below 1e-16.

    Float64 values are converted exactly; mpmath references keep their digits.  NaN anywhere
    gives NaN (never a silent pass).
    """
    worst = mp.mpf(0)
    with mp.workdps(50):
        for a, b in zip(values, references, strict=True):
            va, vb = mp.mpf(a), mp.mpf(b)
            if mp.isnan(va) or mp.isnan(vb):
                return float("nan")
            worst = max(worst, abs(va - vb) / abs(vb))
    return float(worst)


def gammaal_function(name):
    """``(callable, "")`` for ``gammaal.<name>``, or ``(None, reason)`` if it cannot be imported."""
    try:
        module = importlib.import_module("gammaal")
        return getattr(module, name), ""
    except Exception as exc:  # the library may be mid-rewrite; the caller records a failed identity
        return None, f"gammaal.{name} unavailable ({type(exc).__name__}: {exc})"
