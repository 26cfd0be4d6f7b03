"""Checkpoint I/O for torch runs, one import for pose's run files: :func:`atomic_torch_save` and the readers
that turn a truncated or corrupt run file into one :class:`CorruptRunFile` line naming the file and what to do
about it (both from :mod:`gammaal.al.checkpoint`), beside the torch-free atomic writers of :mod:`gammaal.atomic`.
"""
from __future__ import annotations

from gammaal.al.checkpoint import CorruptRunFile, atomic_torch_save, load_checkpoint, read_run_json  # noqa: F401
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
