"""expected_target φ(δ) against its definition (mpmath), Monte Carlo, properties;
LL / LL++ objectives and gradient factors against finite differences."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gammaal
from gammaal import _kernels

import mpref


_TARGET_GRID_K = (0.1, 0.3, 0.5, 0.7, 1.0, 4.0, 4.5, 30.5, 250.0)
_TARGET_GRID_T = (1e-9, 0.05, 1.5152, 10.0, 100.0)


def _target_rows(points):
    return [((t, k), _kernels.expected_target_scaled(t, k), mpref.expected_target(t, k, digits=22)) for k, t in points]


@pytest.mark.slow  # 19 s of mpmath; the paper's Table 2 values and the limits stay fast
def test_expected_target_against_definition():
    # every t for k <= 30.5 and one k = 250 point (its mpmath reference costs ~4 s a point; the
    # other k = 250 points are in the slow grid below)
    points = [(k, t) for k in _TARGET_GRID_K[:-1] for t in _TARGET_GRID_T] + [(250.0, 1.5152)]
    mpref.assert_close_table(_target_rows(points), 1e-13)


@pytest.mark.slow
def test_expected_target_against_definition_at_large_shape():
    mpref.assert_close_table(_target_rows([(250.0, t) for t in _TARGET_GRID_T]), 1e-13)


def test_expected_target_paper_table2_values_and_theta_scaling():
    phi = gammaal.expected_target([0.0, 0.1, 0.2, 0.3, 0.4, 0.5], 4, 0.066)
    ref = [0.5] + [float(mpref.expected_target(d / 0.066, 4)) for d in (0.1, 0.2, 0.3, 0.4, 0.5)]
    np.testing.assert_allclose(phi, ref, rtol=1e-13)
    assert [round(p, 2) for p in phi] == [0.5, 0.38, 0.3, 0.25, 0.21, 0.18]
    assert abs(gammaal.expected_target(2.0, 3.5, 4.0) - gammaal.expected_target(0.5, 3.5, 1.0)) < 1e-15


def test_expected_target_k1_closed_form():
    # k = 1: x density ∝ e^{-tx}, so φ = ½ ∫ x/(1+x) t e^{-tx} dx = ½ (1 − t e^t E1(t))
    from scipy.special import exp1
    for t in (0.01, 0.3, 2.0, 20.0):
        ref = 0.5 * (1 - t * math.exp(t) * exp1(t))
        assert abs(gammaal.expected_target(t, 1, 1.0) - ref) <= 1e-13 * ref


def test_expected_target_limits_and_discontinuity_below_half():
    assert gammaal.expected_target(0.0, 0.3, 1.0) == 0.5
    assert gammaal.expected_target(np.inf, 2, 1.0) == 0.0
    assert math.isnan(gammaal.expected_target(np.nan, 2, 1.0))
    # k > 1/2: continuous at 0
    assert abs(gammaal.expected_target(1e-12, 3.0, 1.0) - 0.5) < 1e-9
    # k < 1/2: limit ½ E[x/(1+x)], x ∝ x^{k-1}(2+x)^{k-1}, computed here by mpmath
    lim = float(mpref.target_limit_small_k(0.3))
    # φ(t) − φ(0+) = O(t^{1−2k}): at t = 1e-30 that is ~1e-12
    assert abs(gammaal.expected_target(1e-30, 0.3, 1.0) - lim) < 1e-10
    assert gammaal.expected_target(1e-6, 0.3, 1.0) < gammaal.expected_target(1e-30, 0.3, 1.0) - 1e-5
    assert lim < 0.45


def test_expected_target_rejects_negative_delta():
    with pytest.raises(ValueError, match="delta"):
        gammaal.expected_target(-0.1, 4, 1.0)


def test_mc_expected_target_agrees_within_4_se():
    deltas = np.array([0.0, 0.05, 0.1, 0.3, 0.5])
    for k in (4.0, 0.8, 9.5):
        est, se = gammaal.mc_expected_target(deltas, k, 0.066, n=200_000, seed=3)
        exact = gammaal.expected_target(deltas, k, 0.066)
        assert np.all(np.abs(est - exact) <= 4 * se + 1e-15)


@settings(max_examples=60, deadline=None)
@given(st.floats(0.1, 300.0), st.floats(1e-3, 1e3), st.floats(1e-8, 100.0), st.floats(1.01, 3.0))
def test_expected_target_decreasing_and_bounded(k, theta, r, factor):
    a = gammaal.expected_target(r * theta, k, theta)
    b = gammaal.expected_target(r * factor * theta, k, theta)
    assert 0.0 < b <= a * (1 + 1e-13) <= 0.5 * (1 + 1e-13)


def test_expected_gradient_factor():
    assert gammaal.expected_gradient_factor(0.5, 0.0, 4, 0.066) == 0.0
    v = gammaal.expected_gradient_factor(0.5, 0.5, 4, 0.066)
    assert abs(v - (0.5 - gammaal.expected_target(0.5, 4, 0.066))) < 1e-16
    with pytest.raises(ValueError, match="q_i"):
        gammaal.expected_gradient_factor(1.5, 0.1, 4, 1.0)


# --- objectives and gradient factors -------------------------------------------------

def _fd_grad_w(objective, l_i, l_j, th_i, th_j, w, **kw):
    """central finite difference of the objective with respect to w, lhat = θᵀw."""
    g = np.zeros_like(w)
    h = 1e-6
    for a in range(w.size):
        e = np.zeros_like(w)
        e[a] = h
        up = objective(l_i, l_j, th_i @ (w + e), th_j @ (w + e), **kw)
        dn = objective(l_i, l_j, th_i @ (w - e), th_j @ (w - e), **kw)
        g[a] = (up - dn) / (2 * h)
    return g


@pytest.mark.parametrize("seed", range(6))
def test_llpp_gradient_factor_matches_finite_differences(seed):
    rng = np.random.default_rng(seed)
    th_i, th_j, w = rng.normal(size=(3, 5))
    l_i, l_j = rng.gamma(4, 0.066, 2)
    k = gammaal.llpp_gradient_factor(l_i, l_j, th_i @ w, th_j @ w)
    fd = _fd_grad_w(gammaal.llpp_objective, l_i, l_j, th_i, th_j, w)
    np.testing.assert_allclose(k * (th_i - th_j), fd, atol=1e-8)


@pytest.mark.parametrize("seed", range(6))
def test_ll_gradient_factor_matches_finite_differences(seed):
    rng = np.random.default_rng(seed)
    th_i, th_j, w = rng.normal(size=(3, 5))
    l_i, l_j = rng.gamma(4, 0.066, 2)
    k = gammaal.ll_gradient_factor(l_i, l_j, th_i @ w, th_j @ w, margin=1.0)
    fd = _fd_grad_w(gammaal.ll_objective, l_i, l_j, th_i, th_j, w, margin=1.0)
    np.testing.assert_allclose(k * (th_i - th_j), fd, atol=1e-7)


def test_paper_example_section_4_1():
    th_i, th_j, w = np.array([1.0, 2, 1]), np.array([1.0, 1, 1]), np.array([0.0, 3, 0])
    assert gammaal.ll_objective(2.0, 1.0, th_i @ w, th_j @ w) == 0.0          # case l_i > l_j
    assert gammaal.ll_objective(1.0, 2.0, th_i @ w, th_j @ w) == 4.0          # case l_i < l_j
    k = gammaal.ll_gradient_factor(1.0, 2.0, th_i @ w, th_j @ w)
    np.testing.assert_array_equal(k * (th_i - th_j), [0.0, 1.0, 0.0])        # ∇_w = [0, 1, 0]


def test_llpp_values_and_edge_cases():
    # KL(p‖q) with p = (3/4, 1/4), q = (1/2, 1/2)
    ref = 0.75 * math.log(1.5) + 0.25 * math.log(0.5)
    assert abs(gammaal.llpp_objective(3.0, 1.0, 0.0, 0.0) - ref) < 1e-15
    assert gammaal.llpp_objective(1.0, 1.0, 2.0, 2.0) == 0.0
    # huge logits do not overflow
    assert math.isfinite(gammaal.llpp_objective(1.0, 2.0, 800.0, -800.0))
    assert gammaal.llpp_gradient_factor(1.0, 0.0, 800.0, -800.0) == 0.0
    with pytest.raises(ValueError, match="l_i"):
        gammaal.llpp_objective(-1.0, 1.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="l_i \\+ l_j"):
        gammaal.llpp_gradient_factor(0.0, 0.0, 0.0, 0.0)
    out = gammaal.llpp_gradient_factor(np.array([1.0, 2.0]), 1.0, 0.0, np.array([[0.0], [1.0]]))
    assert out.shape == (2, 2)


def test_expected_target_far_tail_is_finite_and_asymptotic():
    # for t → ∞ the conditional X/δ concentrates at 0 and φ ≈ k/(2t)
    for k in (0.3, 4.5, 1000.0):
        for t in (1e50, 1e200, 1e300):
            v = gammaal.expected_target(t, k, 1.0)
            assert abs(v / (k / (2 * t)) - 1) < 1e-10
    assert gammaal.diff_pdf(1e300, 4.5, 1.0) == 0.0
    assert gammaal.expected_target(3.0, 2.5, 1e-300) > 0.0
