r"""Gamma-aware Learning Loss (``ll_gamma``): skip the ranking pairs whose true losses are nearly tied.

The paper's analysis (Shukla & Ahmed, CVPRW 2021) shows that Learning Loss's margin-ranking
gradient carries no information about pairs with ``l_i ≈ l_j`` — their order is noise — and the
fitted gamma law says how many there are: for iid ``X, Y ~ Gamma(k, θ)`` a fraction ``q`` of pairs
has ``|X − Y| ≤ δ_q`` where

.. math::  P(|X − Y| \le δ_q; k, θ) = q

(:func:`gammaal.prob_within`).  ``ll_gamma`` fits the gamma law to the current batch's (or
epoch's) true losses (:func:`gammaal.fit_gamma`), computes ``δ_q`` (:func:`abs_difference_quantile`,
``q`` a config value, default 0.25) and trains the loss head with the Learning Loss hinge on the
remaining pairs only (``weighting="skip"``) or with pairs down-weighted by ``min(1, |Δl|/δ_q)``
(``"linear"``).  Pairs are formed as in :mod:`pose.objectives`: ``(p, p + B//2)``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from scipy.optimize import brentq
from torch import Tensor

import gammaal
from gammaal import GammaFit
from pose.objectives import split_pairs

__all__ = [
    "abs_difference_quantile",
    "TiedPairThreshold",
    "tied_pair_threshold",
    "PAIR_WEIGHTINGS",
    "pair_weights",
    "gamma_margin_ranking_loss",
]


def _check_positive(value, name):
    if not (isinstance(value, (int, float, np.floating, np.integer)) and math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")


def abs_difference_quantile(q: float, k: float, theta: float = 1.0) -> float:
    r"""``δ_q`` with ``P(|X − Y| ≤ δ_q) = q`` for X, Y iid Gamma(k, θ).

    Brent's method on ``log(δ/θ)`` (the law is scale-free: ``δ_q = θ t_q(k)``), on
    :func:`gammaal.prob_within` for ``q ≤ ½`` and on :func:`gammaal.prob_beyond` = ``1 − q`` above
    (the small tail computed directly), bracketed by doubling around ``√(2k)``, the standard
    deviation of ``X − Y`` at θ = 1.  Relative accuracy about 1e-13 (the root-finder's tolerance
    plus that of ``prob_within``).

    Parameters
    ----------
    q : float, in (0, 1)
    k, theta : float, finite and > 0

    Examples
    --------
    >>> round(abs_difference_quantile(0.5, 1.0, 2.0), 10)   # k = 1: |X − Y| ~ Exponential(θ), δ = θ log 2
    1.3862943611
    """
    if not (isinstance(q, (int, float, np.floating)) and 0.0 < q < 1.0):
        raise ValueError(f"q must be a probability in (0, 1), got {q!r}")
    _check_positive(k, "k")
    _check_positive(theta, "theta")
    if q <= 0.5:
        def gap(u):
            return float(gammaal.prob_within(math.exp(u), k, 1.0)) - q
    else:
        def gap(u):
            return (1.0 - q) - float(gammaal.prob_beyond(math.exp(u), k, 1.0))
    centre = 0.5 * math.log(2.0 * k)
    width = 1.0
    for _ in range(12):  # widths up to 2^12 in log t: t from e^-4096 to e^4096, far past double range
        lo, hi = centre - width, centre + width
        if gap(lo) < 0 < gap(hi):
            break
        width *= 2.0
    else:  # pragma: no cover - prob_within is a CDF: 0 at t -> 0 and 1 at t -> inf
        raise ValueError(f"could not bracket the {q}-quantile of |X - Y| for k = {k}")
    u = brentq(gap, lo, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=500)
    return float(theta * math.exp(u))


@dataclass(frozen=True)
class TiedPairThreshold:
    """``δ_q`` for a batch of losses and the gamma fit it came from."""

    delta: float
    q: float
    fit: GammaFit


def tied_pair_threshold(true_losses, q: float = 0.25, integer_shape: bool = False,
                        ignore_zeros: bool = True) -> TiedPairThreshold:
    """Fit Gamma(k, θ) to ``true_losses`` (Tensor or array) and return its ``δ_q``.

    ``ignore_zeros``: leave exact zeros out of the fit (an image without any visible joint has
    true loss 0, which a gamma law cannot produce); they still form pairs in the hinge.
    Raises ``ValueError`` (from :func:`gammaal.fit_gamma`) for fewer than two usable losses,
    negative values, NaN/inf, or all-equal losses.
    """
    values = true_losses.detach().double().cpu().numpy() if isinstance(true_losses, Tensor) else true_losses
    values = np.asarray(values, dtype=np.float64).ravel()
    if ignore_zeros:
        values = values[values != 0]
    fit = gammaal.fit_gamma(values, integer_shape=integer_shape)
    return TiedPairThreshold(delta=abs_difference_quantile(q, fit.k, fit.theta), q=float(q), fit=fit)


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


def gamma_margin_ranking_loss(pred_loss: Tensor, true_loss: Tensor, delta: float, margin: float = 1.0,
                              weighting: str = "skip") -> Tensor:
    """Learning Loss hinge ``max(0, −sign(l_i − l_j)(l̂_i − l̂_j) + ξ)``, weighted mean over the pairs.

    ``Σ_p w_p h_p / Σ_p w_p`` with :func:`pair_weights`: with ``"skip"`` this is
    :func:`pose.objectives.margin_ranking_loss` restricted to the pairs that are not tied within
    δ (and equals it at δ = 0).  No weighted pair gives 0 with a ``grad_fn``.

    Examples
    --------
    >>> pred, true = torch.tensor([6.0, 0.0, 3.0, 0.0]), torch.tensor([1.0, 1.0, 2.0, 1.05])
    >>> gamma_margin_ranking_loss(pred, true, delta=0.1).item()   # pair (1.0, 1.05) is skipped
    4.0
    """
    if pred_loss.dim() != 1 or pred_loss.shape != true_loss.shape:
        raise ValueError(f"pred_loss and true_loss must both have shape (B,), got {tuple(pred_loss.shape)} "
                         f"and {tuple(true_loss.shape)}")
    weights = pair_weights(true_loss, delta, weighting).to(pred_loss.dtype)
    l_i, l_j = split_pairs(true_loss.detach())
    h_i, h_j = split_pairs(pred_loss)
    hinge = torch.relu(-torch.sign(l_i - l_j) * (h_i - h_j) + margin)
    total = weights.sum()
    if total.item() == 0:
        return pred_loss.sum() * 0.0
    return (weights * hinge).sum() / total
