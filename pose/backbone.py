"""Backbone adapters: which named maps of a pose network feed which loss head, and which one core-set embeds.

:class:`HourglassBackbone` runs a :class:`~pose.hourglass.StackedHourglass` and
passes the last stack's maps through named identity submodules, so
:class:`gammaal.al.LossPredictionModel` taps them by name like any other
model's layers. Another backbone (HRNet, ...) is one more adapter with its own
:class:`BackboneTaps`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from torch import Tensor, nn

from gammaal.al.heads import fc_widths

from .hourglass import HourglassOutput, StackedHourglass

__all__ = ["BackboneTaps", "HourglassBackbone"]


@dataclass(frozen=True)
class BackboneTaps:
    """Tap names of a backbone adapter.

    Attributes
    ----------
    taps : tuple of str
        Input of the GAP heads (Learning Loss, LearningLoss++).
    head_taps : dict of head kind -> tuple of str
        Heads that read other maps (LL++conv: the multi-scale maps).
    head_options : dict of head kind -> dict
        Constructor options of each head kind.
    embeddings : dict of name -> tuple of str
        Core-set embeddings by name (``active.coreset_embedding``).
    """

    taps: tuple[str, ...]
    head_taps: dict = field(default_factory=dict)
    head_options: dict = field(default_factory=dict)
    embeddings: dict = field(default_factory=dict)


class HourglassBackbone(nn.Module):
    """A stacked hourglass whose last-stack maps are outputs of named submodules.

    Taps: ``"penultimate"`` (B, C, S/4, S/4), ``"bottleneck"`` (B, C, S/64, S/64)
    and ``"scales.0"`` … ``"scales.4"`` (finest first). ``forward`` returns the
    :class:`~pose.hourglass.HourglassOutput` unchanged.
    """

    def __init__(self, hourglass: StackedHourglass):
        super().__init__()
        self.hourglass = hourglass
        self.penultimate = nn.Identity()
        self.bottleneck = nn.Identity()
        self.scales = nn.ModuleList(nn.Identity() for _ in hourglass.feature_sizes)

    def forward(self, images: Tensor) -> HourglassOutput:
        out = self.hourglass(images)
        self.penultimate(out.penultimate[-1])
        self.bottleneck(out.bottleneck[-1])
        for scale, features in zip(self.scales, out.features[-1]):
            scale(features)
        return out

    def taps(self, reduce: str = "gap") -> BackboneTaps:
        """The authors' choices: GAP heads on the penultimate map, LL++conv on the five scales."""
        channels = self.hourglass.channels
        sizes = tuple(self.hourglass.feature_sizes)
        scales = tuple(f"scales.{k}" for k in range(len(sizes)))
        return BackboneTaps(
            taps=("penultimate",),
            head_taps={"pose_conv": scales},
            head_options={"gap": {"widths": fc_widths(channels)},
                          "pose_conv": {"channels": channels, "sizes": sizes, "reduce": reduce}},
            embeddings={"bottleneck": ("bottleneck",), "penultimate": ("penultimate",)})
