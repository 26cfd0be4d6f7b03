"""Scoring cost of every registered strategy per pool image, relative to one forward pass, in the same run.

``python -m benchmarks.strategy_cost [--repeats 5] [--pool 24]`` builds the micro pose task (the shipped
``micro`` preset, ``pose/configs/micro.yaml``: an 8-channel hourglass on 64 px synthetic images, CPU, one thread,
with ``--pool`` pool and ``--labelled`` base images), a network per strategy with the engine's own builder
(:func:`gammaal.al.engine.build_network`: its loss or auxiliary head, its model adaptation), and times
:func:`gammaal.al.scoring.measure` on the pool with the strategy's needs (and its ``prepare`` on the 4-image
labelled set) against the same call with no needs — one forward pass plus the true loss. Best of ``--repeats``;
prints the ratio per strategy.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from gammaal.al.distributed import DistributedContext
from gammaal.al.engine import build_network
from gammaal.al.scoring import measure
from gammaal.al.settings import RunSettings
from gammaal.al.strategies import STRATEGIES


def _seconds(call, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - started)
    return best


def main(argv=None) -> None:
    from pose.config import config_from_dict, load_config_data
    from pose.task import PoseTask, engine_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--pool", type=int, default=24)
    parser.add_argument("--labelled", type=int, default=4, help="labelled images (EGL++'s neighbours: min(30, this))")
    parser.add_argument("--only", nargs="*", help="strategies to time (default: all registered)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    micro = load_config_data("micro")
    config = config_from_dict(dict(micro, data=dict(micro["data"], pool_size=args.pool, base_size=args.labelled),
                                   active={"strategies": ["random"], "cycles": 1, "budget": 2}))
    task = PoseTask(config)
    settings = RunSettings.create(**engine_settings(config))
    ctx = DistributedContext()
    pool = np.arange(len(task.pool))
    kwargs = {"batch_size": 16, "mc_passes": 10}
    print(f"micro pose task, {len(pool)} pool images, {len(task.labelled)} labelled, CPU, 1 thread, "
          f"best of {args.repeats}")
    print(f"{'strategy':<20}{'x forward':>10}{'ms / image':>12}")
    for name in args.only or STRATEGIES.names():
        strategy = STRATEGIES[name]
        network = build_network(task, settings, [name], seed=0, init_seed=0, ctx=ctx).eval()
        forward = _seconds(lambda: measure(network, task, task.pool, pool, ctx, **kwargs), args.repeats)

        def score():
            state = None
            if "per_item" in strategy.needs:
                state = strategy.prepare(network, task, task.labelled, lambda data, **kw: measure(
                    network, task, data, np.arange(len(data)), ctx, **{**kwargs, **kw}))
            measure(network, task, task.pool, pool, ctx, needs=strategy.needs, per_item=strategy.per_item,
                    per_item_state=state, **kwargs)

        cost = _seconds(score, args.repeats)
        print(f"{name:<20}{cost / forward:>10.2f}{1e3 * cost / len(pool):>12.2f}")


if __name__ == "__main__":
    main()
