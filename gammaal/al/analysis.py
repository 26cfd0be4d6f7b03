"""What a cycle measures about losses: the fitted gamma law with near-tie fractions, and loss correlations."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats

from ..difference import prob_within
from ..fitting import empirical_pair_fraction, fit_gamma
from ..gradient import expected_target
from .records import Correlations, GammaAnalysis, GammaDelta

__all__ = ["gamma_analysis", "loss_correlations", "ties_at_cutoff"]


def gamma_analysis(losses, deltas_over_mean: Sequence[float]) -> GammaAnalysis:
    """Fit Gamma(k, θ) to per-sample losses and tabulate near-tie statistics (paper §4.1, Tables 1-2).

    Parameters
    ----------
    losses : array_like (N,)
        Per-sample losses; non-finite and non-positive values are excluded from the fit and counted.
    deltas_over_mean : sequence of float, > 0
        Margins δ in units of the fitted mean loss kθ (a near-tie is relative
        to the loss scale; δ/θ alone would mean different things for different k).

    Returns
    -------
    GammaAnalysis
        Per δ: :func:`gammaal.prob_within` under the fit, the exact empirical
        pair fraction (:func:`gammaal.empirical_pair_fraction`) and
        φ(δ) (:func:`gammaal.expected_target`). With fewer than two positive
        losses only ``n`` and ``n_excluded`` are set; when :func:`gammaal.fit_gamma`
        refuses the data (spread below rounding) ``fit_error`` says why.

    Examples
    --------
    >>> g = gamma_analysis(np.random.default_rng(0).gamma(4.0, 0.066, 2000), [0.1])
    >>> round(g.k), abs(g.deltas[0].prob_within - g.deltas[0].empirical) < 0.02
    (4, True)
    """
    values = np.asarray(losses, dtype=np.float64).ravel()
    if any(not np.isfinite(d) or d <= 0 for d in deltas_over_mean):
        raise ValueError(f"deltas_over_mean must be finite and > 0, got {list(deltas_over_mean)}")
    positive = values[np.isfinite(values) & (values > 0)]
    result = GammaAnalysis(n=int(positive.size), n_excluded=int(values.size - positive.size))
    if positive.size < 2:
        return result
    try:
        fit = fit_gamma(positive, ks=True)
    except ValueError as err:  # spread below rounding: no gamma law to fit; the record says why
        result.fit_error = str(err)
        return result
    k, theta = float(fit.k), float(fit.theta)
    for ratio in deltas_over_mean:
        delta = float(ratio) * k * theta
        result.deltas.append(GammaDelta(
            delta_over_mean=float(ratio), delta=delta, prob_within=float(prob_within(delta, k, theta)),
            empirical=float(empirical_pair_fraction(positive, delta)), phi=float(expected_target(delta, k, theta))))
    result.k, result.theta, result.mean, result.loglik = k, theta, k * theta, float(fit.loglik)
    result.ks_statistic, result.ks_pvalue = float(fit.ks_statistic), float(fit.ks_pvalue)
    return result


def loss_correlations(predicted, true) -> Correlations | None:
    """Pearson, Spearman and Kendall correlation of predicted vs true loss (None if undefined).

    Examples
    --------
    >>> round(loss_correlations([1.0, 2.0, 3.0, 4.0], [1.0, 3.0, 2.0, 4.0]).spearman, 6)
    0.8
    """
    if predicted is None:
        return None
    predicted, true = np.asarray(predicted, np.float64), np.asarray(true, np.float64)
    if predicted.size < 3 or np.ptp(predicted) == 0 or np.ptp(true) == 0:
        return None
    return Correlations(pearson=float(stats.pearsonr(predicted, true).statistic),
                        spearman=float(stats.spearmanr(predicted, true).statistic),
                        kendall=float(stats.kendalltau(predicted, true).statistic))


def ties_at_cutoff(predicted, k: int, rtol: float = 1e-6) -> tuple[int, int]:
    """How many of ``predicted`` lie within a relative ``rtol`` of the k-th largest, and how many of those are
    among the top k (the engine's ``top_k`` order: stable, ties to the lower position). More than one means the
    selection was partly made among ties, by position, not by predicted loss.

    >>> ties_at_cutoff(np.array([0.9, 0.5, 0.5, 0.5, 0.1]), 2)
    (3, 1)
    """
    predicted = np.asarray(predicted, dtype=np.float64)
    order = np.argsort(-predicted, kind="stable")
    cut = predicted[order[k - 1]]
    tied = np.abs(predicted - cut) <= rtol * abs(cut)
    return int(tied.sum()), int(tied[order[:k]].sum())
