"""ll_gamma: δ_q (absgammadiff.ppf) against closed forms and Monte Carlo, the pair filter against a direct count."""
import math

import mpmath
import numpy as np
import pytest
import torch

import gammaal
from gammaal.al.objectives import (
    OBJECTIVES,
    gamma_margin_ranking_loss,
    margin_ranking_loss,
    pair_weights,
    tied_pair_threshold,
    weighted_margin_ranking_loss,
)


def abs_difference_quantile(q, k, theta=1.0):
    return float(gammaal.absgammadiff(k, scale=theta).ppf(q))


@pytest.mark.parametrize("q", [1e-9, 0.01, 0.25, 0.5, 0.9, 1 - 1e-9])
@pytest.mark.parametrize("theta", [0.066, 3.0])
def test_k1_is_exponential(q, theta):
    """k = 1: X − Y is Laplace(θ), so |X − Y| ~ Exponential(θ) and δ_q = −θ log(1 − q)."""
    assert abs_difference_quantile(q, 1.0, theta) == pytest.approx(-theta * math.log1p(-q), rel=1e-12)


@pytest.mark.parametrize("q", [1e-6, 0.25, 0.75, 1 - 1e-8])
def test_k2_closed_form(q):
    """k = 2, θ = 1: P(|X − Y| ≤ t) = 1 − e^{−t}(1 + t/2) (the Erlang mixture ½P(1,t) + ½P(2,t))."""
    t = mpmath.mpf(abs_difference_quantile(q, 2.0, 1.0))
    with mpmath.workdps(40):
        within = 1 - mpmath.exp(-t) * (1 + t / 2)
        density = mpmath.exp(-t) * (1 + t) / 2
        # residual in t: |P(t) − q| / P'(t), relative to t
        assert float(abs(within - q) / density / t) < 1e-12


@pytest.mark.parametrize("k, q", [(0.4, 0.25), (4.0, 0.25), (4.0, 0.6), (37.5, 0.1)])
def test_quantile_against_monte_carlo(k, q):
    theta, n = 0.066, 400_000
    rng = np.random.default_rng(11)
    gaps = np.abs(rng.gamma(k, theta, n) - rng.gamma(k, theta, n))
    delta = abs_difference_quantile(q, k, theta)
    # standard error of a sample quantile: sqrt(q(1−q)/n) / f_{|Z|}(δ), f_{|Z|} = 2 f_Z
    se = math.sqrt(q * (1 - q) / n) / (2 * float(gammaal.diff_pdf(delta, k, theta)))
    assert abs(np.quantile(gaps, q) - delta) < 4 * se
    # and the fraction of iid pairs tied within δ_q is q (binomial SE)
    assert abs(np.mean(gaps <= delta) - q) < 4 * math.sqrt(q * (1 - q) / n)


def test_threshold_from_a_batch_of_losses():
    rng = np.random.default_rng(3)
    losses = torch.from_numpy(rng.gamma(4.0, 0.066, size=5000))
    thr = tied_pair_threshold(losses, q=0.25)
    fit = gammaal.fit_gamma(losses.numpy())
    assert (thr.fit.k, thr.fit.theta) == (fit.k, fit.theta)
    assert float(gammaal.prob_within(thr.delta, fit.k, fit.theta)) == pytest.approx(0.25, rel=1e-12)
    # about a quarter of the batch's pairs are tied within δ (exact all-pairs count, gamma sample)
    assert gammaal.empirical_pair_fraction(losses.numpy(), thr.delta) == pytest.approx(0.25, abs=0.02)
    # exact zeros (images without a visible joint) are left out of the fit unless asked otherwise
    padded = torch.cat([losses, torch.zeros(3, dtype=losses.dtype)])
    assert tied_pair_threshold(padded).delta == thr.delta
    with pytest.raises(ValueError, match="> 0"):
        tied_pair_threshold(padded, ignore_zeros=False)


def test_pair_filter_against_direct_count():
    rng = np.random.default_rng(5)
    true = torch.from_numpy(rng.gamma(2.0, 1.0, size=201))  # odd: the last loss is left out
    delta = 0.4
    w = pair_weights(true, delta)
    half = 201 // 2
    kept = [p for p in range(half) if abs(true[p].item() - true[p + half].item()) >= delta]
    assert w.shape == (half,)
    assert int(w.sum().item()) == len(kept)
    assert torch.nonzero(w).squeeze(1).tolist() == kept
    lin = pair_weights(true, delta, "linear")
    for p in range(half):
        assert lin[p].item() == pytest.approx(min(1.0, abs(true[p].item() - true[p + half].item()) / delta), rel=1e-14)


def test_ranking_loss_over_kept_pairs():
    torch.manual_seed(0)
    pred = torch.randn(40, requires_grad=True)
    true = torch.rand(40) + 0.1
    delta = 0.3
    loss = weighted_margin_ranking_loss(pred, true, delta)
    keep = [p for p in range(20) if abs(true[p] - true[p + 20]) >= delta]
    idx = torch.tensor(keep)
    sub_pred = torch.cat([pred[idx], pred[idx + 20]])
    sub_true = torch.cat([true[idx], true[idx + 20]])
    assert loss.item() == pytest.approx(margin_ranking_loss(sub_pred, sub_true).item(), rel=1e-6)
    unfiltered = margin_ranking_loss(pred, true).item()
    assert weighted_margin_ranking_loss(pred, true, 0.0).item() == pytest.approx(unfiltered, rel=1e-6)
    # skipped pairs get no gradient
    loss.backward()
    skipped = [p for p in range(20) if p not in keep]
    assert torch.all(pred.grad[torch.tensor(skipped)] == 0) and torch.all(pred.grad[torch.tensor(skipped) + 20] == 0)
    # no pair kept: zero that still backpropagates
    zero = weighted_margin_ranking_loss(pred, true, 10.0)
    assert zero.item() == 0.0 and zero.requires_grad


def test_bad_input():
    with pytest.raises(ValueError, match="q must"):
        tied_pair_threshold(torch.rand(8) + 0.1, q=1.0)
    with pytest.raises(ValueError, match="q must"):
        gamma_margin_ranking_loss(torch.rand(4), torch.rand(4), quantile=0.0)
    with pytest.raises(ValueError, match="weighting"):
        pair_weights(torch.rand(4), 0.1, "hard")
    with pytest.raises(ValueError, match="delta"):
        pair_weights(torch.rand(4), -0.1)
    with pytest.raises(ValueError, match="losses"):
        tied_pair_threshold(torch.tensor([1.0, -1.0]))
    with pytest.raises(ValueError, match="shape"):
        weighted_margin_ranking_loss(torch.rand(4), torch.rand(5), 0.1)


def test_ll_gamma_objective_skips_the_pairs_tied_under_the_batch_fit():
    # The registered objective = the hinge over the pairs whose gap is >= δ_q of the batch's own gamma fit,
    # computed here by hand: fit, ppf, direct list of kept pairs, plain LL on them.
    rng = np.random.default_rng(8)
    true = torch.from_numpy(rng.gamma(3.0, 0.5, size=64))
    pred = torch.randn(64, dtype=torch.float64)
    fit = gammaal.fit_gamma(true.numpy())
    delta = float(gammaal.absgammadiff(fit.k, scale=fit.theta).ppf(0.25))
    keep = torch.tensor([p for p in range(32) if abs(true[p] - true[p + 32]) >= delta])
    assert 0 < len(keep) < 32
    expected = margin_ranking_loss(torch.cat([pred[keep], pred[keep + 32]]), torch.cat([true[keep], true[keep + 32]]))
    got = OBJECTIVES["ll_gamma"](pred, true, 1.0, 0.25)
    assert got.item() == pytest.approx(expected.item(), rel=1e-12)
    # a larger q skips more pairs; a batch without a fittable law (ties, zeros) keeps every pair
    assert int(pair_weights(true, float(gammaal.absgammadiff(fit.k, scale=fit.theta).ppf(0.6))).sum()) < len(keep)
    flat = torch.tensor([0.0, 1.0, 0.0, 1.0])
    assert OBJECTIVES["ll_gamma"](pred[:4], flat, 1.0, 0.25).item() == pytest.approx(
        margin_ranking_loss(pred[:4], flat).item(), rel=1e-12)
