"""Optimiser and learning-rate schedule of a protocol (:mod:`pose.protocol`).

The authors (meghshukla/ActiveLearningForHumanPose ``main.py``) train the hourglass and the
loss head with one Adam over two parameter groups and
``ReduceLROnPlateau(factor=0.5, patience=8, cooldown=2, min_lr=[3e-6, lr])`` stepped on the
validation heatmap loss: the second group's floor is its own learning rate, so the head's
learning rate never decays. :func:`build_optimizer` builds exactly that from a
:class:`~pose.protocol.Protocol` (``standard``: no cooldown, floor 0, both groups decay).
"""
from __future__ import annotations

import torch
from torch import nn

from .protocol import Protocol

__all__ = ["build_optimizer"]


def build_optimizer(backbone: nn.Module, heads: nn.Module | None, protocol: Protocol, lr: float,
                    weight_decay: float = 0.0, factor: float = 0.5):
    """Adam over ``[backbone, heads]`` parameter groups and the protocol's plateau schedule.

    Parameters
    ----------
    backbone : nn.Module
    heads : nn.Module or None
        The loss heads (e.g. an ``nn.ModuleDict``); None or parameter-free: one group only.
    protocol : Protocol
        Reads ``plateau_patience``, ``plateau_cooldown``, ``min_lr`` and ``head_lr_decays``.
    lr, weight_decay, factor : float
        Adam learning rate (> 0) and weight decay (>= 0); the plateau factor in (0, 1).

    Returns
    -------
    (torch.optim.Adam, torch.optim.lr_scheduler.ReduceLROnPlateau)
        Step the scheduler with the loss ``protocol.plateau_monitor`` names.
    """
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr}")
    if not weight_decay >= 0:
        raise ValueError(f"weight_decay must be >= 0, got {weight_decay}")
    if not 0 < factor < 1:
        raise ValueError(f"factor must be in (0, 1), got {factor}")
    groups = [{"params": list(backbone.parameters())}]
    floors = [protocol.min_lr]
    head_params = list(heads.parameters()) if heads is not None else []
    if head_params:
        groups.append({"params": head_params})
        floors.append(protocol.min_lr if protocol.head_lr_decays else lr)
    optimizer = torch.optim.Adam(groups, lr=lr, weight_decay=weight_decay)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
        optimizer, mode="min", factor=factor, patience=protocol.plateau_patience,
        cooldown=protocol.plateau_cooldown, min_lr=floors)
    return optimizer, scheduler
