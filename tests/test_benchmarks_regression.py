"""Smoke test of ``python -m benchmarks.regression --quick`` and of its interval arithmetic."""
import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def regression(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT))  # benchmarks/ is a source-tree package, never installed
    import benchmarks.regression

    return benchmarks.regression


def test_interval_is_the_t_interval(regression):
    samples = np.random.default_rng(0).normal(size=7)
    mean, half = regression.t_interval(samples)
    low, high = stats.t.interval(0.95, 6, loc=samples.mean(), scale=stats.sem(samples))
    assert mean == pytest.approx((low + high) / 2) and half == pytest.approx((high - low) / 2)
    assert np.isnan(regression.t_interval(np.array([1.0, np.nan]))[1])


def test_heteroscedastic_noise_follows_sigma(regression):
    x, y = regression.heteroscedastic(0, 40000)
    signal = np.sin(2 * x[:, 0]) + x[:, 1] ** 2 - x[:, 2] * x[:, 3]
    residual = y - signal
    loud, quiet = x[:, 2] > 0.8, x[:, 2] < -0.8
    # sigma -> 1.0 for large x2 and -> 0.1 for small x2 (within a few per cent at |x2| > 0.8).
    assert residual[loud].std() == pytest.approx(0.995, rel=0.05)
    assert residual[quiet].std() == pytest.approx(0.105, rel=0.1)


def test_quick_run_writes_tables_with_paired_differences(regression, tmp_path, capsys):
    assert regression.main(["--quick", "--out", str(tmp_path), "--no-progress"]) == 0
    assert "LL++ − LL" in capsys.readouterr().out
    report = json.loads((tmp_path / "regression.json").read_text())
    for name in ("diabetes", "heteroscedastic"):
        part = report[name]
        per_seed = part["per_seed"]
        assert set(per_seed) == {"random", "coreset", "ll", "llpp"}
        tests = np.array(per_seed["llpp"]["test_metric"], dtype=float)
        assert tests.shape == (2, 3) and np.isfinite(tests).all()
        diff = (np.array(per_seed["llpp"]["selected_true_loss"], dtype=float)
                - np.array(per_seed["ll"]["selected_true_loss"], dtype=float))
        got = [row["mean"] for row in part["summary"]["selected_true_loss"]["llpp_minus_ll"][:2]]
        np.testing.assert_allclose(got, diff[:, :2].mean(axis=0), rtol=1e-12)
        assert np.isnan(np.array(per_seed["random"]["spearman"], dtype=float)).all()  # no loss head
    assert "| 0 | 30 |" in (tmp_path / "regression.md").read_text()
