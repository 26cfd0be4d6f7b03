"""A small auxiliary head on detached backbone features, predicting a vector of parameters per image.

Used by aleatoric uncertainty (one log-variance per joint) and VL4Pose (mean and log-variance
of every skeleton link length).  Like the authors' AuxNet (meghshukla/ActiveLearningForHumanPose,
``models/auxiliary/AuxiliaryNet.py``) it reads the backbone under ``no_grad`` — the head never
trains the pose network — global-average pools every map it is given (the hourglass scales,
or HRNet's stage-3 branches, whose widths differ), concatenates, and runs a ReLU MLP.
No BatchNorm, so batches of one train.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

__all__ = ["hidden_widths", "PooledParameterHead"]


def hidden_widths(in_features: int, outputs: int) -> list[int]:
    """Halve from ``in_features // 2`` while the width stays at least ``max(8, 2·outputs)``.

    Examples
    --------
    >>> hidden_widths(224, 14)
    [112, 56, 28]
    """
    floor = max(8, 2 * outputs)
    widths, width = [], in_features // 2
    while width >= floor:
        widths.append(width)
        width //= 2
    return widths


class PooledParameterHead(nn.Module):
    """GAP every map, concatenate, MLP → ``outputs`` values.

    Parameters
    ----------
    in_channels : sequence of int
        Width of every input map, in the order they are passed.
    outputs : int
        Values predicted per image (J log-variances, or 2 L link parameters).
    hidden : sequence of int, optional
        MLP widths; default :func:`hidden_widths`.
    detach_features : bool
        Stop gradients into the backbone (default True, as the authors).

    Shapes
    ------
    ``forward(list of (B, in_channels[k], n_k, m_k)) -> (B, outputs)``
    """

    def __init__(self, in_channels: Sequence[int], outputs: int, hidden: Sequence[int] | None = None,
                 detach_features: bool = True):
        super().__init__()
        in_channels = tuple(int(c) for c in in_channels)
        if not in_channels or min(in_channels) < 1:
            raise ValueError(f"in_channels must be a non-empty list of positive widths, got {in_channels!r}")
        if int(outputs) != outputs or outputs < 1:
            raise ValueError(f"outputs must be a positive integer, got {outputs!r}")
        self.in_channels = in_channels
        self.outputs = int(outputs)
        self.detach_features = detach_features
        total = sum(in_channels)
        widths = hidden_widths(total, self.outputs) if hidden is None else [int(w) for w in hidden]
        layers: list[nn.Module] = []
        width_in = total
        for width in widths:
            layers += [nn.Linear(width_in, width), nn.ReLU(inplace=True)]
            width_in = width
        layers.append(nn.Linear(width_in, self.outputs))
        self.mlp = nn.Sequential(*layers)

    def forward(self, features: Sequence[Tensor]) -> Tensor:
        if isinstance(features, Tensor) or len(features) != len(self.in_channels):
            raise ValueError(f"features must be a list of {len(self.in_channels)} maps (B, C, n, m)")
        for k, (f, c) in enumerate(zip(features, self.in_channels)):
            if f.dim() != 4 or f.shape[1] != c or f.shape[0] != features[0].shape[0]:
                raise ValueError(f"features[{k}] must have shape (B, {c}, n, m), got {tuple(f.shape)}")
        if self.detach_features:
            features = [f.detach() for f in features]
        return self.mlp(torch.cat([f.mean(dim=(2, 3)) for f in features], dim=1))
