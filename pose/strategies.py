"""The pose experiment's strategy table and selection functions (their rules live in :mod:`gammaal.al.strategies`).

Every function returns *positions into the candidate arrays it was given*,
most wanted first, distinct, and never more than the candidates; the loop maps
positions back to dataset indices. Nothing here trains, reads files or
touches global random state, so each strategy is testable on plain arrays:

- :func:`random_selection` — uniform without replacement from an explicit seed;
- :func:`coreset_selection` — k-center greedy (Sener & Savarese 2018) on an
  embedding, Euclidean, with the labelled set as the initial centres;
- :func:`learning_loss_selection` — the top-k predicted losses, used by
  Learning Loss (``ll``), LearningLoss++ (``llpp``) and LL++conv
  (``llpp_conv``), which differ only in head and training objective.

:data:`STRATEGIES` names the five experiment strategies and what each needs.
"""
from __future__ import annotations

import numpy as np
import torch

from gammaal.al.strategies import k_center_greedy, random_positions, top_k

__all__ = [
    "STRATEGIES",
    "LEARNING_LOSS_STRATEGIES",
    "random_selection",
    "coreset_selection",
    "learning_loss_selection",
    "select",
]

# strategy name -> (selection rule, loss-head kind or None)
STRATEGIES: dict[str, tuple[str, str | None]] = {
    "random": ("random", None),
    "coreset": ("coreset", None),
    "ll": ("learning_loss", "ll"),
    "llpp": ("learning_loss", "llpp"),
    "llpp_conv": ("learning_loss", "llpp_conv"),
}
LEARNING_LOSS_STRATEGIES = tuple(name for name, (rule, _) in STRATEGIES.items() if rule == "learning_loss")


def random_selection(num_candidates: int, budget: int, seed: int) -> np.ndarray:
    """Uniform random selection without replacement from a private PCG64 ``Generator`` seeded with ``seed``.

    See :func:`gammaal.al.strategies.random_positions`.
    """
    return random_positions(num_candidates, budget, np.random.default_rng(seed))


def learning_loss_selection(predicted_loss, budget: int) -> np.ndarray:
    """Top-k predicted loss, largest first, stable ties: :func:`gammaal.al.strategies.top_k`."""
    return top_k(predicted_loss, budget)


def coreset_selection(candidate_features, budget: int, labelled_features=None, *, seed: int = 0,
                      chunk_size: int = 2048, device: str | torch.device | None = None) -> np.ndarray:
    """k-center greedy core-set selection: :func:`gammaal.al.strategies.k_center_greedy`.

    Without labelled features the first pick is drawn from ``numpy.random.default_rng(seed)``.
    """
    return k_center_greedy(candidate_features, budget, labelled_features, rng=np.random.default_rng(seed),
                           chunk_size=chunk_size, device=device)


def select(
    strategy: str,
    budget: int,
    *,
    seed: int,
    num_candidates: int,
    predicted_loss=None,
    candidate_features=None,
    labelled_features=None,
    chunk_size: int = 2048,
) -> np.ndarray:
    """Dispatch to the selection rule of an experiment strategy.

    Parameters
    ----------
    strategy : {"random", "coreset", "ll", "llpp", "llpp_conv"}
    budget : int
    seed : int
        Randomness for ``random`` (and the first core-set pick without labels).
    num_candidates : int
        N, the number of candidates.
    predicted_loss : array_like (N,), required by the learning-loss strategies.
    candidate_features, labelled_features : array_like (N, D), (M, D); core-set only.
    chunk_size : int
        Core-set block size.

    Returns
    -------
    ndarray of int64, shape (budget,)
        Candidate positions, most wanted first.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {sorted(STRATEGIES)}, got {strategy!r}")
    rule = STRATEGIES[strategy][0]
    if rule == "random":
        return random_selection(num_candidates, budget, seed)
    if rule == "coreset":
        if candidate_features is None:
            raise ValueError("coreset needs candidate_features")
        return coreset_selection(candidate_features, budget, labelled_features, seed=seed, chunk_size=chunk_size)
    if predicted_loss is None:
        raise ValueError(f"{strategy} needs predicted_loss")
    return learning_loss_selection(predicted_loss, budget)
