"""Point kernels behind the numba overloads of :mod:`gammaal._overloads`: the public layer's
argument checks and scale handling, in numba, around the scalar kernels of :mod:`gammaal._kernels`.

Each point kernel mirrors the public layer: t = x/θ, and log t = log|x| − log θ where t falls
below the kernels' normal range (δ/θ may underflow to a subnormal or to 0 while δ > 0).
"""
from __future__ import annotations

import math

import numba
import numpy as np

from . import _kernels


@numba.njit(cache=True)
def check_shape_scale(k, theta, k_min, k_max):
    if not (np.isfinite(k) and k >= k_min and k <= k_max):
        raise ValueError("k must lie in the validated domain [k_min, k_max] of the Python function (see its docstring)")
    if not (np.isfinite(theta) and theta > 0):
        raise ValueError("theta must be finite and > 0 (allowed range 0 < theta < inf)")


@numba.njit(cache=True)
def _tiny(x, t):
    return x != 0.0 and abs(t) < _kernels.T_TINY


@numba.njit(cache=True)
def _probability_point(x, k, theta, upper):
    """P(|Z| > x) (upper) or P(|Z| ≤ x) at scale θ."""
    t = x / theta
    if x > 0 and _tiny(x, t):
        within, beyond = _kernels.within_beyond_logt(t, math.log(x) - math.log(theta), k)
        return beyond if upper else within
    return _kernels.beyond_scaled(t, k) if upper else _kernels.within_scaled(t, k)


@numba.njit(cache=True)
def within_point(x, k, theta):
    return _probability_point(x, k, theta, False)


@numba.njit(cache=True)
def beyond_point(x, k, theta):
    return _probability_point(x, k, theta, True)


@numba.njit(cache=True)
def pdf_point(x, k, theta):
    t = x / theta
    if _tiny(x, t):
        log_theta = math.log(theta)   # f(z)/θ in log space: the density itself may exceed 1e308 there
        return math.exp(_kernels.log_pdf_logz(math.log(abs(x)) - log_theta, k) - log_theta)
    return _kernels.pdf_scaled(t, k) / theta


@numba.njit(cache=True)
def cdf_point(x, k, theta):
    return _kernels.cdf_scaled(x / theta, k)   # F(z) = ½ ± ½P: a tiny |z| gives ½ to rounding


@numba.njit(cache=True)
def target_point(x, k, theta):
    if x < 0:
        raise ValueError("delta must be >= 0 for expected_target (allowed range 0 <= delta <= inf)")
    t = x / theta
    if _tiny(x, t):
        return _kernels.expected_target_logt(math.log(x) - math.log(theta), k)
    return _kernels.expected_target_scaled(t, k)
