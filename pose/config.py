"""Run configuration: one dataclass tree, loaded from YAML, validated before any training.

A config file mirrors :class:`RunConfig`::

    name: synthetic
    seed: 0            # first seed; seed i of a run is seed + i
    seeds: 3
    model:  {nstack: 1, channels: 32, input_size: 64, ...}
    data:   {dataset: synthetic, base_size: 200, pool_size: 1000, ...}
    train:  {epochs: 4, batch_size: 16, lr: 3.0e-4, init: finetune, ...}
    active: {strategies: [random, coreset, ll, llpp, llpp_conv], cycles: 3, budget: 100, ...}

Presets ship inside the package (``pose/configs/*.yaml``); :func:`load_config`
accepts a preset name (``synthetic``), a path, or a path whose file is missing
but whose stem names a preset (``configs/synthetic.yaml``).

Every error names the offending field as ``section.field`` and is a
``ValueError``, raised before a model is built.
"""
from __future__ import annotations

import copy
import dataclasses
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from .strategies import PAPER_STRATEGIES, STRATEGIES
from .validation import check_numeric_fields, plain

__all__ = [
    "ModelConfig",
    "DataConfig",
    "TrainConfig",
    "ActiveConfig",
    "RunConfig",
    "PRESET_DIR",
    "preset_names",
    "load_config",
    "config_from_dict",
    "config_to_dict",
    "load_config_data",
    "set_fields",
    "apply_overrides",
    "validate_config",
]

PRESET_DIR = Path(__file__).resolve().parent / "configs"
DATASETS = ("synthetic", "lsp_lspet", "mpii")


@dataclass
class ModelConfig:
    """Stacked hourglass and loss-head settings.

    Attributes
    ----------
    nstack, channels, input_size, depth : int
        :class:`pose.hourglass.StackedHourglass` arguments (paper: 2, 256, 256, 4).
    stem_channels : list of two int
        Widths of the stem (reference: [64, 128]).
    backbone : {"hourglass", "hrnet"}
        The network behind its adapter (:data:`pose.backbone.BACKBONES`); ``hrnet`` is HRNet-W32
        (``nstack``, ``channels``, ``depth`` and ``stem_channels`` are the hourglass's).
    head_variant : {"authors", "yoo"}
        :class:`pose.heads.LearningLossHead` variant for ``ll`` and ``llpp``.
    conv_reduce : {"gap", "conv"} or None
        :class:`pose.heads.ConvLossHead` reduction for ``llpp_conv``; None: the protocol's
        (``authors``: conv, ``standard``: gap; see :mod:`pose.protocol`).
    head_activation : {"relu", "leaky_relu"}
        Nonlinearity of the loss heads (LL, LL++ FC layers; LL++conv fusion and FC layers). "relu" is the
        authors'; its zero region lets a head give many pool images one value, the output bias (README:
        heads that learn), which "leaky_relu" (slope 0.01) cannot.
    init_checkpoint : str or None
        Hourglass weights written by ``python -m pose convert`` to start every model from.
    detach_features : bool
        Stop the ranking loss from reaching the backbone (the authors do).
    margin : float
        Learning Loss margin ξ (paper Eq. 1).
    loss_weight : float
        Weight of the ranking objective added to the heatmap loss.
    """

    nstack: int = 2
    channels: int = 256
    input_size: int = 256
    depth: int = 4
    stem_channels: list[int] = field(default_factory=lambda: [64, 128])
    backbone: str = "hourglass"
    head_variant: str = "authors"
    conv_reduce: typing.Optional[str] = None
    head_activation: str = "relu"
    init_checkpoint: typing.Optional[str] = None
    detach_features: bool = True
    margin: float = 1.0
    loss_weight: float = 1.0


@dataclass
class DataConfig:
    """Which images form the base set, the unlabelled pool and the test set.

    Attributes
    ----------
    dataset : {"synthetic", "lsp_lspet", "mpii"}
        ``synthetic``: ``base_size`` "lsp"-domain images are the base set,
        ``pool_size`` "lspet"-domain images the pool, ``test_size`` fresh
        "lsp"-domain images the test set (the LSP→LSPET shift).
        ``lsp_lspet``: the first ``base_size`` LSP training images are the base
        set, the other LSP training images and all of LSPET the pool, the LSP
        test half the test set. ``mpii``: ``base_size`` random training images
        (per seed) are the base set, the rest the pool, the validation split the test set.
    root : str or None
        Dataset directory (``lsp_lspet``: holding ``lsp/`` and ``lspet/``; ``mpii``: the MPII root).
    mpii_annotation : str or None
        Annotation file for MPII (passed to :class:`pose.data.MPIIDataset`).
    base_size, pool_size, test_size : int
        Sizes; ``pool_size`` and ``test_size`` apply to ``synthetic`` only.
    num_joints : int
        Joints of the synthetic figures (14 like LSP, or 16 like MPII).
    data_seed : int
        Seed of the synthetic images; fixed across run seeds so every seed sees the same data.
    augment : bool
        Rotation/scale/flip augmentation of training images.
    cache : bool
        Keep rendered synthetic images in memory (each is rendered once per process).
    pck_threshold : float or None
        PCK threshold; None means the dataset's protocol (0.2 LSP and synthetic, 0.5 PCKh MPII).
    num_workers : int
        DataLoader worker processes.
    heatmap_sigma : float or None
        Gaussian sigma of the heatmap targets in heatmap pixels; None: 1.75 px at 64 x 64 (the authors'),
        scaled with the map size. Small maps need a wider blob to learn from: at 16 x 16 the scaled
        sigma is 0.44 px, a target of about one pixel per joint.
    pool_mix : list of [fraction, shift] or None
        ``synthetic`` only: the pool as parts of the domain shift (0 = "lsp", 1 = "lspet", any value
        between interpolates every generator setting), e.g. ``[[0.85, 0.35], [0.15, 1.0]]``: 85 % mildly
        shifted images and 15 % hard ones (rare poses, clutter, occlusion) — a heavy tail of clear
        failures as in real pose data. Fractions must sum to 1; part sizes are rounded, the last part
        takes the rest. Each part is its own group in the records (``selected_groups``: ``lspet@0.35``,
        ``lspet@1``). None: the whole pool at shift 1 (group ``lspet``).
    """

    dataset: str = "synthetic"
    root: typing.Optional[str] = None
    mpii_annotation: typing.Optional[str] = None
    base_size: int = 1000
    pool_size: int = 1000
    test_size: int = 200
    num_joints: int = 14
    data_seed: int = 0
    augment: bool = False
    cache: bool = True
    pck_threshold: typing.Optional[float] = None
    num_workers: int = 0
    heatmap_sigma: typing.Optional[float] = None
    pool_mix: typing.Optional[list[list[float]]] = None


@dataclass
class TrainConfig:
    """Optimisation and hardware switches.

    Attributes
    ----------
    epochs : int, >= 0
        Epochs per cycle (paper: 80). 0 evaluates the initial model (used by tests).
    base_epochs : int or None
        Epochs for the base model (cycle 0); None means ``epochs``.
    share_base : bool
        Train the base model once per seed and start every strategy from it
        (the paper: stage-1 sampling uses "the base models shared by all
        approaches"); the heads of all learning-loss strategies train on it
        together. Needs ``model.detach_features`` (else the heads would shape
        the shared backbone).
    batch_size : int, >= 2
        Global batch size (paper: 16), split across ranks under DDP.
    lr, weight_decay : float
        Adam settings (authors: lr 3e-4).
    init : {"finetune", "scratch"}
        Start each cycle from the previous cycle's best model (the authors) or afresh.
    plateau_factor, plateau_patience : float, int or None
        ``ReduceLROnPlateau`` on the epoch's mean training heatmap loss; patience None: the
        protocol's (``authors`` 8, ``standard`` 5).
    eval_batch_size : int
        Batch size for scoring the pool and the test set.
    device : str
        "auto" (cuda if available), "cpu", "cuda" or "cuda:N".
    amp : {"none", "bf16", "fp16"}
        ``torch.autocast`` dtype; fp16 adds a gradient scaler and needs CUDA.
    channels_last : bool
        Run the model in ``torch.channels_last`` memory format.
    sync_batchnorm : bool
        Under DDP on CUDA, convert BatchNorm to SyncBatchNorm (ignored on CPU,
        where torch does not support it).
    threads : int or None
        ``torch.set_num_threads`` per process (default 1). A fixed count makes a
        run's numbers independent of ``OMP_NUM_THREADS`` and of the machine's
        core count (the reduction order of CPU kernels depends on the thread
        count); ``None`` keeps torch's default, which depends on both. The count
        in effect is recorded in ``run.json``.
    """

    epochs: int = 80
    base_epochs: typing.Optional[int] = None
    share_base: bool = True
    batch_size: int = 16
    lr: float = 3.0e-4
    weight_decay: float = 0.0
    init: str = "finetune"
    plateau_factor: float = 0.5
    plateau_patience: typing.Optional[int] = None
    eval_batch_size: int = 64
    device: str = "auto"
    amp: str = "none"
    channels_last: bool = False
    sync_batchnorm: bool = True
    threads: typing.Optional[int] = 1


@dataclass
class ActiveConfig:
    """Active learning cycles.

    Attributes
    ----------
    strategies : list of str
        Subset of ``random, coreset, ll, llpp, llpp_conv``.
    cycles : int, >= 1
        Selection stages; each adds ``budget`` images, so a run trains
        ``cycles + 1`` models (base set, then after every stage).
    budget : int, >= 1
        Images added per stage (paper: 1000).
    subset : int or None
        Score only a random subset of this many unlabelled images per stage
        (Yoo & Kweon); None scores the whole pool.
    coreset_embedding : {"bottleneck", "penultimate"}
        Pooled last-stack map used by core-set. The authors' code uses the
        penultimate map; "bottleneck" is the innermost hourglass feature.
    coreset_chunk : int
        Rows per distance block in k-center greedy.
    gamma_deltas : list of float, each in (0, 100]
        Margins δ for the gamma analysis, in units of the fitted mean loss kθ
        (the paper's Table 1, δ = 0.02 ... 0.15 with kθ = 0.264, spans 0.08 ... 0.57).
    gamma_quantile : float in (0, 1)
        ``ll_gamma``: ranking pairs closer than this quantile of |X − Y| under the batch's gamma fit are skipped.
    """

    strategies: list[str] = field(default_factory=lambda: list(PAPER_STRATEGIES))
    cycles: int = 5
    budget: int = 1000
    subset: typing.Optional[int] = None
    coreset_embedding: str = "bottleneck"
    coreset_chunk: int = 2048
    gamma_deltas: list[float] = field(default_factory=lambda: [0.05, 0.1, 0.25, 0.5])
    gamma_quantile: float = 0.25


@dataclass
class RunConfig:
    """A whole experiment: ``seeds`` repetitions of every strategy.

    Attributes
    ----------
    name : str
        Run name; the default output directory is ``runs/<name>``.
    seed : int
        First seed; the run seeds are ``seed, seed + 1, ..., seed + seeds − 1``.
    seeds : int, >= 1
    protocol : {"authors", "authors_2022", "standard"}
        Settings on which the authors' code and the standard protocol differ
        (:data:`pose.protocol.PROTOCOLS`); the paper presets use "authors".
    model, data, train, active : sections, see their classes.
    """

    name: str = "run"
    protocol: str = "standard"
    seed: int = 0
    seeds: int = 5
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    active: ActiveConfig = field(default_factory=ActiveConfig)

    @property
    def seed_list(self) -> list[int]:
        """The run seeds."""
        return [self.seed + i for i in range(self.seeds)]


def pool_parts(mix, pool_size: int) -> list[tuple[str, int, float]]:
    """``data.pool_mix`` as ``(group name, size, shift)`` per part; sizes sum to ``pool_size``.

    >>> pool_parts([[0.85, 0.35], [0.15, 1.0]], 1000)
    [('lspet@0.35', 850, 0.35), ('lspet@1', 150, 1.0)]
    >>> pool_parts(None, 1000)
    [('lspet', 1000, 1.0)]
    """
    if mix is None:
        return [("lspet", pool_size, 1.0)]
    if not mix:
        raise ValueError("data.pool_mix: must list at least one [fraction, shift] part, or be null")
    for i, part in enumerate(mix):
        if len(part) != 2:
            raise ValueError(f"data.pool_mix[{i}]: expected [fraction, shift], got {part!r}")
        fraction, shift = part
        if not 0.0 < fraction <= 1.0:
            raise ValueError(f"data.pool_mix[{i}][0]: fraction must be in (0, 1], got {fraction!r}")
        if not 0.0 <= shift <= 1.0:
            raise ValueError(f"data.pool_mix[{i}][1]: shift must be in [0, 1], got {shift!r}")
    total = sum(part[0] for part in mix)
    if abs(total - 1.0) > 1e-9:
        raise ValueError(f"data.pool_mix: fractions must sum to 1, got {total:g}")
    shifts = [part[1] for part in mix]
    if len(set(shifts)) != len(shifts):
        raise ValueError(f"data.pool_mix: each part needs its own shift, got {shifts}")
    sizes = [int(round(fraction * pool_size)) for fraction, _ in mix[:-1]]
    sizes.append(pool_size - sum(sizes))
    if min(sizes) < 1:
        raise ValueError(f"data.pool_mix: a part of {mix} gets no image of the pool of {pool_size}")
    return [(f"lspet@{shift:g}", size, float(shift)) for size, (_, shift) in zip(sizes, mix)]


def _type_name(tp) -> str:
    return getattr(tp, "__name__", str(tp))


def _coerce(value, tp, where: str):
    """Check ``value`` against the annotation ``tp``.

    Numpy scalars become the Python scalars they hold, ints are accepted as
    floats and a float field also takes a numeric string (PyYAML reads ``1e-3``
    without a dot as a string); nothing else converts.
    """
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(value, arg, where)
            except ValueError as exc:
                errors.append(str(exc))
        raise ValueError(errors[0] if errors else f"{where}: invalid value {plain(value)!r}")
    if origin is list:
        (item,) = typing.get_args(tp)
        if not isinstance(value, (list, tuple)):
            raise ValueError(f"{where}: expected a list of {_type_name(item)}, got {plain(value)!r}")
        return [_coerce(v, item, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, np.generic):
        value = value.item()
    if tp is bool:
        if not isinstance(value, bool):
            raise ValueError(f"{where}: expected true or false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{where}: expected an integer, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ValueError(f"{where}: expected a string, got {value!r}")
        return value
    raise TypeError(f"unsupported annotation {tp!r} for {where}")


def _section_from_dict(cls, data, where: str):
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValueError(f"{where or 'config'}: expected a mapping, got {plain(data)!r}")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        name = f"{where}.{unknown[0]}" if where else unknown[0]
        raise ValueError(f"{name}: unknown field (known: {', '.join(sorted(known))})")
    kwargs = {}
    for key, value in data.items():
        name = f"{where}.{key}" if where else key
        tp = hints[key]
        if dataclasses.is_dataclass(tp):
            kwargs[key] = _section_from_dict(tp, value, name)
        else:
            kwargs[key] = _coerce(value, tp, name)
    return cls(**kwargs)


def config_from_dict(data: dict) -> RunConfig:
    """Build and validate a :class:`RunConfig` from a (YAML-loaded) mapping.

    Missing fields take the dataclass defaults.

    Raises
    ------
    ValueError
        Unknown field, wrong type or invalid value; the message starts with the field name.
    """
    config = _section_from_dict(RunConfig, data, "")
    validate_config(config)
    return config


def config_to_dict(config: RunConfig) -> dict:
    """Plain nested dict (JSON/YAML-serialisable) of a config."""
    return dataclasses.asdict(config)


def preset_names() -> list[str]:
    """Names of the YAML presets shipped in ``pose/configs``."""
    return sorted(p.stem for p in PRESET_DIR.glob("*.yaml"))


def resolve_config_path(spec: str | Path) -> Path:
    """Path of a config given as a path or a preset name.

    Raises
    ------
    ValueError
        Neither a file nor a preset (message names ``--config``).
    """
    path = Path(spec)
    if path.is_file():
        return path
    preset = PRESET_DIR / f"{path.stem}.yaml"
    if path.suffix in ("", ".yaml", ".yml") and preset.is_file():
        return preset
    raise ValueError(f"--config: {spec!s} is neither a file nor a preset (presets: {', '.join(preset_names())})")


def load_config_data(spec: str | Path) -> dict:
    """The mapping of a YAML config (by path or preset name), not yet validated.

    A partial file is fine: :func:`set_fields` can complete it and
    :func:`config_from_dict` fills the remaining defaults and validates.
    """
    path = resolve_config_path(spec)
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ValueError(f"--config: {path} is not valid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError(f"--config: {path} must hold a mapping of config sections, got {plain(data)!r}")
    return data


def load_config(spec: str | Path, overrides: typing.Sequence[str] = ()) -> RunConfig:
    """Load a YAML config by path or preset name, apply ``overrides``, then validate.

    The overrides are applied before validation, so ``--set`` can complete a
    partial file (e.g. one without ``data.root``).

    Examples
    --------
    >>> load_config("synthetic").data.dataset
    'synthetic'
    >>> load_config("synthetic", ["train.epochs=1"]).train.epochs
    1
    """
    return config_from_dict(set_fields(load_config_data(spec), overrides))


def _parse_override(item: str) -> tuple[list[str], object]:
    key, sep, raw = item.partition("=")
    if not sep or not key.strip():
        raise ValueError(f"--set: expected section.field=value, got {item!r}")
    return key.strip().split("."), yaml.safe_load(raw)


def set_fields(data: dict, overrides: typing.Sequence[str]) -> dict:
    """Apply ``section.field=value`` overrides (values parsed as YAML) to a config mapping.

    Sections missing from ``data`` are created; the key must name a field of
    :class:`RunConfig`. Returns a new mapping (``data`` is not changed).

    Raises
    ------
    ValueError
        Malformed item or unknown field, naming the key.
    """
    data = copy.deepcopy(data)
    for item in overrides:
        parts, value = _parse_override(item)
        key = ".".join(parts)
        cls, node = RunConfig, data
        for depth, part in enumerate(parts):
            fields_ = {f.name: f for f in dataclasses.fields(cls)}
            if part not in fields_:
                known = ", ".join(sorted(fields_))
                raise ValueError(f"{'.'.join(parts[:depth + 1])}: unknown field (known: {known})")
            tp = typing.get_type_hints(cls)[part]
            if depth == len(parts) - 1:
                if dataclasses.is_dataclass(tp):
                    example = dataclasses.fields(tp)[0].name
                    raise ValueError(f"{key}: is a section; set one of its fields, e.g. {key}.{example}=...")
                node[part] = value
            else:
                if not dataclasses.is_dataclass(tp):
                    raise ValueError(f"{'.'.join(parts[:depth + 1])}: is a field, not a section (in --set {item})")
                if not isinstance(node.get(part), dict):
                    node[part] = {}
                cls, node = tp, node[part]
    return data


def apply_overrides(config: RunConfig, overrides: typing.Sequence[str]) -> RunConfig:
    """Return a new, validated config with ``section.field=value`` overrides (values parsed as YAML).

    Examples
    --------
    >>> apply_overrides(load_config("synthetic"), ["train.epochs=1"]).train.epochs
    1
    """
    return config_from_dict(set_fields(config_to_dict(config), overrides))


def _choice(value, allowed, where):
    if value not in allowed:
        raise ValueError(f"{where}: must be one of {', '.join(map(str, allowed))}, got {plain(value)!r}")


def validate_config(config: RunConfig) -> None:
    """Check types, value ranges and combinations that do not need the dataset on disk.

    Every numeric field must be finite and within its range in
    :data:`pose.validation.NUMERIC_RANGES`. The checks that need the data
    (files present, budget within the pool) run in :func:`pose.datasets.prepare_data`,
    still before anything is written.

    Raises
    ------
    ValueError
        Message starts with the offending field.
    """
    # Re-coerce, so a config built in Python (numpy scalars, wrong types) is checked like a YAML one.
    config = _section_from_dict(RunConfig, config_to_dict(config), "")
    check_numeric_fields(config_to_dict(config))
    m, d, t, a = config.model, config.data, config.train, config.active
    if not config.name or "/" in config.name:
        raise ValueError(f"name: must be a non-empty string without '/', got {config.name!r}")
    if m.channels % 2:
        raise ValueError(f"model.channels: must be even, got {m.channels}")
    granularity = 4 * 2**m.depth
    if m.input_size < granularity or m.input_size % granularity:
        raise ValueError(f"model.input_size: must be a positive multiple of 4 * 2**depth = {granularity}, got {m.input_size}")
    if len(m.stem_channels) != 2 or any(c % 2 for c in m.stem_channels):
        raise ValueError(f"model.stem_channels: expected two positive even widths, got {m.stem_channels}")
    _choice(m.head_variant, ("authors", "yoo"), "model.head_variant")
    _choice(m.backbone, ("hourglass", "hrnet"), "model.backbone")
    _choice(m.head_activation, ("relu", "leaky_relu"), "model.head_activation")
    from .protocol import PROTOCOLS

    _choice(config.protocol, tuple(PROTOCOLS), "protocol")
    if m.conv_reduce is not None:
        _choice(m.conv_reduce, ("gap", "conv"), "model.conv_reduce")
    if m.init_checkpoint is not None and not Path(m.init_checkpoint).is_file():
        raise ValueError(f"model.init_checkpoint: no such file {m.init_checkpoint!r} "
                         "(write one with `python -m pose convert SRC DST`)")

    _choice(d.dataset, DATASETS, "data.dataset")
    if d.dataset != "synthetic" and not d.root:
        raise ValueError(f"data.root: required for dataset {d.dataset!r}")
    if d.dataset == "synthetic" and d.root is not None:
        # Refused rather than ignored: `--config synthetic --set data.root=/data/lsp` would
        # otherwise train on stick figures while the user believes it reads the real images.
        raise ValueError(f"data.root: the synthetic dataset is generated and reads no files, got {d.root!r}; "
                         "set data.dataset=lsp_lspet or mpii to use it, or data.root=null")
    if d.dataset == "synthetic":
        _choice(d.num_joints, (14, 16), "data.num_joints")
    if d.pool_mix is not None:
        if d.dataset != "synthetic":
            raise ValueError(f"data.pool_mix: only the synthetic dataset has a generated pool, got "
                             f"data.dataset={d.dataset}; set data.pool_mix=null")
        pool_parts(d.pool_mix, d.pool_size)  # raises naming data.pool_mix
    if d.mpii_annotation is not None and d.dataset != "mpii":
        raise ValueError(f"data.mpii_annotation: only read for data.dataset=mpii, got {d.mpii_annotation!r} "
                         f"with data.dataset={d.dataset}; remove it or set data.mpii_annotation=null")
    if d.mpii_annotation is not None and not d.mpii_annotation.endswith(".mat"):
        raise ValueError(
            "data.mpii_annotation: give the release .mat file; per-split .h5 files are found under data.root "
            f"(annot/train.h5, annot/valid.h5), got {d.mpii_annotation!r}"
        )

    if t.share_base and not m.detach_features:
        raise ValueError("train.share_base: needs model.detach_features (heads must not train the shared backbone)")
    _choice(t.init, ("finetune", "scratch"), "train.init")
    if not (t.device in ("auto", "cpu", "cuda") or (t.device.startswith("cuda:") and t.device[5:].isdigit())):
        raise ValueError(f"train.device: must be auto, cpu, cuda or cuda:N, got {t.device!r}")
    _choice(t.amp, ("none", "bf16", "fp16"), "train.amp")
    if t.amp == "fp16" and t.device == "cpu":
        raise ValueError("train.amp: fp16 autocast needs CUDA; use bf16 or none on cpu")

    if not a.strategies:
        raise ValueError("active.strategies: must name at least one strategy")
    for i, s in enumerate(a.strategies):
        _choice(s, tuple(STRATEGIES.names()), f"active.strategies[{i}]")
    if len(set(a.strategies)) != len(a.strategies):
        raise ValueError(f"active.strategies: duplicates in {a.strategies}")
    if a.subset is not None and a.subset < a.budget:
        raise ValueError(f"active.subset: must be >= active.budget ({a.budget}), got {a.subset}")
    if d.dataset == "synthetic" and a.cycles * a.budget > d.pool_size:
        raise ValueError(
            f"active.budget: {a.cycles} cycles x {a.budget} images exceed the unlabelled pool of {d.pool_size}"
        )
    _choice(a.coreset_embedding, ("bottleneck", "penultimate"), "active.coreset_embedding")
    if not a.gamma_deltas:
        raise ValueError("active.gamma_deltas: must list at least one margin")
