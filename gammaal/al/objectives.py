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
and ``"llpp"`` (KL, Eq. 3), plus ``"ll_gamma"`` (:func:`gamma_margin_ranking_loss`:
the margin ranking on the pairs that are not nearly tied under the batch's fitted
gamma law); each is called as ``objective(pred_loss, true_loss, margin, quantile)``
(``quantile``: the q of ``"ll_gamma"``, unused by the others).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

import gammaal

from .registry import Registry

__all__ = ["split_pairs", "margin_ranking_loss", "kl_ranking_loss", "TiedPairThreshold", "tied_pair_threshold",
           "PAIR_WEIGHTINGS", "pair_weights", "weighted_margin_ranking_loss", "gamma_margin_ranking_loss",
           "OBJECTIVES"]


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


@dataclass(frozen=True)
class TiedPairThreshold:
    """``δ_q`` of a batch of losses and the gamma fit it came from (``fit`` None: no fit, ``δ = 0``)."""

    delta: float
    q: float
    fit: gammaal.GammaFit | None


def _check_quantile(q) -> float:
    if isinstance(q, bool) or not isinstance(q, (int, float, np.floating)) or not 0.0 < q < 1.0:
        raise ValueError(f"q must be a probability in (0, 1), got {q!r}")
    return float(q)


def tied_pair_threshold(true_losses, q: float = 0.25, integer_shape: bool = False,
                        ignore_zeros: bool = True) -> TiedPairThreshold:
    r"""Fit Gamma(k, θ) to ``true_losses`` (Tensor or array) and return ``δ_q``: ``P(|X − Y| ≤ δ_q) = q``.

    ``δ_q`` is :meth:`gammaal.absgammadiff.ppf` of the fitted law, so a fraction ``q`` of
    iid pairs is tied within it. ``ignore_zeros``: leave exact zeros out of the fit (an item
    whose loss is exactly 0, e.g. an image without a visible joint, is no gamma draw); they
    still form pairs in the hinge. Raises ``ValueError`` (from :func:`gammaal.fit_gamma`) for
    fewer than two usable losses, negative values, NaN/inf or all-equal losses.
    """
    q = _check_quantile(q)
    values = true_losses.detach().double().cpu().numpy() if isinstance(true_losses, Tensor) else true_losses
    values = np.asarray(values, dtype=np.float64).ravel()
    if ignore_zeros:
        values = values[values != 0]
    fit = gammaal.fit_gamma(values, integer_shape=integer_shape)
    return TiedPairThreshold(delta=float(gammaal.absgammadiff(fit.k, scale=fit.theta).ppf(q)), q=q, fit=fit)


def _skip(gap: Tensor, delta: float) -> Tensor:
    return (gap >= delta).to(gap.dtype)


def _linear(gap: Tensor, delta: float) -> Tensor:
    return torch.ones_like(gap) if delta == 0 else (gap / delta).clamp(max=1.0)


#: Pair weight as a function of ``|l_i − l_j|`` and ``δ``.
PAIR_WEIGHTINGS = {"skip": _skip, "linear": _linear}


def pair_weights(true_loss: Tensor, delta: float, weighting: str = "skip") -> Tensor:
    """Weight of every pair ``(p, p + B//2)`` of a (B,) batch of true losses, (B//2,).

    ``"skip"``: 1 when ``|l_i − l_j| ≥ δ``, else 0; ``"linear"``: ``min(1, |l_i − l_j| / δ)``.
    """
    if weighting not in PAIR_WEIGHTINGS:
        raise ValueError(f"weighting must be one of {sorted(PAIR_WEIGHTINGS)}, got {weighting!r}")
    if not (isinstance(delta, (int, float, np.floating)) and math.isfinite(delta) and delta >= 0):
        raise ValueError(f"delta must be a finite number >= 0, got {delta!r}")
    if true_loss.dim() != 1:
        raise ValueError(f"true_loss must have shape (B,), got {tuple(true_loss.shape)}")
    l_i, l_j = split_pairs(true_loss.detach())
    return PAIR_WEIGHTINGS[weighting]((l_i - l_j).abs(), float(delta))


def weighted_margin_ranking_loss(pred_loss: Tensor, true_loss: Tensor, delta: float, margin: float = 1.0,
                                 weighting: str = "skip") -> Tensor:
    """Learning Loss hinge ``max(0, −sign(l_i − l_j)(l̂_i − l̂_j) + ξ)``, weighted mean over the pairs.

    ``Σ_p w_p h_p / Σ_p w_p`` with :func:`pair_weights`: with ``"skip"`` this is
    :func:`margin_ranking_loss` restricted to the pairs not tied within δ (and equals it at
    δ = 0). No weighted pair gives 0 with a ``grad_fn``.

    Examples
    --------
    >>> pred, true = torch.tensor([6.0, 0.0, 3.0, 0.0]), torch.tensor([1.0, 1.0, 2.0, 1.05])
    >>> weighted_margin_ranking_loss(pred, true, delta=0.1).item()   # pair (1.0, 1.05) is skipped
    4.0
    """
    _check_losses(pred_loss, true_loss)
    weights = pair_weights(true_loss, delta, weighting).to(pred_loss.dtype)
    l_i, l_j = split_pairs(true_loss.detach())
    h_i, h_j = split_pairs(pred_loss)
    total = weights.sum()
    if total.item() == 0:
        return _no_pairs(pred_loss)
    hinge = torch.relu(-torch.sign(l_i - l_j) * (h_i - h_j) + margin)
    return (weights * hinge).sum() / total


def gamma_margin_ranking_loss(pred_loss: Tensor, true_loss: Tensor, margin: float = 1.0,
                              quantile: float = 0.25) -> Tensor:
    r"""Gamma-aware Learning Loss (``"ll_gamma"``): the LL hinge on the batch's pairs not tied within ``δ_q``.

    The paper's analysis: the margin-ranking gradient of a pair with ``l_i ≈ l_j`` carries
    no information (its order is noise). :func:`tied_pair_threshold` fits the gamma law to
    the batch's true losses and takes ``δ_q``, below which a fraction ``q`` of pairs falls;
    those pairs are skipped (:func:`weighted_margin_ranking_loss`). A batch whose law
    cannot be fitted (fewer than two distinct non-zero losses) keeps every pair (δ = 0).
    """
    _check_losses(pred_loss, true_loss)
    _check_quantile(quantile)
    values = true_loss.detach().double().cpu().numpy()
    positive = values[values > 0]
    delta = 0.0
    if positive.size >= 2 and positive.min() < positive.max():
        delta = tied_pair_threshold(positive, quantile).delta
    return weighted_margin_ranking_loss(pred_loss, true_loss, delta, margin)


OBJECTIVES = Registry("objective")
"""Ranking objective by name; each is called as ``objective(pred_loss, true_loss, margin, quantile)``."""
OBJECTIVES.register("ll")(lambda pred, true, margin, quantile=0.25: margin_ranking_loss(pred, true, margin))
OBJECTIVES.register("llpp")(lambda pred, true, margin, quantile=0.25: kl_ranking_loss(pred, true))
OBJECTIVES.register("ll_gamma")(gamma_margin_ranking_loss)
