"""Protocol switch: the records, the config field, and each setting reaching the code it names.

Expected values are the authors' (meghshukla/ActiveLearningForHumanPose, 2021 revision 7aac63c):
``draw_heatmap(sigma=1.75)`` with a ``ceil(6 sigma)``-odd window and ``hm_peak: 30``;
``ReduceLROnPlateau(factor=0.5, patience=8, cooldown=2, min_lr=[3e-6, lr])``;
``ShiftScaleRotate(shift_limit=0.15, scale_limit=0.25, rotate_limit=60)``, no flip;
``true_loss / (gt_per_img + 0.1)`` for the KL objective.
"""
import math

import numpy as np
import pytest
import torch

from pose.config import apply_overrides, load_config
from pose.data.transforms import AugmentSpec, gaussian_heatmaps, sample_augmentation, shift_matrix
from pose.heads import ConvLossHead
from gammaal.al.heads import HEADS
from pose.task import PoseTask
from pose.objectives import per_image_loss
from pose.protocol import (
    CALL_SITES,
    PROTOCOLS,
    Protocol,
    augment_spec,
    effective_protocol,
    protocol_table,
    ranking_target_options,
)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_records_hold_the_authors_values():
    a, s = PROTOCOLS["authors"], PROTOCOLS["standard"]
    size = math.ceil(6 * 1.75)  # their draw_heatmap: ceil(6 sigma), made odd
    assert a.heatmap_window == (size if size % 2 else size + 1) == 11 and a.heatmap_peak == 30.0
    assert (a.plateau_patience, a.plateau_cooldown, a.min_lr, a.head_lr_decays) == (8, 2, 3e-6, False)
    assert (a.rotation, a.shift, a.scale_range, a.flip_probability) == (60.0, 0.15, (0.75, 1.25), 0.0)
    assert (a.box_margin, a.box_margin_train) == (2.0, (1.5, 2.5))
    assert a.ranking_target["ll"] == "all_joint_mean" and a.ranking_target["llpp"] == "normalised"
    assert (s.pck_total, s.pck_boundary, s.heatmap_peak) == ("official", "le", 1.0)
    assert (a.pck_total, a.pck_boundary) == ("mean_of_joints", "lt")
    h = PROTOCOLS["authors_2022"]
    assert (h.fc_era, h.merge, h.ranking_target["ll"], h.plateau_patience) == ("head", "penultimate", "normalised", 5)
    # every setting is documented with the call site that reads it
    names = {f for f in Protocol.__dataclass_fields__ if f != "name"}
    assert names == set(CALL_SITES)


def test_table_lists_every_difference():
    table = protocol_table()
    for name in ("heatmap_peak", "pck_total", "plateau_patience", "merge", "fc_era", "crop padding"):
        assert name in table
    assert "| `scale_range` |" not in table  # equal in all three: not a difference


def test_config_field_and_overrides():
    assert load_config("mpii").protocol == "authors"
    assert load_config("lsp_lspet").protocol == "authors"
    config = load_config("synthetic")
    assert config.protocol == "standard"
    authors = apply_overrides(config, ["protocol=authors"])
    assert effective_protocol(authors).conv_reduce == "conv" and effective_protocol(authors).plateau_patience == 8
    assert effective_protocol(config).conv_reduce == "gap" and effective_protocol(config).plateau_patience == 5
    pinned = apply_overrides(authors, ["model.conv_reduce=gap", "train.plateau_patience=3"])
    assert (effective_protocol(pinned).conv_reduce, effective_protocol(pinned).plateau_patience) == ("gap", 3)
    with pytest.raises(ValueError, match="protocol"):
        apply_overrides(config, ["protocol=yoo"])
    with pytest.raises(ValueError, match="model.init_checkpoint"):
        apply_overrides(config, ["model.init_checkpoint=/nonexistent/x.pt"])


def test_switch_reaches_the_network():
    # What the engine builds from: the task's model and its head options for the llpp_conv head kind.
    config = apply_overrides(load_config("synthetic"), ["model.nstack=2", "active.strategies=[llpp_conv]",
                                                        "data.base_size=4", "data.pool_size=8", "data.test_size=2",
                                                        "active.budget=2"])
    for name, reduce, merge, widths in (("standard", None, "input", "paper"),
                                        ("authors", "conv", "input", "paper"),
                                        ("authors_2022", "conv", "penultimate", "head")):
        task = PoseTask(apply_overrides(config, [f"protocol={name}"]))
        head = HEADS["pose_conv"](len(task.head_taps["pose_conv"]), **task.head_options["pose_conv"])
        assert isinstance(head, ConvLossHead)
        assert (head.reducer is not None) == (reduce == "conv")
        assert task.build_model().hourglass.merge == merge and head.fc_era == widths


def test_pck_total_and_boundary_reach_the_task_metric():
    # Every prediction exactly 0.2 torso from the truth: correct under "<=" (standard), not under "<" (authors).
    config = apply_overrides(load_config("synthetic"), ["data.base_size=4", "data.pool_size=8", "data.test_size=3",
                                                        "active.budget=2"])
    for name, expected in (("standard", 1.0), ("authors", 0.0)):
        task = PoseTask(apply_overrides(config, [f"protocol={name}"]))
        test = task.data.test
        test.joints[:], test.norm[:] = 0.0, 10.0  # distances of exactly 0.2 * 10 = 2 in floating point
        outputs = np.zeros_like(test.joints)
        outputs[..., 0] = 2.0
        assert task.metric(outputs, test) == expected
        outputs[..., 0] = 1.0
        assert task.metric(outputs, test) == 1.0


def test_heatmap_augmentation_and_invisible_joint_switches_reach_the_data_and_the_loss():
    config = apply_overrides(load_config("synthetic"), ["data.base_size=4", "data.pool_size=8", "data.test_size=3",
                                                        "active.budget=2", "data.augment=true"])
    targets = {}
    for name in ("standard", "authors"):
        p = PROTOCOLS[name]
        task = PoseTask(apply_overrides(config, [f"protocol={name}"]))
        for view in (task.data.train_view, task.data.eval_view, task.data.test):
            for ds in view.datasets:
                assert (ds.heatmap_peak, ds.heatmap_window) == (p.heatmap_peak, p.heatmap_window)
                assert ds.augment_spec == augment_spec(p)
        item = task.data.eval_view[0]
        targets[name] = item["target"]
        assert float(item["target"].max()) == pytest.approx(p.heatmap_peak, rel=0.2)  # peak near a joint centre
        # The heatmap loss with every joint marked invisible: the authors train them (towards zero maps),
        # the standard protocol masks them out.
        with torch.no_grad():
            out = task.build_model().eval()(item["image"][None])
        loss = task.loss(out, (item["target"][None] * 0, torch.zeros(1, item["target"].shape[0])))
        assert (float(loss) > 0) == p.train_invisible_joints
    window = PROTOCOLS["authors"].heatmap_window
    support = {name: int((t[0] > 0).sum()) for name, t in targets.items()}
    assert support["authors"] <= window * window and support["authors"] < support["standard"]


def test_heatmap_peak_and_window_by_hand():
    sigma = 1.75
    maps, inside = gaussian_heatmaps(np.array([[10.3, 7.8]]), np.array([True]), 64, sigma=sigma, peak=30.0, window=11)
    assert inside.tolist() == [True]
    # rint(10.3) = 10, rint(7.8) = 8: support x in 5..15, y in 3..13
    def g(x, y):
        return 30.0 * math.exp(-((x - 10.3) ** 2 + (y - 7.8) ** 2) / (2 * sigma**2))
    assert maps[0, 8, 15] == pytest.approx(g(15, 8), rel=1e-6)
    assert maps[0, 13, 5] == pytest.approx(g(5, 13), rel=1e-6)
    assert maps[0, 8, 16] == 0.0 and maps[0, 14, 10] == 0.0 and maps[0, 2, 10] == 0.0
    assert maps.max() == pytest.approx(g(10, 8), rel=1e-6)
    assert np.count_nonzero(maps[0]) == 121
    unbounded, _ = gaussian_heatmaps(np.array([[10.3, 7.8]]), np.array([True]), 64, sigma=sigma)
    assert unbounded[0, 8, 16] == pytest.approx(g(16, 8) / 30.0, rel=1e-6)
    with pytest.raises(ValueError, match="window"):
        gaussian_heatmaps(np.zeros((1, 2)), np.array([True]), 8, window=4)
    with pytest.raises(ValueError, match="peak"):
        gaussian_heatmaps(np.zeros((1, 2)), np.array([True]), 8, peak=0.0)


def test_augmentation_spec_ranges():
    spec = augment_spec(PROTOCOLS["authors"])
    assert spec == AugmentSpec(rotation=60.0, scale_range=(0.75, 1.25), flip_probability=0.0, shift=0.15)
    rng = np.random.default_rng(0)
    draws = [sample_augmentation(rng, spec) for _ in range(2000)]
    rot = np.array([d.rotation for d in draws])
    shifts = np.array([d.shift for d in draws])
    assert not any(d.flip for d in draws)
    assert rot.min() >= -60 and rot.max() <= 60 and rot.max() > 55 and rot.min() < -55
    assert np.abs(shifts).max() <= 0.15 and np.abs(shifts).max() > 0.14
    # The default spec keeps the stream it had before shifts existed (three uniforms per draw).
    a = sample_augmentation(np.random.default_rng(5))
    u = np.random.default_rng(5).random(3)
    assert a.rotation == pytest.approx((2 * u[0] - 1) * 30) and a.flip == (u[2] < 0.5) and a.shift == (0.0, 0.0)
    np.testing.assert_allclose(shift_matrix((0.1, -0.2), 256), [[1, 0, 25.6], [0, 1, -51.2]])
    with pytest.raises(ValueError, match="shift"):
        AugmentSpec(shift=1.5)


def test_ranking_targets_by_hand():
    # Two images, three joints, one stack; per-joint MSEs chosen through constant maps.
    target = torch.zeros(2, 3, 2, 2)
    pred = torch.tensor([[1.0, 2.0, 3.0], [2.0, 0.0, 4.0]]).sqrt()[:, :, None, None].expand(2, 3, 2, 2)
    visible = torch.tensor([[True, True, False], [True, False, False]])
    annotated = torch.tensor([[True, True, True], [True, False, False]])
    losses = {}
    for name in ("authors", "standard"):
        for kind in ("ll", "llpp"):
            opts = ranking_target_options(PROTOCOLS[name], kind, visible, annotated)
            losses[name, kind] = per_image_loss([pred], target, **opts).tolist()
    # authors LL: all-joint mean (1+2+3)/3 = 2, (2+0+4)/3 = 2
    assert losses["authors", "ll"] == pytest.approx([2.0, 2.0])
    # authors LL++: that / (annotated + 0.1) = 2 / 3.1, 2 / 1.1
    assert losses["authors", "llpp"] == pytest.approx([2 / 3.1, 2 / 1.1])
    # standard: masked mean over visible: (1+2)/2 = 1.5, 2/1 = 2
    assert losses["standard", "ll"] == pytest.approx([1.5, 2.0]) == losses["standard", "llpp"]


def test_readme_table_is_the_records():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert protocol_table() in readme


def test_authors_schedule_pins_the_head_lr():
    from pose.schedule import build_optimizer

    backbone, heads = torch.nn.Linear(2, 2), torch.nn.ModuleDict({"llpp": torch.nn.Linear(2, 1)})
    optimizer, scheduler = build_optimizer(backbone, heads, PROTOCOLS["authors"], lr=3e-4)
    reductions, lrs = [], []
    for epoch in range(1, 90):  # 7 halvings reach the 3e-6 floor: epochs 10, 21, ..., 76
        before = optimizer.param_groups[0]["lr"]
        scheduler.step(1.0)  # never improves after the first epoch
        if optimizer.param_groups[0]["lr"] < before:
            reductions.append(epoch)
        lrs.append([g["lr"] for g in optimizer.param_groups])
    # By hand from ReduceLROnPlateau's rule: the first call sets the best; 9 bad epochs (> patience 8)
    # reduce at epoch 10; cooldown 2 zeroes the count for 2 epochs, so the next come 11 later.
    assert reductions[:3] == [10, 21, 32]
    assert lrs[-1][0] == pytest.approx(3e-6) and all(lr[1] == 3e-4 for lr in lrs)  # floor; head never decays
    optimizer, scheduler = build_optimizer(backbone, heads, PROTOCOLS["standard"], lr=3e-4)
    for _ in range(7):
        scheduler.step(1.0)  # patience 5, no cooldown: reduce at call 7, both groups
    assert [g["lr"] for g in optimizer.param_groups] == pytest.approx([1.5e-4, 1.5e-4])
    with pytest.raises(ValueError, match="lr"):
        build_optimizer(backbone, None, PROTOCOLS["standard"], lr=0.0)


@pytest.mark.parametrize("dataset,loader,expected", [
    ("lsp_lspet", "LSPDataset", {"box_margin": (2.0, 1.25)}),
    ("mpii", "MPIIDataset", {"head_size_factor": (1.0, 0.6), "head_towards_neck": (0.2, 0.0),
                             "occluded": ("zero_target", "trained")}),
])
def test_loader_switches_reach_the_dataset_constructors(monkeypatch, tmp_path, dataset, loader, expected):
    import pose.data
    from pose.datasets import prepare_data

    class Built(Exception):
        pass

    seen = {}

    def record(*args, **kwargs):
        seen.update(kwargs)
        raise Built

    monkeypatch.setattr(pose.data, loader, record)
    config = load_config(dataset)
    for position, name in enumerate(("authors", "standard")):
        seen.clear()
        with pytest.raises(Built):
            prepare_data(apply_overrides(config, [f"protocol={name}", f"data.root={tmp_path}"]))
        assert {key: seen[key] for key in expected} == {key: values[position] for key, values in expected.items()}


def test_ranking_targets_follow_the_protocol_per_head():
    # By hand: the all-joint mean of (prediction - target)^2 over joints and pixels, averaged over stacks; the
    # authors' LL++ target divides it by (joints with a target + 0.1); the standard one masks invisible joints.
    config = apply_overrides(load_config("synthetic"), ["data.base_size=4", "data.pool_size=8", "data.test_size=2",
                                                        "active.budget=2"])
    g = torch.Generator().manual_seed(0)
    target = torch.rand(3, 14, 16, 16, generator=g)
    stacks = [torch.rand(3, 14, 16, 16, generator=g) for _ in range(2)]
    visible = (torch.rand(3, 14, generator=g) < 0.6).float()
    prediction = type("Out", (), {"heatmaps": stacks})()
    squared = torch.stack([(h - target) ** 2 for h in stacks])  # (stack, B, J, h, w)
    all_joint = squared.mean(dim=(2, 3, 4)).mean(0)
    per_joint = squared.mean(dim=(3, 4))  # (stack, B, J)
    visible_mean = ((per_joint * visible).sum(-1) / visible.sum(-1).clamp(min=1)).mean(0)
    for name, expected in (("authors", {"ll": all_joint, "llpp": all_joint / (visible.sum(-1) + 0.1)}),
                           ("standard", {"ll": visible_mean, "llpp": visible_mean})):
        task = PoseTask(apply_overrides(config, [f"protocol={name}"]))
        loss = torch.full((3,), -1.0)  # a head without a rule gets the task loss
        got = task.ranking_targets(prediction, (target, visible), loss, ("ll", "llpp", "other"))
        for head, want in expected.items():
            torch.testing.assert_close(got[head], want, rtol=1e-5, atol=1e-7)
        assert got["other"] is loss


def test_plateau_monitor_reaches_the_engine_settings_and_the_task():
    from pose.task import engine_settings

    config = apply_overrides(load_config("synthetic"), ["data.base_size=4", "data.pool_size=8", "data.test_size=2",
                                                        "active.budget=2"])
    for name, monitor in (("authors", "validation"), ("standard", "train")):
        chosen = apply_overrides(config, [f"protocol={name}"])
        task = PoseTask(chosen)
        settings = engine_settings(chosen)
        assert settings["plateau_monitor"] == monitor
        assert (task.validation is task.test) == (monitor == "validation")
        p = PROTOCOLS[name]
        assert (settings["plateau_cooldown"], settings["min_lr"], settings["head_lr_decays"]) == \
            (p.plateau_cooldown, p.min_lr, p.head_lr_decays)
