"""Random acquisition: the baseline every paper compares against."""
from __future__ import annotations

import numpy as np

from .base import Scores, Strategy, check_budget, register_strategy

__all__ = ["random_positions", "RandomStrategy"]


def random_positions(num_candidates: int, budget: int, rng: np.random.Generator) -> np.ndarray:
    """``budget`` distinct positions in ``range(num_candidates)``, uniformly without replacement.

    Examples
    --------
    >>> a = random_positions(10, 3, np.random.default_rng(1))
    >>> bool((a == random_positions(10, 3, np.random.default_rng(1))).all()), len(set(a.tolist()))
    (True, 3)
    """
    budget = check_budget(budget, num_candidates)
    return rng.choice(num_candidates, size=budget, replace=False).astype(np.int64)


@register_strategy
class RandomStrategy(Strategy):
    name = "random"
    label = "Random"

    def select(self, scores: Scores, budget: int, rng: np.random.Generator) -> np.ndarray:
        return random_positions(scores.num_candidates, budget, rng)
