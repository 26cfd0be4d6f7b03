"""ppf/isf of |Z| and Z against mpmath (Struve closed form), plus hypothesis round trips."""
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


@pytest.mark.parametrize("k,q", [(0.3, 1e-300), (2.5, 1e-300), (4.0, 1e-200), (40.5, 1e-300)])
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
