"""fit_gamma: MLE equations, agreement with an independent optimiser, integer shape, errors."""
import math
import warnings

import numpy as np
import pytest
import mpmath
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
    good = gammaal.fit_gamma(rng.gamma(4, 0.066, 4000), ks=True)
    bad = gammaal.fit_gamma(rng.uniform(0.5, 1.0, 4000), ks=True)
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


# --- fit_gamma at the edges: clustered, huge, tiny, equal ------------------------------------------

def _mpmath_mle(x, dps=60):
    """The MLE from the float data at `dps` digits: s exactly, then the root of log k − ψ(k) = s."""
    with mpmath.workdps(dps):
        xs = [mpmath.mpf(float(v)) for v in x]
        mean = mpmath.fsum(xs) / len(xs)
        s = mpmath.log(mean) - mpmath.fsum(mpmath.log(v) for v in xs) / len(xs)
        k = mpmath.findroot(lambda kk: mpmath.log(kk) - mpmath.digamma(kk) - s, 1 / (2 * s))
        return k, mean / k


def _mpmath_loglik(x, k, theta, dps=60):
    with mpmath.workdps(dps):
        k, theta = mpmath.mpf(k), mpmath.mpf(theta)
        return mpmath.fsum((k - 1) * mpmath.log(mpmath.mpf(float(v))) - mpmath.mpf(float(v)) / theta
                           for v in x) - len(x) * (k * mpmath.log(theta) + mpmath.loggamma(k))


def _no_warnings(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return func(*args, **kwargs)


# spreads on both sides of the switch from the direct s to the cancellation-free form (k ~ 50-300),
# up to clustering where log(mean) − mean(log x) is pure rounding (k ~ 1e19)
@pytest.mark.parametrize("spread", [1e-9, 1e-6, 1e-3, 0.05, 0.2, 0.35, 0.6, 3.0, 100.0])
def test_clustered_losses_match_an_mpmath_likelihood_maximisation(spread):
    x = 1.0 + spread * np.random.default_rng(7).uniform(size=400)
    fit = _no_warnings(gammaal.fit_gamma, x)
    k, theta = _mpmath_mle(x)
    assert fit.k == pytest.approx(float(k), rel=1e-13)
    assert fit.theta == pytest.approx(float(theta), rel=1e-13)
    ll = _mpmath_loglik(x, fit.k, fit.theta)
    assert fit.loglik == pytest.approx(float(ll), rel=1e-12, abs=1e-9)
    # and it is the maximum: the exact profile likelihood drops on either side
    for factor in (1 - 1e-4, 1 + 1e-4):
        kk = fit.k * factor
        assert _mpmath_loglik(x, kk, float(np.mean(x)) / kk) < ll


def test_huge_k_from_the_issue():
    x = 1.0 + 1e-9 * np.random.default_rng(0).uniform(size=1000)
    fit = _no_warnings(gammaal.fit_gamma, x)
    assert 1e18 < fit.k < 1e20 and math.isfinite(fit.theta) and math.isfinite(fit.loglik)


@pytest.mark.parametrize("scale", [1e305, 1e-300, 1.7e308 / 40])
def test_scale_equivariance_at_the_ends_of_float64(scale):
    # sums of 1e305-sized losses overflow; the fit of x·c must be the fit of x with θ·c
    x = np.random.default_rng(3).gamma(4.0, 1.0, 2000)
    base = gammaal.fit_gamma(x)
    fit = _no_warnings(gammaal.fit_gamma, x * scale)
    assert fit.k == pytest.approx(base.k, rel=1e-13)
    assert fit.theta == pytest.approx(base.theta * scale, rel=1e-13)
    assert fit.loglik == pytest.approx(base.loglik - x.size * math.log(scale), rel=1e-12)


def test_losses_next_to_the_float64_maximum_match_mpmath():
    x = np.random.default_rng(4).uniform(0.5, 1.0, 300) * 1.7e308
    fit = _no_warnings(gammaal.fit_gamma, x)
    k, theta = _mpmath_mle(x)
    assert fit.k == pytest.approx(float(k), rel=1e-13) and fit.theta == pytest.approx(float(theta), rel=1e-13)


@pytest.mark.parametrize("value", [5e-324, 1e-300, 1e-3, 1.0, 1e305, 1.7e308, np.finfo(float).max])
def test_equal_losses_are_refused_at_every_magnitude(value):
    with pytest.raises(ValueError, match="equal"):
        _no_warnings(gammaal.fit_gamma, np.full(10, value))


@pytest.mark.parametrize("x", [[1.0, 1.0 + 2.0**-52], [0.1] * 9 + [0.1 + 1e-17], 1e-300 * (1 + np.arange(5) * 2e-16)])
def test_spread_below_rounding_is_refused(x):
    with pytest.raises(ValueError, match=r"equal to rounding.*\(max - min\)/max > 1e-12"):
        gammaal.fit_gamma(x)


def test_scale_outside_float64_is_refused_not_subnormal_or_inf():
    # a clustered sample at 1e-300 has k ~ 1e19: θ = mean/k would be subnormal
    tiny = 1e-300 * (1 + 1e-9 * np.random.default_rng(0).uniform(size=100))
    with pytest.raises(ValueError, match="underflows"):
        gammaal.fit_gamma(tiny)
    # 300 decades of spread: k ~ 1e-3, θ = mean/k overflows
    with pytest.raises(ValueError, match="overflows"):
        _no_warnings(gammaal.fit_gamma, [1e-300, 1.7e308])


def test_ks_is_optional_and_the_fit_says_so():
    x = np.random.default_rng(5).gamma(4, 0.066, 3000)
    plain = gammaal.fit_gamma(x)
    assert plain.ks_statistic is None and plain.ks_pvalue is None
    assert "KS not computed" in str(plain) and "ks=True" in str(plain)
    tested = gammaal.fit_gamma(x, ks=True)
    ref = stats.kstest(x, stats.gamma(tested.k, scale=tested.theta).cdf)
    assert tested.ks_statistic == pytest.approx(ref.statistic, rel=1e-12)
    assert (tested.k, tested.theta) == (plain.k, plain.theta)
    assert "KS D =" in str(tested)


def test_error_messages_show_plain_numbers():
    with pytest.raises(ValueError) as info:
        gammaal.fit_gamma(np.array([1.0, -0.2]))
    assert "-0.2" in str(info.value) and "np.float64" not in str(info.value)


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
