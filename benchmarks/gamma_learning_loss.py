"""Does the gamma-aware Learning Loss (``ll_gamma``) beat LL and LL++? Paired over seeds on the regression tasks.

``python -m benchmarks.gamma_learning_loss [--seeds 10] [--task heteroscedastic] [--quantile 0.25]`` runs LL,
LL++ and ``ll_gamma`` on :mod:`benchmarks.regression`'s task and protocol (same seeds, data and models, one
shared base model per seed) and prints, per cycle, the mean ± 95 % CI of the Spearman correlation of predicted
vs true pool loss and of the selected items' true loss, and the paired differences ``ll_gamma − ll`` and
``ll_gamma − llpp`` (``*``: the CI excludes 0).
"""
from __future__ import annotations

import argparse
import math
import tempfile
from pathlib import Path

import numpy as np

import gammaal.al as al
from gammaal.al.results import t_interval

from .regression import FULL, make_task

STRATEGIES = ["ll", "llpp", "ll_gamma"]
QUANTITIES = {"spearman": "Spearman (predicted vs true pool loss)", "selected_true_loss": "selected true loss",
              "test_metric": "test RMSE"}


def _cell(samples) -> str:
    m, h = t_interval(samples)
    star = " *" if math.isfinite(h) and abs(m) > h else ""
    return f"{m:+.3f} ± {h:.3f}{star}" if math.isfinite(h) else f"{m:+.3f}"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--task", default="heteroscedastic", choices=sorted(FULL))
    parser.add_argument("--quantile", type=float, default=0.25)
    args = parser.parse_args(argv)
    p = FULL[args.task]
    values = {s: {q: [] for q in QUANTITIES} for s in STRATEGIES}
    with tempfile.TemporaryDirectory() as runs:
        for seed in range(args.seeds):
            result = al.run(make_task(args.task, seed, p), Path(runs) / f"seed_{seed}", STRATEGIES, cycles=p.cycles,
                            budget=p.budget, seeds=[seed], epochs=p.epochs, batch_size=p.batch_size, lr=p.lr,
                            device="cpu", threads=1, progress=False, gamma_quantile=args.quantile)
            for s in STRATEGIES:
                for q in QUANTITIES:
                    values[s][q].append(result.values(s, q)[0])
    print(f"{args.task}: {args.seeds} seeds, q = {args.quantile}, {p.cycles} cycles x {p.budget}, {p.epochs} epochs")
    report(values, p.cycles)


def report(values: dict, cycles_run: int) -> None:
    """Print the tables of ``values[strategy][quantity]`` (lists over seeds of per-cycle arrays)."""
    for q, title in QUANTITIES.items():
        table = {s: np.array(values[s][q]) for s in STRATEGIES}
        cycles = range(cycles_run) if q != "test_metric" else range(cycles_run + 1)
        print(f"\n{title}\ncycle | " + " | ".join(STRATEGIES) + " | ll_gamma − ll | ll_gamma − llpp")
        for c in cycles:
            cells = [_cell(table[s][:, c]) for s in STRATEGIES]
            cells += [_cell(table["ll_gamma"][:, c] - table["ll"][:, c]),
                      _cell(table["ll_gamma"][:, c] - table["llpp"][:, c])]
            print(f"{c} | " + " | ".join(cells))


if __name__ == "__main__":
    main()
