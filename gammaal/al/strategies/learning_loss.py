"""Learning Loss (Yoo & Kweon 2019) and LearningLoss++ (Shukla & Ahmed 2021): top-k predicted loss.

Both pick the candidates the loss head expects the model to fail on; they differ
only in the objective the head is trained with (margin ranking vs KL).
"""
from __future__ import annotations

import numpy as np

from .base import Scores, ScoreStrategy, ranked_positions, register_strategy

__all__ = ["top_k", "LearningLossStrategy", "LearningLossPlusPlusStrategy"]


def top_k(values, budget: int) -> np.ndarray:
    """Positions of the ``budget`` largest ``values``, largest first; ties go to the lower position.

    Examples
    --------
    >>> top_k([0.1, 0.9, 0.5, 0.9], 3).tolist()
    [1, 3, 2]
    """
    return ranked_positions(values, budget)


@register_strategy
class LearningLossStrategy(ScoreStrategy):
    name = "ll"
    label = "LL"
    needs = frozenset({"predicted_loss"})
    head = "gap"
    objective = "ll"

    def score(self, scores: Scores) -> np.ndarray:
        return scores.predicted_loss


@register_strategy
class LearningLossPlusPlusStrategy(LearningLossStrategy):
    name = "llpp"
    label = "LL++"
    objective = "llpp"
