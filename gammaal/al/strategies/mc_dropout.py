r"""MC-dropout variance (Gal & Ghahramani, ICML 2016): the Bayesian-approximation baseline for regression.

Scoring runs ``mc_passes`` forward passes with the model's dropout layers active
(everything else, BatchNorm included, in eval mode) and decodes each
(:meth:`gammaal.al.Task.decode`); the score of a candidate is the mean over the
decoded output's entries of their sample variance across the passes,

.. math::  \operatorname{mean}_d \frac{1}{T-1} \sum_t (y_{td} - \bar y_d)^2 ;

select the highest. The model needs dropout: a model that defines
``add_mc_dropout(p)`` (e.g. the pose backbone adapters, which add it before the
final 1×1 convolutions) gets it on the strategy's own network; any other model
must contain ``nn.Dropout`` layers itself (scoring refuses one without). The
shared base model of cycle 0 is trained without the added dropout.
"""
from __future__ import annotations

import numpy as np
from torch import nn

from .base import Scores, ScoreStrategy, register_strategy

__all__ = ["mc_dropout_variance", "MCDropoutStrategy"]


def mc_dropout_variance(samples) -> np.ndarray:
    """Per-candidate mean over output entries of the sample variance (ddof 1) over passes.

    Parameters
    ----------
    samples : array_like (T, N, ...), T >= 2, finite

    Returns
    -------
    ndarray (N,)

    Examples
    --------
    >>> mc_dropout_variance([[[0.0, 1.0], [2.0, 2.0]], [[2.0, 1.0], [2.0, 2.0]]]).tolist()
    [1.0, 0.0]
    """
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim < 2 or x.shape[0] < 2:
        raise ValueError(f"samples must have shape (T, N, ...) with T >= 2 passes, got {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("samples contain NaN or infinite values")
    return x.var(axis=0, ddof=1).reshape(x.shape[1], -1).mean(axis=1)


@register_strategy
class MCDropoutStrategy(ScoreStrategy):
    name = "mc_dropout"
    label = "MC-dropout"
    needs = frozenset({"mc_samples"})
    dropout = 0.25  # p of the dropout a model's add_mc_dropout(p) inserts

    def adapt_model(self, model):
        add = getattr(model, "add_mc_dropout", None)
        if callable(add):
            add(self.dropout)
        if not any(isinstance(m, nn.modules.dropout._DropoutNd) for m in model.modules()):
            raise ValueError("mc_samples: strategy 'mc_dropout' needs dropout, but the model has no dropout layer "
                             "(nn.Dropout, ...) and no add_mc_dropout(p) method")
        return model

    def score(self, scores: Scores) -> np.ndarray:
        return mc_dropout_variance(scores.mc_samples)
