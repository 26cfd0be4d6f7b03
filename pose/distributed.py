"""Process-group plumbing for ``torchrun`` (lives in :mod:`gammaal.al.distributed`); errors name ``train.device``."""
from __future__ import annotations

import torch

from gammaal.al.distributed import DistributedContext
from gammaal.al.distributed import init_distributed as _init_distributed
from gammaal.al.distributed import resolve_device as _resolve_device

__all__ = ["DistributedContext", "resolve_device", "init_distributed"]


def resolve_device(spec: str, local_rank: int = 0) -> torch.device:
    """:func:`gammaal.al.distributed.resolve_device` for the pose config's ``train.device``."""
    return _resolve_device(spec, local_rank, argument="train.device")


def init_distributed(device: str = "auto") -> DistributedContext:
    """:func:`gammaal.al.distributed.init_distributed` for the pose config's ``train.device``."""
    return _init_distributed(device, argument="train.device")
