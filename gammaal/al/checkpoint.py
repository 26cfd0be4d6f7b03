"""Checkpoint I/O of a run: atomic ``torch.save``, and readers that turn a damaged file into one clear error.

Writes are atomic (:func:`gammaal.atomic.atomic_write_bytes`), so a killed run
leaves each file complete or absent; a file damaged afterwards (disk, copy,
hand edit) raises :class:`CorruptRunFile` naming the file and the fix.
"""
from __future__ import annotations

import io
from pathlib import Path

import torch

from ..atomic import atomic_write_bytes, read_json

__all__ = ["CorruptRunFile", "atomic_torch_save", "load_checkpoint", "read_run_json"]


class CorruptRunFile(ValueError):
    """A run file exists but cannot be read; the message names it and what to do."""


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = text if len(text) <= 120 else text[:117] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def atomic_torch_save(obj, path: str | Path) -> Path:
    """``torch.save`` atomically: a reader (or a resumed run) sees the old file or the new one."""
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return atomic_write_bytes(path, buffer.getvalue())


def read_run_json(path: str | Path, fix: str, expect: type = dict):
    """:func:`gammaal.atomic.read_json`; unreadable, or not a JSON ``expect``, raises :class:`CorruptRunFile`."""
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
    """``torch.load`` a checkpoint of :func:`atomic_torch_save`; unreadable raises :class:`CorruptRunFile`."""
    path = Path(path)
    try:
        checkpoint = torch.load(path, map_location=map_location, weights_only=False)
    except Exception as exc:  # torch raises RuntimeError, EOFError, UnpicklingError, ... for damaged files
        raise CorruptRunFile(f"{path}: truncated or corrupt ({_reason(exc)}); {fix}") from None
    if not isinstance(checkpoint, dict) or not set(keys) <= set(checkpoint):
        raise CorruptRunFile(f"{path}: not a checkpoint of this run (expected the keys {', '.join(keys)}); {fix}")
    return checkpoint
