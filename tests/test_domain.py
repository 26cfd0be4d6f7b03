"""The validated domain of the analytic core: every regime boundary tested on both
sides against mpmath, the silent wrong answers of the adversarial passes (issues 10
and 15) pinned, and what lies outside the domain refused with a ValueError."""
import math

import mpmath as mp
import numpy as np
import pytest

import gammaal
from gammaal import _kernels, _validate
from gammaal.difference import K_MAX, K_MIN
from gammaal.gradient import TARGET_K_MAX, TARGET_K_MIN

import mpref


def _rows_struve(points, funcs=("w", "b")):
    rows = []
    for t, k in points:
        w, b = mpref.within_beyond(t, k)
        if "w" in funcs:
            rows.append(((t, k, "within"), gammaal.prob_within(t, k, 1.0), w))
        if "b" in funcs:
            rows.append(((t, k, "beyond"), gammaal.prob_beyond(t, k, 1.0), b))
    return rows


# --- the reported silent wrong numbers ----------------------------------------------

def test_reported_points():
    rows = _rows_struve([(1.0, 1e-4)], funcs="b")                    # was 5.0e-6 (true 4.39e-5)
    # k = 1e9: Edgeworth through O(1/k²), whose omitted part is ~1e-27 here; was 0.0034
    w, _ = mpref.edgeworth_within(3162.28, 1e9)
    rows.append((("3162.28", 1e9), gammaal.prob_within(3162.28, 1e9, 1), w))
    # deep tail of a non-integer k ≈ 125 (was 0.0): Struve form, precision raised until the tail is stable
    t, k = 272.74274068097884, 124.91517977821691
    _, b = mpref.within_beyond(t, k)
    rows.append(((t, k), gammaal.prob_beyond(t, k, 1), b))
    # δ/θ = 1e-400 underflows; P ~ c t^{2k} (was 0.0)
    with mp.workdps(40):
        w, _ = mpref.within_beyond(mp.mpf("1e-400"), 0.01, tail=False)
    rows.append((("1e-200/1e200", 0.01), gammaal.prob_within(1e-200, 0.01, 1e200), w))
    mpref.assert_close_table(rows, 1e-13)
    assert abs(float(b) / 2.3191151931536458e-49 - 1) < 1e-15          # the value the issue quotes


def test_expected_target_at_huge_shape_is_finite_and_asymptotic():
    # was NaN at k = 1e20.  φ = ½ − (t/2) E[1/U], U = 2X + t given Y − X = t, and U concentrates at
    # the conditional mode u* = (k−1) + √((k−1)² + t²) with relative spread O(1/√k), so
    # φ = ½ − (t/2)/u* · (1 + O(1/k)): an absolute error below 1e-28 here
    for k in (1e12, 1e16, TARGET_K_MAX):
        for t in (1e-3, 1.0, 1e8):
            v = gammaal.expected_target(t, k, 1.0)
            ustar = (k - 1) + math.hypot(k - 1, t)
            assert abs(v - (0.5 - 0.5 * t / ustar)) <= 2.3e-16


# --- small k: the geometric rest of the W-quadrature ---------------------------------

@pytest.mark.parametrize("k", [K_MIN, 1e-6, 1e-4, 3e-3, 0.0099, 0.0101])
def test_small_shapes(k):
    # k = 0.01 is where the linear-space quadrature takes over from the log-space one
    pts = [(t, k) for t in (1e-12, 1e-3, 0.3, 2.0, 40.0)]
    mpref.assert_close_table(_rows_struve(pts), 1e-13)


def test_small_shape_density_and_target():
    rows = []
    for k in (K_MIN, 1e-4, 3e-3):
        for t in (1e-6, 0.5, 20.0):
            rows.append(((t, k, "pdf"), gammaal.diff_pdf(t, k, 1.0), mpref.pdf(t, k)))
    # the φ reference integrates ~40/k units of log x at tiny k: two points per shape
    for k, t in [(K_MIN, 0.5), (1e-4, 1e-6), (3e-3, 20.0)]:
        rows.append(((t, k, "phi"), gammaal.expected_target(t, k, 1.0), mpref.expected_target(t, k, digits=20)))
    mpref.assert_close_table(rows, 1e-13)


# --- large k: the S-quadrature and its boundaries ------------------------------------

def test_both_sides_of_k_large():
    # 1000 = INTEGER_K_MAX = K_LARGE: Erlang sum / W-quadrature below, S-quadrature above
    assert _kernels.INTEGER_K_MAX == _kernels.K_LARGE == 1000.0
    s = math.sqrt(2000.0)
    pts = [(c * s, k) for k in (999.5, 1000.5) for c in (1e-3, 0.7, 3.0)]
    rows = _rows_struve(pts)
    for k in (1000.0, 1001.0):
        for c in (1e-3, 0.7, 3.0, 8.0):
            t = c * s
            rows.append(((t, k), gammaal.prob_beyond(t, k, 1.0), mpref.erlang_beyond(t, k)))
    mpref.assert_close_table(rows, 1e-13)


def test_large_shape_deep_tails_and_the_s_handover():
    # the S-quadrature serves k > 1000 down to 1e-290, the log-space W-quadrature below
    from scipy.optimize import brentq
    rows = []
    for k in (1001.0, 3000.0):
        s = math.sqrt(2 * k)
        for c in (8.0, 30.0, 36.0):
            rows.append(((c * s, k), gammaal.prob_beyond(c * s, k, 1.0), mpref.erlang_beyond(c * s, k)))
    k = 1001.0
    tm = brentq(lambda t: math.log(_kernels.beyond_scaled(t, k)) + 290 * math.log(10), 1790.0, 1900.0)
    for t in (tm * (1 - 1e-4), tm * (1 + 1e-4)):
        rows.append(((t, k), gammaal.prob_beyond(t, k, 1.0), mpref.erlang_beyond(t, k)))
    # log-space results carry ε·|log P| from exponentiating; measured ≤ 1.5e-12 at 1e-290
    worst = mpref.assert_close_table(rows[:-1], 1e-13)
    mpref.assert_close_table(rows[-1:], 2e-12)
    assert worst < 1e-13


@pytest.mark.parametrize("k", [1e7, 1e9, K_MAX])
def test_huge_shapes_against_edgeworth(k):
    rows = []
    for x in (1e-4, 0.07, 1.0, 3.0, 6.0):
        t = x * math.sqrt(2 * k)
        w, b = mpref.edgeworth_within(t, k)
        rows += [((t, k, "w"), gammaal.prob_within(t, k, 1.0), w), ((t, k, "b"), gammaal.prob_beyond(t, k, 1.0), b)]
        f = mpref.edgeworth_pdf(t, k)
        rows.append(((t, k, "pdf"), gammaal.diff_pdf(t, k, 1.0), f))
    mpref.assert_close_table(rows, 1e-13)


def test_large_shape_density_and_exact_zero():
    rows = []
    for k, z in [(150.0, 1e-275), (150.0, 3.0), (8e4, 1.0), (8e4, 300.0), (8e4, 2000.0), (1e6, 1e3)]:
        rows.append(((z, k), gammaal.diff_pdf(z, k, 1.0), mpref.pdf(z, k)))
    for k in (30.5, 150.0, 8e4):
        with mp.workdps(30):
            f0 = mp.gamma(k - mp.mpf(1) / 2) / (2 * mp.sqrt(mp.pi) * mp.gamma(k))
        rows.append(((0.0, k), gammaal.diff_pdf(0.0, k, 1.0), f0))
    mpref.assert_close_table(rows, 1e-13)


# --- deep tails in log space ------------------------------------------------------------

@pytest.mark.parametrize("k,t", [(30.0, 300.0), (30.0, 500.0), (30.0, 700.0), (100.0, 450.0), (125.0, 300.0),
                                 (4.0, 680.0), (1.0, 690.0)])
def test_deep_tail_real_k_path_against_exact_integer_sum(k, t):
    # the real-k quadratures (linear space above 1e-250, log space below) run at integer k here
    # (bypassing the Erlang sum), so the exact rational Erlang sum is their reference
    ref = mpref.erlang_beyond(t, k)
    assert 1e-300 < ref < 1e-40
    got = _kernels._real_prob(t, math.log(t), k, True)
    # log space (below 1e-250) carries ε·|log P| from exponentiating: a few e-13 there
    mpref.assert_close_table([((t, k), got, ref)], 1e-13 if ref > 1e-250 else 5e-13)


@pytest.mark.slow
@pytest.mark.parametrize("k,t", [(30.5, 700.0), (100.5, 450.0)])
def test_deep_tail_non_integer_against_struve(k, t):
    # the Struve reference needs ~600 digits here (minutes)
    _, b = mpref.within_beyond(t, k)
    mpref.assert_close_table([((t, k), gammaal.prob_beyond(t, k, 1.0), b)], 5e-13)


def test_both_sides_of_the_log_space_fallback():
    # the linear-space quadrature hands over to the log-space one below 1e-250
    from scipy.optimize import brentq
    k = 30.0
    tm = brentq(lambda t: math.log(_kernels.beyond_scaled(t, k)) + 250 * math.log(10), 500.0, 700.0)
    rows = []
    for t in (tm * (1 - 1e-4), tm * (1 + 1e-4)):
        rows.append(((t, k), _kernels._real_prob(t, math.log(t), k, True), mpref.erlang_beyond(t, k)))
    mpref.assert_close_table(rows, 5e-13)


# --- t below the normal range (δ/θ underflows) --------------------------------------------

def test_both_sides_of_t_tiny():
    rows = []
    for k in (0.3, 0.7, 4.5, 1500.5):
        for t in (_kernels.T_TINY * 0.999, _kernels.T_TINY * 1.001):
            w, _ = mpref.within_beyond(t, k, tail=False)
            rows.append(((t, k), gammaal.prob_within(t, k, 1.0), w))
    # k = 1500.5 gives P ≈ 1.5e-302 here, below the 1e-300 floor of the accuracy statement
    mpref.assert_close_table(rows[:-2], 1e-13)
    mpref.assert_close_table(rows[-2:], 2e-13)


def test_underflowing_ratio_uses_log_t():
    rows = []
    with mp.workdps(40):
        t = mp.mpf("1e-400")
        for k in (0.01, 0.3, 0.45):
            w, _ = mpref.within_beyond(t, k, tail=False)
            rows.append(((k, "within"), gammaal.prob_within(1e-200, k, 1e200), w))
            rows.append(((k, "cdf"), gammaal.diff_cdf(1e-200, k, 1e200), mp.mpf(1) / 2 + w / 2))
            rows.append(((k, "cdf-"), gammaal.diff_cdf(-1e-200, k, 1e200), mp.mpf(1) / 2 - w / 2))
            rows.append(((k, "beyond"), gammaal.prob_beyond(1e-200, k, 1e200), 1 - w))
            # f(z)/θ at z/θ = 1e-400: f(t) ~ t^{2k−1}
            rows.append(((k, "pdf"), gammaal.diff_pdf(1e-200, k, 1e200), mpref.pdf(t, k, digits=40) / mp.mpf("1e200")))
        lim = mpref.target_limit_small_k(0.3)
    rows.append(((0.3, "phi"), gammaal.expected_target(1e-200, 0.3, 1e200), lim))   # φ(0⁺) for k < ½
    mpref.assert_close_table(rows, 1e-12)
    assert gammaal.expected_target(1e-200, 3.0, 1e200) == 0.5


# --- outside the domain: refused, never a silent number -----------------------------------

@pytest.mark.parametrize("func", [gammaal.prob_within, gammaal.prob_beyond, gammaal.diff_pdf, gammaal.diff_cdf])
@pytest.mark.parametrize("k", [K_MIN / 10, K_MAX * 10])
def test_shapes_outside_the_validated_range_are_refused(func, k):
    with pytest.raises(ValueError, match=r"k must lie in \[1e-08, 1e\+10\]"):
        func(1.0, k, 1.0)


@pytest.mark.parametrize("k", [TARGET_K_MIN / 10, TARGET_K_MAX * 10])
def test_target_shapes_outside_the_validated_range_are_refused(k):
    with pytest.raises(ValueError, match=r"\bk must lie in"):
        gammaal.expected_target(1.0, k, 1.0)


def test_unconverged_kernel_result_raises_naming_the_point():
    out = np.array([0.5, np.nan, np.nan])
    inputs = (np.array([1.0, 2.0, np.nan]), np.array([4.0, 4.5, 4.5]), np.ones(3))
    with pytest.raises(ArithmeticError, match=r"delta=2\.0, k=4\.5, theta=1\.0"):
        _validate.check_converged(out, inputs, ("delta", "k", "theta"), "prob_within")
    # NaN input gives NaN output without complaint
    _validate.check_converged(out[[0, 2]], tuple(a[[0, 2]] for a in inputs), ("delta", "k", "theta"), "f")
