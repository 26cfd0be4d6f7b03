"""Tests for gammaal.closed_form: the paper's integer-k closed forms, term by term.

References are mpmath at high precision (the Erlang-mixture sum for P, the compact
N/D form with extra working digits for φ, besselk for the density, quadrature for
I); the regimes where the float64 closed forms lose accuracy are asserted on both
sides of their documented boundaries.
"""
from __future__ import annotations

import doctest
import math

import mpmath as mp
import numpy as np
import pytest

import gammaal
import mpref
from gammaal import closed_form as cf
from gammaal.paper import PAPER_K, PAPER_THETA, TABLE1_DELTAS, TABLE1_PRINTED, TABLE2_DELTAS


# --------------------------------------------------------------------------- references
# mpmath references (derivations.reference, through the harness): the Erlang-mixture sum for P,
# the compact N/D form with extra working digits for φ, besselk for the density.
def _at_unit_scale(fn):
    """``fn(t, k, 1.0)`` with ``t`` a float: the closed forms in the scale-free variable."""
    return lambda t, k: fn(float(t), k, 1.0)


def worst(fn, ref, ks, ts):
    """Largest relative error of ``fn(t, k, 1.0)`` against ``ref(t, k)`` over the grid ts × ks."""
    return mpref.compare(_at_unit_scale(fn), ref, [(t, k) for k in ks for t in ts]).worst


def check(fn, ref, ks, ts, rtol):
    """Every point of ts × ks within ``rtol`` of the reference (failure lists the worst points)."""
    return mpref.check(_at_unit_scale(fn), ref, [(t, k) for k in ks for t in ts], rtol)


prob_within_mp = mpref.erlang_within
phi_mp = mpref.expected_target_erlang
density_mp = mpref.pdf
rel_err = mpref.rel_err


# --------------------------------------------------------------------------- validation
@pytest.mark.parametrize("bad_k", [0, -1, 2.5, 0.5, float("nan"), float("inf"), True, "4", [4], np.array([2, 3])])
@pytest.mark.parametrize("func", [cf.prob_within, cf.expected_target, cf.normaliser_D, cf.terms_abcd,
                                  cf.antiderivative, cf.expected_target_compact])
def test_non_integer_k_raises_naming_k(func, bad_k):
    with pytest.raises(ValueError, match=r"\bk\b"):
        func(0.1, bad_k, 1.0)


def test_integral_float_k_accepted():
    assert cf.prob_within(0.3, 4.0, 1.0) == cf.prob_within(0.3, 4, 1.0)
    assert cf.prob_within(0.3, np.int64(4), 1.0) == cf.prob_within(0.3, 4, 1.0)


def test_integral_I_rejects_non_integer_u():
    with pytest.raises(ValueError, match=r"\bu\b"):
        cf.integral_I(1.5, 0.1, 1.0)


@pytest.mark.parametrize("func", [cf.prob_within, cf.expected_target, cf.normaliser_D])
def test_domain_errors(func):
    with pytest.raises(ValueError, match="delta"):
        func(-0.1, 2, 1.0)
    with pytest.raises(ValueError, match="delta"):
        func(np.nan, 2, 1.0)
    with pytest.raises(ValueError, match="theta"):
        func(0.1, 2, 0.0)
    with pytest.raises(ValueError, match="theta"):
        func(0.1, 2, -1.0)


def test_f_coefficient_index_checks():
    with pytest.raises(ValueError, match="n"):
        cf.f_coefficient(0, 5, 4, 0.1, 1.0)
    with pytest.raises(ValueError, match="i"):
        cf.f_coefficient(3, 3, 4, 0.1, 1.0)


def test_scalar_in_float_out_and_broadcasting():
    assert type(cf.prob_within(0.1, 3, 1.0)) is float
    assert type(cf.expected_target(0.1, 3, 1.0)) is float
    assert type(cf.terms_abcd(0.1, 3, 1.0)["D"]) is float
    d = np.linspace(0.0, 1.0, 6)[:, None]
    th = np.array([0.5, 1.0, 2.0])
    for func in (cf.prob_within, cf.expected_target, cf.normaliser_D, cf.expected_target_compact):
        out = func(d, 3, th)
        assert out.shape == (6, 3)
        np.testing.assert_allclose(out[:, 1], func(d[:, 0], 3, 1.0), rtol=1e-15)


def test_doctests():
    result = doctest.testmod(cf)
    assert result.attempted >= 10 and result.failed == 0


# --------------------------------------------------------------------------- Eq. 1–2
@pytest.mark.parametrize("k", [1, 2, 5, 12])
def test_antiderivative_is_minus_survival(k):
    xs = [0.0, 1e-3, 0.5, 3.0, 40.0]
    for x in xs:
        ref = -mp.gammainc(k, mp.mpf(x) / 2, mp.inf, regularized=True)
        assert rel_err(cf.antiderivative(x, k, 2.0), ref) < 1e-14


def test_antiderivative_derivative_is_density():
    # central difference of G against γ: the identity the supplement proves by parts
    # (absolute tolerance: G ≈ −1 there, so the difference quotient carries ~ε/h absolute error)
    h = 1e-5
    for k in (1, 3, 7):
        for x in (0.2, 1.0, 4.0):
            slope = (cf.antiderivative(x + h, k, 0.8) - cf.antiderivative(x - h, k, 0.8)) / (2 * h)
            assert slope == pytest.approx(cf.gamma_density(x, k, 0.8), rel=1e-8, abs=1e-10)


# --------------------------------------------------------------------------- Eq. 4–6
@pytest.mark.parametrize("k", [1, 2, 3, 4, 6, 8, 12])
def test_prob_within_matches_mpmath_in_the_accurate_region(k):
    ts = mpref.Arg(1e-3, 5.0).values(25)
    check(cf.prob_within, prob_within_mp, [k], ts, 1e-12)
    check(lambda t, k, th: math.fsum(cf.terms_abcd(t, k, th).values()), prob_within_mp, [k], ts, 1e-12)


def test_prob_within_small_t_loses_accuracy_like_eps_over_t():
    # Documented: error ~ ε/t, > 1e-10 below t ≈ 5e-6; accurate to 1e-12 from t = 1e-3.
    bad = worst(cf.prob_within, prob_within_mp, [2, 4, 8], [1e-8, 3e-8])
    assert bad > 1e-10
    check(cf.prob_within, prob_within_mp, [2, 4, 8], [1e-3, 3e-3], 1e-12)


def test_prob_within_large_k_large_t_loses_accuracy():
    # Documented: for k = 10, 12 the D sum cancels beyond t ≈ 13.
    assert worst(cf.prob_within, prob_within_mp, [12], [20.0, 30.0]) > 1e-10
    check(cf.prob_within, prob_within_mp, [12], [1.0, 3.0], 1e-12)


def test_terms_abcd_structure():
    # A + C keeps only the "1" of A's bracket: A + C = −Θ ΣΣ f(i,n,k,δ,Θ)/Γ(n) (supplement, before Eq. 6).
    k, d, th = 4, 0.13, 0.066
    terms = cf.terms_abcd(d, k, th)
    s1 = sum(cf.f_coefficient(i, n, k, d, th) / math.gamma(n) for n in range(1, k + 1) for i in range(n))
    assert terms["A"] + terms["C"] == pytest.approx(-th * s1, rel=1e-13)
    assert terms["B"] == pytest.approx(1 + cf.antiderivative(d, k, th), rel=1e-15)
    # D = −Θ ΣΣ f(i,n,k,−δ,Θ) G(δ,k+i,Θ/2)/Γ(n), the sign the printed Eq. 6 gets wrong
    s2 = sum(cf.f_coefficient(i, n, k, -d, th) * cf.antiderivative(d, k + i, th / 2) / math.gamma(n)
             for n in range(1, k + 1) for i in range(n))
    assert terms["D"] == pytest.approx(-th * s2, rel=1e-13)
    assert terms["D"] > 0 and terms["C"] < 0 and terms["A"] < 0


def test_prob_within_limits():
    assert cf.prob_within(0.0, 3, 1.0) == pytest.approx(0.0, abs=1e-15)
    assert cf.prob_within(60.0, 3, 1.0) == pytest.approx(1.0, abs=1e-15)
    assert cf.prob_within(0.7, 1, 1.0) == pytest.approx(1 - math.exp(-0.7), rel=1e-14)


def test_table1_exact_values():
    # The paper prints 0.094 0.185 0.274 0.358 0.437 0.527 0.607 (computed with Θ ≈ 0.0666).
    exact = [round(cf.prob_within(d, PAPER_K, PAPER_THETA), 4) for d in TABLE1_DELTAS]
    assert exact == [0.0944, 0.1871, 0.2766, 0.3614, 0.4408, 0.5311, 0.611]
    assert [round(cf.prob_within(d, PAPER_K, 0.0666), 3) for d in TABLE1_DELTAS] == list(TABLE1_PRINTED)


# --------------------------------------------------------------------------- Eq. 13–15
@pytest.mark.parametrize("k", [1, 2, 3, 4, 6, 8, 10])
def test_normaliser_is_density_of_difference(k):
    for t in (1e-3, 0.1, 1.0, 5.0, 30.0):
        assert rel_err(cf.normaliser_D(t, k, 1.0), density_mp(t, k)) < 1e-13
    assert cf.normaliser_D(0.3, k, 2.0) == pytest.approx(cf.normaliser_D(0.15, k, 1.0) / 2.0, rel=1e-14)


@pytest.mark.parametrize("u", [1, 2, 4, 7])
def test_integral_I_matches_its_definition(u):
    for t in (0.05, 0.5, 2.0):
        with mp.workdps(30):
            tt = mp.mpf(t)
            ref = mp.quad(lambda s: (s - tt) ** (u - 1) * mp.exp(-(s - tt)) / mp.factorial(u - 1) * tt / s,
                          [tt, tt + 1, tt + 10, mp.inf])
        value = cf.integral_I(u, t * 0.3, 0.3)
        assert rel_err(value, ref) < 1e-13
        assert 0.0 < value < 1.0
    assert cf.integral_I(u, 0.0, 1.0) == 0.0


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5, 6, 8])
def test_expected_target_matches_mpmath_in_the_accurate_region(k):
    ts = mpref.Arg(1e-6, 5.0).values(20)
    check(cf.expected_target, phi_mp, [k], ts, 1e-12)
    check(cf.expected_target_compact, phi_mp, [k], ts, 1e-12)


def test_expected_target_large_t_loses_accuracy():
    # Documented: > 1e-10 beyond t ≈ 10 for k = 8; k = 1 never cancels.
    assert worst(cf.expected_target, phi_mp, [8], [20.0, 30.0]) > 1e-10
    check(cf.expected_target, phi_mp, [8], [2.0, 4.0], 1e-13)
    check(cf.expected_target, phi_mp, [1], [10.0, 30.0, 100.0], 1e-13)


def test_expected_target_basic_properties():
    for k in (1, 3, 6):
        assert cf.expected_target(0.0, k, 1.0) == 0.5
        phis = cf.expected_target(np.linspace(0.01, 5.0, 50), k, 1.0)
        assert np.all(np.diff(phis) < 0) and np.all((phis > 0) & (phis < 0.5))
    # k = 1: φ = ½ − ½ t e^t E1(t)
    assert cf.expected_target(0.4, 1, 1.0) == pytest.approx(0.5 - 0.2 * math.exp(0.4) * float(mp.e1(0.4)), rel=1e-14)


def test_table2_exact_values():
    # printed 0.5, 0.39, ?, 0.25, ?, 0.18; exact at Θ = 0.066:
    assert [round(cf.expected_target(d, PAPER_K, PAPER_THETA), 4) for d in TABLE2_DELTAS] == [
        0.5, 0.3844, 0.303, 0.248, 0.2093, 0.1809]


# --------------------------------------------------------------------------- against gammaal
GOOD_TS = np.concatenate([np.logspace(-3, np.log10(5.0), 15), [0.066 / 0.066]])


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5, 6])
def test_prob_within_agrees_with_gammaal(k):
    th = 0.066
    d = GOOD_TS * th
    np.testing.assert_allclose(cf.prob_within(d, k, th), gammaal.prob_within(d, k, th), rtol=1e-12, atol=0)


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5, 6])
def test_expected_target_agrees_with_gammaal(k):
    th = 0.066
    d = GOOD_TS * th
    np.testing.assert_allclose(cf.expected_target(d, k, th), gammaal.expected_target(d, k, th), rtol=1e-12, atol=0)
    np.testing.assert_allclose(cf.expected_target_compact(d, k, th), gammaal.expected_target(d, k, th), rtol=1e-12, atol=0)


@pytest.mark.parametrize("k", [1, 2, 4, 8])
def test_normaliser_agrees_with_gammaal_diff_pdf(k):
    th = 0.066
    d = np.concatenate([[0.0], GOOD_TS * th, [30 * th]])
    np.testing.assert_allclose(cf.normaliser_D(d, k, th), gammaal.diff_pdf(d, k, th), rtol=1e-12, atol=0)


@pytest.mark.parametrize("call, message", [
    (lambda: cf.prob_within(np.float64(-0.2), 4, 1.0), "delta must be finite and >= 0, got delta=-0.2"),
    (lambda: cf.expected_target([0.1, np.nan], 4, 1.0), "got delta=nan"),
    (lambda: cf.prob_within(0.1, np.float64(4.5), 1.0), "got k=4.5"),
    (lambda: cf.integral_I(0, 0.1, 1.0), "u must be an integer >= 1"),
    (lambda: cf.gamma_density(1.0, 2, np.array([1.0, -3.0])), "theta must be finite and > 0, got theta=-3.0"),
])
def test_errors_name_the_argument_with_plain_numbers(call, message):
    with pytest.raises(ValueError) as info:
        call()
    assert message in str(info.value) and "np.float64" not in str(info.value)
