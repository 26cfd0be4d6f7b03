"""fit_gamma: MLE equations, agreement with an independent optimiser, integer shape, errors."""
import math

import numpy as np
import pytest
from scipy import special, stats

import gammaal


@pytest.mark.parametrize("k,theta", [(4.0, 0.066), (0.3, 2.0), (25.0, 1e-3), (1.0, 5.0)])
def test_mle_solves_score_equations_and_matches_scipy(k, theta):
    x = np.random.default_rng(1).gamma(k, theta, 20_000)
    fit = gammaal.fit_gamma(x)
    s = math.log(x.mean()) - np.log(x).mean()
    assert abs(math.log(fit.k) - special.digamma(fit.k) - s) < 1e-13
    assert abs(fit.theta * fit.k - x.mean()) < 1e-12 * x.mean()
    a, _, scale = stats.gamma.fit(x, floc=0)
    assert abs(fit.k - a) < 1e-5 * a and abs(fit.theta - scale) < 1e-5 * scale
    assert abs(fit.loglik - stats.gamma.logpdf(x, fit.k, scale=fit.theta).sum()) < 1e-8 * abs(fit.loglik)
    assert fit.n == x.size
    # the sampling SE of k-hat is ~ k sqrt(2/n); recover the truth within 5 of them
    assert abs(fit.k - k) < 5 * k * math.sqrt(2 / x.size) * 2


def test_integer_shape_is_best_integer_by_brute_force():
    x = np.random.default_rng(2).gamma(3.6, 0.1, 5000)
    fit = gammaal.fit_gamma(x, integer_shape=True)
    lls = {kk: stats.gamma.logpdf(x, kk, scale=x.mean() / kk).sum() for kk in range(1, 30)}
    best = max(lls, key=lls.get)
    assert fit.k == best and fit.integer_shape
    assert abs(fit.theta - x.mean() / best) < 1e-15
    assert abs(fit.loglik - lls[best]) < 1e-8 * abs(lls[best])


def test_goodness_of_fit_statistic_detects_wrong_family():
    rng = np.random.default_rng(3)
    good = gammaal.fit_gamma(rng.gamma(4, 0.066, 4000))
    bad = gammaal.fit_gamma(rng.uniform(0.5, 1.0, 4000))
    assert good.ks_pvalue > 1e-3 and bad.ks_pvalue < 1e-6
    assert bad.ks_statistic > 3 * good.ks_statistic


@pytest.mark.parametrize("bad,match", [([], "empty"), ([1.0, np.nan], "NaN"), ([1.0, 0.0], "> 0"),
                                       ([1.0, -2.0], "> 0"), ([2.0, 2.0, 2.0], "equal"), ([1.0], "two")])
def test_errors(bad, match):
    with pytest.raises(ValueError, match=match):
        gammaal.fit_gamma(bad)


def test_type_errors():
    with pytest.raises(TypeError):
        gammaal.fit_gamma(None)
    with pytest.raises(TypeError):
        gammaal.fit_gamma(["a", "b"])
