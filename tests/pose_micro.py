"""The micro pose config shared by the pose run tests: an 8-channel hourglass on 64 px, a dozen images."""
from pathlib import Path

from pose.checkpoint import read_json

ALL = ["random", "coreset", "ll", "llpp", "llpp_conv"]


def micro(**sections) -> dict:
    """A config small enough for a unit test: 8-channel hourglass on 64 px, a dozen images, 1 epoch."""
    config = {
        "name": "micro",
        "seeds": 1,
        "model": {"nstack": 1, "channels": 8, "input_size": 64, "stem_channels": [8, 8]},
        "data": {"dataset": "synthetic", "base_size": 4, "pool_size": 12, "test_size": 4},
        "train": {"epochs": 1, "batch_size": 2, "eval_batch_size": 16, "device": "cpu", "threads": 1},
        "active": {"strategies": ALL, "cycles": 2, "budget": 2},
    }
    for name, values in sections.items():
        if isinstance(values, dict):
            config[name].update(values)
        else:
            config[name] = values
    return config


def selections(run_dir: Path, strategy: str, seed: int = 0) -> list[list[int]]:
    """Selected pool indices per stage of one strategy and seed."""
    seed_dir = run_dir / strategy / f"seed_{seed}"
    records = [read_json(p) for p in sorted(seed_dir.glob("cycle_*.json"))]
    return [r["selected"] for r in records if r["selected"]]
