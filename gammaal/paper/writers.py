"""The tables as text (terminal), Markdown and CSV, each file written atomically."""
from __future__ import annotations

import csv
import io

from ..atomic import atomic_write_text

__all__ = ["text_table", "markdown_table", "write_csv", "write_markdown"]


def text_table(header, body):
    widths = [max(len(str(row[i])) for row in [header] + body) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    fmt = lambda row: "  ".join(str(c).rjust(w) for c, w in zip(row, widths))  # noqa: E731
    return "\n".join([fmt(header), line] + [fmt(r) for r in body])


def markdown_table(header, body):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in body]
    return "\n".join(lines)


def write_csv(path, rows):
    keys = list(rows[0].keys())
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=keys)
    writer.writeheader()
    for r in rows:
        # repr keeps all 17 significant digits of a float; None -> empty.
        writer.writerow({key: ("" if r[key] is None else
                               repr(r[key]) if isinstance(r[key], float) else r[key])
                         for key in keys})
    atomic_write_text(path, buffer.getvalue())


def write_markdown(path, title, header, body, notes):
    text = f"### {title}\n\n{markdown_table(header, body)}\n\n" + "\n".join(f"- {n}" for n in notes)
    atomic_write_text(path, text + "\n")
