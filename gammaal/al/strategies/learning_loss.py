"""Learning Loss (Yoo & Kweon 2019) and LearningLoss++ (Shukla & Ahmed 2021): top-k predicted loss.

Both pick the candidates the loss head expects the model to fail on; they differ
only in the objective the head is trained with (margin ranking vs KL).
"""
from __future__ import annotations

import numpy as np

from .base import Scores, Strategy, check_budget, register_strategy

__all__ = ["top_k", "LearningLossStrategy", "LearningLossPlusPlusStrategy"]


def top_k(values, budget: int) -> np.ndarray:
    """Positions of the ``budget`` largest ``values``, largest first; ties go to the lower position.

    Examples
    --------
    >>> top_k([0.1, 0.9, 0.5, 0.9], 3).tolist()
    [1, 3, 2]
    """
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    scores = np.asarray(values, dtype=np.float64)
    if scores.ndim != 1:
        raise ValueError(f"predicted_loss must be one-dimensional (N,), got shape {scores.shape}")
    if not np.isfinite(scores).all():
        raise ValueError("predicted_loss contains NaN or infinite values")
    budget = check_budget(budget, scores.size)
    return np.argsort(-scores, kind="stable")[:budget].astype(np.int64)


@register_strategy
class LearningLossStrategy(Strategy):
    name = "ll"
    label = "LL"
    needs = frozenset({"predicted_loss"})
    head = "gap"
    objective = "ll"

    def select(self, scores: Scores, budget: int, rng: np.random.Generator) -> np.ndarray:
        return top_k(scores.predicted_loss, budget)


@register_strategy
class LearningLossPlusPlusStrategy(LearningLossStrategy):
    name = "llpp"
    label = "LL++"
    objective = "llpp"
