"""Typed records of a run: what each cycle writes to ``cycle_NN.json`` and what a report reads back.

:func:`to_dict` / :func:`from_dict` convert any of these dataclasses (nested
ones, lists of them, optionals) to and from JSON-ready dicts, so field names
live here only.
"""
from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field

__all__ = ["EpochRecord", "TrainingRecord", "GammaDelta", "GammaAnalysis", "Correlations", "MetricCurve", "CycleRecord",
           "to_dict", "from_dict"]


@dataclass
class EpochRecord:
    """One training epoch: mean total, task and ranking loss over the epoch's batches, learning rate, and the
    validation task loss when the schedule monitors one."""

    epoch: int
    loss: float
    task_loss: float
    ranking_loss: float
    lr: float
    validation_loss: float | None = None


@dataclass
class TrainingRecord:
    """How a cycle's model was trained (``shared_base``: copied from the seed's shared base model)."""

    history: list[EpochRecord]
    best_epoch: int
    seconds: float
    shared_base: bool = False


@dataclass
class GammaDelta:
    """Near-ties at one margin δ = ``delta_over_mean`` · kθ: P(|X−Y| ≤ δ) fitted and empirical, φ(δ)."""

    delta_over_mean: float
    delta: float
    prob_within: float
    empirical: float
    phi: float


@dataclass
class GammaAnalysis:
    """Gamma(k, θ) fitted to per-sample losses (:func:`gammaal.fit_gamma`); unset without a fit (``fit_error``)."""

    n: int
    n_excluded: int
    k: float | None = None
    theta: float | None = None
    mean: float | None = None
    loglik: float | None = None
    ks_statistic: float | None = None
    ks_pvalue: float | None = None
    deltas: list[GammaDelta] = field(default_factory=list)
    fit_error: str | None = None


@dataclass
class Correlations:
    """Predicted vs true per-sample loss."""

    pearson: float
    spearman: float
    kendall: float


@dataclass
class MetricCurve:
    """The task's metric over a grid of its threshold (e.g. PCK at 0 … 0.5 of the torso size)."""

    thresholds: list[float]
    values: list[float]


@dataclass
class CycleRecord:
    """One cycle of one strategy and seed: the trained model's test result and the selection it made.

    Attributes
    ----------
    num_labelled : int
        Training-set size of this cycle (base set plus acquired pool items).
    test_metric, test_loss : float
        The task's metric and the mean per-sample loss on the test set.
    test_curve : MetricCurve or None
        The test metric over its threshold grid, for tasks that define one (:meth:`Task.metric_curve`).
    train_gamma : GammaAnalysis or None
        The gamma law of the per-sample training losses after training (paper Fig. 3).
    train_loss : list of float
        Those losses, in the order of the task's ``labelled_data``.
    selected : list of int
        Pool indices acquired by this cycle's model, most wanted first (empty in the last cycle).
    selected_true_loss, pool_true_loss : float or None
        Mean true loss of the selected samples and of all candidates, under the model that selected.
    selected_metric, pool_metric : float or None
        The task's metric on the selected samples and on all candidates (failure detection, paper Table 3a).
    selected_groups : dict of str -> int, optional
        How many selected samples fall in each group of the task's ``pool_groups`` (e.g. the domains
        of a shifted pool), every group listed.
    correlation : Correlations or None
        The strategy's predicted loss vs the true loss over the candidates (loss-head strategies).
    gamma : GammaAnalysis or None
        The gamma law of the candidates' true losses, with near-tie fractions.
    candidates, predicted_loss, true_loss : lists aligned with each other
        Every scored pool index with its predicted (or None) and true loss.
    scores : list of float or None
        Aligned with ``candidates``: the value the strategy ranked by (``Strategy.score``), or None.
    seconds : float
        Wall time of the cycle (training, evaluation, selection).
    selection_seconds : float
        Wall time of the selection alone: scoring the pool (one forward pass, plus whatever the strategy
        needs: Monte Carlo passes, per-item gradients, ...) and choosing, without the record's analyses
        (metrics, correlations, gamma fit); 0 in the last cycle.
    """

    strategy: str
    seed: int
    cycle: int
    num_labelled: int
    metric_name: str
    test_metric: float | None
    test_loss: float
    training: TrainingRecord
    test_curve: MetricCurve | None = None
    train_gamma: GammaAnalysis | None = None
    train_loss: list[float] = field(default_factory=list)
    selected: list[int] = field(default_factory=list)
    selected_true_loss: float | None = None
    pool_true_loss: float | None = None
    selected_metric: float | None = None
    pool_metric: float | None = None
    selected_groups: dict[str, int] | None = None
    correlation: Correlations | None = None
    gamma: GammaAnalysis | None = None
    candidates: list[int] = field(default_factory=list)
    predicted_loss: list[float] | None = None
    true_loss: list[float] = field(default_factory=list)
    scores: list[float] | None = None
    seconds: float = 0.0
    selection_seconds: float = 0.0


def to_dict(record) -> dict:
    """A dataclass record as plain, JSON-ready Python (see :func:`gammaal.atomic.to_jsonable` for arrays)."""
    return dataclasses.asdict(record)


def _build(hint, value):
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [h for h in typing.get_args(hint) if h is not type(None)]
        return _build(options[0], value) if len(options) == 1 else value
    if origin is list:
        (item,) = typing.get_args(hint)
        return [_build(item, v) for v in value]
    if dataclasses.is_dataclass(hint):
        return from_dict(hint, value)
    return value


def from_dict(cls, data: dict):
    """Rebuild a record of type ``cls`` from :func:`to_dict`'s output (or the JSON of it).

    Examples
    --------
    >>> r = TrainingRecord([EpochRecord(0, 1.0, 0.9, 0.1, 1e-3)], best_epoch=0, seconds=2.0)
    >>> from_dict(TrainingRecord, to_dict(r)) == r
    True
    """
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise ValueError(f"{cls.__name__}: unknown fields {sorted(unknown)}")
    return cls(**{name: _build(hints[name], value) for name, value in data.items()})
