"""Log-space kernels for |Z| = |X − Y| against independent mpmath references.

Moderate t: the modified-Struve closed form (tests/mpref.py, precision raised
until the tail is resolved).  Deep tail (t ≥ 1e3, where P underflows): mpmath
quadrature of the Bessel-K density ``2∫_t^∞ f`` at 40 digits, a different
formula from the Beta–Gamma mixture used by the kernel.  Errors are absolute
in the log (= relative in the probability), scaled by max(1, |log P|) because
a double holds log P = −1e5 only to ~1e-11.
"""
import math

import mpmath as mp
import numpy as np
import pytest

import gammaal
from gammaal import _logtail
import mpref

TOL = 1e-12


def log_tail_by_quadrature(t, k, dps=40):
    with mp.workdps(dps):
        t, k = mp.mpf(t), mp.mpf(k)
        nu = k - mp.mpf(1) / 2
        c = mp.sqrt(mp.pi) * mp.gamma(k) * 2 ** nu
        # z^ν K_ν(z) e^{z} is slowly varying: integrate it against e^{−u}, z = t + u
        g = lambda u: (t + u) ** nu * mp.besselk(nu, t + u) * mp.exp(t + u) * mp.exp(-u)  # noqa: E731
        return float(mp.log(2 * mp.quad(g, [0, 1, 10, 100, 1000, mp.inf]) / c) - t)


def log_err(value, ref):
    return abs(value - ref) / max(1.0, abs(ref))


# k on both sides of 1/2, 1, the Erlang limit 64 and of integers; t from 1e-12 to where P ~ 1e-40
MODERATE = [(k, t) for k in (0.1, 0.37, 0.5, 0.999, 1.001, 2.5, 4.0, 7.3, 30.5, 64.0, 65.0, 124.9)
            for t in (1e-12, 1e-3, 0.3, 2.0, 9.0, 40.0)] + [(1000.5, 30.0), (1000.0, 200.0)]


FAST = [(0.1, 1e-12), (0.37, 2.0), (0.5, 0.3), (0.999, 40.0), (1.001, 1e-3), (2.5, 9.0), (7.3, 40.0),
        (30.5, 0.3), (64.0, 40.0), (65.0, 9.0), (124.9, 1e-12), (1000.5, 30.0)]


@pytest.mark.parametrize("k,t", FAST + [pytest.param(k, t, marks=pytest.mark.slow) for k, t in MODERATE if (k, t) not in FAST])
def test_log_within_beyond_pdf_against_struve(k, t):
    w, b = mpref.within_beyond(t, k, digits=25)
    with mp.workdps(40):
        rb, rw = float(mp.log(b)), float(mp.log(w))
        rp = float(mp.log(2 * mpref.pdf(t, k, digits=40)))
    assert log_err(_logtail.log_beyond_scaled(t, k), rb) < TOL
    assert log_err(_logtail.log_within_scaled(t, k), rw) < TOL
    assert log_err(_logtail.log_abs_pdf_scaled(t, k), rp) < TOL


@pytest.mark.parametrize("k,t", [(0.1, 1e3), (0.5, 1e5), (2.5, 1e4), (4.0, 1e6), (0.37, 2e5)])
def test_log_beyond_far_past_underflow(k, t):
    ref = log_tail_by_quadrature(t, k)
    assert ref < -700          # P itself is not a double here
    assert log_err(_logtail.log_beyond_scaled(t, k), ref) < TOL


@pytest.mark.slow
@pytest.mark.parametrize("k,t", [(30.5, 650.0), (100.5, 1000.0), (124.91517977821691, 1000.0)])
def test_log_beyond_deep_tail_large_k(k, t):
    # mpmath's Bessel K quadrature is too slow at large order; the Struve form at raised precision
    # (tests/mpref.py doubles it until the tail is resolved) reaches P ~ 1e-300 here
    w, b = mpref.within_beyond(t, k, digits=25)
    with mp.workdps(40):
        ref = float(mp.log(b))
    assert ref < -500
    assert log_err(_logtail.log_beyond_scaled(t, k), ref) < TOL


@pytest.mark.parametrize("a,x", [(0.3, 700.0), (4.0, 720.0), (60.0, 900.0), (2000.0, 3500.0), (2e5, 2.1e5)])
def test_log_gammaincc_across_underflow(a, x):
    # where scipy's Q is still a double and where it underflows (continued fraction branch)
    with mp.workdps(60):
        ref = float(mp.log(mp.gammainc(a, x, mp.inf, regularized=True)))
    assert log_err(_logtail.log_gammaincc(a, x), ref) < 1e-13


@pytest.mark.parametrize("a,x", [(0.2, 1e-300), (5.0, 1e-60), (300.0, 1.0), (2000.0, 200.0), (2e5, 1.5e5)])
def test_log_gammainc_across_underflow(a, x):
    with mp.workdps(60):
        ref = float(mp.log(mp.gammainc(a, 0, x, regularized=True)))
    assert log_err(_logtail.log_gammainc(a, x), ref) < 1e-13


def test_erlang_and_mixture_agree_at_the_switch():
    # the finite sum (k ≤ 64) and the mixture (any k) are different algorithms
    for t in (0.5, 20.0, 500.0, 5e4):
        assert log_err(_logtail._log_erlang_beyond(t, 64), _logtail.log_mixture(t, 64.0, _logtail.UPPER)) < TOL


def test_edges():
    assert _logtail.log_beyond_scaled(0.0, 2.5) == 0.0
    assert _logtail.log_beyond_scaled(np.inf, 2.5) == -np.inf
    assert _logtail.log_within_scaled(0.0, 2.5) == -np.inf
    assert math.isnan(_logtail.log_beyond_scaled(np.nan, 2.5))
    assert _logtail.log_abs_pdf_scaled(0.0, 0.3) == np.inf
    # f_{|Z|}(0) = Γ(k−½)/(√π Γ(k)); k = 1 gives 1
    assert abs(_logtail.log_abs_pdf_scaled(0.0, 1.0)) < 1e-15


@pytest.mark.parametrize("k", [0.1, 0.3, 0.7, 4.0, 65.0])
@pytest.mark.parametrize("t", [5e-324, 1e-310])
def test_log_kernels_at_subnormal_and_tiny_t(k, t):
    """δ/θ below 1e-300 (subnormal too): log P(|Z| ≤ t) from 2 f(0) t (k ≥ 1) or the log-space W-integral,
    log P(|Z| > t) = log1p(−P) — a NaN before (hypothesis: gammadiff(65).logsf(5e-324)); against the Struve
    form in mpmath."""
    import mpmath as mp

    from derivations.reference import within_beyond

    p = within_beyond(t, k, tail=False)[0]
    d = gammaal.absgammadiff(k)
    lc, ls = float(mp.log(p)), float(mp.log1p(-p))
    assert abs(d.logcdf(t) - lc) <= 1e-13 * max(1.0, abs(lc)), (k, t)
    # −P to the relative accuracy of P from its log: ε·|log P| ≤ 1e-13 here
    assert abs(d.logsf(t) - ls) <= 2e-16 * max(1.0, abs(lc)) * abs(ls) + 1e-300, (k, t)
    g = gammaal.gammadiff(k)
    assert abs(g.logsf(t) - math.log(0.5 * (1.0 - float(p)))) <= 1e-15, (k, t)
