r"""Aleatoric (heteroscedastic) uncertainty of joint locations (Kendall & Gal, NeurIPS 2017).

An auxiliary head (:class:`~pose.uncertainty.head.PooledParameterHead`, ``outputs = J``) on
detached features predicts one log-variance ``s_j`` per joint and is trained with the Gaussian
negative log-likelihood of the decoded joint location ``ĵ`` given the true ``j``

.. math::  \ell_j = \tfrac12 \lVert ĵ - j \rVert^2 e^{-s_j} + \tfrac12 s_j ,

averaged over the annotated joints.  The minimiser over ``s_j`` is ``log ‖ĵ − j‖²``, so the head
learns the log of the expected squared localisation error.  Selection takes the highest mean
``s`` over joints.  This is the authors' ``aleatoric_uncertainty``
(meghshukla/ActiveLearningForHumanPose, ``main.py``), which decodes with the integer argmax of
the last stack's predicted and target heatmaps.

A numerical trap: with a grid decoder the residual is often *exactly* 0, where ``ℓ`` is unbounded
below (``s → −∞``) and the head diverges.  ``variance_floor`` adds a constant to the squared
residual; the default ``1/6`` px² is the variance of the rounding error of a 2-D integer argmax
(``2 × 1/12``).  ``variance_floor = 0`` gives the authors' loss exactly.
"""
from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["ARGMAX_VARIANCE_FLOOR", "aleatoric_nll", "aleatoric_score"]

#: Variance of the rounding error of a 2-D integer argmax, in px²: two independent U(−½, ½).
ARGMAX_VARIANCE_FLOOR = 2.0 / 12.0


def _check_log_var(log_var: Tensor) -> None:
    if not isinstance(log_var, Tensor) or log_var.dim() != 2:
        raise ValueError(f"log_var must be a tensor of shape (B, J), got {getattr(log_var, 'shape', log_var)!r}")


def aleatoric_nll(log_var: Tensor, predicted: Tensor, target: Tensor, visible: Tensor | None = None,
                  variance_floor: float = ARGMAX_VARIANCE_FLOOR) -> Tensor:
    r"""Masked Gaussian NLL ``mean_{visible} [½ (‖ĵ − j‖² + floor) e^{−s} + ½ s]``.

    Parameters
    ----------
    log_var : Tensor (B, J)
        Predicted log-variances ``s`` (the head's output).
    predicted, target : Tensor (B, J, 2)
        Decoded and true joint locations, in heatmap pixels (detached here: only the head learns).
    visible : Tensor (B, J) of bool or {0, 1}, optional
        Annotated joints; None means all.
    variance_floor : float, >= 0
        Added to the squared residual (see the module docstring); 0 is the authors' loss.

    Returns
    -------
    Tensor, scalar
        Mean over the visible joints of the batch; 0 (with a ``grad_fn``) when none is visible.

    Examples
    --------
    >>> s = torch.zeros(1, 1)
    >>> ji, j = torch.tensor([[[3.0, 4.0]]]), torch.zeros(1, 1, 2)
    >>> round(aleatoric_nll(s, ji, j, variance_floor=0.0).item(), 4)   # ½·25·e⁰ + 0
    12.5
    """
    _check_log_var(log_var)
    shape = (*log_var.shape, 2)
    for name, value in (("predicted", predicted), ("target", target)):
        if tuple(value.shape) != shape:
            raise ValueError(f"{name} must have shape (B, J, 2) = {shape}, got {tuple(value.shape)}")
    if visible is not None and tuple(visible.shape) != tuple(log_var.shape):
        raise ValueError(f"visible must have shape (B, J) = {tuple(log_var.shape)}, got {tuple(visible.shape)}")
    if not (variance_floor >= 0 and variance_floor < float("inf")):
        raise ValueError(f"variance_floor must be finite and >= 0, got {variance_floor!r}")
    squared = (predicted.detach() - target.detach()).to(log_var.dtype).square().sum(dim=-1) + variance_floor
    # r² e^{−s} as exp(log r² − s): an exact zero residual gives 0 (not 0 · inf = NaN) for any s.
    nll = 0.5 * torch.exp(torch.log(squared) - log_var) + 0.5 * log_var
    mask = torch.ones_like(nll) if visible is None else visible.to(nll.dtype)
    return (nll * mask).sum() / mask.sum().clamp_min(1.0)


def aleatoric_score(log_var: Tensor) -> Tensor:
    """Selection score: mean predicted log-variance over joints, (B,); select the highest."""
    _check_log_var(log_var)
    return log_var.mean(dim=1)
