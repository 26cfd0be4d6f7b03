r"""VL4Pose (Shukla, Roy & Ahmed, WACV 2022): a skeleton-likelihood score from heatmaps and link lengths.

*Training.*  An auxiliary head (:class:`~pose.uncertainty.head.PooledParameterHead` with
``outputs = 2 L``) on detached features predicts, per skeleton link ``l = (p, c)``
(:mod:`pose.uncertainty.skeleton_tree`), the mean ``μ_l`` and log-variance ``s_l`` of its length
``d_l = ‖j_p − j_c‖`` (heatmap pixels), trained by the masked Gaussian NLL
``½ (μ_l − d_l)² e^{−s_l} + ½ s_l`` on the ground-truth lengths of links whose two joints are
annotated.

*Selection.*  Per joint the candidate locations are the heatmap's peaks
(:func:`~pose.uncertainty.peaks.find_peaks`, the authors' 5 peaks, min distance 5), with
log-probabilities ``log softmax`` of the peak values.  A pose picks one candidate ``a_j`` per
joint; its log-likelihood is

.. math::  \sum_j \log p_j(a_j) + \sum_{(p,c)} \log \mathcal N(\lVert x_{a_p} − x_{a_c}\rVert;\ μ_l, e^{s_l}),

and the image score is its maximum over poses, found exactly by max-product dynamic programming
on the tree from the leaves to the head (``O(L K²)`` instead of ``K^J``).  Select the *lowest*.
``reduction="logsumexp"`` gives the marginal likelihood instead (sum-product).  (The authors'
recursion adds the child log-likelihoods of *all* candidate locations, ``np.sum`` over
locations at every level, which is neither; we implement the stated maximisation.)

A joint without any peak (a flat heatmap, or every maximum in the border strip) falls back to
its heatmap's argmax with probability 1, so every image gets a finite score.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from .peaks import find_peaks
from .skeleton_tree import SkeletonTree

__all__ = [
    "split_link_parameters",
    "link_lengths",
    "link_visible",
    "link_nll",
    "JointCandidates",
    "joint_candidates",
    "TreeLikelihood",
    "tree_log_likelihood",
    "vl4pose_score",
]

_LOG_2PI = math.log(2.0 * math.pi)


def split_link_parameters(params: Tensor, tree: SkeletonTree) -> tuple[Tensor, Tensor]:
    """Head output (B, 2 L) → (mean (B, L), log-variance (B, L)), interleaved per link as the authors'."""
    links = len(tree.links)
    if params.dim() != 2 or params.shape[1] != 2 * links:
        raise ValueError(f"params must have shape (B, 2 L) = (B, {2 * links}), got {tuple(params.shape)}")
    pairs = params.reshape(params.shape[0], links, 2)
    return pairs[..., 0], pairs[..., 1]


def _check_locations(locations: Tensor, tree: SkeletonTree, name: str = "locations") -> None:
    if locations.dim() != 3 or locations.shape[1:] != (len(tree.joints), 2):
        raise ValueError(f"{name} must have shape (B, J, 2) with J = {len(tree.joints)}, got {tuple(locations.shape)}")


def link_lengths(locations: Tensor, tree: SkeletonTree) -> Tensor:
    """Length of every link, (B, L), from joint locations (B, J, 2)."""
    _check_locations(locations, tree)
    parents = torch.tensor([p for p, _ in tree.links], device=locations.device)
    children = torch.tensor([c for _, c in tree.links], device=locations.device)
    return (locations[:, parents] - locations[:, children]).norm(dim=-1)


def link_visible(visible: Tensor, tree: SkeletonTree) -> Tensor:
    """Whether both joints of every link are annotated, (B, L) bool, from (B, J)."""
    if visible.dim() != 2 or visible.shape[1] != len(tree.joints):
        raise ValueError(f"visible must have shape (B, J) with J = {len(tree.joints)}, got {tuple(visible.shape)}")
    v = visible.bool()
    return v[:, [p for p, _ in tree.links]] & v[:, [c for _, c in tree.links]]


def link_nll(mean: Tensor, log_var: Tensor, lengths: Tensor, visible: Tensor | None = None) -> Tensor:
    """Masked Gaussian NLL of the true link lengths, ``mean_{visible} ½ (μ − d)² e^{−s} + ½ s``.

    Parameters
    ----------
    mean, log_var : Tensor (B, L)
        The head's prediction (see :func:`split_link_parameters`).
    lengths : Tensor (B, L)
        Ground-truth link lengths (detached here).
    visible : Tensor (B, L) of bool, optional
        Links with both joints annotated (:func:`link_visible`); None means all.

    Returns
    -------
    Tensor, scalar; 0 (with a ``grad_fn``) when no link is visible.

    Examples
    --------
    >>> round(link_nll(torch.tensor([[3.0]]), torch.tensor([[0.0]]), torch.tensor([[5.0]])).item(), 4)
    2.0
    """
    if mean.dim() != 2 or log_var.shape != mean.shape or lengths.shape != mean.shape:
        raise ValueError(f"mean, log_var and lengths must all have shape (B, L), got "
                         f"{tuple(mean.shape)}, {tuple(log_var.shape)}, {tuple(lengths.shape)}")
    if visible is not None and visible.shape != mean.shape:
        raise ValueError(f"visible must have shape (B, L) = {tuple(mean.shape)}, got {tuple(visible.shape)}")
    squared = (mean - lengths.detach().to(mean.dtype)).square()
    # (μ − d)² e^{−s} as exp(log(μ − d)² − s): an exact fit gives 0 (not 0 · inf) for any s.
    nll = 0.5 * torch.exp(torch.log(squared) - log_var) + 0.5 * log_var
    mask = torch.ones_like(nll) if visible is None else visible.to(nll.dtype)
    return (nll * mask).sum() / mask.sum().clamp_min(1.0)


@dataclass
class JointCandidates:
    """K candidate locations per joint.

    Attributes
    ----------
    xy : Tensor (B, J, K, 2)
        ``(x, y)`` = (column, row) in heatmap pixels.
    log_prob : Tensor (B, J, K)
        Log-probability of each candidate; ``-inf`` for empty slots.
    """

    xy: Tensor
    log_prob: Tensor


def joint_candidates(heatmaps: Tensor, num_peaks: int = 5, min_distance: int = 5,
                     exclude_border: bool = True) -> JointCandidates:
    """Heatmap peaks with ``log softmax`` of their values; a peakless joint gets its argmax, probability 1."""
    peaks = find_peaks(heatmaps, num_peaks, min_distance, exclude_border)
    b, j, h, w = heatmaps.shape
    flat_arg = heatmaps.reshape(b, j, -1).argmax(dim=-1)
    empty = peaks.count == 0
    rows = peaks.rows.clone()
    cols = peaks.cols.clone()
    rows[..., 0] = torch.where(empty, flat_arg // w, rows[..., 0])
    cols[..., 0] = torch.where(empty, flat_arg % w, cols[..., 0])
    valid = peaks.valid.clone()
    valid[..., 0] |= empty
    logits = torch.where(valid, torch.where(peaks.valid, peaks.values, 0.0), -torch.inf)
    log_prob = torch.log_softmax(logits.double(), dim=-1)
    log_prob = torch.where(valid, log_prob, -torch.inf)
    xy = torch.stack([cols, rows], dim=-1).double()
    return JointCandidates(xy=xy, log_prob=log_prob)


@dataclass
class TreeLikelihood:
    """Result of :func:`tree_log_likelihood`.

    Attributes
    ----------
    log_likelihood : Tensor (B,)
        Max (or log-sum-exp) over poses of the skeleton log-likelihood.
    choice : Tensor (B, J) int64 or None
        Candidate index of every joint in the best pose (``reduction="max"`` only).
    """

    log_likelihood: Tensor
    choice: Tensor | None


def _link_log_density(xy_parent: Tensor, xy_child: Tensor, mean: Tensor, log_var: Tensor) -> Tensor:
    """log N(‖x_a − x_b‖; μ, e^s) for every parent candidate a and child candidate b, (B, K, K)."""
    d = (xy_parent[:, :, None, :] - xy_child[:, None, :, :]).norm(dim=-1)
    s = log_var[:, None, None]
    return -0.5 * (_LOG_2PI + s + torch.exp(torch.log((d - mean[:, None, None]).square()) - s))


def tree_log_likelihood(candidates: JointCandidates, mean: Tensor, log_var: Tensor, tree: SkeletonTree,
                        reduction: str = "max") -> TreeLikelihood:
    """Exact max-product (or sum-product) pass over the skeleton tree, leaves to root.

    Parameters
    ----------
    candidates : JointCandidates
        (B, J, K) candidates; every joint needs at least one finite ``log_prob``.
    mean, log_var : Tensor (B, L)
        Link-length Gaussians, links in ``tree.links`` order.
    tree : SkeletonTree
    reduction : {"max", "logsumexp"}

    Returns
    -------
    TreeLikelihood
    """
    if reduction not in ("max", "logsumexp"):
        raise ValueError(f"reduction must be 'max' or 'logsumexp', got {reduction!r}")
    log_prob, xy = candidates.log_prob, candidates.xy
    j = len(tree.joints)
    if log_prob.dim() != 3 or log_prob.shape[1] != j or xy.shape != (*log_prob.shape, 2):
        raise ValueError(f"candidates must be (B, J={j}, K) log-probabilities and (B, J, K, 2) locations, got "
                         f"{tuple(log_prob.shape)} and {tuple(xy.shape)}")
    if not bool(torch.isfinite(log_prob).any(dim=-1).all()):
        raise ValueError("every joint needs at least one candidate with a finite log_prob")
    links = len(tree.links)
    if mean.shape != (log_prob.shape[0], links) or log_var.shape != mean.shape:
        raise ValueError(f"mean and log_var must have shape (B, L) = {(log_prob.shape[0], links)}, "
                         f"got {tuple(mean.shape)} and {tuple(log_var.shape)}")
    mean, log_var = mean.double(), log_var.double()
    belief = [log_prob[:, k].double() for k in range(j)]
    best_child: dict[int, Tensor] = {}
    for index, parent, child in reversed(tree.topological_links):
        link = _link_log_density(xy[:, parent], xy[:, child], mean[:, index], log_var[:, index])
        joint = belief[child][:, None, :] + link
        if reduction == "max":
            message, best_child[index] = joint.max(dim=-1)
        else:
            message = torch.logsumexp(joint, dim=-1)
        belief[parent] = belief[parent] + message
    if reduction == "logsumexp":
        return TreeLikelihood(log_likelihood=torch.logsumexp(belief[tree.root], dim=-1), choice=None)
    score, root_choice = belief[tree.root].max(dim=-1)
    choice = torch.zeros(log_prob.shape[:2], dtype=torch.int64, device=log_prob.device)
    choice[:, tree.root] = root_choice
    for index, parent, child in tree.topological_links:
        choice[:, child] = best_child[index].gather(1, choice[:, parent : parent + 1]).squeeze(1)
    return TreeLikelihood(log_likelihood=score, choice=choice)


def vl4pose_score(heatmaps: Tensor, params: Tensor, tree: SkeletonTree, num_peaks: int = 5, min_distance: int = 5,
                  exclude_border: bool = True, reduction: str = "max") -> tuple[TreeLikelihood, Tensor]:
    """VL4Pose selection score of every image (select the lowest) and the refined pose.

    Parameters
    ----------
    heatmaps : Tensor (B, J, H, W)
        The last stack's heatmaps.
    params : Tensor (B, 2 L)
        The VL4Pose head's output (see :func:`split_link_parameters`).
    tree : SkeletonTree
    num_peaks, min_distance, exclude_border
        Candidate peaks (authors: 5, 5, True at 64 × 64).
    reduction : {"max", "logsumexp"}

    Returns
    -------
    (TreeLikelihood, Tensor (B, J, 2))
        The likelihood and, for ``"max"``, the ``(x, y)`` of the best pose's candidates
        (for ``"logsumexp"``, those of the max pass are returned too).
    """
    mean, log_var = split_link_parameters(params, tree)
    candidates = joint_candidates(heatmaps, num_peaks, min_distance, exclude_border)
    result = tree_log_likelihood(candidates, mean, log_var, tree, reduction)
    best = result if reduction == "max" else tree_log_likelihood(candidates, mean, log_var, tree, "max")
    index = best.choice[:, :, None, None].expand(-1, -1, 1, 2)
    pose = candidates.xy.gather(2, index).squeeze(2)
    return result, pose
