"""Config checks that run before anything is written: numeric ranges, overrides, data files, messages."""
import dataclasses
import typing

import numpy as np
import pytest
import scipy.io
import yaml

from pose.cli import main
from pose.config import (RunConfig, apply_overrides, config_from_dict, load_config, set_fields,
                         validate_config)
from pose.experiment import run_experiment
from pose.validation import NUMERIC_RANGES, check_image_files

from pose_micro import micro

NOT_FINITE_OR_OUT_OF_RANGE = [
    ({"train": {"lr": float("nan")}}, "train.lr: must be a finite number, got nan"),
    ({"train": {"lr": float("inf")}}, "train.lr: must be a finite number, got inf"),
    ({"train": {"lr": 0.0}}, "train.lr: must be > 0, got 0.0"),
    ({"train": {"weight_decay": float("inf")}}, "train.weight_decay: must be a finite number"),
    ({"train": {"plateau_factor": float("nan")}}, "train.plateau_factor: must be a finite number"),
    ({"train": {"plateau_factor": 1.0}}, "train.plateau_factor: must be in (0, 1), got 1.0"),
    ({"model": {"margin": float("nan")}}, "model.margin: must be a finite number, got nan"),
    ({"model": {"margin": -0.5}}, "model.margin: must be >= 0, got -0.5"),
    ({"model": {"loss_weight": float("-inf")}}, "model.loss_weight: must be a finite number, got -inf"),
    ({"active": {"gamma_deltas": [0.1, float("nan")]}}, "active.gamma_deltas[1]: must be a finite number, got nan"),
    ({"active": {"gamma_deltas": [-0.2]}}, "active.gamma_deltas[0]: must be in (0, 100], got -0.2"),
    ({"active": {"gamma_deltas": [1000.0]}}, "active.gamma_deltas[0]: must be in (0, 100], got 1000.0"),
    ({"data": {"pck_threshold": float("nan")}}, "data.pck_threshold: must be a finite number, got nan"),
    ({"seed": -1}, "seed: must be >= 0, got -1"),
    ({"data": {"data_seed": -3}}, "data.data_seed: must be >= 0, got -3"),
    ({"data": {"root": "/data/lsp"}}, "data.root: the synthetic dataset is generated and reads no files"),
    ({"data": {"mpii_annotation": "x.mat"}}, "data.mpii_annotation: only read for data.dataset=mpii"),
]


@pytest.mark.parametrize("change,message", NOT_FINITE_OR_OUT_OF_RANGE,
                         ids=[m.split(":")[0] + "-" + str(i) for i, (_, m) in enumerate(NOT_FINITE_OR_OUT_OF_RANGE)])
def test_bad_numbers_fail_before_anything_is_written(tmp_path, change, message):
    with pytest.raises(ValueError) as info:
        run_experiment(config_from_dict(micro(**change)), tmp_path / "out")
    assert str(info.value).startswith(message)
    assert not (tmp_path / "out").exists()


def test_every_numeric_field_has_a_range():
    def numeric(tp) -> bool:
        args = typing.get_args(tp) or (tp,)
        inner = [typing.get_args(a)[0] if typing.get_origin(a) is list else a for a in args]
        return any(a in (int, float) for a in inner)

    names = []
    for section in dataclasses.fields(RunConfig):
        if dataclasses.is_dataclass(section.type if not isinstance(section.type, str) else
                                    typing.get_type_hints(RunConfig)[section.name]):
            cls = typing.get_type_hints(RunConfig)[section.name]
            names += [f"{section.name}.{name}" for name, tp in typing.get_type_hints(cls).items() if numeric(tp)]
        elif numeric(typing.get_type_hints(RunConfig)[section.name]):
            names.append(section.name)
    assert "train.lr" in names and "active.gamma_deltas" in names and "seed" in names
    assert sorted(set(names) - set(NUMERIC_RANGES)) == []


def test_messages_show_plain_numbers():
    config = config_from_dict(micro())
    with pytest.raises(ValueError) as info:
        validate_config(dataclasses.replace(config, seeds=np.int64(0)))
    assert str(info.value) == "seeds: must be >= 1, got 0"
    with pytest.raises(ValueError) as info:
        validate_config(dataclasses.replace(config, active=dataclasses.replace(
            config.active, gamma_deltas=[np.float64(0.1), np.float64(-0.2)])))
    assert str(info.value) == "active.gamma_deltas[1]: must be in (0, 100], got -0.2"
    with pytest.raises(ValueError) as info:
        config_from_dict(micro(train={"batch_size": np.int64(1)}))
    assert str(info.value) == "train.batch_size: must be >= 2, got 1"
    assert "np." not in str(info.value)


def test_overrides_complete_a_partial_yaml_before_validation(tmp_path, capsys):
    partial = tmp_path / "partial.yaml"
    partial.write_text(yaml.safe_dump({"name": "real", "data": {"dataset": "lsp_lspet"}}))
    root = tmp_path / "lsp_data"
    config = load_config(partial, [f"data.root={root}", "train.lr=1e-3"])  # YAML 1.1 reads 1e-3 as a string
    assert config.data.root == str(root) and config.train.lr == 1e-3
    # The CLI applies --set first as well: the error is now about the files under data.root.
    out = tmp_path / "out"
    assert main(["run", "--config", str(partial), "--set", f"data.root={root}", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: data.root:") and "joints.mat" in err
    assert not out.exists()
    # A section missing from the file is created; an unknown field is named.
    assert set_fields({}, ["active.budget=3"]) == {"active": {"budget": 3}}
    with pytest.raises(ValueError, match=r"^train\.lrr: unknown field"):
        apply_overrides(config, ["train.lrr=1"])


def test_set_data_root_on_synthetic_config_is_refused(tmp_path, capsys):
    assert main(["run", "--config", "synthetic", "--set", "data.root=/data/lsp_lspet",
                 "--out", str(tmp_path / "out")]) == 2
    assert "data.root: the synthetic dataset is generated and reads no files" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def _lsp_lspet(root, lsp_count=8, lspet_count=6, missing=()):
    for part, count, digits, layout in (("lsp", lsp_count, 4, (3, 14)), ("lspet", lspet_count, 5, (14, 3))):
        folder = root / part / "images"
        folder.mkdir(parents=True)
        raw = np.ones(layout + (count,)) * 10.0
        if part == "lsp":
            raw[2] = 0  # LSP's flag: 0 = visible
        else:
            raw[:, 2] = 1
        scipy.io.savemat(root / part / "joints.mat", {"joints": raw})
        for i in range(1, count + 1):
            name = f"im{i:0{digits}d}.jpg"
            if f"{part}/images/{name}" not in missing:
                (folder / name).write_bytes(b"")  # only existence is checked before training


def test_missing_images_of_a_real_dataset_fail_before_anything_is_written(tmp_path):
    root = tmp_path / "lsp_lspet"
    _lsp_lspet(root, missing={"lsp/images/im0002.jpg", "lsp/images/im0007.jpg", "lspet/images/im00003.jpg"})
    config = config_from_dict(micro(data={"dataset": "lsp_lspet", "root": str(root), "base_size": 2},
                                    active={"cycles": 1, "budget": 2}))
    with pytest.raises(ValueError) as info:
        run_experiment(config, tmp_path / "out")
    assert str(info.value) == (
        f"data.root: 3 of 14 image files referenced by the annotations are missing under {root}, "
        "e.g. lsp/images/im0002.jpg, lspet/images/im00003.jpg, lsp/images/im0007.jpg")
    assert not (tmp_path / "out").exists()


def test_image_check_lists_a_sample_and_counts_all(tmp_path):
    class Images:
        def __init__(self, root, names):
            self.root, self.image_names = root, names

    (tmp_path / "images").mkdir()
    names = [f"{i}.jpg" for i in range(20)]
    (tmp_path / "images" / "3.jpg").write_bytes(b"")
    assert check_image_files([Images(tmp_path, ["3.jpg"])], tmp_path) == 1
    with pytest.raises(ValueError) as info:
        check_image_files([Images(tmp_path, names), Images(tmp_path, names[:5])], tmp_path)
    message = str(info.value)
    assert message.startswith("data.root: 19 of 20 image files")
    assert message.endswith("e.g. images/0.jpg, images/1.jpg, images/2.jpg, images/4.jpg, images/5.jpg, ...")


def test_threads_are_pinned_by_default():
    assert RunConfig().train.threads == 1
    for preset in ("synthetic", "lsp_lspet", "mpii"):
        assert load_config(preset).train.threads is not None


def test_pool_mix_builds_groups_of_the_stated_shifts_and_sizes():
    from pose.config import load_config, pool_parts
    from pose.data.synthetic import domain_params
    from pose.datasets import prepare_data

    config = load_config("synthetic", ["data.base_size=4", "data.pool_size=10", "data.test_size=2",
                                       "active.budget=2", "data.pool_mix=[[0.7,0.3],[0.3,1.0]]"])
    validate_config(config)
    data = prepare_data(config)
    view = data.eval_view
    assert view.names == ["lsp", "lspet@0.3", "lspet@1"]
    assert np.diff(view.offsets).tolist() == [4, 7, 3]
    mild, hard = view.datasets[1], view.datasets[2]
    assert mild.params == domain_params(0.3) and hard.params == domain_params(1.0)
    assert mild.seed != hard.seed and config.data.data_seed + 2 not in (mild.seed, hard.seed)  # not the test set's
    # Part 0 draws what the unmixed pool draws (same seed): its labels agree image by image.
    plain = prepare_data(load_config("synthetic", ["data.base_size=4", "data.pool_size=10", "data.test_size=2",
                                                   "active.budget=2", "data.pool_mix=[[1.0,1.0]]"])).eval_view
    unmixed = prepare_data(load_config("synthetic", ["data.base_size=4", "data.pool_size=10",
                                                     "data.test_size=2", "active.budget=2",
                                                     "data.pool_mix=null"])).eval_view
    assert unmixed.names == ["lsp", "lspet"] and plain.names == ["lsp", "lspet@1"]
    np.testing.assert_array_equal(plain.joints, unmixed.joints)
    assert pool_parts([[0.5, 0.2], [0.25, 0.5], [0.25, 1.0]], 9) == [
        ("lspet@0.2", 4, 0.2), ("lspet@0.5", 2, 0.5), ("lspet@1", 3, 1.0)]


@pytest.mark.parametrize("mix, message", [
    ("[[0.5,0.3],[0.6,1.0]]", "fractions must sum to 1"),
    ("[[1.0,1.5]]", r"data.pool_mix\[0\]\[1\]: shift must be in \[0, 1\]"),
    ("[[0.0,0.3],[1.0,1.0]]", r"data.pool_mix\[0\]\[0\]: fraction must be in \(0, 1\]"),
    ("[[0.5,0.3],[0.5,0.3]]", "each part needs its own shift"),
    ("[[0.5]]", r"data.pool_mix\[0\]: expected \[fraction, shift\]"),
    ("[[0.9995,0.3],[0.0005,1.0]]", "gets no image"),
    ("[]", "at least one"),
])
def test_bad_pool_mix_is_refused_naming_the_field(mix, message):
    from pose.config import load_config

    with pytest.raises(ValueError, match=message):
        validate_config(load_config("synthetic", [f"data.pool_mix={mix}"]))


def test_head_activation_reaches_every_loss_head():
    import torch

    from gammaal.al.engine import build_network
    from gammaal.al.settings import RunSettings
    from pose.config import load_config
    from pose.task import PoseTask, engine_settings

    config = load_config("micro", ["model.head_activation=leaky_relu"])
    network = build_network(PoseTask(config), RunSettings.create(**engine_settings(config)), ["ll", "llpp_conv"])
    assert network.heads["llpp_conv"].activation == "leaky_relu"
    assert not any(isinstance(m, torch.nn.ReLU) for m in network.heads.modules())
    plain = build_network(PoseTask(load_config("micro")), RunSettings.create(**engine_settings(load_config("micro"))),
                          ["ll", "llpp_conv"])
    assert plain.heads["llpp_conv"].activation == "relu"
    with pytest.raises(ValueError, match="model.head_activation"):
        validate_config(load_config("micro", ["model.head_activation=gelu"]))
