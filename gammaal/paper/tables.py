"""Paper Tables 1–2: printed, exact, Monte Carlo, the θ behind the digits, and their cells and notes."""
from __future__ import annotations

import math

import numpy as np

from ..difference import prob_within
from ..gradient import expected_target
from ..montecarlo import mc_expected_target, mc_prob_within
from .printed import (LL_EXPLANATION, PAPER_K, PAPER_THETA, TABLE1_DECIMALS, TABLE1_DELTAS, TABLE1_PRINTED,
                      TABLE2_DECIMALS, TABLE2_DELTAS, TABLE2_PRINTED)
from .theta import _intersect, _theta_star, least_squares_theta, paper_theta, rounding_theta_interval, solve_theta

__all__ = ["MC_SAMPLES", "QUICK_MC_SAMPLES", "table1", "table2"]

MC_SAMPLES = 10**6
QUICK_MC_SAMPLES = 10**5


def _z_score(estimate, se, exact):
    # A zero-variance estimator (φ at δ = 0: every draw gives exactly ½) has an
    # SE made of rounding noise; agreement to rounding is agreement.
    if abs(estimate - exact) <= 1e-12 * abs(exact):
        return 0.0
    if se > 0:
        return (estimate - exact) / se
    return 0.0 if estimate == exact else math.inf


def _table(k, theta, mc_samples, seed, rows, interval, theta_star, **extra):
    """The record both tables return: inputs, rows, the θ interval behind the digits, θ*, then ``extra``."""
    return {"k": k, "theta": theta, "mc_samples": int(mc_samples), "seed": seed, "rows": rows,
            "theta_rounding_interval": list(interval) if interval else None, "paper_theta": theta_star, **extra}


def table1(k=PAPER_K, theta=PAPER_THETA, mc_samples=MC_SAMPLES, seed=0):
    """Table 1: P(|X − Y| ≤ δ) printed, exact, Monte Carlo, and the θ behind it.

    Parameters
    ----------
    k, theta : float, > 0
        The loss distribution (paper: 4 and 0.066).
    mc_samples : int
        Pairs drawn per δ; the same seed is used for every δ (common random
        numbers), so the Monte Carlo row is as smooth as the exact one.
    seed : int

    Returns
    -------
    dict
        ``rows`` (one dict per δ: ``delta, paper, exact, mc, mc_se, mc_z,
        theta_reproducing, theta_round_low, theta_round_high,
        exact_at_paper_theta``), ``theta_least_squares``,
        ``theta_rounding_interval`` (θ range on which every printed digit is
        reproduced, or None), ``paper_theta`` (see :func:`paper_theta`) and
        the inputs.
    """
    rows = []
    for delta, printed in zip(TABLE1_DELTAS, TABLE1_PRINTED):
        exact = float(prob_within(delta, k, theta))
        mc, se = mc_prob_within(delta, k, theta, n=mc_samples, seed=seed)
        lo, hi = rounding_theta_interval(delta, printed, TABLE1_DECIMALS, k)
        rows.append({
            "delta": delta,
            "paper": printed,
            "exact": exact,
            "mc": float(mc),
            "mc_se": float(se),
            "mc_z": _z_score(float(mc), float(se), exact),
            "theta_reproducing": solve_theta(delta, printed, k),
            "theta_round_low": lo,
            "theta_round_high": hi,
        })
    interval = _intersect([(r["theta_round_low"], r["theta_round_high"]) for r in rows])
    least_squares = least_squares_theta(TABLE1_DELTAS, TABLE1_PRINTED, k)
    theta_star = _theta_star(interval, least_squares)
    at_star = prob_within(np.array(TABLE1_DELTAS), k, theta_star)
    for row, value in zip(rows, at_star):
        row["exact_at_paper_theta"] = float(value)
    return _table(k, theta, mc_samples, seed, rows, interval, theta_star, theta_least_squares=least_squares)


def table2(k=PAPER_K, theta=PAPER_THETA, mc_samples=MC_SAMPLES, seed=0, paper_theta_value=None):
    """Table 2: expected gradient factor K in E[∇_w L] = K (θ_i − θ_j).

    For LearningLoss++ K = q_i − φ(δ) with φ(δ) = E[X/(X+Y) | Y − X = δ]
    (paper Eq. 6, supplement Eq. 13); for Learning Loss K is the constant c1
    (see :data:`LL_EXPLANATION`).

    Parameters
    ----------
    k, theta : float, > 0
    mc_samples : int
        Importance-sampling draws per δ.
    seed : int
    paper_theta_value : float or None
        θ for the ``phi_at_paper_theta`` column; None computes
        :func:`paper_theta` (from Table 1).

    Returns
    -------
    dict
        ``rows`` (one dict per δ: ``delta, phi_exact, phi_mc, phi_mc_se, mc_z,
        paper`` (float or None when unreadable), ``llpp_exact`` and
        ``llpp_paper`` (the entries as text), ``ll``, ``theta_round_low`` and
        ``theta_round_high`` (None where nothing constrains θ),
        ``phi_at_paper_theta``), ``theta_rounding_interval``, ``paper_theta``,
        ``ll_explanation`` and the inputs.
    """
    theta_star = paper_theta(k) if paper_theta_value is None else float(paper_theta_value)
    rows = []
    for delta, printed in zip(TABLE2_DELTAS, TABLE2_PRINTED):
        phi = float(expected_target(delta, k, theta))
        mc, se = mc_expected_target(delta, k, theta, n=mc_samples, seed=seed)
        # φ(0) = ½ for every θ, so the δ = 0 column says nothing about θ.
        constrains = printed is not None and delta > 0
        lo, hi = (rounding_theta_interval(delta, printed, TABLE2_DECIMALS, k, "expected_target")
                  if constrains else (None, None))
        rows.append({
            "delta": delta,
            "phi_exact": phi,
            "phi_mc": float(mc),
            "phi_mc_se": float(se),
            "mc_z": _z_score(float(mc), float(se), phi),
            "paper": printed,
            "llpp_exact": f"q_i - {phi:.4f}",
            "llpp_paper": "n/a" if printed is None else f"q_i - {printed:.2f}",
            "ll": "c1",
            "theta_round_low": lo,
            "theta_round_high": hi,
            "phi_at_paper_theta": float(expected_target(delta, k, theta_star)),
        })
    constrained = [(r["theta_round_low"], r["theta_round_high"]) for r in rows
                   if r["theta_round_low"] is not None]
    interval = _intersect(constrained) if constrained else None
    return _table(k, theta, mc_samples, seed, rows, interval, theta_star, ll_explanation=LL_EXPLANATION)


def table1_cells(t1):
    header = ["delta", "paper", "exact", "Monte Carlo ± SE", "z", "theta reproducing paper",
              f"exact at theta* = {t1['paper_theta']:.5f}"]
    body = [[f"{r['delta']:g}", f"{r['paper']:.3f}", f"{r['exact']:.6f}",
             f"{r['mc']:.5f} ± {r['mc_se']:.5f}", f"{r['mc_z']:+.2f}",
             f"{r['theta_reproducing']:.5f}", f"{r['exact_at_paper_theta']:.6f}"] for r in t1["rows"]]
    return header, body


def table1_notes(t1):
    notes = [f"exact and Monte Carlo at k = {t1['k']:g}, theta = {t1['theta']:g} "
             f"({t1['mc_samples']:,} pairs per delta, seed {t1['seed']}); "
             f"z = (MC - exact) / SE.",
             f"least-squares theta for the printed row: {t1['theta_least_squares']:.5f}."]
    iv = t1["theta_rounding_interval"]
    if iv:
        notes.append(f"every printed digit is reproduced for theta in [{iv[0]:.5f}, {iv[1]:.5f}] "
                     f"(the paper printed theta = {t1['theta']:g}); theta* is its middle.")
    else:
        notes.append("no single theta reproduces every printed digit.")
    return notes


def table2_cells(t2):
    header = ["delta", "LL++ exact", "phi Monte Carlo ± SE", "z",
              f"LL++ at theta* = {t2['paper_theta']:.5f}", "LL++ paper", "LL"]
    body = [[f"{r['delta']:g}", r["llpp_exact"],
             f"{r['phi_mc']:.5f} ± {r['phi_mc_se']:.5f}", f"{r['mc_z']:+.2f}",
             f"q_i - {r['phi_at_paper_theta']:.4f}", r["llpp_paper"], r["ll"]] for r in t2["rows"]]
    return header, body


def table2_notes(t2):
    notes = [f"phi(delta) = E[X/(X+Y) | Y - X = delta] at k = {t2['k']:g}, theta = {t2['theta']:g} "
             f"({t2['mc_samples']:,} Monte Carlo samples per delta, seed {t2['seed']}); "
             "the paper's entries at delta = 0.2 and 0.4 are unreadable in the PDF.",
             t2["ll_explanation"]]
    iv = t2["theta_rounding_interval"]
    if iv:
        inside = iv[0] <= t2["paper_theta"] <= iv[1]
        notes.append(f"the readable printed entries are reproduced for theta in "
                     f"[{iv[0]:.5f}, {iv[1]:.5f}], which {'contains' if inside else 'misses'} "
                     f"theta* = {t2['paper_theta']:.5f} from Table 1.")
    return notes
