"""gammaal.lossfile: the one reader behind `gammaal fit` and `gammaal reproduce --losses`.

Every file is written by the test as a spreadsheet, numpy, pandas or a shell tool would write it.
"""
import subprocess
import sys
import warnings

import numpy as np
import pytest

from gammaal import cli, paper
from gammaal.lossfile import LossFileError, read_losses

VALUES = [0.125, 0.25, 0.5, 0.0625]


def _write(tmp_path, name, content):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode("utf-8"))
    return path


@pytest.mark.parametrize("name, content, column", [
    ("bom_crlf.csv", "\ufeffimage,loss\r\na.png,0.125\r\nb.png,0.25\r\nc.png,0.5\r\nd.png,0.0625\r\n", None),
    ("bom_single.csv", "\ufeffloss\n0.125\n0.25\n0.5\n0.0625\n", None),
    ("no_header.txt", "0.125\n0.25\n0.5\n0.0625\n", None),            # the first row is data, not a header
    ("tabs.tsv", "id\tval_loss\n1\t0.125\n2\t0.25\n3\t0.5\n4\t0.0625\n", "VAL_LOSS"),
    ("semicolon_decimal_comma.csv", "nr;Verlust\n1;0,125\n2;0,25\n3;0,5\n4;0,0625\n", "2"),
    ("whitespace.txt", "  1   0.125\n  2   0.25\n\n  3   0.5\n  4   0.0625\n", 2),
    ("pandas_index.csv", ",loss\n0,0.125\n1,0.25\n2,0.5\n3,0.0625\n", None),
    ("savetxt_header.txt", "# loss\n1.250000000000000000e-01\n2.5e-01\n5e-01\n6.25e-02\n", None),
    ("quoted.csv", '"name","loss"\n"a, b",0.125\n"c","0.25"\n"d",0.5\n"e",0.0625\n', "loss"),
    ("old_mac.csv", "loss\r0.125\r0.25\r0.5\r0.0625\r", None),
    ("no_newline_at_end.csv", "a,b\n9,0.125\n9,0.25\n9,0.5\n9,0.0625", "b"),
])
def test_text_files_as_tools_write_them(tmp_path, name, content, column):
    path = _write(tmp_path, name, content)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(read_losses(path, column), VALUES)


def test_excel_unicode_text_and_cp1252(tmp_path):
    utf16 = _write(tmp_path, "excel.txt", "Bild\tVerlust ä\r\nx\t0.125\r\ny\t0.25\r\nz\t0.5\r\nw\t0.0625\r\n"
                   .encode("utf-16"))
    np.testing.assert_array_equal(read_losses(utf16, 2), VALUES)
    cp1252 = _write(tmp_path, "cp1252.csv", "perte é\n0.125\n0.25\n0.5\n0.0625\n".encode("cp1252"))
    np.testing.assert_array_equal(read_losses(cp1252), VALUES)


def test_npy_one_and_two_dimensional_and_named_fields(tmp_path):
    np.save(tmp_path / "a.npy", np.array(VALUES))
    np.testing.assert_array_equal(read_losses(tmp_path / "a.npy"), VALUES)
    table = np.column_stack([np.arange(4.0), VALUES])
    np.save(tmp_path / "t.npy", table)
    np.testing.assert_array_equal(read_losses(tmp_path / "t.npy", 2), VALUES)
    rec = np.zeros(4, dtype=[("idx", "i8"), ("loss", "f4")])
    rec["loss"] = VALUES
    np.save(tmp_path / "r.npy", rec)
    np.testing.assert_array_equal(read_losses(tmp_path / "r.npy"), VALUES)  # field 'loss' by default
    np.testing.assert_array_equal(read_losses(tmp_path / "r.npy", "LOSS"), VALUES)


def _pickled(path):
    np.save(path, np.array([0.1, "x"], dtype=object), allow_pickle=True)


# (file name, how to write it, column, what the one error line must say)
BAD_FILES = [
    ("ragged.csv", "loss,x\n0.1,1\n0.2\n0.3,3\n", "loss", r"row 3: 1 cell\(s\), but row 1 has 2"),
    ("complex.txt", "0.1\n0.2\n1+2j\n", None, r"row 3: complex value '1\+2j'"),
    ("complex_paren.csv", "loss\n0.1\n(0.3+0j)\n", None, r"row 3: complex value"),
    ("empty.csv", "", None, "empty file"),
    ("blank.txt", "\n \r\n\t\n", None, "empty file"),
    ("header_only.csv", "\ufeffimage,loss\r\n", None, "header row .* but no losses"),
    ("text_cell.csv", "loss\n0.1\nabc\n", None, r"row 3: 'abc' is not a number"),
    ("nan.csv", "loss\n\n0.1\n\nnan\n", None, r"row 5: NaN loss"),                 # blank lines are counted
    ("inf.tsv", "a\tloss\n1\t0.1\n2\t-inf\n", None, r"row 3: infinite loss"),
    ("negative.txt", "0.5\n-0.2\n", None, r"row 2: loss -0.2 is not > 0"),
    ("empty_cell.csv", "a,loss\n1,0.1\n2,\n", None, r"row 3, column 2: empty cell"),
    ("one.csv", "loss\n0.3\n", None, "1 loss.*at least 2"),
    ("two_columns.csv", "a,b\n1,2\n3,4\n", None, r"2 columns \('a', 'b'\); choose one with --column"),
    ("by_name_no_header.csv", "1,2\n3,4\n", "loss", "names a column, but the file has no header row"),
    ("unknown_name.csv", "a,b\n1,2\n3,4\n", "loss", r"no column named 'loss'; the columns are 'a', 'b'"),
    ("out_of_range.csv", "a,b\n1,2\n3,4\n", "3", r"--column 3 is out of range: the file has 2 column\(s\), numbered from 1"),
    ("zero_column.csv", "a,b\n1,2\n3,4\n", "0", "--column 0 is out of range"),
    ("pickled.npy", _pickled, None, "pickled Python objects, which gammaal never unpickles"),
    ("complex.npy", lambda p: np.save(p, np.array([1 + 2j, 3.0])), None, r"complex values \(dtype complex128\)"),
    ("nan.npy", lambda p: np.save(p, np.array([0.1, 0.2, np.nan])), None, r"entry 3 \(index 2\): NaN loss"),
    ("strings.npy", lambda p: np.save(p, np.array(["0.1", "0.2"])), None, "dtype <U3 are not numbers"),
    ("text_named.npy", "0.1\n0.2\n", None, r"not a .npy file \(no NumPy header\)"),
    ("truncated.npy", lambda p: p.write_bytes(_npy_bytes()[:-5]), None, "unreadable .npy"),
    ("binary.csv", b"\x00\x01\x02", None, "binary data, not text"),
    ("losses.json", "[0.1, 0.2]", None, "unsupported file type '.json'"),
]


def _npy_bytes():
    import io

    buffer = io.BytesIO()
    np.save(buffer, np.arange(1.0, 20.0))
    return buffer.getvalue()


def _make(tmp_path, name, content):
    path = tmp_path / name
    if callable(content):
        content(path)
    else:
        _write(tmp_path, name, content)
    return path


@pytest.mark.parametrize("name, content, column, message", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_files_give_one_clear_line_and_exit_2(tmp_path, capsys, name, content, column, message):
    path = _make(tmp_path, name, content)
    with pytest.raises(LossFileError, match=message):
        read_losses(path, column)
    argv = ["fit", str(path)] + (["--column", column] if column else [])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cli.main(argv) == 2
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(f"gammaal fit: error: {path}: ") and "Traceback" not in captured.err
    assert captured.out == ""


def test_missing_file(tmp_path, capsys):
    assert cli.main(["fit", str(tmp_path / "missing.npy")]) == 2
    assert f"{tmp_path / 'missing.npy'}: no such file" in capsys.readouterr().err


def test_fit_and_reproduce_share_the_reader_and_the_exit_status(tmp_path, capsys):
    bad = _write(tmp_path, "ragged.csv", "loss,x\n0.1,1\n0.2\n")
    assert cli.main(["fit", str(bad), "--column", "loss"]) == 2
    fit_error = capsys.readouterr().err.strip().split("error: ", 1)[1]
    out = tmp_path / "out"
    assert cli.main(["reproduce", "--losses", str(bad), "--column", "loss", "--out", str(out),
                     "--no-progress", "--no-figures", "--quick"]) == 2
    reproduce_error = capsys.readouterr().err.strip().split("error: ", 1)[1]
    assert fit_error == reproduce_error
    assert not out.exists()  # checked before anything was written
    good = _write(tmp_path, "good.csv", "\ufeffimage;loss\r\n" + "".join(
        f"x{i};{float(v)!r}\r\n".replace(".", ",") for i, v in enumerate(np.random.default_rng(0).gamma(2, 0.1, 300))))
    np.testing.assert_array_equal(paper.reproduce(out=out, quick=True, losses=good, figures=False, progress=False,
                                                  stream=open(tmp_path / "log", "w"))["figure3"]["fit"]["n"], 300)


@pytest.mark.slow  # a fresh interpreter loads numba's cache (~8 s on 2 shared cores); in-process tests cover the rest
def test_a_pickled_npy_from_the_shell_has_no_traceback(tmp_path):
    path = tmp_path / "pickled.npy"
    _pickled(path)
    proc = subprocess.run([sys.executable, "-W", "error", "-m", "gammaal.cli", "fit", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "pickled" in proc.stderr and "Traceback" not in proc.stderr
