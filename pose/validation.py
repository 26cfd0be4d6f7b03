"""Checks a run makes before it writes anything: numeric ranges of the config, image files on disk.

:data:`NUMERIC_RANGES` lists the allowed range of every numeric field of
:class:`pose.config.RunConfig` (a test checks that none is missing); every
float must also be finite. :func:`check_image_files` finds the images a real
dataset's annotations reference but the disk lacks. Messages print plain
numbers (``-0.2``, never ``np.float64(-0.2)``).
"""
from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["Range", "NUMERIC_RANGES", "plain", "check_numeric_fields", "check_image_files"]


def plain(value):
    """``value`` with numpy scalars (also inside lists, tuples and dicts) turned into Python scalars.

    Examples
    --------
    >>> repr(plain([np.float64(-0.2), np.int64(3)]))
    '[-0.2, 3]'
    """
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return type(value)(plain(v) for v in value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Range:
    """An interval; ``None`` ends are unbounded, ``open_low``/``open_high`` exclude the end."""

    low: float | None = None
    high: float | None = None
    open_low: bool = False
    open_high: bool = False

    def contains(self, value: float) -> bool:
        if self.low is not None and (value <= self.low if self.open_low else value < self.low):
            return False
        if self.high is not None and (value >= self.high if self.open_high else value > self.high):
            return False
        return True

    def __str__(self) -> str:
        if self.high is None:
            return f"{'>' if self.open_low else '>='} {self.low:g}"
        left = "(" if self.open_low else "["
        right = ")" if self.open_high else "]"
        return f"in {left}{self.low:g}, {self.high:g}{right}"


AT_LEAST_0 = Range(0)
AT_LEAST_1 = Range(1)
POSITIVE = Range(0, open_low=True)

NUMERIC_RANGES: dict[str, Range] = {
    "seed": AT_LEAST_0,  # numpy's SeedSequence takes non-negative integers only
    "seeds": AT_LEAST_1,
    "model.nstack": AT_LEAST_1,
    "model.channels": Range(2),
    "model.input_size": AT_LEAST_1,
    "model.depth": AT_LEAST_1,
    "model.stem_channels": Range(2),
    "model.margin": AT_LEAST_0,
    "model.loss_weight": AT_LEAST_0,
    "data.base_size": AT_LEAST_1,
    "data.pool_size": AT_LEAST_1,
    "data.test_size": AT_LEAST_1,
    "data.num_joints": AT_LEAST_1,
    "data.data_seed": AT_LEAST_0,
    "data.pck_threshold": POSITIVE,
    "data.num_workers": AT_LEAST_0,
    "data.heatmap_sigma": POSITIVE,
    "train.epochs": AT_LEAST_0,
    "train.base_epochs": AT_LEAST_0,
    "train.batch_size": Range(2),  # BatchNorm needs two images
    "train.lr": POSITIVE,
    "train.weight_decay": AT_LEAST_0,
    "train.plateau_factor": Range(0, 1, open_low=True, open_high=True),
    "train.plateau_patience": AT_LEAST_0,
    "train.eval_batch_size": AT_LEAST_1,
    "train.threads": AT_LEAST_1,
    "active.cycles": AT_LEAST_1,
    "active.budget": AT_LEAST_1,
    "active.subset": AT_LEAST_1,
    "active.coreset_chunk": AT_LEAST_1,
    # δ in units of the fitted mean kθ; beyond 100 means every pair is within δ for any fitted law.
    "active.gamma_deltas": Range(0, 100, open_low=True),
    "active.gamma_quantile": Range(0, 1, open_low=True, open_high=True),
}


def _numeric_leaves(data: dict, prefix: str = ""):
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _numeric_leaves(value, f"{name}.")
        elif isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                if _is_number(item):
                    yield name, f"{name}[{i}]", item
        elif _is_number(value):
            yield name, name, value


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def check_numeric_fields(data: dict) -> None:
    """Every number in a config mapping is finite and inside its :data:`NUMERIC_RANGES` entry.

    Raises
    ------
    ValueError
        ``"train.lr: must be a finite number, got nan"``,
        ``"active.gamma_deltas[1]: must be in (0, 100], got -0.2"``, ...
    """
    for field, where, value in _numeric_leaves(data):
        value = plain(value)
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{where}: must be a finite number, got {value!r}")
        allowed = NUMERIC_RANGES.get(field)
        if allowed is not None and not allowed.contains(value):
            raise ValueError(f"{where}: must be {allowed}, got {value!r}")


def check_image_files(datasets: Iterable, root: str | Path, field: str = "data.root", sample: int = 5) -> int:
    """Check that every image the datasets' annotations reference exists; return how many were checked.

    A dataset takes part if it has ``root`` and ``image_names`` (its images are
    ``root/images/<name>``, as for :class:`pose.data.LSPDataset` and
    :class:`pose.data.MPIIDataset`). Each image directory is listed once, so
    the LSP + LSPET check (12 000 files) takes milliseconds.

    Raises
    ------
    ValueError
        ``"data.root: 3 of 12000 image files referenced by the annotations are
        missing under /data/lsp_lspet, e.g. lsp/images/im0002.jpg, ..."``.
    """
    root = Path(root)
    listings: dict[Path, set[str]] = {}
    referenced: dict[Path, None] = {}
    for dataset in datasets:
        names = getattr(dataset, "image_names", None)
        base = getattr(dataset, "root", None)
        if names is None or base is None:
            continue
        directory = Path(base) / "images"
        for name in names:
            referenced[directory / name] = None
        if directory not in listings:
            try:
                listings[directory] = {entry.name for entry in os.scandir(directory) if entry.is_file()}
            except OSError:
                listings[directory] = set()
    missing = [path for path in referenced
               if not (path.name in listings.get(path.parent, ()) or (path.parent not in listings and path.is_file()))]
    if missing:
        def shown(path: Path) -> str:
            try:
                return str(path.relative_to(root))
            except ValueError:
                return str(path)

        examples = ", ".join(shown(p) for p in missing[:sample]) + (", ..." if len(missing) > sample else "")
        raise ValueError(f"{field}: {len(missing)} of {len(referenced)} image files referenced by the annotations "
                         f"are missing under {root}, e.g. {examples}")
    return len(referenced)
