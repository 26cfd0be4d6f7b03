"""AMP as a switch: the autocast context for ``amp`` in {"none", "bf16", "fp16"}."""
from __future__ import annotations

import contextlib

import torch

__all__ = ["AMP_MODES", "autocast", "to_device"]

AMP_MODES = ("none", "bf16", "fp16")


def autocast(device: torch.device, amp: str):
    """``torch.autocast`` for ``amp`` (bfloat16 or float16), or a no-op for "none"."""
    if amp == "none":
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=torch.bfloat16 if amp == "bf16" else torch.float16)


def to_device(value, device: torch.device):
    """Move tensors (nested in tuples, lists, dicts) to ``device``; leave anything else alone."""
    if isinstance(value, torch.Tensor):
        return value.to(device, non_blocking=True)
    if isinstance(value, dict):
        return {k: to_device(v, device) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(to_device(v, device) for v in value)
    return value
