"""Pose heatmap loss; the pairwise loss-ranking objectives live in :mod:`gammaal.al.objectives`.

:data:`RANKING_OBJECTIVES` maps each pose head kind to its objective:
``"ll"`` to :func:`margin_ranking_loss` (paper Eq. 1), ``"llpp"`` and
``"llpp_conv"`` to :func:`kl_ranking_loss` (Eq. 3).
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from gammaal.al.objectives import kl_ranking_loss, margin_ranking_loss, split_pairs

__all__ = [
    "split_pairs",
    "margin_ranking_loss",
    "kl_ranking_loss",
    "RANKING_OBJECTIVES",
    "per_image_loss",
    "heatmap_loss",
]


RANKING_OBJECTIVES = {
    "ll": margin_ranking_loss,
    "llpp": kl_ranking_loss,
    "llpp_conv": kl_ranking_loss,
}
"""Objective for each head kind of :func:`pose.heads.build_head`."""


def per_image_loss(
    heatmaps: Sequence[Tensor],
    target: Tensor,
    visible: Tensor | None = None,
    normalise_by_joints: bool = False,
) -> Tensor:
    """Heatmap MSE per image, averaged over stacks: the "true loss" of each image.

    Default: for every stack, mean over the visible joints of the per-joint
    mean squared error over pixels; then mean over stacks. Invisible joints are
    masked out; an image with no visible joint has loss 0. ``visible=None``
    treats every joint as visible (the authors' training loss: mean over all
    joints and pixels).

    ``normalise_by_joints=True`` reproduces the authors' true loss for the KL
    objective instead: the unmasked mean over all joints and pixels, averaged
    over stacks, divided by (number of annotated joints + 0.1), where
    ``visible`` marks the annotated joints (required).

    Parameters
    ----------
    heatmaps : list of Tensor (B, J, h, w)
        Predictions, one per stack.
    target : Tensor (B, J, h, w)
        Gaussian target heatmaps (σ = 1.75 px on the 64x64 map in the authors' code).
    visible : Tensor (B, J) of bool or {0, 1}, optional
    normalise_by_joints : bool

    Returns
    -------
    Tensor (B,)
    """
    if isinstance(heatmaps, Tensor) or len(heatmaps) == 0:
        raise ValueError("heatmaps must be a non-empty list of (B, J, h, w) tensors, one per stack")
    if target.dim() != 4:
        raise ValueError(f"target must have shape (B, J, h, w), got {tuple(target.shape)}")
    for k, h in enumerate(heatmaps):
        if h.shape != target.shape:
            raise ValueError(f"heatmaps[{k}] must have the target's shape {tuple(target.shape)}, got {tuple(h.shape)}")
    if visible is not None and tuple(visible.shape) != tuple(target.shape[:2]):
        raise ValueError(f"visible must have shape (B, J) = {tuple(target.shape[:2])}, got {tuple(visible.shape)}")
    if normalise_by_joints and visible is None:
        raise ValueError("normalise_by_joints=True needs visible (the annotated joints)")
    # (stacks, B, J): per-joint pixel MSE.
    per_joint = torch.stack([(h - target).square().mean(dim=(2, 3)) for h in heatmaps])
    if normalise_by_joints:
        count = visible.to(per_joint.dtype).sum(dim=1)
        return per_joint.mean(dim=(0, 2)) / (count + 0.1)
    if visible is None:
        return per_joint.mean(dim=(0, 2))
    mask = visible.to(per_joint.dtype)
    count = mask.sum(dim=1).clamp_min(1.0)
    return (per_joint * mask).sum(dim=2).mean(dim=0) / count


def heatmap_loss(
    heatmaps: Sequence[Tensor],
    target: Tensor,
    visible: Tensor | None = None,
) -> Tensor:
    """Training loss of the pose network: the batch mean of :func:`per_image_loss`.

    Parameters
    ----------
    heatmaps : list of Tensor (B, J, h, w), one per stack
    target : Tensor (B, J, h, w)
    visible : Tensor (B, J), optional

    Returns
    -------
    Tensor, scalar
    """
    return per_image_loss(heatmaps, target, visible).mean()
