"""The active-learning loop: the one place that trains, scores, selects and saves.

For every seed and strategy a run trains on the labelled set (cycle 0: the base
set), evaluates on the test split, scores the unlabelled pool, lets the strategy
pick ``budget`` images, labels them and starts the next cycle, for
``active.cycles`` selection stages (so ``cycles + 1`` trained models). Per cycle
it writes ``cycle_NN.json`` with

- ``train``: loss and learning-rate history, best epoch;
- ``test``: test PCK/PCKh (paper Table 3b);
- ``gamma``: the gamma law fitted to the per-image training losses
  (:func:`gammaal.fit_gamma`: k, θ, KS statistic), and for a few margins δ the
  fraction of training pairs within δ — exact under the fitted law
  (:func:`gammaal.prob_within`) and empirical — with φ(δ)
  (:func:`gammaal.expected_target`), i.e. how often Learning Loss's margin
  acts on near-ties (paper §4.1, Tables 1-2);
- ``selection``: the selected dataset indices, the PCK of the selected images
  under the model that selected them (failure detection, Table 3a), the
  predicted and true losses of every scored image with their Pearson,
  Spearman and Kendall correlations (Fig. 5).

Never lose work: each step (``trained``, ``selected``) ends with an atomic
write of its outputs, then of ``state.json``; ``resume=True`` continues after
the last completed step (:mod:`pose.resume`: what a resume may change, and
recomputing a step whose files were deleted). Every step reseeds python, numpy
and torch from ``(seed, cycle, step)``, so a resumed run on the same execution
settings (:mod:`pose.provenance`) makes the same selections as an uninterrupted one.

Layout of an output directory::

    run.json                       config, seeds, versions, git revision, execution settings, resumes
    base/seed_<s>/trained_00.pt    the shared base model (``train.share_base``); state.json lists its heads
    <strategy>/seed_<s>/state.json last completed step + labelled set
    <strategy>/seed_<s>/trained_NN.pt   best model of cycle NN
    <strategy>/seed_<s>/cycle_NN.json   the record above
    <strategy>/seed_<s>/summary.json    written when the run finishes
"""
from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset
from tqdm.auto import tqdm

from gammaal.al import analysis
from gammaal.al.labelled import LabelledSet  # noqa: F401  (moved; re-exported)
from gammaal.al.precision import autocast
from gammaal.al.records import to_dict
from gammaal.al.seeding import seed_everything
from gammaal.al.training import data_parallel, training_loader

from .checkpoint import CorruptRunFile, atomic_torch_save, atomic_write_json, load_checkpoint, read_run_json
from .config import RunConfig, config_from_dict, config_to_dict, validate_config
from .distributed import DistributedContext, init_distributed
from .protocol import effective_protocol
from .provenance import current_settings, write_run_record
from .resume import ResumePlan, ResumePoint, base_fix, plan_resume, preflight, recompute_fix
from .strategies import STRATEGIES, select
from .validation import check_image_files

__all__ = [
    "LabelledSet",
    "UnionDataset",
    "ActiveLearningData",
    "PoseNetwork",
    "derive_seed",
    "seed_everything",
    "prepare_data",
    "build_network",
    "train_model",
    "infer",
    "gamma_analysis",
    "loss_correlations",
    "run_experiment",
    "StepHook",
]

STEP_CODES = {"init": 0, "train": 1, "select": 2, "base": 3}
HEAD_CODES = {"ll": 101, "llpp": 102, "llpp_conv": 103}
StepHook = Callable[[str, int, int, str], None]
"""``hook(strategy, seed, cycle, step)`` called after each completed step ("trained", "selected")."""


# --------------------------------------------------------------------------- seeding


def derive_seed(seed: int, cycle: int, step: str) -> int:
    """A 32-bit seed for one step of one cycle, independent of what ran before.

    Deriving (not continuing) the random state per step is what makes a resumed
    run repeat an uninterrupted one exactly.

    Examples
    --------
    >>> derive_seed(0, 1, "train") == derive_seed(0, 1, "train") != derive_seed(0, 2, "train")
    True
    """
    return int(np.random.SeedSequence([int(seed), int(cycle), STEP_CODES[step]]).generate_state(1)[0])


# --------------------------------------------------------------------------- data


class UnionDataset(Dataset):
    """Several pose datasets behind one index space (e.g. LSP training images, then LSPET).

    ``dataset[i]`` is the part's sample with an added ``"uid"`` = i. The label
    arrays ``joints`` (N, J, 2), ``visible`` (N, J) and ``norm`` (N,) are the
    parts' arrays concatenated; ``scored`` (N, J) marks the joints PCK counts:
    a part's ``annotated`` array where it has one (MPII's official PCKh also
    scores occluded joints), else ``visible``.

    Parameters
    ----------
    parts : list of (name, dataset)
        Datasets with the same number of joints.
    """

    def __init__(self, parts: list[tuple[str, Dataset]]):
        if not parts:
            raise ValueError("UnionDataset needs at least one part")
        self.names = [name for name, _ in parts]
        self.datasets = [ds for _, ds in parts]
        sizes = [len(ds) for ds in self.datasets]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.joints = np.concatenate([np.asarray(ds.joints, dtype=np.float64) for ds in self.datasets])
        self.visible = np.concatenate([np.asarray(ds.visible, dtype=bool) for ds in self.datasets])
        self.norm = np.concatenate([np.asarray(ds.norm, dtype=np.float64) for ds in self.datasets])
        self.scored = np.concatenate([np.asarray(getattr(ds, "annotated", ds.visible), dtype=bool)
                                      for ds in self.datasets])
        self.num_joints = int(self.joints.shape[1])

    def __len__(self) -> int:
        return int(self.offsets[-1])

    def part_of(self, uids) -> np.ndarray:
        """Index of the part each uid belongs to."""
        return np.searchsorted(self.offsets, np.asarray(uids), side="right") - 1

    def domains(self, uids) -> list[str]:
        """Part name of each uid."""
        return [self.names[p] for p in self.part_of(uids)]

    def __getitem__(self, uid: int) -> dict:
        uid = int(uid)
        part = int(self.part_of([uid])[0])
        sample = dict(self.datasets[part][uid - int(self.offsets[part])])
        sample.pop("affine", None)  # per-sample matrices are not needed downstream
        sample["uid"] = uid
        return sample


class _Subset(Dataset):
    def __init__(self, dataset: Dataset, uids: np.ndarray):
        self.dataset = dataset
        self.uids = np.asarray(uids, dtype=np.int64)

    def __len__(self) -> int:
        return self.uids.size

    def __getitem__(self, i: int) -> dict:
        return self.dataset[int(self.uids[i])]


@dataclass
class ActiveLearningData:
    """Datasets and splits of an experiment.

    Attributes
    ----------
    train_view : UnionDataset
        Base set and pool, with training augmentation.
    eval_view : UnionDataset
        The same images without augmentation (scoring and training-loss analysis).
    test : UnionDataset
    base : ndarray of int
        Base-set uids (for MPII drawn per seed by :meth:`base_for`).
    metric : str
        Name of the accuracy, e.g. "PCK@0.2" or "PCKh@0.5".
    threshold : float
    random_base : bool
        Whether the base set is a per-seed random draw (MPII).
    """

    train_view: UnionDataset
    eval_view: UnionDataset
    test: UnionDataset
    base: np.ndarray
    metric: str
    threshold: float
    random_base: bool = False

    def base_for(self, seed: int) -> np.ndarray:
        """Base-set uids for a run seed."""
        if not self.random_base:
            return self.base
        rng = np.random.default_rng(derive_seed(seed, 0, "base"))
        return np.sort(rng.choice(len(self.train_view), size=self.base.size, replace=False))


def _construct(factory, field: str, *args, **kwargs):
    """Build a dataset; turn a missing or malformed file into a ValueError naming the config field."""
    try:
        return factory(*args, **kwargs)
    except (FileNotFoundError, NotADirectoryError, OSError, KeyError, ValueError) as exc:
        raise ValueError(f"{field}: {exc}") from exc


def prepare_data(config: RunConfig) -> ActiveLearningData:
    """Open the datasets of ``config`` and check the sizes the cycles need.

    Runs before any training, so a missing file or a budget larger than the
    pool fails immediately.

    Raises
    ------
    ValueError
        Naming ``data.root``, ``data.base_size`` or ``active.budget``.
    """
    from . import data as pose_data

    d, a = config.data, config.active
    size = config.model.input_size
    if d.dataset == "synthetic":
        def make(n, domain, seed, augment):
            return pose_data.SyntheticPoseDataset(n, domain=domain, num_joints=d.num_joints, input_size=size,
                                                  seed=seed, augment=augment, cache="memory" if d.cache else None)

        eval_parts = [("lsp", make(d.base_size, "lsp", d.data_seed, False)),
                      ("lspet", make(d.pool_size, "lspet", d.data_seed + 1, False))]
        # Without augmentation both views share one dataset object, hence one render cache.
        train_parts = eval_parts if not d.augment else [
            ("lsp", make(d.base_size, "lsp", d.data_seed, True)),
            ("lspet", make(d.pool_size, "lspet", d.data_seed + 1, True))]
        test = UnionDataset([("lsp", make(d.test_size, "lsp", d.data_seed + 2, False))])
        base = np.arange(d.base_size)
        metric_name, default_threshold, random_base = "PCK", 0.2, False
    elif d.dataset == "lsp_lspet":
        root = Path(d.root)

        def lsp(split, augment):
            return _construct(pose_data.LSPDataset, "data.root", root / "lsp", split=split,
                              input_size=size, augment=augment)

        def lspet(augment):
            return _construct(pose_data.LSPETDataset, "data.root", root / "lspet", input_size=size, augment=augment)

        train_parts = [("lsp", lsp("train", d.augment)), ("lspet", lspet(d.augment))]
        eval_parts = [("lsp", lsp("train", False)), ("lspet", lspet(False))]
        test = UnionDataset([("lsp", lsp("test", False))])
        if d.base_size > len(train_parts[0][1]):
            raise ValueError(
                f"data.base_size: {d.base_size} exceeds the {len(train_parts[0][1])} LSP training images"
            )
        # The paper's base set: the first base_size LSP training images.
        base = np.arange(d.base_size)
        metric_name, default_threshold, random_base = "PCK", 0.2, False
    else:
        root = Path(d.root)

        def mpii(split, augment):
            kwargs = {"annotation": d.mpii_annotation} if d.mpii_annotation else {}
            return _construct(pose_data.MPIIDataset, "data.root", root, split=split, input_size=size,
                              augment=augment, **kwargs)

        train_parts = [("mpii", mpii("train", d.augment))]
        eval_parts = [("mpii", mpii("train", False))]
        test = UnionDataset([("mpii", mpii("valid", False))])
        if d.base_size > len(train_parts[0][1]):
            raise ValueError(f"data.base_size: {d.base_size} exceeds the {len(train_parts[0][1])} MPII training images")
        base = np.arange(d.base_size)  # placeholder size; the draw is per seed (base_for)
        metric_name, default_threshold, random_base = "PCKh", 0.5, True

    if d.dataset != "synthetic":
        # Annotations load fast; a missing image would otherwise surface in the middle of training.
        check_image_files([ds for _, ds in train_parts + eval_parts] + test.datasets, d.root)
    train_view, eval_view = UnionDataset(train_parts), UnionDataset(eval_parts)
    pool_size = len(train_view) - base.size
    if a.cycles * a.budget > pool_size:
        raise ValueError(
            f"active.budget: {a.cycles} cycles x {a.budget} images exceed the unlabelled pool of {pool_size}"
        )
    threshold = d.pck_threshold if d.pck_threshold is not None else default_threshold
    return ActiveLearningData(train_view, eval_view, test, base, f"{metric_name}@{threshold:g}", threshold, random_base)


# --------------------------------------------------------------------------- model


class PoseNetwork(nn.Module):
    """Stacked hourglass plus zero or more loss-prediction heads.

    One head per learning-loss strategy; the shared base model of a seed
    carries the heads of all of them at once (their inputs are detached, so
    each head trains exactly as it would alone). ``forward(images, target,
    visible)`` returns the training losses so that DistributedDataParallel sees
    the whole computation; :meth:`predict` is the inference path.

    Parameters
    ----------
    model : pose.hourglass.StackedHourglass
    heads : dict of kind -> nn.Module
        Kinds in {"ll", "llpp", "llpp_conv"}; the kind picks the ranking objective.
    head_variant : str
        Passed to :func:`pose.heads.head_inputs`.
    margin : float
        ξ for the margin ranking objective.
    loss_weight : float
        Weight of each ranking objective.
    """

    def __init__(self, model: nn.Module, heads: dict[str, nn.Module] | None = None, head_variant: str = "authors",
                 margin: float = 1.0, loss_weight: float = 1.0):
        super().__init__()
        self.model = model
        self.heads = nn.ModuleDict(heads or {})
        self.head_variant = head_variant
        self.margin = margin
        self.loss_weight = loss_weight

    def predict(self, images: torch.Tensor):
        """``(HourglassOutput, {kind: predicted loss (B,)})``."""
        from .heads import head_inputs

        out = self.model(images)
        return out, {kind: head(head_inputs(out, kind, self.head_variant)) for kind, head in self.heads.items()}

    def forward(self, images: torch.Tensor, target: torch.Tensor, visible: torch.Tensor):
        """Training losses ``(total, heatmap, ranking)``, scalars; only ``total`` carries gradients."""
        from .objectives import RANKING_OBJECTIVES, per_image_loss

        out, predicted = self.predict(images)
        # Losses in float32 even under autocast: per-image MSEs of ~1e-3 lose their ranking in bf16.
        per_image = per_image_loss([h.float() for h in out.heatmaps], target, visible)
        heatmap = per_image.mean()
        ranking = torch.zeros((), device=heatmap.device)
        for kind, pred in predicted.items():
            extra = {"margin": self.margin} if kind == "ll" else {}
            ranking = ranking + RANKING_OBJECTIVES[kind](pred.float(), per_image.detach(), **extra)
        return heatmap + self.loss_weight * ranking, heatmap.detach(), ranking.detach()


def build_network(config: RunConfig, kinds, num_joints: int, seed: int) -> PoseNetwork:
    """A freshly initialised network with loss heads of ``kinds`` (torch seeded with ``seed`` first).

    The backbone is built first, so its initial weights depend on ``seed`` only.
    """
    from .convert import load_init_checkpoint
    from .heads import build_head
    from .hourglass import StackedHourglass

    m = config.model
    settings = effective_protocol(config)
    torch.manual_seed(seed)
    model = StackedHourglass(nstack=m.nstack, channels=m.channels, joints=num_joints, input_size=m.input_size,
                             depth=m.depth, stem_channels=tuple(m.stem_channels), merge=settings.merge)
    if m.init_checkpoint:
        load_init_checkpoint(model, m.init_checkpoint)
    heads = {}
    for kind in kinds:
        # Each head's initial weights depend on (seed, kind) only, not on which other heads
        # share the network: a strategy then starts the same whatever else the run includes.
        torch.manual_seed(int(np.random.SeedSequence([int(seed), HEAD_CODES[kind]]).generate_state(1)[0]))
        heads[kind] = build_head(kind, m.channels, model.feature_sizes, variant=m.head_variant,
                                 reduce=settings.conv_reduce, detach_features=m.detach_features,
                                 fc_era=settings.fc_era)
    return PoseNetwork(model, heads, m.head_variant, m.margin, m.loss_weight)


def _head_kinds(strategies) -> list[str]:
    return [STRATEGIES[s][1] for s in strategies if STRATEGIES[s][1] is not None]


def _new_network(config: RunConfig, kinds, num_joints: int, seed: int, ctx: DistributedContext) -> PoseNetwork:
    network = build_network(config, kinds, num_joints, seed)
    if config.train.sync_batchnorm and ctx.distributed and ctx.device.type == "cuda":
        # Per-rank batches of 16/N images give noisy BatchNorm statistics; sync them across GPUs.
        network = nn.SyncBatchNorm.convert_sync_batchnorm(network)
    network = network.to(ctx.device)
    if config.train.channels_last:
        network = network.to(memory_format=torch.channels_last)
    return network


def _to_device(batch: dict, device: torch.device, channels_last: bool):
    images = batch["image"].to(device, non_blocking=True)
    if channels_last:
        images = images.contiguous(memory_format=torch.channels_last)
    return images, batch["target"].to(device, non_blocking=True), batch["visible"].to(device, non_blocking=True)


# --------------------------------------------------------------------------- training and inference


def train_model(network: PoseNetwork, dataset: Dataset, config: RunConfig, ctx: DistributedContext,
                seed: int, desc: str = "train", epochs: int | None = None) -> dict:
    """Train in place with Adam + ReduceLROnPlateau and keep the best epoch's weights.

    "Best" is the lowest mean training heatmap loss (the scheduler's signal
    too): the test split stays unseen and LSP has no separate validation split. Under DDP
    the global batch ``train.batch_size`` is split across ranks and the epoch
    loss is averaged over ranks, so every rank steps its schedule identically.

    ``epochs`` defaults to ``train.epochs``.

    Returns
    -------
    dict
        ``history`` (per epoch: loss, heatmap_loss, ranking_loss, lr), ``best_epoch``, ``seconds``.
    """
    t = config.train
    epochs = t.epochs if epochs is None else epochs
    seed_everything(seed)
    start = time.perf_counter()
    loader, sampler = training_loader(dataset, t.batch_size, ctx, seed, config.data.num_workers)
    module: nn.Module = data_parallel(network, ctx)
    optimizer = torch.optim.Adam(network.parameters(), lr=t.lr, weight_decay=t.weight_decay)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=t.plateau_factor,
                                                           patience=effective_protocol(config).plateau_patience)
    scaler = torch.amp.GradScaler(ctx.device.type, enabled=t.amp == "fp16")
    history, best_loss, best_state, best_epoch = [], float("inf"), None, -1
    for epoch in tqdm(range(epochs), desc=desc, leave=False, disable=not ctx.is_main, unit="epoch"):
        if sampler is not None:
            sampler.set_epoch(epoch)
        network.train()
        sums = np.zeros(3)
        count = 0
        for batch in loader:
            images, target, visible = _to_device(batch, ctx.device, t.channels_last)
            with autocast(ctx.device, t.amp):
                total, heatmap, ranking = module(images, target, visible)
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(total).backward()
            scaler.step(optimizer)
            scaler.update()
            n = images.shape[0]
            sums += n * np.array([total.item(), heatmap.item(), ranking.item()])
            count += n
        means = [ctx.all_mean(s / max(count, 1)) for s in sums]
        # The pose loss drives the schedule and the choice of best epoch: the ranking
        # loss is orders of magnitude larger and noisy, and detached heads do not
        # shape the backbone anyway.
        monitored = means[1]
        scheduler.step(monitored)
        history.append({"epoch": epoch, "loss": means[0], "heatmap_loss": means[1], "ranking_loss": means[2],
                        "lr": optimizer.param_groups[0]["lr"]})
        if monitored < best_loss:
            best_loss, best_epoch = monitored, epoch
            best_state = {k: v.detach().clone() for k, v in network.state_dict().items()}
    if best_state is not None:
        network.load_state_dict(best_state)
    return {"history": history, "best_epoch": best_epoch, "seconds": time.perf_counter() - start}


@torch.no_grad()
def infer(network: PoseNetwork, dataset: UnionDataset, uids, config: RunConfig, ctx: DistributedContext,
          embedding: str | None = None, desc: str | None = None) -> dict:
    """Run the network on ``dataset[uids]`` (sharded across ranks, gathered on all).

    Parameters
    ----------
    embedding : {"bottleneck", "penultimate"} or None
        Also return the pooled last-stack embedding (core-set).

    Returns
    -------
    dict of ndarray, aligned with ``uids``
        ``true_loss`` (N,), per-image heatmap MSE; ``predicted_loss`` (N,) or
        None; ``features`` (N, C) or None; ``pred_joints`` (N, J, 2) in
        original image coordinates.
    """
    from .data.transforms import heatmap_argmax, heatmap_to_original
    from .hourglass import pooled_bottleneck, pooled_penultimate
    from .objectives import per_image_loss

    t, m = config.train, config.model
    uids = np.asarray(uids, dtype=np.int64)
    shard = ctx.shard(uids)
    num_joints = dataset.num_joints
    # The predicted loss of the network's only head (none, or several on a shared base, gives None).
    head_kind = next(iter(network.heads)) if len(network.heads) == 1 else None
    has_head = head_kind is not None
    out = {
        "true_loss": np.empty(shard.size, np.float64),
        "predicted_loss": np.empty(shard.size, np.float64) if has_head else None,
        "features": np.empty((shard.size, m.channels), np.float32) if embedding else None,
        "pred_joints": np.empty((shard.size, num_joints, 2), np.float64),
    }
    network.eval()
    loader = DataLoader(_Subset(dataset, shard), batch_size=t.eval_batch_size, shuffle=False,
                        num_workers=config.data.num_workers, pin_memory=ctx.device.type == "cuda")
    pooled = pooled_bottleneck if embedding == "bottleneck" else pooled_penultimate
    position = 0
    for batch in tqdm(loader, desc=desc, leave=False, disable=not ctx.is_main or desc is None, unit="batch"):
        images, target, visible = _to_device(batch, ctx.device, t.channels_last)
        with autocast(ctx.device, t.amp):
            output, predicted = network.predict(images)
        heatmaps = [h.float() for h in output.heatmaps]
        n = images.shape[0]
        rows = slice(position, position + n)
        out["true_loss"][rows] = per_image_loss(heatmaps, target, visible).cpu().numpy()
        if has_head:
            out["predicted_loss"][rows] = predicted[head_kind].float().cpu().numpy()
        if embedding:
            out["features"][rows] = pooled(output).float().cpu().numpy()
        coords = heatmap_argmax(heatmaps[-1]).cpu().numpy()
        out["pred_joints"][rows] = heatmap_to_original(coords, batch["center"].numpy(), np.asarray(batch["scale"]),
                                                       m.input_size, heatmaps[-1].shape[-1])
        position += n
    return ctx.gather_shards(out, uids.size)


def accuracy(dataset: UnionDataset, uids, pred_joints: np.ndarray, threshold: float):
    """PCK (or PCKh: the dataset's ``norm`` is the head size) of predictions for ``uids``."""
    from .metrics import pck

    uids = np.asarray(uids, dtype=np.int64)
    return pck(pred_joints, dataset.joints[uids], dataset.scored[uids], dataset.norm[uids], threshold)


# --------------------------------------------------------------------------- analyses


def gamma_analysis(losses, deltas_over_mean) -> dict:
    """Fit Gamma(k, θ) to per-image losses and tabulate near-tie statistics.

    Parameters
    ----------
    losses : array_like (N,)
        Per-image training losses; non-positive values (images without a
        visible joint) are excluded from the fit and counted.
    deltas_over_mean : sequence of float
        Margins δ in units of the fitted mean loss kθ (a near-tie is relative
        to the loss scale; δ/θ alone would mean different things for different k).

    Returns
    -------
    dict
        ``k``, ``theta``, ``mean``, ``loglik``, ``ks_statistic``, ``ks_pvalue``,
        ``n``, ``n_excluded``, and ``deltas``: per δ the model probability
        ``prob_within`` = P(|X − Y| <= δ), the ``empirical`` pair fraction and
        ``phi`` = φ(δ) = E[X/(X+Y) | Y − X = δ].
        Without two positive losses only ``n`` and ``n_excluded`` are set. (The record of
        :func:`gammaal.al.analysis.gamma_analysis`, unset fields left out.)
    """
    record = to_dict(analysis.gamma_analysis(losses, deltas_over_mean))
    return {key: value for key, value in record.items() if value is not None and value != []}


def loss_correlations(predicted, true) -> dict | None:
    """Pearson, Spearman and Kendall correlation of predicted vs true loss (None if undefined)."""
    correlations = analysis.loss_correlations(predicted, true)
    return None if correlations is None else to_dict(correlations)


# --------------------------------------------------------------------------- one run


def _summary_line(strategy, seed, cycle, record) -> str:
    parts = [f"[{strategy} seed {seed}] cycle {cycle}", f"labelled {record['num_labelled']}",
             f"test {record['test']['metric']} {record['test']['mean']:.3f}"]
    sel = record.get("selection")
    if sel:
        parts.append(f"selected {sel['pck']:.3f} (pool {sel['pool_pck']:.3f})")
        if sel["correlation"]:
            parts.append(f"spearman {sel['correlation']['spearman']:+.2f}")
    g = record["gamma"]
    if "k" in g:
        parts.append(f"gamma k={g['k']:.2f} theta={g['theta']:.3g} ks={g['ks_statistic']:.3f}")
    parts.append(f"{record['seconds']:.0f}s")
    return " | ".join(parts)


def _nan_to_none(x):
    return None if x is None or not np.isfinite(x) else float(x)


def _train_step(network: PoseNetwork, config: RunConfig, data: ActiveLearningData, train_uids: np.ndarray,
                seed: int, cycle: int, ctx: DistributedContext, embedding: str | None):
    """Train, evaluate on the test split and analyse the training losses: the "trained" part of a record."""
    epochs = config.train.base_epochs if cycle == 0 and config.train.base_epochs is not None else None
    training = train_model(network, _Subset(data.train_view, train_uids), config, ctx,
                           derive_seed(seed, cycle, "train"), desc=f"cycle {cycle} epochs", epochs=epochs)
    test_uids = np.arange(len(data.test))
    test = infer(network, data.test, test_uids, config, ctx)
    test_pck = accuracy(data.test, test_uids, test["pred_joints"], data.threshold)
    own = infer(network, data.eval_view, train_uids, config, ctx, embedding=embedding)
    record = {
        "seed": seed, "cycle": cycle, "num_labelled": int(train_uids.size),
        "train": training,
        "test": {"metric": data.metric, "mean": _nan_to_none(test_pck.mean), "per_joint": test_pck.per_joint,
                 "mean_loss": float(test["true_loss"].mean())},
        "gamma": gamma_analysis(own["true_loss"], config.active.gamma_deltas),
        "train_losses": own["true_loss"],
    }
    return record, own["features"]


class SharedBase:
    """The cycle-0 model every strategy of ``seed`` starts from, trained (or, resuming, loaded) on first use.

    The paper's stage-1 selections are all made "on the base models shared by
    all approaches". The base network carries the heads of every learning-loss
    strategy of the run; with detached head inputs each trains exactly as it
    would alone, and the backbone never sees them. A resume whose strategies
    are all past cycle 0 never loads it.
    """

    def __init__(self, config: RunConfig, seed: int, data: ActiveLearningData, base_dir: Path,
                 ctx: DistributedContext, resume: bool, hook: StepHook | None):
        self.config, self.seed, self.data, self.base_dir = config, seed, data, base_dir
        self.ctx, self.resume, self.hook = ctx, resume, hook
        self._value = None

    def get(self):
        """``(state_dict, record)`` of the base model."""
        if self._value is None:
            self._value = self._load() if self.resume else None
            if self._value is None:
                self._value = self._train()
        return self._value

    def _load(self):
        path, state_path = self.base_dir / "trained_00.pt", self.base_dir / "state.json"
        if not state_path.is_file() or not path.is_file():
            return None
        read_run_json(state_path, base_fix(self.seed))
        checkpoint = load_checkpoint(path, base_fix(self.seed))
        return checkpoint["network"], checkpoint["record"]

    def _train(self):
        config, seed, data, ctx = self.config, self.seed, self.data, self.ctx
        if ctx.is_main:
            self.base_dir.mkdir(parents=True, exist_ok=True)
        kinds = _head_kinds(config.active.strategies)
        network = _new_network(config, kinds, data.train_view.num_joints, derive_seed(seed, 0, "init"), ctx)
        started = time.perf_counter()
        record, _ = _train_step(network, config, data, data.base_for(seed), seed, 0, ctx, None)
        record.update({"strategy": "base", "heads": kinds, "seconds": time.perf_counter() - started})
        state = {k: v.detach().cpu().clone() for k, v in network.state_dict().items()}
        if ctx.is_main:
            atomic_torch_save({"network": state, "record": record}, self.base_dir / "trained_00.pt")
            atomic_write_json(self.base_dir / "state.json", {"cycle": 0, "step": "trained", "heads": kinds})
            tqdm.write(f"[base seed {seed}] labelled {record['num_labelled']} | test {data.metric} "
                       f"{record['test']['mean']:.3f} | heads {kinds} | {record['seconds']:.0f}s")
        ctx.barrier()
        if self.hook is not None:
            self.hook("base", seed, 0, "trained")
        return state, record


def _load_weights(network: nn.Module, path: Path, fix: str, device) -> dict:
    checkpoint = load_checkpoint(path, fix, map_location=device)
    try:
        network.load_state_dict(checkpoint["network"])
    except RuntimeError as exc:
        first = str(exc).splitlines()[0]
        raise CorruptRunFile(f"{path}: does not fit the network of this config ({first}); {fix}") from None
    return checkpoint


def _run_one(config: RunConfig, strategy: str, seed: int, data: ActiveLearningData, run_dir: Path,
             ctx: DistributedContext, point: ResumePoint, hook: StepHook | None, base: SharedBase | None = None) -> None:
    a = config.active
    state_path = run_dir / "state.json"
    if ctx.is_main and point.notes:
        tqdm.write(f"[{strategy} seed {seed}] {'; '.join(point.notes)}: recomputing from cycle {point.cycle}")
    if point.step == "done":
        if ctx.is_main and not (run_dir / "summary.json").is_file():
            atomic_write_json(run_dir / "summary.json", _summary(run_dir, a.cycles))
        return
    if ctx.is_main:
        run_dir.mkdir(parents=True, exist_ok=True)
    labelled = LabelledSet(len(data.train_view), data.base_for(seed))
    if point.acquired_at is not None:
        labelled.load_state_dict({"size": labelled.size, "acquired_at": point.acquired_at})
    num_joints = data.train_view.num_joints
    kinds = _head_kinds([strategy])
    network = _new_network(config, kinds, num_joints, derive_seed(seed, 0, "init"), ctx)
    start_cycle, start_step, record = point.cycle, point.step, None
    if start_step == "select":
        path = run_dir / f"trained_{start_cycle:02d}.pt"
        record = _load_weights(network, path, recompute_fix(start_cycle), ctx.device)["record"]
    elif start_cycle > 0 and config.train.init == "finetune":
        path = run_dir / f"trained_{start_cycle - 1:02d}.pt"
        _load_weights(network, path, recompute_fix(start_cycle - 1), ctx.device)
    elif start_cycle == 0 and base is not None:
        base.get()  # load (or train) the shared base before this strategy's progress bar starts
    embedding = a.coreset_embedding if strategy == "coreset" else None
    labelled_features = None

    cycles = tqdm(range(start_cycle, a.cycles + 1), desc=f"{strategy} seed {seed}", unit="cycle",
                  disable=not ctx.is_main, initial=start_cycle, total=a.cycles + 1)
    for cycle in cycles:
        started = time.perf_counter()
        if not (cycle == start_cycle and start_step == "select"):
            if cycle == 0 and base is not None:
                base_state, base_record = base.get()
                # This strategy's slice of the shared base: the backbone and its own head.
                prefixes = ("model.",) + tuple(f"heads.{kind}." for kind in kinds)
                network.load_state_dict({k: v for k, v in base_state.items() if k.startswith(prefixes)})
                record = copy.deepcopy(base_record)
                record["train"]["shared_base"] = True
                labelled_features = None
            else:
                if cycle > 0 and config.train.init == "scratch":
                    network = _new_network(config, kinds, num_joints, derive_seed(seed, cycle, "init"), ctx)
                record, labelled_features = _train_step(network, config, data, labelled.labelled_indices, seed,
                                                        cycle, ctx, embedding)
            record["strategy"] = strategy
            record.pop("heads", None)
            if ctx.is_main:
                atomic_torch_save({"network": network.state_dict(), "record": record},
                                  run_dir / f"trained_{cycle:02d}.pt")
                atomic_write_json(state_path, {"cycle": cycle, "step": "trained", "labelled": labelled.state_dict()})
            ctx.barrier()
            if hook is not None:
                hook(strategy, seed, cycle, "trained")

        if cycle < a.cycles:
            select_seed = derive_seed(seed, cycle, "select")
            seed_everything(select_seed)
            candidates = labelled.unlabelled_indices
            if a.subset is not None and a.subset < candidates.size:
                rng = np.random.default_rng(select_seed)
                candidates = np.sort(rng.choice(candidates, size=a.subset, replace=False))
            scored = infer(network, data.eval_view, candidates, config, ctx, embedding=embedding,
                           desc=f"cycle {cycle} scoring")
            if embedding and labelled_features is None:
                # Resumed straight into selection: recompute (eval mode is deterministic).
                labelled_features = infer(network, data.eval_view, labelled.labelled_indices, config, ctx,
                                          embedding=embedding)["features"]
            positions = None
            if ctx.is_main:
                positions = select(strategy, a.budget, seed=select_seed, num_candidates=candidates.size,
                                   predicted_loss=scored["predicted_loss"], candidate_features=scored["features"],
                                   labelled_features=labelled_features, chunk_size=a.coreset_chunk)
            positions = np.asarray(ctx.broadcast_object(positions), dtype=np.int64)
            chosen = candidates[positions]
            is_selected = np.zeros(candidates.size, dtype=bool)
            is_selected[positions] = True
            selected_pck = accuracy(data.eval_view, chosen, scored["pred_joints"][positions], data.threshold)
            pool_pck = accuracy(data.eval_view, candidates, scored["pred_joints"], data.threshold)
            domains = data.eval_view.domains(chosen)
            record["selection"] = {
                "stage": cycle + 1,
                "indices": chosen,
                "positions": positions,
                "domains": {name: domains.count(name) for name in data.eval_view.names},
                "pck": _nan_to_none(selected_pck.mean),
                "pool_pck": _nan_to_none(pool_pck.mean),
                "mean_true_loss": float(scored["true_loss"][positions].mean()),
                "pool_mean_true_loss": float(scored["true_loss"].mean()),
                "correlation": loss_correlations(scored["predicted_loss"], scored["true_loss"]),
                "scored_indices": candidates,
                "predicted_loss": scored["predicted_loss"],
                "true_loss": scored["true_loss"],
                "selected_mask": is_selected,
            }
            labelled.label(chosen, stage=cycle + 1)
            labelled_features = None
            step = "selected"
        else:
            record["selection"] = None
            step = "finished"
        record["seconds"] = time.perf_counter() - started
        if ctx.is_main:
            atomic_write_json(run_dir / f"cycle_{cycle:02d}.json", record)
            if step == "finished":
                atomic_write_json(run_dir / "summary.json", _summary(run_dir, a.cycles))
            atomic_write_json(state_path, {"cycle": cycle, "step": step, "labelled": labelled.state_dict()})
            cycles.write(_summary_line(strategy, seed, cycle, record))
        ctx.barrier()
        if hook is not None:
            hook(strategy, seed, cycle, step)


def _summary(run_dir: Path, cycles: int) -> dict:
    records = [read_run_json(run_dir / f"cycle_{c:02d}.json",
                             f"delete it and resume to recompute cycle {c} and the cycles after it")
               for c in range(cycles + 1)]
    return {
        "num_labelled": [r["num_labelled"] for r in records],
        "test": [r["test"]["mean"] for r in records],
        "selected_pck": [r["selection"]["pck"] for r in records if r["selection"]],
        "spearman": [(r["selection"]["correlation"] or {}).get("spearman") for r in records if r["selection"]],
        "gamma_k": [r["gamma"].get("k") for r in records],
        "gamma_theta": [r["gamma"].get("theta") for r in records],
    }


# --------------------------------------------------------------------------- experiment


RUN_JSON_FIX = ("it holds the run's config, so the run cannot resume without it: restore it from a backup, or "
                "start again with another --out")


def run_experiment(config: RunConfig, out_dir: str | Path, *, resume: bool = False,
                   ctx: DistributedContext | None = None, hook: StepHook | None = None,
                   argv: list[str] | None = None, source_of: Callable[[str], str] | None = None) -> Path:
    """Run every strategy for every seed of ``config``, writing into ``out_dir``.

    Parameters
    ----------
    config : RunConfig
    out_dir : str or Path
        Output directory (see the module docstring for its layout).
    resume : bool
        Continue the run in ``out_dir`` after its last completed step (see
        :func:`pose.resume.plan_resume` for what ``config`` may change: device,
        threads, added strategies or seeds). Stale temporary files of a killed
        write are removed first; other execution settings than the recorded
        ones give a :class:`pose.provenance.ReproducibilityWarning`.
    ctx : DistributedContext, optional
        Defaults to :func:`pose.distributed.init_distributed` (torchrun-aware).
    hook : callable, optional
        ``hook(strategy, seed, cycle, step)`` after each completed step.
    argv : list of str, optional
        Command line recorded in ``run.json``.
    source_of : callable, optional
        Field name -> the command-line flag that set it, for resume messages.

    Returns
    -------
    Path
        ``out_dir``.

    Raises
    ------
    ValueError
        Invalid config, missing dataset files, a budget the pool cannot supply,
        an existing run without ``resume`` or none with it, a change a resume
        cannot make — all before anything is written to ``out_dir``.
    pose.checkpoint.CorruptRunFile
        (a ValueError) A run file that cannot be read, naming it and the fix.
    """
    validate_config(config)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"--out: {out_dir} is a file, not a directory")
    meta_path = out_dir / "run.json"
    meta = None
    if resume:
        if not meta_path.is_file():
            raise ValueError(f"--resume: nothing to resume in {out_dir} (no run.json); drop --resume to start a run")
        meta = read_run_json(meta_path, RUN_JSON_FIX)
        try:
            saved = config_from_dict(meta["config"])
        except (KeyError, TypeError, ValueError) as exc:
            raise CorruptRunFile(f"{meta_path}: corrupt config ({exc}); {RUN_JSON_FIX}") from None
        plan = plan_resume(saved, config, out_dir, source_of)
    elif meta_path.is_file():
        raise ValueError(f"--out: {out_dir} already holds a run; pass --resume or choose another directory")
    else:
        plan = ResumePlan.fresh(config)
    config = plan.config
    data = prepare_data(config)
    points = preflight(out_dir, plan, len(data.train_view), resume)
    own_ctx = ctx is None
    ctx = ctx or init_distributed(config.train.device)
    threads_before = torch.get_num_threads()
    try:
        bottleneck = config.model.input_size // (4 * 2**config.model.depth)
        trains = config.train.epochs > 0 or bool(config.train.base_epochs)
        if trains and bottleneck == 1 and config.train.batch_size // ctx.world_size < 2:
            raise ValueError(
                f"train.batch_size: {config.train.batch_size} over {ctx.world_size} ranks leaves one image per "
                "rank, and BatchNorm cannot train on the 1x1 bottleneck of this input_size; use >= 2 per rank"
            )
        if config.train.amp == "fp16" and ctx.device.type != "cuda":
            raise ValueError(f"train.amp: fp16 autocast needs CUDA, but the run is on {ctx.device}; use bf16 or none")
        if config.train.threads is not None:
            torch.set_num_threads(config.train.threads)
        settings = current_settings(ctx.device, ctx.world_size)
        if ctx.is_main:
            write_run_record(meta_path, meta, plan, data, ctx, settings, argv)
        ctx.barrier()
        for seed in plan.seeds:
            base = None
            if config.train.share_base:
                base = SharedBase(config, seed, data, out_dir / "base" / f"seed_{seed}", ctx, resume, hook)
            for strategy in plan.strategies:
                _run_one(config, strategy, seed, data, out_dir / strategy / f"seed_{seed}", ctx,
                         points[(strategy, seed)], hook, base)
    finally:
        torch.set_num_threads(threads_before)
        if own_ctx:
            ctx.close()
    return out_dir
