"""The one reader of per-sample loss files, for ``gammaal fit`` and ``gammaal reproduce --losses``.

Reads what spreadsheets, numpy, pandas and shell tools write:

* ``.npy`` — a numeric array (1-D, a 2-D table, or a structured array with named
  fields); pickled object arrays are refused, never unpickled.
* ``.csv``, ``.tsv``, ``.txt``, ``.dat`` — text in UTF-8 (with or without a byte-order
  mark), UTF-16 with a BOM (Excel's "Unicode text"), or cp1252; LF, CRLF or CR line
  ends; cells separated by tabs, semicolons, commas or whitespace (detected from the
  first row; ``.tsv`` is always tabs, a ``.csv`` without any of them is one column); quoted cells; with ``;`` or tab separators a
  decimal comma (``0,25``) is read as a decimal point.  Blank lines and lines starting
  with ``#`` are skipped.  The first row is a header only if none of its cells is a
  number — a first row of numbers is data.

The column: ``column=None`` takes the only column, or the one named ``loss``; otherwise
a header name (``"val_loss"``, case-insensitive) or a 1-based number (``2`` or ``"2"``,
as a spreadsheet counts).  Every value must be a finite real number > 0 (a gamma fit
takes logs).  Anything else raises :class:`LossFileError`, one line naming the file,
the 1-based row as an editor shows it (header, blank and comment lines counted) and
the problem.
"""
from __future__ import annotations

import csv
import math
import operator
import re
import warnings
from pathlib import Path

import numpy as np

__all__ = ["LossFileError", "read_losses", "checked_losses", "SUFFIXES"]

#: extensions read as text; ``.npy`` is read by numpy
TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".dat")
SUFFIXES = (".npy",) + TEXT_SUFFIXES
_NPY_MAGIC = b"\x93NUMPY"
_LINE_END = re.compile(r"\r\n|\r|\n")
_OTHER_BREAKS = "\v\f\x1c\x1d\x1e\x85\u2028\u2029"


class LossFileError(ValueError):
    """A loss file that cannot be used; the message is one line: ``FILE: [row N: ]problem``."""


def read_losses(path, column=None):
    """Read a 1-D float64 array of positive losses from a file (rules in the module docstring).

    Parameters
    ----------
    path : str or Path
    column : None, int or str
        None: the only column, or the column named ``loss``; an int (or a string of
        digits) is a 1-based column number; any other string is a header name.

    Returns
    -------
    ndarray, shape (n,), n ≥ 2

    Raises
    ------
    LossFileError
        (a ``ValueError``) with the file, row and problem.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise LossFileError(f"{path}: unsupported file type {suffix or '(none)'!r}; expected one of "
                            + ", ".join(SUFFIXES))
    if not path.exists():
        raise LossFileError(f"{path}: no such file")
    if path.is_dir():
        raise LossFileError(f"{path}: is a directory, not a file of losses")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LossFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if not raw.strip():
        raise LossFileError(f"{path}: empty file, no losses")
    if suffix == ".npy":
        return _read_npy(path, raw, column)
    return _read_text(path, raw, column, "\t" if suffix == ".tsv" else None)


def checked_losses(values, name="losses", rows=None):
    """``values`` as a 1-D float64 array of at least two finite losses > 0, or :class:`LossFileError`.

    ``rows`` (same length) gives the 1-based row of each value for the message.
    """
    arr = np.asarray(values)
    if arr.dtype.kind == "c":
        raise LossFileError(f"{name}: complex values (dtype {arr.dtype}); losses must be real")
    if arr.dtype.kind not in "biuf":
        raise LossFileError(f"{name}: values of dtype {arr.dtype} are not numbers")
    arr = np.asarray(arr, dtype=np.float64).ravel()
    bad = ~(np.isfinite(arr) & (arr > 0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        where = f"row {rows[i]}: " if rows is not None else f"entry {i + 1} (index {i}): "
        value = float(arr[i])
        problem = ("NaN loss" if math.isnan(value) else "infinite loss" if math.isinf(value)
                   else f"loss {value:g} is not > 0 (a gamma fit needs positive losses)")
        more = int(bad.sum()) - 1
        raise LossFileError(f"{name}: {where}{problem}" + (f" ({more} more such values)" if more else ""))
    if arr.size < 2:
        raise LossFileError(f"{name}: {arr.size} loss(es) found; a gamma fit needs at least 2")
    return arr


# ---------------------------------------------------------------------------
# .npy
# ---------------------------------------------------------------------------

def _read_npy(path, raw, column):
    if not raw.startswith(_NPY_MAGIC):
        raise LossFileError(f"{path}: not a .npy file (no NumPy header); text files should end in "
                            + ", ".join(TEXT_SUFFIXES))
    try:
        arr = np.load(path, allow_pickle=False)
    except ValueError as exc:
        if "pickle" in str(exc):
            raise LossFileError(f"{path}: holds pickled Python objects, which gammaal never unpickles (unsafe); "
                                "save numbers instead: np.save(path, np.asarray(losses, dtype=float))") from None
        raise LossFileError(f"{path}: unreadable .npy (truncated or corrupt: {exc})") from None
    except (OSError, EOFError) as exc:
        raise LossFileError(f"{path}: unreadable .npy (truncated or corrupt: {exc})") from None
    if arr.dtype.names:  # a structured array: the fields are named columns
        names = list(arr.dtype.names)
        index = _column_index(path, column, len(names), names)
        arr = arr[names[index]]
    elif arr.ndim == 2:
        arr = arr[:, _column_index(path, column, arr.shape[1], None)]
    elif arr.ndim > 2:
        raise LossFileError(f"{path}: array of shape {arr.shape}; expected one column of losses (1-D or a 2-D table)")
    elif column is not None:
        _column_index(path, column, 1, None)
    return checked_losses(np.atleast_1d(arr), str(path))


# ---------------------------------------------------------------------------
# text
# ---------------------------------------------------------------------------

def _decode(path, raw):
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    if b"\x00" in raw:
        raise LossFileError(f"{path}: binary data, not text (a NUL byte); a NumPy array should be saved as .npy")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def _delimiter(first_line, suffix):
    for candidate in ("\t", ";", ","):
        if candidate in first_line:
            return candidate
    # a one-column .csv has no separator at all (its header may contain spaces); text files split on blanks
    return "," if suffix == ".csv" else None


def _splitter(delimiter):
    if delimiter is None:
        return str.split
    def split(line):
        # the csv module only where a quote needs it: it is ~5x slower than str.split on 10^6 rows
        cells = next(csv.reader([line], delimiter=delimiter)) if '"' in line else line.split(delimiter)
        return [cell.strip() for cell in cells]
    return split


def _is_number(cell):
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _read_text(path, raw, column, delimiter):
    text = _decode(path, raw)
    # str.splitlines is 3x faster than the regex but also breaks at \v, \f, \x1c-\x1e, \x85, \u2028-9,
    # which editors do not count as line ends
    lines = (_LINE_END.split(text) if any(c in text for c in _OTHER_BREAKS) else text.splitlines())
    content = [(number, line) for number, line in enumerate(lines, start=1) if line and not line.isspace()]
    if "#" in text:
        content = [(number, line) for number, line in content if not line.lstrip().startswith("#")]
    if not content:
        raise LossFileError(f"{path}: no losses (only blank or comment lines)")
    if delimiter is None:
        delimiter = _delimiter(content[0][1], path.suffix.lower())
    split = _splitter(delimiter)
    first_row, first_cells = content[0][0], split(content[0][1])
    header = None
    if not any(_is_number(c) for c in first_cells if c):
        header, content = first_cells, content[1:]
        if not content:
            raise LossFileError(f"{path}: a header row ({', '.join(repr(c) for c in header)}) but no losses")
    width = len(first_cells)
    index = _column_index(path, column, width, header)
    fast = _fast_numbers(content, delimiter, width, index)
    if fast is not None:
        return fast
    decimal_comma = delimiter in (";", "\t")
    values, rows = [], []
    for number, line in content:
        cells = split(line)
        if len(cells) != width:
            raise LossFileError(f"{path}: row {number}: {len(cells)} cell(s), but row {first_row} has {width} "
                                f"(ragged rows; separator {_name(delimiter)})")
        values.append(_parse_cell(path, number, cells[index], decimal_comma, index, width))
        rows.append(number)
    return checked_losses(np.array(values, dtype=np.float64), str(path), rows)


def _fast_numbers(content, delimiter, width, index):
    """numpy's C parser for the common clean file (10^6 rows: ~5x faster); None sends the file to the
    row-by-row reader, which alone words the errors (ragged rows, quotes, decimal commas, bad cells)."""
    lines = [line for _, line in content]
    if delimiter is None:
        if set(map(len, map(str.split, lines))) != {width}:
            return None
    elif any(map(operator.methodcaller("__contains__", '"'), lines)) or \
            set(map(operator.methodcaller("count", delimiter), lines)) != {width - 1}:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = np.loadtxt(lines, delimiter=delimiter, usecols=index, ndmin=1, dtype=np.float64,
                                comments=None)
    except ValueError:
        return None
    if values.size >= 2 and np.all(np.isfinite(values) & (values > 0)):
        return values
    return None


def _name(delimiter):
    return {None: "whitespace", "\t": "tab", ";": "';'", ",": "','"}[delimiter]


def _parse_cell(path, number, cell, decimal_comma, index, width):
    where = f"{path}: row {number}" + (f", column {index + 1}" if width > 1 else "")
    if not cell:
        raise LossFileError(f"{where}: empty cell, expected a loss")
    try:
        return float(cell)
    except ValueError:
        pass
    if decimal_comma and cell.count(",") == 1 and "." not in cell:
        try:
            return float(cell.replace(",", "."))
        except ValueError:
            pass
    try:
        value = complex(cell.replace(" ", "").strip("()"))
    except ValueError:
        raise LossFileError(f"{where}: {cell!r} is not a number") from None
    raise LossFileError(f"{where}: complex value {cell!r} ({value.imag:g}j); losses must be real")


def _column_index(path, column, width, names):
    """0-based index of ``column`` (None, a 1-based number, or a header name) in a table of ``width``."""
    listing = (", ".join(repr(n) for n in names) if names else f"numbered 1 to {width}")
    if column is None:
        if width == 1:
            return 0
        lowered = [str(n).strip().lower() for n in names] if names else []
        if lowered.count("loss") == 1:
            return lowered.index("loss")
        raise LossFileError(f"{path}: {width} columns ({listing}); choose one with --column NAME "
                            "or --column NUMBER (1 = first)")
    if isinstance(column, (int, np.integer)) or (isinstance(column, str) and column.strip().isdigit()):
        number = int(column)
        if not 1 <= number <= width:
            raise LossFileError(f"{path}: --column {number} is out of range: the file has {width} column(s), "
                                "numbered from 1")
        return number - 1
    if not isinstance(column, str):
        raise LossFileError(f"{path}: --column must be a header name or a 1-based number, got {column!r}")
    if not names:
        raise LossFileError(f"{path}: --column {column!r} names a column, but the file has no header row; "
                            f"use a number from 1 to {width}")
    lowered = [str(n).strip().lower() for n in names]
    wanted = column.strip().lower()
    if wanted not in lowered:
        raise LossFileError(f"{path}: no column named {column!r}; the columns are {listing}")
    return lowered.index(wanted)
