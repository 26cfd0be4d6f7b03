"""Resuming a pose run: which config continues it.

:func:`plan_resume` compares the config a resume asks for with the one saved
in ``run.json``. It applies what cannot change the results already on disk —
``train.device`` and ``train.threads`` (execution settings; the run warns
that their change can alter later selections), strategies and seeds not run
yet — and refuses anything else, naming the flag that asked for it.

Where each strategy and seed picks up (a deleted ``trained_NN.pt`` or
``cycle_NN.json`` is recomputed, with every later step) is the engine's:
:mod:`gammaal.al.resume`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from gammaal.al.engine import trains_heads
from gammaal.al.resume import base_heads
from gammaal.al.strategies import STRATEGIES

from .config import RunConfig, config_to_dict

__all__ = ["CHANGEABLE_ON_RESUME", "ResumePlan", "plan_resume"]

CHANGEABLE_ON_RESUME = ("train.device", "train.threads")
"""Fields a resume may change: where the run executes, not what it computes."""

FLAGS = {"seeds": "--seeds", "seed": "--seed", "train.device": "--device", "active.strategies": "--strategy"}


def _flatten(data: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


@dataclass
class ResumePlan:
    """What a resumed (or new) run does.

    Attributes
    ----------
    config : RunConfig
        The run's config from now on (saved to ``run.json``): the saved one with
        the applied changes; its strategies and seeds are all the run has.
    seeds, strategies : list
        What this invocation runs (the requested ones).
    changes : list of str
        The applied changes, for the log.
    """

    config: RunConfig
    seeds: list[int]
    strategies: list[str]
    changes: list[str] = field(default_factory=list)

    @classmethod
    def fresh(cls, config: RunConfig) -> "ResumePlan":
        return cls(config, config.seed_list, list(config.active.strategies))


def plan_resume(saved: RunConfig, requested: RunConfig, out_dir: str | Path,
                source_of: Callable[[str], str] | None = None) -> ResumePlan:
    """The config that continues the run in ``out_dir`` (saved as ``saved``) as ``requested`` asks.

    Parameters
    ----------
    source_of : callable, optional
        Maps a field name to the command-line flag that set it (for messages);
        defaults to ``--seeds``, ``--seed``, ``--device``, ``--strategy`` or ``--resume``.

    Raises
    ------
    ValueError
        A field that cannot change, or a strategy whose loss head the already
        trained shared base models lack; the message starts with the flag.
    """
    out_dir = Path(out_dir)

    def flag(name: str) -> str:
        return (source_of(name) if source_of else None) or FLAGS.get(name, "--resume")

    old, new = _flatten(config_to_dict(saved)), _flatten(config_to_dict(requested))
    merged, changes = saved, []
    for name in old:
        if old[name] == new[name]:
            continue
        if name in CHANGEABLE_ON_RESUME:
            section, key = name.split(".")
            merged = replace(merged, **{section: replace(getattr(merged, section), **{key: new[name]})})
            changes.append(f"{name} {old[name]} -> {new[name]}")
        elif name == "active.strategies":
            added = [s for s in requested.active.strategies if s not in saved.active.strategies]
            if added:
                _check_heads(saved, added, out_dir, flag(name))
                strategies = list(saved.active.strategies) + added
                merged = replace(merged, active=replace(merged.active, strategies=strategies))
                changes.append(f"adding strategies {', '.join(added)} (not run yet)")
        elif name == "seeds":
            if requested.seeds > saved.seeds:
                merged = replace(merged, seeds=requested.seeds)
                changes.append(f"adding seeds {', '.join(map(str, requested.seed_list[saved.seeds:]))} (not run yet)")
        else:
            raise ValueError(
                f"{flag(name)}: cannot change {name} of the run in {out_dir} ({old[name]!r} there, {new[name]!r} "
                f"requested); a resume keeps the run's config except {', '.join(CHANGEABLE_ON_RESUME)} and added "
                "strategies or seeds. Start a new run (another --out) to change it"
            )
    return ResumePlan(merged, requested.seed_list, list(requested.active.strategies), changes)


def _check_heads(saved: RunConfig, added: list[str], out_dir: Path, flag: str) -> None:
    if not saved.train.share_base:
        return
    for strategy in added:
        if not trains_heads(STRATEGIES[strategy]):
            continue  # e.g. random and core-set use the backbone only
        for seed in saved.seed_list:
            heads = base_heads(out_dir / "base" / f"seed_{seed}")
            if heads is not None and strategy not in heads:
                raise ValueError(
                    f"{flag}: {strategy} needs its own loss head, which the shared base model of seed {seed} in "
                    f"{out_dir / 'base'} lacks (trained with heads: {', '.join(heads) or 'none'}); start a new run "
                    f"(another --out) to include {strategy}"
                )
