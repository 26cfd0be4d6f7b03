"""pose.convert on state dicts laid out under the authors' key names, against hand-written forwards.

The fixture generator below writes out the published key list of the authors' ``PoseNet``
(meghshukla/ActiveLearningForHumanPose ``code/models/stacked_hourglass``, the same names as
princeton-vl/pytorch_stacked_hourglass) and of their loss heads, with random weights. The
reference forwards read those names directly, following their module definitions
(``Conv``: conv → BN → ReLU; ``Residual``: BN-ReLU-conv ×3 plus skip; ``Hourglass``:
up1 ‖ pool-low1-low2-low3-upsample; ``ConvolutionHourglassFeatureExtractor``:
x ← x_next + ReLU(conv2x2(x)), ReLU(conv4x4(x)); FC: Linear-ReLU …, Linear).
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from pose.cli import main as cli_main
from pose.convert import (
    AUTHORS_LSP_ORDER,
    AUTHORS_MPII_ORDER,
    authors_head,
    authors_hourglass,
    load_init_checkpoint,
)
from pose.data.skeleton import LSP_JOINTS, MPII_JOINTS
from pose.heads import ConvLossHead, LearningLossHead
from pose.hourglass import StackedHourglass

from tensor_checks import assert_close_to_scale  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")



# ---------------------------------------------------------------- fixture generator (their names)


def _conv(sd, name, cin, cout, k, g, bn=False):
    sd[f"{name}.conv.weight"] = 0.3 * torch.randn(cout, cin, k, k, generator=g) / k
    sd[f"{name}.conv.bias"] = 0.1 * torch.randn(cout, generator=g)
    if bn:
        _bn(sd, f"{name}.bn", cout, g)


def _bn(sd, name, c, g):
    sd[f"{name}.weight"] = 1 + 0.1 * torch.randn(c, generator=g)
    sd[f"{name}.bias"] = 0.1 * torch.randn(c, generator=g)
    sd[f"{name}.running_mean"] = 0.1 * torch.randn(c, generator=g)
    sd[f"{name}.running_var"] = 0.5 + torch.rand(c, generator=g)
    sd[f"{name}.num_batches_tracked"] = torch.tensor(7)


def _residual(sd, name, cin, cout, g):
    _bn(sd, f"{name}.bn1", cin, g)
    _conv(sd, f"{name}.conv1", cin, cout // 2, 1, g)
    _bn(sd, f"{name}.bn2", cout // 2, g)
    _conv(sd, f"{name}.conv2", cout // 2, cout // 2, 3, g)
    _bn(sd, f"{name}.bn3", cout // 2, g)
    _conv(sd, f"{name}.conv3", cout // 2, cout, 1, g)
    _conv(sd, f"{name}.skip_layer", cin, cout, 1, g)  # built in every block, used only if cin != cout


def _hourglass(sd, name, n, f, g):
    _residual(sd, f"{name}.up1", f, f, g)
    _residual(sd, f"{name}.low1", f, f, g)
    if n > 1:
        _hourglass(sd, f"{name}.low2", n - 1, f, g)
    else:
        _residual(sd, f"{name}.low2", f, f, g)
    _residual(sd, f"{name}.low3", f, f, g)


def authors_posenet_state(nstack=2, channels=16, joints=16, depth=4, stem=(8, 16), seed=0):
    """A state dict with the authors' PoseNet key names and shapes, random weights."""
    g = torch.Generator().manual_seed(seed)
    sd = {}
    _conv(sd, "pre.0", 3, stem[0], 7, g, bn=True)
    _residual(sd, "pre.1", stem[0], stem[1], g)
    _residual(sd, "pre.3", stem[1], stem[1], g)
    _residual(sd, "pre.4", stem[1], channels, g)
    for i in range(nstack):
        _hourglass(sd, f"hgs.{i}.0", depth, channels, g)
        _residual(sd, f"features.{i}.0", channels, channels, g)
        _conv(sd, f"features.{i}.1", channels, channels, 1, g, bn=True)
        _conv(sd, f"outs.{i}", channels, joints, 1, g)
    for i in range(nstack - 1):
        _conv(sd, f"merge_features.{i}.conv", channels, channels, 1, g)
        _conv(sd, f"merge_preds.{i}.conv", joints, channels, 1, g)
    return sd


# ---------------------------------------------------------------- reference forward (their names)


def _r_bn(sd, name, x):
    return F.batch_norm(x, sd[f"{name}.running_mean"], sd[f"{name}.running_var"], sd[f"{name}.weight"],
                        sd[f"{name}.bias"], training=False, eps=1e-5)


def _r_conv(sd, name, x, stride=1, bn=False, relu=False):
    w = sd[f"{name}.conv.weight"]
    x = F.conv2d(x, w, sd[f"{name}.conv.bias"], stride=stride, padding=(w.shape[-1] - 1) // 2)
    if bn:
        x = _r_bn(sd, f"{name}.bn", x)
    return F.relu(x) if relu else x


def _r_residual(sd, name, x):
    out = _r_conv(sd, f"{name}.conv1", F.relu(_r_bn(sd, f"{name}.bn1", x)))
    out = _r_conv(sd, f"{name}.conv2", F.relu(_r_bn(sd, f"{name}.bn2", out)))
    out = _r_conv(sd, f"{name}.conv3", F.relu(_r_bn(sd, f"{name}.bn3", out)))
    skip = x if sd[f"{name}.bn1.weight"].shape[0] == out.shape[1] else _r_conv(sd, f"{name}.skip_layer", x)
    return out + skip


def _r_hourglass(sd, name, n, x):
    up1 = _r_residual(sd, f"{name}.up1", x)
    low = _r_residual(sd, f"{name}.low1", F.max_pool2d(x, 2, 2))
    low = _r_hourglass(sd, f"{name}.low2", n - 1, low) if n > 1 else _r_residual(sd, f"{name}.low2", low)
    low = _r_residual(sd, f"{name}.low3", low)
    return up1 + F.interpolate(low, scale_factor=2, mode="nearest")


def reference_posenet(sd, imgs_nhwc, nstack, depth=4, merge="input"):
    x = imgs_nhwc.permute(0, 3, 1, 2)
    x = _r_conv(sd, "pre.0", x, stride=2, bn=True, relu=True)
    x = _r_residual(sd, "pre.1", x)
    x = F.max_pool2d(x, 2, 2)
    x = _r_residual(sd, "pre.4", _r_residual(sd, "pre.3", x))
    preds_all = []
    for i in range(nstack):
        hg = _r_hourglass(sd, f"hgs.{i}.0", depth, x)
        feature = _r_conv(sd, f"features.{i}.1", _r_residual(sd, f"features.{i}.0", hg), bn=True, relu=True)
        preds = _r_conv(sd, f"outs.{i}", feature)
        preds_all.append(preds)
        if i < nstack - 1:
            base = x if merge == "input" else feature
            x = base + _r_conv(sd, f"merge_preds.{i}.conv", preds) + _r_conv(sd, f"merge_features.{i}.conv", feature)
    return torch.stack(preds_all, 1)


# ---------------------------------------------------------------- tests


@pytest.mark.parametrize("merge", ["input", "penultimate"])
def test_hourglass_round_trip_equals_reference_forward(merge):
    sd = authors_posenet_state(nstack=2, joints=5)
    model = authors_hourglass(sd, merge=merge)
    assert (model.nstack, model.channels, model.joints, model.depth) == (2, 16, 5, 4)
    imgs = torch.rand(2, 64, 64, 3, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        ref = reference_posenet(sd, imgs, 2, merge=merge)
        out = model(imgs.permute(0, 3, 1, 2))
    for i in range(2):
        assert_close_to_scale(out.heatmaps[i], ref[:, i])
    # the two merges differ on the second stack, so the switch reaches the forward
    with torch.no_grad():
        other = reference_posenet(sd, imgs, 2, merge="penultimate" if merge == "input" else "input")
    assert (other[:, 1] - ref[:, 1]).abs().max() > 1e-3


def test_exactly_58_unused_skip_tensors_are_dropped():
    sd = authors_posenet_state(nstack=2, channels=32, stem=(8, 16))  # widths change in pre.1, pre.4 as in theirs
    model = authors_hourglass(sd)
    # 2 stacks x (13 hourglass + 1 feature residual) + pre.3 (128 -> 128 in theirs): 29 blocks x 2.
    assert len(sd) - len(model.state_dict()) == 58
    assert sum("skip_layer" in k for k in sd) - 58 == 4  # pre.1 and pre.4 change width: used


def test_princeton_checkpoint_layout_and_prefixes():
    sd = authors_posenet_state(nstack=1, joints=16)
    ckpt = {"state_dict": {f"model.module.{k}": v for k, v in sd.items()}, "optimizer": {}, "epoch": 3}
    a, b = authors_hourglass(sd), authors_hourglass(ckpt)
    imgs = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(a(imgs).heatmaps[0], b(imgs).heatmaps[0])


def test_unknown_or_damaged_layouts_raise_naming_keys():
    sd = authors_posenet_state(nstack=1)
    with pytest.raises(ValueError, match="outs.0.conv.weight"):
        authors_hourglass({"backbone.conv.weight": torch.zeros(1)})
    extra = dict(sd, **{"hgs.0.0.extra.weight": torch.zeros(3)})
    with pytest.raises(ValueError, match=r"did not map: hgs\.0\.0\.extra\.weight"):
        authors_hourglass(extra)
    missing = {k: v for k, v in sd.items() if not k.startswith("outs.0.conv.bias")}
    with pytest.raises(ValueError, match=r"left empty: outs\.0\.bias"):
        authors_hourglass(missing)
    with pytest.raises(ValueError, match="joint_order"):
        authors_hourglass(sd, joint_order="authors_lsp")  # 16 joints, LSP order has 14
    with pytest.raises(ValueError, match="merge"):
        authors_hourglass(sd, merge="sum")


def test_joint_orders_name_the_same_joints():
    # Their jnt_to_ind names, spelled in our skeleton's words.
    theirs = ["head_top", "upper_neck", "l_shoulder", "l_elbow", "l_wrist", "r_shoulder", "r_elbow", "r_wrist",
              "l_hip", "l_knee", "l_ankle", "r_hip", "r_knee", "r_ankle", "pelvis", "thorax"]
    assert [MPII_JOINTS[j] for j in AUTHORS_MPII_ORDER] == theirs
    lsp = [n.replace("upper_neck", "neck") for n in theirs[:14]]
    assert [LSP_JOINTS[j] for j in AUTHORS_LSP_ORDER] == lsp


def test_joint_order_permutes_heatmaps_in_every_stack():
    sd = authors_posenet_state(nstack=2, joints=16)
    kept, ours = authors_hourglass(sd), authors_hourglass(sd, joint_order="authors_mpii")
    imgs = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        a, b = kept(imgs), ours(imgs)
    for i in range(2):  # our joint AUTHORS_MPII_ORDER[c] is their channel c
        assert_close_to_scale(b.heatmaps[i][:, list(AUTHORS_MPII_ORDER)], a.heatmaps[i])


# ---------------------------------------------------------------- heads


def _linear_keys(prefix, first, widths, channels, g, step=2):
    sd, width_in = {}, channels
    for k, w in enumerate(widths):
        sd[f"{prefix}{first + step * k}.weight"] = torch.randn(w, width_in, generator=g) / width_in**0.5
        sd[f"{prefix}{first + step * k}.bias"] = 0.1 * torch.randn(w, generator=g)
        width_in = w
    return sd


def authors_head_state(era="paper", conv=True, channels=32, depth=5, seed=0):
    """Their loss-head key names: paper LearnLossActive (fc_layers.*) or HEAD AuxNet (pytorch_layers.*)."""
    g = torch.Generator().manual_seed(seed)
    prefix = "fc_layers." if era == "paper" else "pytorch_layers."
    widths = ([16, 8] if era == "paper" else [16]) + [1]  # channels 32: 32-16-8-1 (paper), 32-16-1 (HEAD)
    sd = {}
    if conv:
        for k in range(depth):
            kernel = 2 if k < depth - 1 else 2  # coarsest side 2 here: reducer kernel 2
            sd[f"{prefix}0.hg_conv_feat_extract.{2 * k}.weight"] = torch.randn(channels, channels, kernel, kernel,
                                                                              generator=g) / (2 * channels**0.5)
            sd[f"{prefix}0.hg_conv_feat_extract.{2 * k}.bias"] = 0.1 * torch.randn(channels, generator=g)
    sd.update(_linear_keys(prefix, 1 if conv else 0, widths, channels, g))
    return sd, prefix, widths


def reference_head(sd, prefix, maps, conv):
    """Their forward from their names: conv extractor (if any), then Linear-ReLU ... Linear."""
    if conv:
        convs = sorted({int(k.split(".")[-2]) for k in sd if ".hg_conv_feat_extract." in k})
        x = maps[0]
        for k, idx in enumerate(convs[:-1]):
            w, b = sd[f"{prefix}0.hg_conv_feat_extract.{idx}.weight"], sd[f"{prefix}0.hg_conv_feat_extract.{idx}.bias"]
            x = maps[k + 1] + F.relu(F.conv2d(x, w, b, stride=2))
        last = convs[-1]
        v = F.relu(F.conv2d(x, sd[f"{prefix}0.hg_conv_feat_extract.{last}.weight"],
                            sd[f"{prefix}0.hg_conv_feat_extract.{last}.bias"]).flatten(1))
    else:
        v = maps[0].mean(dim=(2, 3))
    linears = sorted(int(k[len(prefix):].split(".")[0]) for k in sd if k.startswith(prefix) and k.count(".") == 2
                     and k.endswith(".weight") and sd[k].dim() == 2)
    for n, idx in enumerate(linears):
        v = F.linear(v, sd[f"{prefix}{idx}.weight"], sd[f"{prefix}{idx}.bias"])
        if n < len(linears) - 1:
            v = F.relu(v)
    return v.squeeze(1)


@pytest.mark.parametrize("era", ["paper", "head"])
@pytest.mark.parametrize("conv", [True, False])
def test_head_round_trip_equals_reference_forward(era, conv):
    sd, prefix, widths = authors_head_state(era, conv)
    head = authors_head(sd)
    assert isinstance(head, ConvLossHead if conv else LearningLossHead)
    assert head.fc_era == era
    g = torch.Generator().manual_seed(2)
    sizes = (32, 16, 8, 4, 2)
    maps = [torch.randn(6, 32, s, s, generator=g) for s in sizes] if conv else [torch.randn(6, 32, 8, 8, generator=g)]
    if conv:
        assert head.sizes == sizes and head.reduce == "conv"
    with torch.no_grad():
        assert_close_to_scale(head(maps), reference_head(sd, prefix, maps, conv))


def test_head_layout_errors():
    sd, prefix, _ = authors_head_state("paper", True)
    with pytest.raises(ValueError, match="fc_layers"):
        authors_head({"regressor.0.weight": torch.zeros(2, 2)})
    bad = dict(sd)
    bad["fc_layers.3.weight"] = torch.zeros(5, 16)  # width 5 is no era's
    bad["fc_layers.3.bias"] = torch.zeros(5)
    with pytest.raises(ValueError, match="no era"):
        authors_head(bad)
    extra = dict(sd, **{"fc_layers.0.extra": torch.zeros(1)})
    with pytest.raises(ValueError, match=r"did not map: fc_layers\.0\.extra"):
        authors_head(extra)


# ---------------------------------------------------------------- the command and the config field


def test_convert_command_and_init_checkpoint(tmp_path, capsys):
    sd = authors_posenet_state(nstack=2, joints=16)
    torch.save(sd, tmp_path / "theirs.pth")
    assert cli_main(["convert", str(tmp_path / "theirs.pth"), str(tmp_path / "ours.pt")]) == 0
    assert "joint_order=authors_mpii" in capsys.readouterr().out  # their file, 16 joints: into MPII order
    fresh = StackedHourglass(nstack=2, channels=16, joints=16, input_size=64, stem_channels=(8, 16))
    load_init_checkpoint(fresh, tmp_path / "ours.pt")
    expected = authors_hourglass(sd, joint_order="authors_mpii")
    imgs = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(fresh.eval()(imgs).heatmaps[1], expected(imgs).heatmaps[1])
    wrong = StackedHourglass(nstack=1, channels=16, joints=16, input_size=64, stem_channels=(8, 16))
    with pytest.raises(ValueError, match="nstack"):
        load_init_checkpoint(wrong, tmp_path / "ours.pt")
    with pytest.raises(ValueError, match="not a converted checkpoint"):
        load_init_checkpoint(fresh, tmp_path / "theirs.pth")
    torch.save({"other.weight": torch.zeros(1)}, tmp_path / "odd.pth")
    assert cli_main(["convert", str(tmp_path / "odd.pth"), str(tmp_path / "x.pt")]) == 2
    assert "unknown checkpoint layout" in capsys.readouterr().err
    np.testing.assert_equal((tmp_path / "x.pt").exists(), False)
