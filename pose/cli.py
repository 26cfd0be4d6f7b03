"""``python -m pose``: run active-learning experiments and report them.

Commands
--------
``python -m pose run --config CONFIG [--strategy S ...] [--seeds N] [--device D] [--out DIR] [--resume] [--set K=V ...]``
    CONFIG is a preset name (``synthetic``, ``lsp_lspet``, ``mpii``) or a YAML
    path. Under ``torchrun --nproc_per_node=N -m pose run ...`` training uses
    DistributedDataParallel and pool scoring is sharded across ranks.
    ``--set`` is applied before validation, so it can complete a partial YAML.
``python -m pose run --resume --out DIR [--device D] [--strategy S ...] [--seeds N] [--set train.threads=T]``
    Continue the run in DIR with its saved config. Only the device, the
    thread count, strategies and seeds not run yet can change; any other
    ``--set``, ``--seed`` or ``--config`` difference is refused, naming the flag.
``python -m pose report RUN_DIR [--out DIR]``
    Table 3(a)/(b) as Markdown and CSV, Fig. 5 scatter plots, gamma fits and
    accuracy-vs-labels curves as PNG (default: ``RUN_DIR/report``).
``python -m pose bench [--config CONFIG] [--device D] [--set K=V ...] [--out DIR] [--quick]``
    Measure the cost of a run on one device: training images/s with and without each loss
    head, pool scoring, core-set selection, peak memory, fp32 vs bf16 vs channels_last on CUDA
    (see :mod:`pose.bench`).
``python -m pose presets``
    List the shipped presets.
``python -m pose convert SRC DST [--merge M] [--joint-order O]``
    Convert the authors' (or princeton-vl's) checkpoint for ``--set model.init_checkpoint=DST``
    (see :mod:`pose.convert`).

Invalid configs, missing data, impossible resumes and unreadable run files exit
with status 2 and a one-line message naming the field or file, before anything
is written.
"""
from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m pose``."""
    from .strategies import STRATEGIES

    parser = argparse.ArgumentParser(prog="python -m pose", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run active learning (all strategies x seeds of a config)")
    run.add_argument("--config", help="preset name or YAML path (default: synthetic, or with --resume the "
                                      "config saved in --out)")
    run.add_argument("--strategy", nargs="+", action="extend", choices=STRATEGIES.names(), metavar="S",
                     help=f"strategies to run (default: the config's; choices: {', '.join(STRATEGIES.names())})")
    run.add_argument("--seeds", type=int, help="number of seeds (default: the config's)")
    run.add_argument("--seed", type=int, help="first seed (default: the config's)")
    run.add_argument("--device", help="auto, cpu, cuda or cuda:N (default: the config's)")
    run.add_argument("--out", help="output directory (default: runs/<config name>)")
    run.add_argument("--resume", action="store_true", help="continue the run in --out after its last completed step")
    run.add_argument("--set", nargs="+", default=[], metavar="SECTION.FIELD=VALUE",
                     help="override config fields, e.g. train.epochs=2 active.cycles=2")

    report = sub.add_parser("report", help="tables and figures of a finished (or running) run")
    report.add_argument("run_dir", help="directory written by `run`")
    report.add_argument("--out", help="report directory (default: RUN_DIR/report)")

    sub.add_parser("presets", help="list the shipped config presets")

    from .bench import add_arguments as add_bench_arguments

    add_bench_arguments(sub.add_parser("bench", help="measure training, scoring and selection cost on one device"))

    from .convert import add_arguments as add_convert_arguments

    add_convert_arguments(sub.add_parser("convert", help="convert the authors' / princeton-vl's weights"))
    return parser


def _run(args, argv: list[str]) -> int:
    from .checkpoint import CorruptRunFile, read_run_json
    from .config import config_from_dict, load_config_data, set_fields
    from .experiment import RUN_JSON_FIX, run_experiment

    overrides, sources = list(args.set), {}
    for item in args.set:
        sources[item.partition("=")[0].strip()] = f"--set {item.partition('=')[0].strip()}"
    for flag, field, value in (("--strategy", "active.strategies", args.strategy and f"[{', '.join(args.strategy)}]"),
                               ("--seeds", "seeds", args.seeds), ("--seed", "seed", args.seed),
                               ("--device", "train.device", args.device)):
        if value is not None:
            overrides.append(f"{field}={value}")
            sources[field] = flag
    out = Path(args.out) if args.out else None
    if args.resume and args.config is None:
        # `--resume --out DIR` continues with the config saved in DIR, changed only by the flags given.
        out = out or Path("runs") / "synthetic"
        if not (out / "run.json").is_file():
            raise ValueError(f"--resume: nothing to resume in {out} (no run.json); drop --resume to start a run")
        data = read_run_json(out / "run.json", RUN_JSON_FIX).get("config")
        if not isinstance(data, dict):
            raise CorruptRunFile(f"{out / 'run.json'}: holds no config mapping; {RUN_JSON_FIX}")
    else:
        data = load_config_data(args.config or "synthetic")
    config = config_from_dict(set_fields(data, overrides))
    out = out or Path("runs") / config.name
    default = "--config" if args.config else "--resume"
    run_experiment(config, out, resume=args.resume, argv=[sys.argv[0]] + list(argv),
                   source_of=lambda field: sources.get(field, default))
    return 0


def _print_warning(message, category, filename, lineno, file=None, line=None):
    print(f"warning: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status.

    Examples
    --------
    >>> main(["presets"])  # doctest: +ELLIPSIS
    lsp_lspet...
    0
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    with warnings.catch_warnings():
        warnings.showwarning = _print_warning  # one plain line, not the source location
        return _dispatch(args, argv)


def _dispatch(args, argv: list[str]) -> int:
    try:
        if args.command == "presets":
            from .config import preset_names

            print("\n".join(preset_names()))
            return 0
        if args.command == "convert":
            from .convert import run as run_convert

            return run_convert(args)
        if args.command == "bench":
            from .bench import run as run_bench

            return run_bench(args)
        if args.command == "report":
            from .report import write_report

            out = write_report(args.run_dir, args.out)
            print(f"report written to {out}")
            return 0
        return _run(args, argv)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
