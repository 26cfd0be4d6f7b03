"""Regenerate the paper's Tables 1–2 and figures: ``python -m benchmarks.tables``.

A thin wrapper: the logic is :func:`gammaal.paper.main` (also reachable as
``gammaal reproduce``), so the same command works from an installed wheel.
Run ``python -m benchmarks.tables --help`` for the options.
"""
import sys

from gammaal.paper import main

if __name__ == "__main__":
    sys.exit(main(prog="python -m benchmarks.tables"))
