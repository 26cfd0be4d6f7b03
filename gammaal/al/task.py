"""The task protocol: everything the engine knows about a problem, and :class:`RegressionTask` for (x, y) data.

The engine never looks inside a batch or a prediction; a task says

- which data: ``labelled`` (the base set, always labelled), ``pool`` (the
  unlabelled items the strategies choose from, indexed ``0 .. len(pool)-1``)
  and ``test``, all torch Datasets, plus :meth:`Task.training_data` for the
  training set of a cycle (where a task adds augmentation);
- which model: :meth:`Task.build_model` and the submodule names ``taps``
  whose outputs feed the loss head and form the core-set embedding;
- how to measure: :meth:`Task.split_batch` (batch → inputs, targets),
  :meth:`Task.loss` (per-sample true loss, (B,), >= 0), :meth:`Task.decode`
  (prediction → compact per-sample outputs kept for the metric), and
  :meth:`Task.metric` over a whole dataset's decoded outputs.

Strategies see a task through these only: ``mc_dropout`` measures the variance of
:meth:`Task.decode` over dropout passes; strategies that need the raw prediction
(e.g. heatmaps) or the targets (an auxiliary head's loss) are task-specific plug-ins
(:meth:`gammaal.al.Strategy.per_item`, :class:`gammaal.al.heads.AuxiliaryHead`) that read
the prediction and ``split_batch``'s targets in the task's own format, and a task's
:attr:`Task.head_taps` / :attr:`Task.head_options` also name the taps and options of
auxiliary head kinds.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

import numpy as np
import torch
from torch import Tensor, nn
from torch.utils.data import ConcatDataset, Dataset, Subset

__all__ = ["Task", "RegressionTask"]


class Task(ABC):
    """Base class of an active-learning task (see the module docstring).

    Attributes
    ----------
    labelled, pool, test : torch.utils.data.Dataset
    taps : list of str
        Names from ``build_model().named_modules()``.
    metric_name : str
        E.g. "RMSE" or "PCK@0.2".
    higher_is_better : bool
        Direction of the metric (reports only).
    head_taps : mapping of head kind -> list of str
        Taps of a head kind when they differ from ``taps`` (a backbone adapter's
        "which maps feed which head", e.g. multi-scale maps for a conv head).
    embedding_taps : list of str or None
        Taps pooled into the core-set embedding (default: ``taps``).
    head_options : mapping of head kind -> dict
        Constructor options of a head kind (e.g. channels and map sizes).
    pool_groups : sequence of str or None
        A group label per pool item (e.g. its source domain); records then count the selected items per group.
    head_kinds : mapping of head kind -> head kind
        Head kinds this task builds in place of a strategy's declared one (e.g. its own variant of "gap").
    validation : Dataset or None
        Items whose task loss the schedule watches under ``plateau_monitor="validation"``.
    """

    labelled: Dataset
    pool: Dataset
    test: Dataset
    taps: list[str]
    metric_name: str = "metric"
    higher_is_better: bool = False
    head_taps: Mapping[str, Sequence[str]] = MappingProxyType({})
    embedding_taps: Sequence[str] | None = None
    head_options: Mapping[str, Mapping] = MappingProxyType({})
    pool_groups: Sequence[str] | None = None
    head_kinds: Mapping[str, str] = MappingProxyType({})
    validation: Dataset | None = None

    @abstractmethod
    def build_model(self) -> nn.Module:
        """A freshly initialised model (torch is seeded by the engine before the call)."""

    @abstractmethod
    def loss(self, prediction, targets) -> Tensor:
        """Per-sample true loss (B,), >= 0, differentiable in ``prediction``; computed in float32."""

    @abstractmethod
    def metric(self, outputs: np.ndarray, dataset: Dataset) -> float:
        """The evaluation metric of decoded ``outputs`` (N, ...) for all of ``dataset``, in its order."""

    def ranking_targets(self, prediction, targets, loss: Tensor, heads: Sequence[str]) -> Tensor | Mapping[str, Tensor]:
        """What the loss heads learn to rank in training: ``loss`` (the per-sample task loss, default) or a
        dict head name -> (B,) target (e.g. a normalised loss for one objective)."""
        return loss

    def metric_curve(self, outputs: np.ndarray, dataset: Dataset) -> tuple[Sequence[float], Sequence[float]] | None:
        """``(thresholds, values)``: the metric over a grid of its threshold (e.g. PCK curves); default: None."""
        return None

    def split_batch(self, batch):
        """``(inputs, targets)`` of a collated batch; default: a batch is ``(x, y)``."""
        return batch[0], batch[1]

    def decode(self, prediction, batch) -> Tensor:
        """Compact per-sample outputs (B, ...) kept for :meth:`metric`; default: the prediction itself."""
        return prediction

    def for_seed(self, seed: int) -> Task:
        """The task as seen by run seed ``seed`` (e.g. a per-seed random base set); default: unchanged."""
        return self

    def training_data(self, pool_indices: np.ndarray) -> Dataset:
        """The training set of a cycle: the base set plus the acquired pool items."""
        return ConcatDataset([self.labelled, Subset(self.pool, [int(i) for i in pool_indices])])

    def labelled_data(self, pool_indices: np.ndarray) -> Dataset:
        """The same items as :meth:`training_data` without augmentation (for embeddings)."""
        return ConcatDataset([self.labelled, Subset(self.pool, [int(i) for i in pool_indices])])


def mean_squared_error(prediction: Tensor, target: Tensor) -> Tensor:
    """Per-sample squared error averaged over output dimensions, (B,)."""
    prediction = prediction.float()
    target = target.float().reshape(prediction.shape)
    return (prediction - target).square().reshape(prediction.shape[0], -1).mean(dim=1)


def root_mean_squared_error(outputs: np.ndarray, targets: np.ndarray) -> float:
    """RMSE over all samples and output dimensions."""
    outputs = np.asarray(outputs, np.float64)
    return float(np.sqrt(np.mean((outputs - np.asarray(targets, np.float64).reshape(outputs.shape)) ** 2)))


def _check_dataset(dataset, name: str) -> Dataset:
    if not hasattr(dataset, "__getitem__") or not hasattr(dataset, "__len__"):
        raise ValueError(f"{name} must be a torch Dataset (with __len__ and __getitem__), got {type(dataset).__name__}")
    if len(dataset) == 0:
        raise ValueError(f"{name} is empty")
    return dataset


class RegressionTask(Task):
    """Plain regression from torch Datasets whose items are ``(x, y)`` tensors.

    Parameters
    ----------
    build_model : callable () -> nn.Module
        Builds a fresh model mapping a batch of ``x`` to predictions of ``y``'s shape (or (B, D) for y of (D,)).
    taps : sequence of str
        Submodule names whose outputs feed the loss head (see :class:`gammaal.al.LossPredictionModel`).
    labelled, pool, test : Dataset
        Base labelled set, unlabelled pool, test set.
    loss : callable (prediction, y) -> Tensor (B,), optional
        Per-sample loss, >= 0; default: squared error averaged over output dimensions.
    metric : callable (outputs ndarray (N, ...), targets ndarray (N, ...)) -> float, optional
        Default: RMSE over all outputs.
    metric_name : str, optional
        Default "RMSE" (or the metric function's name).
    higher_is_better : bool
    """

    def __init__(self, build_model: Callable[[], nn.Module], taps: Sequence[str], labelled: Dataset, pool: Dataset,
                 test: Dataset, loss: Callable | None = None, metric: Callable | None = None,
                 metric_name: str | None = None, higher_is_better: bool = False):
        if not callable(build_model):
            raise ValueError(f"build_model must be callable, got {type(build_model).__name__}")
        if isinstance(taps, str) or not len(taps):
            raise ValueError(f"taps must be a non-empty list of submodule names, got {taps!r}")
        self._build_model = build_model
        self.taps = list(taps)
        self.labelled = _check_dataset(labelled, "labelled")
        self.pool = _check_dataset(pool, "pool")
        self.test = _check_dataset(test, "test")
        self._loss = loss or mean_squared_error
        self._metric = metric or root_mean_squared_error
        self.metric_name = metric_name or ("RMSE" if metric is None else getattr(metric, "__name__", "metric"))
        self.higher_is_better = higher_is_better
        self._targets: dict[int, tuple[Dataset, np.ndarray]] = {}

    def build_model(self) -> nn.Module:
        return self._build_model()

    def loss(self, prediction: Tensor, targets: Tensor) -> Tensor:
        per_sample = self._loss(prediction, targets)
        if per_sample.dim() != 1 or per_sample.shape[0] != prediction.shape[0]:
            raise ValueError(f"loss must return one value per sample ({prediction.shape[0]},), "
                             f"got {tuple(per_sample.shape)}")
        return per_sample

    def decode(self, prediction: Tensor, batch) -> Tensor:
        return prediction.float()

    def targets(self, dataset: Dataset) -> np.ndarray:
        """All ``y`` of ``dataset`` stacked (cached per dataset object; a Subset reads its parent's)."""
        if isinstance(dataset, Subset):
            return self.targets(dataset.dataset)[np.asarray(dataset.indices, dtype=np.int64)]
        cached = self._targets.get(id(dataset))
        if cached is None or cached[0] is not dataset:  # the object itself is kept, so its id is never reused
            cached = (dataset, np.stack([np.asarray(torch.as_tensor(dataset[i][1]), np.float64)
                                         for i in range(len(dataset))]))
            self._targets[id(dataset)] = cached
        return cached[1]

    def metric(self, outputs: np.ndarray, dataset: Dataset) -> float:
        return float(self._metric(outputs, self.targets(dataset)))
