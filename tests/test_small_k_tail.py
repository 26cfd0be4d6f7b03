"""The O(1) tail at small shapes (gammaal._small_k_tail: a fitted series with the factor k explicit) against
the Struve-form tail in mpmath at raised precision (derivations.reference.within_beyond), on random points,
on both sides of every box edge and at the corners, its refusals, and the public prob_beyond / prob_within
on both sides of where they switch to it (1 − P below T_MIN, Hankel's expansion or the quadrature above
T_MAX, the M-function forms from k = 1.5).
"""
import math

import numpy as np
import pytest

import gammaal
from gammaal import _small_k_tail as st, _small_k_tail_data as data
from derivations.reference import within_beyond

RTOL = st.REL_ERR       # measured worst 1.6e-15 on 300 (k ≥ 0.01) + 150 (k ≥ 1e-3) random points (before: a 0.04–1.4 ms quadrature)


def _worst(points):
    worst = 0.0
    for k, t in points:
        got = st.beyond(t, k)
        assert not math.isnan(got), (k, t)
        worst = max(worst, abs(got / float(within_beyond(t, k)[1]) - 1.0))
    return worst


def test_random_points_against_mpmath():
    rng = np.random.default_rng(11)
    k = np.exp(rng.uniform(math.log(st.K_MIN), math.log(st.K_MAX), 30))
    t = np.exp(rng.uniform(data.EDGES[0], data.EDGES[-1], 30))
    assert _worst(zip(k, t)) <= RTOL


def test_both_sides_of_the_box_edges_and_the_corners():
    k_inner = [e * (1 + s * 1e-9) for e in data.K_EDGES[1:-1] for s in (-1, 1)]
    t_inner = [math.exp(e) * (1 + s * 1e-9) for e in data.EDGES[1:-1] for s in (-1, 1)]
    corners = [(k, t) for k in (st.K_MIN, st.K_MAX * (1 - 1e-12)) for t in (st.T_MIN * 1.0000001, st.T_MAX * 0.9999999)]
    pts = [(k, 1.7) for k in k_inner] + [(0.05, t) for t in t_inner] + [(1.2, t) for t in t_inner[::3]] + corners
    assert _worst(pts) <= RTOL


def test_refuses_outside_its_range():
    for t, k in [(1.0, 0.00099), (1.0, 1.5), (0.99 * st.T_MIN, 0.2), (1.01 * st.T_MAX, 0.2), (math.nan, 0.2),
                 (1.0, math.nan)]:
        assert math.isnan(st.beyond(t, k)), (t, k)


@pytest.mark.parametrize("k, t, rtol", [
    (0.01, st.T_MIN * 0.999, 1e-14),     # below the box: 1 − P, the tail ≥ 0.07 (four bits lost at most)
    (1e-3, st.T_MIN * 0.999, 6e-14),     # … ≥ 0.008 at k = 1e-3 (seven bits)
    (1e-3, st.T_MIN * 1.001, RTOL),
    (0.004, 2e-5, 6e-14),
    (0.01, st.T_MIN * 1.001, RTOL),
    (0.3, 1e-3, 1e-14),
    (0.1, st.T_MAX * 0.999, RTOL),
    (0.1, st.T_MAX * 1.001, 1e-13),      # above: Hankel's expansion
    (1.4999, 3.0, RTOL),
    (1.5, 3.0, 1e-14),                   # from k = 1.5 the M-function form of _struve_tail
    (0.7, 0.5, RTOL),                    # a tail > ¼: the fit, where 1 − P also served
])
def test_public_functions_either_side_of_the_switches(k, t, rtol):
    p_ref, b_ref = within_beyond(t, k)
    assert abs(gammaal.prob_beyond(t, k, 1.0) / float(b_ref) - 1.0) <= rtol, (k, t)
    assert abs(gammaal.prob_within(t, k, 1.0) / float(p_ref) - 1.0) <= 1e-14, (k, t)
    lo = gammaal.gammadiff(k).cdf(-t)
    assert abs(lo / (0.5 * float(b_ref)) - 1.0) <= rtol, (k, t)


@pytest.mark.slow
def test_committed_table_is_the_generators_output():
    from derivations import small_k_tail_coefficients as gen

    assert gen.main(["--check"]) == 0


def test_public_functions_at_k_from_1e_3_to_0_01_against_mpmath():
    """The Struve body and Bessel density now serve down to k = 1e-3 (before: the W- and Laplace
    quadratures, 68–270 µs and ~17 µs a call): P, the tail and the density on random points, t from 1e-300."""
    from derivations.reference import pdf

    rng = np.random.default_rng(21)
    worst = {"within": 0.0, "beyond": 0.0, "pdf": 0.0}
    for i in range(16):
        k = 10 ** rng.uniform(-3, -2)
        t = 10 ** (rng.uniform(-300, 2.6) if i % 4 == 0 else rng.uniform(-12, 1.6))
        p, b = within_beyond(t, k)
        worst["within"] = max(worst["within"], abs(gammaal.prob_within(t, k, 1.0) / float(p) - 1.0))
        worst["beyond"] = max(worst["beyond"], abs(gammaal.prob_beyond(t, k, 1.0) / float(b) - 1.0))
        worst["pdf"] = max(worst["pdf"], abs(gammaal.diff_pdf(t, k, 1.0) / float(pdf(t, k)) - 1.0))
    assert max(worst.values()) <= 6e-14, worst      # measured worst 3.5e-14 on 150 points (at t ~ 1e-290)
