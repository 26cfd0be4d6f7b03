"""Core-set acquisition (Sener & Savarese 2018): k-center greedy on an embedding, batched torch, O(N) memory."""
from __future__ import annotations

import numpy as np
import torch

from .base import Scores, Strategy, check_budget, register_strategy

__all__ = ["k_center_greedy", "CoreSetStrategy"]


def _as_matrix(x, name: str, device) -> torch.Tensor:
    t = torch.as_tensor(x)
    if t.dim() != 2:
        raise ValueError(f"{name} must be two-dimensional (N, D), got shape {tuple(t.shape)}")
    if not t.is_floating_point():
        t = t.double()
    return t.to(device)


def k_center_greedy(candidate_features, budget: int, labelled_features=None, *, rng: np.random.Generator | None = None,
                    chunk_size: int = 2048, device: str | torch.device | None = None) -> np.ndarray:
    """k-center greedy core-set selection (Sener & Savarese 2018).

    Keeps ``d[i] = min_c ||x_i − c||²`` over the current centres (the labelled
    features, then every pick) and repeatedly picks ``argmax d``, updating
    ``d`` with the distances to the new centre only. Memory is O(N) besides
    the inputs, and each step is one pass over the candidates, so a
    100k-candidate pool runs in seconds on a GPU. Squared distances order
    exactly like distances and skip the square root.

    Parameters
    ----------
    candidate_features : array_like (N, D)
        Embeddings of the unlabelled candidates (numpy or torch).
    budget : int, 0 <= budget <= N
    labelled_features : array_like (M, D), optional
        Embeddings of the labelled set, the initial centres. Without them the
        first pick is uniform random from ``rng`` (as in the authors' code).
    rng : numpy.random.Generator, optional
        Used only when there are no labelled features (default: seed 0).
    chunk_size : int, >= 1
        Rows per ``torch.cdist`` block for the initial distances; bounds
        temporary memory at ``chunk_size²`` entries.
    device : str or torch.device, optional
        Where to compute; defaults to the device of ``candidate_features``.
        The dtype is kept (use float64 for exact comparisons).

    Returns
    -------
    ndarray of int64, shape (budget,)
        Distinct candidate positions in pick order. Argmax ties go to the
        lowest position.

    Examples
    --------
    >>> x = [[0.0], [1.0], [10.0], [11.0]]
    >>> k_center_greedy(x, 2, labelled_features=[[0.0]]).tolist()
    [3, 1]
    """
    if device is None:
        device = candidate_features.device if isinstance(candidate_features, torch.Tensor) else "cpu"
    x = _as_matrix(candidate_features, "candidate_features", device)
    n = x.shape[0]
    budget = check_budget(budget, n)
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise ValueError(f"chunk_size must be an integer >= 1, got {chunk_size!r}")
    picks = np.empty(budget, dtype=np.int64)
    if budget == 0:
        return picks

    min_dist = torch.full((n,), float("inf"), dtype=x.dtype, device=device)
    if labelled_features is not None:
        centres = _as_matrix(labelled_features, "labelled_features", device).to(x.dtype)
        if centres.shape[0] and centres.shape[1] != x.shape[1]:
            raise ValueError(
                f"labelled_features have {centres.shape[1]} dimensions, candidate_features {x.shape[1]}"
            )
        for start in range(0, n, chunk_size):
            block = x[start:start + chunk_size]
            best = min_dist[start:start + chunk_size]
            for c_start in range(0, centres.shape[0], chunk_size):
                # The direct difference form (not the matrix-product expansion)
                # keeps the distances exact enough that argmax ties do not flip.
                d = torch.cdist(block, centres[c_start:c_start + chunk_size],
                                compute_mode="donot_use_mm_for_euclid_dist")
                best = torch.minimum(best, d.square().min(dim=1).values)
            min_dist[start:start + chunk_size] = best

    chosen = torch.zeros(n, dtype=torch.bool, device=device)
    for step in range(budget):
        if step == 0 and torch.isinf(min_dist).all():
            index = int((rng if rng is not None else np.random.default_rng(0)).integers(n))
        else:
            # Already-chosen candidates are masked explicitly: duplicates in the
            # pool have distance 0 too and must still be drawn without replacement.
            index = int(torch.argmax(torch.where(chosen, -1.0, min_dist)))
        picks[step] = index
        chosen[index] = True
        min_dist = torch.minimum(min_dist, (x - x[index]).square().sum(dim=1))
    return picks


@register_strategy
class CoreSetStrategy(Strategy):
    name = "coreset"
    label = "Core-set"
    needs = frozenset({"embeddings"})
    chunk_size = 2048

    def select(self, scores: Scores, budget: int, rng: np.random.Generator) -> np.ndarray:
        return k_center_greedy(scores.embeddings, budget, scores.labelled_embeddings, rng=rng,
                               chunk_size=self.chunk_size)
