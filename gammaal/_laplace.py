"""Laplace-type integrals behind φ(t) and the density of Z = X − Y.

``D(t) = ∫_0^∞ x^{k−1}(2+x)^{k−1} e^{−tx} dx`` and
``M(t) = ∫_0^∞ x^{k}(2+x)^{k−1} e^{−tx}/(1+x) dx`` (φ = ½ M/D), by the
trapezoid rule in ξ = log x started at the Laplace point ξ₀.

The log-integrand is evaluated *relative to ξ₀* without ever forming its
value there (≈ k log k at large k, whose rounding alone would cost ε·k log k):
with d = ξ − ξ₀, x = x₀e^d, q = x₀ expm1(d)/(2+x₀) and the stationarity
residual r = k + (k−1)x₀/(2+x₀) − t x₀ (≈ 0),

    L(ξ) − L(ξ₀) = −k·expm1mx(d) + (k−1)·log1pmx(q) + r·expm1(d),

an identity, each term computed to full relative precision.  The walk stops
once terms are negligible, or, at the slowly decaying end x → 0 for small k,
once the integrand is a pure geometric sequence (x(1+t) < 1e-17), whose rest
is summed in closed form; this is what makes k down to 1e-300 work.
Everything takes log t, so t below the smallest double is fine.
"""
from __future__ import annotations

import math

import numpy as np

from ._special import LOG2PI, LOGSQRTPI, expm1mx, jit, log1pmx, stirlerr

_TRAP_RTOL = 1e-11
_NEG = 41.5                  # e^{-41.5} ≈ 1e-18: terms this far below the maximum are dropped
_MAX_LEVELS = 12
_MAX_STEPS = 400000


@jit
def laplace_point(t, k):
    """Mode x* of x^k (2+x)^{k−1} e^{−tx} (the D integrand in ξ = log x) and the curvature there."""
    b = 2.0 * t - 2.0 * k + 1.0
    s = math.hypot(b, math.sqrt(8.0 * t * k))   # hypot: no overflow of b² for huge t
    if b >= 0:
        x = 4.0 * k / (b + s)
    else:
        x = (s - b) / (2.0 * t)
    y = x / (2.0 + x)
    curv = abs(2.0 * (k - 1.0) * y / (2.0 + x) - t * x)
    return x, curv


@jit
def _rel_log(d, xi0, l2x0, y0, tx0, k, r):
    """L(ξ₀ + d) − L(ξ₀) for the D integrand (see module docstring).

    Near the mode (|d| < 1) the identity form, free of cancellation; farther out
    the direct differences, whose terms no longer cancel (and whose e^d-sized parts
    would make r·expm1(d) lose everything).
    """
    q = y0 * math.expm1(d)                  # y0 = x0/(2+x0): x0 itself may overflow (t ≪ 1e-300)
    if abs(d) < 1.0:
        return -k * expm1mx(d) + (k - 1.0) * log1pmx(q) + r * math.expm1(d)
    if q > -0.5:
        lr2 = math.log1p(q)
    else:
        # x ≪ x₀: 1 + q = (2 + x)/(2 + x₀) is small, so form it from its parts
        xi = xi0 + d
        lr2 = (xi + math.log1p(2.0 * math.exp(-xi)) if xi > 0.0 else math.log(2.0 + math.exp(xi))) - l2x0
    return k * d + (k - 1.0) * lr2 - tx0 * math.expm1(d)


@jit
def _walk(off, xi0, l2x0, y0, tx0, h, k, r, t):
    """Trapezoid sums Σ h e^{L−L₀} of the D and M integrands on the nodes d = off + i h.

    Returns (sd, sm, ok); ok is False if the walk ran out of steps.
    """
    ok = True
    sd = 0.0
    sm = 0.0
    for direction in (1.0, -1.0):
        prev = math.inf
        i = 0 if direction > 0 else 1
        while True:
            if i >= _MAX_STEPS:
                ok = False
                break
            d = off + direction * i * h
            ld = _rel_log(d, xi0, l2x0, y0, tx0, k, r)
            fd = math.exp(ld)
            xi = xi0 + d
            fm = fd / (1.0 + math.exp(-xi)) if xi > -700.0 else fd * math.exp(xi)
            sd += fd
            sm += fm
            if ld < -_NEG and ld <= prev:
                break
            if direction < 0 and xi < -40.0 and math.exp(xi) * (1.0 + t + k) < 1e-17:
                # x → 0: the D terms are c e^{kξ}, the M terms c' e^{(k+1)ξ} (to 1e-17): sum the rest
                sd += fd / math.expm1(k * h)
                sm += fm / math.expm1((k + 1.0) * h)
                break
            prev = ld
            i += 1
    return sd * h, sm * h, ok


@jit
def laplace_sums(logt, k):
    """(ξ₀, log of h·Σ e^{L−L₀} for D, M/D) for t = e^{logt}; NaNs if unconverged.

    log D = L(ξ₀) + the second value, L(ξ₀) = kξ₀ + (k−1) log(2+x₀) − t x₀.
    """
    t = math.exp(logt)
    if t > 0.0:
        x0, curv = laplace_point(t, k)
        xi0 = math.log(x0)
    else:
        # t below the smallest double: x* = (2k−1)/t for k > ½, else 2k/(1−2k) (t → 0 limit)
        if k > 0.5:
            xi0 = math.log(2.0 * k - 1.0) - logt
        else:
            xi0 = math.log(2.0 * k / (1.0 - 2.0 * k))
        y0 = 1.0 / (1.0 + 2.0 * math.exp(-xi0))
        curv = abs((k - 1.0) * y0 * (1.0 - y0) - math.exp(logt + xi0))
    # t x₀ as a product where both are doubles (exp(log t + ξ₀) would carry ε·|log t x₀|)
    tx0 = t * x0 if t > 0.0 else math.exp(logt + xi0)
    y0 = x0 / (2.0 + x0) if t > 0.0 else 1.0 / (1.0 + 2.0 * math.exp(-xi0))
    r = k + (k - 1.0) * y0 - tx0
    l2x0 = xi0 + math.log1p(2.0 * math.exp(-xi0)) if xi0 > 0.0 else math.log(2.0 + math.exp(xi0))
    width = 1.0 / math.sqrt(max(curv, 1e-300))
    h = min(1.0, 0.5 * width)
    pd, pm, ok = _walk(0.0, xi0, l2x0, y0, tx0, h, k, r, t)
    for _ in range(_MAX_LEVELS):
        md, mm, ok2 = _walk(0.5 * h, xi0, l2x0, y0, tx0, h, k, r, t)
        ok = ok and ok2
        cd = 0.5 * (pd + md)
        cm = 0.5 * (pm + mm)
        h *= 0.5
        done = abs(cd - pd) <= _TRAP_RTOL * cd and abs(cm - pm) <= _TRAP_RTOL * cm
        pd = cd
        pm = cm
        if done:
            if not ok:
                break
            return xi0, math.log(pd), pm / pd
    return xi0, math.nan, math.nan
