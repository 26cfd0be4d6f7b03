"""Input checking at the public edge; kernels downstream never validate.

Every public function calls :func:`as_float_array` on each argument,
:func:`check_positive_finite` on ``k`` and ``theta`` and :func:`check_range` on ``k``,
then hands clean float64 arrays to the numba kernels.  The result is converted back
with :func:`restore` so that a Python float in gives a Python float out.

Calls whose arguments are all plain scalars take a fast path instead
(:func:`scalar_args`): the same checks with plain float comparisons and the same
messages, then one scalar kernel, no arrays.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["as_float_array", "check_positive_finite", "check_range", "check_converged", "broadcast", "restore",
           "scalar_args"]

#: exact types the scalar fast path takes (any other input, 0-d arrays included, goes through arrays);
#: each converts to the same float64 with float() as with ndarray.astype(float64)
_SCALAR_TYPES = frozenset({float, int, bool, np.float64, np.float32, np.float16,
                           np.int64, np.int32, np.int16, np.int8, np.uint64, np.uint32, np.uint16, np.uint8})
_INT64_RANGE = (-(2**63), 2**63)      # np.asarray of a larger Python int is an object array (a TypeError)


def as_float_array(value, name):
    """Return ``value`` as a float64 array, or raise ``TypeError`` naming ``name``.

    Strings, ``None``, complex numbers and object arrays are rejected: they
    are programming errors, not values outside a domain.
    """
    if value is None or isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be a real number or an array of real numbers, got {value!r}")
    if isinstance(value, numbers.Number) and not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be real, got {value!r}")
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a real number or an array of real numbers, got dtype {arr.dtype}")
    return arr.astype(np.float64, copy=False)


def check_positive_finite(arr, name):
    """Raise ``ValueError`` unless every element of ``arr`` is finite and > 0."""
    bad = ~(np.isfinite(arr) & (arr > 0))
    if np.any(bad):
        raise ValueError(_positive_finite_message(name, arr[bad].flat[0]))


def _positive_finite_message(name, value):
    return f"{name} must be finite and > 0 (allowed range 0 < {name} < inf), got {name}={float(value)!r}"


def _range_message(name, lo, hi, why, value):
    return f"{name} must lie in [{lo:g}, {hi:g}] ({why}), got {name}={float(value)!r}"


def check_range(arr, name, lo, hi, why):
    """Raise ``ValueError`` unless every element of ``arr`` lies in [lo, hi] (the validated domain)."""
    bad = (arr < lo) | (arr > hi)
    if np.any(bad):
        raise ValueError(_range_message(name, lo, hi, why, arr[bad].flat[0]))


def check_converged(out, inputs, names, func):
    """Raise ``ArithmeticError`` naming the first point where a kernel returned NaN for
    non-NaN inputs (a quadrature that did not converge): never a silent wrong number."""
    bad = np.isnan(out)
    for a in inputs:
        bad &= ~np.isnan(a)
    if np.any(bad):
        i = int(np.flatnonzero(bad)[0])
        where = ", ".join(f"{n}={float(a[i])!r}" for n, a in zip(names, inputs))
        raise ArithmeticError(f"{func}: the quadrature did not converge at {where}; please report this point")


def broadcast(*arrays):
    """Broadcast arrays to one shape and return flat contiguous copies plus the shape."""
    try:
        shape = np.broadcast_shapes(*[np.shape(x) for x in arrays])
    except ValueError as exc:
        raise ValueError(f"arguments could not be broadcast together: {exc}") from None
    # an argument of another shape is copied out of its (read-only) broadcast view: the kernels'
    # loops then see ordinary writeable arrays (numba would compile read-only variants)
    return [np.ascontiguousarray(x, dtype=np.float64).ravel() if np.shape(x) == shape
            else np.broadcast_to(x, shape).astype(np.float64).ravel() for x in arrays], shape


def restore(flat, shape, scalar):
    """Reshape a flat kernel result; unwrap to a Python float for scalar input."""
    out = flat.reshape(shape)
    if scalar:
        return float(out)
    return out


def is_scalar(*values):
    return all(np.ndim(v) == 0 for v in values)


def scalar_args(x, k, theta, k_min, k_max, why):
    """``(x, k, θ)`` as Python floats, k and θ checked as :func:`check_positive_finite` and
    :func:`check_range` check them (same order, same messages), when all three are plain real
    scalars; ``None`` otherwise.

    ``None`` sends the call down the array path, which also raises the ``TypeError`` for
    strings, complex numbers and the like.
    """
    if type(x) is float and type(k) is float and type(theta) is float:
        pass
    elif (type(x) in _SCALAR_TYPES and type(k) in _SCALAR_TYPES and type(theta) in _SCALAR_TYPES
            and _fits_int64(x) and _fits_int64(k) and _fits_int64(theta)):
        x, k, theta = float(x), float(k), float(theta)
    else:
        return None
    if not 0.0 < k < math.inf:          # also false for NaN
        raise ValueError(_positive_finite_message("k", k))
    if not 0.0 < theta < math.inf:
        raise ValueError(_positive_finite_message("theta", theta))
    if not k_min <= k <= k_max:
        raise ValueError(_range_message("k", k_min, k_max, why, k))
    return x, k, theta


def _fits_int64(v):
    return type(v) is not int or _INT64_RANGE[0] <= v < _INT64_RANGE[1]
