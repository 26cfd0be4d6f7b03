"""φ(t) by the reflected shape's tail and the shape recurrence (gammaal._target_bessel) against φ's
definition in mpmath (mpref.expected_target: a quadrature of ∫ f(x) f(x+t) x/(2x+t) dx, an independent
method), on both sides of every switch of that kernel:

* the base: the fitted series of gammaal._target_base for 0.3 ≤ t ≤ 30 (its panel edges too), below that
  the Bessel pair with the Struve body 1 − P_s, or (P_s > ¾, small s) the M-function tail at s + 2 stepped
  down, s = 1 − frac(k);
* the pair order −|frac(k) − ½| below t = 0.3: frac(k) just below / above ½;
* the shape range [K_MIN, K_MAX], t range [T_MIN, T_MAX], and k just above / below integers;
* the a-posteriori bound: points it accepts and points it hands to the trapezoid pass (whose result the
  public function then returns; both must be right).
"""
import math

import numpy as np
import pytest

import gammaal
from gammaal import _kernels, _target_bessel as tb

import mpref

RTOL = 1e-13                  # the public function (either path)
RTOL_KERNEL = 2e-14           # the kernel where its bound (5e-14) accepts: measured worst 3.8e-15 on the grid
# frac(k) below/above ½ (μ sign), s = 1 − frac(k) below/above ½ (one or two steps down), near integers
K_SWITCH = [0.0100001, 0.3, 0.4999999, 0.5000001, 0.7, 0.99, 1.0000001, 1.9999999, 2.25, 3.75, 7.4999999,
            7.5000001, 12.1, 19.6, 45.5, 199.5]
T_SWITCH = [tb.T_MIN, 1e-3, 0.2999999, 0.3000001, 0.5, 2.2000001, 3.0, 8.9999999, 17.0, tb.T_MAX]


def _ref(t, k):
    return float(mpref.expected_target(t, k, digits=22))


def _grid():
    return [(t, k) for k in K_SWITCH for t in T_SWITCH]


@pytest.mark.slow
def test_kernel_and_public_function_on_the_switch_grid():
    accepted = rejected = 0
    rows, kernel_rows = [], []
    for t, k in _grid():
        ref = _ref(t, k)
        v = tb.target_bessel(t, k)
        if math.isnan(v):
            rejected += 1
        else:
            accepted += 1
            kernel_rows.append(((t, k), v, ref))
        rows.append(((t, k), gammaal.expected_target(t, k, 1.0), ref))
    assert accepted > 40 and rejected > 10          # both sides of the bound are exercised
    mpref.assert_close_table(kernel_rows, RTOL_KERNEL)
    mpref.assert_close_table(rows, RTOL)


def test_both_sides_of_each_switch_fast():
    """A small sibling of the grid test: each switch once on each side (kernel accepted there)."""
    pts = [(0.2999999, 5.3), (0.3000001, 5.3),           # pair and Struve base / fitted base
           (0.2999999, 0.7), (0.3000001, 0.7),           # same, k < 1 (the base alone)
           (0.29, 5.9),                                  # P_s > ¾ below 0.3: M-function tail, two steps down
           (0.2, 4.4999999), (0.2, 4.5000001),           # pair order −|μ|: μ just below / above 0
           (2.1999999, 7.3), (2.2000001, 7.3),           # a panel edge of the fitted base
           (2.0, 5.9999999),                             # frac(k) → 1: the fitted base needs no s ≥ K_MIN
           (tb.T_MIN, 9.3), (tb.T_MAX, 60.5)]                # (T_MAX, 199.5): the slow grid
    rows = []
    for t, k in pts:
        v = tb.target_bessel(t, k)
        assert not math.isnan(v), (t, k)
        rows.append(((t, k), v, _ref(t, k)))
    mpref.assert_close_table(rows, RTOL_KERNEL)


def test_outside_the_range_hands_back():
    for t, k in [(1.0, 3.0), (1.0, tb.K_MAX * 1.01), (tb.T_MAX * 1.01, 3.5), (tb.T_MIN * 0.9, 3.5),
                 (2.0, 0.005), (0.2, 4.995)]:
        assert math.isnan(tb.target_bessel(t, k)), (t, k)
    # just above an integer the first step costs 1/frac(k); below t = 0.3, s = 1 − frac(k) → 0 leaves the
    # Struve range: the bound (or the range) hands these back and the trapezoid pass serves them
    for t, k in [(2.0, 6.0000001), (0.2, 5.9999999)]:
        assert math.isnan(tb.target_bessel(t, k)), (t, k)
        assert abs(gammaal.expected_target(t, k, 1.0) - _ref(t, k)) <= RTOL * _ref(t, k)


def test_the_bound_rejects_the_far_tail():
    # t ≫ k ≥ 1: the recurrence amplifies (ρ > 1); the kernel must hand these to the trapezoid pass
    for t, k in [(29.0, 2.5), (25.0, 3.7)]:
        assert math.isnan(tb.target_bessel(t, k)), (t, k)
        assert abs(gammaal.expected_target(t, k, 1.0) - _ref(t, k)) <= RTOL * _ref(t, k)
    # k < 1: no recurrence, the fitted base alone keeps its relative accuracy however far out
    v = tb.target_bessel(29.0, 0.3)
    assert abs(v - _ref(29.0, 0.3)) <= RTOL_KERNEL * _ref(29.0, 0.3)


def test_mixed_shape_array_against_mpmath():
    rng = np.random.default_rng(7)
    k = rng.uniform(0.5, 20.0, 12)
    t = np.abs(rng.gamma(k) - rng.gamma(k))
    got = gammaal.expected_target(t, k, 1.0)
    rows = [((float(a), float(b)), g, _ref(a, b)) for a, b, g in zip(t, k, got)]
    mpref.assert_close_table(rows, RTOL)
    # the array path and the scalar path agree (one kernel)
    assert np.array_equal(got, [_kernels.expected_target_scaled(a, b) for a, b in zip(t, k)])
