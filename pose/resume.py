"""Resuming a run: which config continues it, and where each strategy and seed picks up.

:func:`plan_resume` compares the config a resume asks for with the one saved
in ``run.json``. It applies what cannot change the results already on disk —
``train.device`` and ``train.threads`` (execution settings; the loop warns
that their change can alter later selections), strategies and seeds not run
yet — and refuses anything else, naming the flag that asked for it.

:func:`resume_point` reads a strategy/seed directory and returns the first
step whose outputs are not all on disk. A deleted ``trained_NN.pt`` or
``cycle_NN.json`` is recomputed (with every later step) instead of failing, so
the fix for a corrupt file is always "delete it and resume".
"""
from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .checkpoint import CorruptRunFile, load_checkpoint, read_run_json
from .config import RunConfig, config_to_dict
from .strategies import STRATEGIES

__all__ = ["CHANGEABLE_ON_RESUME", "ResumePlan", "plan_resume", "ResumePoint", "read_state", "resume_point",
           "preflight", "base_heads", "recompute_fix", "state_fix", "base_fix"]

CHANGEABLE_ON_RESUME = ("train.device", "train.threads")
"""Fields a resume may change: where the run executes, not what it computes."""

FLAGS = {"seeds": "--seeds", "seed": "--seed", "train.device": "--device", "active.strategies": "--strategy"}
STEPS = ("trained", "selected", "finished")


def _flatten(data: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


@dataclass
class ResumePlan:
    """What a resumed (or new) run does.

    Attributes
    ----------
    config : RunConfig
        The run's config from now on (saved to ``run.json``): the saved one with
        the applied changes; its strategies and seeds are all the run has.
    seeds, strategies : list
        What this invocation runs (the requested ones).
    changes : list of str
        The applied changes, for the log.
    """

    config: RunConfig
    seeds: list[int]
    strategies: list[str]
    changes: list[str] = field(default_factory=list)

    @classmethod
    def fresh(cls, config: RunConfig) -> "ResumePlan":
        return cls(config, config.seed_list, list(config.active.strategies))


def base_heads(base_dir: Path) -> list[str] | None:
    """Head kinds of the shared base model trained in ``base_dir`` (None if not trained yet)."""
    state_path = base_dir / "state.json"
    if not state_path.is_file():
        return None
    fix = "delete it and resume to retrain the shared base model"
    state = read_run_json(state_path, fix)  # the seed is in the path
    if "heads" in state:
        return list(state["heads"])
    if not (base_dir / "trained_00.pt").is_file():
        return None
    return list(load_checkpoint(base_dir / "trained_00.pt", fix)["record"].get("heads", []))


def plan_resume(saved: RunConfig, requested: RunConfig, out_dir: str | Path,
                source_of: Callable[[str], str] | None = None) -> ResumePlan:
    """The config that continues the run in ``out_dir`` (saved as ``saved``) as ``requested`` asks.

    Parameters
    ----------
    source_of : callable, optional
        Maps a field name to the command-line flag that set it (for messages);
        defaults to ``--seeds``, ``--seed``, ``--device``, ``--strategy`` or ``--resume``.

    Raises
    ------
    ValueError
        A field that cannot change, or a strategy whose loss head the already
        trained shared base models lack; the message starts with the flag.
    """
    out_dir = Path(out_dir)

    def flag(name: str) -> str:
        return (source_of(name) if source_of else None) or FLAGS.get(name, "--resume")

    old, new = _flatten(config_to_dict(saved)), _flatten(config_to_dict(requested))
    merged, changes = saved, []
    for name in old:
        if old[name] == new[name]:
            continue
        if name in CHANGEABLE_ON_RESUME:
            section, key = name.split(".")
            merged = replace(merged, **{section: replace(getattr(merged, section), **{key: new[name]})})
            changes.append(f"{name} {old[name]} -> {new[name]}")
        elif name == "active.strategies":
            added = [s for s in requested.active.strategies if s not in saved.active.strategies]
            if added:
                _check_heads(saved, added, out_dir, flag(name))
                strategies = list(saved.active.strategies) + added
                merged = replace(merged, active=replace(merged.active, strategies=strategies))
                changes.append(f"adding strategies {', '.join(added)} (not run yet)")
        elif name == "seeds":
            if requested.seeds > saved.seeds:
                merged = replace(merged, seeds=requested.seeds)
                changes.append(f"adding seeds {', '.join(map(str, requested.seed_list[saved.seeds:]))} (not run yet)")
        else:
            raise ValueError(
                f"{flag(name)}: cannot change {name} of the run in {out_dir} ({old[name]!r} there, {new[name]!r} "
                f"requested); a resume keeps the run's config except {', '.join(CHANGEABLE_ON_RESUME)} and added "
                "strategies or seeds. Start a new run (another --out) to change it"
            )
    return ResumePlan(merged, requested.seed_list, list(requested.active.strategies), changes)


def _check_heads(saved: RunConfig, added: list[str], out_dir: Path, flag: str) -> None:
    if not saved.train.share_base:
        return
    for strategy in added:
        kind = STRATEGIES[strategy][1]
        if kind is None:
            continue  # random and core-set use the backbone only
        for seed in saved.seed_list:
            heads = base_heads(out_dir / "base" / f"seed_{seed}")
            if heads is not None and kind not in heads:
                raise ValueError(
                    f"{flag}: {strategy} needs its own loss head, which the shared base model of seed {seed} in "
                    f"{out_dir / 'base'} lacks (trained with heads: {', '.join(heads) or 'none'}); start a new run "
                    f"(another --out) to include {strategy}"
                )


# --------------------------------------------------------------------------- per strategy and seed


@dataclass
class ResumePoint:
    """Where a strategy/seed continues.

    Attributes
    ----------
    cycle : int
    step : {"train", "select", "done"}
        "train": train cycle ``cycle`` (from ``trained_{cycle-1}.pt`` when fine-tuning);
        "select": load ``trained_{cycle}.pt`` and select; "done": finished.
    acquired_at : ndarray or None
        The labelled set's stages (those after ``cycle`` reset), None for the base set.
    notes : list of str
        Steps recomputed because their files are missing.
    """

    cycle: int
    step: str
    acquired_at: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)


def read_state(path: Path, size: int, fix: str) -> dict | None:
    """A strategy/seed ``state.json`` checked for shape (None when absent)."""
    if not path.is_file():
        return None
    state = read_run_json(path, fix)
    labelled = state.get("labelled")
    ok = (isinstance(state.get("cycle"), int) and state["cycle"] >= 0 and state.get("step") in STEPS
          and isinstance(labelled, dict) and isinstance(labelled.get("acquired_at"), list))
    if not ok:
        raise CorruptRunFile(f"{path}: truncated or corrupt (expected cycle, step and labelled); {fix}")
    if len(labelled["acquired_at"]) != size:
        raise ValueError(f"{path}: the labelled set has {len(labelled['acquired_at'])} images, but the data of this "
                         f"config has {size}; was data.root changed? {fix}")
    return state


def resume_point(run_dir: Path, state: dict | None, cycles: int, finetune: bool) -> ResumePoint:
    """The first step of a strategy/seed whose outputs are not all on disk (see the module docstring).

    Every ``cycle_NN.json`` the state counts as done is parsed here, so a
    corrupt one fails before any training, naming the file.
    """
    if state is None:
        return ResumePoint(0, "train")
    cycle, step = int(state["cycle"]), state["step"]
    acquired = np.asarray(state["labelled"]["acquired_at"], dtype=np.int64)
    notes = []
    point = None
    for j in range(cycle + (step != "trained")):
        path = run_dir / f"cycle_{j:02d}.json"
        if not path.is_file():
            notes.append(f"{path.name} is missing")
            point = (j, "select")
            break
        read_run_json(path, recompute_fix(j))
    if point is None:
        if step == "finished":
            return ResumePoint(cycle, "done", acquired)
        point = (cycle, "select") if step == "trained" else (cycle + 1, "train")
    while True:
        j, todo = point
        if todo == "select":
            if (run_dir / f"trained_{j:02d}.pt").is_file():
                break
            notes.append(f"trained_{j:02d}.pt is missing")
            point = (j, "train")
        else:
            if j == 0 or not finetune or (run_dir / f"trained_{j - 1:02d}.pt").is_file():
                break
            notes.append(f"trained_{j - 1:02d}.pt is missing")
            point = (j - 1, "train")
    j, todo = point
    # Labels acquired after cycle j are recomputed (identically) by the steps that follow.
    acquired = np.where(acquired > j, -1, acquired)
    if j > cycles:
        raise CorruptRunFile(f"{run_dir / 'state.json'}: cycle {cycle} is beyond active.cycles = {cycles}")
    return ResumePoint(j, todo, acquired, notes)


def _check_checkpoint(path: Path, fix: str) -> None:
    """Cheap integrity check of a ``torch.save`` file (a zip archive): its directory must be readable.

    A truncated file, the usual damage, has lost the directory at its end; loading it fully
    happens when the step that needs it starts.
    """
    try:
        with zipfile.ZipFile(path):
            pass
    except (zipfile.BadZipFile, OSError) as exc:
        raise CorruptRunFile(f"{path}: truncated or corrupt ({type(exc).__name__}: {exc}); {fix}") from None


def recompute_fix(cycle: int) -> str:
    """What to do about a damaged ``trained_NN.pt`` or ``cycle_NN.json`` of a strategy and seed."""
    return f"delete it and resume to recompute cycle {cycle} and the cycles after it"


def state_fix(strategy: str, seed: int) -> str:
    """What to do about a damaged strategy/seed ``state.json``."""
    return f"delete it and resume to recompute {strategy} seed {seed} from cycle 0"


def base_fix(seed: int) -> str:
    """What to do about a damaged shared-base file."""
    return f"delete it and resume to retrain the shared base model of seed {seed}"


def preflight(out_dir: Path, plan: ResumePlan, size: int, resume: bool) -> dict[tuple[str, int], ResumePoint]:
    """The resume point of every (strategy, seed) the plan runs, with the files it needs checked.

    Runs before anything is written, so a damaged state, record or checkpoint
    fails at once (one line naming the file and the fix) rather than hours in.
    """
    config = plan.config
    finetune = config.train.init == "finetune"
    points = {}
    for seed in plan.seeds:
        base_needed = False
        for strategy in plan.strategies:
            run_dir = out_dir / strategy / f"seed_{seed}"
            state = read_state(run_dir / "state.json", size, state_fix(strategy, seed)) if resume else None
            point = resume_point(run_dir, state, config.active.cycles, finetune)
            if point.step == "select":
                _check_checkpoint(run_dir / f"trained_{point.cycle:02d}.pt", recompute_fix(point.cycle))
            elif point.step == "train" and point.cycle > 0 and finetune:
                _check_checkpoint(run_dir / f"trained_{point.cycle - 1:02d}.pt", recompute_fix(point.cycle - 1))
            base_needed |= point.step == "train" and point.cycle == 0
            points[(strategy, seed)] = point
        base_dir = out_dir / "base" / f"seed_{seed}"
        if resume and base_needed and config.train.share_base and (base_dir / "state.json").is_file():
            read_run_json(base_dir / "state.json", base_fix(seed))
            if (base_dir / "trained_00.pt").is_file():
                _check_checkpoint(base_dir / "trained_00.pt", base_fix(seed))
    return points
