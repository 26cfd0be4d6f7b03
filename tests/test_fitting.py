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


# --- empirical_pair_fraction: a probability, with prob_within's conventions -------------------------

def _brute_pair_fraction(x, delta):
    x = np.asarray(x, dtype=float)
    iu = np.triu_indices(x.size, 1)
    return float(np.mean(np.abs(x[:, None] - x[None, :])[iu] <= delta))


@pytest.mark.parametrize("delta", [-1e-300, -0.2, -np.inf])
def test_pair_fraction_of_negative_margin_is_zero(delta):
    x = [0.3, 0.1, 0.2, 0.2]
    assert gammaal.empirical_pair_fraction(x, delta) == 0.0
    assert gammaal.prob_within(delta, 4, 0.066) == 0.0  # the same convention as the law


def test_pair_fraction_special_margins_follow_prob_within():
    x = np.random.default_rng(0).gamma(2, 1.0, 50)
    assert np.isnan(gammaal.empirical_pair_fraction(x, np.nan))
    assert gammaal.empirical_pair_fraction(x, np.inf) == 1.0
    assert gammaal.empirical_pair_fraction(x, 0.0) == _brute_pair_fraction(x, 0.0)


def test_pair_fraction_broadcasts_over_a_grid_of_margins():
    x = np.round(np.random.default_rng(1).gamma(2, 0.1, 200), 2)   # ties
    deltas = np.array([[-0.5, 0.0, 0.01], [0.05, np.inf, np.nan]])
    out = gammaal.empirical_pair_fraction(x, deltas)
    assert out.shape == deltas.shape
    expected = [[0.0, _brute_pair_fraction(x, 0.0), _brute_pair_fraction(x, 0.01)],
                [_brute_pair_fraction(x, 0.05), 1.0, np.nan]]
    np.testing.assert_array_equal(out, expected)
    finite = out[np.isfinite(out)]
    assert np.all((finite >= 0) & (finite <= 1))


@pytest.mark.parametrize("losses,error,match", [
    ([1.0, np.nan, 2.0], ValueError, "NaN"), ([1.0, np.inf], ValueError, "finite"),
    (["a", "b"], TypeError, "real"), ([1 + 2j, 3.0], TypeError, "real"), (None, TypeError, "real")])
def test_pair_fraction_rejects_bad_losses(losses, error, match):
    with pytest.raises(error, match=match):
        gammaal.empirical_pair_fraction(losses, 0.1)
