"""Training details every task gets: the plateau schedule's cooldown, floor and pinned head learning rate, and
per-head ranking targets (what a task hands each loss head to rank)."""
import pytest
import torch
from torch import nn
from torch.utils.data import TensorDataset

import gammaal.al as al
from gammaal.al.distributed import DistributedContext
from gammaal.al.objectives import OBJECTIVES
from gammaal.al.training import Optimisation, train_network


class Toy(al.RegressionTask):
    """A regression task whose second head learns a different target: twice the loss."""

    def ranking_targets(self, prediction, targets, loss, heads):
        return {name: (2 * loss if name == "llpp" else loss) for name in heads}


def toy(task_class=al.RegressionTask):
    g = torch.Generator().manual_seed(0)
    x = torch.rand(40, 3, generator=g)
    y = x.sum(1, keepdim=True) + 0.1 * torch.randn(40, 1, generator=g)
    data = TensorDataset(x, y)
    return task_class(lambda: nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1)), ["1"], data, data, data)


def network(task, heads=("ll", "llpp")):
    torch.manual_seed(0)
    net = al.LossPredictionModel(task.build_model(), task.taps, heads={h: ("gap", h) for h in heads})
    net.initialize(torch.zeros(2, 3), seed=0)
    return net


def test_pinned_head_lr_cooldown_and_floor(monkeypatch):
    task = toy()
    opt = Optimisation(epochs=12, batch_size=8, lr=1e-2, plateau_patience=0, plateau_factor=0.5, plateau_cooldown=2,
                       min_lr=3e-3, head_lr_decays=False)
    net = network(task)
    record = train_network(net, task.labelled, task, opt, DistributedContext(), seed=0, progress=False)
    lrs = [e.lr for e in record.history]
    # The model's group decays by halves, never below the floor, and waits `cooldown` epochs after each cut.
    assert lrs[0] == 1e-2 and min(lrs) == pytest.approx(3e-3) and all(b <= a for a, b in zip(lrs, lrs[1:]))
    cuts = [i for i in range(1, len(lrs)) if lrs[i] < lrs[i - 1]]
    assert cuts and all(b - a >= 3 for a, b in zip(cuts, cuts[1:]))
    # Rebuild the same run to read both groups at the end: the heads' group stays at lr.
    net2 = network(task)
    captured = {}
    original = torch.optim.lr_scheduler.ReduceLROnPlateau.step

    def spy(self, metrics):
        captured["groups"] = [g["lr"] for g in self.optimizer.param_groups]
        return original(self, metrics)

    monkeypatch.setattr(torch.optim.lr_scheduler.ReduceLROnPlateau, "step", spy)
    train_network(net2, task.labelled, task, opt, DistributedContext(), seed=0, progress=False)
    model_lr, head_lr = captured["groups"]
    assert head_lr == 1e-2 and model_lr < 1e-2
    with pytest.raises(ValueError, match="min_lr: must be <= lr"):
        al.RunSettings.create(strategies=["ll"], cycles=1, budget=1, seeds=1, epochs=1, batch_size=2, lr=1e-3,
                              min_lr=1e-2)


def test_each_head_ranks_the_target_its_task_gives_it():
    task = toy(Toy)
    net = network(task)
    x, y = task.labelled.tensors
    with torch.no_grad():
        prediction, predicted = net(x[:8])
    loss = task.loss(prediction, y[:8]).float()
    targets = task.ranking_targets(prediction, y[:8], loss, tuple(net.heads))
    got = net.ranking_loss(predicted, targets)
    want = (OBJECTIVES["ll"](predicted["ll"].float(), loss.detach(), 1.0)
            + OBJECTIVES["llpp"](predicted["llpp"].float(), 2 * loss.detach(), 1.0))
    assert float(got) == pytest.approx(float(want), rel=1e-6)
    # The default hands every head the task loss.
    same = net.ranking_loss(predicted, loss)
    assert float(same) == pytest.approx(float(OBJECTIVES["ll"](predicted["ll"].float(), loss.detach(), 1.0)
                                              + OBJECTIVES["llpp"](predicted["llpp"].float(), loss.detach(), 1.0)),
                                        rel=1e-6)


def test_validation_monitor_watches_the_validation_loss_and_keeps_its_best_epoch():
    task = toy()
    g = torch.Generator().manual_seed(1)
    x = torch.rand(16, 3, generator=g)
    task.validation = TensorDataset(x, x.sum(1, keepdim=True))
    opt = Optimisation(epochs=6, batch_size=8, lr=5e-2, plateau_patience=1, monitor="validation", keep_best=True)
    net = network(task)
    record = train_network(net, task.labelled, task, opt, DistributedContext(), seed=0, progress=False)
    losses = [e.validation_loss for e in record.history]
    assert all(v is not None and v > 0 for v in losses)
    assert record.best_epoch == int(torch.tensor(losses).argmin())
    # The restored weights are the best epoch's: their validation loss is the smallest one recorded.
    with torch.no_grad():
        restored = task.loss(net(x)[0], x.sum(1, keepdim=True)).mean()
    assert float(restored) == pytest.approx(min(losses), rel=1e-5)
    with pytest.raises(ValueError, match="plateau_monitor: 'validation' needs a task with a validation set"):
        al.run(toy(), "/nonexistent/out", ["random"], cycles=1, budget=1, seeds=1, epochs=1, batch_size=4, lr=1e-3,
               plateau_monitor="validation")
