"""numba ``overload``s: the public functions work inside a user's ``@numba.njit`` code.

As in numba-stats, each public name gets a jitted implementation built from the
scalar kernels of :mod:`gammaal._kernels`, for float arguments (a scalar δ, k, θ)
or a 1-D float array δ with scalar k, θ.  Bad k or θ (including k outside the Python
function's validated domain) raise ``ValueError`` as in Python; δ/θ below 1e-300 takes the
same log-t path as the Python functions.  Importing this module registers them; ``import gammaal`` does so.
"""
from __future__ import annotations

import math

import numba
import numpy as np
from numba import types
from numba.extending import overload

from . import _kernels
from .difference import K_MAX, K_MIN, diff_cdf, diff_pdf, prob_beyond, prob_within
from .gradient import TARGET_K_MAX, TARGET_K_MIN, expected_target

__all__: list[str] = []


@numba.njit(cache=True)
def _check(k, theta, k_min, k_max):
    if not (np.isfinite(k) and k >= k_min and k <= k_max):
        raise ValueError("k must lie in the validated domain [k_min, k_max] of the Python function (see its docstring)")
    if not (np.isfinite(theta) and theta > 0):
        raise ValueError("theta must be finite and > 0 (allowed range 0 < theta < inf)")


# Each point kernel mirrors the public layer: t = x/θ, and log t = log|x| − log θ where t falls below
# the kernels' normal range (δ/θ may underflow to a subnormal or to 0 while δ > 0).
@numba.njit(cache=True)
def _tiny(x, t):
    return x != 0.0 and abs(t) < _kernels.T_TINY


@numba.njit(cache=True)
def _within_point(x, k, theta):
    t = x / theta
    if x > 0 and _tiny(x, t):
        return _kernels.within_beyond_logt(t, math.log(x) - math.log(theta), k)[0]
    return _kernels.within_scaled(t, k)


@numba.njit(cache=True)
def _beyond_point(x, k, theta):
    t = x / theta
    if x > 0 and _tiny(x, t):
        return _kernels.within_beyond_logt(t, math.log(x) - math.log(theta), k)[1]
    return _kernels.beyond_scaled(t, k)


@numba.njit(cache=True)
def _pdf_point(x, k, theta):
    t = x / theta
    if _tiny(x, t):
        log_theta = math.log(theta)   # f(z)/θ in log space: the density itself may exceed 1e308 there
        return math.exp(_kernels.log_pdf_logz(math.log(abs(x)) - log_theta, k) - log_theta)
    return _kernels.pdf_scaled(t, k) / theta


@numba.njit(cache=True)
def _cdf_point(x, k, theta):
    return _kernels.cdf_scaled(x / theta, k)   # F(z) = ½ ± ½P: a tiny |z| gives ½ to rounding


@numba.njit(cache=True)
def _target_point(x, k, theta):
    if x < 0:
        raise ValueError("delta must be >= 0 for expected_target (allowed range 0 <= delta <= inf)")
    t = x / theta
    if _tiny(x, t):
        return _kernels.expected_target_logt(math.log(x) - math.log(theta), k)
    return _kernels.expected_target_scaled(t, k)


def _register(public, point, k_min, k_max):
    """Overload ``public(x, k, theta)`` with ``point(x, k, θ)`` for scalar or 1-D array ``x``."""

    @overload(public, jit_options={"cache": True})
    def _impl(x, k, theta):
        if not isinstance(k, (types.Float, types.Integer)) or not isinstance(theta, (types.Float, types.Integer)):
            return None

        if isinstance(x, (types.Float, types.Integer)):
            def scalar(x, k, theta):
                _check(k, theta, k_min, k_max)
                return point(float(x), float(k), float(theta))
            return scalar
        if isinstance(x, types.Array) and x.ndim == 1:
            def array(x, k, theta):
                _check(k, theta, k_min, k_max)
                out = np.empty(x.size)
                for i in range(x.size):
                    out[i] = point(float(x[i]), float(k), float(theta))
                return out
            return array
        return None


_register(prob_within, _within_point, K_MIN, K_MAX)
_register(prob_beyond, _beyond_point, K_MIN, K_MAX)
_register(diff_pdf, _pdf_point, K_MIN, K_MAX)
_register(diff_cdf, _cdf_point, K_MIN, K_MAX)
_register(expected_target, _target_point, TARGET_K_MIN, TARGET_K_MAX)
