"""Monte Carlo estimators with standard errors, independent of the analytic kernels.

They exist to check the exact functions (agreement within a few standard
errors) and to show what brute force costs; they use only numpy's gamma
sampler and scipy's gamma density.
"""
from __future__ import annotations

import numpy as np
from scipy import stats

from ._validate import as_float_array, check_positive_finite

__all__ = ["mc_prob_within", "mc_expected_target"]


def _check_common(k, theta, n):
    for name, v in (("k", k), ("theta", theta)):
        arr = as_float_array(v, name)
        if arr.ndim != 0:
            raise ValueError(f"{name} must be a scalar for the Monte Carlo estimators")
        check_positive_finite(arr, name)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an integer >= 2, got {n!r}")
    return float(k), float(theta), int(n)


def mc_prob_within(delta, k, theta, n=10**6, seed=0):
    """Monte Carlo estimate of P(|X − Y| ≤ δ) with its standard error.

    Draws ``n`` pairs X, Y ~ Gamma(k, θ); the same pairs serve every δ, so
    estimates for an array of δ are coupled (monotone in δ).

    Parameters
    ----------
    delta : float or array_like
    k, theta : float, > 0
    n : int
        Number of pairs.
    seed : int or numpy.random.Generator

    Returns
    -------
    (estimate, standard_error)
        Floats for scalar δ, arrays otherwise; ``se = sqrt(p(1−p)/n)``.

    Examples
    --------
    >>> p, se = mc_prob_within(0.1, 4, 0.066, n=100_000, seed=1)
    >>> abs(p - 0.4408) < 4 * se
    True
    """
    k, theta, n = _check_common(k, theta, n)
    d = as_float_array(delta, "delta")
    rng = np.random.default_rng(seed)
    z = np.sort(np.abs(rng.gamma(k, theta, n) - rng.gamma(k, theta, n)))
    # counting through the sorted sample is O(n log n) for any number of δ
    p = np.searchsorted(z, d.ravel(), side="right").reshape(d.shape) / n
    se = np.sqrt(p * (1.0 - p) / n)
    if d.ndim == 0:
        return float(p), float(se)
    return p, se


def mc_expected_target(delta, k, theta, n=10**6, seed=0):
    """Self-normalised importance-sampling estimate of φ(δ) = E[X/(X+Y) | Y − X = δ].

    Draw X ~ Gamma(k, θ), set Y = X + δ and weight each draw by the gamma
    density f(X + δ); then ``φ ≈ Σ w h / Σ w`` with ``h = X/(2X + δ)`` and the
    delta-method standard error ``sqrt(Σ w² (h − φ̂)²) / Σ w``.

    Parameters
    ----------
    delta : float or array_like, δ ≥ 0
    k, theta : float, > 0
    n : int
    seed : int or numpy.random.Generator

    Returns
    -------
    (estimate, standard_error)

    Examples
    --------
    >>> phi, se = mc_expected_target(0.0, 4, 0.066, n=1000)
    >>> round(phi, 12), round(se, 12)   # at δ = 0, X/(X+Y) averages to ½ by symmetry; se ≈ 0
    (0.5, 0.0)
    """
    k, theta, n = _check_common(k, theta, n)
    d = as_float_array(delta, "delta")
    if np.any(d < 0) or np.any(np.isnan(d)):
        raise ValueError("delta must be >= 0 for mc_expected_target")
    rng = np.random.default_rng(seed)
    x = rng.gamma(k, theta, n)
    est = np.empty(d.size)
    se = np.empty(d.size)
    for i, di in enumerate(d.ravel()):
        # log-weights, shifted by their max, so large δ/θ does not underflow every weight
        logw = stats.gamma.logpdf(x + di, k, scale=theta)
        w = np.exp(logw - logw.max())
        h = x / (2.0 * x + di) if di > 0 else np.full(n, 0.5)
        sw = w.sum()
        est[i] = np.dot(w, h) / sw
        se[i] = np.sqrt(np.dot(w * w, (h - est[i]) ** 2)) / sw
    if d.ndim == 0:
        return float(est[0]), float(se[0])
    return est.reshape(d.shape), se.reshape(d.shape)
