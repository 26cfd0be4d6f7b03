"""HRNet: shapes, parameter counts against the paper and the reference implementation, bad input."""
import pytest
import torch

from pose.hrnet import HRNet, build_hrnet, hrnet_spec

TINY = dict(width=4, blocks=1, stem_channels=8, stage1_planes=4)


def _count(model):
    return sum(p.numel() for p in model.parameters())


def test_w32_parameter_count_matches_paper_and_reference():
    model = build_hrnet(joints=17)
    # Paper (Sun et al. 2019, Table 1): 28.5 M for HRNet-W32 with COCO's 17 joints.
    assert abs(_count(model) - 28.5e6) < 0.05e6
    # Exact count of leoxiaobin/deep-high-resolution-net.pytorch's PoseHighResolutionNet with
    # experiments/mpii/hrnet/w32_256x256_adam_lr1e-3.yaml and NUM_JOINTS = 17 (instantiated
    # side by side; with its state dict loaded, our heatmaps matched its output exactly).
    assert _count(model) == 28_536_113


def test_joint_count_changes_only_the_final_conv():
    counts = {j: _count(build_hrnet(joints=j, **TINY)) for j in (14, 16, 17)}
    # final 1x1 conv: W weights + 1 bias per joint
    assert counts[17] - counts[16] == TINY["width"] + 1
    assert counts[16] - counts[14] == 2 * (TINY["width"] + 1)


def test_small_forward_shapes():
    torch.manual_seed(0)
    model = build_hrnet(joints=14, **TINY).eval()
    images = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        out = model(images)
    assert len(out.heatmaps) == 1
    assert out.heatmaps[-1].shape == (2, 14, 16, 16)
    assert [tuple(x.shape) for x in out.stage3] == [(2, 4, 16, 16), (2, 8, 8, 8), (2, 16, 4, 4)]
    assert model.stage3_channels == (4, 8, 16)
    assert out.final.shape == (2, 4, 16, 16)
    assert out.embedding.shape == (2, 4)
    assert torch.allclose(out.embedding, out.final.mean(dim=(2, 3)))
    assert torch.isfinite(out.heatmaps[-1]).all()


def test_every_branch_reaches_the_heatmaps():
    """The fusion connects the coarsest stage-4 branch to the output: its params get gradients."""
    torch.manual_seed(0)
    model = build_hrnet(joints=3, **TINY)
    out = model(torch.randn(2, 3, 32, 32))
    out.heatmaps[-1].square().mean().backward()
    coarsest = model.stages[3][0].branches[3]
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in coarsest.parameters())
    assert all(p.grad is not None for p in model.parameters())


def test_multi_module_stage_builds():
    model = HRNet(joints=2, spec=hrnet_spec(4, blocks=1, stem_channels=8, stage1_planes=4, modules=(1, 2, 2, 2)))
    with torch.no_grad():
        out = model.eval()(torch.randn(1, 3, 32, 32))
    assert out.heatmaps[0].shape == (1, 2, 8, 8)


@pytest.mark.parametrize("kwargs", [dict(width=0), dict(blocks=-1), dict(width=2.5), dict(modules=(1, 1, 4))])
def test_bad_spec_raises(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        hrnet_spec(**kwargs)


def test_bad_input_raises():
    model = build_hrnet(joints=2, **TINY)
    with pytest.raises(ValueError, match="divisible by 32"):
        model(torch.randn(1, 3, 48, 48))
    with pytest.raises(ValueError, match="shape"):
        model(torch.randn(3, 64, 64))
    with pytest.raises(ValueError, match="joints"):
        build_hrnet(joints=0)
