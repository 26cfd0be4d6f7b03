"""Active-learning selection strategies as pure functions: scores in, ranked indices out.

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


def _check_budget(budget: int, available: int) -> int:
    if isinstance(budget, bool) or int(budget) != budget or budget < 0:
        raise ValueError(f"budget must be a non-negative integer, got {budget!r}")
    if budget > available:
        raise ValueError(f"budget {budget} exceeds the {available} candidates")
    return int(budget)


def random_selection(num_candidates: int, budget: int, seed: int) -> np.ndarray:
    """Uniform random selection without replacement.

    Parameters
    ----------
    num_candidates : int, >= 0
        Size N of the candidate set.
    budget : int, 0 <= budget <= N
    seed : int
        Seed of a private ``numpy.random.Generator`` (PCG64); the same seed
        always gives the same selection.

    Returns
    -------
    ndarray of int64, shape (budget,)
        Distinct positions in ``range(N)``.

    Examples
    --------
    >>> a = random_selection(10, 3, seed=1)
    >>> bool((a == random_selection(10, 3, seed=1)).all()), len(set(a.tolist()))
    (True, 3)
    """
    budget = _check_budget(budget, num_candidates)
    rng = np.random.default_rng(seed)
    return rng.choice(num_candidates, size=budget, replace=False).astype(np.int64)


def learning_loss_selection(predicted_loss, budget: int) -> np.ndarray:
    """Top-k predicted loss: the candidates the loss head expects the model to fail on.

    Ties are broken by position (stable), so the result is deterministic.

    Parameters
    ----------
    predicted_loss : array_like (N,)
        Predicted loss per candidate (numpy or torch); finite.
    budget : int, 0 <= budget <= N

    Returns
    -------
    ndarray of int64, shape (budget,)
        Positions of the ``budget`` largest predicted losses, largest first.

    Examples
    --------
    >>> learning_loss_selection([0.1, 0.9, 0.5, 0.9], 3).tolist()
    [1, 3, 2]
    """
    if isinstance(predicted_loss, torch.Tensor):
        predicted_loss = predicted_loss.detach().cpu().numpy()
    scores = np.asarray(predicted_loss, dtype=np.float64)
    if scores.ndim != 1:
        raise ValueError(f"predicted_loss must be one-dimensional (N,), got shape {scores.shape}")
    if not np.isfinite(scores).all():
        raise ValueError("predicted_loss contains NaN or infinite values")
    budget = _check_budget(budget, scores.size)
    return np.argsort(-scores, kind="stable")[:budget].astype(np.int64)


def _as_matrix(x, name: str, device) -> torch.Tensor:
    t = torch.as_tensor(x)
    if t.dim() != 2:
        raise ValueError(f"{name} must be two-dimensional (N, D), got shape {tuple(t.shape)}")
    if not t.is_floating_point():
        t = t.double()
    return t.to(device)


def coreset_selection(
    candidate_features,
    budget: int,
    labelled_features=None,
    *,
    seed: int = 0,
    chunk_size: int = 2048,
    device: str | torch.device | None = None,
) -> np.ndarray:
    """k-center greedy core-set selection (Sener & Savarese 2018).

    Keeps ``d[i] = min_c ||x_i − c||²`` over the current centres (the labelled
    features, then every pick) and repeatedly picks ``argmax d``, updating
    ``d`` with the distances to the new centre only. Memory is O(N) besides
    the inputs, and each step is one pass over the candidates in chunks of
    ``chunk_size`` rows, so a 100k-candidate pool runs in seconds on a GPU.
    Squared distances order exactly like distances and skip the square root.

    Parameters
    ----------
    candidate_features : array_like (N, D)
        Embeddings of the unlabelled candidates (numpy or torch).
    budget : int, 0 <= budget <= N
    labelled_features : array_like (M, D), optional
        Embeddings of the labelled set, the initial centres. Without them the
        first pick is uniform random from ``seed`` (as in the authors' code).
    seed : int
        Used only when there are no labelled features.
    chunk_size : int
        Rows per ``torch.cdist`` block when computing the initial distances;
        bounds temporary memory at ``chunk_size² `` entries.
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
    >>> coreset_selection(x, 2, labelled_features=[[0.0]]).tolist()
    [3, 1]
    """
    if device is None:
        device = candidate_features.device if isinstance(candidate_features, torch.Tensor) else "cpu"
    x = _as_matrix(candidate_features, "candidate_features", device)
    n = x.shape[0]
    budget = _check_budget(budget, n)
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
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
        if torch.isinf(min_dist).all():
            index = int(np.random.default_rng(seed).integers(n))
        else:
            # Already-chosen candidates are masked explicitly: duplicates in the
            # pool have distance 0 too and must still be drawn without replacement.
            index = int(torch.argmax(torch.where(chosen, -1.0, min_dist)))
        picks[step] = index
        chosen[index] = True
        min_dist = torch.minimum(min_dist, (x - x[index]).square().sum(dim=1))
    return picks


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
