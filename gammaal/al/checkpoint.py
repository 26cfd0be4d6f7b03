"""Atomic ``torch.save``: serialise to memory, then :func:`gammaal.atomic.atomic_write_bytes`."""
from __future__ import annotations

import io
from pathlib import Path

import torch

from ..atomic import atomic_write_bytes

__all__ = ["atomic_torch_save"]


def atomic_torch_save(obj, path: str | Path) -> Path:
    """``torch.save`` atomically: a reader (or a resumed run) sees the old file or the new one."""
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return atomic_write_bytes(path, buffer.getvalue())
