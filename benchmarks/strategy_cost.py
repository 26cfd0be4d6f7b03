"""Scoring cost of every registered strategy per pool image, relative to one forward pass, in the same run.

``python -m benchmarks.strategy_cost [--repeats 5] [--pool 24]`` builds the micro pose task (an 8-channel
hourglass on 64 px synthetic images, CPU, one thread), a network per strategy as the engine does (its loss or
auxiliary head, its model adaptation), and times :func:`gammaal.al.scoring.measure` on the pool with the
strategy's needs (and its ``prepare`` on the 4-image labelled set) against the same call with no needs — one
forward pass plus the true loss. Best of ``--repeats``; prints the ratio per strategy.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from torch.utils.data import DataLoader

from gammaal.al.distributed import DistributedContext
from gammaal.al.loss_prediction import AuxiliarySpec, HeadSpec, LossPredictionModel
from gammaal.al.scoring import measure
from gammaal.al.strategies import STRATEGIES

MICRO = {
    "name": "micro", "seeds": 1,
    "model": {"nstack": 1, "channels": 8, "input_size": 64, "stem_channels": [8, 8]},
    "data": {"dataset": "synthetic", "base_size": 4, "pool_size": 24, "test_size": 4},
    "train": {"epochs": 1, "batch_size": 2, "eval_batch_size": 16, "device": "cpu", "threads": 1},
    "active": {"strategies": ["random"], "cycles": 1, "budget": 2},
}


def _network(task, name: str) -> LossPredictionModel:
    strategy = STRATEGIES[name]
    heads, auxiliary = {}, {}
    if strategy.head is not None:
        heads[name] = HeadSpec(strategy.head, strategy.objective, tuple(task.head_taps.get(strategy.head, ())) or None,
                               dict(task.head_options.get(strategy.head, {})))
    if strategy.auxiliary is not None:
        kind = strategy.auxiliary
        auxiliary[name] = AuxiliarySpec(kind, tuple(task.head_taps.get(kind, ())) or None,
                                        dict(task.head_options.get(kind, {})))
    model = strategy.adapt_model(task.build_model())
    network = LossPredictionModel(model, task.taps, heads=heads, auxiliary=auxiliary,
                                  embedding_taps=task.embedding_taps)
    network.initialize(next(iter(DataLoader(task.labelled, batch_size=2)))["image"], seed=0)
    return network.eval()


def _seconds(call, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - started)
    return best


def main(argv=None) -> None:
    from pose.config import config_from_dict
    from pose.task import PoseTask

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--pool", type=int, default=24)
    parser.add_argument("--labelled", type=int, default=4, help="labelled images (EGL++'s neighbours: min(30, this))")
    parser.add_argument("--only", nargs="*", help="strategies to time (default: all registered)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    config = config_from_dict(dict(MICRO, data=dict(MICRO["data"], pool_size=args.pool, base_size=args.labelled)))
    task = PoseTask(config)
    ctx = DistributedContext()
    pool = np.arange(len(task.pool))
    kwargs = {"batch_size": 16, "mc_passes": 10}
    print(f"micro pose task, {len(pool)} pool images, {len(task.labelled)} labelled, CPU, 1 thread, "
          f"best of {args.repeats}")
    print(f"{'strategy':<20}{'x forward':>10}{'ms / image':>12}")
    for name in args.only or STRATEGIES.names():
        strategy = STRATEGIES[name]
        torch.manual_seed(0)
        network = _network(task, name)
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
