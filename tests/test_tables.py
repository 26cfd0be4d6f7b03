"""The per-k table fast path agrees with the direct kernels and with mpmath."""
import numpy as np
import pytest

import gammaal
from gammaal import _kernels, _tables

import mpref


@pytest.mark.parametrize("k", [4.5, 0.3])
def test_probability_table_matches_direct_and_reference(k):
    rng = np.random.default_rng(11)
    t = np.exp(rng.uniform(np.log(1e-10), np.log(400.0), _tables.MIN_POINTS_PROB))
    fast_w = gammaal.prob_within(t, k, 1.0)
    fast_b = gammaal.prob_beyond(t, k, 1.0)
    assert _tables.get_table(k, "prob") is not None          # the fast path was really taken
    idx = rng.choice(t.size, 400, replace=False)
    direct_w = _kernels.within_array(t[idx], np.full(idx.size, k))
    direct_b = _kernels.beyond_array(t[idx], np.full(idx.size, k))
    np.testing.assert_allclose(fast_w[idx], direct_w, rtol=5e-14)
    np.testing.assert_allclose(fast_b[idx], direct_b, rtol=5e-14)
    rows = []
    for i in idx[:8]:
        w, b = mpref.within_beyond(t[i], k)
        rows += [((t[i], k, "w"), fast_w[i], w), ((t[i], k, "b"), fast_b[i], b)]
    mpref.assert_close_table(rows, 5e-14)


def test_target_table_matches_direct():
    rng = np.random.default_rng(12)
    for k in (4.0, 0.3, 30.5):
        t = np.exp(rng.uniform(np.log(1e-10), np.log(1e4), _tables.MIN_POINTS_TARGET))
        fast = gammaal.expected_target(t, k, 1.0)
        assert _tables.get_table(k, "target") is not None
        direct = _kernels.expected_target_array(t, np.full(t.size, k))
        np.testing.assert_allclose(fast, direct, rtol=5e-14)


def test_off_table_points_and_special_values_use_direct_kernels():
    k = 4.5
    t = np.full(_tables.MIN_POINTS_PROB, 0.5)
    t[:6] = [0.0, -1.0, np.inf, np.nan, 1e-14, 5000.0]
    out = gammaal.prob_within(t, k, 1.0)
    assert out[0] == 0.0 and out[1] == 0.0 and out[2] == 1.0 and np.isnan(out[3])
    assert out[4] == _kernels.within_scaled(1e-14, k)
    assert out[5] == 1.0


def test_mixed_shapes_do_not_use_a_table():
    t = np.full(_tables.MIN_POINTS_PROB, 0.5)
    k = np.full(t.size, 4.5)
    k[-1] = 5.5
    assert _tables.shared_shape(k, t.size, _tables.MIN_POINTS_PROB) is None
    out = gammaal.prob_within(t, k, 1.0)
    assert out[-1] == _kernels.within_scaled(0.5, 5.5)
