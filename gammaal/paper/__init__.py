"""Regenerate the paper's Tables 1–2 and Figure 3, plus two companion figures.

Shukla & Ahmed (CVPRW 2021) print P(|X − Y| ≤ δ) (Table 1) and the expected
LearningLoss++ gradient factor q_i − φ(δ) (Table 2) for losses distributed as
Gamma(k = 4, θ = 0.066), the fit of their Figure 3.  This package recomputes
every entry three ways — the paper's printed digits, the exact value from
:mod:`gammaal`, and a Monte Carlo estimate with its standard error — and
solves for the scale θ that reproduces the printed digits (the printed row is
matched by θ ≈ 0.0666, i.e. the paper rounded the fitted θ before printing it,
but not before computing the tables).

Modules, each re-exported here:

* :mod:`gammaal.paper.printed` — the printed numbers (``PAPER_K``, ``TABLE1_DELTAS``, …)
* :mod:`gammaal.paper.theta` — ``solve_theta``, ``rounding_theta_interval``,
  ``least_squares_theta``, ``paper_theta``
* :mod:`gammaal.paper.tables` — ``table1``, ``table2`` (and their cells and notes)
* :mod:`gammaal.paper.writers` — text, Markdown and CSV output (atomic writes)
* :mod:`gammaal.paper.figures` — ``figure3``, ``figure_prob_within``, ``figure_expected_target``
  (matplotlib is imported only when a figure is drawn: it is the optional ``plots`` extra)
* :mod:`gammaal.paper.reproduction` — ``reproduce``, ``default_losses``

The command line is ``gammaal reproduce`` (its one argparse front end is
:mod:`gammaal.cli`); :func:`main` runs it from Python, and ``python -m
benchmarks.tables`` in a source checkout is a thin wrapper around :func:`main`.

Examples
--------
>>> result = reproduce(out="results", quick=True)              # doctest: +SKIP
>>> round(result["table1"]["rows"][0]["exact"], 4)             # doctest: +SKIP
0.0944
"""
from __future__ import annotations

from .figures import FIGURE_SHAPES, figure3, figure_expected_target, figure_prob_within
from .printed import (LL_EXPLANATION, PAPER_K, PAPER_THETA, TABLE1_DECIMALS, TABLE1_DELTAS, TABLE1_PRINTED,
                      TABLE2_DECIMALS, TABLE2_DELTAS, TABLE2_PRINTED)
from .reproduction import DEFAULT_LOSS_SAMPLES, default_losses, reproduce
from .tables import MC_SAMPLES, QUICK_MC_SAMPLES, table1, table2
from .theta import least_squares_theta, paper_theta, rounding_theta_interval, solve_theta

__all__ = [
    "PAPER_K",
    "PAPER_THETA",
    "TABLE1_DELTAS",
    "TABLE1_PRINTED",
    "TABLE2_DELTAS",
    "TABLE2_PRINTED",
    "LL_EXPLANATION",
    "solve_theta",
    "rounding_theta_interval",
    "least_squares_theta",
    "paper_theta",
    "table1",
    "table2",
    "default_losses",
    "figure3",
    "figure_prob_within",
    "figure_expected_target",
    "reproduce",
    "main",
]


def main(argv=None, prog="gammaal reproduce"):
    """``gammaal reproduce`` from Python; returns the exit status: 0 ok, 2 bad input or usage.

    Examples
    --------
    >>> main(["--quick", "--out", "results"])                   # doctest: +SKIP
    0
    """
    from ..cli import reproduce_main  # the one argparse front end (it imports this package)

    return reproduce_main(argv, prog=prog)
