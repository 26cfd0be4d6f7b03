"""The O(1) small tail at large k (gammaal._large_k_tail: Debye's density times a fitted Mills ratio)
against the Struve-form tail in mpmath at raised precision (derivations.reference.within_beyond), on
random points, on both sides of every panel edge and of the range's ends, its refusals, and the public
prob_beyond / prob_within on both sides of where they switch to it.
"""
import math

import numpy as np
import pytest

import gammaal
from gammaal import _large_k_tail as lt, _large_k_tail_data as data
from derivations.reference import within_beyond

RTOL = 5e-15            # measured worst 2.6e-15 on 80 random points (the O(k) recurrence it replaces: 6.9e-15)


def _ref_tail(t, k):
    return float(within_beyond(t, k)[1])


def _rows(points):
    worst = 0.0
    for k, x in points:
        t = x * math.sqrt(2.0 * k)
        got = lt.beyond(t, k)
        assert not math.isnan(got), (k, x)
        worst = max(worst, abs(got / _ref_tail(t, k) - 1.0))
    return worst


def test_random_points_against_mpmath():
    rng = np.random.default_rng(8)
    k = np.exp(rng.uniform(math.log(lt.K_MIN), math.log(lt.K_MAX), 25))
    x = rng.uniform(lt.X_MIN, lt.X_MAX, 25)
    assert _rows(zip(k, x)) <= RTOL


def test_both_sides_of_the_panel_edges_and_the_corners():
    inner = [e * (1 + s * 1e-9) for e in data.EDGES[1:-1] for s in (-1, 1)]
    pts = ([(lt.K_MIN, x) for x in inner] + [(300.5, x) for x in inner[:2]]
           + [(k, x) for k in (lt.K_MIN, lt.K_MAX) for x in (lt.X_MIN, lt.X_MAX)])
    assert _rows(pts) <= RTOL


def test_refuses_outside_its_range():
    s = math.sqrt(2.0 * 500.0)
    for t, k in [(2.0 * math.sqrt(2.0 * 63.9), 63.9), (2.0 * math.sqrt(4001.0), 2000.5),
                 (0.99 * s, 500.0), (4.41 * s, 500.0), (math.nan, 500.0)]:
        assert math.isnan(lt.beyond(t, k)), (t, k)


@pytest.mark.parametrize("k", [64.0, 1000.5])
def test_public_functions_either_side_of_the_switch(k):
    """prob_beyond and prob_within at x just inside and just outside [X_MIN, X_MAX] (the fit / the Struve
    body or the O(k) recurrence, whose own worst is ~1e-14 at k = 1000): P to an ulp of 1."""
    s = math.sqrt(2.0 * k)
    for x, rtol in ((0.999, 2e-14), (1.001, RTOL), (4.399, RTOL), (4.401, 2e-14)):
        t = x * s
        p_ref, b_ref = within_beyond(t, k)
        assert abs(gammaal.prob_beyond(t, k, 1.0) / float(b_ref) - 1.0) <= rtol, (k, x)
        assert abs(gammaal.prob_within(t, k, 1.0) - float(p_ref)) <= 2.3e-16, (k, x)


@pytest.mark.slow
def test_committed_table_is_the_generators_output():
    from derivations import large_k_tail_coefficients as gen

    assert gen.main(["--check"]) == 0
