"""Aleatoric NLL against hand computations, its minimiser, a small fit, and the auxiliary head."""
import math

import pytest
import torch
from scipy.optimize import minimize_scalar

from pose.uncertainty import ARGMAX_VARIANCE_FLOOR, PooledParameterHead, aleatoric_nll, aleatoric_score


def test_hand_computation_and_mask():
    s = torch.tensor([[0.0, math.log(2.0)], [1.0, -1.0]], dtype=torch.float64)
    pred = torch.tensor([[[3.0, 4.0], [1.0, 1.0]], [[0.0, 0.0], [2.0, 0.0]]], dtype=torch.float64)
    target = torch.zeros_like(pred)
    # per joint: ½ r² e^{-s} + ½ s
    terms = [0.5 * 25.0, 0.5 * 2.0 / 2.0 + 0.5 * math.log(2.0), 0.5 * 1.0, 0.5 * 4.0 * math.e - 0.5]
    assert aleatoric_nll(s, pred, target, variance_floor=0.0).item() == pytest.approx(sum(terms) / 4, rel=1e-14)
    visible = torch.tensor([[True, False], [True, True]])
    assert aleatoric_nll(s, pred, target, visible, variance_floor=0.0).item() == pytest.approx(
        (terms[0] + terms[2] + terms[3]) / 3, rel=1e-14)
    floor = 0.5
    with_floor = [0.5 * (25.0 + floor), 0.5 * (2.0 + floor) / 2.0 + 0.5 * math.log(2.0),
                  0.5 * floor * math.exp(-1.0) + 0.5, 0.5 * (4.0 + floor) * math.e - 0.5]
    assert aleatoric_nll(s, pred, target, variance_floor=floor).item() == pytest.approx(sum(with_floor) / 4, rel=1e-14)
    assert aleatoric_score(s).tolist() == pytest.approx([math.log(2.0) / 2, 0.0], abs=1e-15)


def test_gradient_matches_hand_formula():
    s = torch.tensor([[0.3, -0.7, 1.1]], dtype=torch.float64, requires_grad=True)
    pred = torch.tensor([[[1.0, 2.0], [0.5, 0.0], [0.0, 3.0]]], dtype=torch.float64)
    r2 = torch.tensor([5.0, 0.25, 9.0], dtype=torch.float64)
    aleatoric_nll(s, pred, torch.zeros_like(pred), variance_floor=0.0).backward()
    expected = (-0.5 * r2 * torch.exp(-s.detach()[0]) + 0.5) / 3
    assert torch.allclose(s.grad[0], expected, rtol=1e-14)


@pytest.mark.parametrize("r2, floor", [(25.0, 0.0), (0.04, 0.0), (2.0, ARGMAX_VARIANCE_FLOOR),
                                       (0.0, ARGMAX_VARIANCE_FLOOR)])
def test_minimiser_is_log_squared_error(r2, floor):
    pred = torch.tensor([[[math.sqrt(r2), 0.0]]], dtype=torch.float64)
    target = torch.zeros_like(pred)

    def f(value):
        return aleatoric_nll(torch.tensor([[value]], dtype=torch.float64), pred, target, variance_floor=floor).item()

    found = minimize_scalar(f, bracket=(-5.0, 5.0), tol=1e-12).x
    assert found == pytest.approx(math.log(r2 + floor), abs=1e-6)


def test_zero_residual_without_floor_is_unbounded_below():
    pred = torch.zeros(1, 1, 2)
    values = [aleatoric_nll(torch.tensor([[s]]), pred, pred, variance_floor=0.0).item() for s in (-1.0, -10.0, -100.0)]
    assert values == sorted(values, reverse=True) and values[-1] == pytest.approx(-50.0)


def test_head_learns_log_conditional_mean_of_squared_error():
    """Residuals r ~ N(0, σ(x)² I₂), σ = e^x: the NLL minimiser is s(x) = log E[r² | x] = log 2 + 2x."""
    gen = torch.Generator().manual_seed(0)
    n = 4000
    x = torch.rand(n, 1, generator=gen, dtype=torch.float64) * 2 - 1
    residual = torch.randn(n, 1, 2, generator=gen, dtype=torch.float64) * torch.exp(x)[:, :, None]
    linear = torch.nn.Linear(1, 1).double()
    opt = torch.optim.LBFGS(linear.parameters(), max_iter=100, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = aleatoric_nll(linear(x), residual, torch.zeros_like(residual), variance_floor=0.0)
        loss.backward()
        return loss

    opt.step(closure)
    assert linear.bias.item() == pytest.approx(math.log(2.0), abs=0.1)
    assert linear.weight.item() == pytest.approx(2.0, abs=0.1)


def test_head_shapes_and_detached_features():
    torch.manual_seed(0)
    head = PooledParameterHead([4, 8, 16], outputs=14)
    maps = [torch.randn(3, c, n, n, requires_grad=True) for c, n in ((4, 16), (8, 8), (16, 4))]
    out = head(maps)
    assert out.shape == (3, 14)
    out.sum().backward()
    assert all(m.grad is None for m in maps)
    assert all(p.grad is not None for p in head.parameters())
    with pytest.raises(ValueError, match="features"):
        head(maps[:2])
    with pytest.raises(ValueError, match=r"features\[1\]"):
        head([maps[0], maps[0], maps[2]])


def test_bad_input():
    s = torch.zeros(2, 3)
    good = torch.zeros(2, 3, 2)
    with pytest.raises(ValueError, match="log_var"):
        aleatoric_nll(torch.zeros(6), good, good)
    with pytest.raises(ValueError, match="predicted"):
        aleatoric_nll(s, torch.zeros(2, 3), good)
    with pytest.raises(ValueError, match="visible"):
        aleatoric_nll(s, good, good, torch.ones(3, 2))
    with pytest.raises(ValueError, match="variance_floor"):
        aleatoric_nll(s, good, good, variance_floor=-1.0)
    with pytest.raises(ValueError, match="outputs"):
        PooledParameterHead([4], outputs=0)
