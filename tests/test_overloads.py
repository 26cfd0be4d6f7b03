"""The public functions inside a user's @njit(parallel=True) code, warnings as errors."""
import warnings

import numba
import numpy as np
import pytest

import gammaal

import mpref


@numba.njit(parallel=True, cache=False)
def _user_loop(deltas, k, theta):
    out = np.empty((deltas.size, 5))
    for i in numba.prange(deltas.size):
        d = deltas[i]
        out[i, 0] = gammaal.prob_within(d, k, theta)
        out[i, 1] = gammaal.prob_beyond(d, k, theta)
        out[i, 2] = gammaal.diff_pdf(d, k, theta)
        out[i, 3] = gammaal.diff_cdf(-d, k, theta)
        out[i, 4] = gammaal.expected_target(d, k, theta)
    return out


@numba.njit
def _user_array(deltas, k, theta):
    return gammaal.prob_within(deltas, k, theta)


def test_public_functions_in_parallel_njit_match_python_and_mpmath():
    deltas = np.array([1e-3, 0.05, 0.1, 0.4, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = _user_loop(deltas, 4.5, 0.066)
    for col, fn in enumerate([gammaal.prob_within, gammaal.prob_beyond, gammaal.diff_pdf]):
        np.testing.assert_allclose(got[:, col], fn(deltas, 4.5, 0.066), rtol=1e-14)
    np.testing.assert_allclose(got[:, 3], gammaal.diff_cdf(-deltas, 4.5, 0.066), rtol=1e-14)
    np.testing.assert_allclose(got[:, 4], gammaal.expected_target(deltas, 4.5, 0.066), rtol=1e-13)
    # independent reference for one column (Struve closed form)
    for d, v in zip(deltas, got[:, 0]):
        assert mpref.rel_err(v, mpref.within_beyond(d / 0.066, 4.5, tail=False)[0]) < 1e-13


def test_array_argument_and_bad_input():
    d = np.linspace(0.0, 1.0, 7)
    np.testing.assert_allclose(_user_array(d, 3.0, 0.5), gammaal.prob_within(d, 3.0, 0.5), rtol=1e-14)
    with pytest.raises(ValueError, match="validated domain"):
        _user_array(d, -1.0, 0.5)
    with pytest.raises(ValueError, match="validated domain"):   # Python refuses k > K_MAX too
        _user_array(d, 1e12, 0.5)
    with pytest.raises(ValueError, match="theta must be finite and > 0"):
        _user_array(d, 1.0, 0.0)


def test_underflowing_delta_over_theta_takes_the_python_path():
    # δ/θ = 1e-400 is below the smallest double; P(|Z| <= t) ~ c t^{2k} is still 1.01e-8 at k = 0.01
    # (the value the Python layer computes from log δ − log θ; before, njit code returned 0).
    deltas = np.array([1e-200, 3e-250])
    got = _user_loop(deltas, 0.01, 1e200)
    for column, func in enumerate([gammaal.prob_within, gammaal.prob_beyond, gammaal.diff_pdf]):
        expected = func(deltas, 0.01, 1e200)
        np.testing.assert_allclose(got[:, column], expected, rtol=1e-13)
    assert got[0, 0] == pytest.approx(1.0117809053588e-08, rel=1e-12)
    np.testing.assert_allclose(got[:, 4], gammaal.expected_target(deltas, 0.01, 1e200), rtol=1e-13)
