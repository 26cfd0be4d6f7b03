"""ppf/isf of |Z| and Z against mpmath (Struve closed form, or the convolution integral where mpmath's
Bessel/Struve series do not converge), plus hypothesis round trips, cost and floating-point hygiene."""
import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gammaal
from gammaal import _quantile

import mpref

RTOL = 1e-12

# k across ½, 1 and integers; t from the power-law region to tails ~1e-65
POINTS = [(0.1, 1e-12), (0.1, 40.0), (0.37, 0.3), (0.5, 1e-3), (0.999, 9.0), (1.0, 2.0), (1.001, 1e-12),
          (2.5, 0.3), (4.0, 150.0), (7.3, 9.0), (30.5, 2.0), (124.9, 40.0), (1000.5, 9.0)]


def _reference_root(t, k, upper):
    """t itself, corrected for the rounding of the probability handed to ppf/isf."""
    w, b = mpref.within_beyond(t, k, digits=25)
    with mp.workdps(40):
        f = 2 * mpref.pdf(t, k, digits=40)
        if upper:
            prob = float(b)
            return prob, float(mp.mpf(t) - (mp.mpf(prob) - b) / f)
        prob = float(w)
        return prob, float(mp.mpf(t) + (mp.mpf(prob) - w) / f)


@pytest.mark.parametrize("k,t", POINTS)
def test_abs_quantiles_against_struve(k, t):
    p, tref = _reference_root(t, k, upper=False)
    if p < 1 - 1e-6:   # else p rounds to (nearly) 1 and the upper-side input below is the meaningful one
        assert mpref.rel_err(_quantile.abs_ppf_array(p, k), tref) < RTOL
    q, tref = _reference_root(t, k, upper=True)
    assert mpref.rel_err(_quantile.abs_isf_array(q, k), tref) < RTOL


@pytest.mark.parametrize("k,q", [(0.3, 1e-300), (2.5, 1e-300), (4.0, 1e-200), (40.5, 1e-300),
                                 (12.5, 1.82e-240), (12.5, 2.56e-241)])   # roots t ≈ 599 / 601
def test_isf_down_to_1e_300(k, q):
    # the root t solves log P(|Z| > t) = log q; check it with the Bessel-quadrature tail reference
    from test_logtail import log_tail_by_quadrature
    t = _quantile.abs_isf_array(q, k)
    ref = log_tail_by_quadrature(t, k)
    # |d log S/dt| ≈ 1 in the tail, so an error Δt shows as Δt in log S
    assert abs(ref - math.log(q)) < RTOL * t


def test_documented_examples():
    assert gammaal.gammadiff(4, scale=0.066).ppf(0.5) == 0.0
    d = gammaal.absgammadiff(4, scale=0.066)
    delta = d.ppf(0.25)
    assert abs(gammaal.prob_within(delta, 4, 0.066) - 0.25) < 1e-14


def test_symmetry_of_difference_quantiles():
    p = np.array([1e-300, 1e-9, 0.1, 0.3, 0.49])
    z = _quantile.diff_ppf_array(p, 2.5)
    assert np.all(z < 0) and np.all(np.diff(z) > 0)
    np.testing.assert_array_equal(z, -_quantile.diff_isf_array(p, 2.5))
    # P(Z ≤ z) = ½ P(|Z| > |z|) for z < 0
    np.testing.assert_allclose(_quantile.abs_isf_array(2 * p, 2.5), -z, rtol=1e-15)


@settings(max_examples=25, deadline=None)
@given(st.floats(0.1, 1000.0), st.floats(1e-6, 1 - 1e-6))
def test_ppf_of_cdf_round_trip(k, p):
    t = _quantile.abs_ppf_array(p, k)
    assert abs(gammaal.prob_within(t, k, 1.0) - p) <= 1e-13 * max(p, 1e-300) + 1e-15


@pytest.mark.parametrize("k", [30.5, 300.3, 1000.5])
def test_lower_side_quantiles_raise_no_floating_point_warnings(k):
    # The log-t bracket once started at ±inf; LLVM evaluates hi − lo before its guard, so inf − inf set
    # numpy's "invalid" flag and every lower-side ppf warned although the result was right.
    import warnings

    from gammaal import _quantile

    p = np.array([1e-12, 1e-3, 0.3])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = _quantile.abs_ppf_array(p, np.full(3, k))
        s = _quantile.abs_isf_array(np.array([0.9, 0.999]), np.full(2, k))   # q > ½: the lower solver too
    np.testing.assert_allclose(gammaal.prob_within(t, k, 1.0), p, rtol=1e-12)
    np.testing.assert_allclose(gammaal.prob_beyond(s, k, 1.0), [0.9, 0.999], rtol=1e-12)


# ---------------------------------------------------------------------------
# k log-uniform in [1e-3, 1e6] and next to integers, p from 1e-300 to 1 − 1e-16
# ---------------------------------------------------------------------------
def _conv_beyond(t, k, dps=40):
    """P(|Z| > t) = 2 ∫_0^∞ g_k(y) Q(k, y + t) dy (Z > t ⇔ X > Y + t), an mpmath quadrature."""
    with mp.workdps(dps):
        t, k = mp.mpf(t), mp.mpf(k)
        lg = mp.loggamma(k)
        s = mp.sqrt(k)
        pts = sorted({mp.mpf(0), *(k + j * s for j in (-12, -6, -3, 0, 3, 6, 12) if k + j * s > 0)}) + [mp.inf]
        return 2 * mp.quad(lambda y: mp.exp((k - 1) * mp.log(y) - y - lg)
                           * mp.gammainc(k, y + t, mp.inf, regularized=True), pts)


def _conv_pdf(t, k, dps=20):
    """f_{|Z|}(t) = 2 ∫_0^∞ g_k(y) g_k(y + t) dy."""
    with mp.workdps(dps):
        t, k = mp.mpf(t), mp.mpf(k)
        lg = mp.loggamma(k)
        s = mp.sqrt(k)
        pts = sorted({mp.mpf(0), *(k + j * s for j in (-12, -6, -3, 0, 3, 6, 12) if k + j * s > 0)}) + [mp.inf]
        return 2 * mp.quad(lambda y: mp.exp((k - 1) * (mp.log(y) + mp.log(y + t)) - 2 * y - t - 2 * lg), pts)


def root_error(t, k, prob, upper):
    """Relative error of t as the root of P(|Z| > t) = prob (upper) or P(|Z| ≤ t) = prob, from mpmath:
    (P_mp(t) − prob)/(t f(t)) to first order (the error is ≲ 1e-12, so the second order is nil)."""
    try:
        w, b = mpref.within_beyond(t, k, digits=22, tail=upper)
        val = b if upper else w
    except (mp.libmp.NoConvergence, ValueError, RuntimeError):
        b = _conv_beyond(t, k)
        val = b if upper else 1 - b
    try:
        f = 2 * mpref.pdf(t, k, digits=20)
    except (mp.libmp.NoConvergence, ValueError):
        f = _conv_pdf(t, k)
    with mp.workdps(30):
        return float(abs(val - mp.mpf(prob)) / (t * f))


def _solve_case(func, prob, k):
    """(t, the |Z|-probability t solves for, upper side?) for one of the four quantile kernels."""
    t = abs(float(getattr(_quantile, func)(prob, k)))
    if func.startswith("abs"):
        upper = (prob > 0.5) == (func == "abs_ppf_array")
        return t, min(prob, 1 - prob), upper
    # Z symmetric: P(Z ≤ −t) = P(Z > t) = ½ P(|Z| > t) = min(p, 1 − p)
    m = min(prob, 1 - prob)
    return (t, 2 * m, True) if m <= 0.25 else (t, 1 - 2 * m, False)


SWEEP_FAST = [   # (function, probability, k): every regime once, references ≤ ~1 s each
    ("abs_isf_array", 0.3, 1e-3), ("abs_ppf_array", 1e-3, 0.02), ("abs_isf_array", 1e-80, 0.37),
    ("abs_ppf_array", 0.2, 0.5), ("abs_ppf_array", 1e-9, 1 - 1e-9), ("abs_ppf_array", 0.4, 3 - 1e-9),
    ("abs_isf_array", 1e-60, 3 + 1e-9), ("abs_isf_array", 1e-250, 64.0), ("abs_ppf_array", 1 - 1e-16, 4.5),
    ("abs_isf_array", 1 - 1e-10, 7.0), ("diff_ppf_array", 1e-12, 12.5), ("diff_isf_array", 0.3, 1000.5),
    ("abs_isf_array", 1e-10, 3e4), ("abs_ppf_array", 1e-280, 1000.0),
]


# each side of the Struve–Bessel range the Newton steps use (non-integer 0.01 ≤ k ≤ 2000, t ≤ 600; the
# quadratures outside): k = 1999.5 / 2000.5 in the body, k = 0.0099 / 0.0101 (t ≈ 599 / 601: in
# test_isf_down_to_1e_300, whose reference is fast there)
SWEEP_FAST += [
    ("abs_ppf_array", 0.657, 1999.5),
    ("abs_isf_array", 0.343, 2000.5), ("abs_isf_array", 0.2, 0.0099), ("abs_isf_array", 0.2, 0.0101),
    ("abs_ppf_array", 1e-5, 0.0101), ("abs_ppf_array", 1e-5, 4.5 + 1e-9), ("abs_isf_array", 1e-5, 4.5 - 1e-9),
]


@pytest.mark.parametrize("func,prob,k", SWEEP_FAST)
def test_quantiles_against_mpmath_every_regime(func, prob, k):
    t, p_abs, upper = _solve_case(func, prob, k)
    assert root_error(t, k, p_abs, upper) < RTOL


def _sweep_points(seed, n):
    """k log-uniform in [1e-3, 1e6] plus integers ± 1e-9; p log-uniform in [1e-300, ½] on either side,
    ppf also at p = 1 − q, q log-uniform in [1e-16, ½]."""
    rng = np.random.default_rng(seed)
    ks = list(np.exp(rng.uniform(math.log(1e-3), math.log(1e6), n)))
    ks += [float(m) + d for m in rng.integers(1, 80, 3) for d in (-1e-9, 0.0, 1e-9)]
    points = []
    for k in ks:
        deep = float(np.exp(rng.uniform(math.log(1e-300), math.log(0.5))))
        body = float(rng.uniform(1e-3, 0.5))
        near_one = 1 - float(np.exp(rng.uniform(math.log(1e-16), math.log(0.5))))
        # mpmath's references at k ≳ 500 in tails below ~1e-30 take minutes: there the body only
        upper_deep = deep if k < 500 or deep > 1e-30 else body
        points += [("abs_ppf_array", deep, k), ("abs_isf_array", upper_deep, k), ("abs_ppf_array", near_one, k),
                   ("abs_isf_array", body, k)]
    return points


@pytest.mark.slow  # ~1 min: 76 mpmath references, some in tails near 1e-300
def test_quantile_sweep_against_mpmath():
    rows = []
    for func, prob, k in _sweep_points(seed=15, n=10):
        t, p_abs, upper = _solve_case(func, prob, k)
        if t == 0.0:        # the root is below the smallest double (tested below): nothing to compare
            continue
        rows.append((root_error(t, k, p_abs, upper), func, prob, k, t))
    rows.sort(reverse=True)
    print("worst root errors (rel err, function, p, k, t):", *(f"{r[0]:.2e} {r[1:]}" for r in rows[:5]), sep="\n  ")
    assert rows[0][0] < RTOL, rows[:5]


def test_roots_below_the_smallest_double_round_to_zero():
    # k = 1e-3: F(t) ≈ c t^{0.002}, so P(|Z| ≤ t) = 0.1 needs t ~ 1e-500
    assert _quantile.abs_ppf_array(0.1, 1e-3) == 0.0
    w, _ = mpref.within_beyond(5e-324, 1e-3, digits=20, tail=False)
    assert w > 0.1            # even the smallest subnormal already holds more than 10 %
    assert _quantile.abs_ppf_array(1e-300, 0.3) == 0.0
    w, _ = mpref.within_beyond(5e-324, 0.3, digits=20, tail=False)
    assert w > 1e-300


@pytest.mark.parametrize("func,prob,k", [
    ("abs_ppf_array", 0.5, 0.5), ("abs_isf_array", 0.5, 0.5), ("diff_ppf_array", 0.9, 1000.5),
    ("diff_isf_array", 0.1, 1000.5), ("abs_ppf_array", 1e-300, 0.1), ("abs_isf_array", 1e-300, 0.1),
    ("abs_ppf_array", 1e-300, 1e-3), ("abs_ppf_array", 1e-300, 0.5), ("abs_isf_array", 1e-300, 1000.0),
    ("abs_ppf_array", 1 - 1e-16, 1e6), ("diff_ppf_array", 0.3, 4.0), ("abs_isf_array", 0.7, 2.5),
])
def test_no_floating_point_warnings(func, prob, k):
    # The cases that once left numpy's invalid/divide flags set (silenced in distributions.py until the
    # causes were fixed).  Underflow is exempt: negligible terms of the sums vanish by design.
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(divide="raise", over="raise", invalid="raise"):
            t = getattr(_quantile, func)(np.array([prob]), np.array([k]))
    assert np.isfinite(t).all()


def test_newton_needs_few_evaluations():
    # The cost of a quantile is (evaluations) × (one probability + one density): the starts and the stop
    # rule keep it at 1–5 everywhere (it was ~10–40 log-space quadratures before).
    counts = []
    for k in (1e-3, 0.05, 0.3, 0.5, 0.7, 1.0, 4.0, 4.5, 30.5, 100.0, 1000.5, 1e5):
        for p in (1e-300, 1e-50, 1e-10, 1e-4, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 1 - 1e-4, 1 - 1e-10):
            t, n = _quantile.abs_quantile_evals(p, 1 - p, k)
            counts.append(n)
            assert n <= 6, (k, p, n)
    assert np.mean(counts) < 3.0


# upper side, k ≥ 5.5 in the Struve–Bessel range: tails S ≥ 1 % are solved on 1 − P(|Z| ≤ t) (O(1) at large
# k), smaller ones on the small-tail forms; both sides of k = 5.5 and of S = 1 %, integer k ≥ 150 too
UPPER_SWITCH = [(k, q) for k in (5.4, 5.6, 20.5, 60.5, 150.0, 1000.5, 1999.5) for q in (0.0099, 0.0101, 0.2)]


@pytest.mark.parametrize("k,q", UPPER_SWITCH)
def test_upper_quantiles_either_side_of_the_one_minus_p_switch(k, q):
    t = float(_quantile.abs_isf_array(q, k))
    assert root_error(t, k, q, upper=True) < RTOL
    # and ppf at p = 1 − q (exact in binary for these q only to rounding): the same root to ~1e-15 of S
    t2 = float(_quantile.abs_ppf_array(1.0 - q, k))
    assert root_error(t2, k, 1.0 - (1.0 - q), upper=True) < RTOL
