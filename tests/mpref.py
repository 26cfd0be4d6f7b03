"""The test harness for comparisons against mpmath (scipy's ``_mptestutils`` style).

The reference functions themselves live in :mod:`derivations.reference` (one home, shared with
``derivations/`` and ``benchmarks/``); they are re-exported here so a test needs one import.

A comparison is three steps:

* **points**: each argument is an :class:`Arg` (real, sampled log-uniformly over its domain plus
  the interesting points: both ends and, where asked, integers and integers ± a few ulps-scale
  steps) or an :class:`IntArg`; :func:`points` takes their product.
* **evaluate**: :func:`compare` calls the function under test on float arguments and the
  reference on the same arguments (under ``mp.workdps(dps)`` when ``dps`` is given, for
  references that do not set their own precision).
* **judge**: :meth:`Comparison.assert_within` fails listing the worst points — arguments, value,
  reference, relative error — and returns the worst error (so a test can also assert where a
  documented loss of accuracy sets in, with :attr:`Comparison.worst`).

Example::

    check(cf.prob_within, lambda t, k: erlang_within(t, k), points(Arg(1e-3, 5.0), IntArg(1, 12)),
          rtol=1e-12, call=lambda t, k: cf.prob_within(t, k, 1.0))
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import mpmath as mp
import numpy as np

from derivations.reference import (edgeworth_pdf, edgeworth_within, erlang_beyond, erlang_within,  # noqa: F401
                                   expected_target, expected_target_erlang, pdf, target_limit_small_k,
                                   within_beyond)

#: relative offsets of the "just above / just below" points around an interesting value
NEAR = (1e-12, 1e-6)


@dataclass(frozen=True)
class Arg:
    """A real argument on [lo, hi] (lo > 0): log-uniform grid plus the interesting points.

    ``integers=True`` adds every integer in range among the grid's decades (1, 2, 5, 10, …)
    and the points just above and below each (relative offsets :data:`NEAR`), where integer-k
    code paths switch.  ``extra`` are further interesting values (regime boundaries).
    """

    lo: float
    hi: float
    integers: bool = False
    extra: tuple = ()

    def values(self, n):
        if not 0 < self.lo <= self.hi:
            raise ValueError(f"Arg needs 0 < lo <= hi, got lo={self.lo}, hi={self.hi}")
        grid = list(np.geomspace(self.lo, self.hi, n)) if n > 1 else [self.lo]
        special = [self.lo, self.hi, *self.extra]
        if self.integers:
            ints = [m for m in (1, 2, 3, 5, 10, 20, 50, 100, 1000) if self.lo <= m <= self.hi]
            special += [m * (1 + s * e) for m in ints for e in NEAR for s in (-1, 1)] + ints
        return sorted({float(v) for v in grid + special if self.lo <= v <= self.hi})


@dataclass(frozen=True)
class IntArg:
    """An integer argument: the given ``values``, or every integer in [lo, hi] when none are given."""

    lo: int = 1
    hi: int = 1
    listed: tuple = ()

    def values(self, n):
        return list(self.listed) if self.listed else list(range(self.lo, self.hi + 1))


def points(*args, n=20):
    """Cartesian product of the arguments' values (``n`` grid points per real argument)."""
    return list(itertools.product(*(a.values(n) for a in args)))


def rel_err(value, ref):
    """|value − ref| / |ref| against the reference rounded to float64 (its rounding, ≤ 1.1e-16, is far
    below every tolerance; a reference below the smallest double compares as 0, i.e. |value|); inf for NaN."""
    value = float(value)
    ref = float(ref)
    if math.isnan(value) or math.isnan(ref):
        return math.inf
    if ref == 0:
        return abs(value)
    return abs(value - ref) / abs(ref)


@dataclass
class Comparison:
    """Rows (rel err, args, got, want), worst first."""

    rows: list = field(default_factory=list)

    @property
    def worst(self):
        return self.rows[0][0] if self.rows else 0.0

    def report(self, limit=10):
        return "\n".join(f"{e:.3e}  args={a}  got={g!r}  want={w!r}" for e, a, g, w in self.rows[:limit])

    def assert_within(self, rtol):
        """Fail listing the worst points above ``rtol``; return the worst relative error."""
        assert self.rows, "a comparison over no points proves nothing"
        bad = [r for r in self.rows if not r[0] <= rtol]
        assert not bad, (f"{len(bad)} of {len(self.rows)} points above rtol={rtol:g}; worst points "
                         f"(rel err, args, got, want):\n" + Comparison(bad).report())
        return self.worst


def compare(func, reference, pts, dps=None):
    """Evaluate ``func(*p)`` and ``reference(*p)`` (under ``mp.workdps(dps)`` if given) at every point."""
    rows = []
    for p in pts:
        got = func(*p)
        if dps is None:
            want = reference(*p)
        else:
            with mp.workdps(dps):
                want = reference(*p)
        rows.append((rel_err(got, want), tuple(p), float(got), float(want)))
    rows.sort(key=lambda r: r[0], reverse=True)
    return Comparison(rows)


def check(func, reference, pts, rtol, dps=None):
    """:func:`compare` then :meth:`Comparison.assert_within`; returns the worst relative error."""
    return compare(func, reference, pts, dps).assert_within(rtol)


def assert_close_table(rows, rtol):
    """Precomputed rows ``(args, value, reference)``: fail listing the worst points; return the worst error."""
    table = Comparison(sorted(((rel_err(v, r), lab, float(v), float(r)) for lab, v, r in rows),
                              key=lambda r: r[0], reverse=True))
    if not rows:
        return 0.0
    return table.assert_within(rtol)


__all__ = ["Arg", "IntArg", "points", "rel_err", "Comparison", "compare", "check", "assert_close_table",
           "within_beyond", "erlang_beyond", "erlang_within", "edgeworth_within", "edgeworth_pdf", "pdf",
           "expected_target", "expected_target_erlang", "target_limit_small_k"]
