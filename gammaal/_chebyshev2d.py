"""Evaluation of the generated tensor Chebyshev tables (:mod:`derivations._chebfit`), shared by
:mod:`gammaal._target_base` and :mod:`gammaal._large_k_tail`.

A table holds, per panel p and function w, coefficients C[p, w, i, j] of Σ_i Σ_j C_ij T_i(a) T_j(b) on
[−1, 1]², the number of rows DEG[p, w, 0] and each row's length NCOL[p, w, i] (the rest are zero).  The
sum is formed from T_i(a), T_j(b) by their three-term recurrence (stable on [−1, 1]) as one dot product
a row: independent products, where Clenshaw's recurrence would be one serial chain per row.
"""
from __future__ import annotations

from ._special import jit


@jit
def panel(edges, x):
    """Index p with edges[p] ≤ x ≤ edges[p + 1] (x inside [edges[0], edges[-1]], not checked)."""
    p = 0
    while p < edges.size - 2 and x > edges[p + 1]:
        p += 1
    return p


@jit
def to_unit(x, lo, hi):
    """x ∈ [lo, hi] mapped to [−1, 1]."""
    return (2.0 * x - lo - hi) / (hi - lo)


@jit
def cheb_values(x, out):
    """T_0(x) … T_{n−1}(x) into out (n = out.size)."""
    n = out.size
    out[0] = 1.0
    if n > 1:
        out[1] = x
    for j in range(2, n):
        out[j] = 2.0 * x * out[j - 1] - out[j - 2]


@jit
def tensor_sum(coef, deg, ncol, p, w, ta, tb):
    """Σ_i ta[i] Σ_j C[p, w, i, j] tb[j] over the kept coefficients."""
    acc = 0.0
    block = coef[p, w]
    lengths = ncol[p, w]
    for i in range(deg[p, w, 0]):
        c = block[i]
        row = 0.0
        for j in range(lengths[i]):
            row += c[j] * tb[j]
        acc += ta[i] * row
    return acc
