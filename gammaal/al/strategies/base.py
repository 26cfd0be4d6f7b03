"""What every selection strategy is: a name, what it needs from scoring, the loss head it trains, ``select``.

A strategy is a small class registered with :func:`register_strategy`; the
engine looks it up in :data:`STRATEGIES` by name, computes only the
:class:`Scores` fields listed in its ``needs``, trains the loss head it names
(``head`` from :data:`gammaal.al.heads.HEADS`, ``objective`` from
:data:`gammaal.al.objectives.OBJECTIVES`), and calls its pure
``select(scores, budget, rng)``. Adding a strategy is one file with one
decorated class (imported in ``strategies/__init__.py``, or in a task's plug-in
module) — the engine is not edited.

Three optional hooks let a strategy go beyond the built-in scores without the
engine knowing its task:

- ``auxiliary``: an auxiliary head kind from
  :data:`gammaal.al.heads.AUXILIARY_HEADS` trained next to the model on detached
  tap features with its own loss on ``(its output, prediction, targets)`` — e.g.
  a per-joint log-variance. Its output on each scored batch is
  ``ScoringBatch.auxiliary``.
- the need ``"per_item"``: :meth:`Strategy.per_item` maps each scored batch's
  *raw* model output (e.g. heatmaps, which are too large to keep for a whole
  pool), the auxiliary output and the network itself to per-item values
  ``(B, ...)``, concatenated into :attr:`Scores.per_item`;
  :meth:`Strategy.prepare` first measures what it needs on the labelled set
  (e.g. EGL++'s neighbour embeddings and predictions).
- :meth:`Strategy.adapt_model` changes the strategy's own model after the task
  builds it (e.g. adds dropout for MC-dropout). The shared base model of a seed
  is built without it, so only parameter-free changes are allowed.

:meth:`Strategy.score` gives the per-candidate value a strategy ranks by (recorded
as ``CycleRecord.scores``); :class:`ScoreStrategy` selects its top (or bottom) k.
"""
from __future__ import annotations

import abc
import inspect

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ..registry import Registry

__all__ = ["SCORING_NEEDS", "Scores", "ScoringBatch", "Strategy", "ScoreStrategy", "STRATEGIES",
           "register_strategy", "check_budget", "run_selection", "ranked_positions"]

SCORING_NEEDS = frozenset({"predicted_loss", "embeddings", "outputs", "mc_samples", "per_item"})
"""What the engine can measure on the candidates for a strategy (the :class:`Scores` fields)."""

STRATEGIES = Registry("strategy")
"""Strategy instances by name."""


@dataclass(frozen=True)
class Scores:
    """What scoring measured on the N candidates, aligned by candidate position.

    Attributes
    ----------
    num_candidates : int
        N.
    predicted_loss : ndarray (N,), optional
        The strategy's loss head's prediction.
    embeddings : ndarray (N, D), optional
        Pooled tap features of the candidates (core-set).
    labelled_embeddings : ndarray (M, D), optional
        The same for the labelled set (base set plus acquired pool items).
    outputs : ndarray (N, ...), optional
        The task's decoded model outputs.
    mc_samples : ndarray (T, N, ...), optional
        Decoded outputs of T forward passes with dropout active.
    per_item : ndarray (N, ...), optional
        What the strategy's :meth:`Strategy.per_item` computed on each scored batch.
    """

    num_candidates: int
    predicted_loss: np.ndarray | None = None
    embeddings: np.ndarray | None = None
    labelled_embeddings: np.ndarray | None = None
    outputs: np.ndarray | None = None
    mc_samples: np.ndarray | None = None
    per_item: np.ndarray | None = None


@dataclass
class ScoringBatch:
    """One scored batch, as :meth:`Strategy.per_item` sees it (all under ``torch.no_grad``, eval mode).

    Attributes
    ----------
    network : gammaal.al.LossPredictionModel
        The cycle's network (``network.model`` is the task's model; ``network.embedding`` the batch's
        pooled embedding taps).
    task : gammaal.al.Task
    inputs, targets
        ``task.split_batch(batch)`` on the device (targets exist for every dataset the engine scores;
        a strategy must not use them to rank the unlabelled pool).
    prediction
        The model's raw output on ``inputs``.
    auxiliary : dict of str -> Tensor (B, P)
        The network's auxiliary head outputs by strategy name (a strategy reads ``auxiliary[self.name]``).
    batch
        The collated batch as the data loader gave it.
    state
        What :meth:`Strategy.prepare` returned.
    """

    network: Any
    task: Any
    inputs: Any
    targets: Any
    prediction: Any
    auxiliary: Any
    batch: Any
    state: Any = None


class Strategy(abc.ABC):
    """Base class of a selection strategy; subclasses set the class attributes and override :meth:`select`.

    Attributes
    ----------
    name : str
        Registry key, e.g. ``"llpp"``.
    label : str
        Display name, e.g. ``"LL++"``.
    needs : frozenset of str
        Subset of :data:`SCORING_NEEDS`.
    head, objective : str or None
        The loss head and ranking objective the strategy trains, or None.
    auxiliary : str or None
        An auxiliary head kind (:data:`gammaal.al.heads.AUXILIARY_HEADS`) trained next to the model.
    """

    name: ClassVar[str]
    label: ClassVar[str]
    needs: ClassVar[frozenset] = frozenset()
    head: ClassVar[str | None] = None
    objective: ClassVar[str | None] = None
    auxiliary: ClassVar[str | None] = None

    @abc.abstractmethod
    def select(self, scores: Scores, budget: int, rng: np.random.Generator) -> np.ndarray:
        """Positions into the candidates, most wanted first: ``budget`` distinct ints in ``[0, N)``."""

    def score(self, scores: Scores) -> np.ndarray | None:
        """The per-candidate value (N,) the strategy ranks by, or None (random, core-set)."""
        return None

    def prepare(self, network, task, labelled, measure) -> Any:
        """Before scoring (need ``"per_item"``): measure what :meth:`per_item` needs on the labelled set.

        ``labelled`` is the un-augmented labelled Dataset; ``measure(dataset, needs=..., per_item=...)``
        is :func:`gammaal.al.scoring.measure` with the run's settings bound. Default: None.
        """
        return None

    def per_item(self, batch: ScoringBatch):
        """Per-item values (B, ...) of one scored batch (need ``"per_item"``); a Tensor or ndarray.

        Strategies that need ``"per_item"`` must override this: :func:`register_strategy` refuses one that
        does not, so this base version only answers a direct call on an unregistered class.
        """
        raise ValueError(f"strategy {self.name!r} needs 'per_item' but does not define per_item(batch)")

    def adapt_model(self, model):
        """The strategy's own model after ``task.build_model()`` (parameter-free changes only); default: itself."""
        return model

    def __repr__(self) -> str:
        return f"<strategy {self.name!r}>"


def ranked_positions(values, budget: int, lowest_first: bool = False) -> np.ndarray:
    """Positions of the ``budget`` largest (or smallest) finite ``values`` (N,); ties go to the lower position.

    Examples
    --------
    >>> ranked_positions([0.1, 0.9, 0.5, 0.9], 3).tolist(), ranked_positions([0.1, 0.9, 0.5], 2, True).tolist()
    ([1, 3, 2], [0, 2])
    """
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    scores = np.asarray(values, dtype=np.float64)
    if scores.ndim != 1:
        raise ValueError(f"scores must be one-dimensional (N,), got shape {scores.shape}")
    if not np.isfinite(scores).all():
        raise ValueError("scores contain NaN or infinite values")
    budget = check_budget(budget, scores.size)
    return np.argsort(scores if lowest_first else -scores, kind="stable")[:budget].astype(np.int64)


class ScoreStrategy(Strategy):
    """A strategy that ranks by :meth:`score`: the ``budget`` highest (``lowest_first``: lowest) first."""

    lowest_first: ClassVar[bool] = False

    @abc.abstractmethod
    def score(self, scores: Scores) -> np.ndarray:
        """The per-candidate value (N,) to rank."""

    def select(self, scores: Scores, budget: int, rng: np.random.Generator) -> np.ndarray:
        return ranked_positions(self.score(scores), budget, self.lowest_first)


def register_strategy(cls: type[Strategy]) -> type[Strategy]:
    """Class decorator: check the declaration and register one instance under ``cls.name``."""
    if inspect.isabstract(cls):
        missing = " and ".join(sorted(cls.__abstractmethods__))
        raise ValueError(f"strategy {cls.name!r} does not define {missing} (select(scores, budget, rng), "
                         f"or score(scores) for a ScoreStrategy)")
    unknown = set(cls.needs) - SCORING_NEEDS
    if unknown:
        raise ValueError(f"strategy {cls.name!r} needs unknown scores {sorted(unknown)}; "
                         f"known: {sorted(SCORING_NEEDS)}")
    if (cls.head is None) != (cls.objective is None):
        raise ValueError(f"strategy {cls.name!r}: head and objective are set together or not at all")
    if "per_item" in cls.needs and cls.per_item is Strategy.per_item:
        raise ValueError(f"strategy {cls.name!r} needs 'per_item' but does not define per_item(batch)")
    if cls.head is not None and "predicted_loss" not in cls.needs:
        raise ValueError(f"strategy {cls.name!r} trains a loss head but does not need predicted_loss")
    STRATEGIES.register(cls.name)(cls())
    return cls


def check_budget(budget: int, available: int) -> int:
    """``budget`` as an int after checking ``0 <= budget <= available``."""
    if isinstance(budget, bool) or not isinstance(budget, (int, np.integer)) or budget < 0:
        raise ValueError(f"budget must be a non-negative integer, got {budget!r}")
    if budget > available:
        raise ValueError(f"budget {budget} exceeds the {available} candidates")
    return int(budget)


def run_selection(strategy: Strategy, scores: Scores, budget: int, rng: np.random.Generator) -> np.ndarray:
    """Call ``strategy.select`` and check its answer (distinct positions in range, exactly ``budget``)."""
    budget = check_budget(budget, scores.num_candidates)
    missing = [need for need in sorted(strategy.needs) if getattr(scores, need) is None]
    if missing:
        raise ValueError(f"strategy {strategy.name!r} needs {missing}, which scoring did not provide")
    positions = np.asarray(strategy.select(scores, budget, rng), dtype=np.int64)
    if positions.shape != (budget,) or np.unique(positions).size != budget or (
            budget and (positions.min() < 0 or positions.max() >= scores.num_candidates)):
        raise ValueError(f"strategy {strategy.name!r} returned {positions.tolist()[:10]}..., not {budget} distinct "
                         f"positions in [0, {scores.num_candidates})")
    return positions
