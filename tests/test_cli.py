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
