"""MC dropout: zero variance at p = 0, the analytic variance of a linear model, regions, RNG hygiene."""
import pytest
import torch
from torch import nn

from pose.data.transforms import heatmap_argmax
from pose.hourglass import build_hourglass
from pose.uncertainty import dropout_only_in, insert_input_dropout, mc_dropout


class _TwoPart(nn.Module):
    def __init__(self, p_backbone, p_head, d=6):
        super().__init__()
        self.backbone = nn.Sequential(nn.Dropout(p_backbone), nn.Linear(d, d), nn.BatchNorm1d(d))
        self.head = nn.Sequential(nn.Dropout(p_head), nn.Linear(d, 1, bias=False))

    def forward(self, x):
        return self.head(self.backbone(x)).squeeze(1)


def test_p_zero_gives_zero_variance_and_the_eval_output():
    torch.manual_seed(0)
    model = _TwoPart(0.5, 0.0)
    x = torch.randn(4, 6)
    result = mc_dropout(model, x, ["head"], passes=5, seed=1)
    assert torch.all(result.variance == 0) and torch.all(result.score == 0)
    with torch.no_grad():
        assert torch.allclose(result.mean.float(), model.eval()(x))


def test_linear_model_matches_analytic_variance_within_4_se():
    """y = w · dropout_p(h): Var y = p / (1 − p) Σ w_i² h_i²; the backbone's own dropout stays off."""
    torch.manual_seed(0)
    p, passes = 0.3, 20000
    model = _TwoPart(0.9, p).double()
    x = torch.randn(3, 6, dtype=torch.float64)
    with torch.no_grad():
        h = model.eval().backbone(x)
    w = model.head[1].weight[0].detach()
    analytic = p / (1 - p) * (w.square() * h.square()).sum(dim=1)
    result = mc_dropout(model, x, ["head"], passes=passes, seed=3, replicate=True)
    # standard error of a sample variance, sqrt(Var((y - ȳ)²) / T), from an independent run
    with torch.no_grad(), dropout_only_in(model, ["head"]):
        samples = model(x.repeat(passes, 1)).reshape(passes, 3)
    se = (samples - samples.mean(0)).square().std(dim=0) / passes**0.5
    assert torch.all((result.variance - analytic).abs() < 4 * se)
    assert torch.all((result.mean - model(x).detach()).abs() < 4 * (analytic / passes).sqrt())
    # the pass-by-pass loop draws from the same law (a coarser check with fewer passes)
    looped = mc_dropout(model, x, ["head"], passes=200, seed=4)
    assert torch.all((looped.variance - analytic).abs() < 4 * se * (passes / 200) ** 0.5)


def test_only_the_region_is_stochastic_and_flags_are_restored():
    model = _TwoPart(0.5, 0.5)
    model.train()
    model.head[1].eval()  # a mixed state must come back as it was
    before = {name: m.training for name, m in model.named_modules()}
    bn_mean = model.backbone[2].running_mean.clone()
    with dropout_only_in(model, ["head"]) as active:
        assert active == ["head.0"]
        assert model.head[0].training and not model.backbone[0].training and not model.backbone[2].training
        with torch.no_grad():
            model(torch.randn(8, 6))
    assert {name: m.training for name, m in model.named_modules()} == before
    assert torch.equal(model.backbone[2].running_mean, bn_mean)  # BatchNorm ran on its statistics


def test_seed_reproducible_and_global_rng_untouched():
    model = _TwoPart(0.0, 0.5)
    x = torch.randn(5, 6)
    torch.manual_seed(123)
    state = torch.random.get_rng_state()
    a = mc_dropout(model, x, ["head"], passes=6, seed=7)
    assert torch.equal(torch.random.get_rng_state(), state)
    b = mc_dropout(model, x, ["head"], passes=6, seed=7)
    assert torch.equal(a.variance, b.variance) and a.score.gt(0).all()


def test_pose_model_with_inserted_dropout():
    torch.manual_seed(0)
    model = build_hourglass("tiny", joints=3, channels=4, input_size=64, stem_channels=(4, 4))
    insert_input_dropout(model, "outs.0", p=0.5, kind="dropout2d")
    assert "outs.0.1.weight" in model.state_dict()
    x = torch.randn(2, 3, 64, 64)
    result = mc_dropout(model, x, ["outs"], decode=lambda out: heatmap_argmax(out.heatmaps[-1]), passes=3, seed=0)
    assert result.variance.shape == (2, 3, 2) and result.score.shape == (2,)
    assert torch.isfinite(result.score).all() and (result.score >= 0).all()


def test_bad_input():
    model = _TwoPart(0.5, 0.5)
    with pytest.raises(ValueError, match="no dropout"):
        mc_dropout(model, torch.randn(2, 6), ["backbone.1"])
    with pytest.raises(ValueError, match="passes"):
        mc_dropout(model, torch.randn(2, 6), ["head"], passes=1)
    with pytest.raises(ValueError, match="replicate"):
        mc_dropout(model, (torch.randn(2, 6), 1), ["head"], replicate=True)
    with pytest.raises(ValueError, match="decode"):
        mc_dropout(model, torch.randn(2, 6), ["head"], decode=lambda out: 1.0)
    with pytest.raises(ValueError, match="name"):
        insert_input_dropout(model, "nothing.here")
    with pytest.raises(ValueError, match="p must"):
        insert_input_dropout(model, "head.1", p=1.0)
    with pytest.raises(ValueError, match="kind"):
        insert_input_dropout(model, "head.1", kind="alpha")
