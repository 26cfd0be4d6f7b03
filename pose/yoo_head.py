"""Yoo & Kweon's (2019) loss head as a :mod:`gammaal.al` head kind, for ``model.head_variant: yoo``.

Registers ``"pose_yoo"`` (:class:`pose.heads.LearningLossHead` with ``variant="yoo"``: per map
GAP → Linear(C, 128) → ReLU, concatenated, Linear(5·128, 1)) in :data:`gammaal.al.HEADS`;
:class:`pose.task.PoseTask` feeds it the five hourglass scales in place of the GAP head of
``ll`` and ``llpp`` (``Task.head_kinds``).
"""
from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor

from gammaal.al.heads import HEADS

from .heads import LearningLossHead

__all__ = ["YooLossHead"]


@HEADS.register("pose_yoo")
class YooLossHead(LearningLossHead):
    """:class:`pose.heads.LearningLossHead` (``variant="yoo"``) with the engine's head signature."""

    def __init__(self, num_taps: int, channels: int | None = None):
        if channels is None:
            raise ValueError("head 'pose_yoo' needs the width of the multi-scale maps (channels); "
                             "this backbone adapter offers none")
        super().__init__(channels, variant="yoo", num_maps=num_taps, detach_features=False)

    def forward(self, features: Sequence[Tensor], names: Sequence[str] | None = None) -> Tensor:
        return super().forward(list(features))
