"""Resume planning on hand-made run directories (no training): what may change, where each run picks up."""
import json

import numpy as np
import pytest

from pose.checkpoint import CorruptRunFile, atomic_write_json
from pose.config import config_from_dict
from pose.provenance import current_settings, settings_differences
from gammaal.al.resume import read_state, resume_point
from pose.resume import plan_resume

from pose_micro import micro

SAVED = config_from_dict(micro(active={"strategies": ["random", "llpp"]}))


def requested(**sections):
    return config_from_dict(micro(**{"active": {"strategies": ["random", "llpp"]}, **sections}))


def test_resume_applies_device_threads_and_new_strategies_or_seeds(tmp_path):
    plan = plan_resume(SAVED, requested(train={"threads": 2}), tmp_path)
    assert plan.config.train.threads == 2 and plan.changes == ["train.threads 1 -> 2"]
    plan = plan_resume(SAVED, requested(train={"device": "auto"}), tmp_path)
    assert plan.config.train.device == "auto"
    plan = plan_resume(SAVED, requested(seeds=3, active={"strategies": ["coreset", "llpp"]}), tmp_path)
    # The run keeps all it has (random too) and gains what was asked; this invocation runs what was asked.
    assert plan.config.active.strategies == ["random", "llpp", "coreset"] and plan.config.seeds == 3
    assert plan.strategies == ["coreset", "llpp"] and plan.seeds == [0, 1, 2]
    plan = plan_resume(config_from_dict(micro(seeds=3)), config_from_dict(micro(seeds=1)), tmp_path)
    assert plan.config.seeds == 3 and plan.seeds == [0]


@pytest.mark.parametrize("change,flag,field", [
    ({"train": {"epochs": 3}}, "--resume", "train.epochs"),
    ({"seed": 4}, "--seed", "seed"),
    ({"model": {"margin": 0.5}}, "--resume", "model.margin"),
    ({"active": {"budget": 1}}, "--resume", "active.budget"),
])
def test_resume_refuses_other_changes_naming_the_flag(tmp_path, change, flag, field):
    with pytest.raises(ValueError) as info:
        plan_resume(SAVED, requested(**change), tmp_path)
    assert str(info.value).startswith(f"{flag}: cannot change {field} of the run in {tmp_path}")
    with pytest.raises(ValueError, match=rf"^--set {field}: cannot change {field}"):
        plan_resume(SAVED, requested(**change), tmp_path, source_of=lambda name: f"--set {name}")


def test_resume_refuses_a_strategy_whose_head_the_shared_base_lacks(tmp_path):
    atomic_write_json(tmp_path / "base" / "seed_0" / "state.json", {"cycle": 0, "step": "trained", "heads": ["llpp"]})
    with pytest.raises(ValueError, match=r"^--strategy: ll needs its own loss head, which the shared base model "
                                         r"of seed 0 .* lacks \(trained with heads: llpp\)"):
        plan_resume(SAVED, requested(active={"strategies": ["random", "llpp", "ll"]}), tmp_path)
    # Without a shared base, or before it is trained, any strategy can join.
    assert plan_resume(SAVED, requested(active={"strategies": ["random", "llpp", "ll"]}), tmp_path / "new").changes
    assert plan_resume(SAVED, requested(active={"strategies": ["coreset"]}), tmp_path).strategies == ["coreset"]


def _seed_dir(root, state, records=(), checkpoints=()):
    root.mkdir(parents=True)
    atomic_write_json(root / "state.json", state)
    for c in records:
        atomic_write_json(root / f"cycle_{c:02d}.json", {"cycle": c})
    for c in checkpoints:
        (root / f"trained_{c:02d}.pt").write_bytes(b"")  # only existence decides the resume point
    return read_state(root / "state.json", 10, "fix")


# stage of each of 10 images: base 0-3, stage 1 = images 4-5, stage 2 = images 6-7
ACQUIRED = [0, 0, 0, 0, 1, 1, 2, 2, -1, -1]


@pytest.mark.parametrize("state,records,checkpoints,finetune,expected", [
    (("selected", 1), (0, 1), (0, 1), True, (2, "train", 2)),
    (("trained", 1), (0,), (0, 1), True, (1, "select", 1)),
    (("selected", 1), (0, 1), (0,), True, (1, "train", 1)),  # trained_01.pt deleted: retrain cycle 1
    (("selected", 1), (0, 1), (), True, (0, "train", 0)),  # nothing to fine-tune from: from the start
    (("selected", 1), (0, 1), (), False, (2, "train", 2)),  # training from scratch needs no weights
    (("selected", 1), (1,), (0, 1), True, (0, "select", 0)),  # cycle_00.json deleted: select again at 0
    (("finished", 2), (0, 1, 2), (), True, (2, "done", 2)),
])
def test_resume_point_recomputes_what_is_missing(tmp_path, state, records, checkpoints, finetune, expected):
    step, cycle = state
    loaded = _seed_dir(tmp_path / "s", {"cycle": cycle, "step": step,
                                        "labelled": {"size": 10, "acquired_at": ACQUIRED}}, records, checkpoints)
    point = resume_point(tmp_path / "s", loaded, cycles=2, finetune=finetune)
    assert (point.cycle, point.step) == expected[:2]
    # Images acquired after the resumed cycle are unlabelled again (the steps that follow re-select them).
    keep = np.asarray(ACQUIRED) <= expected[2]
    assert point.acquired_at.tolist() == np.where(keep, ACQUIRED, -1).tolist()


def test_corrupt_state_or_record_names_the_file(tmp_path):
    root = tmp_path / "s"
    _seed_dir(root, {"cycle": 1, "step": "selected", "labelled": {"size": 10, "acquired_at": ACQUIRED}},
              (0, 1), (0, 1))
    (root / "cycle_01.json").write_text('{"cycle": 1, "sel')
    state = read_state(root / "state.json", 10, "fix")
    with pytest.raises(CorruptRunFile) as info:
        resume_point(root, state, cycles=2, finetune=True)
    assert str(info.value).startswith(f"{root / 'cycle_01.json'}: truncated or corrupt (JSONDecodeError")
    assert str(info.value).endswith("delete it and resume to recompute cycle 1 and the cycles after it")
    (root / "state.json").write_text(json.dumps({"cycle": 1}))
    with pytest.raises(CorruptRunFile, match="state.json: truncated or corrupt .*; delete it"):
        read_state(root / "state.json", 10, "delete it")
    (root / "state.json").write_text(json.dumps({"cycle": 1, "step": "selected",
                                                 "labelled": {"size": 9, "acquired_at": ACQUIRED[:9]}}))
    with pytest.raises(ValueError, match="the labelled set has 9 items, but the pool of this task has 10"):
        read_state(root / "state.json", 10, "fix")


def test_settings_differences_name_what_changed():
    import torch

    now = current_settings(torch.device("cpu"), 1)
    assert settings_differences(now.to_dict(), now) == []
    recorded = dict(now.to_dict(), torch_threads=now.torch_threads + 3, world_size=2, omp_num_threads="7")
    assert settings_differences(recorded, now) == [f"world_size 2 -> 1",
                                                   f"torch_threads {now.torch_threads + 3} -> {now.torch_threads}"]
    assert settings_differences(None, now) == ["unknown (the run predates recorded execution settings)"]
