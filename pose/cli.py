"""``python -m pose``: run active-learning experiments and report them.

Commands
--------
``python -m pose run --config CONFIG [--strategy S ...] [--seeds N] [--device D] [--out DIR] [--resume] [--set K=V ...]``
    CONFIG is a preset name (``synthetic``, ``lsp_lspet``, ``mpii``) or a YAML
    path. Under ``torchrun --nproc_per_node=N -m pose run ...`` training uses
    DistributedDataParallel and pool scoring is sharded across ranks.
``python -m pose report RUN_DIR [--out DIR]``
    Table 3(a)/(b) as Markdown and CSV, Fig. 5 scatter plots, gamma fits and
    accuracy-vs-labels curves as PNG (default: ``RUN_DIR/report``).
``python -m pose presets``
    List the shipped presets.
``python -m pose convert SRC DST [--merge M] [--joint-order O]``
    Convert the authors' (or princeton-vl's) checkpoint for ``--set model.init_checkpoint=DST``
    (see :mod:`pose.convert`).

Invalid configs exit with status 2 and a message naming the field, before any training.
"""
from __future__ import annotations

import argparse
import sys
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
    run.add_argument("--strategy", nargs="+", action="extend", choices=sorted(STRATEGIES), metavar="S",
                     help=f"strategies to run (default: the config's; choices: {', '.join(STRATEGIES)})")
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

    from .convert import add_arguments as add_convert_arguments

    add_convert_arguments(sub.add_parser("convert", help="convert the authors' / princeton-vl's weights"))
    return parser


def _run(args, argv: list[str]) -> int:
    from .checkpoint import read_json
    from .config import apply_overrides, config_from_dict, load_config
    from .loop import run_experiment

    out = Path(args.out) if args.out else None
    if args.resume and out is not None and (out / "run.json").is_file() and args.config is None:
        # `--resume --out DIR` alone continues with the saved config.
        config = config_from_dict(read_json(out / "run.json")["config"])
    else:
        config = load_config(args.config or "synthetic")
        overrides = list(args.set)
        if args.strategy:
            overrides.append(f"active.strategies=[{', '.join(args.strategy)}]")
        if args.seeds is not None:
            overrides.append(f"seeds={args.seeds}")
        if args.seed is not None:
            overrides.append(f"seed={args.seed}")
        if args.device:
            overrides.append(f"train.device={args.device}")
        config = apply_overrides(config, overrides)
    out = out or Path("runs") / config.name
    run_experiment(config, out, resume=args.resume, argv=[sys.argv[0]] + list(argv))
    return 0


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
    try:
        if args.command == "presets":
            from .config import preset_names

            print("\n".join(preset_names()))
            return 0
        if args.command == "convert":
            from .convert import run as run_convert

            return run_convert(args)
        if args.command == "report":
            from .report import write_report

            out = write_report(args.run_dir, args.out)
            print(f"report written to {out}")
            return 0
        return _run(args, argv)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
