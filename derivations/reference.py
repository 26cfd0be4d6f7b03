"""Independent high-precision references (mpmath) for the law of Z = X − Y, X, Y iid Gamma(k, 1).

The one home of the mpmath reference functions: ``tests/mpref.py`` (the test harness),
``derivations/`` and ``benchmarks/`` import them from here (``derivations`` and ``benchmarks``
must not import from ``tests/``).  Importing this module needs only mpmath, never sympy or
gammaal.  Every function works in the scale-free variable t = δ/θ and returns an ``mpf``
accurate to its ``digits`` argument (it sets its own working precision, so a caller's
``mp.workdps`` neither helps nor hurts).

Formulas, each independent of the algorithms in ``gammaal``:

* :func:`within_beyond` — the modified-Struve closed form
  ``P(|Z| ≤ t) = t [K_ν(t) L_{ν−1}(t) + L_ν(t) K_{ν−1}(t)]`` (ν = k − ½), any real k; its tail
  ``1 − P`` cancels catastrophically, so the working precision is raised until it is resolved.
* :func:`erlang_beyond` / :func:`erlang_within` — the finite Erlang sum for integer k.
* :func:`expected_target_erlang` — φ = ½ − (t/2) N/D for integer k (incomplete gammas).
* :func:`expected_target` — φ from its defining integrals, any real k.
* :func:`pdf` — the variance-gamma density via Bessel K.
* :func:`edgeworth_within`, :func:`edgeworth_pdf` — the Edgeworth series, for k ≥ 1e7.
"""
import math

import mpmath as mp


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
    """P(|Z| > t) for integer k = n from the finite sum 2 e^{−t} Σ_m t^m/m! c_m,
    c_m = Σ_{i=0}^{n−1−m} C(n−1+i, i) 2^{−(n+i)}, built by c_m = c_{m+1} + C(2n−2−m, n−1) 2^{−(2n−1−m)}
    (every term positive, so ``digits`` plus the digits of the sum's dynamic range suffice)."""
    n = int(n)
    with mp.workdps(digits + 10 + int(n * 0.02)):
        t = mp.mpf(t)
        c = [mp.mpf(0)] * (n + 1)
        for m in range(n - 1, -1, -1):
            c[m] = c[m + 1] + mp.binomial(2 * n - 2 - m, n - 1) / mp.mpf(2) ** (2 * n - 1 - m)
        term = mp.mpf(1)
        s = mp.mpf(0)
        for m in range(n):
            if m:
                term *= t / m
            s += term * c[m]
        return 2 * mp.exp(-t) * s


def erlang_within(t, n, digits=40):
    """P(|Z| ≤ t) for integer k = n as 1 − :func:`erlang_beyond`, with the digits the subtraction
    cancels added first: P ≈ 2 t f_Z(0) for small t, so about log10(1/t) digits (plus a margin)."""
    lost = max(0, int(-math.log10(float(t)))) + 5 if t > 0 else 0
    if t == 0:
        return mp.mpf(0)
    beyond = erlang_beyond(t, n, digits + lost)
    with mp.workdps(digits + lost + 10):
        return 1 - beyond


def expected_target_erlang(t, k, digits=30):
    """φ(t) for integer k from ½ − (t/2) N/D, N = (−t²)^{k−1} E₁(t) + Σ_{j≥1} C(k−1,j)(−t²)^{k−1−j} Γ(2j, t),
    D = Σ_j C(k−1,j)(−t²)^{k−1−j} Γ(2j+1, t); both sums alternate, so the working precision carries
    4k digits per decade of t on top of ``digits``."""
    k = int(k)
    with mp.workdps(digits + 30 + 4 * k * int(math.log10(float(t) + 2) + 1)):
        t = mp.mpf(t)
        n_sum = (-t * t) ** (k - 1) * mp.e1(t) + mp.fsum(
            mp.binomial(k - 1, j) * (-t * t) ** (k - 1 - j) * mp.gammainc(2 * j, t) for j in range(1, k))
        d_sum = mp.fsum(mp.binomial(k - 1, j) * (-t * t) ** (k - 1 - j) * mp.gammainc(2 * j + 1, t) for j in range(k))
        return mp.mpf(1) / 2 - t / 2 * n_sum / d_sum


def edgeworth_within(t, k, digits=30):
    """P(|Z| ≤ t) for large k from the Edgeworth series of Z/√(2k) through O(1/k²).

    Z has cumulants κ₂ = 2k, κ₄ = 12k, κ₆ = 240k (odd ones vanish), so λ₄ = 3/k, λ₆ = 30/k² and
    F(x) = Φ(x) − φ(x)[λ₄/24 He₃ + λ₆/720 He₅ + λ₄²/1152 He₇] + O(k⁻³); a reference where
    the omitted O(k⁻³ x¹¹) is below the tolerance (k ≥ 1e7, |x| ≲ 8).
    """
    with mp.workdps(digits):
        k = mp.mpf(k)
        x = mp.mpf(t) / mp.sqrt(2 * k)
        he3 = x ** 3 - 3 * x
        he5 = x ** 5 - 10 * x ** 3 + 15 * x
        he7 = x ** 7 - 21 * x ** 5 + 105 * x ** 3 - 105 * x
        l4, l6 = 3 / k, 30 / k ** 2
        corr = mp.npdf(x) * (l4 / 24 * he3 + l6 / 720 * he5 + l4 ** 2 / 1152 * he7)
        upper = mp.ncdf(-x) + corr          # P(Z > t) = 1 − F(x)
        return 1 - 2 * upper, 2 * upper


def edgeworth_pdf(t, k, digits=30):
    """Density of Z at t for large k: φ(x)[1 + λ₄/24 He₄ + λ₆/720 He₆ + λ₄²/1152 He₈]/√(2k) + O(k⁻³)."""
    with mp.workdps(digits):
        k = mp.mpf(k)
        x = mp.mpf(t) / mp.sqrt(2 * k)
        he4 = x ** 4 - 6 * x ** 2 + 3
        he6 = x ** 6 - 15 * x ** 4 + 45 * x ** 2 - 15
        he8 = x ** 8 - 28 * x ** 6 + 210 * x ** 4 - 420 * x ** 2 + 105
        l4, l6 = 3 / k, 30 / k ** 2
        return mp.npdf(x) * (1 + l4 / 24 * he4 + l6 / 720 * he6 + l4 ** 2 / 1152 * he8) / mp.sqrt(2 * k)


def pdf(z, k, digits=30):
    """Variance-gamma density of Z (θ = 1) via mpmath's Bessel K."""
    with mp.workdps(digits):
        z = abs(mp.mpf(z))
        k = mp.mpf(k)
        nu = k - mp.mpf(1) / 2
        return z ** nu * mp.besselk(nu, z) / (mp.sqrt(mp.pi) * mp.gamma(k) * 2 ** nu)


def _log_quad(logf, lo, hi, k, digits):
    """∫ exp(logf(s)) ds over (−∞, ∞) in the log variable s, with breakpoints every
    min(2, 3/√k) units around [lo, hi] so each quadrature piece is smooth; the
    integrand must be negligible beyond hi + 12."""
    with mp.workdps(digits):
        step = min(mp.mpf(2), 3 / mp.sqrt(k))
        # below lo − 80/k the integrand has fallen by e^{-80} relative (it decays like e^{k s})
        pts = []
        s = mp.mpf(lo) - (80 / mp.mpf(k) + 10)
        while s < hi + 8:
            pts.append(s)
            s += step if lo - 5 < s < hi + 5 else max(step, abs(s) / 8)
        # past hi + 12 the factor e^{-2 e^s} (or e^{-t e^s}) is below e^{-100000}
        pts += [mp.mpf(hi) + 8, mp.mpf(hi) + 12]
        return mp.quad(lambda u: mp.exp(logf(u)), pts)


def expected_target(t, k, digits=30):
    """φ(t) from its definition ∫ f(x) f(x+t) x/(2x+t) dx / ∫ f(x) f(x+t) dx (θ = 1),
    integrated in s = log x so the endpoint singularity x^{k−1} becomes an exponential decay."""
    with mp.workdps(digits + 10):
        t = mp.mpf(t)
        k = mp.mpf(k)

        def log_joint(s):
            x = mp.exp(s)
            # gamma densities without their common constants (they cancel), times the Jacobian x
            return (k - 1) * (s + mp.log(x + t)) - 2 * x + s

        hi = mp.log(k + 5)
        lo = min(mp.log(t), hi - 2)
        den = _log_quad(log_joint, lo, hi, k, digits + 10)
        num = _log_quad(lambda s: log_joint(s) + s - mp.log(2 * mp.exp(s) + t), lo, hi, k, digits + 10)
        return num / den


def target_limit_small_k(k, digits=30):
    """lim_{t→0+} φ(t) = ½ E[x/(1+x)], x ∝ x^{k−1}(2+x)^{k−1} (k < ½), in s = log x."""
    with mp.workdps(digits + 10):
        k = mp.mpf(k)
        logw = lambda s: (k - 1) * (s + mp.log(2 + mp.exp(s))) + s  # noqa: E731
        # no exponential cut-off: the weight decays like e^{(2k−1)s}, so integrate far out
        hi = 90 / (1 - 2 * k)
        den = _log_quad(logw, -5, hi, k, digits + 10)
        num = _log_quad(lambda s: logw(s) + s - mp.log(1 + mp.exp(s)), -5, hi, k, digits + 10)
        return num / den / 2
