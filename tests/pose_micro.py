"""The micro pose config shared by the pose run tests: the shipped ``micro`` preset (8-channel hourglass, 64 px)."""
from pathlib import Path

from pose.checkpoint import read_json
from pose.config import load_config_data

ALL = ["random", "coreset", "ll", "llpp", "llpp_conv"]


def micro(**sections) -> dict:
    """A config small enough for a unit test: the shipped ``micro`` preset (``pose/configs/micro.yaml``:
    8-channel hourglass on 64 px, a dozen images, 1 epoch), a section dict updating that section, any other
    value replacing it."""
    config = load_config_data("micro")
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
