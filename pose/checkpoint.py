"""Checkpoint I/O for torch runs: :func:`atomic_torch_save` beside the torch-free atomic writers of
:mod:`gammaal.atomic` (re-exported here, so pose code has one import for its run files), and readers
that turn a truncated or corrupt run file into one :class:`CorruptRunFile` line naming the file and
what to do about it.
"""
from __future__ import annotations

import io
from pathlib import Path

import torch

from gammaal.atomic import (  # noqa: F401  (re-exported)
    atomic_write_bytes,
    atomic_write_json,
    atomic_write_text,
    read_json,
    remove_stale_temporaries,
    to_jsonable,
)

__all__ = ["atomic_write_bytes", "atomic_write_text", "atomic_write_json", "atomic_torch_save", "read_json",
           "to_jsonable", "remove_stale_temporaries", "CorruptRunFile", "read_run_json", "load_checkpoint"]


class CorruptRunFile(ValueError):
    """A run file exists but cannot be read; the message names it and the fix (the CLI exits with 2)."""


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = text if len(text) <= 120 else text[:117] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def read_run_json(path: str | Path, fix: str, expect: type = dict):
    """:func:`read_json` of a run file; unreadable or not a JSON ``expect`` raises :class:`CorruptRunFile`.

    ``fix`` tells the user what to do, e.g. "delete it and resume to recompute cycle 2".
    """
    path = Path(path)
    try:
        value = read_json(path)
    except (OSError, ValueError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise CorruptRunFile(f"{path}: truncated or corrupt ({_reason(exc)}); {fix}") from None
    if not isinstance(value, expect):
        raise CorruptRunFile(f"{path}: truncated or corrupt (holds a JSON {type(value).__name__}, "
                             f"expected a {expect.__name__}); {fix}")
    return value


def load_checkpoint(path: str | Path, fix: str, keys=("network", "record"), map_location="cpu") -> dict:
    """``torch.load`` a checkpoint written by :func:`atomic_torch_save`; unreadable raises :class:`CorruptRunFile`."""
    path = Path(path)
    try:
        checkpoint = torch.load(path, map_location=map_location, weights_only=False)
    except Exception as exc:  # torch raises RuntimeError, EOFError, UnpicklingError, ... for damaged files
        raise CorruptRunFile(f"{path}: truncated or corrupt ({_reason(exc)}); {fix}") from None
    if not isinstance(checkpoint, dict) or not set(keys) <= set(checkpoint):
        raise CorruptRunFile(f"{path}: not a pose checkpoint (expected the keys {', '.join(keys)}); {fix}")
    return checkpoint


def atomic_torch_save(obj, path: str | Path) -> Path:
    """``torch.save`` atomically: serialise to memory, then :func:`atomic_write_bytes`."""
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return atomic_write_bytes(path, buffer.getvalue())
