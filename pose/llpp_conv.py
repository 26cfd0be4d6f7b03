"""LL++conv as a :mod:`gammaal.al` plug-in: the multi-scale conv head (paper §4.2) and its strategy.

Registers the head kind ``"pose_conv"`` (:class:`pose.heads.ConvLossHead` on the
five hourglass scales, finest first) in :data:`gammaal.al.HEADS` and the
strategy ``"llpp_conv"`` (top-k predicted loss, KL objective) in
:data:`gammaal.al.STRATEGIES`.
"""
from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor

from gammaal.al.heads import HEADS
from gammaal.al.strategies import register_strategy
from gammaal.al.strategies.learning_loss import LearningLossPlusPlusStrategy

from .heads import ConvLossHead

__all__ = ["PoseConvLossHead", "LearningLossConvStrategy"]


@HEADS.register("pose_conv")
class PoseConvLossHead(ConvLossHead):
    """:class:`pose.heads.ConvLossHead` with the engine's head signature (the wrapper detaches the maps)."""

    def __init__(self, num_taps: int, channels: int | None = None, sizes: Sequence[int] | None = None,
                 reduce: str = "gap", fc_era: str = "paper", activation: str = "relu"):
        if channels is None or sizes is None:
            raise ValueError("head 'pose_conv' (LL++conv) needs equal-width multi-scale maps (channels, sizes); "
                             "this backbone adapter offers none")
        if num_taps != len(sizes):
            raise ValueError(f"head 'pose_conv': {num_taps} taps for {len(sizes)} map sizes")
        super().__init__(channels, sizes=sizes, reduce=reduce, detach_features=False, fc_era=fc_era,
                         activation=activation)

    def forward(self, features: Sequence[Tensor], names: Sequence[str] | None = None) -> Tensor:
        return super().forward(list(features))


@register_strategy
class LearningLossConvStrategy(LearningLossPlusPlusStrategy):
    name = "llpp_conv"
    label = "LL++conv"
    head = "pose_conv"
