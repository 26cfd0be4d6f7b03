"""Backbone adapters: which named maps of a pose network feed which loss head, and which one core-set embeds.

:class:`HourglassBackbone` runs a :class:`~pose.hourglass.StackedHourglass` and
passes the last stack's maps through named identity submodules, so
:class:`gammaal.al.LossPredictionModel` taps them by name like any other
model's layers; :class:`HRNetBackbone` does the same for :class:`~pose.hrnet.HRNet`.
Another backbone is one more adapter with its own :class:`BackboneTaps`, registered in
:data:`BACKBONES`.

Both adapters offer ``add_mc_dropout(p)`` (the hook :class:`gammaal.al.strategies.MCDropoutStrategy`
calls): element-wise dropout on the input of the final 1×1 heatmap convolutions, added by a
forward pre-hook, so the state-dict keys are unchanged and a model without it loads into one with it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from torch import Tensor, nn
from torch.nn.modules.dropout import _DropoutNd

from gammaal.al.heads import fc_widths

from .hourglass import HourglassOutput, StackedHourglass
from .hrnet import HRNet, HRNetOutput, build_hrnet

__all__ = ["BackboneTaps", "add_input_dropout", "HourglassBackbone", "HRNetBackbone", "BACKBONES", "build_backbone"]


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


def add_input_dropout(owner: nn.Module, targets, p: float) -> None:
    """Dropout(p) on the input of every module in ``targets``, as ``owner.mc_dropout`` and forward pre-hooks.

    Raises ValueError for ``p`` outside [0, 1) or when ``owner`` already has it.
    """
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p < 1.0:
        raise ValueError(f"p must be in [0, 1), got {p!r}")
    if isinstance(getattr(owner, "mc_dropout", None), _DropoutNd):
        raise ValueError("the model already has its MC dropout")
    owner.mc_dropout = nn.Dropout(float(p)).train(owner.training)
    for module in targets:
        module.register_forward_pre_hook(_InputDropout(owner.mc_dropout))


class _InputDropout:
    """Forward pre-hook applying ``dropout`` to a module's first input (an object, so deep copies follow)."""

    def __init__(self, dropout: nn.Module):
        self.dropout = dropout

    def __call__(self, module: nn.Module, args: tuple) -> tuple:
        return (self.dropout(args[0]), *args[1:])


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

    def add_mc_dropout(self, p: float) -> None:
        """Dropout(p) before every stack's final 1×1 heatmap convolution (MC-dropout's head region)."""
        add_input_dropout(self, self.hourglass.outs, p)

    def taps(self, reduce: str = "gap", fc_era: str = "paper") -> BackboneTaps:
        """The authors' choices: GAP heads on the penultimate map, LL++conv and the auxiliary heads
        (aleatoric, VL4Pose) on the five scales."""
        channels = self.hourglass.channels
        sizes = tuple(self.hourglass.feature_sizes)
        scales = tuple(f"scales.{k}" for k in range(len(sizes)))
        auxiliary = {"joints": self.hourglass.joints, "in_channels": (channels,) * len(sizes)}
        return BackboneTaps(
            taps=("penultimate",),
            head_taps={"pose_conv": scales, "aleatoric": scales, "vl4pose": scales},
            head_options={"gap": {"widths": fc_widths(channels, fc_era)},
                          "pose_conv": {"channels": channels, "sizes": sizes, "reduce": reduce},
                          "aleatoric": auxiliary, "vl4pose": auxiliary},
            embeddings={"bottleneck": ("bottleneck",), "penultimate": ("penultimate",)})


class HRNetBackbone(nn.Module):
    """HRNet whose stage-3 branch maps and final map are outputs of named submodules.

    Taps: ``"stage3.0"`` … ``"stage3.2"`` (finest first, widths W, 2W, 4W: the maps the
    authors' auxiliary network reads) and ``"final"`` (B, W, S/4, S/4), whose global
    average is their core-set embedding. ``forward`` returns the
    :class:`~pose.hrnet.HRNetOutput` unchanged (``heatmaps`` is a one-element list).
    """

    def __init__(self, hrnet: HRNet):
        super().__init__()
        self.hrnet = hrnet
        self.final = nn.Identity()
        self.stage3 = nn.ModuleList(nn.Identity() for _ in hrnet.stage3_channels)

    def forward(self, images: Tensor) -> HRNetOutput:
        out = self.hrnet(images)
        self.final(out.final)
        for tap, features in zip(self.stage3, out.stage3):
            tap(features)
        return out

    def add_mc_dropout(self, p: float) -> None:
        """Dropout(p) before the final 1×1 heatmap convolution (MC-dropout's head region)."""
        add_input_dropout(self, [self.hrnet.head], p)

    def taps(self, reduce: str = "gap", fc_era: str = "paper") -> BackboneTaps:
        """GAP and auxiliary heads on the three stage-3 maps; no LL++conv (its fusion needs equal widths)."""
        widths = sum(self.hrnet.stage3_channels)
        auxiliary = {"joints": self.hrnet.joints, "in_channels": tuple(self.hrnet.stage3_channels)}
        return BackboneTaps(taps=tuple(f"stage3.{k}" for k in range(len(self.hrnet.stage3_channels))),
                            head_options={"gap": {"widths": fc_widths(widths, fc_era)},
                                          "aleatoric": auxiliary, "vl4pose": auxiliary},
                            embeddings={"penultimate": ("final",), "bottleneck": ("stage3.2",)})


def _hourglass(config, joints: int, **options) -> HourglassBackbone:
    from .protocol import effective_protocol

    m = config.model
    options.setdefault("merge", effective_protocol(config).merge)
    return HourglassBackbone(StackedHourglass(nstack=m.nstack, channels=m.channels, joints=joints,
                                              input_size=m.input_size, depth=m.depth,
                                              stem_channels=tuple(m.stem_channels), **options))


def _hrnet(config, joints: int, **options) -> HRNetBackbone:
    return HRNetBackbone(build_hrnet(joints=joints, **options))


BACKBONES = {"hourglass": _hourglass, "hrnet": _hrnet}
"""Backbone adapters by name: ``BACKBONES[name](config, joints, **options)``."""


def build_backbone(name: str, config, joints: int, **options) -> nn.Module:
    """A fresh backbone adapter; ``options`` go to the network (e.g. HRNet's ``width``)."""
    if name not in BACKBONES:
        raise ValueError(f"backbone must be one of {sorted(BACKBONES)}, got {name!r}")
    return BACKBONES[name](config, joints, **options)
