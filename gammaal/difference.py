r"""Law of the difference Z = X − Y of two iid Gamma(k, θ) losses.

Everything is computed in the scale-free variable ``t = δ/θ``
(``P(δ; k, θ) = P(δ/θ; k, 1)``); see :mod:`gammaal._kernels` for the
algorithms and why each regime uses the form it does.

The density is the symmetric variance-gamma law (ν = k − ½)

.. math::
    f(z) = \frac{|z|^{ν} K_{ν}(|z|/θ)}{\sqrt{π}\,Γ(k)\,2^{ν}\,θ^{k+1/2}},
    \qquad \int_{-\infty}^{\infty} f = 1,

which we evaluate through the equivalent positive Laplace integral
``f(z) = e^{−|z|/θ} (|z|/θ)^{2k−1} D(|z|/θ) Γ(k+½) / (θ √π Γ(k) Γ(2k))`` with
``D(t) = ∫_0^∞ x^{k−1}(2+x)^{k−1}e^{−tx} dx`` (no Bessel overflow at large k).
"""
from __future__ import annotations

import numpy as np

from ._validate import (as_float_array, broadcast, check_converged, check_positive_finite, check_range,
                        is_scalar, restore, scalar_args)

__all__ = ["prob_within", "prob_beyond", "diff_pdf", "diff_cdf", "K_MIN", "K_MAX"]

#: validated shape range of every function here (tested against mpmath at both ends)
K_MIN = 1e-8
K_MAX = 1e10
K_WHY = _K_WHY = "the range validated against mpmath"

# numba and the compiled kernels cost ~3 s to load: bound on the first call (``import gammaal`` stays light)
_kernels = _tables = None


def _load():
    global _kernels, _tables
    if _kernels is None:
        from . import _kernels as kernels, _tables as tables
        _tables, _kernels = tables, kernels
    return _kernels


# The scalar fast path (a call with three plain scalars, ~0.5 µs plus the kernel): the array path's
# checks and formulas on Python floats, one scalar kernel, the same float64 operations in the same
# order, hence the same value.  Each returns None where the array path has to decide: other
# argument types, t below the kernels' normal range (its log-t kernels) or a NaN from a
# quadrature (its ArithmeticError).
def _scalar_probability(x, k, theta, upper):
    if (args := scalar_args(x, k, theta, K_MIN, K_MAX, _K_WHY)) is None:
        return None
    x, k, theta = args
    kernels = _kernels or _load()
    if x < 0.0:
        t = -1.0
    else:
        t = abs(x) / theta
        if t < kernels.T_TINY and x != 0.0:
            return None
    p = kernels.beyond_scaled(t, k) if upper else kernels.within_scaled(t, k)
    return p if p == p or x != x else None


def _scalar_pdf(x, k, theta):
    if (args := scalar_args(x, k, theta, K_MIN, K_MAX, _K_WHY)) is None:
        return None
    x, k, theta = args
    kernels = _kernels or _load()
    t = abs(x) / theta
    if t < kernels.T_TINY and x != 0.0:
        return None
    f = kernels.pdf_scaled(t, k) / theta
    return f if f == f or x != x else None


def _scalar_cdf(x, k, theta):
    if (args := scalar_args(x, k, theta, K_MIN, K_MAX, _K_WHY)) is None:
        return None
    x, k, theta = args
    kernels = _kernels or _load()
    if abs(x) / theta < kernels.T_TINY and x != 0.0:
        return None
    f = kernels.cdf_scaled(x / theta, k)
    return f if f == f or x != x else None


class _Scaled:
    """t = x/θ, plus log t where t is below the kernels' normal range (δ/θ may underflow)."""

    def __init__(self, xa, ta):
        with np.errstate(divide="ignore", over="ignore", under="ignore", invalid="ignore"):
            self.t = np.abs(xa) / ta
            self.tiny = (xa != 0) & (self.t < _kernels.T_TINY)
            self.logt = np.log(np.abs(xa[self.tiny])) - np.log(ta[self.tiny])


def _prepare(x, k, theta, xname):
    _kernels or _load()
    xa = as_float_array(x, xname)
    ka = as_float_array(k, "k")
    ta = as_float_array(theta, "theta")
    check_positive_finite(ka, "k")
    check_positive_finite(ta, "theta")
    check_range(ka, "k", K_MIN, K_MAX, _K_WHY)
    scalar = is_scalar(x, k, theta)
    (xa, ka, ta), shape = broadcast(xa, ka, ta)
    return xa, ka, ta, shape, scalar


def _probability(xa, k, ta, upper, func):
    """Direct kernels, or the cached per-k table for many points of one non-integer k."""
    sc = _Scaled(xa, ta)
    t = np.where(xa < 0, -1.0, np.where(sc.tiny, 1.0, sc.t))     # tiny t: log-t kernels below
    k0 = _tables.shared_shape(k, t.size, _tables.MIN_POINTS_PROB)
    out = None
    if k0 is not None and not _kernels.is_integer_shape(k0):
        table = _tables.get_table(k0, "prob")
        if table is not None:
            out = _tables.prob_table_array(t, k0, *table, upper)
    if out is None:
        out = _kernels.beyond_array(t, k) if upper else _kernels.within_array(t, k)
    tiny = sc.tiny & (xa > 0)
    if np.any(tiny):
        kernel = _kernels.beyond_logt_array if upper else _kernels.within_logt_array
        out[tiny] = kernel(sc.t[tiny], sc.logt[(xa > 0)[sc.tiny]], k[tiny])
    check_converged(out, (xa, k, ta), ("delta", "k", "theta"), func)
    return out


def prob_within(delta, k, theta):
    r"""P(|X − Y| ≤ δ) for X, Y iid Gamma(k, θ) (paper Eq. 5, supplement Eq. 6).

    Exact for any real shape ``k`` (the paper's closed form needs integer k).
    Integer k uses the finite Erlang mixture
    ``P = Σ_{j<k} w_j P(j+1, δ/θ)``, ``w_j = 2 C(2k−2−j, k−1) 2^{−(2k−1−j)}``;
    real k uses ``P = E_W[P(2k, δ/(θW))]`` with ``W² ~ Beta(½, k)``.

    Parameters
    ----------
    delta : array_like
        Margin δ.  δ < 0 gives 0, δ = +inf gives 1, NaN gives NaN.
    k : array_like
        Shape, in the validated domain ``[K_MIN, K_MAX] = [1e-8, 1e10]``.
    theta : array_like
        Scale, finite and > 0.  ``δ/θ`` may under- or overflow: below 1e-300 the
        kernels work from ``log δ − log θ``.

    Returns
    -------
    float or ndarray
        Broadcast over all arguments; a float when all inputs are scalars.
        Relative error < 1e-13 for values ≥ 1e-250 and < 5e-13 down to 1e-300
        (measured against mpmath in every regime; see the README).

    Raises
    ------
    ValueError
        k or θ not finite and > 0, or k outside ``[K_MIN, K_MAX]``.
    ArithmeticError
        A quadrature did not converge (none known inside the domain); never a silent number.

    Notes
    -----
    A call with one non-integer k and at least ``gammaal._tables.MIN_POINTS_PROB``
    points is served from a per-k Chebyshev table built once from the exact
    kernel and checked against it to 5e-14 relative (see :mod:`gammaal._tables`);
    other calls evaluate the kernel per point.

    Examples
    --------
    >>> round(prob_within(0.1, 4, 0.066), 4)
    0.4408
    >>> bool(np.isclose(prob_within(1.0, 1, 1.0), 1 - np.exp(-1.0), rtol=1e-15))   # Laplace, k = 1
    True
    """
    if (p := _scalar_probability(delta, k, theta, False)) is not None:
        return p
    d, k, th, shape, scalar = _prepare(delta, k, theta, "delta")
    return restore(_probability(d, k, th, False, "prob_within"), shape, scalar)


def prob_beyond(delta, k, theta):
    r"""P(|X − Y| > δ) = 1 − :func:`prob_within`, computed directly.

    Accurate in relative terms deep in the tail (down to the smallest normal
    double): the tail is the sum/integral of positive terms, never ``1 − p``.

    Parameters
    ----------
    delta, k, theta : array_like
        As in :func:`prob_within`.

    Examples
    --------
    >>> float(f"{prob_beyond(50.0, 4, 1.0):.6e}")   # 2 e^{-50} Σ t^m/m! c_m
    5.995117e-19
    """
    if (p := _scalar_probability(delta, k, theta, True)) is not None:
        return p
    d, k, th, shape, scalar = _prepare(delta, k, theta, "delta")
    return restore(_probability(d, k, th, True, "prob_beyond"), shape, scalar)


def diff_pdf(z, k, theta):
    r"""Density of Z = X − Y (symmetric variance-gamma law; see module docstring).

    ``f(0) = Γ(k−½)/(2θ√π Γ(k))`` for k > ½ and ``+inf`` for k ≤ ½.

    Examples
    --------
    >>> bool(np.isclose(diff_pdf(0.3, 1, 1.0), 0.5 * np.exp(-0.3)))   # Laplace for k = 1
    True
    """
    if (f := _scalar_pdf(z, k, theta)) is not None:
        return f
    za, k, th, shape, scalar = _prepare(z, k, theta, "z")
    sc = _Scaled(za, th)
    t = np.where(sc.tiny, 1.0, sc.t)                              # tiny t: log-t kernel below
    out = _kernels.pdf_array(t, k) / th
    if np.any(sc.tiny):
        # f(t)/θ from logs: f(t) alone may overflow (k < ½) where f(t)/θ does not
        out[sc.tiny] = np.exp(_kernels.log_pdf_logz_array(sc.logt, k[sc.tiny]) - np.log(th[sc.tiny]))
    check_converged(out, (za, k, th), ("z", "k", "theta"), "diff_pdf")
    return restore(out, shape, scalar)


def diff_cdf(z, k, theta):
    r"""CDF of Z = X − Y: ``F(z) = ½ P(|Z| > |z|)`` for z < 0, ``1 − ½ P(|Z| > z)`` for z ≥ 0.

    The left tail keeps relative accuracy; ``F(z) + F(−z) = 1``.

    Examples
    --------
    >>> round(diff_cdf(0.0, 4, 0.066), 12)
    0.5
    """
    if (f := _scalar_cdf(z, k, theta)) is not None:
        return f
    za, k, th, shape, scalar = _prepare(z, k, theta, "z")
    with np.errstate(over="ignore", under="ignore"):
        out = _kernels.cdf_array(za / th, k)
    sc = _Scaled(za, th)
    if np.any(sc.tiny):
        # ½ P(|Z| > |t|) for z < 0, 1 − ½ P(|Z| > t) for z > 0, t below the normal range
        half_tail = 0.5 * _kernels.beyond_logt_array(sc.t[sc.tiny], sc.logt, k[sc.tiny])
        out[sc.tiny] = np.where(za[sc.tiny] < 0, half_tail, 1.0 - half_tail)
    check_converged(out, (za, k, th), ("z", "k", "theta"), "diff_cdf")
    return restore(out, shape, scalar)
