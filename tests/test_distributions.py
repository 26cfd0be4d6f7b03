"""gammadiff / absgammadiff as scipy.stats distributions: overrides vs scipy's generic methods,
closed-form checks, Monte Carlo, and the MLE against a brute-force likelihood maximisation."""
import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

import gammaal

import mpref


def test_frozen_broadcasting_and_loc_scale():
    d = gammaal.absgammadiff([1.0, 2.5], loc=0.1, scale=[[0.5], [2.0]])
    x = np.array([0.3, 1.7])
    got = d.cdf(x)
    assert got.shape == (2, 2)
    for i, s in enumerate([0.5, 2.0]):
        np.testing.assert_allclose(got[i], gammaal.prob_within(x - 0.1, np.array([1.0, 2.5]), s), rtol=1e-14)
    assert gammaal.gammadiff(2.5).cdf(-np.inf) == 0.0 and gammaal.gammadiff(2.5).ppf(1.0) == np.inf
    assert np.isnan(gammaal.gammadiff(-1.0).cdf(0.3))   # scipy's own handling of a bad shape


def test_laplace_case_closed_forms():
    # k = 1: Z is Laplace(0, θ), |Z| is Exponential(θ)
    g, a = gammaal.gammadiff(1.0, scale=2.0), gammaal.absgammadiff(1.0, scale=2.0)
    lap, ex = stats.laplace(scale=2.0), stats.expon(scale=2.0)
    x = np.array([-7.0, -0.2, 0.0, 0.4, 9.0])
    np.testing.assert_allclose(g.pdf(x), lap.pdf(x), rtol=1e-14)
    np.testing.assert_allclose(g.logcdf(x), lap.logcdf(x), rtol=1e-14)
    np.testing.assert_allclose(g.ppf([1e-200, 0.3, 0.7]), lap.ppf([1e-200, 0.3, 0.7]), rtol=1e-13)
    np.testing.assert_allclose(a.logsf([1.0, 3e4]), ex.logsf([1.0, 3e4]), rtol=1e-14)
    assert math.isclose(g.entropy(), 1 + math.log(4.0), rel_tol=1e-10)
    assert math.isclose(a.entropy(), 1 + math.log(2.0), rel_tol=1e-10)


@pytest.mark.parametrize("k", [0.3, 1.7, 6.0, pytest.param(40.5, marks=pytest.mark.slow)])
def test_moments_against_mpmath(k):
    a = gammaal.absgammadiff(k)
    m, v, s, kurt = a.stats("mvsk")
    with mp.workdps(30):
        f = lambda z: 2 * mpref.pdf(z, k)  # noqa: E731
        mom = [mp.quad(lambda z: z ** j * f(z), [0, 1, 2 * k + 10, mp.inf]) for j in (1, 2, 3, 4)]
    m1, m2, m3, m4 = (float(x) for x in mom)
    assert mpref.rel_err(m, m1) < 1e-12
    assert mpref.rel_err(v, m2 - m1 ** 2) < 1e-12
    mu3 = m3 - 3 * m1 * m2 + 2 * m1 ** 3
    assert mpref.rel_err(s, mu3 / (m2 - m1 ** 2) ** 1.5) < 1e-10
    g = gammaal.gammadiff(k)
    assert g.stats("mvsk") == (0.0, 2 * k, 0.0, 3 / k)


@pytest.mark.parametrize("k", [0.4, 2.5, 30.0])
def test_overrides_agree_with_scipy_generic_methods(k):
    a = gammaal.absgammadiff(k, scale=0.7)
    # scipy's generic expect() integrates our pdf; compare with our closed-form moments and cdf
    assert math.isclose(a.expect(lambda x: x), a.mean(), rel_tol=1e-8)
    assert math.isclose(a.expect(lambda x: x ** 2), 2 * k * 0.49, rel_tol=1e-8)
    lb, ub = 0.1, 2.0
    assert math.isclose(a.expect(lambda x: 1.0, lb=lb, ub=ub), a.cdf(ub) - a.cdf(lb), rel_tol=1e-8)
    # generic entropy: scipy's rv_continuous._entropy integrates −f log f
    generic = stats.rv_continuous._entropy(gammaal.absgammadiff, k)
    assert math.isclose(gammaal.absgammadiff(k).entropy(), generic, rel_tol=1e-7, abs_tol=1e-9)


def test_rvs_monte_carlo_within_4_se():
    k, th = 2.5, 0.3
    x = gammaal.absgammadiff(k, scale=th).rvs(size=40000, random_state=np.random.default_rng(3))
    for delta in (0.1, 0.5, 1.5):
        frac = np.mean(x <= delta)
        p = gammaal.prob_within(delta, k, th)
        assert abs(frac - p) < 4 * math.sqrt(p * (1 - p) / x.size)


@settings(max_examples=20, deadline=None)
@given(st.floats(0.1, 1000.0), st.floats(-50.0, 50.0))
def test_cdf_sf_logs_properties(k, z):
    g = gammaal.gammadiff(k)
    c, s = g.cdf(z), g.sf(z)
    assert abs(c + s - 1) < 1e-14
    assert g.cdf(z + 0.5) >= c
    if s > 1e-300:
        assert abs(g.logsf(z) - math.log(s)) < 1e-12
    if c > 1e-300:
        assert abs(g.logcdf(z) - math.log(c)) < 1e-12
    # the round trip on the side where the probability keeps its digits (P ≤ ½)
    back = g.ppf(c) if z <= 0 else g.isf(s)
    assert abs(back - z) <= 1e-10 * max(1.0, abs(z))


def _brute_force_mle(z):
    """Grid search of the log-likelihood written with scipy's Bessel K (not our kernels)."""
    def loglik(k, th):
        t = np.abs(z) / th
        nu = k - 0.5
        logk = np.log(special.kve(nu, t)) - t
        return np.sum(nu * np.log(t) + logk) - z.size * (0.5 * math.log(math.pi) + special.gammaln(k) + nu * math.log(2) + math.log(th))
    ks, ths = np.geomspace(0.5, 8, 61), np.geomspace(0.1, 2, 61)
    for _ in range(3):
        ll = np.array([[loglik(k, th) for th in ths] for k in ks])
        i, j = np.unravel_index(np.argmax(ll), ll.shape)
        kb, tb = ks[i], ths[j]
        ks = np.geomspace(kb / (ks[1] / ks[0]) ** 2, kb * (ks[1] / ks[0]) ** 2, 31)
        ths = np.geomspace(tb / (ths[1] / ths[0]) ** 2, tb * (ths[1] / ths[0]) ** 2, 31)
    return kb, tb, loglik


def test_fit_is_the_maximum_likelihood_estimate():
    z = gammaal.gammadiff(2.2, scale=0.4).rvs(size=400, random_state=np.random.default_rng(7))
    k, loc, th = gammaal.gammadiff.fit(z)
    kb, tb, loglik = _brute_force_mle(z)
    assert loc == 0.0
    assert abs(k / kb - 1) < 2e-3 and abs(th / tb - 1) < 2e-3
    assert loglik(k, th) >= loglik(kb, tb) - 1e-6


def test_fit_refuses_exact_zeros():
    with pytest.raises(ValueError, match="unbounded"):
        gammaal.gammadiff.fit([0.0, 0.3, -0.2, 1.0])


@pytest.mark.parametrize("k", [0.3, 4.0, 4.5, 250.5])
def test_ppf_isf_agree_with_scipy_generic_root_finding(k):
    # scipy's generic _ppf/_isf bracket and brentq-solve our cdf/sf: an independent root finder
    a = gammaal.absgammadiff
    q = np.array([1e-6, 0.02, 0.3, 0.5, 0.8, 0.999])
    ours_ppf, ours_isf = a._ppf(q, np.full(q.size, k)), a._isf(q, np.full(q.size, k))
    generic_ppf = stats.rv_continuous._ppf(a, q, np.full(q.size, k))
    generic_isf = stats.rv_continuous._isf(a, q, np.full(q.size, k))
    # brentq's defaults: rtol 8.9e-16 but an absolute xtol of 2e-12 (so ~1e-11 at the tiny roots)
    np.testing.assert_allclose(ours_ppf, generic_ppf, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(ours_isf, generic_isf, rtol=1e-9, atol=1e-11)


def test_quantiles_broadcast_over_mixed_shapes_and_scale():
    k = np.array([0.05, 1.0, 7.5, 3000.0])
    p = np.array([[0.01], [0.6]])
    got = gammaal.gammadiff(k, scale=0.25).ppf(p)
    assert got.shape == (2, 4)
    np.testing.assert_allclose(gammaal.gammadiff(k, scale=0.25).cdf(got), np.broadcast_to(p, (2, 4)), rtol=1e-12)
    assert np.isnan(gammaal.absgammadiff(2.0).ppf(1.5)) and gammaal.absgammadiff(2.0).isf(0.0) == np.inf
