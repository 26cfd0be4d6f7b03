"""The per-point Struve–Bessel kernel (gammaal._bessel) against mpmath, on both sides of every switch.

References: mpref's modified-Struve form at raised precision (an mpmath evaluation of the same
closed form with mpmath's own Bessel K and Struve L, so it tests our Temme/CF2/recurrence/series
implementation, not the formula) and mpmath's Bessel K for the density.
"""
import math

import numpy as np
import pytest

import gammaal
from gammaal import _bessel, _kernels

import mpref

KLO, KHI, XHI = _bessel.K_MIN, _bessel.K_MAX, _bessel.X_MAX
# x = 2 switches Temme's series to CF2; x = 2e^{−1.25} ≈ 0.573 is where |μ log(2/x)| = 0.5 for μ = 0.4 (k = 1.9)
SWITCH_T = [1.999999, 2.000001, 0.57, 0.576]
SWITCH_K = [KLO * 1.0001, 0.9999999, 1.0000001, 1.4999999, 1.5000001, 1.9, 2.5000001, 19.7, KHI * 0.9999]


def _within_rows(points):
    rows = []
    for t, k in points:
        w, _ = mpref.within_beyond(t, k, digits=30, tail=False)
        rows.append(((t, k), _kernels.within_scaled(t, k), w))
    return rows


def test_switch_points_against_struve_reference():
    pts = [(t, k) for k in SWITCH_K for t in SWITCH_T]
    mpref.assert_close_table(_within_rows(pts), 1e-13)


@pytest.mark.parametrize("k", [KLO * 0.9999, KLO * 1.0001, KHI * 0.9999, KHI * 1.0001])
def test_both_sides_of_the_shape_range(k):
    # inside: the Struve kernel; outside: the quadratures — both accurate
    assert _kernels.struve_applies(1.0, k) == (KLO <= k <= KHI)
    mpref.assert_close_table(_within_rows([(t, k) for t in (1e-6, 0.3, 3.0, 3 * math.sqrt(k) + 1)]), 1e-13)


def test_both_sides_of_the_t_range():
    k = 3.3
    assert _kernels.struve_applies(XHI, k) and not _kernels.struve_applies(XHI * 1.001, k)
    assert _kernels.struve_applies(_kernels.T_TINY, k) and not _kernels.struve_applies(_kernels.T_TINY * 0.99, k)
    # P = 1 to double precision beyond t ~ 60 for k = 3.3: the struve sum must give exactly that
    assert _kernels.within_scaled(XHI, k) == 1.0 == _kernels.within_scaled(XHI * 1.001, k)
    rows = _within_rows([(1e-300, k), (1e-299, k), (1e-250, 150.5), (1e-250, 0.3), (40.0, 199.5)])
    mpref.assert_close_table(rows, 1e-13)


def test_integer_shapes_keep_the_erlang_path():
    assert not _kernels.struve_applies(1.0, 4.0)
    assert _kernels.struve_applies(1.0, np.nextafter(4.0, 5.0))
    for t in (0.3, 5.0):
        a = _kernels.within_scaled(t, 4.0)
        b = _kernels.within_scaled(t, np.nextafter(4.0, 5.0))
        assert abs(a - b) <= 1e-14 * a


def test_tail_from_the_complement_on_both_sides_of_its_switch():
    from scipy.optimize import brentq
    rows = []
    for k in (0.3, 2.7, 15.5):
        # P = 0.75: below it prob_beyond is 1 − P (tail ≥ ¼), above it the tail quadrature
        tm = brentq(lambda t: _bessel.within_struve(t, k) - _kernels._STRUVE_TAIL_MAX_P, 1e-6, 100.0, xtol=1e-14)
        for t in (tm * (1 - 1e-8), tm * (1 + 1e-8), tm * 0.7):
            _, b = mpref.within_beyond(t, k, digits=30)
            rows.append(((t, k), _kernels.beyond_scaled(t, k), b))
    mpref.assert_close_table(rows, 1e-13)


def test_mixed_shape_array_against_reference_and_scalars():
    rng = np.random.default_rng(7)
    k = rng.uniform(0.5, 20.0, 24)
    d = np.abs(rng.gamma(k) - rng.gamma(k)) * 0.7
    theta = 0.37
    p = gammaal.prob_within(d, k, theta)
    q = gammaal.prob_beyond(d, k, theta)
    f = gammaal.diff_pdf(d, k, theta)
    rows_p, rows_q, rows_f = [], [], []
    for i in range(k.size):
        t = float(d[i] / theta)
        w, b = mpref.within_beyond(t, k[i], digits=30)
        rows_p.append(((t, k[i]), p[i], w))
        rows_q.append(((t, k[i]), q[i], b))
        rows_f.append(((t, k[i]), f[i], mpref.pdf(t, k[i], digits=40) / theta))
        assert abs(p[i] - gammaal.prob_within(float(d[i]), float(k[i]), theta)) <= 1e-15 * p[i]
    mpref.assert_close_table(rows_p, 1e-13)
    mpref.assert_close_table(rows_q, 1e-13)
    mpref.assert_close_table(rows_f, 1e-13)


@pytest.mark.parametrize("k", [KLO * 1.0001, 0.1, 0.4999999, 0.5000001, 0.9999999, 1.0000001, 2.5000001, 7.3, 60.5,
                               KHI * 0.9999, KHI * 1.0001])
def test_density_against_bessel_k(k):
    rows = []
    for t in (1e-250, 1e-8, 0.57, 1.999999, 2.000001, 9.0, 3 * math.sqrt(k) + 2):
        rows.append(((t, k), _kernels.pdf_scaled(t, k), mpref.pdf(t, k, digits=60)))
    mpref.assert_close_table(rows, 1e-13)


@pytest.mark.slow
def test_dense_grid_against_struve_reference():
    ks = [0.01, 0.05, 0.2, 0.49, 0.7, 1.3, 1.7, 3.7, 4.5, 7.25, 10.5, 19.9, 50.3, 100.5, 199.7]
    ts = [1e-300, 1e-100, 1e-12, 1e-3, 0.1, 0.5, 1.0, 3.0, 7.0, 15.0, 30.0, 60.0, 150.0]
    mpref.assert_close_table(_within_rows([(t, k) for k in ks for t in ts]), 1e-13)


def test_small_tail_on_both_sides_of_its_ranges():
    from gammaal import _struve_tail as st
    rows = []
    for k in (st.K_MIN * 0.9999, st.K_MIN * 1.0001, 1.9999999, 2.0000001, 6.5, st.K_MAX * 0.9999, st.K_MAX * 1.0001):
        for t in (st.X_MAX * 0.999, st.X_MAX * 1.001, 0.5 * st.X_MAX, 3.0 + math.sqrt(2 * k)):
            _, b = mpref.within_beyond(t, k, digits=30)
            if b < 0.25:
                rows.append(((t, k), _kernels.beyond_scaled(t, k), b))
    assert len(rows) >= 20
    mpref.assert_close_table(rows, 1e-13)


def test_small_shape_tail_by_one_step_of_the_shape_recurrence():
    # 0.5 ≤ k < 1.5: P_k(|Z| > t) = P_{k+1}(|Z| > t) − t f_k(t)/k where that loses ≤ 5 bits, else the quadrature
    rows, used = [], 0
    for k in (0.4999999, 0.5000001, 0.7, 0.9999999, 1.0000001, 1.4999999):
        for t in (2.0, 5.0, 10.0, 29.9):
            _, b = mpref.within_beyond(t, k, digits=30)
            used += not math.isnan(_kernels.struve_within_beyond(t, k)[1])
            rows.append(((t, k), _kernels.beyond_scaled(t, k), b))
    assert used >= 12
    mpref.assert_close_table(rows, 1e-13)


def test_tail_by_the_shape_recurrence_on_both_sides_of_its_ranges():
    # k ≥ REC_K1 + 1 outside the direct small-tail range: the M-function form at k₁ ∈ [4.5, 5.5)
    # (tanh–sinh J for t ≤ 30, Gauss–Laguerre above) plus positive increments x f_k'(x)/k'
    from gammaal import _struve_tail as st
    rows = []
    k_lo = st.REC_K1 + 1.0
    for k in (k_lo * 0.9999, k_lo * 1.0001, st.K_MAX * 0.9999, st.K_MAX * 1.0001, 100.5, 1999.7):
        s = math.sqrt(2.0 * k)
        for t in (st.X_MAX * 0.999, st.X_MAX * 1.001, 3.0 * s, 6.0 * s):
            _, b = mpref.within_beyond(t, k, digits=30)
            if 1e-290 < b < 0.25:
                rows.append(((t, k), _kernels.beyond_scaled(t, k), b))
    assert len(rows) >= 14
    mpref.assert_close_table(rows, 1e-13)


@pytest.mark.slow  # 46 s of mpmath; both sides of the recurrence's ranges stay in the fast suite
def test_deep_tail_by_the_shape_recurrence():
    rows = []
    for k, t in ((6.3, 200.0), (30.5, 250.0), (5.5000001, 599.0)):
        _, b = mpref.within_beyond(t, k, digits=30)
        rows.append(((t, k), _kernels.beyond_scaled(t, k), b))
    mpref.assert_close_table(rows, 1e-13)


@pytest.mark.parametrize("k", [149.0, 150.0, 151.0, 400.0, 1000.0, 1001.0])
def test_large_integer_shapes_take_the_struve_form(k):
    # integer k ≥ STRUVE_INTEGER_K_MIN (150): the Struve form (ν = k − ½, the Temme pair at μ = −½) replaces
    # the O(k) Erlang sums where it is cheaper; both sides of the switch, body and tails, against mpmath
    assert _kernels.struve_applies(1.0, k) == (k >= _kernels.STRUVE_INTEGER_K_MIN)
    s = math.sqrt(2.0 * k)
    rows_p, rows_q = [], []
    for t in (1e-3, 0.3 * s, s, 3.0 * s, 6.0 * s):
        w, b = mpref.within_beyond(t, k, digits=30)
        p, q = _kernels.within_beyond_scaled(t, k)
        rows_p.append(((t, k), p, w))
        rows_p.append(((t, k), _kernels.within_scaled(t, k), w))
        rows_q.append(((t, k), q, b))
        rows_q.append(((t, k), _kernels.beyond_scaled(t, k), b))
    mpref.assert_close_table(rows_p, 1e-13)
    mpref.assert_close_table(rows_q, 1e-13)


def _debye_exponent(nu, x):
    z2 = (x / nu) ** 2
    s = math.sqrt(1.0 + z2)
    w = 0.5 * z2 / (s + 1.0)
    return nu * (math.log1p(w) - 2.0 * w)


@pytest.mark.parametrize("k", [60.4999, 60.5001, 61.4999, 61.5001, 126.47265625, 150.0, 999.5, 1000.5, 1999.9])
def test_debye_expansion_on_both_sides_of_its_ranges(k):
    # R_ν from Debye's expansion for ν ≥ NU_DEBYE (the density at ν = k − ½, the Struve pair at ν − 1 too)
    # where its exponent is ≥ −DEBYE_MAX_EXPONENT, the forward recurrence elsewhere: t on both sides of that exponent bound
    nu = k - 0.5
    assert _bessel.NU_DEBYE == 60.0          # the parameters straddle ν = 60 and ν − 1 = 60
    lo, hi = 1.0, 600.0              # t where the exponent of R_ν reaches its bound (bisection on its closed form)
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if _debye_exponent(nu, mid) > -_bessel.DEBYE_MAX_EXPONENT else (lo, mid)
    ts = [1e-3, 0.5 * math.sqrt(2 * k), 2.0 * math.sqrt(2 * k), 0.99 * lo, 1.01 * lo]
    ts = [t for t in ts if t <= _bessel.X_MAX]
    ts += [0.9 * lo, 0.95 * lo] if k == 126.47265625 else []
    rows_f = [((t, k), _kernels.pdf_scaled(t, k), mpref.pdf(t, k, digits=40)) for t in ts]
    rows_p = []
    for t in ts:
        w, _ = mpref.within_beyond(t, k, digits=30, tail=False)
        if w < 1.0 - 1e-3:
            rows_p.append(((t, k), _kernels.within_scaled(t, k), w))
    mpref.assert_close_table(rows_f, 2e-14)     # tighter than the 1e-13 goal: the expansion's own error
    mpref.assert_close_table(rows_p, 2e-14)


def test_debye_table_is_the_sympy_recurrence():
    from derivations.debye_coefficients import debye_rows

    rows = debye_rows(_bessel._DEBYE_U.shape[0])
    for k, row in enumerate(rows, start=1):
        assert _bessel._DEBYE_LEN[k - 1] == len(row)
        assert [float(v) for v in _bessel._DEBYE_U[k - 1, :len(row)]] == [float(c) for c in row]


@pytest.mark.parametrize("k", [98.625, 300.5])
def test_prob_within_near_one_is_one_minus_the_accurate_tail(k):
    """Far out at large k the Struve form of P alone keeps ~1e-14 relative (k = 98.625, t = 196 gave
    1 − 1.1e-14 for a true 1 − 5.8e-34): P is 1 − (the small tail) there, right to an ulp of 1."""
    sigma = math.sqrt(2.0 * k)
    for x in (2.5, 4.0, 8.0, 14.0):
        t = x * sigma
        p_ref, b_ref = mpref.within_beyond(t, k)
        for p in (gammaal.prob_within(t, k, 1.0), gammaal.prob_within(np.array([t, 1.0]), np.array([k, 2.5]), 1.0)[0]):
            assert abs(p - float(p_ref)) <= 1.2e-16, (k, x, p, float(p_ref))
