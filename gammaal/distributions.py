r"""``scipy.stats`` distributions for Z = X − Y and |Z|, X, Y iid Gamma(k, θ).

``gammadiff(k, scale=θ)`` is the symmetric variance-gamma law of Z;
``absgammadiff(k, scale=θ)`` is the law of |Z| (``cdf(δ) = prob_within(δ, k, θ)``).
Every method scipy would otherwise integrate or root-find is ours: the pdf/cdf/sf
are :mod:`gammaal.difference`, the logs are the log-space kernels of
:mod:`gammaal._logtail` (finite far past underflow), ppf/isf are the Newton
solver of :mod:`gammaal._quantile`, moments are closed forms:
``Var Z = 2kθ²``, excess kurtosis ``3/k``, ``E|Z| = 2θ Γ(k+½)/(√π Γ(k))``,
``E|Z|³ = 4(2k+1)θ³ Γ(k+½)/(√π Γ(k))``.

Examples
--------
>>> import gammaal
>>> float(gammaal.gammadiff(4, scale=0.066).ppf(0.5))
0.0
>>> d = gammaal.absgammadiff(4, scale=0.066)
>>> round(float(d.cdf(d.ppf(0.25))), 12)
0.25
"""
from __future__ import annotations

import numpy as np
from scipy import optimize, special, stats

from . import _logtail
from . import _quantile as _q
from .difference import K_MAX, K_MIN, diff_cdf, diff_pdf, prob_beyond, prob_within

__all__ = ["gammadiff", "absgammadiff", "gammadiff_gen", "absgammadiff_gen"]

_LOG2 = np.log(2.0)


def _quantile(func, prob, k, name):
    """A quantile kernel, with NaN from a quadrature that did not converge turned into an error."""
    out = func(prob, k)
    bad = np.isnan(out) & ~np.isnan(prob) & ~np.isnan(k)
    if np.any(bad):
        i = np.flatnonzero(np.broadcast_to(bad, np.shape(out)))[0]
        p_bad = np.broadcast_to(prob, np.shape(out)).flat[i]
        k_bad = np.broadcast_to(k, np.shape(out)).flat[i]
        raise ArithmeticError(f"{name}: the quantile iteration did not converge at q={p_bad!r}, k={k_bad!r}; "
                              "please report this point")
    return out


def _mean_abs(k):
    """E|Z| for θ = 1: 2 Γ(k+½)/(√π Γ(k))."""
    return 2.0 * np.exp(_gamma_ratio_log(k)) / np.sqrt(np.pi)


def _gamma_ratio_log(k):
    # log Γ(k+½)/Γ(k) through the kernel's accurate expansion
    from ._kernels import log_gamma_ratio_half
    return np.vectorize(log_gamma_ratio_half, otypes=[float])(k)


def _entropy_abs(k):
    """−∫ f log f for |Z| (θ = 1) by the trapezoid rule in s = log t (log-density from the log kernel)."""
    k = float(k)
    # f_{|Z|}(e^s) e^s decays like e^{2ks} as s → −∞ and like e^{−e^s} as s → +∞
    lo = np.log(np.sqrt(2 * k)) - 40.0 / (2 * min(k, 0.5))
    hi = np.log(np.sqrt(2 * k) * 8 + 60.0)
    # trapezoid in s converges geometrically (smooth, decaying both ways): double until two levels agree
    n = 128
    prev = None
    while True:
        s = np.linspace(lo, hi, n + 1)
        t = np.exp(s)
        # the (table-backed) density where it is a normal number, the log kernel where it underflows
        f = 2.0 * diff_pdf(t, k, 1.0)
        good = (f > 1e-300) & np.isfinite(f)
        logf = np.log(f, where=good, out=np.zeros_like(f))
        if not np.all(good):
            logf[~good] = _logtail.log_abs_pdf_array(t[~good], k)
        w = np.exp(logf + s)
        cur = float(-np.trapezoid(w * logf, s))
        if prev is not None and abs(cur - prev) <= 1e-12 * max(1.0, abs(cur)) or n > 20000:
            return cur
        prev, n = cur, 2 * n


class gammadiff_gen(stats.rv_continuous):
    r"""Law of Z = X − Y, X, Y iid Gamma(k, scale): symmetric variance-gamma, ν = k − ½.

    ``pdf(z) = |z|^ν K_ν(|z|) / (√π Γ(k) 2^ν)`` for scale 1; ``k > 0``.
    ``fit`` is the maximum-likelihood estimate of (k, scale) with loc held at
    0 (``floc``, default 0; a free loc is not estimated since the law of a
    difference of iid losses is centred).
    """

    def _argcheck(self, k):
        # scipy's convention: a shape outside the validated domain gives nan, like any bad shape
        return np.isfinite(k) & (k >= K_MIN) & (k <= K_MAX)

    def _pdf(self, x, k):
        return diff_pdf(x, k, 1.0)

    def _logpdf(self, x, k):
        return _logtail.log_abs_pdf_array(np.abs(x), k) - _LOG2

    def _cdf(self, x, k):
        return diff_cdf(x, k, 1.0)

    def _sf(self, x, k):
        return diff_cdf(-x, k, 1.0)

    def _logcdf(self, x, k):
        # left tail: log(½ P(|Z| > |z|)); right: log1p(−½ P(|Z| > z))
        lb = _logtail.log_beyond_array(np.abs(x), k) - _LOG2
        return np.where(x < 0, lb, np.log1p(-np.exp(lb)))

    def _logsf(self, x, k):
        return self._logcdf(-x, k)

    def _ppf(self, q, k):
        return _quantile(_q.diff_ppf_array, q, k, "gammadiff.ppf")

    def _isf(self, q, k):
        return _quantile(_q.diff_isf_array, q, k, "gammadiff.isf")

    def _rvs(self, k, size=None, random_state=None):
        return random_state.standard_gamma(k, size) - random_state.standard_gamma(k, size)

    def _stats(self, k):
        return 0.0, 2.0 * k, 0.0, 3.0 / k

    def _entropy(self, k):
        # f_Z(z) = ½ f_{|Z|}(|z|): h(Z) = h(|Z|) + log 2
        return np.vectorize(_entropy_abs, otypes=[float])(k) + _LOG2

    def fit(self, data, *args, **kwds):
        """Maximum-likelihood (k, loc, scale); loc is fixed (``floc``, default 0).

        Method-of-moments start (``Var Z = 2kθ²``, excess kurtosis ``3/k``),
        then bounded maximisation of the profile likelihood over log k, with θ
        maximised for each k (a 1-D bounded search on log θ).  Exact zeros in
        ``data`` make the likelihood unbounded as k → ½ and are refused.
        """
        data = np.asarray(data, dtype=float).ravel()
        floc = kwds.pop("floc", 0.0)
        fk = kwds.pop("f0", kwds.pop("fk", kwds.pop("fa", None)))
        fscale = kwds.pop("fscale", None)
        if kwds:
            raise TypeError(f"unknown arguments to gammadiff.fit: {sorted(kwds)}")
        if not np.all(np.isfinite(data)) or data.size < 3:
            raise ValueError("data must hold at least 3 finite values")
        z = data - floc
        if np.any(z == 0):
            raise ValueError("data contains values equal to loc: the likelihood is unbounded as k → ½, "
                             "so the maximum-likelihood estimate does not exist")
        m2 = np.mean(z ** 2)
        excess = np.mean(z ** 4) / m2 ** 2 - 3.0
        k0 = fk if fk is not None else float(np.clip(3.0 / excess if excess > 0 else 1e3, 1e-2, 1e5))

        def scale_for(k):
            if fscale is not None:
                return fscale
            s0 = np.sqrt(m2 / (2 * k))
            res = optimize.minimize_scalar(lambda ls: -self._loglik(z, k, np.exp(ls)), bounds=(np.log(s0) - 3, np.log(s0) + 3),
                                           method="bounded", options={"xatol": 1e-10})
            return float(np.exp(res.x))

        if fk is not None:
            return fk, floc, scale_for(fk)
        res = optimize.minimize_scalar(lambda lk: -self._loglik(z, np.exp(lk), scale_for(np.exp(lk))),
                                       bounds=(np.log(k0) - 4, np.log(k0) + 4), method="bounded", options={"xatol": 1e-8})
        k = float(np.exp(res.x))
        return k, floc, scale_for(k)

    @staticmethod
    def _loglik(z, k, scale):
        t = np.abs(z) / scale
        # the (table-backed) density is fast for many points of one k; the log kernel where it underflows
        f = diff_pdf(t, k, 1.0)
        logf = np.log(f, where=f > 1e-300, out=np.zeros_like(f))
        low = ~(f > 1e-300)
        if np.any(low):
            logf[low] = _logtail.log_abs_pdf_array(t[low], k) - _LOG2
        return float(np.sum(logf) - z.size * np.log(scale))


class absgammadiff_gen(stats.rv_continuous):
    r"""Law of |X − Y|, X, Y iid Gamma(k, scale): ``cdf(δ) = P(|X − Y| ≤ δ)``; ``k > 0``."""

    def _argcheck(self, k):
        # scipy's convention: a shape outside the validated domain gives nan, like any bad shape
        return np.isfinite(k) & (k >= K_MIN) & (k <= K_MAX)

    def _pdf(self, x, k):
        return 2.0 * diff_pdf(x, k, 1.0)

    def _logpdf(self, x, k):
        return _logtail.log_abs_pdf_array(x, k)

    def _cdf(self, x, k):
        return prob_within(x, k, 1.0)

    def _sf(self, x, k):
        return prob_beyond(x, k, 1.0)

    def _logcdf(self, x, k):
        return _logtail.log_within_array(x, k)

    def _logsf(self, x, k):
        return _logtail.log_beyond_array(x, k)

    def _ppf(self, q, k):
        return _quantile(_q.abs_ppf_array, q, k, "absgammadiff.ppf")

    def _isf(self, q, k):
        return _quantile(_q.abs_isf_array, q, k, "absgammadiff.isf")

    def _rvs(self, k, size=None, random_state=None):
        return np.abs(random_state.standard_gamma(k, size) - random_state.standard_gamma(k, size))

    def _stats(self, k):
        m1 = _mean_abs(k)
        m2 = 2.0 * k
        m3 = 2.0 * (2.0 * k + 1.0) * m1
        m4 = 12.0 * k * (k + 1.0)
        var = m2 - m1 ** 2
        mu3 = m3 - 3 * m1 * m2 + 2 * m1 ** 3
        mu4 = m4 - 4 * m1 * m3 + 6 * m1 ** 2 * m2 - 3 * m1 ** 4
        return m1, var, mu3 / var ** 1.5, mu4 / var ** 2 - 3.0

    def _entropy(self, k):
        return np.vectorize(_entropy_abs, otypes=[float])(k)


gammadiff = gammadiff_gen(name="gammadiff", shapes="k")
absgammadiff = absgammadiff_gen(a=0.0, name="absgammadiff", shapes="k")
