"""Where each strategy and seed of an engine run picks up, checked before anything is written.

A run directory holds, per strategy and seed, ``state.json`` (last completed
step and the labelled set), ``trained_NN.pt`` and ``cycle_NN.json``
(:mod:`gammaal.al.engine`). :func:`resume_point` returns the first step whose
outputs are not all on disk: a deleted ``trained_NN.pt`` or ``cycle_NN.json`` is
recomputed (with every later step) instead of failing, so the fix for a corrupt
file is always "delete it and resume". :func:`preflight` does this for every
strategy and seed of a run and checks the files the first steps will read, so a
damaged file fails at once, naming itself and the fix, not hours into a run.
"""
from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .checkpoint import CorruptRunFile, read_run_json

__all__ = ["STEPS", "ResumePoint", "read_state", "resume_point", "preflight", "base_heads", "check_checkpoint",
           "recompute_fix", "state_fix", "base_fix"]

STEPS = ("trained", "selected", "finished")
"""The ``step`` values of ``state.json``."""


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
        The labelled set's stages (those after ``cycle`` reset), None for a fresh start.
    notes : list of str
        Steps recomputed because their files are missing.
    """

    cycle: int
    step: str
    acquired_at: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)


def recompute_fix(cycle: int) -> str:
    """What to do about a damaged ``trained_NN.pt`` or ``cycle_NN.json`` of a strategy and seed."""
    return f"delete it and resume to recompute cycle {cycle} and the cycles after it"


def state_fix(strategy: str, seed: int) -> str:
    """What to do about a damaged strategy/seed ``state.json``."""
    return f"delete it and resume to recompute {strategy} seed {seed} from cycle 0"


def base_fix(seed: int) -> str:
    """What to do about a damaged shared-base file."""
    return f"delete it and resume to retrain the shared base model of seed {seed}"


def read_state(path: Path, size: int, fix: str) -> dict | None:
    """A strategy/seed ``state.json`` checked for shape (None when absent); ``size`` is the pool's."""
    if not path.is_file():
        return None
    state = read_run_json(path, fix)
    labelled = state.get("labelled")
    ok = (isinstance(state.get("cycle"), int) and state["cycle"] >= 0 and state.get("step") in STEPS
          and isinstance(labelled, dict) and isinstance(labelled.get("acquired_at"), list))
    if not ok:
        raise CorruptRunFile(f"{path}: truncated or corrupt (expected cycle, step and labelled); {fix}")
    if len(labelled["acquired_at"]) != size:
        raise ValueError(f"{path}: the labelled set has {len(labelled['acquired_at'])} items, but the pool of this "
                         f"task has {size}; was the data changed? {fix}")
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
    if j > cycles:
        raise CorruptRunFile(f"{run_dir / 'state.json'}: cycle {cycle} is beyond the run's {cycles} cycles; "
                             "delete it and resume to recompute this strategy and seed from cycle 0")
    # Items acquired after cycle j are recomputed (identically) by the steps that follow.
    return ResumePoint(j, todo, np.where(acquired > j, -1, acquired), notes)


def check_checkpoint(path: Path, fix: str) -> None:
    """Cheap integrity check of a ``torch.save`` file (a zip archive): its directory must be readable.

    A truncated file, the usual damage, has lost the directory at its end; loading it fully
    happens when the step that needs it starts.
    """
    try:
        with zipfile.ZipFile(path):
            pass
    except (zipfile.BadZipFile, OSError) as exc:
        raise CorruptRunFile(f"{path}: truncated or corrupt ({type(exc).__name__}: {exc}); {fix}") from None


def base_heads(base_dir: Path) -> list[str] | None:
    """Strategies whose loss heads the shared base model in ``base_dir`` carries (None if not trained yet)."""
    path = base_dir / "state.json"
    if not path.is_file():
        return None
    state = read_run_json(path, base_fix(int(base_dir.name.rpartition("_")[2])))
    return list(state.get("heads", []))


def preflight(out_dir: Path, strategies, seeds, pool_size: int, cycles: int, finetune: bool,
              share_base: bool, resume: bool) -> dict[tuple[str, int], ResumePoint]:
    """The resume point of every (strategy, seed), with the files its first step reads checked."""
    points = {}
    for seed in seeds:
        base_needed = False
        for strategy in strategies:
            run_dir = out_dir / strategy / f"seed_{seed}"
            state = read_state(run_dir / "state.json", pool_size, state_fix(strategy, seed)) if resume else None
            point = resume_point(run_dir, state, cycles, finetune)
            if point.step == "select":
                check_checkpoint(run_dir / f"trained_{point.cycle:02d}.pt", recompute_fix(point.cycle))
            elif point.step == "train" and point.cycle > 0 and finetune:
                check_checkpoint(run_dir / f"trained_{point.cycle - 1:02d}.pt", recompute_fix(point.cycle - 1))
            base_needed |= point.step == "train" and point.cycle == 0
            points[(strategy, seed)] = point
        base_dir = out_dir / "base" / f"seed_{seed}"
        if resume and base_needed and share_base and (base_dir / "state.json").is_file():
            base_heads(base_dir)
            if (base_dir / "trained_00.pt").is_file():
                check_checkpoint(base_dir / "trained_00.pt", base_fix(seed))
    return points
