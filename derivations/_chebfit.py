"""Tensor Chebyshev fits in mpmath precision for the generated coefficient tables of ``gammaal``.

A table is a list of panels; on each, a function of two variables (a, b) is sampled at N_a × N_b
first-kind Chebyshev nodes of the panel's box, transformed by the discrete cosine transform in the
working precision, rounded once, and trimmed: coefficients below ``trim`` × the panel's largest are
zeroed and trailing all-zero rows and columns dropped.  ``render`` writes the module the kernel imports
(``EDGES``, ``DEG``, ``NCOL``, ``COEF``; NCOL[p, w, i] is row i's length up to its last kept coefficient).
"""
from __future__ import annotations

import argparse
import importlib
import multiprocessing

import mpmath as mp
import numpy as np


def nodes(lo, hi, n):
    """The n first-kind Chebyshev nodes of [lo, hi] (mpf), in the order of the transform."""
    half = mp.mpf(1) / 2
    return [mp.mpf(lo) + (mp.mpf(hi) - mp.mpf(lo)) * (mp.cos(mp.pi * (i + half) / n) + 1) / 2 for i in range(n)]


def _dct_matrix(n):
    half = mp.mpf(1) / 2
    return mp.matrix([[mp.cos(mp.pi * p * (i + half) / n) * (1 if p else half) * 2 / n for i in range(n)]
                      for p in range(n)])


def coefficients(values, trim):
    """Trimmed coefficient arrays, one per function, from values[i][j] = (f_0, f_1, …) at node (a_i, b_j)."""
    na, nb = len(values), len(values[0])
    da, db = _dct_matrix(na), _dct_matrix(nb)
    out = []
    for w in range(len(values[0][0])):
        f = mp.matrix([[values[i][j][w] for j in range(nb)] for i in range(na)])
        c = da * f * db.T
        arr = np.array([[float(c[i, j]) for j in range(nb)] for i in range(na)])
        big = np.abs(arr) >= trim * np.abs(arr).max()
        rows = int(np.nonzero(big.any(axis=1))[0].max()) + 1
        cols = int(np.nonzero(big.any(axis=0))[0].max()) + 1
        if rows == na or cols == nb:
            raise RuntimeError(f"coefficients not below trim={trim} within {na} × {nb} terms")
        out.append(np.where(big, arr, 0.0)[:rows, :cols])
    return out


def fit_boxes(boxes, value, trim, dps, jobs):
    """Trimmed coefficients of one function on each box ``(nodes_a, nodes_b)`` (:func:`nodes`), its values
    from ``value((a, b))`` — a picklable function of the node as two strings of ``dps`` digits, returning a
    string — evaluated in a pool of ``jobs`` worker processes."""
    with mp.workdps(dps):
        tasks = [(mp.nstr(a, dps), mp.nstr(b, dps)) for xa, xb in boxes for a in xa for b in xb]
    with multiprocessing.Pool(jobs) as pool:
        flat = pool.map(value, tasks, chunksize=8)
    blocks = []
    with mp.workdps(dps):
        it = iter(flat)
        for xa, xb in boxes:
            values = [[(mp.mpf(next(it)),) for _ in xb] for _ in xa]
            blocks.append(coefficients(values, trim))
    return blocks


def pack(blocks):
    """COEF[panel, function, i, j] (zero-padded), DEG[panel, function] = (rows, cols), NCOL[panel, function, i]."""
    size = max(max(b.shape) for group in blocks for b in group)
    nf = len(blocks[0])
    coef = np.zeros((len(blocks), nf, size, size))
    deg = np.zeros((len(blocks), nf, 2), dtype=np.int64)
    ncol = np.zeros((len(blocks), nf, size), dtype=np.int64)
    for p, group in enumerate(blocks):
        for w, b in enumerate(group):
            coef[p, w, :b.shape[0], :b.shape[1]] = b
            deg[p, w] = b.shape
            for i in range(b.shape[0]):
                nz = np.nonzero(b[i])[0]
                ncol[p, w, i] = int(nz.max()) + 1 if nz.size else 0
    return coef, deg, ncol


def render(doc, edges, coef, deg, ncol, extra=()):
    """The generated module's source: ``doc`` as its docstring, then the arrays (``extra``: more lines)."""
    lines = ['"""' + doc + '"""', "import numpy as np", "", f"EDGES = np.array({list(edges)!r})", *extra,
             f"DEG = np.array({deg.tolist()!r}, dtype=np.int64)",
             f"NCOL = np.array({ncol.tolist()!r}, dtype=np.int64)",
             "COEF = np.zeros(" + repr(coef.shape) + ")"]
    for p in range(coef.shape[0]):
        for w in range(coef.shape[1]):
            r, c = deg[p, w]
            rows = ",\n    ".join("[" + ", ".join(repr(float(v)) for v in coef[p, w, i, :c]) + "]" for i in range(r))
            lines.append(f"COEF[{p}, {w}, :{r}, :{c}] = np.array([\n    {rows}])")
    return "\n".join(lines) + "\n"


def check(module, coef, deg, ncol, tol=1e-17):
    """Whether a regenerated table matches the committed module (same degrees, coefficients within tol)."""
    same = np.array_equal(deg, module.DEG) and np.array_equal(ncol, module.NCOL)
    diff = float(np.max(np.abs(coef - module.COEF))) if same else float("inf")
    print(f"degrees {'match' if same else 'DIFFER'}; largest coefficient difference {diff:.1e}")
    return same and diff <= tol


def cli(argv, description, generate, table, out, doc, edges, extra=(), jobs=False):
    """The generators' command line: write ``out`` (the module ``table``), or with ``--check`` regenerate
    and compare with the committed one (exit status 0 iff they match).  ``generate(args)`` returns
    (coef, deg, ncol); ``jobs`` adds a ``--jobs`` option for generators that work in parallel."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--check", action="store_true", help="compare with the committed table instead of writing")
    if jobs:
        ap.add_argument("--jobs", type=int, default=2, help="worker processes")
    args = ap.parse_args(argv)
    coef, deg, ncol = generate(args)
    if args.check:
        return 0 if check(importlib.import_module(table), coef, deg, ncol) else 1
    out.write_text(render(doc, edges, coef, deg, ncol, extra))
    print(f"wrote {out} ({coef.shape[0]} panels, degrees up to {int(deg.max())})")
    return 0
