"""Ranking objectives and heatmap losses: hand-worked values and autograd vs gammaal's K."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

from gammaal.gradient import ll_gradient_factor, llpp_gradient_factor  # noqa: E402
from pose.objectives import (  # noqa: E402
    RANKING_OBJECTIVES,
    heatmap_loss,
    kl_ranking_loss,
    margin_ranking_loss,
    per_image_loss,
    split_pairs,
)

T = torch.tensor


def test_paper_section_4_1_example():
    # θ_i = [1, 2, 1], θ_j = [1, 1, 1], w = [0, 3, 0]: lhat = (6, 3).
    theta = T([[1.0, 2.0, 1.0], [1.0, 1.0, 1.0]], dtype=torch.float64)
    w = T([0.0, 3.0, 0.0], dtype=torch.float64, requires_grad=True)
    case1 = margin_ranking_loss(theta @ w, T([2.0, 1.0], dtype=torch.float64))  # l_i > l_j
    assert case1.item() == 0.0
    case2 = margin_ranking_loss(theta @ w, T([1.0, 2.0], dtype=torch.float64))  # l_i < l_j
    assert case2.item() == 4.0
    (grad,) = torch.autograd.grad(case2, w)
    assert grad.tolist() == [0.0, 1.0, 0.0]  # paper: ∇_w L = [0, 1, 0]ᵀ


def test_kl_hand_value():
    # p = (3/4, 1/4), q = (1/2, 1/2): KL = 3/4 log(3/2) + 1/4 log(1/2).
    value = kl_ranking_loss(T([0.0, 0.0], dtype=torch.float64), T([3.0, 1.0], dtype=torch.float64))
    assert value.item() == pytest.approx(0.75 * math.log(1.5) + 0.25 * math.log(0.5), rel=1e-14)
    # Equal losses and equal predictions: no penalty (paper scenario 1).
    assert kl_ranking_loss(T([0.3, 0.3]), T([0.2, 0.2])).item() == pytest.approx(0.0, abs=1e-7)


def test_kl_matches_authors_kldivloss():
    torch.manual_seed(0)
    pred = torch.randn(8, dtype=torch.float64)
    true = torch.rand(8, dtype=torch.float64) + 0.01
    i, j = split_pairs(true)
    p = torch.stack([i, j], 1) / (i + j)[:, None]
    logq = torch.log_softmax(torch.stack(split_pairs(pred), 1), dim=1)
    ref = torch.nn.KLDivLoss(reduction="batchmean")(logq, p)
    torch.testing.assert_close(kl_ranking_loss(pred, true), ref, rtol=1e-14, atol=0)


def test_kl_is_stable_for_extreme_predictions():
    value = kl_ranking_loss(T([1000.0, -1000.0], requires_grad=True), T([0.0, 1.0]))
    assert math.isfinite(value.item()) and value.item() == pytest.approx(2000.0)
    value.backward()


def test_pairs_are_halves_and_odd_batches_drop_the_last():
    pred = T([0.0, 5.0, 1.0, -2.0, 9.0])
    true = T([1.0, 3.0, 2.0, 1.0, 4.0])
    # B = 5: pairs (0, 2), (1, 3); element 4 unused.
    expected = 0.5 * (max(0.0, -(-1.0) * (0.0 - 1.0) + 1.0) + max(0.0, -(1.0) * (5.0 - (-2.0)) + 1.0))
    assert margin_ranking_loss(pred, true).item() == pytest.approx(expected)
    assert margin_ranking_loss(pred, true).item() == margin_ranking_loss(pred[:4], true[:4]).item()
    assert kl_ranking_loss(pred, true).item() == kl_ranking_loss(pred[:4], true[:4]).item()


@pytest.mark.parametrize("objective", [margin_ranking_loss, kl_ranking_loss])
def test_batch_of_one_gives_zero_with_grad(objective):
    pred = T([0.7], requires_grad=True)
    loss = objective(pred, T([0.2]))
    assert loss.item() == 0.0 and loss.grad_fn is not None
    loss.backward()
    assert pred.grad.tolist() == [0.0]


def test_margin_tie_is_sign_zero():
    # sign(0) = 0 as printed: the loss is the margin and the gradient is zero.
    pred = T([0.4, 0.1], requires_grad=True)
    loss = margin_ranking_loss(pred, T([0.5, 0.5]), margin=1.0)
    assert loss.item() == 1.0
    loss.backward()
    assert pred.grad.tolist() == [0.0, 0.0]


def test_true_losses_are_detached():
    true = T([0.3, 0.1], requires_grad=True)
    pred = T([0.0, 0.2], requires_grad=True)
    for objective in (margin_ranking_loss, kl_ranking_loss):
        objective(pred, true).backward()
    assert true.grad is None


def test_kl_zero_loss_pair_and_validation():
    # Two zero true losses: p = (½, ½).
    value = kl_ranking_loss(T([1.0, 0.0], dtype=torch.float64), T([0.0, 0.0], dtype=torch.float64))
    q = torch.softmax(T([1.0, 0.0], dtype=torch.float64), 0)
    assert value.item() == pytest.approx(float(0.5 * torch.log(0.5 / q).sum()))
    with pytest.raises(ValueError, match=">= 0"):
        kl_ranking_loss(T([0.0, 0.0]), T([-1.0, 1.0]))
    with pytest.raises(ValueError, match="shape"):
        kl_ranking_loss(T([0.0, 0.0]), T([1.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match=r"\(B,\)"):
        margin_ranking_loss(torch.zeros(2, 1), torch.zeros(2, 1))
    assert RANKING_OBJECTIVES["ll"] is margin_ranking_loss
    assert RANKING_OBJECTIVES["llpp_conv"] is kl_ranking_loss


def _linear_head_gradients(objective, theta_np, w_np, l_np, **kw):
    theta = torch.tensor(theta_np, dtype=torch.float64, requires_grad=True)
    w = torch.tensor(w_np, dtype=torch.float64, requires_grad=True)
    loss = objective(theta @ w, torch.tensor(l_np, dtype=torch.float64), **kw)
    grad_w, grad_theta = torch.autograd.grad(loss, (w, theta))
    return grad_w.numpy(), grad_theta.numpy(), (theta @ w).detach().numpy()


def _expected(factor, theta, w, l, lhat, **kw):
    """(1/P) Σ_p K_p (θ_i − θ_j) and the per-row θ gradients K w / P, −K w / P."""
    half = len(l) // 2
    i, j = np.arange(half), np.arange(half, 2 * half)
    k = np.asarray(factor(l[i], l[j], lhat[i], lhat[j], **kw), dtype=np.float64)
    grad_w = (k[:, None] * (theta[i] - theta[j])).sum(0) / half
    grad_theta = np.zeros_like(theta)
    grad_theta[i] = k[:, None] * w / half
    grad_theta[j] = -k[:, None] * w / half
    return grad_w, grad_theta


batch_sizes = st.integers(min_value=2, max_value=9)


@settings(max_examples=40, deadline=None)
@given(batch=batch_sizes, dim=st.integers(1, 6), seed=st.integers(0, 2**32 - 1),
       margin=st.sampled_from([0.0, 0.5, 1.0, 2.0]))
def test_margin_autograd_equals_ll_gradient_factor(batch, dim, seed, margin):
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=(batch, dim))
    w = rng.normal(size=dim)
    l = rng.gamma(4.0, 0.066, size=batch)
    grad_w, grad_theta, lhat = _linear_head_gradients(margin_ranking_loss, theta, w, l, margin=margin)
    exp_w, exp_theta = _expected(ll_gradient_factor, theta, w, l, lhat, margin=margin)
    np.testing.assert_allclose(grad_w, exp_w, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(grad_theta, exp_theta, rtol=1e-13, atol=1e-15)


@settings(max_examples=40, deadline=None)
@given(batch=batch_sizes, dim=st.integers(1, 6), seed=st.integers(0, 2**32 - 1),
       scale=st.sampled_from([0.1, 1.0, 10.0]))
def test_kl_autograd_equals_llpp_gradient_factor(batch, dim, seed, scale):
    rng = np.random.default_rng(seed)
    theta = scale * rng.normal(size=(batch, dim))
    w = rng.normal(size=dim)
    l = rng.gamma(4.0, 0.066, size=batch)
    grad_w, grad_theta, lhat = _linear_head_gradients(kl_ranking_loss, theta, w, l)
    exp_w, exp_theta = _expected(llpp_gradient_factor, theta, w, l, lhat)
    np.testing.assert_allclose(grad_w, exp_w, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(grad_theta, exp_theta, rtol=1e-12, atol=1e-14)


def test_objective_values_equal_gammaal_objectives():
    from gammaal.gradient import ll_objective, llpp_objective

    rng = np.random.default_rng(7)
    lhat = rng.normal(size=10)
    l = rng.gamma(4.0, 0.066, size=10)
    i, j = slice(0, 5), slice(5, 10)
    got_ll = margin_ranking_loss(torch.tensor(lhat), torch.tensor(l)).item()
    got_kl = kl_ranking_loss(torch.tensor(lhat), torch.tensor(l)).item()
    assert got_ll == pytest.approx(np.mean(ll_objective(l[i], l[j], lhat[i], lhat[j])), rel=1e-13)
    assert got_kl == pytest.approx(np.mean(llpp_objective(l[i], l[j], lhat[i], lhat[j])), rel=1e-12)


# ---------------------------------------------------------------- heatmap losses


def _two_joint_example():
    target = torch.zeros(2, 2, 2, 2)
    pred = torch.zeros(2, 2, 2, 2)
    pred[:, 0] = 1.0  # joint 0: per-pixel error 1 -> MSE 1; joint 1: MSE 0
    pred[1, 1, 0, 0] = 2.0  # image 1, joint 1: one pixel off by 2 -> MSE 4/4 = 1
    return pred, target


def test_per_image_loss_hand_values():
    pred, target = _two_joint_example()
    assert per_image_loss([pred], target).tolist() == [0.5, 1.0]
    visible = T([[True, False], [False, True]])
    assert per_image_loss([pred], target, visible).tolist() == [1.0, 1.0]
    visible = T([[False, True], [False, False]])
    assert per_image_loss([pred], target, visible).tolist() == [0.0, 0.0]  # no visible joint -> 0
    # Two stacks are averaged: second stack perfect halves the loss.
    assert per_image_loss([pred, target.clone()], target).tolist() == [0.25, 0.5]
    assert heatmap_loss([pred], target).item() == 0.75


def test_per_image_loss_authors_normalisation():
    pred, target = _two_joint_example()
    visible = T([[1.0, 1.0], [1.0, 0.0]])
    got = per_image_loss([pred], target, visible, normalise_by_joints=True)
    torch.testing.assert_close(got, T([0.5 / 2.1, 1.0 / 1.1]))
    with pytest.raises(ValueError, match="visible"):
        per_image_loss([pred], target, normalise_by_joints=True)


def test_per_image_loss_shapes():
    pred, target = _two_joint_example()
    with pytest.raises(ValueError, match="heatmaps\\[0\\]"):
        per_image_loss([pred[:, :1]], target)
    with pytest.raises(ValueError, match="visible"):
        per_image_loss([pred], target, torch.ones(2, 3))
    with pytest.raises(ValueError, match="list"):
        per_image_loss(pred, target)
    loss = heatmap_loss([pred.requires_grad_()], target)
    loss.backward()
    assert pred.grad is not None
