"""Pose as one task of the gammaal.al engine: PoseTask on the micro synthetic config, all five strategies."""
import numpy as np
import pytest
import torch

import gammaal.al as al
from gammaal.al.distributed import DistributedContext
from pose.config import config_from_dict
from pose.data.transforms import heatmap_argmax, heatmap_to_original
from pose.task import PoseTask, engine_settings
from pose_micro import micro

ALL = ["random", "coreset", "ll", "llpp", "llpp_conv"]
MICRO = micro()  # the shipped micro preset (pose/configs/micro.yaml), all five paper strategies


@pytest.fixture(scope="module")
def pose_run(tmp_path_factory):
    config = config_from_dict(MICRO)
    task = PoseTask(config)
    return task, al.run(task, tmp_path_factory.mktemp("pose_engine") / "run", progress=False,
                        **engine_settings(config))


def test_pose_task_runs_every_strategy_with_valid_selections(pose_run):
    task, result = pose_run
    assert result.metric_name == "PCK@0.2" and task.pool_uids.tolist() == list(range(4, 16))
    for strategy in ALL:
        records = result.records[strategy][0]
        assert [r.num_labelled for r in records] == [4, 6, 8]
        chosen = [i for r in records for i in r.selected]
        assert len(set(chosen)) == 4 and all(0 <= i < 12 for i in chosen)
        for r in records:
            assert 0 <= r.test_metric <= 1
        for r in records[:2]:
            assert (r.predicted_loss is not None) == (strategy in ("ll", "llpp", "llpp_conv"))
            assert 0 <= r.selected_metric <= 1 and 0 <= r.pool_metric <= 1
            if r.predicted_loss is not None:
                order = np.argsort(-np.asarray(r.predicted_loss), kind="stable")[:2]
                assert [r.candidates[p] for p in order] == r.selected


def test_llpp_conv_trains_the_multi_scale_conv_head(pose_run):
    task, result = pose_run
    checkpoint = torch.load(result.out_dir / "llpp_conv" / "seed_0" / "trained_01.pt", weights_only=False)
    keys = [k for k in checkpoint["network"] if k.startswith("heads.llpp_conv.")]
    assert any(".downsamplers." in k for k in keys)  # pose.heads.ConvLossHead, on the five scales
    base = torch.load(result.out_dir / "base" / "seed_0" / "trained_00.pt", weights_only=False)["network"]
    assert {k.split(".")[1] for k in base if k.startswith("heads.")} == {"ll", "llpp", "llpp_conv"}


def test_engine_test_metric_matches_a_direct_pck_of_the_saved_model(pose_run):
    # The engine's scoring, decoding and PCK against a plain loop over the test images with the saved
    # weights, and PCK@0.2 counted by hand (correct visible joints / visible joints, d <= 0.2 torso).
    task, result = pose_run
    checkpoint = torch.load(result.out_dir / "random" / "seed_0" / "trained_02.pt", weights_only=False)
    model = task.build_model()
    model.load_state_dict({k[len("model."):]: v for k, v in checkpoint["network"].items() if k.startswith("model.")})
    model.eval()
    test = task.data.test
    correct = counted = 0
    losses = []
    with torch.no_grad():
        for i in range(len(test)):
            item = test[i]
            out = model(item["image"][None])
            heatmaps = out.heatmaps[-1]
            coords = heatmap_argmax(heatmaps).numpy()
            joints = heatmap_to_original(coords, np.asarray(item["center"])[None], np.asarray([item["scale"]]),
                                         task.config.model.input_size, heatmaps.shape[-1])[0]
            distance = np.linalg.norm(joints - test.joints[i], axis=1)
            scored = test.scored[i]
            correct += int((distance[scored] <= 0.2 * test.norm[i]).sum())
            counted += int(scored.sum())
            losses.append(float(task.loss(out, (item["target"][None], torch.as_tensor(item["visible"])[None]))))
    assert result.records["random"][0][2].test_metric == pytest.approx(correct / counted, abs=1e-12)
    np.testing.assert_allclose(result.records["random"][0][2].test_loss, np.mean(losses), rtol=1e-5)


def test_records_count_the_selected_images_per_domain(pose_run):
    task, result = pose_run
    for strategy in ALL:
        for r in result.records[strategy][0][:2]:
            # The pool is the shifted "lspet" part (the base set is LSP).
            assert r.selected_groups == {"lspet": 2}
            assert all(task.pool_uids[i] >= 4 for i in r.selected)


TINY_HRNET = {"width": 4, "blocks": 1, "stem_channels": 8, "stage1_planes": 4, "modules": (1, 1, 1, 1)}


def test_hrnet_is_one_more_backbone_adapter(tmp_path):
    config = config_from_dict(dict(MICRO, active={"strategies": ["coreset", "llpp"], "cycles": 1, "budget": 2}))
    task = PoseTask(config, backbone="hrnet", backbone_options=TINY_HRNET)
    assert task.taps == ["stage3.0", "stage3.1", "stage3.2"] and task.embedding_taps == ["stage3.2"]
    result = al.run(task, tmp_path / "hrnet", progress=False, **engine_settings(config))
    for strategy in ("coreset", "llpp"):
        r = result.records[strategy][0][0]
        assert len(set(r.selected)) == 2 and 0 <= r.test_metric <= 1
    assert result.records["llpp"][0][0].correlation is not None
    conv = config_from_dict(dict(MICRO, active={"strategies": ["llpp_conv"], "cycles": 1, "budget": 2}))
    with pytest.raises(ValueError, match="pose_conv.*offers none"):
        al.run(PoseTask(conv, backbone="hrnet", backbone_options=TINY_HRNET), tmp_path / "conv", progress=False,
               **engine_settings(conv))
