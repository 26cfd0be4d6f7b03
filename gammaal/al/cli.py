"""``python -m gammaal.al``: run the engine on a task defined in a Python file, and summarise a run.

    python -m gammaal.al run my_task.py --out runs/x --cycles 3 --budget 50 --seeds 3 --epochs 20
    python -m gammaal.al report runs/x

The file defines ``task`` (a :class:`gammaal.al.Task`) or ``make_task()`` returning one.
``--set NAME=VALUE`` passes any further :class:`gammaal.al.RunSettings` field
(the value is read as a Python literal where it parses as one, e.g. ``amp=bf16``,
``subset=1000``, ``share_base=False``).
"""
from __future__ import annotations

import argparse
import ast
import runpy
import sys
from pathlib import Path

__all__ = ["main"]


def _setting(text: str) -> tuple[str, object]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"--set: expected NAME=VALUE, got {text!r}")
    name, value = text.split("=", 1)
    try:
        return name.strip(), ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return name.strip(), value


def _load_task(path: str):
    from .task import Task

    namespace = runpy.run_path(path)
    task = namespace["make_task"]() if "make_task" in namespace else namespace.get("task")
    if not isinstance(task, Task):
        raise ValueError(f"task file: {path} defines neither `task` nor `make_task()` returning a gammaal.al.Task")
    return task


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m gammaal.al", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run active learning on the task in a Python file")
    run.add_argument("task_file")
    run.add_argument("--out", required=True, help="output directory")
    run.add_argument("--strategies", nargs="+", default=["random", "coreset", "ll", "llpp"])
    run.add_argument("--cycles", type=int, required=True)
    run.add_argument("--budget", type=int, required=True)
    run.add_argument("--seeds", type=int, default=1)
    run.add_argument("--epochs", type=int, required=True)
    run.add_argument("--batch-size", type=int, default=32)
    run.add_argument("--lr", type=float, default=1e-3)
    run.add_argument("--device", default="auto")
    run.add_argument("--resume", action="store_true", help="continue the run in --out")
    run.add_argument("--no-progress", action="store_true")
    run.add_argument("--set", dest="settings", action="append", type=_setting, default=[], metavar="NAME=VALUE")
    report = commands.add_parser("report", help="per strategy and cycle: mean ± 95 %% CI over seeds")
    report.add_argument("run_dir")
    return parser


def _report(run_dir: str) -> str:
    from .results import load_results

    results = load_results(run_dir)
    quantities = [("test_metric", results.metric_name), ("selected_true_loss", "selected true loss"),
                  ("spearman", "Spearman")]
    lines = []
    for attribute, title in quantities:
        lines += [f"{title} (mean ± 95 % CI over {len(results.seeds)} seeds)",
                  "| strategy | " + " | ".join(f"cycle {c}" for c in range(results.cycles + 1)) + " |",
                  "|---" * (results.cycles + 2) + "|"]
        for strategy in results.strategies:
            cells = [f"{m:.4g} ± {h:.2g}" if h == h else (f"{m:.4g}" if m == m else "—")
                     for m, h in results.intervals(strategy, attribute)]
            lines.append(f"| {strategy} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "report":
            print(_report(args.run_dir))
            return 0
        from .engine import run

        task = _load_task(args.task_file)
        run(task, Path(args.out), args.strategies, cycles=args.cycles, budget=args.budget, seeds=args.seeds,
            epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, device=args.device, resume=args.resume,
            progress=not args.no_progress, **dict(args.settings))
        print(_report(args.out))
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0
