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


def to_device(value, device: torch.device, channels_last: bool = False):
    """Move tensors (nested in tuples, lists, dicts) to ``device``; 4-D ones to NHWC with ``channels_last``."""
    if isinstance(value, torch.Tensor):
        value = value.to(device, non_blocking=True)
        return value.contiguous(memory_format=torch.channels_last) if channels_last and value.dim() == 4 else value
    if isinstance(value, dict):
        return {k: to_device(v, device, channels_last) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(to_device(v, device, channels_last) for v in value)
    return value
