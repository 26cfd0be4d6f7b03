"""The settings of an engine run: one frozen dataclass, validated once, saved in ``run.json``."""
from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

from .distributed import resolve_device
from .precision import AMP_MODES
from .strategies import STRATEGIES
from .training import Optimisation

__all__ = ["RunSettings", "CHANGEABLE_ON_RESUME"]

CHANGEABLE_ON_RESUME = ("device", "threads")
"""Settings a resume may change: where the run executes, not what it computes (they can still alter the last
bits of floating-point results, hence near-tied selections). ``strategies`` and ``seeds`` name what one call
runs; a resume may run others of the same run or add new ones."""


def _integer(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name}: must be an integer >= {minimum}, got {value!r}")
    return value


def _number(value, name: str, minimum: float, strict: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or (
            value <= minimum if strict else value < minimum):
        raise ValueError(f"{name}: must be a finite number {'>' if strict else '>='} {minimum}, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class RunSettings:
    """Everything that decides what a run computes (see :func:`gammaal.al.run`).

    Attributes
    ----------
    strategies : tuple of str
    cycles, budget : int
    seeds : tuple of int
    epochs, batch_size : int
    first_epochs : int or None
        Epochs of cycle 0 (the base model) when they differ from ``epochs``.
    lr, weight_decay : float
    device : str
    amp : {"none", "bf16", "fp16"}
    channels_last : bool
        NHWC memory format for the model and 4-D inputs (faster convolutions on recent GPUs).
    sync_batchnorm : bool
        Synchronise BatchNorm statistics across ranks (DDP on CUDA only).
    eval_batch_size : int
    loss_weight : float
        Weight of the ranking objective next to the task loss.
    margin : float
        ξ of the margin ranking objective (LL).
    gamma_quantile : float, in (0, 1)
        q of the ``ll_gamma`` objective: pairs tied within the q-quantile of |X − Y| are skipped.
    detach : bool
        Loss heads do not train the backbone (required by ``share_base``).
    share_base : bool
        One cycle-0 model per seed for all strategies (the paper's protocol).
    init : {"scratch", "finetune"}
        Later cycles start from a fresh model or from the previous cycle's.
    plateau_factor, plateau_patience, plateau_cooldown, min_lr, head_lr_decays, keep_best :
        see :class:`gammaal.al.training.Optimisation`.
    plateau_monitor : {"train", "validation"}
        The loss the schedule and ``keep_best`` watch (``Optimisation.monitor``); "validation" needs a task
        with a ``validation`` set.
    gamma_deltas : tuple of float
        Margins δ / (kθ) of the gamma near-tie analysis.
    subset : int or None
        Score only a random subset of this many unlabelled items per cycle (large pools); None scores all.
    mc_passes : int
        Forward passes for strategies that need "mc_samples".
    num_workers : int
        DataLoader workers.
    threads : int or None
        ``torch.set_num_threads`` during the run (restored after); None leaves torch's default.
        Small models on shared CPUs run much faster with 1.
    """

    strategies: tuple[str, ...]
    cycles: int
    budget: int
    seeds: tuple[int, ...]
    epochs: int
    batch_size: int
    lr: float
    device: str = "auto"
    weight_decay: float = 0.0
    first_epochs: int | None = None
    amp: str = "none"
    channels_last: bool = False
    sync_batchnorm: bool = False
    eval_batch_size: int = 256
    loss_weight: float = 1.0
    margin: float = 1.0
    gamma_quantile: float = 0.25
    detach: bool = True
    share_base: bool = True
    init: str = "scratch"
    plateau_factor: float = 0.5
    plateau_patience: int | None = None
    plateau_cooldown: int = 0
    min_lr: float = 0.0
    head_lr_decays: bool = True
    plateau_monitor: str = "train"
    keep_best: bool = False
    gamma_deltas: tuple[float, ...] = (0.05, 0.1, 0.25, 0.5)
    subset: int | None = None
    mc_passes: int = 10
    num_workers: int = 0
    threads: int | None = None

    @classmethod
    def create(cls, **values) -> RunSettings:
        """Validated settings; each error names the argument and its allowed range."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"{unknown[0]}: not a setting; known: {sorted(known)}")
        strategies = values["strategies"]
        if isinstance(strategies, str) or not len(strategies):
            raise ValueError(f"strategies: must be a non-empty list of names from {STRATEGIES.names()}")
        for i, name in enumerate(strategies):
            if name not in STRATEGIES:
                raise ValueError(f"strategies[{i}]: unknown strategy {name!r}; registered: {STRATEGIES.names()}")
        if len(set(strategies)) != len(strategies):
            raise ValueError(f"strategies: names must be distinct, got {list(strategies)}")
        seeds = values["seeds"]
        seeds = tuple(range(_integer(seeds, "seeds", 1))) if isinstance(seeds, int) else tuple(seeds)
        if not seeds or any(isinstance(s, bool) or not isinstance(s, int) or s < 0 for s in seeds) or \
                len(set(seeds)) != len(seeds):
            raise ValueError(f"seeds: must be a count >= 1 or distinct non-negative integers, got {values['seeds']!r}")
        values.update(strategies=tuple(strategies), seeds=seeds,
                      gamma_deltas=tuple(float(d) for d in values.get("gamma_deltas", cls.gamma_deltas)))
        settings = cls(**values)
        settings._validate()
        return settings

    def _validate(self) -> None:
        _integer(self.cycles, "cycles", 0)
        _integer(self.budget, "budget", 1)
        _integer(self.epochs, "epochs", 0)
        _integer(self.batch_size, "batch_size", 1)
        _integer(self.eval_batch_size, "eval_batch_size", 1)
        _integer(self.mc_passes, "mc_passes", 1)
        _integer(self.num_workers, "num_workers", 0)
        if self.subset is not None and _integer(self.subset, "subset", 1) < self.budget:
            raise ValueError(f"subset: must be >= budget ({self.budget}), got {self.subset}")
        if self.threads is not None:
            _integer(self.threads, "threads", 1)
        _number(self.lr, "lr", 0.0, strict=True)
        _number(self.weight_decay, "weight_decay", 0.0)
        _number(self.loss_weight, "loss_weight", 0.0)
        _number(self.margin, "margin", 0.0)
        if not 0 < _number(self.gamma_quantile, "gamma_quantile", 0.0, strict=True) < 1:
            raise ValueError(f"gamma_quantile: must be in (0, 1), got {self.gamma_quantile}")
        if not 0 < _number(self.plateau_factor, "plateau_factor", 0.0, strict=True) < 1:
            raise ValueError(f"plateau_factor: must be in (0, 1), got {self.plateau_factor}")
        if self.plateau_patience is not None:
            _integer(self.plateau_patience, "plateau_patience", 0)
        _integer(self.plateau_cooldown, "plateau_cooldown", 0)
        if _number(self.min_lr, "min_lr", 0.0) > self.lr:
            raise ValueError(f"min_lr: must be <= lr ({self.lr}), got {self.min_lr}")
        if self.amp not in AMP_MODES:
            raise ValueError(f"amp: must be one of {AMP_MODES}, got {self.amp!r}")
        if self.plateau_monitor not in ("train", "validation"):
            raise ValueError(f"plateau_monitor: must be 'train' or 'validation', got {self.plateau_monitor!r}")
        if self.init not in ("scratch", "finetune"):
            raise ValueError(f"init: must be 'scratch' or 'finetune', got {self.init!r}")
        if self.first_epochs is not None:
            _integer(self.first_epochs, "first_epochs", 0)
        for name in ("detach", "share_base", "keep_best", "channels_last", "sync_batchnorm", "head_lr_decays"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name}: must be True or False, got {getattr(self, name)!r}")
        if self.share_base and not self.detach:
            raise ValueError("share_base: needs detach=True (loss heads must not train the shared backbone)")
        if not self.gamma_deltas or any(not math.isfinite(d) or d <= 0 for d in self.gamma_deltas):
            raise ValueError(f"gamma_deltas: must be finite and > 0, got {list(self.gamma_deltas)}")
        resolve_device(self.device)

    def check_against(self, task) -> None:
        """Check what depends on the task: the pool must supply ``cycles x budget`` items."""
        if self.plateau_monitor == "validation" and getattr(task, "validation", None) is None:
            raise ValueError("plateau_monitor: 'validation' needs a task with a validation set (task.validation)")
        if self.cycles * self.budget > len(task.pool):
            raise ValueError(f"budget: {self.cycles} cycles x {self.budget} items exceed the pool of {len(task.pool)}")

    def resumed_from(self, saved: dict) -> RunSettings:
        """The run's settings after this call resumes a run saved with ``saved`` (``dataclasses.asdict`` of them).

        Strategies and seeds are the union of both (the run holds all of them); the execution settings
        :data:`CHANGEABLE_ON_RESUME` are this call's. Any other difference raises ``ValueError``
        naming the setting.
        """
        for f in fields(self):
            if f.name in CHANGEABLE_ON_RESUME + ("strategies", "seeds"):
                continue
            mine = getattr(self, f.name)
            theirs = saved.get(f.name, f.default)
            if (list(mine) if isinstance(mine, tuple) else mine) != (list(theirs) if isinstance(theirs, tuple)
                                                                      else theirs):
                raise ValueError(f"{f.name}: cannot change {f.name} when resuming ({theirs!r} saved, {mine!r} "
                                 f"requested); only {', '.join(CHANGEABLE_ON_RESUME)}, strategies and seeds may "
                                 "differ. Start a new run in another out_dir to change it")
        strategies = list(saved.get("strategies", ())) + [s for s in self.strategies
                                                          if s not in saved.get("strategies", ())]
        seeds = sorted(set(saved.get("seeds", ())) | set(self.seeds))
        return replace(self, strategies=tuple(strategies), seeds=tuple(seeds))

    def optimisation(self, cycle: int) -> Optimisation:
        """The training part, for ``cycle``."""
        epochs = self.first_epochs if cycle == 0 and self.first_epochs is not None else self.epochs
        return Optimisation(epochs=epochs, batch_size=self.batch_size, lr=self.lr,
                            weight_decay=self.weight_decay, loss_weight=self.loss_weight, amp=self.amp,
                            plateau_factor=self.plateau_factor, plateau_patience=self.plateau_patience,
                            plateau_cooldown=self.plateau_cooldown, min_lr=self.min_lr,
                            head_lr_decays=self.head_lr_decays, monitor=self.plateau_monitor,
                            eval_batch_size=self.eval_batch_size,
                            keep_best=self.keep_best, num_workers=self.num_workers,
                            channels_last=self.channels_last)
