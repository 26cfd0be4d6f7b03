"""gammaal.paper: Tables 1–2 and figures regenerate, agree with the core, and
account for the printed digits."""
import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import gammaal
from gammaal import paper
from gammaal.paper import figures as paper_figures, writers


REPLACED = []  # destinations of every os.replace during the module's quick run


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("paper")
    real_replace = os.replace

    def spy(src, dst, *args, **kwargs):
        REPLACED.append(Path(dst).resolve())
        return real_replace(src, dst, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(os, "replace", spy)
        result = paper.reproduce(out=out, quick=True, progress=False, stream=io.StringIO())
    return out, result


def test_quick_run_writes_every_file(quick_run):
    out, result = quick_run
    for name in ("table1.csv", "table1.md", "table2.csv", "table2.md", "paper.json",
                 "figure3_losses.png", "table1_prob_within.png", "table2_expected_target.png"):
        assert (out / name).stat().st_size > 0, name
    assert set(result["files"]) >= {"table1_csv", "table2_csv", "figure3", "json"}


def test_every_output_is_written_atomically(quick_run):
    out, _ = quick_run
    written = {p.resolve() for p in out.iterdir()}
    assert written and written <= set(REPLACED)        # each file arrived by a rename of a complete temp file
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def _failing_replace(*args, **kwargs):
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize("write", [
    lambda path: writers.write_csv(path, [{"delta": 0.1, "exact": 0.5}]),
    lambda path: writers.write_markdown(path, "T", ["a"], [["1"]], ["note"]),
    lambda path: paper.figure_prob_within(path, shapes=(4,)),
])
def test_a_failed_write_keeps_the_previous_file(tmp_path, monkeypatch, write):
    path = tmp_path / "output"
    path.write_bytes(b"previous complete version")
    monkeypatch.setattr(os, "replace", _failing_replace)
    with pytest.raises(OSError, match="No space"):
        write(path)
    assert path.read_bytes() == b"previous complete version"
    assert [p.name for p in tmp_path.iterdir()] == ["output"]    # and no temp file left behind


def test_every_figure_has_labelled_axes(monkeypatch):
    figures = []
    monkeypatch.setattr(paper_figures, "_save_figure", lambda fig, path: figures.append(fig) or Path(path))
    losses = np.random.default_rng(0).gamma(4, 0.066, 500)
    fit = gammaal.fit_gamma(losses, ks=True)
    paper.figure3(losses, "unused.png", [("MLE", fit)])
    paper.figure_prob_within("unused.png")
    paper.figure_expected_target("unused.png")
    assert len(figures) == 3
    for fig in figures:
        for ax in fig.axes:
            assert ax.get_xlabel().strip() and ax.get_ylabel().strip(), ax.get_title()


def test_table1_exact_column_is_prob_within(quick_run):
    out, result = quick_run
    rows = result["table1"]["rows"]
    expected = gammaal.prob_within(np.array(paper.TABLE1_DELTAS), paper.PAPER_K, paper.PAPER_THETA)
    np.testing.assert_allclose([r["exact"] for r in rows], expected, rtol=1e-15, atol=0)
    with open(out / "table1.csv", newline="") as fh:
        from_csv = [float(r["exact"]) for r in csv.DictReader(fh)]
    assert from_csv == [r["exact"] for r in rows]  # repr round-trips every digit


@pytest.mark.parametrize("table", ["table1", "table2"])
def test_monte_carlo_within_four_standard_errors(quick_run, table):
    _, result = quick_run
    for row in result[table]["rows"]:
        assert abs(row["mc_z"]) < 4, row


def test_solved_theta_reproduces_each_printed_value(quick_run):
    _, result = quick_run
    for row in result["table1"]["rows"]:
        p = gammaal.prob_within(row["delta"], paper.PAPER_K, row["theta_reproducing"])
        assert p == pytest.approx(row["paper"], abs=1e-12)
        assert row["theta_round_low"] < row["theta_reproducing"] < row["theta_round_high"]


def test_one_theta_reproduces_every_printed_digit(quick_run):
    _, result = quick_run
    lo, hi = result["table1"]["theta_rounding_interval"]
    theta = result["table1"]["paper_theta"]
    assert theta == pytest.approx(0.5 * (lo + hi)) and theta == pytest.approx(paper.paper_theta())
    exact = gammaal.prob_within(np.array(paper.TABLE1_DELTAS), paper.PAPER_K, theta)
    assert np.round(exact, 3).tolist() == list(paper.TABLE1_PRINTED)
    assert [round(r["exact_at_paper_theta"], 3) for r in result["table1"]["rows"]] == list(paper.TABLE1_PRINTED)
    for row in result["table2"]["rows"]:
        if row["paper"] is not None:
            assert round(row["phi_at_paper_theta"], 2) == row["paper"]
    # The printed 0.066 itself does not reproduce the row: the paper rounded θ.
    assert not lo <= paper.PAPER_THETA <= hi
    assert lo <= result["table1"]["theta_least_squares"] <= hi
    # The same θ also gives the readable digits of Table 2.
    lo2, hi2 = result["table2"]["theta_rounding_interval"]
    assert lo2 <= theta <= hi2


def test_table2_entries(quick_run):
    _, result = quick_run
    rows = result["table2"]["rows"]
    assert [r["delta"] for r in rows] == list(paper.TABLE2_DELTAS)
    assert rows[0]["phi_exact"] == 0.5
    phi = gammaal.expected_target(np.array(paper.TABLE2_DELTAS), paper.PAPER_K, paper.PAPER_THETA)
    np.testing.assert_allclose([r["phi_exact"] for r in rows], phi, rtol=1e-15)
    assert [r["llpp_paper"] for r in rows] == ["q_i - 0.50", "q_i - 0.39", "n/a", "q_i - 0.25", "n/a",
                                              "q_i - 0.18"]
    assert all(r["ll"] == "c1" for r in rows)
    assert "regardless" in paper.LL_EXPLANATION or "whatever" in paper.LL_EXPLANATION


def test_solve_theta_rejects_unreachable_targets():
    with pytest.raises(ValueError):
        paper.solve_theta(0.1, 1.2)
    with pytest.raises(ValueError):
        paper.solve_theta(0.1, 0.6, quantity="expected_target")
    with pytest.raises(ValueError):
        paper.solve_theta(0.0, 0.3)


def test_solve_theta_for_expected_target_round_trips():
    theta = paper.solve_theta(0.3, 0.25, quantity="expected_target")
    assert gammaal.expected_target(0.3, 4, theta) == pytest.approx(0.25, abs=1e-12)


def test_user_losses_drive_figure3(tmp_path):
    losses = np.random.default_rng(2).gamma(2.0, 0.1, 3000)
    path = tmp_path / "mine.npy"
    np.save(path, losses)
    stream = io.StringIO()
    argv = ["--quick", "--out", str(tmp_path / "out"), "--losses", str(path), "--no-progress"]
    assert paper.main(argv) == 0
    result = paper.reproduce(out=tmp_path / "out2", quick=True, losses=path, figures=False,
                             progress=False, stream=stream)
    assert result["figure3"]["source"] == str(path)
    assert result["figure3"]["fit"]["k"] == pytest.approx(2.0, rel=0.1)
    assert "figure3" not in result["files"]
    assert "Table 1" in stream.getvalue()


def test_main_reports_bad_input(tmp_path, capsys):
    # the same exit status as `gammaal fit` (0 ok, 2 bad input or usage); the file rules are in test_lossfile
    assert paper.main(["--out", str(tmp_path), "--losses", str(tmp_path / "x.json"), "--no-progress"]) == 2
    assert "unsupported file type '.json'" in capsys.readouterr().err
    assert paper.main(["--seed", "not-a-number"]) == 2
    assert "invalid int value" in capsys.readouterr().err
    assert paper.main(["--help"]) == 0 and "Exit status: 0 on success, 2" in capsys.readouterr().out


def test_figures_need_matplotlib_with_a_clear_message(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match="pip install"):
        paper.figure_prob_within("unused.png")


def test_importing_gammaal_paper_does_not_import_matplotlib():
    code = "import sys, gammaal, gammaal.paper; sys.exit('matplotlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
