"""The far-tail Hankel form of gammaal._hankel_tail against mpmath, and its refusals.

References: mpmath quadrature of the Bessel-K density 2∫_t^∞ f at 40 digits (test_logtail's, a different
formula: no expansion, no continued fraction) for the log; the Struve closed form at raised precision
(tests/mpref.py) for the linear value.  Errors in the log are absolute, scaled by max(1, |log P|) as in
test_logtail (a double holds log P = −1e5 only to ~1e-11)."""
import math

import numpy as np
import pytest

from gammaal import _hankel_tail
import mpref
from test_logtail import log_err, log_tail_by_quadrature

# k both sides of ½, 1, integers, up to the Bessel range; t from where it starts to serve to 1e5
LOG_POINTS = [(0.01, 50.0), (0.37, 30.0), (0.5, 40.0), (0.999, 60.0), (1.0, 35.0), (1.001, 1e3), (2.3, 1e4),
              (2.3, 1e5), (4.5, 30.0), (7.0, 45.0), (12.5, 100.0), (19.7, 40.0), (20.0, 31.7), (50.5, 200.0),
              (64.0, 600.0), (124.9, 3000.0), (150.5, 2e5), (1000.5, 1e6)]


#: their mpmath references take 15–30 s each
SLOW_LOG = {(0.5, 40.0), (4.5, 30.0), (19.7, 40.0)}


@pytest.mark.parametrize("k,t", [p if p not in SLOW_LOG else pytest.param(*p, marks=pytest.mark.slow)
                                 for p in LOG_POINTS])
def test_log_tail_against_bessel_quadrature(k, t):
    v = _hankel_tail.log_beyond_hankel(t, k)
    assert not math.isnan(v), "the Hankel form should serve this point"
    assert log_err(v, log_tail_by_quadrature(t, k)) < 1e-13


@pytest.mark.parametrize("k,t", [(0.3, 30.0), (2.5, 35.0), (4.5, 50.0), (5.2, 31.0), (11.5, 60.0), (17.3, 120.0),
                                 pytest.param(20.5, 600.0, marks=pytest.mark.slow),     # ~2 min of mpmath each
                                 pytest.param(12.5, 650.0, marks=pytest.mark.slow)])
def test_linear_tail_against_struve(k, t):
    v = _hankel_tail.beyond_hankel(t, k)
    assert not math.isnan(v)
    ref = mpref.within_beyond(t, k, digits=25, tail=True)[1]
    assert mpref.rel_err(v, ref) < 2e-14


def test_integer_shapes_are_the_exact_finite_sum():
    # integer k: the expansion terminates (a_k = 0); the Erlang sum (math notes, item 3) is the reference
    for n, t in ((1, 0.5), (2, 3.0), (3, 7.0), (6, 40.0), (10, 70.0)):
        v = _hankel_tail.beyond_hankel(t, float(n))
        if not math.isnan(v):
            assert mpref.rel_err(v, mpref.erlang_beyond(t, n)) < 1e-14
    assert _hankel_tail.beyond_hankel(0.5, 1.0) == pytest.approx(math.exp(-0.5), rel=1e-15)


@pytest.mark.parametrize("k,t", [(4.5, 3.0), (20.5, 10.0), (300.5, 100.0), (0.7, 1.0)])
def test_refuses_where_the_expansion_does_not_converge(k, t):
    # t small against ν²: Hankel's terms grow before they get small — NaN, never a wrong number
    assert math.isnan(_hankel_tail.hankel_sum(t, k))


def test_serves_the_far_tail_of_every_shape_up_to_20():
    # what the log-tail kernels rely on for speed: 5σ … 60σ (σ = √(2k)) with t ≥ 40 is accepted for k ≤ 20
    rng = np.random.default_rng(3)
    k = rng.uniform(0.5, 20.0, 400)
    t = np.maximum(np.sqrt(2 * k) * rng.uniform(5.0, 60.0, 400), 40.0)
    served = np.array([not math.isnan(_hankel_tail.hankel_sum(ti, ki)) for ti, ki in zip(t, k)])
    assert served.all(), list(zip(k[~served], t[~served]))[:5]


@pytest.mark.parametrize("k,t", [(0.37, 30.0), (2.3, 1e4), (12.5, 100.0), (64.0, 600.0), (150.5, 2e5)])
def test_log_density_against_mpmath(k, t):
    # log f_{|Z|}(t) = log 2 + log f_Z(t), f_Z = t^ν K_ν(t)/(√π Γ(k) 2^ν) by mpmath at 40 digits
    import mpmath as mp
    lf = _hankel_tail.log_beyond_and_pdf_hankel(t, k)[1]
    with mp.workdps(40):
        nu = mp.mpf(k) - mp.mpf(1) / 2
        ref = float(mp.log(2 * mp.mpf(t) ** nu * mp.besselk(nu, t) / (mp.sqrt(mp.pi) * mp.gamma(k) * 2 ** nu)))
    assert log_err(lf, ref) < 1e-13
