"""numba ``overload``s: the public functions work inside a user's ``@numba.njit`` code.

As in numba-stats, each public name gets a jitted implementation built from the
scalar kernels of :mod:`gammaal._kernels`, for float arguments (a scalar δ, k, θ)
or a 1-D float array δ with scalar k, θ.  Bad k or θ raise ``ValueError`` as in
Python.  Importing this module registers them; ``import gammaal`` does so.
"""
from __future__ import annotations

import numba
import numpy as np
from numba import types
from numba.extending import overload

from . import _kernels
from .difference import diff_cdf, diff_pdf, prob_beyond, prob_within
from .gradient import expected_target

__all__: list[str] = []


@numba.njit(cache=True)
def check(k, theta):
    if not (np.isfinite(k) and k > 0):
        raise ValueError("k must be finite and > 0 (allowed range 0 < k < inf)")
    if not (np.isfinite(theta) and theta > 0):
        raise ValueError("theta must be finite and > 0 (allowed range 0 < theta < inf)")


def _register(public, scalar_kernel, scale_density):
    """Overload ``public(x, k, theta)`` with ``scalar_kernel(x/θ, k)`` (÷θ for a density)."""

    @overload(public, jit_options={"cache": True})
    def _impl(x, k, theta):
        if not isinstance(k, (types.Float, types.Integer)) or not isinstance(theta, (types.Float, types.Integer)):
            return None

        if isinstance(x, (types.Float, types.Integer)):
            def scalar(x, k, theta):
                check(k, theta)
                v = scalar_kernel(x / theta, float(k))
                return v / theta if scale_density else v
            return scalar
        if isinstance(x, types.Array) and x.ndim == 1:
            def array(x, k, theta):
                check(k, theta)
                out = np.empty(x.size)
                for i in range(x.size):
                    v = scalar_kernel(x[i] / theta, float(k))
                    out[i] = v / theta if scale_density else v
                return out
            return array
        return None


_register(prob_within, _kernels.within_scaled, False)
_register(prob_beyond, _kernels.beyond_scaled, False)
_register(diff_pdf, _kernels.pdf_scaled, True)
_register(diff_cdf, _kernels.cdf_scaled, False)
_register(expected_target, _kernels.expected_target_scaled, False)
