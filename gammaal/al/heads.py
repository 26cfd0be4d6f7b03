"""Loss-prediction heads for any backbone: a head takes the list of tapped features, returns (B,) losses.

A tapped feature is a 4-D map (B, C, H, W) or a 2-D vector (B, D).
:data:`HEADS` holds two kinds:

- ``"gap"`` — global-average-pool every map, keep vectors as they are,
  concatenate, then a small MLP (:class:`LossRegressor`): Learning Loss's head
  and the authors' LearningLoss++ head on their one tapped map;
- ``"conv"`` — a learned strided 3x3 convolution + ReLU on every map before
  the pooling (maps only), for maps whose spatial layout matters.

Input widths are inferred on the first forward (lazy modules), so a head is
built without knowing the backbone; :meth:`gammaal.al.LossPredictionModel.initialize`
does that dry run explicitly. No head uses BatchNorm, so batches of one work.

:data:`AUXILIARY_HEADS` holds the other kind of head a strategy may train next
to the model (:class:`AuxiliaryHead`): it predicts parameters (B, P) instead of
a loss and trains with its own :meth:`AuxiliaryHead.loss` on the task's
prediction and targets, e.g. a per-joint log-variance (aleatoric uncertainty).
Auxiliary heads are task-specific and registered by the task's plug-in module.
"""
from __future__ import annotations

from collections.abc import Sequence

import abc

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .registry import Registry

__all__ = ["FC_ERAS", "fc_widths", "ACTIVATIONS", "check_activation", "LossRegressor", "pool_features", "GapLossHead", "ConvPoolLossHead", "HEADS",
           "AuxiliaryHead", "AUXILIARY_HEADS"]

HEADS = Registry("loss head")
"""Loss-head classes by name; each is built as ``HEADS[name](num_taps)``."""

AUXILIARY_HEADS = Registry("auxiliary head")
"""Auxiliary-head classes by name (:class:`AuxiliaryHead`); each is built as ``AUXILIARY_HEADS[name](num_taps,
**options)``."""


class AuxiliaryHead(nn.Module, abc.ABC):
    """A head trained next to the model on its detached tap features, with its own loss.

    Subclasses define ``forward(features, names) -> Tensor (B, P)`` (``features``
    as for a loss head, already detached: an auxiliary head never trains the
    model) and :meth:`loss`. Registered in :data:`AUXILIARY_HEADS`.
    """

    @abc.abstractmethod
    def loss(self, output: Tensor, prediction, targets) -> Tensor:
        """Scalar training loss of the head's ``output`` (B, P) given the model's ``prediction`` and the
        task's ``targets`` (``task.split_batch``'s second item); computed in float32."""


#: Narrowest hidden layer of the LearningLoss++ authors' FC network, per code era: the
#: paper-era ``LearnLossActive`` (2021, ``fc: [128, 64, 32, 16, 8, 1]``) and
#: ``AuxNet`` at their HEAD (2022, ``fc: [128, 64, 32, 16]`` + the output 1).
FC_ERAS = {"paper": 8, "head": 16}


def fc_widths(channels: int, era: str = "paper") -> list[int]:
    """Hidden widths of the authors' FC network generalised to ``channels``.

    Halve from ``channels`` while the width stays >= the era's narrowest
    layer (:data:`FC_ERAS`): paper era 256 → 128 → 64 → 32 → 16 → 8 → 1,
    HEAD (AuxNet) 256 → 128 → 64 → 32 → 16 → 1.

    Examples
    --------
    >>> fc_widths(256)
    [128, 64, 32, 16, 8]
    >>> fc_widths(256, "head")
    [128, 64, 32, 16]
    >>> fc_widths(64)
    [32, 16, 8]
    """
    if era not in FC_ERAS:
        raise ValueError(f"era must be one of {sorted(FC_ERAS)}, got {era!r}")
    widths = []
    width = channels // 2
    while width >= FC_ERAS[era]:
        widths.append(width)
        width //= 2
    return widths


ACTIVATIONS = {"relu": F.relu, "leaky_relu": lambda x: F.leaky_relu(x, 0.01)}
"""The hidden nonlinearities a loss head may use. ``"relu"`` is the authors' (and Yoo & Kweon's); its flat
zero region is a trap for a loss head: an input whose last hidden layer is all zero gets the output bias,
so out-of-distribution pool images pile at one value (a ceiling when the output weights are negative), and
a layer negative for every input is dead for good (zero gradient). ``"leaky_relu"`` (slope 0.01) has no
flat region."""


def check_activation(activation: str) -> str:
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation: must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
    return activation


class _Activation(nn.Module):
    def __init__(self, activation: str):
        super().__init__()
        self.activation = check_activation(activation)

    def forward(self, x: Tensor) -> Tensor:
        return ACTIVATIONS[self.activation](x)

    def extra_repr(self) -> str:
        return self.activation


class LossRegressor(nn.Sequential):
    """Fully connected loss regressor: Linear-activation blocks of ``widths``, then Linear → 1.

    ``in_features=None`` infers the input width on the first call; ``activation`` is a key of
    :data:`ACTIVATIONS` (default ReLU, as the authors).

    Shapes
    ------
    ``(B, in_features) -> (B, 1)``
    """

    def __init__(self, in_features: int | None, widths: Sequence[int], activation: str = "relu"):
        layers: list[nn.Module] = []
        width_in = in_features
        for width in list(widths) + [1]:
            layers.append(nn.LazyLinear(width) if width_in is None else nn.Linear(width_in, width))
            layers.append(nn.ReLU(inplace=True) if activation == "relu" else _Activation(activation))
            width_in = width
        check_activation(activation)
        super().__init__(*layers[:-1])


def pool_features(features: Sequence[Tensor], names: Sequence[str] | None = None) -> Tensor:
    """Concatenate tapped features into one (B, D) vector: maps are global-average pooled, vectors kept.

    Raises
    ------
    ValueError
        A feature that is neither (B, D) nor (B, C, H, W), or batch sizes that differ.
    """
    names = list(names) if names is not None else [str(k) for k in range(len(features))]
    pooled = []
    for name, f in zip(names, features):
        if f.dim() == 4:
            pooled.append(f.mean(dim=(2, 3)))
        elif f.dim() == 2:
            pooled.append(f)
        else:
            raise ValueError(f"taps: {name!r} gave shape {tuple(f.shape)}; expected (B, D) or (B, C, H, W)")
        if pooled[-1].shape[0] != pooled[0].shape[0]:
            raise ValueError(f"taps: {name!r} has batch size {f.shape[0]}, the first tap {pooled[0].shape[0]}")
    return torch.cat(pooled, dim=1)


@HEADS.register("gap")
class GapLossHead(nn.Module):
    """GAP every map, keep vectors, concatenate, :class:`LossRegressor` with ``widths``.

    Shapes
    ------
    ``forward(features: list of (B, C_k, H_k, W_k) or (B, D_k) tensors) -> (B,)``
    """

    def __init__(self, num_taps: int, widths: Sequence[int] = (64, 16), activation: str = "relu"):
        super().__init__()
        self.num_taps = num_taps
        self.regressor = LossRegressor(None, widths, activation)

    def forward(self, features: Sequence[Tensor], names: Sequence[str] | None = None) -> Tensor:
        return self.regressor(pool_features(features, names)).squeeze(1)


@HEADS.register("conv")
class ConvPoolLossHead(nn.Module):
    """Per map: Conv2d(C, ``channels``, 3, stride 2) → ReLU → GAP; concatenate; :class:`LossRegressor`.

    Shapes
    ------
    ``forward(features: list of (B, C_k, H_k, W_k) tensors) -> (B,)``
    """

    def __init__(self, num_taps: int, channels: int = 64, widths: Sequence[int] = (64, 16), activation: str = "relu"):
        super().__init__()
        self.convs = nn.ModuleList(nn.LazyConv2d(channels, 3, stride=2, padding=1) for _ in range(num_taps))
        self.activation = check_activation(activation)
        self.regressor = LossRegressor(None, widths, activation)

    def forward(self, features: Sequence[Tensor], names: Sequence[str] | None = None) -> Tensor:
        names = list(names) if names is not None else [str(k) for k in range(len(features))]
        if len(features) != len(self.convs):
            raise ValueError(f"head 'conv' was built for {len(self.convs)} taps, got {len(features)}")
        for name, f in zip(names, features):
            if f.dim() != 4:
                raise ValueError(f"head 'conv' needs maps (B, C, H, W); tap {name!r} gave {tuple(f.shape)}")
        maps = [ACTIVATIONS[self.activation](conv(f)) for conv, f in zip(self.convs, features)]
        return self.regressor(pool_features(maps, names)).squeeze(1)
