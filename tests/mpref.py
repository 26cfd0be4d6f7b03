"""Independent high-precision references (mpmath), used only by the tests.

The law of X − Y is evaluated through the modified-Struve closed form
``P(|Z| ≤ t) = t [K_ν(t) L_{ν−1}(t) + L_ν(t) K_{ν−1}(t)]`` (ν = k − ½), a
different formula from every algorithm in ``gammaal._kernels``.  Its tail
``1 − P`` cancels catastrophically, so the working precision is raised by the
number of digits the tail is below 1, which makes the subtraction exact enough.
"""
import math

import mpmath as mp
import numpy as np


def _struve_within(t, k, dps):
    with mp.workdps(dps):
        t = mp.mpf(t)
        k = mp.mpf(k)
        nu = k - mp.mpf(1) / 2
        return t * (mp.besselk(nu, t) * mp.struvel(nu - 1, t) + mp.struvel(nu, t) * mp.besselk(nu - 1, t))


def within_beyond(t, k, digits=32, tail=True):
    """(P(|Z| ≤ t), P(|Z| > t)) for θ = 1 as mpf, both accurate to ``digits``.

    The working precision doubles until the tail ``1 − P`` agrees between two
    precisions, so deep tails are resolved however small they are; tails
    below 1e-320 (not representable as doubles) are returned as 0.  With
    ``tail=False`` only ``P(|Z| ≤ t)`` is resolved (the tail is then None).
    """
    dps = digits + 20
    prev = None
    while True:
        w = _struve_within(t, k, dps)
        if not tail and prev is not None:
            with mp.workdps(dps):
                if abs(w - (1 - prev)) <= abs(w) * mp.mpf(10) ** (-digits):
                    return w, None
        with mp.workdps(dps):
            b = 1 - w
            if prev is not None:
                if b != 0 and abs(b - prev) <= abs(b) * mp.mpf(10) ** (-digits):
                    return w, b
                if dps > 400 and abs(b) < mp.mpf(10) ** -330 and abs(prev) < mp.mpf(10) ** -330:
                    return w, mp.mpf(0)
        if dps > 3000:
            raise RuntimeError(f"reference did not converge at t={t}, k={k}")
        prev = b
        dps *= 2


def erlang_beyond(t, n, digits=40):
    """P(|Z| > t) for integer k = n from the finite sum 2 e^{−t} Σ_m t^m/m! c_m (exact rationals c_m)."""
    with mp.workdps(digits):
        t = mp.mpf(t)
        c = [sum(mp.binomial(n - 1 + i, i) / mp.mpf(2) ** (n + i) for i in range(n - m)) for m in range(n)]
        return 2 * mp.exp(-t) * sum(t ** m / mp.factorial(m) * c[m] for m in range(n))


def pdf(z, k, digits=30):
    """Variance-gamma density of Z (θ = 1) via mpmath's Bessel K."""
    with mp.workdps(digits):
        z = abs(mp.mpf(z))
        k = mp.mpf(k)
        nu = k - mp.mpf(1) / 2
        return z ** nu * mp.besselk(nu, z) / (mp.sqrt(mp.pi) * mp.gamma(k) * 2 ** nu)


def expected_target(t, k, digits=30):
    """φ(t) straight from its definition: ∫ f(x) f(x+t) x/(2x+t) dx / ∫ f(x) f(x+t) dx (θ = 1)."""
    with mp.workdps(digits):
        t = mp.mpf(t)
        k = mp.mpf(k)

        def joint(x):
            # gamma densities without their common constants, which cancel in the ratio
            return mp.exp((k - 1) * (mp.log(x) + mp.log(x + t)) - 2 * x)

        scale = max(mp.mpf(1), k)
        pts = [0, scale / 100, scale / 10, scale / 2, scale, 2 * scale, 4 * scale, 8 * scale, 16 * scale + 50, mp.inf]
        den = mp.quad(joint, pts)
        num = mp.quad(lambda x: joint(x) * x / (2 * x + t), pts)
        return num / den


def rel_err(value, ref):
    ref = float(ref) if not isinstance(ref, float) else ref
    if ref == 0:
        return abs(value)
    return abs(value - ref) / abs(ref)


def assert_close_table(rows, rtol):
    """rows: list of (label, value, reference). Fail listing the worst points."""
    errs = [(rel_err(v, r), lab, v, float(r)) for lab, v, r in rows]
    errs.sort(reverse=True, key=lambda e: e[0])
    bad = [e for e in errs if not e[0] <= rtol]
    assert not bad, "worst points (rel err, args, got, ref):\n" + "\n".join(f"{e[0]:.3e} {e[1]} {e[2]!r} {e[3]!r}" for e in bad[:10])
    return errs[0][0] if errs else 0.0


__all__ = ["within_beyond", "pdf", "expected_target", "rel_err", "assert_close_table", "math", "np"]
