"""Read a run back: :func:`load_results` turns an output directory into typed records."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import math

import numpy as np
from scipy import stats

from .checkpoint import CorruptRunFile, read_run_json
from .records import CycleRecord, from_dict
from .resume import recompute_fix

__all__ = ["Results", "load_results", "t_interval", "CORRELATION_FIELDS", "SHARE_PREFIX"]

CORRELATION_FIELDS = ("pearson", "spearman", "kendall")
SHARE_PREFIX = "share:"
"""``Results.values(strategy, "share:<group>")``: the selection's fraction from one pool group."""


def t_interval(samples) -> tuple[float, float]:
    """Mean and half-width of the 95 % Student-t interval over the finite entries (half-width NaN below 2).

    Examples
    --------
    >>> m, h = t_interval([1.0, 2.0, 3.0, float("nan")])
    >>> round(m, 6), round(h, 4)
    (2.0, 2.4841)
    """
    samples = np.asarray(samples, dtype=np.float64)
    samples = samples[np.isfinite(samples)]
    if samples.size < 2:
        return (float(samples.mean()) if samples.size else math.nan), math.nan
    half = stats.t.ppf(0.975, samples.size - 1) * samples.std(ddof=1) / math.sqrt(samples.size)
    return float(samples.mean()), float(half)


@dataclass
class Results:
    """Every cycle record of a run, ``records[strategy][seed]`` a list over cycles."""

    out_dir: Path
    strategies: list[str]
    seeds: list[int]
    cycles: int
    metric_name: str
    records: dict[str, dict[int, list[CycleRecord]]]

    def values(self, strategy: str, attribute: str) -> np.ndarray:
        """``attribute`` of every record of ``strategy`` as a (seeds, cycles + 1) float array (NaN where unset).

        ``attribute`` is a :class:`CycleRecord` field, ``"spearman"`` /
        ``"kendall"`` / ``"pearson"`` for the loss correlations, or ``"share:<group>"``
        for the fraction of the cycle's selection from pool group ``<group>``
        (:attr:`CycleRecord.selected_groups`).
        """
        table = np.full((len(self.seeds), self.cycles + 1), np.nan)
        group = attribute[len(SHARE_PREFIX):] if attribute.startswith(SHARE_PREFIX) else None
        for row, seed in enumerate(self.seeds):
            for record in self.records[strategy][seed]:
                if group is not None:
                    counts = record.selected_groups or {}
                    total = sum(counts.values())
                    value = counts.get(group, 0) / total if total else None
                else:
                    source = record.correlation if attribute in CORRELATION_FIELDS else record
                    value = getattr(source, attribute, None) if source is not None else None
                table[row, record.cycle] = np.nan if value is None else float(value)
        return table

    def groups(self) -> list[str]:
        """The pool groups named in the records' ``selected_groups``, in first-seen order."""
        names: dict[str, None] = {}
        for seeds in self.records.values():
            for records in seeds.values():
                for record in records:
                    names.update(dict.fromkeys(record.selected_groups or {}))
        return list(names)

    def intervals(self, strategy: str, attribute: str) -> list[tuple[float, float]]:
        """Per cycle, :func:`t_interval` over seeds of :meth:`values`."""
        return [t_interval(column) for column in self.values(strategy, attribute).T]


def _record(path: Path) -> CycleRecord:
    fix = recompute_fix(int(path.stem.rpartition("_")[2]))
    data = read_run_json(path, fix)
    try:
        return from_dict(CycleRecord, data)
    except (TypeError, ValueError) as exc:
        raise CorruptRunFile(f"{path}: not a cycle record ({exc}); {fix}") from None


def load_results(out_dir: str | Path) -> Results:
    """Load ``run.json`` and every ``<strategy>/seed_<s>/cycle_NN.json`` under ``out_dir``."""
    out_dir = Path(out_dir)
    meta_path = out_dir / "run.json"
    if not meta_path.is_file():
        raise ValueError(f"out_dir: {out_dir} holds no run (no run.json)")
    meta = read_run_json(meta_path, "restore it from a copy of the run")
    settings = meta["settings"]
    records: dict[str, dict[int, list[CycleRecord]]] = {}
    for strategy in settings["strategies"]:
        records[strategy] = {}
        for seed in settings["seeds"]:
            paths = sorted((out_dir / strategy / f"seed_{seed}").glob("cycle_*.json"))
            records[strategy][seed] = [_record(p) for p in paths]
    return Results(out_dir, list(settings["strategies"]), list(settings["seeds"]), int(settings["cycles"]),
                   meta["metric_name"], records)
