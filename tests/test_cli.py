"""The `gammaal` console script."""
import numpy as np
import pytest

import gammaal
from gammaal import cli


def test_prob_within_prints_values(capsys):
    assert cli.main(["prob-within", "--k", "4", "--theta", "0.066", "0.02", "0.1"]) == 0
    out = capsys.readouterr().out
    vals = [float(line.split()[1]) for line in out.strip().splitlines()[1:]]
    assert vals == [gammaal.prob_within(0.02, 4, 0.066), gammaal.prob_within(0.1, 4, 0.066)]


def test_bad_parameter_is_a_clean_error(capsys):
    assert cli.main(["prob-beyond", "--k", "-1", "--theta", "1", "0.5"]) == 2
    assert "k must be finite and > 0" in capsys.readouterr().err


@pytest.mark.parametrize("ext", [".npy", ".csv", ".txt"])
def test_fit_reads_each_format(tmp_path, capsys, ext):
    x = np.random.default_rng(0).gamma(4, 0.066, 3000)
    path = tmp_path / f"losses{ext}"
    if ext == ".npy":
        np.save(path, x)
    elif ext == ".csv":
        path.write_text("loss\n" + "\n".join(repr(float(v)) for v in x))
    else:
        np.savetxt(path, x)
    assert cli.main(["fit", str(path)]) == 0
    out = capsys.readouterr().out
    fit = gammaal.fit_gamma(x)
    assert f"k = {fit.k:.6g}" in out
    rows = [line.split() for line in out.splitlines() if line.strip().startswith(("0.02", "0.1 "))]
    assert abs(float(rows[0][1]) - gammaal.prob_within(0.02, fit.k, fit.theta)) < 1e-6


def test_empirical_pair_fraction_matches_brute_force():
    x = np.random.default_rng(5).gamma(2, 1.0, 300)
    d = np.array([0.05, 0.5, 2.0])
    diff = np.abs(x[:, None] - x[None, :])[np.triu_indices(x.size, 1)]
    brute = [(diff <= dd).mean() for dd in d]
    np.testing.assert_allclose(gammaal.empirical_pair_fraction(x, d), brute, rtol=1e-14)


def test_fit_errors(tmp_path, capsys):
    assert cli.main(["fit", str(tmp_path / "missing.npy")]) == 2
    assert "missing.npy" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n3,4\n")
    assert cli.main(["fit", str(bad)]) == 2
    assert "--column" in capsys.readouterr().err
    assert cli.main(["fit", str(bad), "--column", "b"]) == 0          # by header name ...
    assert "n = 2" in capsys.readouterr().out
    assert cli.main(["fit", str(bad), "--column", "1"]) == 0          # ... or by 1-based number
    neg = tmp_path / "neg.txt"
    neg.write_text("1.0\n-2.0\n")
    assert cli.main(["fit", str(neg)]) == 2


# --- one margin rule and one exit status for every subcommand ----------------------------------------

def _commands(tmp_path, delta):
    losses = tmp_path / "losses.txt"
    np.savetxt(losses, np.random.default_rng(0).gamma(4, 0.066, 200))
    law = ["--k", "4", "--theta", "0.066", delta]
    return [["prob-within", *law], ["prob-beyond", *law], ["expected-target", *law],
            ["fit", str(losses), "--no-ks", "--delta", "0.02", delta]]


@pytest.mark.parametrize("delta", ["-0.2", "nan", "NaN", "-1e-300", "-inf", "abc"])
def test_negative_or_nan_margin_is_refused_by_every_subcommand(tmp_path, capsys, delta):
    for argv in _commands(tmp_path, delta):
        assert cli.main(argv) == 2, argv
        captured = capsys.readouterr()
        assert captured.out == ""
        assert f"gammaal {argv[0]}: error: argument" in captured.err
        assert ("margin must be >= 0 (inf allowed), got " + delta in captured.err
                or f"margin {delta!r} is not a number" in captured.err)
        assert "np.float64" not in captured.err and "Traceback" not in captured.err


def test_zero_and_infinite_margins_follow_the_math(tmp_path, capsys):
    for argv in _commands(tmp_path, "inf"):
        assert cli.main(argv) == 0, argv
    out = capsys.readouterr().out
    assert cli.main(["prob-within", "--k", "4", "--theta", "0.066", "0", "inf"]) == 0
    values = [float(line.split()[1]) for line in capsys.readouterr().out.strip().splitlines()[1:]]
    assert values == [0.0, 1.0]
    assert "inf" in out


@pytest.mark.parametrize("argv", [["prob-within", "--k", "4", "0.1"],        # missing --theta
                                  ["fit"], ["no-such-command"], ["fit", "x.csv", "--delta", "x"]])
def test_usage_errors_return_2_instead_of_raising(argv, capsys):
    assert cli.main(argv) == 2
    assert "error" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["prob-within", "prob-beyond", "expected-target", "fit"])
def test_help_states_the_margin_rule_and_returns_0(command, capsys):
    assert cli.main([command, "--help"]) == 0
    assert "negative or NaN margin is refused" in " ".join(capsys.readouterr().out.split())
    assert cli.main(["--help"]) == 0
    assert "Exit status: 0 on success, 2 on bad input" in capsys.readouterr().out


def test_fit_with_a_shape_outside_the_law_domain_prints_the_fit_and_the_pairs(tmp_path, capsys):
    # Near-constant losses have a real MLE with k ~ 1e19; prob_within is validated only to k = 1e10,
    # so the exact column is left empty with the reason instead of failing after printing the fit.
    path = tmp_path / "clustered.csv"
    np.savetxt(path, 1 + 1e-9 * np.random.default_rng(0).random(500))
    assert cli.main(["fit", str(path), "--no-ks", "--delta", "1e-10"]) == 0
    out = capsys.readouterr().out
    assert "outside the validated domain" in out
    fraction = float(out.strip().splitlines()[-1].split()[-1])
    assert 0 < fraction < 1


def test_reproduce_is_a_subcommand_of_the_one_parser(capsys):
    assert cli.main(["reproduce", "--help"]) == 0
    out = capsys.readouterr().out
    assert "usage: gammaal reproduce" in out and "--losses" in out and "Exit status: 0 on success, 2" in out
    assert cli.main(["reproduce", "--seed", "x"]) == 2
    assert "gammaal reproduce: error: argument --seed" in capsys.readouterr().err
    # the same options under another program name (python -m benchmarks.tables, gammaal.paper.main)
    assert cli.reproduce_main(["--help"], prog="python -m benchmarks.tables") == 0
    out_other = capsys.readouterr().out
    assert "usage: python -m benchmarks.tables" in out_other and "--losses" in out_other
