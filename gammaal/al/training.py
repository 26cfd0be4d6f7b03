"""Train a :class:`~gammaal.al.LossPredictionModel` on a task's data: Adam, optional plateau schedule, DDP, AMP."""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset
from tqdm.auto import tqdm

from .distributed import DistributedContext
from .loss_prediction import LossPredictionModel
from .precision import autocast, to_device
from .records import EpochRecord, TrainingRecord
from .seeding import seed_everything
from .task import Task

__all__ = ["Optimisation", "training_loader", "data_parallel", "train_network"]


@dataclass(frozen=True)
class Optimisation:
    """How each cycle trains.

    ``batch_size`` is global (split across ranks). ``plateau_patience=None``
    keeps the learning rate constant; otherwise ReduceLROnPlateau on the
    epoch's task loss, with ``plateau_cooldown`` epochs of cooldown and the floor
    ``min_lr``; ``head_lr_decays=False`` pins the loss heads' learning rate (their
    parameter group's floor is ``lr``, as the authors' ``min_lr=[3e-6, lr]``).
    ``keep_best`` restores the epoch with the lowest task loss. ``monitor``
    names the loss the schedule and ``keep_best`` watch: the epoch's training task
    loss ("train"), or the mean task loss on the task's ``validation`` set after
    each epoch ("validation", eval mode).
    """

    epochs: int
    batch_size: int
    lr: float
    weight_decay: float = 0.0
    loss_weight: float = 1.0
    amp: str = "none"
    plateau_factor: float = 0.5
    plateau_patience: int | None = None
    plateau_cooldown: int = 0
    min_lr: float = 0.0
    head_lr_decays: bool = True
    monitor: str = "train"
    keep_best: bool = False
    num_workers: int = 0
    channels_last: bool = False
    eval_batch_size: int = 256


def _epoch(module: nn.Module, network: LossPredictionModel, task: Task, loader, optimizer, scaler,
           opt: Optimisation, device: torch.device) -> np.ndarray:
    """One pass over ``loader``; returns the sample-weighted sums of (total, task, ranking) loss and the count.

    The total adds the auxiliary heads' losses (:meth:`LossPredictionModel.auxiliary_loss`)."""
    network.train()
    sums = np.zeros(4)
    for batch in loader:
        inputs, targets = to_device(task.split_batch(batch), device, opt.channels_last)
        with autocast(device, opt.amp):
            prediction, predicted = module(inputs)
        # Losses in float32 even under autocast: small per-sample losses lose their ranking in bf16.
        per_sample = task.loss(prediction, targets).float()
        task_loss = per_sample.mean()
        ranking = network.ranking_loss(predicted, task.ranking_targets(prediction, targets, per_sample,
                                                                       tuple(network.heads)))
        total = task_loss + opt.loss_weight * ranking
        auxiliary = network.auxiliary_loss(prediction, targets)
        if auxiliary is not None:  # the auxiliary heads' own losses; in the epoch's total only
            total = total + auxiliary
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(total).backward()
        scaler.step(optimizer)
        scaler.update()
        n = per_sample.shape[0]
        sums += [n * total.item(), n * task_loss.item(), n * ranking.item(), n]
    return sums


def training_loader(dataset: Dataset, batch_size: int, ctx: DistributedContext, seed: int, num_workers: int = 0):
    """``(loader, sampler)``: shuffled batches of ``batch_size / world`` items from ``seed``; under DDP each rank
    reads its share through a ``DistributedSampler`` (call ``sampler.set_epoch``), else ``sampler`` is None."""
    per_rank = max(batch_size // ctx.world_size, 1)
    sampler = None
    if ctx.distributed:
        sampler = torch.utils.data.DistributedSampler(dataset, num_replicas=ctx.world_size, rank=ctx.rank,
                                                      shuffle=True, seed=seed % 2**31)
    loader = DataLoader(dataset, batch_size=per_rank, shuffle=sampler is None, sampler=sampler,
                        generator=torch.Generator().manual_seed(seed), num_workers=num_workers,
                        # A last batch of one has no ranking pair (and breaks BatchNorm in training mode).
                        drop_last=len(dataset) // ctx.world_size >= per_rank, pin_memory=ctx.device.type == "cuda")
    return loader, sampler


def data_parallel(network: nn.Module, ctx: DistributedContext) -> nn.Module:
    """``network`` wrapped in DistributedDataParallel under DDP, else itself."""
    if not ctx.distributed:
        return network
    return nn.parallel.DistributedDataParallel(network, device_ids=[ctx.device] if ctx.device.type == "cuda" else None)


@torch.no_grad()
def _validation_loss(network: LossPredictionModel, task: Task, opt: Optimisation, ctx: DistributedContext) -> float:
    """Mean per-sample task loss on ``task.validation`` in eval mode (each rank its shard, then all ranks)."""
    network.eval()
    shard = ctx.shard(np.arange(len(task.validation)))
    loader = DataLoader(torch.utils.data.Subset(task.validation, shard.tolist()), batch_size=opt.eval_batch_size,
                        num_workers=opt.num_workers)
    total, count = 0.0, 0
    for batch in loader:
        inputs, targets = to_device(task.split_batch(batch), ctx.device, opt.channels_last)
        with autocast(ctx.device, opt.amp):
            prediction, _ = network(inputs)
        loss = task.loss(prediction, targets).float()
        total, count = total + float(loss.sum()), count + loss.numel()
    return ctx.all_mean(total) / max(ctx.all_mean(float(count)), 1e-300)


def train_network(network: LossPredictionModel, dataset: Dataset, task: Task, opt: Optimisation,
                  ctx: DistributedContext, seed: int, desc: str = "train", progress: bool = True) -> TrainingRecord:
    """Train ``network`` in place on ``dataset`` for ``opt.epochs`` epochs, all randomness from ``seed``.

    Under DDP every rank sees ``len(dataset) / world`` items per epoch and the
    epoch losses are averaged over ranks, so every rank steps its schedule identically.
    """
    seed_everything(seed)
    started = time.perf_counter()
    loader, sampler = training_loader(dataset, opt.batch_size, ctx, seed, opt.num_workers)
    module = data_parallel(network, ctx)
    # Two parameter groups, the model's and the heads', so the heads' learning rate can be pinned.
    groups = [{"params": list(network.model.parameters())}]
    head_params = [p for name, p in network.named_parameters() if not name.startswith("model.")]
    if head_params:
        groups.append({"params": head_params})
    optimizer = torch.optim.Adam(groups, lr=opt.lr, weight_decay=opt.weight_decay)
    scheduler = None
    if opt.plateau_patience is not None:
        floors = [opt.min_lr] + [opt.min_lr if opt.head_lr_decays else opt.lr] * (len(groups) - 1)
        scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=opt.plateau_factor,
                                                               patience=opt.plateau_patience,
                                                               cooldown=opt.plateau_cooldown, min_lr=floors)
    scaler = torch.amp.GradScaler(ctx.device.type, enabled=opt.amp == "fp16")
    history, best_loss, best_state, best_epoch = [], float("inf"), None, opt.epochs - 1
    for epoch in tqdm(range(opt.epochs), desc=desc, leave=False, disable=not (progress and ctx.is_main),
                       unit="epoch"):
        if sampler is not None:
            sampler.set_epoch(epoch)
        sums = _epoch(module, network, task, loader, optimizer, scaler, opt, ctx.device)
        total, task_loss, ranking = (ctx.all_mean(s / max(sums[3], 1)) for s in sums[:3])
        # The task loss drives the schedule: the ranking loss is on another scale and noisy.
        watched = _validation_loss(network, task, opt, ctx) if opt.monitor == "validation" else task_loss
        if scheduler is not None:
            scheduler.step(watched)
        history.append(EpochRecord(epoch, total, task_loss, ranking, optimizer.param_groups[0]["lr"],
                                   None if opt.monitor == "train" else watched))
        if opt.keep_best and watched < best_loss:
            best_loss, best_epoch = watched, epoch
            best_state = {k: v.detach().clone() for k, v in network.state_dict().items()}
    if best_state is not None:
        network.load_state_dict(best_state)
    return TrainingRecord(history=history, best_epoch=best_epoch, seconds=time.perf_counter() - started)
