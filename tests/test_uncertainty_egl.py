"""EGL++: perplexity calibration against its definition and scipy, torch.func per-target gradients
against a loop of single-sample backward passes, neighbours and scores."""
import math

import numpy as np
import pytest
import torch
from scipy.optimize import brentq
from torch import nn

from pose.hourglass import build_hourglass
from pose.hrnet import build_hrnet
from pose.uncertainty import (
    conv_and_linear_parameters,
    egl_neighbours,
    egl_scores,
    per_target_gradient_norms,
    perplexity_affinities,
)


def _entropy(p):
    p = np.asarray(p, dtype=np.float64)
    nz = p[p > 0]
    return float(-(nz * np.log(nz)).sum())


def test_perplexity_calibration_meets_definition():
    rng = np.random.default_rng(0)
    emb_u, emb_l = rng.normal(size=(7, 5)), rng.normal(size=(60, 5)) * 2
    sq = ((emb_u[:, None] - emb_l[None]) ** 2).sum(-1)
    p = perplexity_affinities(torch.from_numpy(sq), perplexity=20.0).numpy()
    assert np.allclose(p.sum(axis=1), 1.0, rtol=0, atol=1e-14)
    for i in range(7):
        assert math.exp(_entropy(p[i])) == pytest.approx(20.0, rel=1e-9)
        # p_{j|i} ∝ exp(-β D_ij): log p is affine in D with a negative slope
        slope, intercept = np.polyfit(sq[i], np.log(p[i]), 1)
        assert slope < 0
        assert np.abs(np.log(p[i]) - (slope * sq[i] + intercept)).max() < 1e-8
        # and the same β solves H(β) = log 20 by scipy's brentq on the definition
        def h(log_beta):
            w = np.exp(-np.exp(log_beta) * (sq[i] - sq[i].min()))
            return _entropy(w / w.sum()) - math.log(20.0)
        beta = math.exp(brentq(h, -30, 30, xtol=1e-14))
        ref = np.exp(-beta * (sq[i] - sq[i].min()))
        assert np.allclose(p[i], ref / ref.sum(), rtol=1e-7, atol=1e-15)


def test_perplexity_limits():
    sq = torch.tensor([[0.0, 1.0, 4.0, 9.0], [2.0, 2.0, 2.0, 2.0], [0.0, 0.0, 0.0, 5.0]], dtype=torch.float64)
    quarter = torch.full((4,), 0.25, dtype=torch.float64)
    assert torch.allclose(perplexity_affinities(sq, 4.0)[0], quarter, atol=1e-9)  # perplexity M: uniform
    p = perplexity_affinities(sq, 2.0)
    assert torch.allclose(p[1], quarter)  # equal distances: only the uniform row exists
    # three tied nearest points cannot reach perplexity 2: the closest row is uniform over them
    assert torch.allclose(p[2], torch.tensor([1 / 3, 1 / 3, 1 / 3, 0.0], dtype=torch.float64), atol=1e-12)
    assert perplexity_affinities(sq[:1], 1.0)[0, 0].item() == pytest.approx(1.0, abs=1e-9)


def test_neighbours_are_top_k_of_affinities():
    torch.manual_seed(0)
    u, lab = torch.randn(5, 3), torch.randn(40, 3)
    nb = egl_neighbours(u, lab, perplexity=10.0, k=6)
    p = perplexity_affinities(torch.cdist(u.double(), lab.double()).square(), 10.0)
    assert nb.index.shape == (5, 6)
    for i in range(5):
        assert set(nb.index[i].tolist()) == set(torch.argsort(p[i], descending=True)[:6].tolist())
        assert torch.allclose(nb.weight[i], p[i, nb.index[i]])
        # the nearest embedding is the heaviest neighbour
        assert nb.index[i, 0].item() == torch.cdist(u[i:i + 1], lab).argmin().item()


class _SmallNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(inplace=True),
                                  nn.Conv2d(4, 3, 3, padding=1))
        self.fc = nn.Linear(3 * 6 * 6, 5)

    def forward(self, x):
        maps = self.body(x)
        return {"maps": maps, "vector": self.fc(maps.flatten(1))}


def _loop_reference(model, inputs, targets, loss_fn, output_fn, names):
    model.eval()
    params = dict(model.named_parameters())
    out = torch.zeros(targets.shape[:2], dtype=torch.float64)
    for u in range(inputs.shape[0]):
        for k in range(targets.shape[1]):
            model.zero_grad()
            loss_fn(output_fn(model(inputs[u:u + 1])), targets[u, k:k + 1]).backward()
            out[u, k] = sum(params[n].grad.square().sum() for n in names)
    return out


def _mse(out, target):
    return (out - target).square().mean()


def test_gradient_norms_match_single_sample_backward_loop():
    torch.manual_seed(0)
    model = _SmallNet().double()
    with torch.no_grad():  # non-trivial running statistics
        model.body[1].running_mean.normal_()
        model.body[1].running_var.uniform_(0.5, 2.0)
    model.train()
    inputs = torch.randn(3, 2, 6, 6, dtype=torch.float64)
    targets = torch.randn(3, 4, 5, dtype=torch.float64)
    output_fn = lambda out: out["vector"]  # noqa: E731
    got = per_target_gradient_norms(model, inputs, targets, _mse, output_fn)
    assert model.training  # mode restored
    ref = _loop_reference(model, inputs, targets, _mse, output_fn, [n for n, _ in model.named_parameters()])
    assert torch.allclose(got, ref, rtol=1e-10, atol=0)
    # a parameter subset (the authors' Conv2d/Linear layers) and the unsquared norm
    names = conv_and_linear_parameters(model)
    assert names == ["body.0.weight", "body.0.bias", "body.3.weight", "body.3.bias", "fc.weight", "fc.bias"]
    sub = per_target_gradient_norms(model, inputs, targets, _mse, output_fn, parameters=names, squared=False,
                                    chunk_size=2)
    assert torch.allclose(sub, _loop_reference(model, inputs, targets, _mse, output_fn, names).sqrt(), rtol=1e-10)


@pytest.mark.parametrize("backbone", ["hourglass", "hrnet"])
def test_gradient_norms_on_pose_backbones(backbone):
    torch.manual_seed(1)
    if backbone == "hourglass":
        model = build_hourglass("tiny", joints=2, channels=4, input_size=64, stem_channels=(4, 4)).double()
        output_fn = lambda out: torch.stack(out.heatmaps, dim=1)  # noqa: E731
    else:
        model = build_hrnet(joints=2, width=2, blocks=1, stem_channels=4, stage1_planes=2).double()
        output_fn = lambda out: out.heatmaps[-1]  # noqa: E731
    size = 64 if backbone == "hourglass" else 32  # the hourglass needs a multiple of 4 * 2**depth
    inputs = torch.randn(2, 3, size, size, dtype=torch.float64)
    with torch.no_grad():
        shape = output_fn(model.eval()(inputs[:1])).shape[1:]
    targets = torch.rand(2, 2, *shape, dtype=torch.float64)
    got = per_target_gradient_norms(model, inputs, targets, _mse, output_fn)
    ref = _loop_reference(model, inputs, targets, _mse, output_fn, [n for n, _ in model.named_parameters()])
    assert torch.allclose(got, ref, rtol=1e-9, atol=0)


def test_scores_and_bad_input():
    g = torch.tensor([[1.0, 2.0], [3.0, 0.0]])
    w = torch.tensor([[0.5, 0.25], [0.1, 0.9]], dtype=torch.float64)
    assert egl_scores(g, w).tolist() == pytest.approx([1.0, 0.3])
    with pytest.raises(ValueError, match="gradient_norms"):
        egl_scores(g, w[:1])
    with pytest.raises(ValueError, match="perplexity"):
        perplexity_affinities(torch.rand(2, 5), perplexity=6.0)
    with pytest.raises(ValueError, match="sq_distances"):
        perplexity_affinities(-torch.rand(2, 5), perplexity=2.0)
    with pytest.raises(ValueError, match="k must"):
        egl_neighbours(torch.rand(2, 3), torch.rand(5, 3), perplexity=2.0, k=6)
    with pytest.raises(ValueError, match="parameters"):
        per_target_gradient_norms(nn.Linear(2, 1), torch.rand(2, 2), torch.rand(2, 3, 1), _mse, parameters=["nope"])
    with pytest.raises(ValueError, match="targets"):
        per_target_gradient_norms(nn.Linear(2, 1), torch.rand(2, 2), torch.rand(3, 3, 1), _mse)
