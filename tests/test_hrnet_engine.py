"""HRNet at engine level: a 2-cycle micro run (``model.backbone: hrnet``, a tiny HRNet) of every strategy it supports."""
import json

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

import gammaal.al as al
from gammaal.al.engine import build_network
from gammaal.al.settings import RunSettings
from gammaal.al.strategies import STRATEGIES
from pose.config import config_from_dict, config_to_dict
from pose.task import PoseTask, engine_settings
from pose_micro import micro

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY_HRNET = {"width": 4, "blocks": 1, "stem_channels": 8, "stage1_planes": 4, "modules": (1, 1, 1, 1)}
"""Widths 4, 8, 16, 32 (stage-3 maps 4, 8, 16 channels), one block and one module per stage."""
STAGE3 = ["stage3.0", "stage3.1", "stage3.2"]
REFUSED = {"llpp_conv"}  # its conv fusion needs equal-width multi-scale maps; HRNet's branches differ
SHIPPED = [name for name in STRATEGIES.names() if type(STRATEGIES[name]).__module__.split(".")[0] in ("gammaal", "pose")]
"""The registered strategies the packages ship (other test modules register probes in the same registry)."""
SUPPORTED = [name for name in SHIPPED if name not in REFUSED]
LEARNING_LOSS = [name for name in SUPPORTED if STRATEGIES[name].head is not None]
AUXILIARY = [name for name in SUPPORTED if STRATEGIES[name].auxiliary is not None]
CYCLES, BUDGET, BASE, POOL = 2, 2, 4, 12


def _config(strategies):
    return config_from_dict(micro(model={"backbone": "hrnet"},
                                  active={"strategies": strategies, "cycles": CYCLES, "budget": BUDGET}))


def _task(config):
    return PoseTask(config, backbone_options=TINY_HRNET)


@pytest.fixture(scope="module")
def hrnet_run(tmp_path_factory):
    config = _config(SUPPORTED)
    task = _task(config)
    out = tmp_path_factory.mktemp("hrnet_engine") / "run"
    return config, task, al.run(task, out, progress=False, metadata={"config": config_to_dict(config)},
                                **engine_settings(config))


def test_the_task_builds_the_tiny_hrnet_behind_its_adapter(hrnet_run):
    assert len(SHIPPED) >= 11 and REFUSED < set(SHIPPED)
    _, task, _ = hrnet_run
    assert task.backbone == "hrnet"
    model = task.build_model()
    assert model.hrnet.stage3_channels == (4, 8, 16) and model.hrnet.joints == 14
    assert task.taps == STAGE3 and task.embedding_taps == ["stage3.2"]  # the micro preset's "bottleneck"


def test_every_supported_strategy_writes_its_records_and_checkpoints(hrnet_run):
    _, _, result = hrnet_run
    assert sorted(result.records) == sorted(SUPPORTED)
    for name in SUPPORTED:
        directory = result.out_dir / name / "seed_0"
        assert sorted(p.name for p in directory.glob("cycle_*.json")) == [f"cycle_{c:02d}.json"
                                                                         for c in range(CYCLES + 1)]
        assert sorted(p.name for p in directory.glob("trained_*.pt")) == [f"trained_{c:02d}.pt"
                                                                         for c in range(CYCLES + 1)]
        assert json.loads((directory / "state.json").read_text())["step"] == "finished"
        records = result.records[name][0]
        assert [r.cycle for r in records] == list(range(CYCLES + 1))
        assert [r.num_labelled for r in records] == [BASE + BUDGET * c for c in range(CYCLES + 1)]
        assert all(np.isfinite(r.test_metric) and 0 <= r.test_metric <= 1 for r in records)


def test_selections_are_new_unlabelled_items_of_the_budget_size(hrnet_run):
    _, _, result = hrnet_run
    for name in SUPPORTED:
        records = result.records[name][0]
        labelled = set()  # pool positions; the base set is not part of the pool
        for r in records[:CYCLES]:
            assert len(r.selected) == BUDGET and len(set(r.selected)) == BUDGET, name
            assert set(r.selected) <= set(r.candidates), name
            assert set(r.candidates) == set(range(POOL)) - labelled, name  # every unlabelled item was scored
            assert labelled.isdisjoint(r.selected), name
            labelled |= set(r.selected)
        assert records[CYCLES].selected == []


def test_learning_loss_strategies_select_their_top_predicted_losses(hrnet_run):
    _, _, result = hrnet_run
    assert {"ll", "llpp", "ll_gamma"} <= set(LEARNING_LOSS)
    for name in LEARNING_LOSS:
        for r in result.records[name][0][:CYCLES]:
            predicted = np.asarray(r.predicted_loss)
            assert predicted.shape == (len(r.candidates),) and np.isfinite(predicted).all()
            order = np.argsort(-predicted, kind="stable")
            assert predicted[order[BUDGET - 1]] > predicted[order[BUDGET]], name  # no tie at the cut-off
            assert sorted(r.selected) == sorted(r.candidates[p] for p in order[:BUDGET]), name
            assert r.correlation is not None


def _rebuilt(task, config, result, name, cycle):
    """The strategy's network of ``cycle``: built as the engine builds it, loaded (strictly) from its checkpoint."""
    settings = RunSettings.create(**engine_settings(config))
    network = build_network(task, settings, [name], seed=0)
    state = torch.load(result.out_dir / name / "seed_0" / f"trained_{cycle:02d}.pt", weights_only=False)["network"]
    network.load_state_dict(state)
    return network.eval()


def test_heads_read_the_hrnet_stage3_branches(hrnet_run):
    config, task, result = hrnet_run
    assert {"aleatoric", "vl4pose"} <= set(AUXILIARY)
    batch = next(iter(DataLoader(task.pool, batch_size=3)))
    for name in AUXILIARY + LEARNING_LOSS:
        network = _rebuilt(task, config, result, name, cycle=1)
        hrnet = network.model.hrnet
        with torch.no_grad():
            _, predicted = network(batch["image"])
            direct = hrnet(batch["image"])  # the three stage-3 branch maps, finest first: 4, 8, 16 channels
        assert [tuple(f.shape[1:]) for f in direct.stage3] == [(4, 16, 16), (8, 8, 8), (16, 4, 4)]
        if name in AUXILIARY:
            assert network.auxiliary_taps[name] == STAGE3
            with torch.no_grad():
                expected = network.auxiliary[name](list(direct.stage3), STAGE3)
            assert torch.allclose(network.auxiliary_outputs[name], expected)
        else:
            assert network.head_taps[name] == STAGE3
            with torch.no_grad():
                expected = network.heads[name](list(direct.stage3), STAGE3)
            assert torch.allclose(predicted[name], expected)
        assert torch.allclose(network.embedding, direct.stage3[2].mean(dim=(2, 3)))  # core-set's embedding


def test_aleatoric_selects_the_highest_mean_predicted_log_variance(hrnet_run):
    config, task, result = hrnet_run
    record = result.records["aleatoric"][0][1]
    network = _rebuilt(task, config, result, "aleatoric", cycle=1)
    candidates = torch.utils.data.Subset(task.pool, record.candidates)
    batch = next(iter(DataLoader(candidates, batch_size=len(candidates))))
    with torch.no_grad():
        network(batch["image"])
    mean_s = network.auxiliary_outputs["aleatoric"].mean(dim=1).double().numpy()
    assert np.allclose(record.scores, mean_s, rtol=1e-4, atol=1e-6)
    order = np.argsort(-mean_s, kind="stable")
    assert sorted(record.selected) == sorted(record.candidates[p] for p in order[:BUDGET])


def test_only_llpp_conv_is_refused_on_hrnet(tmp_path):
    config = _config(SUPPORTED)
    task = _task(config)
    settings = RunSettings.create(**engine_settings(config))
    refused = set()
    for name in SHIPPED:
        try:
            build_network(task, settings, [name], seed=0)
        except ValueError as exc:
            assert "pose_conv" in str(exc) and "offers none" in str(exc)
            refused.add(name)
    assert refused == REFUSED
    conv = _config(["llpp_conv"])
    with pytest.raises(ValueError, match=r"head 'pose_conv' \(LL\+\+conv\) needs equal-width multi-scale maps"):
        al.run(_task(conv), tmp_path / "conv", progress=False, **engine_settings(conv))
    assert not (tmp_path / "conv" / "llpp_conv" / "seed_0" / "cycle_00.json").exists()
