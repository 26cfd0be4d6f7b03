"""``gammaal`` command line: evaluate the law of X − Y, fit losses, reproduce the paper.

Examples::

    gammaal prob-within --k 4 --theta 0.066 0.02 0.04 0.1
    gammaal prob-beyond --k 4.5 --theta 1 30 300
    gammaal expected-target --k 4 --theta 0.066 0 0.1 0.5
    gammaal fit losses.npy            # .npy, .csv or .txt of per-image losses
    gammaal reproduce --out results   # paper Tables 1-2 and figures
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

from .difference import prob_beyond, prob_within
from .fitting import empirical_pair_fraction, fit_gamma
from .gradient import expected_target

__all__ = ["main", "read_losses", "TABLE1_DELTAS"]

#: the δ grid of the paper's Table 1
TABLE1_DELTAS = (0.02, 0.04, 0.06, 0.08, 0.1, 0.125, 0.15)


def read_losses(path, column=None):
    """Read a 1-D array of losses from ``.npy``, ``.csv`` or ``.txt``.

    CSV/TXT may have one header line; a 2-D table needs ``column``.

    Raises
    ------
    FileNotFoundError, ValueError
        With the file name and what was expected.
    """
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such file (expected .npy, .csv or .txt of losses)")
    ext = os.path.splitext(path)[1].lower()
    if ext == ".npy":
        data = np.load(path, allow_pickle=False)
    elif ext in (".csv", ".txt", ".tsv", ".dat"):
        delim = "," if ext == ".csv" else None
        try:
            data = np.loadtxt(path, delimiter=delim, ndmin=1)
        except ValueError:
            try:
                data = np.loadtxt(path, delimiter=delim, ndmin=1, skiprows=1)
            except ValueError as exc:
                raise ValueError(f"{path}: expected numbers (optionally one header line): {exc}") from None
    else:
        raise ValueError(f"{path}: unsupported extension {ext!r}; expected .npy, .csv or .txt")
    data = np.asarray(data, dtype=np.float64)
    if data.ndim == 2:
        if column is None:
            if data.shape[1] != 1:
                raise ValueError(f"{path}: table with {data.shape[1]} columns; choose one with --column")
            column = 0
        if not 0 <= column < data.shape[1]:
            raise ValueError(f"{path}: --column {column} out of range 0..{data.shape[1] - 1}")
        data = data[:, column]
    elif data.ndim != 1:
        raise ValueError(f"{path}: expected a 1-D array of losses, got shape {data.shape}")
    return data


def _print_rows(header, deltas, values):
    print(f"{header[0]:>12}  {header[1]:>24}")
    for d, v in zip(deltas, np.atleast_1d(values)):
        print(f"{d:>12.6g}  {v:>24.17g}")


def _law_command(func, label):
    def run(args):
        values = func(np.asarray(args.delta, dtype=float), args.k, args.theta)
        _print_rows(("delta", label), args.delta, values)
        return 0
    return run


def _fit(args):
    losses = read_losses(args.file, args.column)
    fit = fit_gamma(losses, integer_shape=args.integer_shape)
    print(fit)
    deltas = np.asarray(args.delta if args.delta else TABLE1_DELTAS, dtype=float)
    print()
    print("Table 1 row for the fitted law: P(|X - Y| <= delta)")
    exact = prob_within(deltas, fit.k, fit.theta)
    empirical = empirical_pair_fraction(losses, deltas)
    print(f"{'delta':>10}  {'exact':>12}  {'empirical pairs':>16}")
    for d, p, e in zip(deltas, exact, empirical):
        print(f"{d:>10.4g}  {p:>12.6f}  {e:>16.6f}")
    return 0


def build_parser():
    parser = argparse.ArgumentParser(prog="gammaal", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, func, label in (("prob-within", prob_within, "P(|X-Y| <= delta)"),
                              ("prob-beyond", prob_beyond, "P(|X-Y| > delta)"),
                              ("expected-target", expected_target, "phi(delta)")):
        p = sub.add_parser(name, help=f"print {label} for X, Y ~ Gamma(k, theta)")
        p.add_argument("--k", type=float, required=True, help="shape k > 0")
        p.add_argument("--theta", type=float, required=True, help="scale theta > 0")
        p.add_argument("delta", type=float, nargs="+", help="margins delta")
        p.set_defaults(run=_law_command(func, label))
    p = sub.add_parser("fit", help="fit Gamma(k, theta) to a file of losses and print the Table 1 row")
    p.add_argument("file", help=".npy, .csv or .txt file of positive losses")
    p.add_argument("--column", type=int, default=None, help="column of a 2-D table")
    p.add_argument("--integer-shape", action="store_true", help="restrict k to integers (paper's closed form)")
    p.add_argument("--delta", type=float, nargs="*", help="margins (default: the paper's Table 1 grid)")
    p.set_defaults(run=_fit)
    # listed for --help only; main() hands `reproduce ...` to gammaal.paper.main
    sub.add_parser("reproduce", help="regenerate the paper's Tables 1-2 and figures (options: gammaal reproduce -h)")
    return parser


def main(argv=None):
    """Entry point of the ``gammaal`` console script; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["reproduce"]:
        # every option after `reproduce` belongs to gammaal.paper's own parser
        from . import paper
        return paper.main(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, TypeError, FileNotFoundError) as exc:
        print(f"gammaal: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
