"""The pairwise loss-ranking objectives of Learning Loss (LL) and LearningLoss++ (LL++).

Pairs: a batch of predicted losses ``lhat`` (B,) and true losses ``l`` (B,)
is split into halves, pair ``p`` being ``(i, j) = (p, p + B//2)`` for
``p < B//2``, as in the authors' code; with an odd batch the last item is left
out, and a batch of one has no pair and gives a zero loss that still has a
``grad_fn`` (so ``loss.backward()`` needs no special case). Both objectives
average over pairs, so with a linear last layer ``lhat = θᵀw``

    ∇_w loss = (1/P) Σ_p K_p (θ_i − θ_j),

with ``K`` from :func:`gammaal.ll_gradient_factor` (Eq. 2) or
:func:`gammaal.llpp_gradient_factor` (Eq. 4). True losses are detached inside.

(Yoo & Kweon pair ``i`` with ``B−1−i`` and map ties ``l_i = l_j`` to
``sign = −1``; here ``sign(0) = 0`` as printed in Eq. 1, which leaves the
constant ``margin`` with zero gradient.)

:data:`OBJECTIVES` names them as the paper does: ``"ll"`` (margin ranking, Eq. 1)
and ``"llpp"`` (KL, Eq. 3); each takes ``(pred_loss, true_loss, margin)``.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from .registry import Registry

__all__ = ["split_pairs", "margin_ranking_loss", "kl_ranking_loss", "OBJECTIVES"]


def _check_losses(pred_loss: Tensor, true_loss: Tensor) -> None:
    if pred_loss.dim() != 1:
        raise ValueError(f"pred_loss must have shape (B,), got {tuple(pred_loss.shape)}")
    if true_loss.shape != pred_loss.shape:
        raise ValueError(f"true_loss must have the shape of pred_loss {tuple(pred_loss.shape)}, "
                         f"got {tuple(true_loss.shape)}")


def split_pairs(values: Tensor) -> tuple[Tensor, Tensor]:
    """First and second half of a (B,) tensor, each (B//2,); an odd last element is dropped."""
    half = values.shape[0] // 2
    return values[:half], values[half : 2 * half]


def _no_pairs(pred_loss: Tensor) -> Tensor:
    # A zero that still depends on the head, so backward() runs (and leaves zero grads).
    return pred_loss.sum() * 0.0


def margin_ranking_loss(pred_loss: Tensor, true_loss: Tensor, margin: float = 1.0) -> Tensor:
    """Learning Loss objective, paper Eq. 1, averaged over pairs.

    ``mean_p max(0, −sign(l_i − l_j)(lhat_i − lhat_j) + ξ)``, computed with
    ``relu`` so the gradient at the kink is 0 (what
    :func:`gammaal.ll_gradient_factor` returns there).

    Parameters
    ----------
    pred_loss : Tensor (B,)
        Predicted losses ``lhat``.
    true_loss : Tensor (B,)
        True losses ``l`` (detached here).
    margin : float
        ξ (paper and Yoo & Kweon: 1).

    Returns
    -------
    Tensor, scalar

    Examples
    --------
    >>> margin_ranking_loss(torch.tensor([6.0, 3.0]), torch.tensor([1.0, 2.0])).item()  # paper §4.1
    4.0
    """
    _check_losses(pred_loss, true_loss)
    if pred_loss.shape[0] < 2:
        return _no_pairs(pred_loss)
    l_i, l_j = split_pairs(true_loss.detach())
    h_i, h_j = split_pairs(pred_loss)
    return torch.relu(-torch.sign(l_i - l_j) * (h_i - h_j) + margin).mean()


def kl_ranking_loss(pred_loss: Tensor, true_loss: Tensor) -> Tensor:
    """LearningLoss++ objective KL(p‖q), paper Eq. 3, averaged over pairs.

    ``p = (l_i, l_j)/(l_i + l_j)``, ``q = softmax(lhat_i, lhat_j)``;
    ``KL = Σ p log p − Σ p log q`` with ``0 log 0 = 0`` and ``log q`` from
    ``log_softmax`` (no overflow for any ``lhat``). This equals the authors'
    ``KLDivLoss(reduction="batchmean")`` on (B//2, 2). A pair of two zero
    true losses gets ``p = (½, ½)``.

    Parameters
    ----------
    pred_loss : Tensor (B,)
        Predicted losses ``lhat``.
    true_loss : Tensor (B,), >= 0
        True losses ``l`` (detached here).

    Returns
    -------
    Tensor, scalar

    Examples
    --------
    >>> kl_ranking_loss(torch.tensor([0.0, 0.0]), torch.tensor([1.0, 1.0])).item()
    0.0
    """
    _check_losses(pred_loss, true_loss)
    true_loss = true_loss.detach()
    if bool((true_loss < 0).any()) or not bool(torch.isfinite(true_loss).all()):
        raise ValueError("true_loss must be finite and >= 0")
    if pred_loss.shape[0] < 2:
        return _no_pairs(pred_loss)
    l_pair = torch.stack(split_pairs(true_loss), dim=1)
    total = l_pair.sum(dim=1, keepdim=True)
    p = torch.where(total > 0, l_pair / torch.where(total > 0, total, 1.0), 0.5)
    log_q = F.log_softmax(torch.stack(split_pairs(pred_loss), dim=1), dim=1)
    kl = (torch.xlogy(p, p) - p * log_q).sum(dim=1)
    return kl.mean()


OBJECTIVES = Registry("objective")
"""Ranking objective by name; each is called as ``objective(pred_loss, true_loss, margin)``."""
OBJECTIVES.register("ll")(lambda pred, true, margin: margin_ranking_loss(pred, true, margin))
OBJECTIVES.register("llpp")(lambda pred, true, margin: kl_ranking_loss(pred, true))
