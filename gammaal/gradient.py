"""Learning Loss and LearningLoss++ pair objectives, their gradient factors, and
the expected LearningLoss++ target φ(δ).

For a linear last layer ``lhat = θᵀw`` both objectives have gradients of the
form ``∇_w L = K (θ_i − θ_j)`` and ``∇_{θ_i} L = K w`` (paper Eq. 2 and 4);
the functions here return the scalar ``K``.  All functions broadcast like
numpy ufuncs.
"""
from __future__ import annotations

import numpy as np

from . import difference

from ._validate import (as_float_array, broadcast, check_converged, check_positive_finite, check_range,
                        is_scalar, restore, scalar_args)

#: validated shape range of expected_target (tested against mpmath at both ends; the
#: Laplace sums are free of k-sized cancellation, so φ extends beyond the probabilities;
#: beyond ~1e20 the rounding of the Laplace point's residual, ε·k, reaches ε√k·d in the exponent)
TARGET_K_MIN = 1e-8
TARGET_K_MAX = 1e20
_K_WHY = difference.K_WHY

# the kernels, bound on the first call by the one loader (:func:`gammaal.difference._load`)
_kernels = _tables = None


def _load():
    global _kernels, _tables
    _kernels = difference._load()
    _tables = difference._tables
    return _kernels

__all__ = [
    "ll_objective",
    "ll_gradient_factor",
    "llpp_objective",
    "llpp_gradient_factor",
    "expected_target",
    "expected_gradient_factor",
]


def _pair_arrays(l_i, l_j, lhat_i, lhat_j):
    names = ("l_i", "l_j", "lhat_i", "lhat_j")
    arrs = [as_float_array(v, n) for v, n in zip((l_i, l_j, lhat_i, lhat_j), names)]
    return np.broadcast_arrays(*arrs), is_scalar(l_i, l_j, lhat_i, lhat_j)


def _out(x, scalar):
    return float(x) if scalar else x


def ll_objective(l_i, l_j, lhat_i, lhat_j, margin=1.0):
    """Learning Loss margin ranking objective (paper Eq. 1).

    ``L = max(0, −sign(l_i − l_j)(lhat_i − lhat_j) + ξ)`` with ``ξ = margin``.
    Ties ``l_i = l_j`` give ``sign = 0`` as printed in the paper, so the loss
    is ``ξ`` with zero gradient.  (Yoo & Kweon's code maps ties to −1.)

    Examples
    --------
    >>> round(ll_objective(2.0, 1.0, 6.0, 3.0), 12)   # paper §4.1 example, case 1
    0.0
    >>> round(ll_objective(1.0, 2.0, 6.0, 3.0), 12)   # case 2
    4.0
    """
    (li, lj, hi, hj), scalar = _pair_arrays(l_i, l_j, lhat_i, lhat_j)
    val = np.maximum(0.0, -np.sign(li - lj) * (hi - hj) + float(margin))
    return _out(val, scalar)


def ll_gradient_factor(l_i, l_j, lhat_i, lhat_j, margin=1.0):
    """Scalar ``K`` with ``∇_w L = K(θ_i − θ_j)`` for the margin ranking loss (Eq. 2).

    ``K = −sign(l_i − l_j)`` where the hinge is active
    (``−sign(l_i − l_j)(lhat_i − lhat_j) + ξ > 0``) and ``0`` otherwise; at
    the kink itself we return 0, the subgradient torch's ``relu`` uses.

    Examples
    --------
    >>> round(ll_gradient_factor(1.0, 2.0, 6.0, 3.0), 12)
    1.0
    """
    (li, lj, hi, hj), scalar = _pair_arrays(l_i, l_j, lhat_i, lhat_j)
    s = np.sign(li - lj)
    active = (-s * (hi - hj) + float(margin)) > 0
    val = np.where(active, -s, 0.0) + 0.0
    return _out(val, scalar)


def _softmax_first(hi, hj):
    # q_i = e^{hi}/(e^{hi}+e^{hj}) = 1/(1+e^{hj-hi}), written to never overflow.
    d = hj - hi
    return np.where(d > 0, np.exp(-np.abs(d)) / (1.0 + np.exp(-np.abs(d))), 1.0 / (1.0 + np.exp(-np.abs(d))))


def llpp_objective(l_i, l_j, lhat_i, lhat_j):
    """LearningLoss++ objective KL(p‖q) (paper Eq. 3).

    ``p_i = l_i/(l_i + l_j)``, ``q_i = softmax(lhat_i, lhat_j)_1``;
    ``KL = p_i log(p_i/q_i) + p_j log(p_j/q_j)`` with ``0 log 0 = 0``.
    Requires ``l_i, l_j ≥ 0`` and ``l_i + l_j > 0``.

    Examples
    --------
    >>> round(llpp_objective(1.0, 1.0, 0.0, 0.0), 12)
    0.0
    """
    (li, lj, hi, hj), scalar = _pair_arrays(l_i, l_j, lhat_i, lhat_j)
    _check_true_losses(li, lj)
    pi = li / (li + lj)
    pj = 1.0 - pi
    d = hi - hj
    # log q_i = -log(1 + e^{-d}) computed stably; log q_j likewise with -d.
    log_qi = -np.logaddexp(0.0, -d)
    log_qj = -np.logaddexp(0.0, d)
    with np.errstate(divide="ignore", invalid="ignore"):
        ti = np.where(pi > 0, pi * (np.log(pi) - log_qi), 0.0)
        tj = np.where(pj > 0, pj * (np.log(pj) - log_qj), 0.0)
    return _out(ti + tj, scalar)


def llpp_gradient_factor(l_i, l_j, lhat_i, lhat_j):
    """Scalar ``K = q_i − p_i`` with ``∇_w KL = K(θ_i − θ_j)`` (paper Eq. 4).

    Examples
    --------
    >>> round(llpp_gradient_factor(3.0, 1.0, 0.0, 0.0), 12)
    -0.25
    """
    (li, lj, hi, hj), scalar = _pair_arrays(l_i, l_j, lhat_i, lhat_j)
    _check_true_losses(li, lj)
    val = _softmax_first(hi, hj) - li / (li + lj)
    return _out(val, scalar)


def _check_true_losses(li, lj):
    if np.any(~np.isfinite(li)) or np.any(~np.isfinite(lj)) or np.any(li < 0) or np.any(lj < 0):
        raise ValueError("l_i and l_j must be finite and >= 0 (true losses)")
    if np.any(li + lj <= 0):
        raise ValueError("l_i + l_j must be > 0: p_i = l_i/(l_i+l_j) is undefined for two zero losses")


def expected_target(delta, k, theta):
    r"""Expected LearningLoss++ target φ(δ) = E[X/(X+Y) | Y − X = δ], X, Y iid Gamma(k, θ).

    Given ``Y − X = δ`` the conditional density of ``x = 2X/δ`` is
    ∝ ``x^{k−1}(2+x)^{k−1}e^{−tx}`` (``t = δ/θ``) and ``X/(X+Y) = ½ x/(1+x)``, so

    .. math::
        φ(δ) = \tfrac12 \frac{\int_0^\infty x^{k}(2+x)^{k-1}e^{-tx}/(1+x)\,dx}
                              {\int_0^\infty x^{k-1}(2+x)^{k-1}e^{-tx}\,dx},
        \qquad t = δ/θ,

    both integrands positive, so no digits are lost to ``½ − …``
    (supplement Eq. 10–15; paper Eq. 6 and Table 2).

    Parameters
    ----------
    delta : array_like, δ ≥ 0 (δ = 0 gives exactly ½; δ = inf gives 0; NaN gives NaN)
    k : array_like, in the validated domain [TARGET_K_MIN, TARGET_K_MAX] = [1e-8, 1e20]
    theta : array_like, finite and > 0 (δ/θ below 1e-300 is handled through log δ − log θ)

    Returns
    -------
    float or ndarray in (0, ½]

    Notes
    -----
    Calls with one k and at least ``gammaal._tables.MIN_POINTS_TARGET`` points
    use a per-k Chebyshev table of log φ, built once and checked against the
    direct kernel to 5e-14 relative.


    For ``k > ½`` φ is continuous at 0.  For ``k < ½`` the limit δ → 0⁺ is
    ``½ E[x/(1+x)] < ½`` with ``x`` ∝ ``x^{k−1}(2+x)^{k−1}`` (0.24942 at
    k = 0.3): the conditional law of ``X/δ`` does not escape to infinity, so φ
    jumps at δ = 0 (where it is ½ by definition, since then X = Y).  At
    ``k = ½`` it is continuous but only like ``1/log(1/δ)``.

    Examples
    --------
    >>> round(expected_target(0.1, 4, 0.066), 6)
    0.384449
    """
    if (phi := _scalar_target(delta, k, theta)) is not None:
        return phi
    _kernels or _load()
    d = as_float_array(delta, "delta")
    kk = as_float_array(k, "k")
    th = as_float_array(theta, "theta")
    check_positive_finite(kk, "k")
    check_positive_finite(th, "theta")
    check_range(kk, "k", TARGET_K_MIN, TARGET_K_MAX, _K_WHY)
    if np.any(d < 0):
        raise ValueError(_negative_delta_message(d[d < 0].flat[0]))
    scalar = is_scalar(delta, k, theta)
    (d, kk, th), shape = broadcast(d, kk, th)
    with np.errstate(over="ignore", under="ignore"):
        t = d / th
    k0 = _tables.shared_shape(kk, t.size, _tables.MIN_POINTS_TARGET)
    table = _tables.get_table(k0, "target") if k0 is not None else None
    if table is not None:
        out = _tables.target_table_array(t, k0, *table)
    else:
        out = _kernels.expected_target_array(t, kk)
    tiny = (d > 0) & (t < _kernels.T_TINY)          # δ/θ below the normal range: work in log t
    if np.any(tiny):
        out[tiny] = _kernels.expected_target_logt_array(np.log(d[tiny]) - np.log(th[tiny]), kk[tiny])
    check_converged(out, (d, kk, th), ("delta", "k", "theta"), "expected_target")
    return restore(out, shape, scalar)


_Q_MESSAGE = "q_i must lie in [0, 1] (a softmax probability)"


def _negative_delta_message(value):
    return f"delta must be >= 0 for expected_target (allowed range 0 <= delta <= inf), got delta={float(value)!r}"


def _scalar_target(d, k, theta):
    """φ for three plain scalars from one scalar kernel, as the array path computes it (the same
    checks in the same order, the same float64 operations); None where that path must decide:
    other argument types, δ/θ below the kernels' normal range (its log-t kernel) or a NaN (its
    ArithmeticError)."""
    if (args := scalar_args(d, k, theta, TARGET_K_MIN, TARGET_K_MAX, _K_WHY)) is None:
        return None
    d, k, theta = args
    if d < 0.0:
        raise ValueError(_negative_delta_message(d))
    kernels = _kernels or _load()
    t = d / theta
    if d > 0.0 and t < kernels.T_TINY:
        return None
    phi = kernels.expected_target_scaled(t, k)
    return phi if phi == phi or d != d else None


def expected_gradient_factor(q_i, delta, k, theta):
    """Expected LearningLoss++ factor ``K = q_i − φ(δ)`` (paper Table 2, Eq. 6)."""
    if type(q_i) is float:                                  # scalar fast path, as expected_target's
        if q_i < 0 or q_i > 1:
            raise ValueError(_Q_MESSAGE)
        return q_i - expected_target(delta, k, theta)     # float - (float or array), as below
    q = as_float_array(q_i, "q_i")
    if np.any((q < 0) | (q > 1)):
        raise ValueError(_Q_MESSAGE)
    phi = expected_target(delta, k, theta)
    val = q - phi
    return float(val) if is_scalar(q_i, delta, k, theta) else val
