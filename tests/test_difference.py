"""prob_within / prob_beyond / diff_pdf / diff_cdf against mpmath, by regime."""
import math

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gammaal
from gammaal import _kernels

import mpref

# (k, t) grid spanning k in [0.1, 1000], t in [1e-12, 1e3]: integer k (Erlang path),
# non-integer k (mixture quadrature), both sides of the tail = 1/2 switch.
KS = [0.1, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.7, 4.0, 4.5, 10.0, 30.5, 100.0, 250.25]
TS = [1e-12, 1e-6, 1e-3, 0.1, 1.0, 3.0, 10.0, 50.0, 200.0, 1000.0]


def _grid_rows():
    rows_w, rows_b = [], []
    for k in KS:
        for t in TS:
            # tails beyond t = 100 need thousands of digits here; test_deep_tail covers them
            w, b = mpref.within_beyond(t, k, tail=t <= 100.0)
            rows_w.append(((t, k), _kernels.within_scaled(t, k), w))
            if b is not None and b >= 1e-300:
                rows_b.append(((t, k), _kernels.beyond_scaled(t, k), b))
    return rows_w, rows_b


@pytest.mark.slow  # 17 s of mpmath at 150 digits; the per-regime checks stay fast
def test_grid_against_struve_reference():
    rows_w, rows_b = _grid_rows()
    mpref.assert_close_table(rows_w, 1e-13)
    mpref.assert_close_table(rows_b, 1e-13)


@pytest.mark.parametrize("k,t", [(1000.0, 30.0), (1000.0, 300.0), (1000.5, 40.0), (1000.5, 1e-12),
                                 (999.5, 5.0), (1000.0, 1e-12), (2000.0, 10.0), (2000.5, 10.0)])
def test_large_shape(k, t):
    w, b = mpref.within_beyond(t, k)
    mpref.assert_close_table([((t, k), _kernels.within_scaled(t, k), w)], 2e-12)
    mpref.assert_close_table([((t, k), _kernels.beyond_scaled(t, k), b)], 2e-12)


@pytest.mark.parametrize("k", [3.0, 30.0, 0.3, 7.5])
def test_both_sides_of_the_half_switch(k):
    # tail = 1/2 is where both kernels switch from the tail to the body representation
    from scipy.optimize import brentq
    tm = brentq(lambda t: _kernels.beyond_scaled(t, k) - 0.5, 1e-8, 1e4, xtol=1e-14)
    rows = []
    for t in (tm * (1 - 1e-9), tm * (1 + 1e-9), tm * 0.9, tm * 1.1):
        w, b = mpref.within_beyond(t, k)
        rows += [((t, k, "w"), _kernels.within_scaled(t, k), w), ((t, k, "b"), _kernels.beyond_scaled(t, k), b)]
    mpref.assert_close_table(rows, 1e-13)


@pytest.mark.parametrize("k", [1.0, 4.0, 30.0])
def test_both_sides_of_the_log_space_switch(k):
    # integer tail: direct Poisson sum below t = 650, log-scaled sum above
    rows = []
    for t in (649.0, 649.999, 650.001, 700.0, 740.0):
        _, b = mpref.within_beyond(t, k)
        rows.append(((t, k), _kernels.beyond_scaled(t, k), b))
    mpref.assert_close_table(rows, 1e-13)


def test_integer_path_boundary_matches_real_path():
    # k = INTEGER_K_MAX uses the Erlang sum, the next representable k the quadrature
    k = _kernels.INTEGER_K_MAX
    k_next = np.nextafter(k, np.inf)
    for t in (1.0, 40.0, 150.0):
        a, b = _kernels.beyond_scaled(t, k), _kernels.beyond_scaled(t, k_next)
        assert abs(a - b) <= 1e-11 * a
    for k_int in (3.0, 17.0):
        for t in (0.01, 2.0, 20.0):
            a = _kernels.within_scaled(t, k_int)
            b = _kernels.within_scaled(t, np.nextafter(k_int, np.inf))
            assert abs(a - b) <= 1e-12 * a


def test_deep_tail_keeps_relative_accuracy():
    rows = []
    for k, t in [(0.1, 100.0), (0.3, 300.0), (0.7, 250.0)]:
        _, b = mpref.within_beyond(t, k)
        rows.append(((t, k), gammaal.prob_beyond(t, k, 1.0), b))
    # integer k: exact-rational finite sum at 40 digits (log-scaled kernel path above t = 650)
    for k, t in [(4, 700.0), (1, 690.0), (50, 800.0), (200, 1000.0)]:
        rows.append(((t, k), gammaal.prob_beyond(t, k, 1.0), mpref.erlang_beyond(t, k)))
    assert min(float(r) for _, _, r in rows) > 1e-300
    mpref.assert_close_table(rows, 5e-13)


def test_theta_range_and_scale():
    rows = []
    for theta in (1e-3, 0.066, 1.0, 1e3):
        for k in (0.7, 4.0, 4.5):
            for t in (1e-6, 0.5, 20.0):
                w, b = mpref.within_beyond(t, k)
                rows.append(((t * theta, k, theta), gammaal.prob_within(t * theta, k, theta), w))
                rows.append(((t * theta, k, theta), gammaal.prob_beyond(t * theta, k, theta), b))
    # δ = tθ carries one rounding, so the reference point moves by ~1 ulp of t
    mpref.assert_close_table(rows, 1e-13)


def test_laplace_closed_form_k1():
    d = np.array([1e-9, 0.01, 1.0, 30.0, 700.0])
    np.testing.assert_allclose(gammaal.prob_beyond(d, 1, 1.0), np.exp(-d), rtol=1e-15)
    np.testing.assert_allclose(gammaal.prob_within(d[:3], 1, 1.0), -np.expm1(-d[:3]), rtol=1e-15)


def test_special_values():
    assert gammaal.prob_within(-1.0, 4, 1.0) == 0.0
    assert gammaal.prob_beyond(-1.0, 4, 1.0) == 1.0
    assert gammaal.prob_within(0.0, 4.5, 1.0) == 0.0
    assert gammaal.prob_within(np.inf, 4.5, 1.0) == 1.0
    assert gammaal.prob_beyond(np.inf, 4, 1.0) == 0.0
    assert math.isnan(gammaal.prob_within(np.nan, 4, 1.0))
    assert math.isnan(gammaal.prob_beyond(np.nan, 4.5, 1.0))
    assert gammaal.diff_cdf(-np.inf, 2, 1.0) == 0.0 and gammaal.diff_cdf(np.inf, 2, 1.0) == 1.0


def test_types_and_broadcasting():
    assert isinstance(gammaal.prob_within(0.1, 4, 0.066), float)
    out = gammaal.prob_within(np.array([[0.1], [0.2]]), np.array([1.0, 4.0, 4.5]), 0.066)
    assert out.shape == (2, 3)
    assert out[1, 2] == gammaal.prob_within(0.2, 4.5, 0.066)
    assert gammaal.prob_within([0.1], 4, 1.0).shape == (1,)
    assert gammaal.diff_pdf(np.zeros((0,)), 4, 1.0).shape == (0,)


@pytest.mark.parametrize("func", [gammaal.prob_within, gammaal.prob_beyond, gammaal.diff_pdf, gammaal.diff_cdf,
                                  gammaal.expected_target])
@pytest.mark.parametrize("k,theta,name", [(0.0, 1.0, "k"), (-2.0, 1.0, "k"), (np.nan, 1.0, "k"), (np.inf, 1.0, "k"),
                                          (1.0, 0.0, "theta"), (1.0, -1.0, "theta"), (1.0, np.inf, "theta"),
                                          ([1.0, -3.0], 1.0, "k"), (1.0, [1.0, np.nan], "theta")])
def test_bad_parameters_raise_value_error_naming_argument(func, k, theta, name):
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        func(0.1, k, theta)


@pytest.mark.parametrize("bad", ["0.1", None, b"1", 1j, np.array(["a"])])
def test_wrong_types_raise_type_error(bad):
    with pytest.raises(TypeError):
        gammaal.prob_within(bad, 4, 1.0)
    with pytest.raises(TypeError):
        gammaal.prob_within(0.1, bad, 1.0)


def test_kernels_callable_from_user_njit():
    @numba.njit
    def user(t, k):
        return _kernels.within_scaled(t, k) + _kernels.beyond_scaled(t, k) + _kernels.expected_target_scaled(t, k)

    assert abs(user(0.7, 4.5) - (1.0 + _kernels.expected_target_scaled(0.7, 4.5))) < 1e-15


def test_paper_table1_integer_values_to_four_decimals():
    # exact rational Erlang-mixture evaluation at 40 digits, independent of the kernels
    import mpmath as mp
    from gammaal.paper.printed import TABLE1_DELTAS

    deltas = list(TABLE1_DELTAS)
    n = 4
    with mp.workdps(40):
        c = [sum(mp.binomial(n - 1 + i, i) / mp.mpf(2) ** (n + i) for i in range(n - m)) for m in range(n)]
        refs = []
        for d in deltas:
            t = mp.mpf(d) / mp.mpf("0.066")
            refs.append(1 - 2 * mp.exp(-t) * sum(t ** m / mp.factorial(m) * c[m] for m in range(n)))
    got = gammaal.prob_within(deltas, 4, 0.066)
    assert [round(g, 4) for g in got] == [round(float(r), 4) for r in refs]
    assert [round(g, 4) for g in got] == [0.0944, 0.1871, 0.2766, 0.3614, 0.4408, 0.5311, 0.611]


def test_monte_carlo_agrees_within_4_se():
    deltas = np.array([0.02, 0.05, 0.1, 0.2, 0.4])
    for k in (4.0, 0.6, 12.5):
        p, se = gammaal.mc_prob_within(deltas, k, 0.066, n=400_000, seed=7)
        exact = gammaal.prob_within(deltas, k, 0.066)
        assert np.all(np.abs(p - exact) <= 4 * se + 1e-12)


# --- density and CDF -----------------------------------------------------------------

def test_pdf_against_bessel_reference():
    rows, rows_large = [], []
    for k in (0.1, 0.3, 0.7, 1.0, 2.0, 4.0, 4.5, 30.5, 200.0, 999.5):
        for z in (1e-8, 0.01, 0.5, 2.0, 10.0, 60.0, -3.0):
            (rows if k < 100 else rows_large).append(((z, k), _kernels.pdf_scaled(z, k), mpref.pdf(z, k)))
    mpref.assert_close_table(rows, 5e-13)
    # large k: z^{2k−1} D(z) multiplies numbers near e^{±7000}; their logs carry ~1e-16 relative error
    mpref.assert_close_table(rows_large, 5e-12)


def test_pdf_at_zero_and_scale():
    k = 3.0
    expected = math.gamma(k - 0.5) / (2 * math.sqrt(math.pi) * math.gamma(k))
    assert abs(gammaal.diff_pdf(0.0, k, 1.0) - expected) < 1e-15
    assert gammaal.diff_pdf(0.0, 0.3, 1.0) == np.inf
    assert abs(gammaal.diff_pdf(0.2, 2.5, 0.5) - 2.0 * gammaal.diff_pdf(0.4, 2.5, 1.0)) < 1e-14


@pytest.mark.parametrize("k", [0.3, 1.0, 4.0, 4.5, 40.0])
def test_pdf_integrates_to_one_and_matches_cdf(k):
    from scipy import integrate
    f = lambda z: gammaal.diff_pdf(z, k, 1.0)  # noqa: E731
    s = math.sqrt(2 * k)
    pts = [0, s / 8, s / 2, s, 2 * s, 5 * s, 12 * s + 40]
    total = 2 * sum(integrate.quad(f, a, b, epsabs=0, epsrel=1e-12, limit=200)[0] for a, b in zip(pts, pts[1:]))
    total += 2 * integrate.quad(f, pts[-1], np.inf, epsabs=1e-300)[0]
    assert abs(total - 1) < 1e-9
    z = 0.7 * s
    part = integrate.quad(f, z, 3 * s, epsabs=0, epsrel=1e-12)[0]
    assert abs((gammaal.diff_cdf(3 * s, k, 1.0) - gammaal.diff_cdf(z, k, 1.0)) - part) < 1e-10


# --- hypothesis properties ---------------------------------------------------------

shapes = st.floats(0.1, 300.0)
scales = st.floats(1e-3, 1e3)
ratios = st.floats(1e-8, 200.0)


@settings(max_examples=60, deadline=None)
@given(shapes, scales, ratios, st.floats(1.0, 3.0))
def test_probability_bounds_monotone_and_complement(k, theta, r, factor):
    d = r * theta
    p1 = gammaal.prob_within(d, k, theta)
    p2 = gammaal.prob_within(d * factor, k, theta)
    assert 0.0 <= p1 <= 1.0
    assert p1 <= p2 * (1 + 1e-14)
    q1 = gammaal.prob_beyond(d, k, theta)
    # each is computed on its own to ~1e-15 relative, so the sum is 1 to a few ulps
    assert abs(p1 + q1 - 1.0) <= 1e-14


@settings(max_examples=60, deadline=None)
@given(shapes, scales, ratios)
def test_scale_invariance(k, theta, r):
    a = gammaal.prob_within(r * theta, k, theta)
    b = gammaal.prob_within(r, k, 1.0)
    # r·θ/θ may differ from r by an ulp; the density bounds the effect
    assert abs(a - b) <= 1e-13 * max(b, 1e-300) + 4e-16 * r * gammaal.diff_pdf(r, k, 1.0) * 4


@settings(max_examples=60, deadline=None)
@given(shapes, scales, st.floats(-500.0, 500.0))
def test_cdf_symmetry(k, theta, z):
    assert abs(gammaal.diff_cdf(z * theta, k, theta) + gammaal.diff_cdf(-z * theta, k, theta) - 1.0) <= 2e-16 * 4


@pytest.mark.parametrize("k", [1.0, 2.0, 7.0, 100.0, 1000.0, 2.5, 30.5])
def test_tiny_delta_matches_leading_term(k):
    # P(|Z| ≤ t) = 2 f(0) t (1 + O(t^{min(2, 2k−1)})) for k > 1/2, f(0) = Γ(k−½)/(2√π Γ(k))
    import mpmath as mp
    lead = float(mp.gamma(k - mp.mpf(1) / 2) / (mp.sqrt(mp.pi) * mp.gamma(k)))
    # integer k: Poisson-term recurrence, ~1 ulp; real k: the quadrature's weights carry
    # e^{log W} with |log W| up to 700, i.e. ~700 ε
    rtol = 2e-15 if k == int(k) else 1e-13
    for t in (1e-300, 1e-200, 1e-100):
        assert abs(gammaal.prob_within(t, k, 1.0) / (lead * t) - 1) < rtol


@pytest.mark.parametrize("k", [1.0, 1.25, 2.0, 4.5, 30.5, 1000.0, 1e8])
def test_tiny_and_subnormal_arguments_for_k_at_least_one(k):
    # Below t ~ 1e-20 the law is flat at 0: f(t) = f(0), P(|Z| <= t) = 2 f(0) t, phi = 1/2 (relative corrections
    # O(t log 1/t)). Reference f(0) = Gamma(k - 1/2) / (2 sqrt(pi) Gamma(k)) at 30 digits; these points used to
    # raise "the quadrature did not converge" (subnormal delta/theta, and k = 1e8 at t = 1.8e-296).
    import mpmath as mp

    with mp.workdps(30):
        f0 = float(mp.gamma(mp.mpf(k) - mp.mpf(1) / 2) / (2 * mp.sqrt(mp.pi) * mp.gamma(k)))
    for t in (1e-300, 1.77e-296, 1e-200, 1e-25):
        assert gammaal.prob_within(t, k, 1.0) == pytest.approx(2 * f0 * t, rel=1e-14)
        assert gammaal.prob_beyond(t, k, 1.0) == 1.0 - 2 * f0 * t
    for t in (1e-310, 1e-320, 1e-200, 1e-25):
        assert gammaal.diff_pdf(t, k, 1.0) == pytest.approx(f0, rel=1e-14)
        assert gammaal.expected_target(t, k, 1.0) == 0.5
    assert gammaal.prob_within(1e-310, k, 1.0) == pytest.approx(2 * f0 * 1e-310, rel=1e-12)  # subnormal result
    assert gammaal.expected_target(1e-305, 4.0, 1e10) == 0.5
