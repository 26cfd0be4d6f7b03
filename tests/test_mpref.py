"""The mpmath harness itself: its points cover the domain and its failures name the worst points."""
import math

import mpmath as mp
import pytest

import mpref


def test_arg_values_cover_the_ends_the_decades_and_both_sides_of_integers():
    values = mpref.Arg(0.5, 20.0, integers=True).values(8)
    assert values[0] == 0.5 and values[-1] == 20.0 and values == sorted(set(values))
    for m in (1, 2, 3, 5, 10, 20):
        assert m in values
        assert m * (1 - 1e-12) in values and (m == 20 or m * (1 + 1e-12) in values)   # 20(1 + 1e-12) is out of range
    assert any(1 < v < 1 + 1e-11 for v in values) and any(1 - 1e-11 < v < 1 for v in values)
    ratios = [b / a for a, b in zip(values, values[1:])]
    assert max(ratios) <= (20.0 / 0.5) ** (1 / 7) * (1 + 1e-12)          # never a gap wider than the log grid
    with pytest.raises(ValueError):
        mpref.Arg(0.0, 1.0).values(3)


def test_points_are_the_product_of_the_arguments():
    pts = mpref.points(mpref.Arg(1e-3, 1.0), mpref.IntArg(1, 3), n=4)
    assert len(pts) == 4 * 3 and (1e-3, 1) in pts and (1.0, 3) in pts


def test_check_passes_a_right_function_and_names_the_worst_points_of_a_wrong_one():
    pts = mpref.points(mpref.Arg(1e-2, 10.0), n=12)
    assert mpref.check(math.exp, mp.exp, pts, rtol=1e-15, dps=30) <= 1e-15
    wrong = lambda x: math.exp(x) * (1 + 1e-9 * (x > 5))  # noqa: E731  (off by 1e-9 above x = 5)
    with pytest.raises(AssertionError) as info:
        mpref.check(wrong, mp.exp, pts, rtol=1e-12, dps=30)
    text = str(info.value)
    assert "above rtol=1e-12" in text and "args=(10.0,)" in text and "1.000e-09" in text
    comparison = mpref.compare(wrong, mp.exp, pts, dps=30)
    assert comparison.rows[0][1][0] > 5 and comparison.worst == pytest.approx(1e-9, rel=1e-3)


def test_rel_err_treats_nan_as_a_failure_and_a_zero_reference_absolutely():
    assert mpref.rel_err(float("nan"), 1.0) == math.inf
    assert mpref.rel_err(3e-20, mp.mpf("1e-400")) == 3e-20
    assert mpref.rel_err(1.0 + 2.0 ** -52, 1) == 2.0 ** -52
