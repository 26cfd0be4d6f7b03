"""``gammaal`` command line: evaluate the law of X − Y, fit losses, reproduce the paper.

Examples::

    gammaal prob-within --k 4 --theta 0.066 0.02 0.04 0.1
    gammaal prob-beyond --k 4.5 --theta 1 30 300
    gammaal expected-target --k 4 --theta 0.066 0 0.1 0.5
    gammaal fit losses.csv --column loss   # .npy, .csv, .tsv or .txt of per-image losses
    gammaal reproduce --out results   # paper Tables 1-2 and figures
"""
from __future__ import annotations

import argparse
import math
import re
import sys

import numpy as np

from .difference import K_MAX, K_MIN, prob_beyond, prob_within
from .fitting import empirical_pair_fraction, fit_gamma
from .gradient import expected_target
from .lossfile import read_losses
from .paper.printed import TABLE1_DELTAS

__all__ = ["main", "reproduce_main", "build_parser", "read_losses", "TABLE1_DELTAS"]


#: one rule for margins in every subcommand (shown in --help)
DELTA_RULE = "margins delta >= 0 (inf allowed); a negative or NaN margin is refused (exit status 2)"


REPRODUCE_DESCRIPTION = ("Regenerate Tables 1-2 and Figure 3 of Shukla & Ahmed (CVPRW 2021): "
                         "paper vs exact vs Monte Carlo, and the theta behind the printed digits.")
EXIT_STATUS = "Exit status: 0 on success, 2 on bad input or usage (as every gammaal subcommand)."


def margin(text):
    """argparse type of every δ: a float ≥ 0 (inf allowed); NaN and negative values are usage errors."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"margin {text!r} is not a number") from None
    if math.isnan(value) or value < 0:
        raise argparse.ArgumentTypeError(f"margin must be >= 0 (inf allowed), got {text}")
    return value


# argparse takes "-1e-3" or "-inf" for an option (its own pattern knows only -1 and -.5); every number
# is a value here, so a negative margin reaches `margin` and gets its message instead of "required: delta"
_NEGATIVE_NUMBER = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^-(inf|infinity|nan)$", re.IGNORECASE)


def _numbers_are_values(parser):
    parser._negative_number_matcher = _NEGATIVE_NUMBER
    return parser


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
    fit = fit_gamma(losses, integer_shape=args.integer_shape, ks=not args.no_ks)
    print(fit)
    deltas = np.asarray(args.delta if args.delta else TABLE1_DELTAS, dtype=float)
    print()
    print("Table 1 row for the fitted law: P(|X - Y| <= delta)")
    empirical = empirical_pair_fraction(losses, deltas)
    if not K_MIN <= fit.k <= K_MAX:
        # The fit itself is right (near-constant losses have a huge k); the law's numbers are not
        # available there, so show the empirical pair fractions and say why the exact column is empty.
        print(f"(exact column not computed: the fitted k = {fit.k:.6g} lies outside the validated domain "
              f"[{K_MIN:g}, {K_MAX:g}] of prob_within)")
        exact = np.full(deltas.shape, np.nan)
    else:
        exact = prob_within(deltas, fit.k, fit.theta)
    print(f"{'delta':>10}  {'exact':>12}  {'empirical pairs':>16}")
    for d, p, e in zip(deltas, exact, empirical):
        print(f"{d:>10.4g}  {p:>12.6f}  {e:>16.6f}" if np.isfinite(p) else f"{d:>10.4g}  {'-':>12}  {e:>16.6f}")
    return 0


def build_parser():
    parser = argparse.ArgumentParser(
        prog="gammaal", description=__doc__.split("\n")[0],
        epilog=f"Exit status: 0 on success, 2 on bad input or usage (every subcommand). {DELTA_RULE}.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, func, label in (("prob-within", prob_within, "P(|X-Y| <= delta)"),
                              ("prob-beyond", prob_beyond, "P(|X-Y| > delta)"),
                              ("expected-target", expected_target, "phi(delta)")):
        p = _numbers_are_values(sub.add_parser(name, help=f"print {label} for X, Y ~ Gamma(k, theta)",
                                               epilog=DELTA_RULE + "."))
        p.add_argument("--k", type=float, required=True, help="shape k > 0")
        p.add_argument("--theta", type=float, required=True, help="scale theta > 0")
        p.add_argument("delta", type=margin, nargs="+", help="margins delta >= 0")
        p.set_defaults(run=_law_command(func, label))
    p = _numbers_are_values(sub.add_parser(
        "fit", help="fit Gamma(k, theta) to a file of losses and print the Table 1 row",
        epilog=f"{DELTA_RULE}. File rules: python -c 'import gammaal.lossfile as m; help(m)'."))
    p.add_argument("file", help=".npy, .csv, .tsv or .txt file of positive losses (header row optional)")
    p.add_argument("--column", default=None, metavar="NAME|N",
                   help="column to fit: a header name or a number, 1 = first (default: the only column, "
                        "or the one named 'loss')")
    p.add_argument("--integer-shape", action="store_true", help="restrict k to integers (paper's closed form)")
    p.add_argument("--delta", type=margin, nargs="*", help="margins >= 0 (default: the paper's Table 1 grid)")
    p.add_argument("--no-ks", action="store_true", help="skip the Kolmogorov-Smirnov test (faster on 10^6+ losses)")
    p.set_defaults(run=_fit)
    _add_reproduce_arguments(sub.add_parser(
        "reproduce", help="regenerate the paper's Tables 1-2 and figures (options: gammaal reproduce -h)",
        description=REPRODUCE_DESCRIPTION, epilog=EXIT_STATUS))
    return parser


def _add_reproduce_arguments(parser):
    parser.add_argument("--out", default="results", help="output folder (default: results)")
    parser.add_argument("--quick", action="store_true", help="10^5 Monte Carlo samples instead of 10^6")
    parser.add_argument("--losses", metavar="FILE",
                        help="your own per-sample losses for Figure 3 (.npy, .csv, .tsv or .txt; "
                             "read as `gammaal fit` reads them)")
    parser.add_argument("--column", default=None, metavar="NAME|N",
                        help="column of --losses: a header name or a number, 1 = first "
                             "(default: the only column, or the one named 'loss')")
    parser.add_argument("--seed", type=int, default=0, help="seed for Monte Carlo and default losses")
    parser.add_argument("--no-figures", action="store_true", help="tables only (no matplotlib needed)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.set_defaults(run=_reproduce)
    return parser


def _reproduce(args):
    from .paper.reproduction import reproduce  # Monte Carlo, fits and figures: loaded only when asked for

    reproduce(out=args.out, quick=args.quick, losses=args.losses, seed=args.seed,
              figures=not args.no_figures, progress=not args.no_progress, column=args.column)
    return 0


def _run(parser, argv, prog):
    """Parse ``argv`` and run the chosen command: 0 ok, 2 usage error or bad input (message on stderr)."""
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: 0 after --help, 2 after a usage error it has printed
        return int(exc.code or 0)
    try:
        return args.run(args)
    except (ValueError, TypeError, OSError, ImportError) as exc:
        print(f"{prog(args)}: error: {exc}", file=sys.stderr)
        return 2


def main(argv=None):
    """Entry point of the ``gammaal`` console script; returns the exit status (0 ok, 2 bad input or usage)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    return _run(build_parser(), argv, lambda args: f"gammaal {args.command}")


def reproduce_main(argv=None, prog="gammaal reproduce"):
    """``gammaal reproduce`` under another program name (``python -m benchmarks.tables``, :func:`gammaal.paper.main`)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _add_reproduce_arguments(argparse.ArgumentParser(prog=prog, description=REPRODUCE_DESCRIPTION,
                                                              epilog=EXIT_STATUS))
    return _run(parser, argv, lambda args: prog)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
