"""Shapes above the Struve range (gammaal._huge_k: Debye's K, the Struve body and the M-function tail by
64-point Gauss–Laguerre, O(1) for 2000 < k ≤ 1e10 at t ≲ 14.1σ) against independent references: the
Struve form in mpmath at raised precision (k ≤ 1e4) and the Edgeworth series through O(1/k²) (k ≥ 1e7,
where its omitted terms are below the tolerance), on both sides of the body/tail switch (P = ¾), of
Debye's exponent limit and of k = 2000, through the public functions.
"""
import math

import pytest

import gammaal
from gammaal import _huge_k
from derivations.reference import edgeworth_pdf, edgeworth_within, pdf, within_beyond

#: measured worst 1.6e-15 for x = t/σ ≤ 4.4, 8.7e-15 at x = 8, 1.7e-14 at x = 14 (Debye's exponent ≈ −x²/2
#: amplifies the ulp of t/ν by ~x²)
RTOL_BODY = 3e-15
RTOL_FAR = 2e-14
RTOL_DEEP = 4e-14


def _check(t, k, p_ref, b_ref, f_ref, rtol):
    assert abs(gammaal.prob_within(t, k, 1.0) / float(p_ref) - 1.0) <= rtol, (t, k)
    assert abs(gammaal.prob_beyond(t, k, 1.0) / float(b_ref) - 1.0) <= rtol, (t, k)
    assert abs(gammaal.diff_pdf(t, k, 1.0) / float(f_ref) - 1.0) <= rtol, (t, k)


_EDGEWORTH_POINTS = ([(k, x) for k in (1e7, 3.3e8, 1e10) for x in (1e-3, 0.9, 1.1, 1.3, 2.5, 4.4, 6.0, 8.0)]
                     + [(k, x) for k in (3.3e8, 1e10) for x in (12.0, 14.0)])


@pytest.mark.parametrize("k, x", _EDGEWORTH_POINTS)
def test_against_the_edgeworth_series(k, x):
    """What the series omits grows like (x⁴/k)³: negligible for x ≤ 8 at k ≥ 1e7, and at x = 12–14 below 1e-14
    only for k ≥ 3.3e8 (the λ₄³ term, (3/k)³ times He₁₁-sized factors): the far points are taken at those k."""
    t = x * math.sqrt(2.0 * k)
    p, b = edgeworth_within(t, k)
    _check(t, k, p, b, edgeworth_pdf(t, k), RTOL_BODY if x <= 4.4 else RTOL_FAR if x <= 8 else RTOL_DEEP)


@pytest.mark.parametrize("k, x", [(2000.5, 0.2), (2000.5, 1.2), (2000.5, 8.5), (2001.0, 3.0), (7000.3, 1.1),
                                  (7000.3, 4.4), pytest.param(2000.5, 12.0, marks=pytest.mark.slow)])
def test_against_mpmath_above_the_struve_range(k, x):
    t = x * math.sqrt(2.0 * k)
    p, b = within_beyond(t, k)
    _check(t, k, p, b, pdf(t, k), RTOL_BODY if x <= 4.4 else RTOL_FAR if x <= 8.5 else RTOL_DEEP)


def test_either_side_of_k_2000():
    """k just below 2000 (the Struve range, Debye inside it) and just above (this module) agree to the
    methods' accuracy once the true change over the step (~1e-12 for the density) is removed by
    extrapolating from a second point on the upper side."""
    t_of = {0.5: 0.5 * math.sqrt(4000.0), 1.3: 1.3 * math.sqrt(4000.0), 3.0: 3.0 * math.sqrt(4000.0)}
    lo, hi, hi2 = (2000.0 * (1 + e) for e in (-1e-12, 1e-12, 3e-12))
    for t in t_of.values():
        for f in (gammaal.prob_within, gammaal.prob_beyond, gammaal.diff_pdf):
            a, c, c2 = (f(t, k, 1.0) for k in (lo, hi, hi2))
            assert abs((2 * c - c2) / a - 1.0) <= 2e-14, (f.__name__, t)


def test_declines_past_debyes_limit_and_the_quadratures_take_over():
    k = 5e4
    s = math.sqrt(2.0 * k)
    assert not math.isnan(_huge_k.within_beyond(14.0 * s, k)[1])
    assert all(math.isnan(v) for v in _huge_k.within_beyond(14.3 * s, k))
    assert math.isnan(_huge_k.pdf(14.3 * s, k))
    assert math.isnan(_huge_k.within_beyond(1.0, 1999.0)[0])
    # either side of the limit (Debye's exponent −100 at x ≈ 14.14) at k = 1e10, where the Edgeworth series
    # omits ~(x⁴/k)³ ≈ 6e-17: this module, then the S-integral quadrature
    k = 1e10
    for x in (14.1, 14.2):
        t = x * math.sqrt(2.0 * k)
        assert math.isnan(_huge_k.within_beyond(t, k)[1]) == (x > 14.14)
        b = edgeworth_within(t, k)[1]
        assert abs(gammaal.prob_beyond(t, k, 1.0) / float(b) - 1.0) <= RTOL_DEEP, x


@pytest.mark.parametrize("p", [1e-6, 0.1, 0.5, 0.9, 1 - 1e-12])
def test_quantiles_at_huge_k_against_the_edgeworth_series(p):
    """ppf/isf at k = 1e9 take their Newton steps on this module (before: the S-integral, 13–310 µs a
    quantile); the root's error is |F_ref(t) − p| / (t f_{|Z|}(t)) relative, against the Edgeworth series."""
    k = 1e9
    d = gammaal.absgammadiff(k)
    t = float(d.isf(1 - p)) if p > 0.5 else float(d.ppf(p))
    within, beyond = edgeworth_within(t, k)
    f = 2 * edgeworth_pdf(t, k)
    err = float(abs((beyond - (1 - p)) if p > 0.5 else (within - p)) / (t * f))
    assert err <= 1e-12, (p, t, err)
