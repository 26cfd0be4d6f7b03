"""Process-group plumbing for ``torchrun``: one object says who we are; one process is a group of one.

Launched by ``torchrun --nproc_per_node=N ...`` the environment
carries ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK``; :func:`init_distributed`
then joins the group (NCCL on CUDA, gloo on CPU). Without those variables it
returns a single-process context and every collective below is the identity,
so the engine has no ``if distributed`` forks.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import torch
import torch.distributed as dist

__all__ = ["DistributedContext", "resolve_device", "init_distributed"]


def resolve_device(spec: str, local_rank: int = 0, argument: str = "device") -> torch.device:
    """Turn a device string into a ``torch.device`` ("auto" picks CUDA when present).

    Under DDP a bare "cuda" means the local rank's GPU. ``argument`` names the
    setting in error messages.
    """
    if spec == "auto":
        spec = "cuda" if torch.cuda.is_available() else "cpu"
    if spec == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"{argument}: cuda requested but torch.cuda.is_available() is False")
        return torch.device("cuda", local_rank % max(torch.cuda.device_count(), 1))
    try:
        device = torch.device(spec)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"{argument}: must be auto, cpu, cuda, cuda:N or another torch device, got {spec!r}") from exc
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"{argument}: {spec} requested but torch.cuda.is_available() is False")
    return device


@dataclass
class DistributedContext:
    """Rank, world size and device of this process, plus the collectives the loop needs.

    Attributes
    ----------
    rank, world_size, local_rank : int
    device : torch.device
    initialised : bool
        Whether this context created the process group (and must destroy it).
    """

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    device: torch.device = torch.device("cpu")
    initialised: bool = False

    @property
    def is_main(self) -> bool:
        """Rank 0: the process that selects and writes files."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        """More than one process."""
        return self.world_size > 1

    def barrier(self) -> None:
        """Wait for every rank (no-op alone)."""
        if self.distributed:
            dist.barrier()

    def broadcast_object(self, obj):
        """Rank 0's ``obj`` on every rank."""
        if not self.distributed:
            return obj
        box = [obj if self.is_main else None]
        dist.broadcast_object_list(box, src=0)
        return box[0]

    def all_mean(self, value: float) -> float:
        """Mean of a float over ranks (e.g. the epoch loss that drives the LR schedule)."""
        if not self.distributed:
            return float(value)
        parts = [None] * self.world_size
        dist.all_gather_object(parts, float(value))
        return float(np.mean(parts))

    def shard(self, items: np.ndarray) -> np.ndarray:
        """This rank's interleaved share ``items[rank::world_size]``."""
        return items[self.rank::self.world_size]

    def gather_shards(self, shard: dict[str, np.ndarray | None], total: int) -> dict[str, np.ndarray | None]:
        """Reassemble per-rank arrays produced on :meth:`shard` into the full order.

        Parameters
        ----------
        shard : dict of name -> ndarray (n_rank, ...) or None
        total : int
            Length of the un-sharded array.

        Returns
        -------
        dict of name -> ndarray (total, ...) or None
        """
        if not self.distributed:
            return shard
        parts = [None] * self.world_size
        dist.all_gather_object(parts, shard)
        out = {}
        for key, value in shard.items():
            if value is None:
                out[key] = None
                continue
            full = np.empty((total,) + value.shape[1:], dtype=value.dtype)
            for rank, part in enumerate(parts):
                full[rank::self.world_size] = part[key]
            out[key] = full
        return out

    def close(self) -> None:
        """Leave the process group if this context created it."""
        if self.initialised and dist.is_initialized():
            dist.destroy_process_group()
            self.initialised = False


def init_distributed(device: str = "auto", argument: str = "device") -> DistributedContext:
    """Join the ``torchrun`` process group if launched by it, else a single-process context.

    Parameters
    ----------
    device : str
        Device string; see :func:`resolve_device`.
    argument : str
        Name of the setting, for error messages.

    Returns
    -------
    DistributedContext
    """
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size <= 1:
        return DistributedContext(device=resolve_device(device, argument=argument))
    rank = int(os.environ["RANK"])
    local_rank = int(os.environ.get("LOCAL_RANK", rank))
    torch_device = resolve_device(device, local_rank, argument)
    if torch_device.type == "cuda":
        torch.cuda.set_device(torch_device)
    initialised = False
    if not dist.is_initialized():
        dist.init_process_group(
            backend="nccl" if torch_device.type == "cuda" else "gloo",
            rank=rank,
            world_size=world_size,
            device_id=torch_device if torch_device.type == "cuda" else None,
        )
        initialised = True
    return DistributedContext(rank, world_size, local_rank, torch_device, initialised)
