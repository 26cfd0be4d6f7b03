"""Atomic file writes (torch-free): a reader sees the old file or the new one, never half of one.

Each writer puts the bytes in a temporary file in the destination directory,
flushes and ``fsync``s it, ``os.replace``s it over the destination (atomic on
POSIX and Windows within one filesystem) and then ``fsync``s the directory so
the rename itself survives a power loss. A run killed at any instant therefore
leaves every checkpoint and JSON record either complete or absent.
"""
from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path

import numpy as np

_UMASK = os.umask(0)
os.umask(_UMASK)

__all__ = ["atomic_write_bytes", "atomic_write_text", "atomic_write_json", "read_json", "to_jsonable",
           "remove_stale_temporaries"]


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return  # directories cannot be opened on some platforms (Windows); the rename is still atomic
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temp file, fsync, ``os.replace``, fsync dir).

    Parameters
    ----------
    path : str or Path
        Destination; parent directories are created.
    data : bytes

    Returns
    -------
    Path
        The destination.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp creates 0600 files; give the result the permissions open() would.
        os.chmod(tmp, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        # Also on KeyboardInterrupt: never leave a stray temp file behind.
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_directory(path.parent)
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 text atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def to_jsonable(obj):
    """Convert numpy/torch scalars and arrays (nested in dicts/lists) to JSON types; NaN becomes None."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if hasattr(obj, "detach") and hasattr(obj, "cpu"):  # a torch tensor, without importing torch
        obj = obj.detach().cpu().numpy()
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer, int)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        value = float(obj)
        return value if np.isfinite(value) else None
    if isinstance(obj, Path):
        return str(obj)
    return obj


def atomic_write_json(path: str | Path, obj, indent: int | None = 1) -> Path:
    """Write ``obj`` as JSON atomically (numpy and torch values converted, NaN/inf as null)."""
    return atomic_write_text(path, json.dumps(to_jsonable(obj), indent=indent, allow_nan=False) + "\n")


def read_json(path: str | Path):
    """Load a JSON file."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def remove_stale_temporaries(directory: str | Path) -> list[Path]:
    """Delete the ``.NAME.*.tmp`` files a killed :func:`atomic_write_bytes` left under ``directory``.

    A temp file only exists between ``mkstemp`` and ``os.replace``; one found when no writer runs is
    debris of a killed process (SIGKILL skips the cleanup in ``atomic_write_bytes``). Returns the
    removed paths.
    """
    directory = Path(directory)
    removed = []
    if not directory.is_dir():
        return removed
    for tmp in directory.rglob(".*.tmp"):
        if tmp.is_file():
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed
