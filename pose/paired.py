"""Paired statistics of a run: strategies share each seed's base model, so compare them seed by seed.

For every stage and attribute (:data:`ATTRIBUTES`: PCK of the selected images — paper Table 3a —,
test PCK — Table 3b —, Spearman of predicted vs true pool loss, mean true loss of the selection; and
when the pool has groups, the share of the selection from each group but the first, e.g. the hard part
of a mixed synthetic pool):

- :func:`strategy_summaries`: mean ± 95 % Student-t half-width of each strategy over its seeds;
- :func:`paired_differences`: strategy − reference per seed, over the seeds both have, with the
  95 % t interval of the mean difference and whether it excludes 0. Pairing removes the seed's
  shared variation (base set, base model), which dominates the unpaired spread;
- :func:`tie_fractions`: the fraction of scored pool items whose predicted loss ties the k-th
  largest (within a relative ``rtol``) — a saturated loss head piles its predictions at a ceiling
  and then selects among ties by index, not by predicted failure.

Fewer than two values give no interval (``half_width`` None, shown as "no CI"), never a ±0.
Stage ``n`` is the selection of stage n (made by the model of cycle n − 1) for the selection
attributes, and the test metric after stage n (cycle n; stage 0 the base model) for ``test_metric``.

>>> from gammaal.al.results import Results
>>> from gammaal.al.records import CycleRecord, TrainingRecord
>>> def rec(strategy, seed, cycle, pck):
...     return CycleRecord(strategy, seed, cycle, 4, "PCK", 0.5, 0.01, TrainingRecord([], 0, 0.0),
...                        selected=[0] if cycle < 1 else [], selected_metric=pck if cycle < 1 else None)
>>> records = {s: {seed: [rec(s, seed, 0, p + seed / 10), rec(s, seed, 1, None)] for seed in (0, 1, 2)}
...            for s, p in (("ll", 0.3), ("llpp", 0.2))}
>>> results = Results(None, ["ll", "llpp"], [0, 1, 2], 1, "PCK", records)
>>> d = paired_differences(results, "ll", ["selected_metric"])[0]
>>> d.strategy, d.stage, d.n, round(d.mean, 6), round(d.half_width, 6), d.excludes_zero
('llpp', 1, 3, -0.1, 0.0, True)
"""
from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields

import numpy as np

from gammaal.al.analysis import ties_at_cutoff
from gammaal.al.results import SHARE_PREFIX, Results, t_interval

from .strategies import STRATEGIES

__all__ = ["Attribute", "ATTRIBUTES", "share_attribute", "default_attributes", "StrategySummary", "PairedDifference", "TieFraction", "TieSummary",
           "strategy_summaries", "paired_differences", "tie_fractions", "tie_summaries", "paired_markdown",
           "paired_tables", "rows_csv"]


@dataclass(frozen=True)
class Attribute:
    """A per-cycle quantity of :class:`~gammaal.al.records.CycleRecord` (``Results.values`` name)."""

    name: str
    title: str
    selection: bool  # measured on the selection of stage cycle + 1 (else on the model of stage cycle)
    higher_is_better: bool


ATTRIBUTES = {a.name: a for a in (
    Attribute("selected_metric", "metric of the selected images (Table 3a; lower: better failure detection)",
              True, False),
    Attribute("test_metric", "test metric after the stage (Table 3b)", False, True),
    Attribute("spearman", "Spearman of predicted vs true pool loss", True, True),
    Attribute("selected_true_loss", "mean true loss of the selected images", True, True),
)}
"""The attributes the paired tables cover, in table order."""


@dataclass
class StrategySummary:
    """Mean ± 95 % t half-width of one strategy's ``attribute`` at ``stage`` over ``n`` seeds."""

    attribute: str
    stage: int
    strategy: str
    n: int
    mean: float
    half_width: float | None  # None: n < 2, no interval


@dataclass
class PairedDifference:
    """Mean over the ``n`` seeds both ran of (strategy − reference), its 95 % t half-width, whether it excludes 0."""

    attribute: str
    stage: int
    strategy: str
    reference: str
    n: int
    mean: float
    half_width: float | None
    excludes_zero: bool | None  # None without an interval


@dataclass
class TieFraction:
    """Of ``candidates`` predicted losses, ``tied`` lie within ``rtol`` of the k-th largest (k = ``selected``);
    ``tied_selected`` of them were selected. ``fraction`` = tied / candidates."""

    strategy: str
    seed: int
    stage: int
    candidates: int
    selected: int
    tied: int
    tied_selected: int
    fraction: float


@dataclass
class TieSummary:
    """Mean ± 95 % t half-width over seeds of :attr:`TieFraction.fraction`."""

    strategy: str
    stage: int
    n: int
    mean: float
    half_width: float | None


def _interval(values: np.ndarray) -> tuple[int, float, float | None]:
    values = values[np.isfinite(values)]
    mean, half = t_interval(values)
    return int(values.size), mean, (None if values.size < 2 else half)


def share_attribute(group: str) -> Attribute:
    """The fraction of a stage's selection drawn from pool group ``group`` (e.g. the hard part of a pool)."""
    return Attribute(f"{SHARE_PREFIX}{group}", f"share of the selected images from pool group {group}", True, True)


def default_attributes(results: Results) -> list[str]:
    """:data:`ATTRIBUTES`, then the share of every pool group but the first when the pool has several
    (synthetic ``data.pool_mix``: the hard part; LSP+LSPET: LSPET)."""
    return list(ATTRIBUTES) + [share_attribute(g).name for g in results.groups()[1:]]


def _attributes(attributes: Sequence[str] | None, results: Results | None = None) -> list[Attribute]:
    names = (default_attributes(results) if results is not None else list(ATTRIBUTES)) if attributes is None \
        else list(attributes)
    chosen = []
    for name in names:
        if name.startswith(SHARE_PREFIX) and len(name) > len(SHARE_PREFIX):
            chosen.append(share_attribute(name[len(SHARE_PREFIX):]))
        elif name in ATTRIBUTES:
            chosen.append(ATTRIBUTES[name])
        else:
            raise ValueError(f"attributes: unknown attribute {name!r}; known: {list(ATTRIBUTES)} "
                             f"or {SHARE_PREFIX}<group>")
    return chosen


def _stages(results: Results, attribute: Attribute):
    """``(stage, column of Results.values)`` pairs of ``attribute``."""
    if attribute.selection:
        return [(cycle + 1, cycle) for cycle in range(results.cycles)]
    return [(cycle, cycle) for cycle in range(results.cycles + 1)]


def strategy_summaries(results: Results, attributes: Sequence[str] | None = None) -> list[StrategySummary]:
    """Per attribute, stage and strategy: mean ± 95 % t interval over the seeds with a value (none: no row)."""
    rows = []
    for attribute in _attributes(attributes, results):
        for strategy in results.strategies:
            table = results.values(strategy, attribute.name)
            for stage, column in _stages(results, attribute):
                n, mean, half = _interval(table[:, column])
                if n:
                    rows.append(StrategySummary(attribute.name, stage, strategy, n, mean, half))
    return rows


def paired_differences(results: Results, reference: str,
                       attributes: Sequence[str] | None = None) -> list[PairedDifference]:
    """Per attribute, stage and strategy other than ``reference``: the seed-paired difference to it.

    Only seeds where both strategies have a finite value enter (unpaired seeds are dropped, not
    averaged separately). ``excludes_zero`` is True when the 95 % t interval lies entirely on one side of 0.
    """
    if reference not in results.strategies:
        raise ValueError(f"reference: {reference!r} is not a strategy of this run ({results.strategies})")
    rows = []
    for attribute in _attributes(attributes, results):
        base = results.values(reference, attribute.name)
        for strategy in results.strategies:
            if strategy == reference:
                continue
            table = results.values(strategy, attribute.name)
            for stage, column in _stages(results, attribute):
                n, mean, half = _interval(table[:, column] - base[:, column])
                if n:
                    excludes = None if half is None else bool(abs(mean) > half)
                    rows.append(PairedDifference(attribute.name, stage, strategy, reference, n, mean, half, excludes))
    return rows


def tie_fractions(results: Results, rtol: float = 1e-6) -> list[TieFraction]:
    """Per strategy, seed and stage with predicted losses: the ties at the selection cut-off.

    ``rtol`` (finite, >= 0): predictions p with ``|p − p_(k)| <= rtol · |p_(k)|`` tie the k-th largest
    ``p_(k)``, k the number of items the stage selected.
    """
    if isinstance(rtol, bool) or not isinstance(rtol, (int, float)) or not math.isfinite(rtol) or rtol < 0:
        raise ValueError(f"rtol: must be a finite number >= 0, got {rtol!r}")
    rows = []
    for strategy in results.strategies:
        for seed, records in results.records[strategy].items():
            for record in records:
                if record.predicted_loss is None or not record.selected:
                    continue
                predicted = np.asarray(record.predicted_loss, dtype=np.float64)
                k = len(record.selected)
                tied, tied_selected = ties_at_cutoff(predicted, k, float(rtol))
                rows.append(TieFraction(strategy, seed, record.cycle + 1, predicted.size, k, tied, tied_selected,
                                        tied / predicted.size))
    return rows


def tie_summaries(results: Results, rtol: float = 1e-6) -> list[TieSummary]:
    """:func:`tie_fractions` averaged over seeds per strategy and stage (95 % t interval)."""
    ties = tie_fractions(results, rtol)
    rows = []
    for strategy in results.strategies:
        for stage in sorted({t.stage for t in ties if t.strategy == strategy}):
            values = np.array([t.fraction for t in ties if t.strategy == strategy and t.stage == stage])
            n, mean, half = _interval(values)
            rows.append(TieSummary(strategy, stage, n, mean, half))
    return rows


def _number(value: float, signed: bool = False) -> str:
    sign = "+" if signed else ""
    return f"{value:{sign}.3g}" if 0 < abs(value) < 0.01 else f"{value:{sign}.3f}"


def _decimals(mean: float, half: float) -> int:
    """Decimals showing two significant digits of the half-width (the mean is no more precise than that);
    for a zero or rounding-level half-width, three significant digits of a small mean; 3 to 6."""
    if half > 1e-9 * abs(mean):
        decimals = 1 - math.floor(math.log10(half))
    else:
        decimals = 2 - math.floor(math.log10(abs(mean))) if 0 < abs(mean) < 0.01 else 3
    return min(max(decimals, 3), 6)


def _cell(mean: float, half: float | None, n: int, signed: bool = False, flag: bool = False) -> str:
    if half is None:
        return f"{_number(mean, signed)} (n={n}, no CI)"
    d, sign = _decimals(mean, half), "+" if signed else ""
    text = f"{mean:{sign}.{d}f} ± {half:.{d}f}"
    return f"**{text}**" if flag else text


def _label(strategy: str) -> str:
    return STRATEGIES[strategy].label if strategy in STRATEGIES else strategy


def _grid(rows, stage_count: int, cell) -> str:
    """A Markdown table: one line per (attribute, strategy[, reference]) key, one column per stage."""
    header = ["quantity", "strategy"] + [f"Stage {s}" for s in range(stage_count)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    keys = list(dict.fromkeys(key for key, _, _ in rows))
    for key in keys:
        cells = ["–"] * stage_count
        for k, stage, row in rows:
            if k == key:
                cells[stage] = cell(row)
        lines.append("| " + " | ".join([*key, *cells]) + " |")
    return "\n".join(lines) + "\n"


def rows_csv(rows: Sequence) -> str:
    """Dataclass rows as CSV (header from the fields; None as an empty cell)."""
    if not rows:
        return ""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    names = [f.name for f in fields(rows[0])]
    writer.writerow(names)
    for row in rows:
        values = asdict(row)
        writer.writerow(["" if values[n] is None else (f"{values[n]:.6g}" if isinstance(values[n], float)
                                                        else values[n]) for n in names])
    return buffer.getvalue()


_NOTE = ("Stage n: the selection made at stage n by the model of cycle n − 1 (selected images, Spearman), or the "
         "model trained after stage n (test metric; stage 0 is the base model). Cells: mean ± 95 % Student-t "
         "half-width over seeds; “no CI” below two seeds.")


def summary_markdown(results: Results) -> str:
    """Mean ± 95 % CI of every strategy, attribute and stage."""
    rows = [((r.attribute, _label(r.strategy)), r.stage, r) for r in strategy_summaries(results)]
    return _NOTE + "\n\n" + _grid(rows, results.cycles + 1, lambda r: _cell(r.mean, r.half_width, r.n))


def paired_markdown(results: Results, reference: str) -> str:
    """The seed-paired differences to ``reference`` as Markdown; bold: the 95 % CI excludes 0."""
    rows = [((r.attribute, f"{_label(r.strategy)} − {_label(reference)}"), r.stage, r)
            for r in paired_differences(results, reference)]
    note = (f"Strategy − {_label(reference)}, paired by seed over the seeds both ran; **bold**: the 95 % CI "
            "excludes 0. " + _NOTE)
    return note + "\n\n" + _grid(rows, results.cycles + 1,
                                 lambda r: _cell(r.mean, r.half_width, r.n, signed=True, flag=bool(r.excludes_zero)))


def ties_markdown(results: Results, rtol: float = 1e-6) -> str:
    """Fraction of scored pool predictions tied (relative ``rtol``) at the selection cut-off."""
    rows = [(("tied at cut-off", _label(r.strategy)), r.stage, r) for r in tie_summaries(results, rtol)]
    note = (f"Fraction of the scored pool whose predicted loss lies within a relative {rtol:g} of the k-th largest "
            "(k = images selected); high values mean a saturated head picking among ties. Mean ± 95 % CI over seeds.")
    return note + "\n\n" + _grid(rows, results.cycles + 1, lambda r: _cell(r.mean, r.half_width, r.n))


def paired_tables(results: Results) -> list[tuple[str, str, str, str]]:
    """``(name, title, markdown, csv)`` of the summary, the paired differences to LL and to random (those the
    run has), and the tie fractions — for :mod:`pose.report` to write as ``<name>.md`` / ``<name>.csv``."""
    tables = [("paired_summary", "Mean ± 95 % CI over seeds", summary_markdown(results),
               rows_csv(strategy_summaries(results)))]
    for reference in ("ll", "random"):
        if reference in results.strategies and len(results.strategies) > 1:
            tables.append((f"paired_vs_{reference}", f"Paired difference to {_label(reference)}",
                           paired_markdown(results, reference), rows_csv(paired_differences(results, reference))))
    tables.append(("ties", "Pool predictions tied at the selection cut-off", ties_markdown(results),
                   rows_csv(tie_fractions(results))))
    return tables
