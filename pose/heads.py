"""Loss-prediction heads: Learning Loss (GAP + FC) and LL++conv (paper §4.2).

Every head takes the *list* of feature maps it consumes (not the model) and
returns one predicted loss per image, shape (B,). :func:`head_inputs` picks
that list out of a :class:`~pose.hourglass.HourglassOutput`:

============  ==========  ==================================================
kind          variant     consumes (last stack only)
============  ==========  ==================================================
"ll", "llpp"  "authors"   ``[penultimate]``: the (B, C, S/4, S/4) map the
                          heatmaps come from, global-average pooled
"ll", "llpp"  "yoo"       the five hourglass scales, finest first
"llpp_conv"   (n/a)       the five hourglass scales, finest first
============  ==========  ==================================================

"ll" and "llpp" differ only in the objective they are trained with (margin
ranking vs KL, see :mod:`pose.objectives`), not in architecture.

Gradient stopping (``detach_features``): the authors of LearningLoss++ compute
the head inputs under ``torch.no_grad()``, i.e. the loss head never trains the
backbone. Yoo & Kweon let the ranking loss flow into the backbone for the first
120 of 200 epochs and detach afterwards. The switch is a plain attribute so a
training loop can flip it at any epoch. No head uses BatchNorm, so batches of
one image work in training mode.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gammaal.al.heads import ACTIVATIONS, FC_ERAS, LossRegressor, check_activation, fc_widths  # noqa: F401  (re-exported)

from .hourglass import HourglassOutput

__all__ = [
    "FC_ERAS",
    "fc_widths",
    "LossRegressor",
    "LearningLossHead",
    "ConvLossHead",
    "HEAD_KINDS",
    "build_head",
    "head_inputs",
]

HEAD_KINDS = ("ll", "llpp", "llpp_conv")


def _check_maps(features: Sequence[Tensor], count: int, channels: int, sizes: Sequence[int] | None = None) -> None:
    if isinstance(features, Tensor) or len(features) != count:
        got = "a Tensor" if isinstance(features, Tensor) else f"{len(features)} maps"
        raise ValueError(f"features must be a list of {count} maps (B, C, n, n), got {got}")
    batch = features[0].shape[0]
    for k, f in enumerate(features):
        if f.dim() != 4 or f.shape[1] != channels or f.shape[0] != batch:
            raise ValueError(
                f"features[{k}] must have shape (B={batch}, C={channels}, n, n), got {tuple(f.shape)}"
            )
        if sizes is not None and tuple(f.shape[2:]) != (sizes[k], sizes[k]):
            raise ValueError(f"features[{k}] must be {sizes[k]}x{sizes[k]} (sizes={tuple(sizes)}), got {tuple(f.shape[2:])}")


class LearningLossHead(nn.Module):
    """Global-average-pooling loss-prediction head, in two variants.

    ``variant="authors"`` (meghshukla/ActiveLearningForHumanPose): GAP every
    map, concatenate, then :class:`LossRegressor` with widths
    :func:`fc_widths` (C → C/2 → ... → 8 → 1 with ReLUs). With one map, the
    penultimate map, and C = 256 this is exactly the authors' network.

    ``variant="yoo"`` (Yoo & Kweon 2019): per map GAP → Linear(C, hidden) →
    ReLU, concatenate the ``num_maps`` vectors, Linear(num_maps·hidden, 1).

    Parameters
    ----------
    channels : int
        Width C of every input map.
    variant : {"authors", "yoo"}
    num_maps : int or None
        Number of maps consumed; None means the variant's default (1 for
        "authors", 5 for "yoo"), matching :func:`head_inputs`.
    detach_features : bool
        Stop gradients into the backbone (attribute, may be toggled).
    hidden : int
        Yoo & Kweon's per-map width (128 in their code); unused by "authors".
    fc_era : {"paper", "head"}
        FC widths of the "authors" variant, see :func:`fc_widths`.

    Shapes
    ------
    ``forward(features: list of num_maps Tensors (B, C, n_k, n_k)) -> (B,)``
    """

    def __init__(
        self,
        channels: int,
        variant: str = "authors",
        num_maps: int | None = None,
        detach_features: bool = True,
        hidden: int = 128,
        fc_era: str = "paper",
    ):
        super().__init__()
        if variant not in ("authors", "yoo"):
            raise ValueError(f"variant must be 'authors' or 'yoo', got {variant!r}")
        if num_maps is None:
            num_maps = 1 if variant == "authors" else 5
        if num_maps < 1:
            raise ValueError(f"num_maps must be >= 1, got {num_maps}")
        self.channels = channels
        self.variant = variant
        self.num_maps = num_maps
        self.detach_features = detach_features
        self.fc_era = fc_era
        if variant == "authors":
            self.regressor = LossRegressor(num_maps * channels, fc_widths(channels, fc_era))
        else:
            self.per_map = nn.ModuleList(nn.Linear(channels, hidden) for _ in range(num_maps))
            self.linear = nn.Linear(num_maps * hidden, 1)

    def forward(self, features: Sequence[Tensor]) -> Tensor:
        _check_maps(features, self.num_maps, self.channels)
        if self.detach_features:
            features = [f.detach() for f in features]
        pooled = [f.mean(dim=(2, 3)) for f in features]
        if self.variant == "authors":
            return self.regressor(torch.cat(pooled, dim=1)).squeeze(1)
        hidden = [F.relu(fc(v)) for fc, v in zip(self.per_map, pooled)]
        return self.linear(torch.cat(hidden, dim=1)).squeeze(1)


def _downsampler(channels: int, n1: int, n2: int) -> nn.Module:
    """Convs taking (B, C, n1, n1) to (B, C, n2, n2), paper §4.2.

    ``n1/n2`` integer: one conv with kernel = stride = n1/n2. Otherwise a conv
    with kernel = stride = floor(n1/n2), giving m = floor(n1/r) >= n2, then a
    stride-1 conv with kernel m − n2 + 1 (omitted when m = n2).
    """
    ratio = n1 // n2
    strided = nn.Conv2d(channels, channels, kernel_size=ratio, stride=ratio)
    m = n1 // ratio
    if m == n2:
        # e.g. 5 -> 2: the floor-stride conv already lands on n2.
        return strided
    return nn.Sequential(strided, nn.Conv2d(channels, channels, kernel_size=m - n2 + 1))


class ConvLossHead(nn.Module):
    """LL++conv: strided convolutions fuse the hourglass scales (paper §4.2).

    The authors' order (``ConvolutionHourglassFeatureExtractor`` in
    meghshukla/ActiveLearningForHumanPose, both the 2021 and the 2022 code):
    walking from the finest to the coarsest scale,
    ``H ← H_next + ReLU(Down(H))``; then ``v = ReLU(R(H))`` with ``R`` the
    learned conv with kernel = coarsest side (``reduce="conv"``, the authors)
    or global average pooling (``reduce="gap"``, as printed in the paper);
    then the same :class:`LossRegressor` as the GAP head. Superposition
    instead of concatenation keeps the head small. (An earlier version of
    this class applied the ReLU before each ``Down`` and none after ``R``;
    with identical weights its output correlated with the authors' at 0.2.)

    Parameters
    ----------
    channels : int
        Width C of every input map.
    sizes : sequence of int, strictly decreasing
        Sides of the input maps, finest first, e.g. (64, 32, 16, 8, 4).
    reduce : {"gap", "conv"}
    detach_features : bool
        Stop gradients into the backbone (attribute, may be toggled).
    fc_era : {"paper", "head"}
        FC widths, see :func:`fc_widths`.
    activation : {"relu", "leaky_relu"}
        Every nonlinearity of the head (:data:`gammaal.al.heads.ACTIVATIONS`; the authors: ReLU).

    Shapes
    ------
    ``forward(features: list of len(sizes) Tensors (B, C, sizes[k], sizes[k])) -> (B,)``
    """

    def __init__(
        self,
        channels: int,
        sizes: Sequence[int] = (64, 32, 16, 8, 4),
        reduce: str = "gap",
        detach_features: bool = True,
        fc_era: str = "paper",
        activation: str = "relu",
    ):
        super().__init__()
        self.activation = check_activation(activation)
        sizes = tuple(int(s) for s in sizes)
        if len(sizes) < 1 or any(s < 1 for s in sizes) or any(a <= b for a, b in zip(sizes, sizes[1:])):
            raise ValueError(f"sizes must be positive and strictly decreasing (finest first), got {sizes}")
        if reduce not in ("gap", "conv"):
            raise ValueError(f"reduce must be 'gap' or 'conv', got {reduce!r}")
        self.channels = channels
        self.sizes = sizes
        self.reduce = reduce
        self.detach_features = detach_features
        self.fc_era = fc_era
        self.downsamplers = nn.ModuleList(_downsampler(channels, a, b) for a, b in zip(sizes, sizes[1:]))
        self.reducer = nn.Conv2d(channels, channels, kernel_size=sizes[-1]) if reduce == "conv" else None
        self.regressor = LossRegressor(channels, fc_widths(channels, fc_era), activation)

    def embed(self, features: Sequence[Tensor]) -> Tensor:
        """The fused vector ``v`` the regressor reads, (B, C)."""
        _check_maps(features, len(self.sizes), self.channels, self.sizes)
        if self.detach_features:
            features = [f.detach() for f in features]
        act = ACTIVATIONS[self.activation]
        fused = features[0]
        for down, coarser in zip(self.downsamplers, features[1:]):
            fused = coarser + act(down(fused))
        reduced = fused.mean(dim=(2, 3)) if self.reducer is None else self.reducer(fused).flatten(1)
        return act(reduced)

    def forward(self, features: Sequence[Tensor]) -> Tensor:
        return self.regressor(self.embed(features)).squeeze(1)


def build_head(
    kind: str,
    channels: int,
    sizes: Sequence[int] = (64, 32, 16, 8, 4),
    *,
    variant: str = "authors",
    reduce: str = "gap",
    detach_features: bool = True,
    num_maps: int | None = None,
    fc_era: str = "paper",
) -> nn.Module:
    """Build the loss head for an experiment kind.

    Parameters
    ----------
    kind : {"ll", "llpp", "llpp_conv"}
        "ll" (Learning Loss) and "llpp" (LearningLoss++) build a
        :class:`LearningLossHead`; "llpp_conv" a :class:`ConvLossHead`.
    channels : int
        Backbone width C.
    sizes : sequence of int
        Feature sides, finest first (``model.feature_sizes``); used by "llpp_conv".
    variant, num_maps : see :class:`LearningLossHead`.
    reduce : see :class:`ConvLossHead`.
    detach_features : bool
    fc_era : {"paper", "head"}
        FC widths (:func:`fc_widths`) of the "authors" GAP head and of the conv head.

    Examples
    --------
    >>> head = build_head("llpp_conv", 64, (32, 16, 8, 4, 2))
    >>> type(head).__name__
    'ConvLossHead'
    """
    if kind in ("ll", "llpp"):
        return LearningLossHead(
            channels, variant=variant, num_maps=num_maps, detach_features=detach_features, fc_era=fc_era
        )
    if kind == "llpp_conv":
        return ConvLossHead(channels, sizes=sizes, reduce=reduce, detach_features=detach_features, fc_era=fc_era)
    raise ValueError(f"kind must be one of {HEAD_KINDS}, got {kind!r}")


def head_inputs(out: HourglassOutput, kind: str, variant: str = "authors") -> list[Tensor]:
    """The list of maps the head of ``kind`` (and ``variant``) consumes, last stack only.

    Returns
    -------
    list of Tensor
        "ll"/"llpp" with variant "authors": ``[out.penultimate[-1]]`` (B, C, S/4, S/4);
        "ll"/"llpp" with variant "yoo", and "llpp_conv": ``out.features[-1]``, the
        five scales (B, C, n, n), n = S/4 ... S/64, finest first.
    """
    if kind not in HEAD_KINDS:
        raise ValueError(f"kind must be one of {HEAD_KINDS}, got {kind!r}")
    if kind != "llpp_conv" and variant == "authors":
        return [out.penultimate[-1]]
    if kind != "llpp_conv" and variant != "yoo":
        raise ValueError(f"variant must be 'authors' or 'yoo', got {variant!r}")
    return list(out.features[-1])
