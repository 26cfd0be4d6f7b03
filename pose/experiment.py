"""``python -m pose run``: a pose config run by the :mod:`gammaal.al` engine, with pose's checks and provenance.

:func:`run_experiment` validates the config, plans a resume (:func:`pose.resume.plan_resume`:
what a resume may change, naming the flag that asked otherwise), opens the datasets, checks
every run file the resumed steps will read, records where and how the run executes
(:mod:`pose.provenance`) and hands over to :func:`gammaal.al.run` with a
:class:`pose.task.PoseTask` — all before any training, so a bad config, a missing image or
a damaged file fails at once with one line.

Layout of an output directory (the engine's, :mod:`gammaal.al.engine`)::

    run.json                            engine settings + pose config, seeds, versions, git, execution, resumes
    base/seed_<s>/trained_00.pt         the shared base model (``train.share_base``); state.json lists its heads
    <strategy>/seed_<s>/state.json      last completed step + labelled set (over the pool)
    <strategy>/seed_<s>/trained_NN.pt   model of cycle NN
    <strategy>/seed_<s>/cycle_NN.json   :class:`gammaal.al.records.CycleRecord`: test PCK, selection (pool
                                        indices), per-domain counts, PCK and true loss of the selected images,
                                        predicted vs true losses and their correlations, gamma analyses

Pool index ``i`` is the image uid ``PoseTask(config).pool_uids[i]`` (the base set is excluded).
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch
from tqdm.auto import tqdm

import gammaal.al as al
from gammaal.al.distributed import DistributedContext, init_distributed
from gammaal.al.resume import preflight

from .checkpoint import CorruptRunFile, read_run_json, remove_stale_temporaries
from .config import RunConfig, config_from_dict, validate_config
from .datasets import prepare_data
from .provenance import current_settings, run_record
from .resume import ResumePlan, plan_resume
from .task import PoseTask, engine_settings

__all__ = ["run_experiment", "RUN_JSON_FIX", "StepHook"]

StepHook = al.StepHook

RUN_JSON_FIX = ("it holds the run's config, so the run cannot resume without it: restore it from a backup, or "
                "start again with another --out")


def _plan(config: RunConfig, out_dir: Path, resume: bool, source_of) -> tuple[ResumePlan, dict | None]:
    meta_path = out_dir / "run.json"
    if not resume:
        if meta_path.is_file():
            raise ValueError(f"--out: {out_dir} already holds a run; pass --resume or choose another directory")
        return ResumePlan.fresh(config), None
    if not meta_path.is_file():
        raise ValueError(f"--resume: nothing to resume in {out_dir} (no run.json); drop --resume to start a run")
    meta = read_run_json(meta_path, RUN_JSON_FIX)
    try:
        saved = config_from_dict(meta["config"])
    except (KeyError, TypeError, ValueError) as exc:
        raise CorruptRunFile(f"{meta_path}: corrupt config ({exc}); {RUN_JSON_FIX}") from None
    return plan_resume(saved, config, out_dir, source_of), meta


def _check_execution(config: RunConfig, ctx: DistributedContext) -> None:
    bottleneck = config.model.input_size // (4 * 2**config.model.depth)
    trains = config.train.epochs > 0 or bool(config.train.base_epochs)
    if config.model.backbone == "hourglass" and trains and bottleneck == 1 and \
            config.train.batch_size // ctx.world_size < 2:
        raise ValueError(
            f"train.batch_size: {config.train.batch_size} over {ctx.world_size} ranks leaves one image per "
            "rank, and BatchNorm cannot train on the 1x1 bottleneck of this input_size; use >= 2 per rank")
    if config.train.amp == "fp16" and ctx.device.type != "cuda":
        raise ValueError(f"train.amp: fp16 autocast needs CUDA, but the run is on {ctx.device}; use bf16 or none")


def run_experiment(config: RunConfig, out_dir: str | Path, *, resume: bool = False,
                   ctx: DistributedContext | None = None, hook: StepHook | None = None,
                   argv: list[str] | None = None, source_of: Callable[[str], str] | None = None) -> Path:
    """Run every strategy for every seed of ``config``, writing into ``out_dir``.

    Parameters
    ----------
    config : RunConfig
    out_dir : str or Path
        Output directory (layout in the module docstring).
    resume : bool
        Continue the run in ``out_dir`` after its last completed step (see
        :func:`pose.resume.plan_resume` for what ``config`` may change: device,
        threads, added strategies or seeds; a deleted step file is recomputed).
        Stale temporary files of a killed write are removed first; other execution
        settings than the recorded ones give a :class:`pose.provenance.ReproducibilityWarning`.
    ctx : DistributedContext, optional
        Defaults to :func:`gammaal.al.distributed.init_distributed` (torchrun-aware).
    hook : callable, optional
        ``hook(strategy, seed, cycle, step)`` after each completed step ("base" for the shared base).
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
    plan, meta = _plan(config, out_dir, resume, source_of)
    config = plan.config
    task = PoseTask(config, data=prepare_data(config))
    a, t = config.active, config.train
    # Every file the resumed steps read, checked before anything is written (the engine checks again).
    preflight(out_dir, plan.strategies, plan.seeds, len(task.pool), a.cycles, t.init == "finetune",
              t.share_base, resume)
    own_ctx = ctx is None
    ctx = ctx or init_distributed(t.device)
    threads_before = torch.get_num_threads()
    try:
        _check_execution(config, ctx)
        if t.threads is not None:
            torch.set_num_threads(t.threads)
        settings = current_settings(ctx.device, ctx.world_size)
        record = None
        if ctx.is_main:
            removed = remove_stale_temporaries(out_dir) if resume else []
            if removed:
                tqdm.write(f"resume: removed {len(removed)} temporary file(s) left by a killed write, "
                           f"e.g. {removed[0]}")
            record = run_record(out_dir, meta, plan, task.data, ctx, settings, argv)
        ctx.barrier()
        options = dict(engine_settings(config), strategies=plan.strategies, seeds=plan.seeds)
        al.run(task, out_dir, resume=resume, hook=hook, ctx=ctx, metadata=record, **options)
    finally:
        torch.set_num_threads(threads_before)
        if own_ctx:
            ctx.close()
    return out_dir
