"""Stacked hourglass network (Newell, Yang & Deng, ECCV 2016).

Layout follows princeton-vl/pytorch_stacked_hourglass, which the authors of
LearningLoss++ (meghshukla/ActiveLearningForHumanPose) also build on:

- stem: Conv7x7/2 + BN + ReLU, Residual(64 → 128), MaxPool/2,
  Residual(128 → 128), Residual(128 → C); an S×S image becomes C × S/4 × S/4;
- per stack: a depth-4 hourglass, Residual(C → C) + Conv1x1-BN-ReLU (the
  "penultimate" map), a 1x1 conv to J heatmaps, and for every stack but the
  last the remap ``x ← x + Conv1x1(heatmaps) + Conv1x1(penultimate)`` that
  feeds the next stack (intermediate supervision; ``merge="input"``). The
  authors' 2022 code (their HEAD) overwrites ``x`` with the penultimate map
  first, so it feeds ``penultimate + Conv1x1(heatmaps) + Conv1x1(penultimate)``
  (``merge="penultimate"``), dropping the stack's input from the sum;
- residual blocks are pre-activation bottlenecks
  BN-ReLU-Conv1x1(C/2)-BN-ReLU-Conv3x3(C/2)-BN-ReLU-Conv1x1(C) with a 1x1
  projection on the skip path only when the width changes.

Convolutions keep their bias even when a BatchNorm follows, as in the
reference implementation, so that parameter counts match it (minus the
reference's unused skip convolutions in equal-width residual blocks).

The forward pass also returns, for every stack, the five hourglass scales
that the loss-prediction heads consume (``features``), the innermost
bottleneck and the penultimate map (see :class:`HourglassOutput`).

``channels_last`` works without code changes:
``model.to(memory_format=torch.channels_last)`` and an input converted with
``x.contiguous(memory_format=torch.channels_last)``.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = [
    "Residual",
    "Hourglass",
    "StackedHourglass",
    "HourglassOutput",
    "PRESETS",
    "MERGES",
    "build_hourglass",
    "pooled_bottleneck",
    "pooled_penultimate",
]


#: Between-stack remaps of :class:`StackedHourglass` (``merge``).
MERGES = ("input", "penultimate")


class Residual(nn.Module):
    """Pre-activation bottleneck residual block.

    Parameters
    ----------
    in_channels, out_channels : int
        Widths; ``out_channels`` must be even (the bottleneck is half of it).

    Shapes
    ------
    ``(B, in_channels, H, W) -> (B, out_channels, H, W)``
    """

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        if out_channels % 2:
            raise ValueError(f"out_channels must be even (bottleneck is half of it), got {out_channels}")
        mid = out_channels // 2
        self.bn1 = nn.BatchNorm2d(in_channels)
        self.conv1 = nn.Conv2d(in_channels, mid, 1)
        self.bn2 = nn.BatchNorm2d(mid)
        self.conv2 = nn.Conv2d(mid, mid, 3, padding=1)
        self.bn3 = nn.BatchNorm2d(mid)
        self.conv3 = nn.Conv2d(mid, out_channels, 1)
        # The reference code builds a skip conv for every block and leaves it
        # unused when widths agree; we only build it where it is used.
        self.skip = nn.Conv2d(in_channels, out_channels, 1) if in_channels != out_channels else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        out = self.conv1(F.relu(self.bn1(x)))
        out = self.conv2(F.relu(self.bn2(out)))
        out = self.conv3(F.relu(self.bn3(out)))
        return out + self.skip(x)


class Hourglass(nn.Module):
    """One recursive hourglass of ``depth`` levels at constant width.

    Level ``n`` is ``up1 = Residual(x)`` in parallel with
    ``low3(inner(low1(maxpool(x))))`` upsampled ×2 (nearest), summed;
    ``inner`` is the hourglass of depth ``n − 1`` or, at the bottom, one
    residual block (the bottleneck).

    Shapes
    ------
    ``forward(x (B, C, n, n))`` returns ``(out, scales, bottleneck)`` with
    ``out`` (B, C, n, n); ``scales`` the ``depth`` lower-branch maps after
    ``low3``, finest first: (B, C, n/2, n/2), ..., (B, C, n/2^depth, n/2^depth);
    ``bottleneck`` (B, C, n/2^depth, n/2^depth), the innermost residual's output.
    ``n`` must be divisible by ``2**depth``.
    """

    def __init__(self, depth: int, channels: int):
        super().__init__()
        if depth < 1:
            raise ValueError(f"depth must be >= 1, got {depth}")
        self.depth = depth
        self.up1 = Residual(channels, channels)
        self.low1 = Residual(channels, channels)
        self.low2 = Hourglass(depth - 1, channels) if depth > 1 else Residual(channels, channels)
        self.low3 = Residual(channels, channels)

    def forward(self, x: Tensor) -> tuple[Tensor, list[Tensor], Tensor]:
        upper = self.up1(x)
        low = self.low1(F.max_pool2d(x, 2, 2))
        if self.depth > 1:
            low, inner_scales, bottleneck = self.low2(low)
        else:
            low = bottleneck = self.low2(low)
            inner_scales = []
        low = self.low3(low)
        out = upper + F.interpolate(low, scale_factor=2, mode="nearest")
        return out, [low] + inner_scales, bottleneck


@dataclass
class HourglassOutput:
    """Everything one forward pass of :class:`StackedHourglass` returns.

    Attributes
    ----------
    heatmaps : list of Tensor, one per stack, each (B, J, S/4, S/4)
        Predicted heatmaps; intermediate supervision applies the loss to all.
    features : list (per stack) of list of Tensor
        The five hourglass scales, finest to coarsest, each (B, C, n, n) with
        n = S/4, S/8, S/16, S/32, S/64 (64, 32, 16, 8, 4 for S = 256): the
        hourglass output, then the lower-branch map after ``low3`` at every
        level. These are the authors' ``feature_5`` ... ``feature_1``.
    bottleneck : list of Tensor, one per stack, each (B, C, S/64, S/64)
        Output of the innermost residual block (before the last ``low3``).
    penultimate : list of Tensor, one per stack, each (B, C, S/4, S/4)
        The map the heatmaps are predicted from (after Residual + Conv1x1-BN-ReLU);
        its global average is the authors' ``'penultimate'`` embedding.
    """

    heatmaps: list[Tensor]
    features: list[list[Tensor]]
    bottleneck: list[Tensor]
    penultimate: list[Tensor]


class StackedHourglass(nn.Module):
    """Stacked hourglass pose network with intermediate supervision.

    Parameters
    ----------
    nstack : int, >= 1
        Number of hourglasses (paper: 2).
    channels : int, even
        Width C of every hourglass (paper: 256).
    joints : int, >= 1
        Number of heatmaps J (16 for MPII, 14 for LSP).
    input_size : int, divisible by ``4 * 2**depth``
        Side S of the square input the model is built for; recorded so that
        :attr:`feature_sizes` and the heads agree (forward accepts any side
        divisible by ``4 * 2**depth``).
    depth : int, >= 1
        Hourglass depth (paper: 4, giving five scales).
    stem_channels : (int, int)
        Widths of the first conv and the stem residual blocks (reference: 64, 128).
    merge : {"input", "penultimate"}
        What the between-stack remap adds to: the stack's input (princeton-vl
        and the authors' 2021 code) or the penultimate map (the authors' 2022
        code), see :data:`MERGES`.

    Shapes
    ------
    ``forward(images (B, 3, S, S)) -> HourglassOutput``.
    """

    def __init__(
        self,
        nstack: int = 2,
        channels: int = 256,
        joints: int = 16,
        input_size: int = 256,
        depth: int = 4,
        stem_channels: tuple[int, int] = (64, 128),
        merge: str = "input",
    ):
        super().__init__()
        if merge not in MERGES:
            raise ValueError(f"merge must be one of {MERGES}, got {merge!r}")
        self.merge = merge
        for name, value in (("nstack", nstack), ("channels", channels), ("joints", joints), ("depth", depth)):
            if int(value) != value or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        self.granularity = 4 * 2**depth
        if input_size % self.granularity:
            raise ValueError(f"input_size must be divisible by 4 * 2**depth = {self.granularity}, got {input_size}")
        self.nstack = nstack
        self.channels = channels
        self.joints = joints
        self.input_size = input_size
        self.depth = depth
        first, wide = stem_channels
        self.stem = nn.Sequential(
            nn.Conv2d(3, first, 7, stride=2, padding=3),
            nn.BatchNorm2d(first),
            nn.ReLU(inplace=True),
            Residual(first, wide),
            nn.MaxPool2d(2, 2),
            Residual(wide, wide),
            Residual(wide, channels),
        )
        self.hourglasses = nn.ModuleList(Hourglass(depth, channels) for _ in range(nstack))
        self.features = nn.ModuleList(
            nn.Sequential(
                Residual(channels, channels),
                nn.Conv2d(channels, channels, 1),
                nn.BatchNorm2d(channels),
                nn.ReLU(inplace=True),
            )
            for _ in range(nstack)
        )
        self.outs = nn.ModuleList(nn.Conv2d(channels, joints, 1) for _ in range(nstack))
        self.merge_features = nn.ModuleList(nn.Conv2d(channels, channels, 1) for _ in range(nstack - 1))
        self.merge_preds = nn.ModuleList(nn.Conv2d(joints, channels, 1) for _ in range(nstack - 1))

    @property
    def heatmap_size(self) -> int:
        """Side of the output heatmaps, ``input_size // 4``."""
        return self.input_size // 4

    @property
    def feature_sizes(self) -> tuple[int, ...]:
        """Sides of the ``depth + 1`` feature scales, finest first, e.g. (64, 32, 16, 8, 4)."""
        return tuple(self.heatmap_size // 2**k for k in range(self.depth + 1))

    def forward(self, images: Tensor) -> HourglassOutput:
        """Run all stacks.

        Parameters
        ----------
        images : Tensor (B, 3, S, S)
            S divisible by ``4 * 2**depth`` (64 for depth 4).

        Returns
        -------
        HourglassOutput
        """
        if images.dim() != 4 or images.shape[1] != 3:
            raise ValueError(f"images must have shape (B, 3, S, S), got {tuple(images.shape)}")
        if images.shape[2] % self.granularity or images.shape[3] % self.granularity:
            raise ValueError(
                f"image sides must be divisible by {self.granularity} (4 * 2**depth), got {tuple(images.shape[2:])}"
            )
        x = self.stem(images)
        heatmaps, features, bottlenecks, penultimates = [], [], [], []
        for i in range(self.nstack):
            hg, lower_scales, bottleneck = self.hourglasses[i](x)
            penultimate = self.features[i](hg)
            preds = self.outs[i](penultimate)
            heatmaps.append(preds)
            features.append([hg] + lower_scales)
            bottlenecks.append(bottleneck)
            penultimates.append(penultimate)
            if i < self.nstack - 1:
                base = x if self.merge == "input" else penultimate
                x = base + self.merge_preds[i](preds) + self.merge_features[i](penultimate)
        return HourglassOutput(heatmaps=heatmaps, features=features, bottleneck=bottlenecks, penultimate=penultimates)


PRESETS: dict[str, dict] = {
    # Fast enough for CPU tests: one 64-wide stack on 128x128 inputs, 32x32 heatmaps,
    # feature scales 32, 16, 8, 4, 2, and a narrower stem.
    "tiny": dict(nstack=1, channels=64, input_size=128, depth=4, stem_channels=(32, 64)),
    # The paper's model (and the authors' configuration.yml): 2 stacks, 256 wide, 256 input.
    "paper": dict(nstack=2, channels=256, input_size=256, depth=4, stem_channels=(64, 128)),
}


def build_hourglass(preset: str = "paper", joints: int = 16, **overrides) -> StackedHourglass:
    """Build a :class:`StackedHourglass` from a named preset.

    Parameters
    ----------
    preset : {"tiny", "paper"}
        See :data:`PRESETS`.
    joints : int
        Number of heatmaps (16 MPII, 14 LSP).
    **overrides
        Any :class:`StackedHourglass` argument, replacing the preset's value.

    Examples
    --------
    >>> model = build_hourglass("tiny", joints=14)
    >>> model.feature_sizes
    (32, 16, 8, 4, 2)
    """
    if preset not in PRESETS:
        raise ValueError(f"preset must be one of {sorted(PRESETS)}, got {preset!r}")
    kwargs = dict(PRESETS[preset], joints=joints)
    kwargs.update(overrides)
    return StackedHourglass(**kwargs)


def pooled_bottleneck(out: HourglassOutput) -> Tensor:
    """Global average of the last stack's innermost bottleneck, (B, C).

    Note that the authors' core-set embedding is :func:`pooled_penultimate`.
    """
    return out.bottleneck[-1].mean(dim=(2, 3))


def pooled_penultimate(out: HourglassOutput) -> Tensor:
    """Global average of the last stack's penultimate map, (B, C).

    This is the authors' ``hourglass_dict['penultimate']``: their core-set
    embedding and the input of their GAP+FC learning-loss network.
    """
    return out.penultimate[-1].mean(dim=(2, 3))
