"""Gamma-aware Learning Loss (``ll_gamma``): LL's head, trained without the pairs the gamma law calls ties.

Selection is Learning Loss's (top-k predicted loss); the head trains with
:func:`gammaal.al.objectives.gamma_margin_ranking_loss`, which fits Gamma(k, θ)
to each batch's true losses and skips the pairs with ``|l_i − l_j| < δ_q``,
the q-quantile of ``|X − Y|`` (``RunSettings.gamma_quantile``, default 0.25).
"""
from __future__ import annotations

from .base import register_strategy
from .learning_loss import LearningLossStrategy

__all__ = ["GammaLearningLossStrategy"]


@register_strategy
class GammaLearningLossStrategy(LearningLossStrategy):
    name = "ll_gamma"
    label = "LL-γ"
    objective = "ll_gamma"
