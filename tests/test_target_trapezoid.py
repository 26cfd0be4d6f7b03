"""φ(t) by one trapezoid pass with an a-priori step (gammaal._target_trapezoid) against φ's definition in
mpmath (mpref.expected_target, a quadrature of ∫ f(x) f(x+t) x/(2x+t) dx: an independent method), its
closed-form left tail against a brute-force sum, its step against the strip bound it comes from, and the
dispatch of gammaal._kernels.expected_target_scaled (Bessel recurrence where worth trying, then this pass,
then the adaptive Laplace quadrature) on both sides of each switch.
"""
import math

import numpy as np
import pytest

import gammaal
from gammaal import _kernels, _target_bessel as tb, _target_trapezoid as tt

import mpref

RTOL = 5e-15                  # measured worst 1.8e-15 over the slow grid below (k 1e-8…200, t 1e-6…1e4)
K_GRID = [1e-8, 1e-5, 1e-3, 0.01, 0.05, 0.3, 0.99, 1.0, 1.0000001, 2.5, 5.0, 10.3, 20.0, 35.5, 60.0, 100.0, 150.5, 200.0]
T_GRID = [tt.T_MIN, 1e-3, 0.1, 1.0, 3.0, 10.0, 30.0, 100.0, 1e3, tt.T_MAX]


def _ref(t, k):
    return float(mpref.expected_target(t, k, digits=22))


@pytest.mark.slow
def test_grid_against_mpmath():
    rows = [((t, k), tt.target_trapezoid(t, k), _ref(t, k)) for k in K_GRID for t in T_GRID]
    mpref.assert_close_table(rows, RTOL)


def test_sample_against_mpmath():
    """A fast sibling of the grid: the corners of the range, integers and their neighbours, t ≳ k."""
    pts = [(1e-3, tt.K_MIN), (3.0, 0.05), (0.5, 1.0), (0.5, 0.9999999), (2.0, 2.0000001),    # corners: slow grid
           (4.0, 3.3), (12.0, 5.5), (25.0, 60.5)]
    rows = [((t, k), tt.target_trapezoid(t, k), _ref(t, k)) for t, k in pts]
    mpref.assert_close_table(rows, RTOL)


def test_outside_the_range_hands_back():
    for t, k in [(1.0, tt.K_MIN * 0.9), (1.0, tt.K_MAX * 1.01), (tt.T_MIN * 0.9, 3.0), (tt.T_MAX * 1.01, 3.0),
                 (math.nan, 3.0), (1.0, math.nan)]:
        assert math.isnan(tt.target_trapezoid(t, k)), (t, k)


@pytest.mark.parametrize("k", [1e-8, 0.5, 1.0, 3.7, 20.0, 200.0])
def test_step_meets_the_strip_bound(k):
    """h = step(k) satisfies 4 c^{−p}/(e^{2πθ/h} − 1) ≤ TARGET at some θ, and is within the table's
    rounding (≤ 3 %) of the largest h that does; h does not increase with k."""
    h = tt.step(k)
    p = 2.0 * max(k, 1.0) + 1.0
    theta = np.linspace(1e-3, 0.5 * np.pi - 1e-3, 20001)
    log_c = np.log(np.cos(theta))
    a = 2.0 * np.pi * theta / h
    log_bound = math.log(4.0) - p * log_c - (a + np.log(-np.expm1(-a)))        # in logs: c^{−p} overflows
    assert log_bound.min() <= math.log(tt.TARGET)
    best = (2.0 * np.pi * theta / np.logaddexp(0.0, math.log(4.0 / tt.TARGET) - p * log_c)).max()
    assert 0.97 * best <= h <= best
    assert tt.step(k * 1.5) <= h


@pytest.mark.parametrize("k,t,h", [(0.05, 2.0, 0.2), (0.7, 0.3, 0.2), (3.3, 5.0, 0.15), (40.0, 60.0, 0.07)])
def test_left_tail_closed_form_against_a_brute_force_sum(k, t, h):
    """Σ_{i≥0} g(ξ − ih)/g(ξ) from the series against the sum itself, term by term, for D and M."""
    x = tt._LEFT_X / (t + abs(k - 1.0) + 1.0)
    td, tm = tt._left_tail(x, k, t, h)
    i = np.arange(0, 200000)
    xi = x * np.exp(-i * h)
    logg = k * (-i * h) + (k - 1.0) * np.log1p((xi - x) / (2.0 + x)) - t * (xi - x)
    gd = np.exp(logg)
    gm = gd * (xi / (1.0 + xi)) / (x / (1.0 + x))
    assert gd[-1] < 1e-18 * gd.sum()
    assert math.isclose(td, math.fsum(gd), rel_tol=1e-14)
    assert math.isclose(tm, math.fsum(gm), rel_tol=1e-14)


def test_worth_trying_both_sides():
    assert tb.worth_trying(3.6, 3.5) and tb.worth_trying(2.0, 5.995)          # fitted base: always tried
    assert tb.worth_trying(0.2, 0.07) and not tb.worth_trying(0.2, 0.06)       # below it: t ≤ 3k (k < 1) …
    assert tb.worth_trying(0.2, 3.989) and not tb.worth_trying(0.2, 3.991)     # … frac(k) ≤ 0.99
    assert not tb.worth_trying(1.0, tb.K_MAX * 1.01) and not tb.worth_trying(tb.T_MAX * 1.01, 100.5)


def test_public_function_on_both_sides_of_the_dispatch():
    """Points the Bessel recurrence serves, points it skips or rejects (this pass), and points outside
    this pass's range (the adaptive Laplace quadrature): all within the public tolerance of mpmath."""
    pts = [(3.0, 3.5), (29.0, 2.5),                                 # served / rejected by the recurrence
           (0.9, 1.0), (0.2, 0.06),                                 # integer k / skipped below t = 0.3
           (0.2, 6.995), (40.0, 3.5),                               # frac(k) > 0.99 / past its t range
           (tt.T_MAX * 2.0, 2.5)]                                   # past the pass: Laplace (k > K_MAX: its own tests)
    for t, k in pts:
        ref = _ref(t, k)
        assert abs(gammaal.expected_target(t, k, 1.0) - ref) <= 1e-13 * ref, (t, k)
    # the pass is what serves the points the recurrence does not (same value as the kernel)
    for t, k in [(29.0, 2.5), (40.0, 3.5), (0.9, 1.0)]:
        assert _kernels.expected_target_scaled(t, k) == tt.target_trapezoid(t, k)
