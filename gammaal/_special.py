"""Special-function building blocks for the kernels, all callable from numba.

* scipy's ``gammainc``/``gammaincc``/``betainc``/``betaincc`` bound through
  ``scipy.special.cython_special`` by symbol name (so ``cache=True`` works);
* ``log1pmx(x) = log(1+x) − x`` and ``expm1mx(x) = e^x − 1 − x`` to full
  relative precision (their small-|x| cancellation is what limits Laplace-type
  sums at large shapes);
* ``stirlerr(a) = lgamma(a) − [(a−½) log a − a + ½ log 2π]`` and the stable
  ``log_gamma_kernel(a, logx) = a log x − x − lgamma(a)``, which never forms
  the two ~a·log a numbers whose difference it is;
* ``log_gammainc_lower/upper(a, logx)``: log P(a, x) and log Q(a, x) that keep
  relative accuracy far below the smallest double (series for P where x < a,
  Legendre continued fraction for Q where x > a).  They return NaN if the
  continued fraction does not converge, which the callers pass on.
"""
from __future__ import annotations

import math

import llvmlite.binding as llvm_binding
import numba
import numpy as np
from numba.extending import get_cython_function_address

_f64 = numba.types.float64
_i32 = numba.types.int32


def _bind(name, symbol_name, nargs):
    """Bind scipy.special.cython_special.<name>(double × nargs[, int skip_dispatch]) -> double.

    The address is registered with LLVM under a fixed symbol and called as an
    ``ExternalFunction``: jitted code refers to the symbol, not to a pointer baked
    into the function, which is what lets ``cache=True`` work.
    """
    symbol = f"gammaal_scipy_{symbol_name}"
    llvm_binding.add_symbol(symbol, get_cython_function_address("scipy.special.cython_special", name))
    return numba.types.ExternalFunction(symbol, _f64(*([_f64] * nargs), _i32))


_gammainc_c = _bind("gammainc", "gammainc", 2)
_gammaincc_c = _bind("gammaincc", "gammaincc", 2)
_betainc_c = _bind("__pyx_fuse_0betainc", "betainc_d", 3)      # fuse_0 is the double version
_betaincc_c = _bind("__pyx_fuse_0betaincc", "betaincc_d", 3)

jit = numba.njit(cache=True, error_model="numpy", fastmath=False)


class Elementwise:
    """A scalar kernel over numpy-broadcast float64 arrays, as a ufunc would be, run by a cached ``@jit``
    loop over 1-D arrays (``loop(*flat_args, out)``).

    Why not ``numba.vectorize``: a vectorized ufunc is rebuilt (its loop wrapper compiled and linked)
    every time its module loads, ~0.25–0.6 s each even with a warm numba cache, so nine of them made the
    first call of any public function pay ~2–3 s; a cached ``@jit`` loop loads in ~10 ms, and only the
    one called.  Returns a float64 array of the broadcast shape, or a numpy float64 for scalar arguments.
    """

    def __init__(self, loop):
        self.loop = loop
        self.__name__ = loop.__name__.removesuffix("_loop")
        self.__module__, self.__doc__ = loop.__module__, loop.__doc__

    def __call__(self, *args):
        arrays = [np.asarray(a, dtype=np.float64) for a in args]
        shape = np.broadcast_shapes(*[a.shape for a in arrays])
        flat = [np.ascontiguousarray(a).reshape(-1) if a.shape == shape else np.broadcast_to(a, shape).reshape(-1)
                for a in arrays]            # (reshaping a broadcast view copies it)
        out = np.empty(shape)
        self.loop(*flat, out.reshape(-1))
        return out if shape else out[()]

    def __repr__(self):
        return f"<elementwise {self.__module__}.{self.__name__}>"

LOG2 = math.log(2.0)
LOGSQRTPI = 0.5 * math.log(math.pi)
LOG2PI = math.log(2.0 * math.pi)


@jit
def gammainc(a, x):
    """Regularised lower incomplete gamma P(a, x) (scipy's)."""
    return _gammainc_c(a, x, 0)


@jit
def gammaincc(a, x):
    """Regularised upper incomplete gamma Q(a, x) (scipy's)."""
    return _gammaincc_c(a, x, 0)


@jit
def betainc(a, b, x):
    """Regularised incomplete beta I_x(a, b) (scipy's)."""
    return _betainc_c(a, b, x, 0)


@jit
def betaincc(a, b, x):
    """1 − I_x(a, b) computed directly (scipy's)."""
    return _betaincc_c(a, b, x, 0)


@jit
def log1pmx(x):
    """log(1 + x) − x, accurate to a few ulps also for small |x| (x > −1).

    For |x| ≤ ¼, with u = x/(2+x) (|u| ≤ 1/7): log1p(x) = 2 atanh(u) and x = 2u/(1−u), so
    log1p(x) − x = −2u²/(1−u) + 2u³(1/3 + u²/5 + u⁴/7 + …): the series is ≤ 5 % of the
    leading term, nothing cancels, and nine terms reach 1e-19.
    """
    if abs(x) > 0.25:
        return math.log1p(x) - x
    u = x / (2.0 + x)
    v = u * u
    ser = 1.0 / 3.0 + v * (1.0 / 5.0 + v * (1.0 / 7.0 + v * (1.0 / 9.0 + v * (1.0 / 11.0 + v * (
        1.0 / 13.0 + v * (1.0 / 15.0 + v * (1.0 / 17.0 + v / 19.0)))))))
    return -2.0 * v / (1.0 - u) + 2.0 * u * v * ser


@jit
def expm1mx(x):
    """e^x − 1 − x, accurate to a few ulps also for small |x|."""
    if abs(x) > 0.25:
        return math.expm1(x) - x
    term = x
    s = 0.0
    for n in range(2, 40):
        term *= x / n
        s += term
        if abs(term) < 1e-18 * abs(s):
            break
    return s


@jit
def stirlerr(a):
    """lgamma(a) − [(a − ½) log a − a + ½ log 2π] (a > 0); series for a ≥ 15."""
    if a < 15.0:
        return math.lgamma(a) - ((a - 0.5) * math.log(a) - a + 0.5 * LOG2PI)
    r = 1.0 / a
    r2 = r * r
    return r * (1.0 / 12.0 - r2 * (1.0 / 360.0 - r2 * (1.0 / 1260.0 - r2 * (1.0 / 1680.0 - r2 / 1188.0))))


@jit
def log_gamma_kernel(a, logx):
    """a log x − x − lgamma(a), formed as a·log1pmx(x/a − 1) + ½ log(a/2π) − stirlerr(a).

    With x = a e^{r}: a log x − x − lgamma(a) = −a(e^r − 1 − r) + [a log a − a − lgamma(a)],
    and the bracket is ½ log(a/2π) − stirlerr(a); nothing of size a·log a is formed.
    """
    lr = logx - math.log(a)                     # log(x/a); a log x − x − … = −a (e^{lr} − 1 − lr) + …
    core = -a * expm1mx(lr) if lr < 700.0 else -math.inf
    return core + 0.5 * (math.log(a) - LOG2PI) - stirlerr(a)


@jit
def gammainc_series(a, x):
    """Σ_{n≥0} x^n/((a+1)…(a+n)), all terms positive (P(a, x) = x^a e^{−x}/Γ(a+1) times this); to 1e-17."""
    s = 1.0
    term = 1.0
    n = 1
    while n < 100000:
        term *= x / (a + n)
        s += term
        if term < 1e-17 * s:
            break
        n += 1
    return s


@jit
def log_gammainc_lower(a, logx):
    """log P(a, x) by the series P = x^a e^{−x}/Γ(a+1) Σ_n x^n/((a+1)…(a+n)); for x ≲ a."""
    return log_gamma_kernel(a, logx) - math.log(a) + math.log(gammainc_series(a, math.exp(logx)))


@jit
def log_gammainc_upper(a, logx):
    """log Q(a, x) by the Legendre continued fraction (modified Lentz); for x > a.

    Γ(a, x) = x^a e^{−x} / (x + 1 − a − 1(1−a)/(x + 3 − a − 2(2−a)/(x + 5 − a − …))).
    Returns NaN if the fraction has not converged after 100 000 terms.
    """
    x = math.exp(logx)
    tiny = 1e-300
    b = x + 1.0 - a
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, 100000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        if abs(d) < tiny:
            d = tiny
        c = b + an / c
        if abs(c) < tiny:
            c = tiny
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-16:
            return log_gamma_kernel(a, logx) + math.log(h)
    return math.nan
