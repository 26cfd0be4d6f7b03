"""Per-step seeds: every step of every cycle derives its randomness from ``(seed, cycle, step)``.

Deriving (not continuing) the random state per step is what makes a resumed run
repeat an uninterrupted one exactly.
"""
from __future__ import annotations

import random
import zlib

import numpy as np
import torch

__all__ = ["derive_seed", "seed_everything"]


def derive_seed(seed: int, cycle: int, step: str) -> int:
    """A 32-bit seed for one named step of one cycle, independent of what ran before.

    Examples
    --------
    >>> derive_seed(0, 1, "train") == derive_seed(0, 1, "train") != derive_seed(0, 2, "train")
    True
    """
    return int(np.random.SeedSequence([int(seed), int(cycle), zlib.crc32(step.encode())]).generate_state(1)[0])


def seed_everything(seed: int) -> None:
    """Seed python's ``random``, numpy's legacy global state and torch (CPU and CUDA)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
