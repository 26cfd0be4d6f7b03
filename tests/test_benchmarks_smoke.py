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


# Runs `python -m MODULE ...` with os.replace wrapped, and lists the files it renamed into place.
_SPY = """
import atexit, os, runpy, sys
replaced, real = [], os.replace
def spy(src, dst, *a, **k):
    replaced.append(os.path.realpath(dst))
    return real(src, dst, *a, **k)
os.replace = spy
atexit.register(lambda: open(os.environ["REPLACED_LOG"], "w").write("\\n".join(replaced)))
module, sys.argv = sys.argv[1], sys.argv[1:]
runpy.run_module(module, run_name="__main__", alter_sys=True)
"""


def _run(args, tmp_path):
    log = tmp_path.parent / f"{tmp_path.name}.replaced"
    proc = subprocess.run([sys.executable, "-c", _SPY, *args, "--quick", "--out", str(tmp_path), "--no-progress"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**__import__("os").environ, "REPLACED_LOG": str(log)})
    assert proc.returncode == 0, proc.stderr
    replaced = set(log.read_text().split("\n"))
    written = {str(p.resolve()) for p in tmp_path.iterdir()}
    assert written and written <= replaced, written - replaced   # every output written atomically
    return proc


def test_tables_module_writes_results(tmp_path):
    proc = _run(["benchmarks.tables"], tmp_path)
    assert "Table 1" in proc.stdout and "Table 2" in proc.stdout
    for name in ("table1.csv", "table1.md", "table2.csv", "table2.md", "figure3_losses.png"):
        assert (tmp_path / name).is_file(), name


@pytest.mark.slow  # 12 s: times every method; its reference implementations are checked fast below
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


def test_fit_benchmark_writes_ratios(tmp_path, monkeypatch, capsys):
    monkeypatch.syspath_prepend(str(ROOT))
    import os

    import benchmarks.fit

    replaced, real = [], os.replace
    monkeypatch.setattr(os, "replace", lambda src, dst: (replaced.append(str(Path(dst).resolve())), real(src, dst)))
    assert benchmarks.fit.main(["--quick", "--out", str(tmp_path)]) == 0
    assert {str(p.resolve()) for p in tmp_path.iterdir()} == set(replaced) == {
        str((tmp_path / name).resolve()) for name in ("fit.json", "fit.md")}
    report = json.loads((tmp_path / "fit.json").read_text())
    assert len(report["results"]) == 5 and "÷ scipy" in capsys.readouterr().out
    for r in report["results"]:
        assert r["ratio_gammaal_over_scipy"] > 0 and r["time_s"]["gammaal_ks"] > 0
        assert r["k_gammaal"] > 0
    clustered = report["results"][-1]
    assert 1e18 < clustered["k_gammaal"] < 1e20


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
