"""The fitted base of φ's shape recurrence (gammaal._target_base) against mpmath off the Chebyshev nodes:
g = m_{k₀}/k₀ and q = K_{k₀+½}/K_{k₀−½} = 1 + k₀ h on random points, on both sides of every panel edge and
at k₀ → 0 (m → 0 like k₀, q → 1) and k₀ → 1 (against closed forms: m_1 = 1 − t eᵗ E₁(t),
q_1 = K_{3/2}/K_{½} = 1 + 1/t).  The generator itself is re-run (slow) to show the committed table is its
output.
"""
import math

import mpmath as mp
import numpy as np
import pytest

from gammaal import _target_base as tbase, _target_base_data as data
from derivations.target_base_coefficients import base_values

RTOL = tbase.REL_ERR


def _check(points, dps=60):
    """Worst relative errors of g and q; m = 1 − (1 − P_s)/(2f_s) cancels twice (the tail ~e^{−t} and
    m ~ k₀/t), so the reference needs ~16 + log10(eᵗ t/k₀) digits: 60 for k₀ ≳ 1e-6, more below."""
    worst_g = worst_q = 0.0
    with mp.workdps(dps):
        for k0, t in points:
            g_ref, h_ref = base_values(k0, t)
            g, h = tbase.base(k0, t)
            worst_g = max(worst_g, abs(g / float(g_ref) - 1.0))
            worst_q = max(worst_q, abs((1.0 + k0 * h) / float(1 + k0 * h_ref) - 1.0))
    assert worst_g <= RTOL and worst_q <= RTOL, (worst_g, worst_q)
    return worst_g, worst_q


def test_random_points_against_mpmath():
    rng = np.random.default_rng(11)
    k0 = rng.uniform(0.0, 1.0, 300)
    t = np.exp(rng.uniform(math.log(tbase.T_MIN), math.log(tbase.T_MAX), 300))
    _check(zip(k0, t))


def test_both_sides_of_every_panel_edge():
    pts = []
    for e in data.EDGES:
        for t in (e * (1 - 1e-9), e, e * (1 + 1e-9)):
            if tbase.T_MIN <= t <= tbase.T_MAX:
                pts += [(0.03, t), (0.5, t), (0.97, t)]
    _check(pts)


@pytest.mark.parametrize("t", [0.3, 1.0, 4.0, 30.0])
def test_ends_of_the_shape_range(t):
    _check([(1e-12, t)], dps=90)                    # m ~ k₀ → 0 and q → K_{½}/K_{−½} = 1: both relative
    g1, h1 = tbase.base(1.0 - 1e-15, t)
    with mp.workdps(40):
        m1 = float(1 - t * mp.exp(t) * mp.e1(t))
    assert math.isclose(g1, m1, rel_tol=RTOL)
    assert math.isclose(1.0 + h1, 1.0 + 1.0 / t, rel_tol=RTOL)


@pytest.mark.slow
def test_committed_table_is_the_generators_output():
    from derivations import target_base_coefficients as gen

    assert gen.main(["--check"]) == 0
