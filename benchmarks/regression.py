"""Learning Loss vs LearningLoss++ on plain regression: a copyable example of :func:`gammaal.al.run`.

``python -m benchmarks.regression [--seeds 10] [--quick] [--out results]``

Two tasks, each a small MLP (two hidden ReLU layers of 32 or 64 units, both tapped by the loss head):

* **diabetes** — scikit-learn's bundled ``load_diabetes`` (442 patients, 10
  features, disease progression after one year; ships inside the scikit-learn
  wheel, nothing is downloaded). Per seed a fresh random split: 142 test,
  30 labelled, 270 in the pool.
* **heteroscedastic** — synthetic, x ~ U[-1, 1]^4, y = sin(2 x0) + x1² − x2 x3
  + σ(x) ε with σ(x) = 0.1 + 0.9 sigmoid(6 x2): the noise level, hence the
  true loss, is a function of the input that a loss head can learn.
  Per seed 300 test, 40 labelled, 660 in the pool.

For ``--seeds`` seeds it runs random, core-set, LL and LL++ (the shared base
model per seed, then ``cycles`` acquisitions) and prints per cycle the test
RMSE, the mean true loss of the selected samples (under the model that chose
them) and the Spearman correlation of predicted vs true pool loss, each as
mean ± 95 % t-interval over seeds, plus the paired difference LL++ − LL
(paired by seed; ``*`` where its interval excludes 0). Writes
``regression.json`` and ``regression.md`` into ``--out`` (atomically); the
engine's run directories go to ``--out/regression_runs`` and a rerun resumes them.
"""
from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import TensorDataset

import gammaal.al as al
from gammaal.al.results import t_interval
from gammaal.atomic import atomic_write_json, atomic_write_text

STRATEGIES = ["random", "coreset", "ll", "llpp"]
LABELS = {"random": "Random", "coreset": "Core-set", "ll": "LL", "llpp": "LL++"}
QUANTITIES = {"test_metric": "test RMSE", "selected_true_loss": "selected true loss", "spearman": "Spearman"}


@dataclasses.dataclass(frozen=True)
class Protocol:
    """Sizes and training of one benchmark task."""

    test: int
    labelled: int
    pool: int
    cycles: int
    budget: int
    epochs: int
    batch_size: int = 16
    lr: float = 3e-3
    width: int = 64


FULL = {"diabetes": Protocol(test=142, labelled=30, pool=270, cycles=4, budget=20, epochs=40, lr=1e-3, width=32),
        "heteroscedastic": Protocol(test=300, labelled=40, pool=660, cycles=4, budget=40, epochs=30)}
QUICK = {name: dataclasses.replace(p, cycles=2, epochs=2) for name, p in FULL.items()}


def diabetes(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The bundled diabetes data (features as shipped, already centred and scaled), shuffled by ``seed``."""
    from sklearn.datasets import load_diabetes

    x, y = load_diabetes(return_X_y=True)
    order = np.random.default_rng(seed).permutation(len(y))[:n]
    return x[order] / x.std(axis=0), y[order]


def heteroscedastic(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic regression whose noise level σ(x) = 0.1 + 0.9 sigmoid(6 x2) is a function of x."""
    rng = np.random.default_rng([seed, 7])
    x = rng.uniform(-1, 1, size=(n, 4))
    sigma = 0.1 + 0.9 / (1 + np.exp(-6 * x[:, 2]))
    y = np.sin(2 * x[:, 0]) + x[:, 1] ** 2 - x[:, 2] * x[:, 3] + sigma * rng.standard_normal(n)
    return x, y


DATASETS = {"diabetes": diabetes, "heteroscedastic": heteroscedastic}


def make_task(name: str, seed: int, p: Protocol) -> al.RegressionTask:
    """Split the data of ``seed`` into test / labelled / pool; standardise y with the labelled part's statistics."""
    x, y = DATASETS[name](seed, p.test + p.labelled + p.pool)
    mean, std = y[p.test:p.test + p.labelled].mean(), y[p.test:p.test + p.labelled].std()
    x = torch.tensor(x, dtype=torch.float32)
    y = torch.tensor((y - mean) / std, dtype=torch.float32)[:, None]
    parts = np.cumsum([0, p.test, p.labelled, p.pool])
    test, labelled, pool = (TensorDataset(x[a:b], y[a:b]) for a, b in zip(parts[:-1], parts[1:]))
    features = x.shape[1]

    def build_model() -> nn.Module:
        return nn.Sequential(nn.Linear(features, p.width), nn.ReLU(), nn.Linear(p.width, p.width), nn.ReLU(),
                             nn.Linear(p.width, 1))

    return al.RegressionTask(build_model, taps=["1", "3"], labelled=labelled, pool=pool, test=test)


def run_task(name: str, p: Protocol, seeds: int, runs: Path, progress: bool) -> dict[str, dict[str, np.ndarray]]:
    """Every seed's run of ``name``; returns {strategy: {quantity: (seeds, cycles + 1)}}."""
    values = {s: {q: [] for q in QUANTITIES} for s in STRATEGIES}
    for seed in range(seeds):
        result = al.run(make_task(name, seed, p), runs / name / f"seed_{seed}", STRATEGIES, cycles=p.cycles,
                        budget=p.budget, seeds=[seed], epochs=p.epochs, batch_size=p.batch_size, lr=p.lr,
                        device="cpu", threads=1, resume=True, progress=False)
        for strategy in STRATEGIES:
            for quantity in QUANTITIES:
                values[strategy][quantity].append(result.values(strategy, quantity)[0])
        if progress:
            print(f"  {name}: seed {seed} done", file=sys.stderr, flush=True)
    return {s: {q: np.array(v) for q, v in qs.items()} for s, qs in values.items()}


def summarise(values: dict[str, dict[str, np.ndarray]]) -> dict:
    """Per quantity, strategy and cycle: mean and CI half-width; and the paired LL++ − LL difference."""
    summary = {}
    for quantity in QUANTITIES:
        cycles = values["random"][quantity].shape[1]
        rows = {s: [t_interval(values[s][quantity][:, c]) for c in range(cycles)] for s in STRATEGIES}
        diff = values["llpp"][quantity] - values["ll"][quantity]
        rows["llpp_minus_ll"] = [t_interval(diff[:, c]) for c in range(cycles)]
        summary[quantity] = {k: [{"mean": m, "ci95": h} for m, h in v] for k, v in rows.items()}
    return summary


def _cell(m: float, h: float, digits: int = 3, mark: bool = False) -> str:
    if not math.isfinite(m):
        return "—"
    text = f"{m:.{digits}f} ± {h:.{digits}f}" if math.isfinite(h) else f"{m:.{digits}f}"
    return text + (" *" if mark and math.isfinite(h) and abs(m) > h else "")


def markdown(name: str, p: Protocol, seeds: int, summary: dict) -> str:
    """One table per quantity: cycles as rows, strategies and LL++ − LL as columns."""
    lines = [f"### {name}: {p.labelled} labelled + {p.budget} per cycle, pool {p.pool}, test {p.test}, "
             f"{seeds} seeds (mean ± 95 % CI)", ""]
    for quantity, title in QUANTITIES.items():
        columns = [s for s in STRATEGIES if quantity != "spearman" or s in ("ll", "llpp")]
        lines += [f"**{title}**", "", "| cycle | labelled | " + " | ".join(LABELS[s] for s in columns)
                  + " | LL++ − LL |", "|---" * (len(columns) + 3) + "|"]
        for c in range(p.cycles + 1):
            cells = [_cell(summary[quantity][s][c]["mean"], summary[quantity][s][c]["ci95"]) for s in columns]
            d = summary[quantity]["llpp_minus_ll"][c]
            if all(cell == "—" for cell in cells):
                continue
            lines.append(f"| {c} | {p.labelled + c * p.budget} | " + " | ".join(cells)
                         + f" | {_cell(d['mean'], d['ci95'], mark=True)} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.regression", description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=10, help="seeds per task (default 10)")
    parser.add_argument("--quick", action="store_true", help="2 seeds, 2 cycles, 2 epochs (the smoke test)")
    parser.add_argument("--out", default="results", help="output directory (default results/)")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    seeds = 2 if args.quick else args.seeds
    if seeds < 2:
        parser.error("--seeds: need at least 2 for a confidence interval")
    protocols = QUICK if args.quick else FULL
    out = Path(args.out)
    runs = out / "regression_runs" / ("quick" if args.quick else "full")
    started = time.perf_counter()
    report, sections = {}, []
    for name, p in protocols.items():
        values = run_task(name, p, seeds, runs, progress=not args.no_progress)
        summary = summarise(values)
        report[name] = {"protocol": dataclasses.asdict(p), "seeds": seeds, "summary": summary,
                        "per_seed": {s: {q: v.tolist() for q, v in qs.items()} for s, qs in values.items()}}
        sections.append(markdown(name, p, seeds, summary))
        print(sections[-1], flush=True)
    elapsed = time.perf_counter() - started
    report["elapsed_s"] = elapsed
    report["torch"] = torch.__version__
    atomic_write_json(out / "regression.json", report)
    atomic_write_text(out / "regression.md", "\n".join(sections) + f"\nTotal run time {elapsed:.0f} s.\n")
    print(f"{elapsed:.0f} s; wrote {out / 'regression.json'} and {out / 'regression.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
