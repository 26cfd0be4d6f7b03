"""Smoke tests of ``python -m benchmarks.tables`` and ``python -m benchmarks.speed``
(--quick), and of the mpmath / scipy-quad references the speed benchmark uses."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def speed_module(monkeypatch):
    # benchmarks/ is a source-tree package (never installed): import it from the checkout.
    monkeypatch.syspath_prepend(str(ROOT))
    import benchmarks.speed

    return benchmarks.speed


def _run(args, tmp_path):
    proc = subprocess.run([sys.executable, "-m", *args, "--quick", "--out", str(tmp_path), "--no-progress"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc


def test_tables_module_writes_results(tmp_path):
    proc = _run(["benchmarks.tables"], tmp_path)
    assert "Table 1" in proc.stdout and "Table 2" in proc.stdout
    for name in ("table1.csv", "table1.md", "table2.csv", "table2.md", "figure3_losses.png"):
        assert (tmp_path / name).is_file(), name


def test_speed_quick_writes_json_markdown_and_plot(tmp_path):
    proc = _run(["benchmarks.speed"], tmp_path)
    assert "err gammaal" in proc.stdout
    report = json.loads((tmp_path / "speed.json").read_text())
    assert set(report) >= {"meta", "import_s", "results", "elapsed_s"}
    assert {(r["quantity"], r["k"]) for r in report["results"]} == {
        (q, k) for q in ("prob_within", "prob_beyond", "expected_target") for k in (4.0, 4.5)}
    sizes = [str(n) for n in report["meta"]["sizes"]]
    for r in report["results"]:
        assert set(r) >= {"warmup_s", "times_s", "per_point_s", "ratios", "max_rel_error", "mc"}
        assert set(r["times_s"]) == {"gammaal", "gammainc", "quad", "mpmath", "mc_matched"}
        for method, times in r["times_s"].items():
            assert list(times) == sizes and all(t > 0 for t in times.values()), method
        assert set(r["ratios"]) == {"gammaal_over_gammainc", "quad_over_gammaal", "mpmath_over_gammaal",
                                    "mc_matched_over_gammaal"}
        assert r["max_rel_error"]["gammaal"] < 1e-9
    assert (tmp_path / "speed.md").read_text().count("\n|") >= 7
    assert (tmp_path / "speed.png").stat().st_size > 0


@pytest.mark.parametrize("t", [0.01, 1.5, 7.5, 40.0])
def test_mpmath_references_agree_with_the_integer_k_sum(speed_module, t):
    import mpmath

    with mpmath.workdps(30):
        exact = speed_module.mp_prob_beyond_integer(t, 4)
        assert abs(speed_module.mp_prob_beyond(t, 4) / exact - 1) < 1e-25
        within = speed_module.mp_prob_within(t, 4)
        # Compare the complement only where it is not the small quantity.
        assert abs(within - (1 - exact)) < 1e-25


def test_mpmath_expected_target_reference(speed_module):
    assert speed_module.mp_expected_target(0.0, 4) == 0.5
    # k = 1 (Laplace): given Y − X = t, X ~ Exp(rate 2), so φ = E[X/(2X + t)] in closed form.
    import mpmath

    with mpmath.workdps(30):
        t = mpmath.mpf(3)
        closed = (1 - t * mpmath.exp(t) * mpmath.e1(t)) / 2
        assert abs(speed_module.mp_expected_target(3, 1) / closed - 1) < 1e-25


@pytest.mark.parametrize("quantity", ["prob_within", "prob_beyond", "expected_target"])
@pytest.mark.parametrize("k", [4.0, 4.5])
def test_quad_implementations_match_mpmath(speed_module, quantity, k):
    for t in (0.05, 2.0, 7.0):
        ref = float(speed_module.MPMATH_REFERENCE[quantity](t, k))
        assert speed_module.QUAD_IMPLEMENTATION[quantity](t, k) == pytest.approx(ref, rel=1e-9)
