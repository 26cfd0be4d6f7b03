"""HRNet for heatmap pose estimation (Sun, Xiao, Liu & Wang, CVPR 2019), W32 by default.

Layout of the paper's pose network (the ``w32_256x256`` configuration of
leoxiaobin/deep-high-resolution-net.pytorch, whose ``pose_hrnet.py`` the LearningLoss++ authors'
repository also carries; note that their ``configuration.yml`` at HEAD sets a different, 5-branch
variant with widths 64, 64, 128, 128, 128 and 2 blocks per branch — :func:`hrnet_spec` builds the
W-family only):

- stem: Conv3x3/2(3 → 64)-BN-ReLU, Conv3x3/2(64 → 64)-BN-ReLU, so an S×S image becomes
  64 × S/4 × S/4, then stage 1 = four bottleneck blocks (64 → 256);
- stages 2, 3, 4 have 2, 3, 4 parallel branches of widths W, 2W, 4W, 8W (W = 32: 32, 64, 128,
  256) at resolutions S/4, S/8, S/16, S/32, and 1, 4, 3 *modules*; a module runs four basic
  blocks on every branch, then *fuses*: output branch i sums every input branch j brought to
  its resolution and width (j > i: Conv1x1-BN then nearest upsampling by 2^(j−i); j < i: i − j
  strided Conv3x3-BN, with ReLU between them), followed by ReLU;
- between stages a *transition* keeps the existing branches (a Conv3x3-BN-ReLU only if a width
  changes) and makes the new, coarser branch from the previous coarsest one by a strided
  Conv3x3-BN-ReLU;
- the last module of stage 4 fuses into the finest branch only; a Conv1x1 (with bias) maps it
  to J heatmaps at S/4 (64 × 64 for 256² inputs).

Convolutions followed by BatchNorm have no bias, as in the reference, so parameter counts match
the published ones: 28.5 M for W32 with COCO's 17 joints (Table 1 of the paper).  The joint count
only changes the final 1×1 conv, by ``(W + 1)`` parameters per joint (33 for W32), so the 16-joint
MPII model has 33 fewer parameters and the 14-joint LSP model 99 fewer.

The forward pass also returns the stage-3 branch maps (the authors feed them to their
auxiliary loss network as ``feature_1`` … ``feature_3``) and the global average of the final
high-resolution map, which is the authors' ``'penultimate'`` core-set / EGL++ embedding
(see :class:`HRNetOutput`).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch.nn.functional as F
from torch import Tensor, nn

__all__ = [
    "StageSpec",
    "HRNetSpec",
    "HRNET_W32",
    "hrnet_spec",
    "BasicBlock",
    "Bottleneck",
    "HighResolutionModule",
    "HRNetOutput",
    "HRNet",
    "build_hrnet",
]


@dataclass(frozen=True)
class StageSpec:
    """One HRNet stage: ``modules`` modules, each ``blocks`` blocks per branch.

    ``channels`` holds the block width of every branch, finest first; a bottleneck
    branch outputs ``4 ×`` its width.
    """

    modules: int
    blocks: int
    block: str
    channels: tuple[int, ...]


@dataclass(frozen=True)
class HRNetSpec:
    """Architecture of an HRNet: stem width and the four stages."""

    stem_channels: int
    stages: tuple[StageSpec, StageSpec, StageSpec, StageSpec]

    @property
    def width(self) -> int:
        """Width of the finest branch, which the heatmaps are predicted from."""
        return self.stages[-1].channels[0] * _EXPANSION[self.stages[-1].block]


def hrnet_spec(width: int = 32, blocks: int = 4, stem_channels: int = 64, stage1_planes: int = 64,
               modules: tuple[int, int, int, int] = (1, 1, 4, 3)) -> HRNetSpec:
    """The HRNet-W``width`` family: branches ``width · (1, 2, 4, 8)``, ``blocks`` blocks per branch.

    Parameters
    ----------
    width : int, >= 1
        W (32 for HRNet-W32, 48 for W48).
    blocks : int, >= 1
        Blocks per branch in every module (4 in the paper).
    stem_channels, stage1_planes : int, >= 1
        Stem width (64) and stage-1 bottleneck width (64, output 256).
    modules : four ints >= 1
        Modules per stage (1, 1, 4, 3 in the paper).

    Examples
    --------
    >>> hrnet_spec(32).stages[3].channels
    (32, 64, 128, 256)
    """
    for name, value in (("width", width), ("blocks", blocks), ("stem_channels", stem_channels),
                        ("stage1_planes", stage1_planes)):
        if int(value) != value or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if len(modules) != 4 or any(int(m) != m or m < 1 for m in modules):
        raise ValueError(f"modules must be four positive integers, got {modules!r}")
    stages = (
        StageSpec(modules[0], blocks, "bottleneck", (stage1_planes,)),
        StageSpec(modules[1], blocks, "basic", tuple(width * 2**i for i in range(2))),
        StageSpec(modules[2], blocks, "basic", tuple(width * 2**i for i in range(3))),
        StageSpec(modules[3], blocks, "basic", tuple(width * 2**i for i in range(4))),
    )
    return HRNetSpec(stem_channels=stem_channels, stages=stages)


#: HRNet-W32 of the paper (28.5 M parameters with 17 joints).
HRNET_W32 = hrnet_spec(32)


def _conv_bn(cin: int, cout: int, kernel: int, stride: int = 1, relu: bool = True) -> nn.Sequential:
    layers = [nn.Conv2d(cin, cout, kernel, stride=stride, padding=kernel // 2, bias=False), nn.BatchNorm2d(cout)]
    if relu:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


class BasicBlock(nn.Module):
    """ResNet basic block: Conv3x3-BN-ReLU-Conv3x3-BN, plus the (projected) input, then ReLU.

    Shapes: ``(B, cin, H, W) -> (B, planes, H, W)``.
    """

    expansion = 1

    def __init__(self, cin: int, planes: int):
        super().__init__()
        self.body = nn.Sequential(_conv_bn(cin, planes, 3), _conv_bn(planes, planes, 3, relu=False))
        self.skip = None if cin == planes else _conv_bn(cin, planes, 1, relu=False)

    def forward(self, x: Tensor) -> Tensor:
        skip = x if self.skip is None else self.skip(x)
        return F.relu(self.body(x) + skip)


class Bottleneck(nn.Module):
    """ResNet bottleneck: Conv1x1-BN-ReLU-Conv3x3-BN-ReLU-Conv1x1(4·planes)-BN, plus skip, ReLU.

    Shapes: ``(B, cin, H, W) -> (B, 4 planes, H, W)``.
    """

    expansion = 4

    def __init__(self, cin: int, planes: int):
        super().__init__()
        cout = planes * self.expansion
        self.body = nn.Sequential(_conv_bn(cin, planes, 1), _conv_bn(planes, planes, 3),
                                  _conv_bn(planes, cout, 1, relu=False))
        self.skip = None if cin == cout else _conv_bn(cin, cout, 1, relu=False)

    def forward(self, x: Tensor) -> Tensor:
        skip = x if self.skip is None else self.skip(x)
        return F.relu(self.body(x) + skip)


_BLOCKS = {"basic": BasicBlock, "bottleneck": Bottleneck}
_EXPANSION = {name: block.expansion for name, block in _BLOCKS.items()}


def _branch(block: str, cin: int, planes: int, count: int) -> nn.Sequential:
    cls = _BLOCKS[block]
    return nn.Sequential(*(cls(cin if b == 0 else planes * cls.expansion, planes) for b in range(count)))


class _Upsample(nn.Module):
    def __init__(self, factor: int):
        super().__init__()
        self.factor = factor

    def forward(self, x: Tensor) -> Tensor:
        return F.interpolate(x, scale_factor=self.factor, mode="nearest")


class HighResolutionModule(nn.Module):
    """Parallel branches followed by the all-to-all fusion.

    Parameters
    ----------
    block : {"basic", "bottleneck"}
    in_channels : sequence of int
        Width of every input branch, finest first (branch i has side H / 2**i).
    planes : sequence of int
        Block width of every branch.
    blocks : int
        Blocks per branch.
    outputs : int
        Number of fused outputs (all branches, or 1 for the finest only).

    Shapes: ``list of (B, in_channels[i], H/2^i, W/2^i) -> list of (B, out_i, H/2^i, W/2^i)``.
    """

    def __init__(self, block: str, in_channels, planes, blocks: int, outputs: int):
        super().__init__()
        expansion = _EXPANSION[block]
        widths = [p * expansion for p in planes]
        self.branches = nn.ModuleList(_branch(block, c, p, blocks) for c, p in zip(in_channels, planes))
        self.out_channels = widths[:outputs]
        n = len(widths)
        self.fuse = nn.ModuleList()
        for i in range(outputs if n > 1 else 0):
            row = nn.ModuleList()
            for j in range(n):
                if j == i:
                    row.append(nn.Identity())
                elif j > i:
                    row.append(nn.Sequential(_conv_bn(widths[j], widths[i], 1, relu=False), _Upsample(2 ** (j - i))))
                else:
                    steps = [_conv_bn(widths[j], widths[j], 3, stride=2) for _ in range(i - j - 1)]
                    steps.append(_conv_bn(widths[j], widths[i], 3, stride=2, relu=False))
                    row.append(nn.Sequential(*steps))
            self.fuse.append(row)

    def forward(self, xs: list[Tensor]) -> list[Tensor]:
        ys = [branch(x) for branch, x in zip(self.branches, xs)]
        if len(ys) == 1:
            return ys
        return [F.relu(sum(f(y) for f, y in zip(row, ys))) for row in self.fuse]


def _transition(previous: list[int], current: list[int]) -> nn.ModuleList:
    layers = nn.ModuleList()
    for i, width in enumerate(current):
        if i < len(previous):
            layers.append(nn.Identity() if previous[i] == width else _conv_bn(previous[i], width, 3))
        else:
            # Each new branch halves the previous coarsest one once per missing level.
            steps = [_conv_bn(previous[-1], previous[-1], 3, stride=2) for _ in range(i - len(previous))]
            steps.append(_conv_bn(previous[-1], width, 3, stride=2))
            layers.append(nn.Sequential(*steps))
    return layers


@dataclass
class HRNetOutput:
    """Everything one forward pass of :class:`HRNet` returns.

    Attributes
    ----------
    heatmaps : list with one Tensor (B, J, S/4, S/4)
        A list so that code written for the stacked hourglass (``out.heatmaps[-1]`` is the
        last stack's prediction; a loss summed over the list) works unchanged.
    stage3 : list of three Tensors, finest first
        Stage-3 branch outputs (B, W, S/4, S/4), (B, 2W, S/8, S/8), (B, 4W, S/16, S/16):
        the maps the authors' auxiliary network consumes (their ``feature_3`` … ``feature_1``).
    final : Tensor (B, W, S/4, S/4)
        The fused high-resolution map the heatmaps are predicted from.
    embedding : Tensor (B, W)
        Global average of ``final``: the authors' ``'penultimate'`` embedding (core-set, EGL++).
    """

    heatmaps: list[Tensor]
    stage3: list[Tensor]
    final: Tensor
    embedding: Tensor


class HRNet(nn.Module):
    """HRNet pose network.

    Parameters
    ----------
    joints : int, >= 1
        Number of heatmaps J (16 MPII, 14 LSP, 17 COCO).
    spec : HRNetSpec
        Architecture (default :data:`HRNET_W32`).

    Shapes
    ------
    ``forward(images (B, 3, S, S)) -> HRNetOutput``, S divisible by 32.
    """

    granularity = 32

    def __init__(self, joints: int = 16, spec: HRNetSpec = HRNET_W32):
        super().__init__()
        if int(joints) != joints or joints < 1:
            raise ValueError(f"joints must be a positive integer, got {joints!r}")
        self.joints = joints
        self.spec = spec
        stem = spec.stem_channels
        self.stem = nn.Sequential(_conv_bn(3, stem, 3, stride=2), _conv_bn(stem, stem, 3, stride=2))
        self.transitions = nn.ModuleList()
        self.stages = nn.ModuleList()
        widths = [stem]
        for index, stage in enumerate(spec.stages):
            expansion = _EXPANSION[stage.block]
            target = [c * expansion for c in stage.channels]
            if index == 0:
                # Stage 1 runs on the stem output directly.
                self.transitions.append(nn.ModuleList([nn.Identity()]))
                current = widths
            else:
                self.transitions.append(_transition(widths, target))
                current = target
            modules = []
            for m in range(stage.modules):
                last = index == len(spec.stages) - 1 and m == stage.modules - 1
                module = HighResolutionModule(stage.block, current, stage.channels, stage.blocks,
                                              outputs=1 if last else len(stage.channels))
                modules.append(module)
                current = module.out_channels
            self.stages.append(nn.Sequential(*modules))
            widths = current
        self.head = nn.Conv2d(spec.width, joints, 1)

    @property
    def stage3_channels(self) -> tuple[int, ...]:
        """Widths of the stage-3 branch maps, finest first (32, 64, 128 for W32)."""
        stage = self.spec.stages[2]
        return tuple(c * _EXPANSION[stage.block] for c in stage.channels)

    def forward(self, images: Tensor) -> HRNetOutput:
        if images.dim() != 4 or images.shape[1] != 3:
            raise ValueError(f"images must have shape (B, 3, S, S), got {tuple(images.shape)}")
        if images.shape[2] % self.granularity or images.shape[3] % self.granularity:
            raise ValueError(f"image sides must be divisible by {self.granularity}, got {tuple(images.shape[2:])}")
        xs = [self.stem(images)]
        stage3 = None
        for index, (transition, stage) in enumerate(zip(self.transitions, self.stages)):
            xs = [layer(xs[i] if i < len(xs) else xs[-1]) for i, layer in enumerate(transition)]
            xs = stage(xs)
            if index == 2:
                stage3 = list(xs)
        final = xs[0]
        return HRNetOutput(heatmaps=[self.head(final)], stage3=stage3, final=final,
                           embedding=final.mean(dim=(2, 3)))


def build_hrnet(joints: int = 16, width: int = 32, **spec_overrides) -> HRNet:
    """HRNet-W``width`` with ``joints`` heatmaps; ``spec_overrides`` go to :func:`hrnet_spec`.

    Examples
    --------
    >>> model = build_hrnet(joints=17)
    >>> round(sum(p.numel() for p in model.parameters()) / 1e6, 1)   # paper, Table 1
    28.5
    >>> tiny = build_hrnet(joints=14, width=4, blocks=1, stem_channels=8, stage1_planes=4)
    >>> tiny.stage3_channels
    (4, 8, 16)
    """
    return HRNet(joints=joints, spec=hrnet_spec(width, **spec_overrides))
