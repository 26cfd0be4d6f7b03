"""Per-protocol settings: the authors' code exactly (``authors``) or the community protocol (``standard``).

A run picks one with the top-level config field ``protocol`` (``--set protocol=authors``); the
paper presets use ``authors``. :data:`PROTOCOLS` holds one frozen :class:`Protocol` record per
name; :func:`effective_protocol` applies the config fields that override a setting
(``model.conv_reduce``, ``train.plateau_patience`` when not null).

``authors`` is meghshukla/ActiveLearningForHumanPose at its 2021 paper-era revision (commit
7aac63c, "LearningLoss++", CVPRW 2021); ``authors_2022`` is the same with the settings their
HEAD (2022, VL4Pose release) changed: AuxNet widths, the between-stack merge, occluded joints
trained and scored, both objectives on the normalised target, plateau patience 5, and the
augmentation (shift 0.2, rotation 45°, flips p = 0.5, square box 1.75×, U(1.5, 2) in training).
``standard`` is the official MPII / princeton-vl / mmpose practice.

Settings that need a call site in the run name it in :data:`CALL_SITES` (for the engine that wires
them); the README table "protocol: authors | standard" is generated from the same records by
:func:`protocol_table`.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

__all__ = ["Protocol", "PROTOCOLS", "CALL_SITES", "REASONS", "WIRED", "effective_protocol", "protocol_table",
           "ranking_target_options", "augment_spec", "RANKING_TARGETS"]


@dataclass(frozen=True)
class Protocol:
    """Every setting on which the authors' code and the standard protocol differ.

    Attributes
    ----------
    name : str
    conv_reduce : {"conv", "gap"}
        LL++conv reduction of the coarsest map (:class:`pose.heads.ConvLossHead`).
    fc_era : {"paper", "head"}
        FC widths of the loss heads (:data:`pose.heads.FC_ERAS`).
    merge : {"input", "penultimate"}
        Between-stack remap (:data:`pose.hourglass.MERGES`).
    heatmap_peak : float
        Target value at the joint (:func:`pose.data.transforms.gaussian_heatmaps` ``peak``).
    heatmap_window : int or None
        Support of the Gaussian target (``window``), None for the whole map.
    train_invisible_joints : bool
        Train every joint, with an all-zero target for invisible / absent ones (the authors'
        unmasked MSE, ``per_image_loss(visible=None)``), or mask them out.
    occluded_joints : {"zero_target", "trained"}
        Occluded-but-annotated joints get a zero target and are not scored (the authors' 2021
        ``occlusion: False``), or a Gaussian and are scored.
    ranking_target : dict kind -> {"all_joint_mean", "normalised", "visible_mean"}
        The per-image "true loss" each ranking objective learns: the all-joint heatmap mean
        (paper-era LL), that mean ÷ (annotated joints + 0.1) (LL++; LL at their HEAD), or the
        masked mean over visible joints.
    plateau_monitor : {"validation", "train"}
        Loss watched by ``ReduceLROnPlateau`` and used to pick the best epoch.
    plateau_patience, plateau_cooldown : int
    min_lr : float
    head_lr_decays : bool
        Whether the loss head's learning rate follows the scheduler (the authors pin it:
        ``min_lr=[3e-6, lr]``).
    rotation, shift : float
        Augmentation: max |rotation| in degrees, max |shift| as a fraction of the crop side.
    scale_range : (float, float)
        Augmentation zoom factor range.
    flip_probability : float
    box_margin : float
        LSP person box side over the joints' bounding box (the larger side).
    box_margin_train : (float, float) or None
        Training draw of ``box_margin`` (the authors: U(1.5, 2.5)); None: fixed.
    pck_total : {"official", "all", "mean_of_joints"}
        MPII total (:func:`pose.metrics.pckh`); LSP always pools its 14 joints ("all") except
        under "mean_of_joints".
    pck_boundary : {"le", "lt"}
    head_size_factor : float
        MPII head size = factor × head-box diagonal (official 0.6).
    mpii_head_towards_neck : float
        Fraction the MPII head-top label is moved towards the neck (``1 - lambda_head``).
    pck_thresholds : str
        Curve grid: "mpii" (0:0.01:0.5, :data:`pose.metrics.MPII_THRESHOLDS`) or "authors"
        (``np.linspace(0, 1, 20)``, :data:`pose.metrics.AUTHORS_THRESHOLDS`).
    """

    name: str
    conv_reduce: str
    fc_era: str
    merge: str
    heatmap_peak: float
    heatmap_window: int | None
    train_invisible_joints: bool
    occluded_joints: str
    ranking_target: dict = field(hash=False)
    plateau_monitor: str
    plateau_patience: int
    plateau_cooldown: int
    min_lr: float
    head_lr_decays: bool
    rotation: float
    shift: float
    scale_range: tuple
    flip_probability: float
    box_margin: float
    box_margin_train: tuple | None
    pck_total: str
    pck_boundary: str
    head_size_factor: float
    mpii_head_towards_neck: float
    pck_thresholds: str


_AUTHORS = Protocol(
    name="authors",
    conv_reduce="conv",
    fc_era="paper",
    merge="input",
    heatmap_peak=30.0,
    heatmap_window=11,
    train_invisible_joints=True,
    occluded_joints="zero_target",
    ranking_target={"ll": "all_joint_mean", "llpp": "normalised", "llpp_conv": "normalised"},
    plateau_monitor="validation",
    plateau_patience=8,
    plateau_cooldown=2,
    min_lr=3e-6,
    head_lr_decays=False,
    rotation=60.0,
    shift=0.15,
    scale_range=(0.75, 1.25),
    flip_probability=0.0,
    box_margin=2.0,
    box_margin_train=(1.5, 2.5),
    pck_total="mean_of_joints",
    pck_boundary="lt",
    head_size_factor=1.0,
    mpii_head_towards_neck=0.2,
    pck_thresholds="authors",
)

PROTOCOLS: dict[str, Protocol] = {
    "authors": _AUTHORS,
    "authors_2022": dataclasses.replace(
        _AUTHORS,
        name="authors_2022",
        fc_era="head",
        merge="penultimate",
        occluded_joints="trained",
        ranking_target={"ll": "normalised", "llpp": "normalised", "llpp_conv": "normalised"},
        plateau_patience=5,
        rotation=45.0,
        shift=0.2,
        flip_probability=0.5,
        box_margin=1.75,
        box_margin_train=(1.5, 2.0),
    ),
    "standard": Protocol(
        name="standard",
        conv_reduce="gap",
        fc_era="paper",
        merge="input",
        heatmap_peak=1.0,
        heatmap_window=None,
        train_invisible_joints=False,
        occluded_joints="trained",
        ranking_target={"ll": "visible_mean", "llpp": "visible_mean", "llpp_conv": "visible_mean"},
        plateau_monitor="train",
        plateau_patience=5,
        plateau_cooldown=0,
        min_lr=0.0,
        head_lr_decays=True,
        rotation=30.0,
        shift=0.0,
        scale_range=(0.75, 1.25),
        flip_probability=0.5,
        box_margin=1.25,
        box_margin_train=None,
        pck_total="official",
        pck_boundary="le",
        head_size_factor=0.6,
        mpii_head_towards_neck=0.0,
        pck_thresholds="mpii",
    ),
}
"""Protocol name → settings. Add a protocol by adding a record here."""

#: Where each setting takes effect: the module/function that reads it (wired) or must read it.
CALL_SITES: dict[str, str] = {
    "conv_reduce": "task.PoseTask -> backbone taps head_options['pose_conv'] -> ConvLossHead(reduce=)",
    "fc_era": "task.PoseTask -> head_options ('gap' widths, 'pose_conv' fc_era=)",
    "merge": "backbone._hourglass -> StackedHourglass(merge=)",
    "heatmap_peak": "datasets.prepare_data -> PoseDataset.use_protocol -> gaussian_heatmaps(peak=)",
    "heatmap_window": "datasets.prepare_data -> PoseDataset.use_protocol -> gaussian_heatmaps(window=)",
    "train_invisible_joints": "task.PoseTask.loss -> per_image_loss(visible=None) for the heatmap loss",
    "occluded_joints": "datasets.prepare_data -> MPIIDataset(occluded=) -> the training mask and dataset.scored",
    "ranking_target": "task.PoseTask.ranking_targets -> per_image_loss(**ranking_target_options(...)) -> gammaal.al.training",
    "plateau_monitor": "task.PoseTask.validation (= the test split) + engine_settings -> gammaal.al.training: scheduler.step(validation loss), best epoch",
    "plateau_patience": "task.engine_settings -> gammaal.al.training.train_network -> ReduceLROnPlateau(patience=)",
    "plateau_cooldown": "task.engine_settings -> gammaal.al.training.train_network -> ReduceLROnPlateau(cooldown=)",
    "min_lr": "task.engine_settings -> gammaal.al.training.train_network -> ReduceLROnPlateau(min_lr=[floor, ...])",
    "head_lr_decays": "task.engine_settings -> gammaal.al.training.train_network -> the heads' group floor = lr",
    "rotation": "PoseDataset.use_protocol -> _augmentation -> sample_augmentation(rng, augment_spec(p))",
    "shift": "PoseDataset.__getitem__ -> compose_affine(crop, shift_matrix(params.shift))",
    "scale_range": "PoseDataset.use_protocol -> _augmentation -> sample_augmentation(rng, augment_spec(p))",
    "flip_probability": "PoseDataset.use_protocol -> _augmentation -> sample_augmentation(rng, augment_spec(p))",
    "box_margin": "datasets.prepare_data -> LSPDataset / LSPETDataset(box_margin=) -> box_from_joints(margin=)",
    "box_margin_train": "PoseDataset.use_protocol -> _augmentation: scale factor x U(a, b) / box_margin in training",
    "pck_total": "task.PoseTask.metric -> UnionDataset.accuracy -> metrics.pck(total=) ('official' for 16 joints)",
    "pck_boundary": "task.PoseTask.metric -> UnionDataset.accuracy -> metrics.pck(boundary=)",
    "head_size_factor": "datasets.prepare_data -> MPIIDataset(head_size_factor=) -> the PCKh norm",
    "mpii_head_towards_neck": "datasets.prepare_data -> MPIIDataset(head_towards_neck=) -> the head-top label",
    "pck_thresholds": "task.PoseTask.metric_curve -> metrics.pck_curve(thresholds=) -> report pck_curves",
}

#: Settings the run already reads (the rest: building blocks, see :data:`CALL_SITES`).
WIRED = frozenset({"conv_reduce", "fc_era", "merge", "plateau_patience", "pck_total", "pck_boundary", "heatmap_peak",
                   "heatmap_window", "train_invisible_joints", "rotation", "shift", "scale_range",
                   "flip_probability", "pck_thresholds", "box_margin", "box_margin_train", "occluded_joints",
                   "head_size_factor", "mpii_head_towards_neck", "ranking_target", "plateau_cooldown", "min_lr",
                   "head_lr_decays", "plateau_monitor"})

#: Differences NOT reproduced under ``authors``, with the reason (the README table shows them).
REASONS: dict[str, str] = {
    "crop padding": "their rectangle 2h × 2w is clipped to the image and padded with black to a square; "
                    "ours is the square of side 2 × max(h, w) with real image context (same joint placement "
                    "when the box lies inside the image)",
    "heatmap coordinates": "they map 256 px to 64 px by x · 63/255; ours by x/4 − 0.375 (pixel centres), "
                           "a difference of at most 0.375 heatmap px (at the borders, none at the centre); ours is the convention "
                           "the quarter-pixel decoding and the back-projection to the image assume",
    "input scaling": "they feed image / 256, ours image / 255: a 0.4 % scale of the input, which the "
                     "BatchNorm after the first convolution absorbs",
}


def effective_protocol(config) -> Protocol:
    """The settings of ``config.protocol`` with the config fields that override them applied.

    ``model.conv_reduce`` and ``train.plateau_patience`` override the protocol when set (not null).
    """
    name = getattr(config, "protocol", "standard")
    if name not in PROTOCOLS:
        raise ValueError(f"protocol: must be one of {', '.join(PROTOCOLS)}, got {name!r}")
    overrides = {}
    reduce = getattr(getattr(config, "model", None), "conv_reduce", None)
    if reduce is not None:
        overrides["conv_reduce"] = reduce
    patience = getattr(getattr(config, "train", None), "plateau_patience", None)
    if patience is not None:
        overrides["plateau_patience"] = patience
    return dataclasses.replace(PROTOCOLS[name], **overrides)


def augment_spec(protocol: Protocol):
    """The :class:`pose.data.transforms.AugmentSpec` of ``protocol``."""
    from .data.transforms import AugmentSpec

    return AugmentSpec(rotation=protocol.rotation, scale_range=tuple(protocol.scale_range),
                       flip_probability=protocol.flip_probability, shift=protocol.shift)


#: Ranking-target rule → ``per_image_loss`` keyword arguments from (visible, annotated).
RANKING_TARGETS = {
    "all_joint_mean": lambda visible, annotated: {"visible": None},
    "normalised": lambda visible, annotated: {"visible": annotated, "normalise_by_joints": True},
    "visible_mean": lambda visible, annotated: {"visible": visible},
}


def ranking_target_options(protocol: Protocol, kind: str, visible, annotated) -> dict:
    """Keyword arguments of :func:`pose.objectives.per_image_loss` for ``kind``'s ranking target.

    ``visible`` marks the supervised joints; ``annotated`` the joints the authors count
    (MPII: every annotated joint, occluded included; LSP: the visible ones).
    """
    rule = protocol.ranking_target.get(kind)
    if rule not in RANKING_TARGETS:
        raise ValueError(f"ranking_target[{kind!r}]: must be one of {sorted(RANKING_TARGETS)}, got {rule!r}")
    return RANKING_TARGETS[rule](visible, annotated)


def _show(value) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, tuple):
        return "–".join(f"{v:g}" for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def protocol_table(names=("authors", "standard", "authors_2022")) -> str:
    """Markdown table of every setting on which the named protocols differ, then the unreproduced ones."""
    rows = [f"| setting | {' | '.join(f'`{n}`' for n in names)} | in the run |", "|---" * (len(names) + 2) + "|"]
    for f in dataclasses.fields(Protocol):
        if f.name == "name":
            continue
        values = [_show(getattr(PROTOCOLS[n], f.name)) for n in names]
        if len(set(values)) > 1:
            wired = "yes" if f.name in WIRED else "building block"
            rows.append(f"| `{f.name}` | " + " | ".join(values) + f" | {wired} |")
    for what, reason in REASONS.items():
        rows.append(f"| {what} | not reproduced: {reason} |" + " |" * len(names))
    return "\n".join(rows)
