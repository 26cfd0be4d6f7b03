"""Input checking at the public edge; kernels downstream never validate.

Every public function calls :func:`as_float_array` on each argument and
:func:`check_shape_scale` on ``k`` and ``theta``, then hands clean float64
arrays to the numba kernels.  The result is converted back with
:func:`restore` so that a Python float in gives a Python float out.
"""
from __future__ import annotations

import numbers

import numpy as np

__all__ = ["as_float_array", "check_positive_finite", "check_range", "check_converged", "broadcast", "restore"]


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
        first = arr[bad].flat[0]
        raise ValueError(f"{name} must be finite and > 0 (allowed range 0 < {name} < inf), got {name}={float(first)!r}")


def check_range(arr, name, lo, hi, why):
    """Raise ``ValueError`` unless every element of ``arr`` lies in [lo, hi] (the validated domain)."""
    bad = (arr < lo) | (arr > hi)
    if np.any(bad):
        first = arr[bad].flat[0]
        raise ValueError(f"{name} must lie in [{lo:g}, {hi:g}] ({why}), got {name}={float(first)!r}")


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
        b = np.broadcast_arrays(*arrays)
    except ValueError as exc:
        raise ValueError(f"arguments could not be broadcast together: {exc}") from None
    shape = b[0].shape
    return [np.ascontiguousarray(x, dtype=np.float64).ravel() for x in b], shape


def restore(flat, shape, scalar):
    """Reshape a flat kernel result; unwrap to a Python float for scalar input."""
    out = flat.reshape(shape)
    if scalar:
        return float(out)
    return out


def is_scalar(*values):
    return all(np.ndim(v) == 0 for v in values)
