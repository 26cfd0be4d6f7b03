"""What every selection strategy is: a name, what it needs from scoring, the loss head it trains, ``select``.

A strategy is a small class registered with :func:`register_strategy`; the
engine looks it up in :data:`STRATEGIES` by name, computes only the
:class:`Scores` fields listed in its ``needs``, trains the loss head it names
(``head`` from :data:`gammaal.al.heads.HEADS`, ``objective`` from
:data:`gammaal.al.objectives.OBJECTIVES`), and calls its pure
``select(scores, budget, rng)``. Adding a strategy is one file with one
decorated class (imported in ``strategies/__init__.py``) — the engine is not edited.
"""
from __future__ import annotations

import abc
import inspect

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..registry import Registry

__all__ = ["SCORING_NEEDS", "Scores", "Strategy", "STRATEGIES", "register_strategy", "check_budget",
           "run_selection"]

SCORING_NEEDS = frozenset({"predicted_loss", "embeddings", "outputs", "mc_samples"})
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
    """

    num_candidates: int
    predicted_loss: np.ndarray | None = None
    embeddings: np.ndarray | None = None
    labelled_embeddings: np.ndarray | None = None
    outputs: np.ndarray | None = None
    mc_samples: np.ndarray | None = None


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
    """

    name: ClassVar[str]
    label: ClassVar[str]
    needs: ClassVar[frozenset] = frozenset()
    head: ClassVar[str | None] = None
    objective: ClassVar[str | None] = None

    @abc.abstractmethod
    def select(self, scores: Scores, budget: int, rng: np.random.Generator) -> np.ndarray:
        """Positions into the candidates, most wanted first: ``budget`` distinct ints in ``[0, N)``."""

    def __repr__(self) -> str:
        return f"<strategy {self.name!r}>"


def register_strategy(cls: type[Strategy]) -> type[Strategy]:
    """Class decorator: check the declaration and register one instance under ``cls.name``."""
    if inspect.isabstract(cls):
        raise ValueError(f"strategy {cls.name!r} does not define select(scores, budget, rng)")
    unknown = set(cls.needs) - SCORING_NEEDS
    if unknown:
        raise ValueError(f"strategy {cls.name!r} needs unknown scores {sorted(unknown)}; "
                         f"known: {sorted(SCORING_NEEDS)}")
    if (cls.head is None) != (cls.objective is None):
        raise ValueError(f"strategy {cls.name!r}: head and objective are set together or not at all")
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
