"""The scalar fast path (three plain scalars in, one scalar kernel, a Python float out) gives
the array path's value and raises the array path's errors.

Equality is exact on purpose: both paths run the same compiled scalar kernel on the same float64
inputs formed by the same IEEE operations (|x|/θ, a division), in the same process on the same
machine, so nothing here depends on the CPU.  The array path is reached with 1-element arrays
(too few points for the per-k tables).
"""
import math
import re

import numpy as np
import pytest

import gammaal
from gammaal import difference, gradient

FUNCTIONS = [gammaal.prob_within, gammaal.prob_beyond, gammaal.diff_pdf, gammaal.diff_cdf, gammaal.expected_target]

#: (x, k, θ) over the kernels' regimes: integer k (Erlang sums, the k ≤ 1000 limit), non-integer
#: k (W-quadrature), k < 0.01 (log-space walk), k > 1000 (S-quadrature), deep tails, x = 0, ±inf,
#: NaN, −0.0, and x/θ below 1e-300 (the log-t kernels, which the fast path leaves to the array path)
POINTS = [
    (0.1, 4.0, 0.066), (0.1, 4.5, 0.066), (0.5, 1.0, 1.0), (2.0, 0.3, 1.7), (1e-3, 0.5, 0.066),
    (30.0, 1000.0, 0.5), (30.0, 1000.5, 0.5), (40.0, 2000.25, 0.5), (0.7, 0.02, 1.0),
    (60.0, 4.5, 1.0), (272.74274068097884, 124.91517977821691, 1.0), (1e-12, 7.0, 1.0),
    (1e5, 2.5, 3.0), (0.0, 4.5, 1.0), (-0.0, 2.0, 1.0), (math.inf, 3.5, 1.0), (math.nan, 3.5, 1.0),
    (1e-200, 0.01, 1e200), (3e-250, 4.5, 1e100), (1e-300, 2.0, 10.0),
]
#: the same value as other scalar types the fast path takes
CONVERSIONS = [lambda v: v, np.float64, np.float32, int, np.int64]


def _same(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == b


def _array_value(func, x, k, theta):
    return func(np.array([x], dtype=np.float64), k, theta)[0]


@pytest.mark.parametrize("func", FUNCTIONS, ids=lambda f: f.__name__)
def test_scalar_path_gives_the_array_value_exactly(func):
    for x, k, theta in POINTS:
        if func is gammaal.expected_target and x < 0:
            continue
        got = func(x, k, theta)
        assert type(got) is float, (func.__name__, x, k, theta)
        expected = _array_value(func, x, k, theta)
        assert _same(got, float(expected)), (func.__name__, x, k, theta, got, expected)
    # negative arguments for the signed functions
    for x, k, theta in [(-0.1, 4.5, 0.066), (-3.0, 4.0, 1.0), (-math.inf, 2.5, 1.0), (-1e-305, 4.0, 1e100)]:
        if func is not gammaal.expected_target:
            assert _same(func(x, k, theta), float(_array_value(func, x, k, theta))), (func.__name__, x)


def test_the_fast_path_is_the_one_taken_for_ordinary_points():
    # the helpers return None only where the array path has to decide (log-t kernels, NaN results)
    for x, k, theta in [(0.1, 4.0, 0.066), (0.1, 4.5, 0.066), (-2.0, 0.7, 1.0), (math.nan, 3.0, 1.0)]:
        assert difference._scalar_probability(x, k, theta, False) is not None
        assert difference._scalar_probability(x, k, theta, True) is not None
        assert difference._scalar_pdf(x, k, theta) is not None
        assert difference._scalar_cdf(x, k, theta) is not None
        if not x < 0:
            assert gradient._scalar_target(x, k, theta) is not None
    assert difference._scalar_probability(1e-200, 0.01, 1e200, False) is None     # δ/θ underflows
    assert difference._scalar_probability(np.array(0.1), 4.0, 0.066, False) is None   # 0-d array


@pytest.mark.parametrize("convert", CONVERSIONS, ids=["float", "np.float64", "np.float32", "int", "np.int64"])
def test_other_scalar_types_give_the_array_value(convert):
    for func in FUNCTIONS:
        x, k, theta = convert(2.0), convert(3.0), convert(1.0)
        got = func(x, k, theta)
        assert type(got) is float
        assert got == float(func(np.array([x]), k, theta)[0])
    assert gammaal.prob_within(True, 2, 1) == gammaal.prob_within(np.array([1.0]), 2.0, 1.0)[0]
    # a Python int beyond int64 is no number numpy takes: the array path's TypeError
    with pytest.raises(TypeError, match="delta must be a real number"):
        gammaal.prob_within(2**70, 2.0, 1.0)


BAD = [
    ("k", math.nan, "k must be finite and > 0"), ("k", -1.0, "k must be finite and > 0"),
    ("k", 0.0, "k must be finite and > 0"), ("k", math.inf, "k must be finite and > 0"),
    ("k", 1e-9, r"k must lie in \[1e-08, 1e\+10\]"), ("k", 1e11, r"k must lie in \[1e-08, 1e\+10\]"),
    ("theta", math.nan, "theta must be finite and > 0"), ("theta", 0.0, "theta must be finite and > 0"),
    ("theta", -2.0, "theta must be finite and > 0"), ("theta", math.inf, "theta must be finite and > 0"),
]


def _error(call):
    with pytest.raises(Exception) as info:
        call()
    return type(info.value), str(info.value)


@pytest.mark.parametrize("func", FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("name,value,message", BAD, ids=[f"{n}={v}" for n, v, _ in BAD])
def test_bad_scalars_raise_the_array_paths_value_error(func, name, value, message):
    if func is gammaal.expected_target and message.startswith("k must lie"):
        value = 1e21 if value == 1e11 else value      # φ's validated domain reaches 1e20
        message = r"k must lie in \[1e-08, 1e\+20\]"
    args = {"k": 2.5, "theta": 1.0, name: value}
    scalar = _error(lambda: func(0.3, args["k"], args["theta"]))
    array = _error(lambda: func(np.array([0.3]), np.array([args["k"]]), np.array([args["theta"]])))
    assert scalar[0] is ValueError
    assert scalar == array
    assert re.search(message, scalar[1])
    assert f"got {name}={value!r}" in scalar[1]


def test_expected_target_refuses_a_negative_delta_as_the_array_path_does():
    for d in (-1.0, -1e-300, -math.inf, -2):
        scalar = _error(lambda: gammaal.expected_target(d, 4.0, 1.0))
        array = _error(lambda: gammaal.expected_target(np.array([d], dtype=float), 4.0, 1.0))
        assert scalar[0] is ValueError and scalar == array
        assert f"got delta={float(d)!r}" in scalar[1]
    # k is checked before delta, on both paths
    assert _error(lambda: gammaal.expected_target(-1.0, -4.0, 1.0)) == \
        _error(lambda: gammaal.expected_target(np.array([-1.0]), -4.0, 1.0))


@pytest.mark.parametrize("bad", ["0.1", None, 1j, b"x"])
def test_non_numbers_raise_the_array_paths_type_error(bad):
    for func in FUNCTIONS:
        with pytest.raises(TypeError, match="must be"):
            func(bad, 2.0, 1.0)
        with pytest.raises(TypeError, match="k must be"):
            func(0.1, bad, 1.0)


def test_expected_gradient_factor_scalar_and_array_agree():
    for q in (0.0, 0.3, 1.0):
        got = gammaal.expected_gradient_factor(q, 0.1, 4.5, 0.066)
        assert type(got) is float
        assert got == float(gammaal.expected_gradient_factor(np.array([q]), np.array([0.1]), 4.5, 0.066)[0])
        # q − φ with φ from its own independent check: φ(0) = ½ exactly
        assert gammaal.expected_gradient_factor(q, 0.0, 4.5, 0.066) == q - 0.5
    for q in (-0.1, 1.5):
        assert _error(lambda: gammaal.expected_gradient_factor(q, 0.1, 4.5, 0.066)) == \
            _error(lambda: gammaal.expected_gradient_factor(np.array([q]), 0.1, 4.5, 0.066))
    np.testing.assert_array_equal(gammaal.expected_gradient_factor(0.25, np.array([0.0, 0.0]), 4.5, 1.0), [-0.25, -0.25])


def test_scalar_values_against_closed_forms():
    # independent references: k = 1 is the Laplace law, P(|Z| <= t) = 1 − e^{−t}, f(z) = ½ e^{−|z|};
    # k = 2: P(|Z| > t) = e^{−t}(1 + t/2)
    for t in (0.01, 0.5, 3.0, 40.0):
        assert gammaal.prob_within(2.0 * t, 1, 2.0) == pytest.approx(-math.expm1(-t), rel=1e-15)
        assert gammaal.diff_pdf(-t, 1, 1.0) == pytest.approx(0.5 * math.exp(-t), rel=1e-15)
        assert gammaal.prob_beyond(t, 2, 1.0) == pytest.approx(math.exp(-t) * (1 + t / 2), rel=1e-14)
        assert gammaal.diff_cdf(-t, 1, 1.0) == pytest.approx(0.5 * math.exp(-t), rel=1e-15)

