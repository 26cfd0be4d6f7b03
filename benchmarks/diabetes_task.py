"""A task file for ``python -m gammaal.al run``: the regression benchmark's diabetes split of seed 0.

    python -m gammaal.al run benchmarks/diabetes_task.py --out runs/diabetes --cycles 4 --budget 20 --seeds 3 \\
        --epochs 40 --batch-size 16 --lr 1e-3
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a file: make `benchmarks` importable

from benchmarks.regression import FULL, make_task as _make_task  # noqa: E402


def make_task():
    return _make_task("diabetes", 0, FULL["diabetes"])
