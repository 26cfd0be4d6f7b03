"""The scale θ behind the paper's printed digits: solve, rounding intervals, least squares."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from ..difference import prob_within
from ..gradient import expected_target
from .printed import PAPER_K, TABLE1_DECIMALS, TABLE1_DELTAS, TABLE1_PRINTED

__all__ = ["QUANTITIES", "solve_theta", "rounding_theta_interval", "least_squares_theta", "paper_theta"]


@dataclass(frozen=True)
class Quantity:
    """A tabulated quantity of (δ, k, θ), monotone in t = δ/θ, with values in (0, ``upper``)."""

    function: object
    upper: float


#: the quantities a printed entry can be solved for, by name
QUANTITIES = {"prob_within": Quantity(prob_within, 1.0), "expected_target": Quantity(expected_target, 0.5)}


def _quantity(name):
    try:
        return QUANTITIES[name]
    except KeyError:
        raise ValueError(f"quantity must be one of {sorted(QUANTITIES)}, got {name!r}") from None


def solve_theta(delta, target, k=PAPER_K, quantity="prob_within"):
    """Scale θ at which ``quantity(delta, k, θ)`` equals ``target``.

    Both quantities depend on δ and θ only through t = δ/θ and are monotone
    in t (P(|X−Y| ≤ δ) rises from 0 to 1, φ(δ) falls from ½ to 0), so the root
    is unique and :func:`scipy.optimize.brentq` finds it once bracketed.

    Parameters
    ----------
    delta : float, > 0
    target : float, in (0, 1) for ``prob_within`` and in (0, ½) for ``expected_target``
    k : float, > 0
    quantity : {"prob_within", "expected_target"}

    Returns
    -------
    float
        θ > 0 (relative tolerance 1e-13).

    Raises
    ------
    ValueError
        If the target is outside the range the quantity can reach.

    Examples
    --------
    >>> round(solve_theta(0.02, 0.094), 5)                      # doctest: +SKIP
    0.06629
    """
    fn = _quantity(quantity).function
    delta = float(delta)
    target = float(target)
    if not delta > 0:
        raise ValueError(f"delta must be > 0 to solve for theta, got {delta!r}")
    upper = _quantity(quantity).upper
    if not 0 < target < upper:
        raise ValueError(f"target must lie in (0, {upper}) for {quantity}, got {target!r}")

    def residual(log_theta):
        # Solving in log θ keeps the bracket expansion symmetric and the
        # tolerance relative.
        return fn(delta, k, math.exp(log_theta)) - target

    lo, hi = math.log(delta / 4), math.log(delta * 4)
    f_lo, f_hi = residual(lo), residual(hi)
    for _ in range(40):
        if f_lo * f_hi <= 0:
            break
        lo -= 1.0
        hi += 1.0
        f_lo, f_hi = residual(lo), residual(hi)
    else:
        raise ValueError(f"no theta gives {quantity}({delta}, {k}, theta) = {target}")
    root = optimize.brentq(residual, lo, hi, xtol=1e-14, rtol=1e-14, maxiter=200)
    return math.exp(root)


def rounding_theta_interval(delta, printed, decimals, k=PAPER_K, quantity="prob_within"):
    """θ interval on which ``quantity`` rounds to the printed value.

    A value printed with ``decimals`` digits only says the true value lies in
    ``printed ± ½·10^-decimals``; the two ends map to two θ.

    Returns
    -------
    tuple of float
        ``(theta_low, theta_high)`` with ``theta_low < theta_high``.
    """
    half = 0.5 * 10.0 ** (-decimals)
    a = solve_theta(delta, printed - half, k, quantity)
    b = solve_theta(delta, printed + half, k, quantity)
    return (min(a, b), max(a, b))


def least_squares_theta(deltas, printed, k=PAPER_K, quantity="prob_within"):
    """One θ minimising Σ (quantity(δ_i, k, θ) − printed_i)² over a row.

    Parameters
    ----------
    deltas, printed : sequence of float, same length, δ > 0

    Returns
    -------
    float
    """
    fn = _quantity(quantity).function
    d = np.asarray(deltas, dtype=float)
    p = np.asarray(printed, dtype=float)
    per_column = [solve_theta(di, pi, k, quantity) for di, pi in zip(d, p)]
    # The least-squares θ lies between the smallest and largest per-column
    # solutions (the residuals all change sign inside that range).
    lo, hi = min(per_column) * 0.9, max(per_column) * 1.1

    def sum_of_squares(theta):
        return float(np.sum((np.asarray(fn(d, k, theta)) - p) ** 2))

    res = optimize.minimize_scalar(sum_of_squares, bounds=(lo, hi), method="bounded",
                                   options={"xatol": 1e-12})
    return float(res.x)


def _theta_star(interval, least_squares):
    # The middle of the interval on which every printed digit comes out; the
    # least-squares θ when no single θ does.
    return 0.5 * (interval[0] + interval[1]) if interval else least_squares


def paper_theta(k=PAPER_K):
    """The θ the paper's tables were evidently computed with.

    The middle of the θ interval on which P(|X − Y| ≤ δ; k, θ) rounds to every
    printed entry of Table 1 (or the least-squares θ if no θ does).  For
    k = 4 this is ≈ 0.06663, not the 0.066 printed in the paper.

    Returns
    -------
    float
    """
    interval = _intersect([rounding_theta_interval(d, p, TABLE1_DECIMALS, k)
                           for d, p in zip(TABLE1_DELTAS, TABLE1_PRINTED)])
    ls = None if interval else least_squares_theta(TABLE1_DELTAS, TABLE1_PRINTED, k)
    return _theta_star(interval, ls)


def _intersect(intervals):
    lo = max(a for a, _ in intervals)
    hi = min(b for _, b in intervals)
    return (lo, hi) if lo <= hi else None
