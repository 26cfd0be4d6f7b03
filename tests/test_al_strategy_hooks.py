"""The engine's strategy hooks on a toy regressor: per_item scoring (with prepare), auxiliary heads with their own
loss, adapt_model, MC-dropout on RegressionTask and ll_gamma through the engine."""
import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import TensorDataset

import gammaal.al as al
from gammaal.al.heads import AUXILIARY_HEADS, AuxiliaryHead, pool_features
from gammaal.al.loss_prediction import LossPredictionModel
from gammaal.al.strategies import ScoreStrategy, Scores, mc_dropout_variance, register_strategy

SETTINGS = dict(cycles=1, budget=4, epochs=1, batch_size=8, lr=1e-2, device="cpu", threads=1)


def build_model(dropout=True):
    layers = [nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU()]
    return nn.Sequential(*layers, *([nn.Dropout(0.2)] if dropout else []), nn.Linear(8, 1))


def toy_task(dropout=True):
    g = torch.Generator().manual_seed(0)
    x = torch.rand(60, 3, generator=g) * 2 - 1
    y = x.sum(dim=1, keepdim=True) + (0.05 + x[:, :1].abs()) * torch.randn(60, 1, generator=g)
    return al.RegressionTask(lambda: build_model(dropout), ["3"], TensorDataset(x[:8], y[:8]),
                             TensorDataset(x[8:44], y[8:44]), TensorDataset(x[44:], y[44:]))


@AUXILIARY_HEADS.register("test_target")
class TargetHead(AuxiliaryHead):
    """Predicts y from the detached taps, trained by MSE against the task's targets."""

    def __init__(self, num_taps):
        super().__init__()
        self.linear = nn.LazyLinear(1)

    def forward(self, features, names=None):
        return self.linear(pool_features(features, names))

    def loss(self, output, prediction, targets):
        return (output - targets.float()).square().mean()


@register_strategy
class ProbeStrategy(ScoreStrategy):
    """Scores = |auxiliary output − prediction| + the labelled-set size from prepare (alignment probe)."""

    name = "test_probe"
    label = "probe"
    needs = frozenset({"per_item"})
    auxiliary = "test_target"

    def prepare(self, network, task, labelled, measure):
        return len(measure(labelled).true_loss)

    def per_item(self, batch):
        return (batch.auxiliary[self.name] - batch.prediction).abs().squeeze(1) + batch.state

    def score(self, scores: Scores):
        return scores.per_item


HOOKED = ["test_probe", "mc_dropout", "ll_gamma"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    return al.run(toy_task(), tmp_path_factory.mktemp("hooks") / "run", HOOKED, **SETTINGS, mc_passes=6)


def test_per_item_prepare_and_auxiliary_head_through_the_engine(reference):
    task = toy_task()
    record = reference.records["test_probe"][0][0]
    state = torch.load(reference.out_dir / "test_probe" / "seed_0" / "trained_00.pt", weights_only=False)["network"]
    network = LossPredictionModel(build_model(), ["3"], heads={}, auxiliary={"test_probe": "test_target"})
    network.initialize(task.labelled.tensors[0][:2])
    network.load_state_dict(state)
    network.eval()
    x = task.pool.tensors[0][record.candidates]
    with torch.no_grad():
        prediction, _ = network(x)
    expected = (network.auxiliary_outputs["test_probe"] - prediction).abs().squeeze(1) + 8  # 8 labelled at cycle 0
    np.testing.assert_allclose(record.scores, expected.numpy(), rtol=1e-5)
    order = np.argsort(-np.asarray(record.scores), kind="stable")[:4]
    assert [record.candidates[p] for p in order] == record.selected


def test_auxiliary_head_trains_on_detached_features_only():
    torch.manual_seed(0)
    network = LossPredictionModel(build_model(), ["3"], heads={}, auxiliary={"aux": "test_target"})
    x, y = torch.randn(16, 3), torch.randn(16, 1)
    network.initialize(x[:2])
    prediction, predicted = network(x)
    assert predicted == {} and network.auxiliary_outputs["aux"].shape == (16, 1)
    loss = network.auxiliary_loss(prediction, y)
    expected = (network.auxiliary_outputs["aux"] - y).square().mean()
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)
    loss.backward()
    assert network.auxiliary["aux"].linear.weight.grad.abs().sum() > 0
    assert all(p.grad is None for p in network.model.parameters())  # the head never trains the model
    assert LossPredictionModel(build_model(), ["3"], heads={}).auxiliary_loss(prediction, y) is None
    with pytest.raises(ValueError, match="auxiliary head"):
        LossPredictionModel(build_model(), ["3"], auxiliary={"aux": "no_such_head"})
    with pytest.raises(ValueError, match="gamma_quantile"):
        LossPredictionModel(build_model(), ["3"], gamma_quantile=1.0)


def test_mc_dropout_on_a_regression_task(reference, tmp_path):
    result = reference
    record = result.records["mc_dropout"][0][0]
    scores = np.asarray(record.scores)
    assert scores.shape == (36,) and (scores > 0).all()
    order = np.argsort(-scores, kind="stable")[:4]
    assert [record.candidates[p] for p in order] == record.selected
    gamma = result.records["ll_gamma"][0][0]
    assert gamma.scores == gamma.predicted_loss and gamma.correlation is not None
    with pytest.raises(ValueError, match="mc_samples.*no dropout"):  # when its own network is built
        al.run(toy_task(dropout=False), tmp_path / "plain", ["mc_dropout"], **SETTINGS)
    assert not (tmp_path / "plain" / "mc_dropout" / "seed_0" / "trained_00.pt").exists()
    with pytest.raises(ValueError, match="gamma_quantile"):
        al.run(toy_task(), tmp_path / "bad", ["ll_gamma"], **SETTINGS, gamma_quantile=0.0)


def test_mc_dropout_variance_against_a_loop():
    rng = np.random.default_rng(2)
    samples = rng.normal(size=(5, 7, 3, 2))
    got = mc_dropout_variance(samples)
    for n in range(7):
        values = [samples[:, n].reshape(5, -1)[:, d] for d in range(6)]
        expected = np.mean([sum((v - v.mean()) ** 2) / 4 for v in values])
        assert got[n] == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ValueError, match="T >= 2"):
        mc_dropout_variance(samples[:1])
    with pytest.raises(ValueError, match="NaN"):
        mc_dropout_variance(np.full((2, 3), np.nan))


class Killed(Exception):
    """Stands in for SIGKILL: raised from the step hook, after the step's files are complete."""


def test_hooked_strategies_resume_exactly(reference, tmp_path):
    strategies = HOOKED
    out = tmp_path / "killed"

    def die(strategy, seed, cycle, step):
        raise Killed

    for attempt in range(30):
        try:
            result = al.run(toy_task(), out, strategies, resume=attempt > 0, hook=die, **SETTINGS, mc_passes=6)
            break
        except Killed:
            continue
    else:
        pytest.fail("the run never finished")
    for strategy in strategies:
        for got, want in zip(result.records[strategy][0], reference.records[strategy][0], strict=True):
            assert (got.selected, got.scores, got.test_metric) == (want.selected, want.scores, want.test_metric)


def test_registration_checks_the_hooks():
    with pytest.raises(ValueError, match="per_item"):
        @register_strategy
        class NoPerItem(ScoreStrategy):
            name, label, needs = "test_no_per_item", "x", frozenset({"per_item"})

            def score(self, scores):
                return scores.per_item
    with pytest.raises(ValueError, match="does not define score"):
        @register_strategy
        class NoScore(ScoreStrategy):
            name, label = "test_no_score", "x"
