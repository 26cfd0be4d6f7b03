"""The active-learning engine: for every seed and strategy, train → score the pool → select → label → record.

Cycle 0 trains on the task's base set (or copies the seed's shared base
model, which carries the loss heads of every strategy — detached, so each
trains exactly as it would alone); each cycle then evaluates on the test set,
scores the unlabelled pool, lets the strategy pick ``budget`` items, labels
them and writes ``cycle_NN.json`` (:class:`~gammaal.al.records.CycleRecord`).

Never lose work: each step ends with an atomic write of its outputs, then of
``state.json``; ``resume=True`` continues after the last completed step, and
since every step derives its randomness from ``(seed, cycle, step)`` a
resumed run makes the selections an uninterrupted one makes.

Layout of ``out_dir``::

    run.json                            settings, task, versions
    base/seed_<s>/trained_00.pt         the shared base model of seed s
    <strategy>/seed_<s>/state.json      last completed step + labelled set
    <strategy>/seed_<s>/trained_NN.pt   model of cycle NN
    <strategy>/seed_<s>/cycle_NN.json   the cycle's record
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import platform
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Subset
from tqdm.auto import tqdm

from ..atomic import atomic_write_json, remove_stale_temporaries
from .analysis import gamma_analysis, loss_correlations, ties_at_cutoff
from .checkpoint import CorruptRunFile, atomic_torch_save, load_checkpoint, read_run_json
from .resume import ResumePoint, base_fix, base_heads, preflight, recompute_fix
from .distributed import DistributedContext, init_distributed
from .labelled import LabelledSet
from .loss_prediction import AuxiliarySpec, HeadSpec, LossPredictionModel
from .precision import to_device
from .records import CycleRecord, MetricCurve, from_dict, to_dict
from .results import Results, load_results
from .scoring import measure
from .seeding import derive_seed, seed_everything
from .settings import RunSettings
from .strategies import STRATEGIES, Scores, run_selection
from .task import Task
from .training import train_network

__all__ = ["run", "build_network", "StepHook", "CollapsedHeadWarning", "collapsed_head", "head_problem"]

StepHook = Callable[[str, int, int, str], None]
"""``hook(strategy, seed, cycle, step)``, called after each completed step ("trained", "selected", "finished")."""


@dataclass
class _Run:
    """What every step of a run needs."""

    task: Task
    settings: RunSettings
    out_dir: Path
    ctx: DistributedContext
    resume: bool
    hook: StepHook | None
    progress: bool = True

    @property
    def talks(self) -> bool:
        """Whether this process shows progress."""
        return self.progress and self.ctx.is_main

    def done(self, strategy: str, seed: int, cycle: int, step: str) -> None:
        self.ctx.barrier()
        if self.hook is not None:
            self.hook(strategy, seed, cycle, step)


def run(task: Task, out_dir: str | Path, strategies: Sequence[str] = ("random", "coreset", "ll", "llpp"), *,
        cycles: int, budget: int, seeds: int | Sequence[int] = 1, epochs: int, batch_size: int, lr: float,
        device: str = "auto", resume: bool = False, hook: StepHook | None = None,
        ctx: DistributedContext | None = None, progress: bool = True, metadata: dict | None = None,
        **options) -> Results:
    """Run active learning for every seed and strategy on ``task``, writing into ``out_dir``.

    Parameters
    ----------
    task : Task
        E.g. :class:`gammaal.al.RegressionTask`.
    out_dir : str or Path
        Output directory (layout in the module docstring).
    strategies : sequence of str
        Names from :data:`gammaal.al.STRATEGIES`.
    cycles, budget : int
        Selection stages (``cycles + 1`` trained models) and items acquired per stage.
    seeds : int or sequence of int
        ``n`` means seeds ``0 .. n-1``.
    epochs, batch_size, lr : training per cycle (Adam; ``batch_size`` global under DDP).
    device : {"auto", "cpu", "cuda", "cuda:N"}
    resume : bool
        Continue the run in ``out_dir`` after its last completed step (:mod:`gammaal.al.resume`: a deleted
        step file is recomputed). The settings must be the saved ones except
        :data:`~gammaal.al.settings.CHANGEABLE_ON_RESUME`; ``strategies`` and ``seeds`` may name others
        (added to the run).
    hook : callable, optional
        ``hook(strategy, seed, cycle, step)`` after each completed step.
    ctx : DistributedContext, optional
        Default: :func:`gammaal.al.distributed.init_distributed` (torchrun-aware).
    progress : bool
        Progress bars and a line per cycle (on rank 0).
    metadata : dict, optional
        Merged into ``run.json`` at the top level (e.g. the caller's own config and provenance); on
        resume it updates the saved record. ``settings`` stays the engine's.
    **options
        Further :class:`gammaal.al.RunSettings` fields (``amp``, ``weight_decay``,
        ``share_base``, ``init``, ``detach``, ``margin``, ``loss_weight``, ...).

    Returns
    -------
    Results
        Every cycle's :class:`~gammaal.al.records.CycleRecord`.

    Raises
    ------
    ValueError
        A bad setting (naming it), an existing run in ``out_dir`` without ``resume``, a setting a resume
        cannot change, a damaged run file (:class:`~gammaal.al.checkpoint.CorruptRunFile`, naming it and
        the fix) — all before anything is written.
    """
    settings = RunSettings.create(strategies=strategies, cycles=cycles, budget=budget, seeds=seeds, epochs=epochs,
                                  batch_size=batch_size, lr=lr, device=device, **options)
    settings.check_against(task)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"out_dir: {out_dir} is a file, not a directory")
    meta_path = out_dir / "run.json"
    saved = None
    if meta_path.is_file():
        if not resume:
            raise ValueError(f"out_dir: {out_dir} already holds a run; pass resume=True or choose another directory")
        saved = read_run_json(meta_path, "it is not a finished step; restore it or start in a new out_dir")
        recorded = settings.resumed_from(saved.get("settings") or {})
    else:
        recorded = settings
    points = preflight(out_dir, settings.strategies, settings.seeds, len(task.pool), settings.cycles,
                       settings.init == "finetune", settings.share_base, saved is not None)
    if saved is not None and settings.share_base:
        _check_base_heads(out_dir, settings, points)
    own_ctx = ctx is None
    ctx = ctx or init_distributed(settings.device)
    threads_before = torch.get_num_threads()
    if settings.threads is not None:
        torch.set_num_threads(settings.threads)
    try:
        # Every rank has read out_dir (the checks above) before rank 0 writes into it: without this a slow
        # rank could find the run.json written just now and refuse the run as "already holds a run".
        ctx.barrier()
        if ctx.is_main:
            remove_stale_temporaries(out_dir)
            record = dict(saved or _run_metadata(task, settings, ctx))
            record.update(metadata or {})
            record["settings"] = dataclasses.asdict(recorded)
            atomic_write_json(meta_path, record)
            if progress:
                tqdm.write(f"gammaal.al run{' (resumed)' if saved else ''} -> {out_dir} on {ctx.device} "
                           f"x{ctx.world_size}, {torch.get_num_threads()} threads; {task.metric_name}; "
                           f"seeds {list(settings.seeds)}; strategies {list(settings.strategies)}")
        state = _Run(task, settings, out_dir, ctx, saved is not None, hook, progress)
        ctx.barrier()
        for seed in settings.seeds:
            seeded = dataclasses.replace(state, task=task.for_seed(seed))
            base = _SharedBase(seeded, seed) if settings.share_base else None
            for name in settings.strategies:
                _run_strategy(seeded, name, seed, base, points[(name, seed)])
    finally:
        torch.set_num_threads(threads_before)
        if own_ctx:
            ctx.close()
    return load_results(out_dir)


def trains_heads(strategy) -> bool:
    """Whether ``strategy`` trains a loss head or an auxiliary head of its own (part of the shared base)."""
    return strategy.head is not None or getattr(strategy, "auxiliary", None) is not None


def _check_base_heads(out_dir: Path, settings: RunSettings, points) -> None:
    """A strategy joining a resumed run needs its loss head in the already trained shared base."""
    for seed in settings.seeds:
        heads = base_heads(out_dir / "base" / f"seed_{seed}")
        for name in settings.strategies:
            if heads is None or not trains_heads(STRATEGIES[name]) or name in heads:
                continue
            if points[(name, seed)].step == "train" and points[(name, seed)].cycle == 0:
                raise ValueError(
                    f"strategies: {name} needs its own loss head, which the shared base model of seed {seed} in "
                    f"{out_dir / 'base'} lacks (trained with heads: {', '.join(heads) or 'none'}); start a new run "
                    f"(another out_dir) to include {name}")


def _run_strategy(run: _Run, name: str, seed: int, base: _SharedBase | None, point: ResumePoint) -> None:
    """The cycles of one strategy and seed, from ``point`` (:func:`gammaal.al.resume.resume_point`) on."""
    s, directory = run.settings, run.out_dir / name / f"seed_{seed}"
    if point.step == "done":
        return
    if run.talks and point.notes:
        tqdm.write(f"[{name} seed {seed}] {'; '.join(point.notes)}: recomputing from cycle {point.cycle}")
    labelled = LabelledSet(len(run.task.pool))
    if point.acquired_at is not None:
        labelled.load_state_dict({"size": labelled.size, "acquired_at": point.acquired_at})
    network, record = _restore(run, name, seed, directory, point)
    for cycle in tqdm(range(point.cycle, s.cycles + 1), desc=f"{name} seed {seed}", unit="cycle",
                      initial=point.cycle, total=s.cycles + 1, disable=not run.talks):
        started = time.perf_counter()
        if not (cycle == point.cycle and point.step == "select"):
            network, record = _train_cycle(run, name, seed, cycle, labelled, network, base)
            _save(run, directory, cycle, "trained", labelled, network, record)
            run.done(name, seed, cycle, "trained")
        if cycle < s.cycles:
            _select(run, name, seed, cycle, network, labelled, record)
        record.seconds += time.perf_counter() - started
        step = "selected" if cycle < s.cycles else "finished"
        _save(run, directory, cycle, step, labelled, None, record)
        run.done(name, seed, cycle, step)


def _train_cycle(run: _Run, name: str, seed: int, cycle: int, labelled: LabelledSet, network, base):
    """The model of ``cycle`` and the first half of its record (training and test)."""
    if cycle == 0 and base is not None:
        network = _build_network(run, [name], seed, derive_seed(seed, 0, "init"))
        base_state, base_record = base.get()
        prefixes = ("model.", f"heads.{name}.", f"auxiliary.{name}.")  # this strategy's slice of the shared base
        network.load_state_dict({k: v for k, v in base_state.items() if k.startswith(prefixes)})
        record = dataclasses.replace(from_dict(CycleRecord, base_record), strategy=name)
        record.training.shared_base = True
        return network, record
    if network is None or run.settings.init == "scratch":
        network = _build_network(run, [name], seed, derive_seed(seed, cycle, "init"))
    return network, _train_and_test(run, network, name, seed, cycle, labelled)


def _train_and_test(run: _Run, network: LossPredictionModel, name: str, seed: int, cycle: int,
                    labelled: LabelledSet) -> CycleRecord:
    task, s, ctx = run.task, run.settings, run.ctx
    train_set = task.training_data(labelled.labelled_indices)
    training = train_network(network, train_set, task, s.optimisation(cycle), ctx,
                             derive_seed(seed, cycle, "train"),
                             desc=f"cycle {cycle} epochs", progress=run.talks)
    test = measure(network, task, task.test, np.arange(len(task.test)), ctx, needs={"outputs"}, **_scoring(s))
    own = task.labelled_data(labelled.labelled_indices)
    own_loss = measure(network, task, own, np.arange(len(own)), ctx, **_scoring(s)).true_loss
    curve = task.metric_curve(test.outputs, task.test)
    return CycleRecord(strategy=name, seed=seed, cycle=cycle, num_labelled=len(train_set),
                       metric_name=task.metric_name, test_metric=task.metric(test.outputs, task.test),
                       test_loss=float(test.true_loss.mean()), training=training,
                       test_curve=None if curve is None else MetricCurve([float(t) for t in curve[0]],
                                                                         [float(v) for v in curve[1]]),
                       train_gamma=gamma_analysis(own_loss, s.gamma_deltas), train_loss=own_loss.tolist())


class CollapsedHeadWarning(UserWarning):
    """A loss head gave the same prediction for every scored pool item (a dead head), or for more than
    :data:`TIED_FRACTION` of them at the selection cut-off (a pile at a ceiling)."""


TIED_FRACTION = 0.01
"""Ties at the cut-off (relative 1e-6) above this fraction of the scored pool raise a :class:`CollapsedHeadWarning`."""


def collapsed_head(predicted, rtol: float = 1e-9) -> bool:
    """Whether ``predicted`` (None, or a head's predictions on the scored pool) holds two or more values that
    all agree within a relative ``rtol`` of the largest magnitude (exactly equal for a head at zero).

    >>> collapsed_head(np.full(5, 0.536)), collapsed_head(np.array([0.5, 0.6])), collapsed_head(None)
    (True, False, False)
    """
    if predicted is None:
        return False
    values = np.asarray(predicted, dtype=np.float64)
    if values.size < 2 or not np.isfinite(values).all():
        return False
    return bool(np.ptp(values) <= rtol * np.abs(values).max())


def head_problem(predicted, k: int) -> str | None:
    """What is wrong with a loss head's pool predictions for a top-``k`` selection, or None.

    A single value for every item (:func:`collapsed_head`: a dead ReLU layer), or more than
    :data:`TIED_FRACTION` of the pool (and at least two items) tied at the cut-off within a relative 1e-6
    (:func:`~gammaal.al.analysis.ties_at_cutoff`: a pile at a ReLU ceiling); either way part of the selection
    is made by position.

    >>> head_problem(np.array([0.3, 0.1, 0.2]), 1) is None
    True
    >>> head_problem(np.r_[np.full(5, 0.7), np.linspace(0, 0.5, 95)], 3)[:39]
    '5 of 100 predicted losses tie the cut-o'
    """
    if predicted is None or k < 1:
        return None
    predicted = np.asarray(predicted, dtype=np.float64)
    if collapsed_head(predicted):
        return (f"the loss head predicts one value ({float(predicted[0]):.6g}) for all {predicted.size} scored "
                "items, so it selects by position, not by predicted loss. A layer of its ReLUs is dead (negative "
                "for every input: zero output, zero gradient, and it stays so); seen when the true losses barely "
                "vary, e.g. a model that has not learned yet (README: heads that learn)")
    tied, _ = ties_at_cutoff(predicted, min(k, predicted.size))
    if tied > max(1.0, TIED_FRACTION * predicted.size):
        return (f"{tied} of {predicted.size} predicted losses tie the cut-off of the top {k}, so part of the "
                "selection is by position, not by predicted loss: a pile at one value, usually a ReLU ceiling of "
                "the head (try model.head_activation=leaky_relu; README: heads that learn), or the rounding of a "
                "bf16/fp16 autocast head")
    return None


def _select(run: _Run, name: str, seed: int, cycle: int, network: LossPredictionModel, labelled: LabelledSet,
            record: CycleRecord) -> None:
    """Score the unlabelled pool, let the strategy choose, label the choice, fill the selection fields."""
    started = time.perf_counter()
    task, s, ctx = run.task, run.settings, run.ctx
    strategy = STRATEGIES[name]
    select_seed = derive_seed(seed, cycle, "select")
    seed_everything(select_seed)
    candidates = labelled.unlabelled_indices
    if s.subset is not None and s.subset < candidates.size:
        draw = np.random.default_rng(derive_seed(seed, cycle, "subset"))
        candidates = np.sort(draw.choice(candidates, size=s.subset, replace=False))
    state = None
    if "per_item" in strategy.needs:
        own = task.labelled_data(labelled.labelled_indices)
        state = strategy.prepare(network, task, own, lambda data, **kw: measure(
            network, task, data, np.arange(len(data)), ctx, **{**_scoring(s), **kw}))
    measured = measure(network, task, task.pool, candidates, ctx, needs={*strategy.needs, "outputs"},
                       desc=f"cycle {cycle} scoring" if run.talks else None, per_item=strategy.per_item,
                       per_item_state=state, **_scoring(s))
    labelled_embeddings = None
    if "embeddings" in strategy.needs:
        own = task.labelled_data(labelled.labelled_indices)
        labelled_embeddings = measure(network, task, own, np.arange(len(own)), ctx, needs={"embeddings"},
                                      **_scoring(s)).embeddings
    predicted = measured.predicted_loss.get(name)
    embeddings = measured.embeddings
    if embeddings is not None and ctx.device.type == "cuda" and getattr(strategy, "device_embeddings", False):
        embeddings = torch.as_tensor(embeddings, device=ctx.device)  # e.g. core-set selects on the GPU
        if labelled_embeddings is not None:
            labelled_embeddings = torch.as_tensor(labelled_embeddings, device=ctx.device)
    scores = Scores(num_candidates=candidates.size, predicted_loss=predicted, embeddings=embeddings,
                    labelled_embeddings=labelled_embeddings, outputs=measured.outputs,
                    mc_samples=measured.mc_samples, per_item=measured.per_item)
    positions = None
    if ctx.is_main:
        positions = run_selection(strategy, scores, s.budget, np.random.default_rng(select_seed))
        ranked = strategy.score(scores)
        record.scores = None if ranked is None else np.asarray(ranked, dtype=np.float64).tolist()
    positions = np.asarray(ctx.broadcast_object(positions), dtype=np.int64)
    record.selection_seconds = time.perf_counter() - started  # scoring and choosing; not the analyses below
    problem = head_problem(predicted, positions.size) if ctx.is_main else None
    if problem:
        warnings.warn(CollapsedHeadWarning(f"[{name} seed {seed}] cycle {cycle}: {problem}"), stacklevel=2)
    chosen = candidates[positions]
    true_loss = measured.true_loss
    record.selected = chosen.tolist()
    record.selected_true_loss = float(true_loss[positions].mean()) if positions.size else None
    record.pool_true_loss = float(true_loss.mean())
    record.selected_metric = task.metric(measured.outputs[positions], Subset(task.pool, chosen.tolist()))
    record.pool_metric = task.metric(measured.outputs, Subset(task.pool, candidates.tolist()))
    if task.pool_groups is not None:
        groups = np.asarray(task.pool_groups)
        record.selected_groups = {str(g): int((groups[chosen] == g).sum()) for g in np.unique(groups)}
    record.correlation = loss_correlations(predicted, true_loss)
    record.gamma = gamma_analysis(true_loss, s.gamma_deltas)
    record.candidates = candidates.tolist()
    record.predicted_loss = None if predicted is None else predicted.astype(np.float64).tolist()
    record.true_loss = true_loss.astype(np.float64).tolist()
    labelled.label(chosen, stage=cycle + 1)


class _SharedBase:
    """The cycle-0 model every strategy of a seed starts from: trained (or, resuming, loaded) when first needed."""

    def __init__(self, run: _Run, seed: int):
        self.run, self.seed, self.value = run, seed, None
        self.directory = run.out_dir / "base" / f"seed_{seed}"

    def get(self) -> tuple[dict, dict]:
        """``(state_dict, record dict)`` of the base model."""
        if self.value is None:
            self.value = self._load() if self.run.resume and (self.directory / "state.json").is_file() \
                else self._train()
        return self.value

    def _load(self):
        checkpoint = load_checkpoint(self.directory / "trained_00.pt", base_fix(self.seed))
        return checkpoint["network"], checkpoint["record"]

    def _train(self):
        run, seed = self.run, self.seed
        names = run.settings.strategies
        network = _build_network(run, names, seed, derive_seed(seed, 0, "init"), adapt=False)
        record = _train_and_test(run, network, "base", seed, 0, LabelledSet(len(run.task.pool)))
        state = {k: v.detach().cpu().clone() for k, v in network.state_dict().items()}
        if run.ctx.is_main:
            atomic_torch_save({"network": state, "record": to_dict(record)}, self.directory / "trained_00.pt")
            heads = [n for n in names if trains_heads(STRATEGIES[n])]
            atomic_write_json(self.directory / "state.json", {"cycle": 0, "step": "trained", "heads": heads})
        if run.talks:
            tqdm.write(f"[base seed {seed}] {record.num_labelled} labelled | test {record.metric_name} "
                       f"{record.test_metric:.4g} | {record.training.seconds:.1f}s")
        run.done("base", seed, 0, "trained")
        return state, to_dict(record)


def build_network(task: Task, settings: RunSettings, strategies: Sequence[str], *, seed: int = 0,
                  init_seed: int | None = None, ctx: DistributedContext | None = None,
                  adapt: bool = True) -> LossPredictionModel:
    """The network the engine trains for ``strategies``: the task's model with their loss and auxiliary heads.

    This is the one builder of the engine (every cycle, the shared base, a resume) and of the tools that
    must measure what the engine runs (``python -m pose bench``, ``benchmarks/strategy_cost.py``). It lives
    here rather than in :mod:`gammaal.al.loss_prediction` because it reads the strategy registry (each
    strategy's head, objective, auxiliary head and model adaptation) and the run settings (margin,
    detaching, SyncBatchNorm, channels_last), which the model module does not know about.

    Parameters
    ----------
    task : Task
        Provides the model (``build_model``), its taps (``taps``, ``embedding_taps``, ``head_taps``) and
        the head options (``head_kinds``, ``head_options``); its labelled set gives the example batch (first
        two items) that sizes the lazy head layers.
    settings : RunSettings
        Uses ``margin``, ``detach``, ``gamma_quantile``, ``sync_batchnorm`` and ``channels_last``.
    strategies : sequence of str
        Names in :data:`gammaal.al.STRATEGIES` whose heads the network carries (none for e.g. ``["random"]``:
        the backbone with its taps).
    seed : int
        Seeds the heads' initial weights: each head depends on ``(seed, strategy)`` only, so a strategy
        starts the same whatever else the network carries (and can take its slice of the shared base).
    init_seed : int, optional
        ``torch.manual_seed`` before the model is built (its initial weights); default ``seed``.
    ctx : DistributedContext, optional
        The device to build on (and whether SyncBatchNorm applies); default a single CPU process.
    adapt : bool
        Apply each strategy's ``adapt_model`` (e.g. MC dropout's dropout layers); the shared base is built
        with ``adapt=False`` (the task's model as built).

    Returns
    -------
    LossPredictionModel
        Initialised (lazy layers sized), on ``ctx.device``, in training mode; in channels_last memory format
        when ``settings.channels_last``.

    Raises
    ------
    KeyError
        An unknown strategy name (as :data:`gammaal.al.STRATEGIES` raises it).
    """
    s = settings
    ctx = ctx if ctx is not None else DistributedContext()
    torch.manual_seed(seed if init_seed is None else init_seed)
    heads = {}
    for n in strategies:
        kind = STRATEGIES[n].head
        kind = task.head_kinds.get(kind, kind)
        if kind is not None:
            taps = tuple(task.head_taps.get(kind, ())) or None
            heads[n] = HeadSpec(kind, STRATEGIES[n].objective, taps, dict(task.head_options.get(kind, {})))
    auxiliary = {n: AuxiliarySpec(STRATEGIES[n].auxiliary, tuple(task.head_taps.get(STRATEGIES[n].auxiliary, ()))
                                  or None, dict(task.head_options.get(STRATEGIES[n].auxiliary, {})))
                 for n in strategies if STRATEGIES[n].auxiliary is not None}
    model = task.build_model()
    if adapt:  # a strategy's own network (the shared base is the task's model as built)
        for n in strategies:
            model = STRATEGIES[n].adapt_model(model)
    if s.sync_batchnorm and ctx.distributed and ctx.device.type == "cuda":
        model = nn.SyncBatchNorm.convert_sync_batchnorm(model)  # before the taps are hooked
    network = LossPredictionModel(model, task.taps, margin=s.margin, detach=s.detach, heads=heads,
                                  embedding_taps=task.embedding_taps, auxiliary=auxiliary,
                                  gamma_quantile=s.gamma_quantile).to(ctx.device)
    loader = DataLoader(task.labelled, batch_size=min(2, len(task.labelled)))
    inputs, _ = to_device(task.split_batch(next(iter(loader))), ctx.device, s.channels_last)
    network.initialize(inputs, seed=seed)
    if s.channels_last:  # after the lazy head layers have their shapes
        network = network.to(memory_format=torch.channels_last)
    return network


def _build_network(run: _Run, names: Sequence[str], seed: int, init_seed: int,
                   adapt: bool = True) -> LossPredictionModel:
    """:func:`build_network` for a step of ``run``."""
    return build_network(run.task, run.settings, names, seed=seed, init_seed=init_seed, ctx=run.ctx, adapt=adapt)


def _scoring(s: RunSettings) -> dict:
    """The keyword arguments of every :func:`~gammaal.al.scoring.measure` call of a run."""
    return {"batch_size": s.eval_batch_size, "amp": s.amp, "mc_passes": s.mc_passes, "num_workers": s.num_workers,
            "channels_last": s.channels_last}


def _save(run: _Run, directory: Path, cycle: int, step: str, labelled: LabelledSet, network, record) -> None:
    """Write a completed step: the model (after training) or the record (after selection), then the state."""
    if not run.ctx.is_main:
        return
    if network is not None:
        atomic_torch_save({"network": network.state_dict(), "record": to_dict(record)},
                          directory / f"trained_{cycle:02d}.pt")
    else:
        atomic_write_json(directory / f"cycle_{cycle:02d}.json", to_dict(record))
        if run.talks:
            tqdm.write(_summary_line(record))
    atomic_write_json(directory / "state.json", {"cycle": cycle, "step": step, "labelled": labelled.state_dict()})


def _restore(run: _Run, name: str, seed: int, directory: Path, point: ResumePoint):
    """``(network, record)`` the resumed cycles start from: the trained model of the cycle to select in, the
    previous cycle's model when fine-tuning, else nothing."""
    if point.step == "select":
        cycle = point.cycle
    elif point.cycle > 0 and run.settings.init == "finetune":
        cycle = point.cycle - 1
    else:
        return None, None
    path = directory / f"trained_{cycle:02d}.pt"
    checkpoint = load_checkpoint(path, recompute_fix(cycle), map_location=run.ctx.device)
    network = _build_network(run, [name], seed, derive_seed(seed, cycle, "init"))
    try:
        network.load_state_dict(checkpoint["network"])
        record = from_dict(CycleRecord, checkpoint["record"])
    except (RuntimeError, TypeError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CorruptRunFile(f"{path}: does not fit the network of this run ({first}); "
                             f"{recompute_fix(cycle)}") from None
    return network, record


def _summary_line(r: CycleRecord) -> str:
    parts = [f"[{r.strategy} seed {r.seed}] cycle {r.cycle}", f"labelled {r.num_labelled}",
             f"test {r.metric_name} {r.test_metric:.4g}"]
    if r.selected:
        parts.append(f"selected loss {r.selected_true_loss:.3g} (pool {r.pool_true_loss:.3g})")
    if r.correlation is not None:
        parts.append(f"spearman {r.correlation.spearman:+.2f}")
    if r.gamma is not None and r.gamma.k is not None:
        parts.append(f"gamma k={r.gamma.k:.2f} theta={r.gamma.theta:.3g}")
    return " | ".join(parts)


def _run_metadata(task: Task, settings: RunSettings, ctx: DistributedContext) -> dict:
    import scipy

    return {"settings": dataclasses.asdict(settings), "task": type(task).__qualname__,
            "metric_name": task.metric_name, "higher_is_better": task.higher_is_better,
            "sizes": {"labelled": len(task.labelled), "pool": len(task.pool), "test": len(task.test)},
            "world_size": ctx.world_size, "device": str(ctx.device),
            "versions": {"python": sys.version.split()[0], "platform": platform.platform(),
                         "torch": torch.__version__, "numpy": np.__version__, "scipy": scipy.__version__},
            "command": sys.argv, "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}
