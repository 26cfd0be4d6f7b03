"""Maximum-likelihood fit of a Gamma(k, θ) law (location fixed at 0) to losses.

The profile likelihood in k depends on the data only through
``s = log(mean x) − mean(log x) ≥ 0``; the MLE solves ``log k − ψ(k) = s``,
which we solve by Newton's method in ``log k`` (the function is convex and
monotone there, so Newton from Minka's starting point converges in a few
steps), then ``θ = mean(x)/k``.

Numerical traps handled here: for tightly clustered losses s is far below the
rounding of ``log(mean)`` (1 + 1e-9·U(0, 1) has s ≈ 4e-20 and k ≈ 1e19), so s
is computed without cancellation as ``mean g(v_i) − g(mean v)`` with
``v_i = x_i/c − 1`` and ``g(v) = v − log1p(v) ≥ 0``; ``log k − ψ(k)`` and the
log-likelihood use their large-k asymptotic series (no difference of two
nearly equal logs); the mean is taken of ``x / max(x)`` when the plain sum
overflows (the MLE is scale-equivariant: fitting ``x/c`` gives ``θ·c``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

__all__ = ["GammaFit", "fit_gamma", "empirical_pair_fraction", "MIN_RELATIVE_SPREAD"]

#: ``fit_gamma`` refuses losses whose relative spread ``(max − min)/max`` is below this: such values
#: agree to about 12 significant digits, the level of the rounding in computed losses, and the fit
#: (k ~ 1e24 and beyond) would describe that rounding rather than the losses.
MIN_RELATIVE_SPREAD = 1e-12

# From this k on, the asymptotic (Bernoulli) series beat log k − ψ(k) computed as a difference.
_ASYMPTOTIC_K = 20.0


@dataclass(frozen=True)
class GammaFit:
    """Result of :func:`fit_gamma`.

    Attributes
    ----------
    k, theta : float
        Shape and scale.
    loglik : float
        Log-likelihood at (k, θ).
    n : int
        Number of losses used.
    ks_statistic, ks_pvalue : float or None
        Kolmogorov–Smirnov distance between the empirical CDF and the fitted law,
        and its p-value; ``None`` unless :func:`fit_gamma` was called with
        ``ks=True`` (the test sorts the data and dominates the cost of a fit).
        The parameters were estimated from the same data, so the p-value is
        conservative (too large); use it as a screening number.
    integer_shape : bool
        Whether k was restricted to positive integers.
    """

    k: float
    theta: float
    loglik: float
    n: int
    ks_statistic: float | None = None
    ks_pvalue: float | None = None
    integer_shape: bool = False

    def __str__(self):
        ks = ("KS not computed (fit_gamma(..., ks=True))" if self.ks_statistic is None
              else f"KS D = {self.ks_statistic:.4g} (p = {self.ks_pvalue:.3g})")
        return (f"Gamma fit: k = {self.k:.6g}, theta = {self.theta:.6g}, loglik = {self.loglik:.6g}, "
                f"n = {self.n}, {ks}")


def _log_minus_digamma(k):
    """h(k) = log k − ψ(k) > 0 and its derivative in u = log k, k·h'(k) = 1 − k ψ'(k) < 0."""
    if k < _ASYMPTOTIC_K:
        return math.log(k) - special.digamma(k), 1.0 - k * special.polygamma(1, k)
    r = 1.0 / (k * k)
    # Bernoulli series: h = 1/(2k) + Σ B_2j / (2j k^2j); truncation error < 1e-17 relative at k = 20.
    h = 0.5 / k + r * (1 / 12 + r * (-1 / 120 + r * (1 / 252 + r * (-1 / 240 + r * (1 / 132 + r * (-691 / 32760))))))
    dh = -(0.5 / k + r * (1 / 6 + r * (-1 / 30 + r * (1 / 42 + r * (-1 / 30 + r * (5 / 66))))))
    return h, dh


def _solve_shape(s):
    """Root of log k − ψ(k) = s for s > 0, by Newton in u = log k from Minka's start."""
    k = (3.0 - s + math.sqrt((s - 3.0) ** 2 + 24.0 * s)) / (12.0 * s)
    u = math.log(k)
    last = math.inf
    for _ in range(100):
        h, dh = _log_minus_digamma(math.exp(u))
        step = (h - s) / dh
        u -= step
        if abs(step) < 4e-16 * max(1.0, abs(u)) or abs(step) >= last:
            break
        last = abs(step)
    return math.exp(u)


def _log_normaliser(k):
    """k log k − k − log Γ(k), by Stirling's series for large k (the three terms cancel there)."""
    if k < 10.0:
        return k * math.log(k) - k - special.gammaln(k)
    r = 1.0 / (k * k)
    stirling = (1 / 12 + r * (-1 / 360 + r * (1 / 1260 + r * (-1 / 1680 + r * (1 / 1188 + r * (-691 / 360360)))))) / k
    return 0.5 * math.log(k / (2 * math.pi)) - stirling


def _profile_loglik(k, n, log_mean, s):
    """Log-likelihood at (k, θ = mean/k): n [k log k − k − log Γ(k) − log mean − (k − 1) s]."""
    return n * (_log_normaliser(k) - log_mean - (k - 1.0) * s)


def _g(v, log1p_v):
    """g(v) = v − log1p(v) ≥ 0 for v > −1, without cancellation for small |v|.

    ``log1p_v`` (an accurate log(1 + v), e.g. log(x/mean)) is used only where |v| ≥ 0.1; there the
    plain difference loses < 1.5 digits.  Few temporaries: n can be 1e7.
    """
    w = 2.0 + v
    np.divide(v, w, out=w)              # log1p(v) = 2 atanh(w) = 2 (w + w³/3 + w⁵/5 + ...)
    w2 = w * w
    low, high = float(v.min()), float(v.max())
    everywhere = max(-low, high) < 0.1  # |v| < 0.1: w² < 0.0028, at most 7 terms reach 1e-18
    # w = v/(2 + v) is increasing in v, so the largest w² is at an end of the range
    largest = max(low / (2 + low), high / (2 + high)) ** 2 if everywhere else (0.1 / 1.9) ** 2
    terms = 1 if largest == 0 else max(1, min(7, math.ceil(math.log(1e-18) / math.log(largest))))
    out = np.full_like(w, 1.0 / (2 * terms + 1))
    for j in range(terms - 2, -1, -1):
        out *= w2
        out += 1.0 / (2 * j + 3)
    out *= w2                           # g = v − 2 atanh(w) = w (v − 2 w² S),  as v − 2w = v w
    out *= -2.0
    out += v
    out *= w
    if not everywhere:
        # blend arithmetically (a masked copy is 10x slower): direct + [small](series − direct)
        small = np.abs(v) < 0.1
        direct = np.subtract(v, log1p_v, out=w2)
        out -= direct
        out *= small
        out += direct
    return out


def _mean(x):
    with np.errstate(over="ignore"):
        mean = x.mean()
    if not math.isfinite(mean):
        top = x.max()      # the sum overflowed: average x/max instead (underflowing terms are negligible)
        mean = top * np.mean(x / top)
    return float(mean)


def _shape_statistic(x, mean):
    """s = log(mean) − mean(log x), accurate to ~1e-14 relative even when s ≪ rounding of log(mean)."""
    # With r_i = x_i/mean: s = log(mean r) − mean(log r). Each log r_i carries an absolute error of about
    # eps·(1 + |log r_i|) (the rounding of r_i, then of the log), so the relative error of s is about
    # eps·(1 + L)/s with L = mean |log r|: take this direct form only where that is below ~1e-13.
    r = x / mean
    mean_r = float(r.mean())
    with np.errstate(divide="ignore"):
        log_r = np.log(r, out=r)
    if not log_r.min() > -math.inf:     # some x/mean underflowed (data spanning > 300 decades)
        log_r = np.log(x) - math.log(mean)
    s = math.log(mean_r) - float(log_r.mean())
    low, high = float(log_r.min()), float(log_r.max())
    if s >= 2e-3 * (1.0 + max(-low, high)) or s >= 2e-3 * (1.0 + float(np.abs(log_r).mean())):
        return s  # (the first test bounds L by max |log r| without a temporary array)
    # log x_i = log c + log1p(v_i) and log mean = log c + log1p(ū), so s = mean g(v) − g(ū): no cancellation.
    v = x - mean
    v /= mean
    u = np.array([v.mean()])
    return float(_g(v, log_r).mean() - _g(u, np.log1p(u))[0])


def _checked_losses(losses):
    if losses is None or isinstance(losses, (str, bytes)):
        raise TypeError(f"losses must be an array of positive numbers, got {losses!r}")
    x = np.asarray(losses)
    if x.dtype.kind not in "biuf":
        raise TypeError(f"losses must be real numbers, got dtype {x.dtype}")
    x = x.astype(np.float64, copy=False).ravel()
    if x.size == 0:
        raise ValueError("losses is empty: need at least two positive values to fit a gamma law")
    low, high = float(x.min()), float(x.max())   # NaN propagates through min/max: one check for all
    if not (low > 0 and high < math.inf):
        if not np.all(np.isfinite(x)):
            raise ValueError(f"losses contains {np.count_nonzero(~np.isfinite(x))} NaN/inf value(s)")
        raise ValueError(f"losses must be > 0 (gamma support), found {np.count_nonzero(x <= 0)} value(s) <= 0, "
                         f"e.g. {float(x[x <= 0][0])!r}")
    if x.size < 2:
        raise ValueError("losses needs at least two values to fit two parameters")
    if high - low <= MIN_RELATIVE_SPREAD * high:
        what = "are all equal" if high == low else f"are all equal to rounding (relative spread {(high - low) / high:.2g})"
        raise ValueError(f"losses {what}: the gamma MLE does not exist (k -> inf); fit_gamma needs "
                         f"(max - min)/max > {MIN_RELATIVE_SPREAD:g}")
    return x


def fit_gamma(losses, integer_shape=False, ks=False):
    """Maximum-likelihood Gamma(k, θ) fit with the location fixed at 0.

    Parameters
    ----------
    losses : array_like
        Positive, finite values (any shape; flattened), at least two, with
        relative spread ``(max − min)/max > MIN_RELATIVE_SPREAD`` (1e-12).
        Any magnitude up to the float64 maximum.
    integer_shape : bool
        If True, return the integer k ≥ 1 with the highest profile likelihood
        (θ = mean/k), which is what the paper's integer-k closed form needs.
    ks : bool
        Also run the Kolmogorov–Smirnov test (``ks_statistic``, ``ks_pvalue``);
        it sorts the data and costs far more than the fit itself.

    Returns
    -------
    GammaFit
        k and θ to ~1e-13 relative (measured ≤ 2e-14 against mpmath), however
        tightly the losses cluster (k up to ~1e30).

    Raises
    ------
    ValueError
        Empty input, NaN/inf, values ≤ 0, fewer than two values, values
        equal to rounding (see above), or a fitted θ = mean/k outside the
        normal float64 range (rescale the losses).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> fit = fit_gamma(rng.gamma(4.0, 0.066, size=200_000))
    >>> round(fit.k, 1), round(fit.theta, 3)
    (4.0, 0.066)
    """
    x = _checked_losses(losses)
    n = x.size
    mean = _mean(x)
    log_mean = math.log(mean)
    s = _shape_statistic(x, mean)
    if not s > 0:  # unreachable for data passing the spread check; kept as a guard against a silent inf
        raise ValueError("losses are all equal to rounding: the gamma MLE does not exist (k -> inf)")
    k = _solve_shape(s)
    if integer_shape:
        lo = max(1.0, math.floor(k))
        k = max({lo, lo + 1.0, max(1.0, math.ceil(k))}, key=lambda kk: _profile_loglik(kk, n, log_mean, s))
    theta = mean / k
    if not theta >= np.finfo(np.float64).tiny:
        raise ValueError(f"the fitted scale theta = mean/k = {mean:.3g}/{k:.3g} underflows float64 "
                         "(below 2.2e-308); multiply the losses by a large constant and divide the fitted theta by it")
    if not math.isfinite(theta):
        raise ValueError(f"the fitted scale theta = mean/k = {mean:.3g}/{k:.3g} overflows float64; "
                         "divide the losses by a large constant and multiply the fitted theta by it")
    ks_statistic = ks_pvalue = None
    if ks:
        test = stats.kstest(x, stats.gamma(k, scale=theta).cdf)
        ks_statistic, ks_pvalue = float(test.statistic), float(test.pvalue)
    return GammaFit(k=float(k), theta=float(theta), loglik=float(_profile_loglik(k, n, log_mean, s)), n=int(n),
                    ks_statistic=ks_statistic, ks_pvalue=ks_pvalue, integer_shape=bool(integer_shape))


def empirical_pair_fraction(losses, delta):
    """Fraction of unordered pairs i < j with ``|l_i − l_j| ≤ δ``, exactly, in O(n log n).

    The empirical counterpart of :func:`gammaal.prob_within` for a sample of
    losses.  After sorting, the partners of ``l_i`` within δ above it are the next
    ``searchsorted(l, l_i + δ, "right") − i − 1`` values; no n×n matrix is formed.

    Parameters
    ----------
    losses : array_like
        Finite real numbers, any shape (flattened).
    delta : float or array_like
        Margin(s) δ, like :func:`gammaal.prob_within`: δ < 0 gives 0, δ = +inf
        gives 1, NaN gives NaN.  An array gives an array of the same shape.

    Returns
    -------
    float or ndarray
        In [0, 1]; NaN when there are fewer than two losses.

    Raises
    ------
    TypeError
        Non-real losses or δ (strings, complex, None).
    ValueError
        NaN or inf among the losses.

    Examples
    --------
    >>> round(empirical_pair_fraction([0.0, 0.1, 0.5], 0.2), 12)
    0.333333333333
    >>> empirical_pair_fraction([0.0, 0.1, 0.5], [-1.0, 1.0])
    array([0., 1.])
    """
    x = np.sort(_real_array(losses, "losses").ravel())
    if not np.all(np.isfinite(x)):
        raise ValueError(f"losses must be finite, found {np.count_nonzero(~np.isfinite(x))} NaN/inf value(s)")
    deltas = _real_array(delta, "delta")
    out = np.array([_pair_fraction_sorted(x, d) for d in deltas.ravel()], dtype=np.float64).reshape(deltas.shape)
    return float(out) if deltas.ndim == 0 else out


def _real_array(value, name):
    if value is None or isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be real numbers, got {value!r}")
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be real numbers, got dtype {arr.dtype}")
    return arr.astype(np.float64)


def _pair_fraction_sorted(x, delta):
    n = x.size
    if n < 2 or math.isnan(delta):
        return math.nan
    if delta < 0:
        return 0.0
    if delta == math.inf:
        return 1.0
    index = np.arange(n)
    upper = np.searchsorted(x, x + delta, side="right")
    # ``x_i + δ`` is rounded, so the search can miss by a few values at the boundary;
    # ``x_j − x_i`` is monotone in j, so nudging on the exact predicate |x_j − x_i| <= δ is exact.
    while True:
        grow = (upper < n) & (x[np.minimum(upper, n - 1)] - x <= delta)
        if not grow.any():
            break
        upper += grow
    while True:
        shrink = (upper > index + 1) & (x[np.maximum(upper - 1, 0)] - x > delta)
        if not shrink.any():
            break
        upper -= shrink
    return int((upper - index - 1).sum()) / (n * (n - 1) / 2)
