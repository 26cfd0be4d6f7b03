"""Checkpoint I/O for torch runs: :func:`atomic_torch_save` (from :mod:`gammaal.al.checkpoint`) beside the
torch-free atomic writers of :mod:`gammaal.atomic` (re-exported here, so pose code has one import for its run files).
"""
from __future__ import annotations

from gammaal.al.checkpoint import atomic_torch_save  # noqa: F401  (re-exported)
from gammaal.atomic import (  # noqa: F401  (re-exported)
    atomic_write_bytes,
    atomic_write_json,
    atomic_write_text,
    read_json,
    remove_stale_temporaries,
    to_jsonable,
)

__all__ = ["atomic_write_bytes", "atomic_write_text", "atomic_write_json", "atomic_torch_save", "read_json",
           "to_jsonable", "remove_stale_temporaries"]
