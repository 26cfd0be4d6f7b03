"""Per-shape interpolation tables: the fast path for many points sharing one k.

For real (non-integer) k every direct evaluation runs a quadrature (tens of
microseconds).  When a call has one shape and many points we instead build,
once per k, piecewise Chebyshev interpolants in ``u = log t`` of

* ``P(|Z| ≤ t)`` and ``P(|Z| > t)`` (both, so whichever probability is the
  smaller one is read off directly and the other is ``1 −`` it), and
* ``φ(t)``,

each as its value at the panel centre times ``exp(r(u))``, with the residual
``r`` interpolated on panels of width ``PANEL`` by ``DEGREE`` Chebyshev nodes
(see :func:`_fit_panels`).  Working with log-ratios makes the error relative;
the functions are analytic in ``u`` with singularities far from the real
axis, so the interpolation error is at rounding level and what remains is the
~1e-15 noise of the direct kernels.  Every table is checked at two points
between nodes of every panel against the direct kernel when it is built; a
table that misses ``CHECK_RTOL`` is discarded and the direct path is used, so
the fast path can never return a silently worse value.  Points outside the tabulated range use the direct
kernels.  Tables are cached per k (a small LRU).
"""
from __future__ import annotations

import math
from collections import OrderedDict

import numba
import numpy as np

from . import _kernels

PANEL = 0.25
DEGREE = 24
CHECK_RTOL = 5e-14
#: the table path is taken when this many points share one (non-integer) shape: a
#: probability table costs ~1 s to build (≈ 30 000 direct evaluations), a φ table ~0.05 s
MIN_POINTS_PROB = 30000
MIN_POINTS_TARGET = 2000
_U_LO = math.log(1e-12)
_CACHE_SIZE = 32

_jit = numba.njit(cache=True, error_model="numpy")


@_jit
def _cheb_nodes(n):
    return np.cos(np.pi * (np.arange(n) + 0.5) / n)


@_jit
def _values(t, k, which):
    """(q1, q2) at t: (P(|Z| ≤ t), P(|Z| > t)) for which = 0, (φ(t), 1) for which = 2."""
    if which == 2:
        return _kernels.expected_target_laplace(t, k), 1.0
    return _kernels.within_beyond_scaled(t, k)


@_jit
def _fit_panels(u0, npan, k, which):
    """Per panel: reference values at the centre and Chebyshev coefficients of the residuals.

    Each quantity q is stored as ``q(t) = q(t_c) exp(r(u))`` with ``r = log(q(t)/q(t_c))``
    interpolated; for the tail ``P(|Z| > t)`` the trend ``−(t − t_c)`` is taken out of r
    as well.  Keeping the large parts out of the interpolated function is what keeps the
    table at a few ulps: interpolating ``log q`` itself (≈ −640 deep in the tail) would
    cost ~1e-13 to the rounding of the logs alone.
    """
    n = DEGREE
    x = _cheb_nodes(n)
    c1 = np.zeros((npan, n))
    c2 = np.zeros((npan, n))
    ref = np.zeros((npan, 3))          # t_c, q1(t_c), q2(t_c)
    f1 = np.empty(n)
    f2 = np.empty(n)
    for p in range(npan):
        uc = u0 + (p + 0.5) * PANEL
        tc = math.exp(uc)
        q1c, q2c = _values(tc, k, which)
        ref[p, 0] = tc
        ref[p, 1] = q1c
        ref[p, 2] = q2c
        for j in range(n):
            t = math.exp(uc + 0.5 * PANEL * x[j])
            q1, q2 = _values(t, k, which)
            f1[j] = math.log(q1 / q1c)
            f2[j] = math.log(q2 / q2c) + (t - tc) if which != 2 else 0.0
        for m in range(n):
            s1 = 0.0
            s2 = 0.0
            for j in range(n):
                cj = math.cos(math.pi * m * (j + 0.5) / n)
                s1 += f1[j] * cj
                s2 += f2[j] * cj
            scale = (1.0 if m == 0 else 2.0) / n
            c1[p, m] = s1 * scale
            c2[p, m] = s2 * scale
    return c1, c2, ref


@_jit
def _clenshaw(c, x):
    b1 = 0.0
    b2 = 0.0
    for m in range(c.size - 1, 0, -1):
        b1, b2 = 2.0 * x * b1 - b2 + c[m], b1
    return x * b1 - b2 + c[0]


@_jit
def _lookup(c1, c2, ref, u0, u, t, tail):
    """Table value of q1 (tail=False) or q2 (tail=True) at u = log t."""
    p = int((u - u0) / PANEL)
    if p >= c1.shape[0]:
        p = c1.shape[0] - 1
    x = 2.0 * (u - (u0 + (p + 0.5) * PANEL)) / PANEL
    if tail:
        return ref[p, 2] * math.exp(_clenshaw(c2[p], x) - (t - ref[p, 0]))
    return ref[p, 1] * math.exp(_clenshaw(c1[p], x))


@_jit
def _max_offnode_error(c1, c2, ref, u0, k, which):
    """Worst relative error of the table at two points between nodes of every panel."""
    worst = 0.0
    for p in range(c1.shape[0]):
        for frac in (0.37, 0.81):
            u = u0 + (p + frac) * PANEL
            t = math.exp(u)
            q1, q2 = _values(t, k, which)
            worst = max(worst, abs(_lookup(c1, c2, ref, u0, u, t, False) / q1 - 1.0))
            if which != 2:
                worst = max(worst, abs(_lookup(c1, c2, ref, u0, u, t, True) / q2 - 1.0))
    return worst


@_jit
def _table_coordinate(t, u0, u1):
    """u = log t when t lies in the tabulated range [e^{u0}, e^{u1}), else NaN."""
    if t > 0.0 and not math.isinf(t):
        u = math.log(t)
        if u0 <= u < u1:
            return u
    return np.nan


@_jit
def prob_table_array(t, k, c1, c2, ref, u0, u1, upper):
    """P(|Z| ≤ t) (upper=False) or P(|Z| > t) from the tables; direct kernel off-table."""
    out = np.empty(t.size)
    for i in range(t.size):
        ti = t[i]
        u = _table_coordinate(ti, u0, u1)
        if math.isnan(u):
            out[i] = _kernels.beyond_scaled(ti, k) if upper else _kernels.within_scaled(ti, k)
            continue
        w = _lookup(c1, c2, ref, u0, u, ti, False)
        if w <= 0.5:
            out[i] = 1.0 - w if upper else w
        else:
            b = _lookup(c1, c2, ref, u0, u, ti, True)
            out[i] = b if upper else 1.0 - b
    return out


@_jit
def target_table_array(t, k, c1, c2, ref, u0, u1):
    out = np.empty(t.size)
    for i in range(t.size):
        u = _table_coordinate(t[i], u0, u1)
        if math.isnan(u):
            out[i] = _kernels.expected_target_scaled(t[i], k)
        else:
            out[i] = _lookup(c1, c2, ref, u0, u, t[i], False)
    return out


_cache: "OrderedDict[tuple, tuple | None]" = OrderedDict()


def _upper_limit(k, which):
    """Largest t worth tabulating: where the tail drops below 1e-250 (probabilities; the direct quadrature loses digits near underflow) or 1e5 (φ)."""
    if which == 2:
        return 1e5
    t = max(1.0, 2.0 * k)
    while t < 1e5 and _kernels.beyond_scaled(t * 1.25, k) > 1e-250:
        t *= 1.25
    return min(t, 1e5)


def get_table(k, which):
    """Cached table for shape k: which = 'prob' or 'target'; None if it failed its check."""
    key = (float(k), which)
    if key in _cache:
        _cache.move_to_end(key)
        return _cache[key]
    code = 2 if which == "target" else 0
    u0 = _U_LO
    # whole panels only, all below the upper limit, so every panel centre is representable
    npan = int(math.floor((math.log(_upper_limit(k, code)) - u0) / PANEL))
    u1 = u0 + npan * PANEL
    c1, c2, ref = _fit_panels(u0, npan, float(k), code)
    err = _max_offnode_error(c1, c2, ref, u0, float(k), code)
    table = (c1, c2, ref, u0, u1) if err <= CHECK_RTOL else None
    _cache[key] = table
    if len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return table


def shared_shape(k, n, min_points):
    """The single shape of a broadcast call if the table path pays off there, else None."""
    if n < min_points or k.size == 0:
        return None
    k0 = k[0]
    if not np.all(k == k0):
        return None
    return float(k0)
