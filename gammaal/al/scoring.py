"""Run a model over items of a dataset and measure what strategies and records need (sharded across ranks)."""
from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, Subset
from tqdm.auto import tqdm

from .distributed import DistributedContext
from .loss_prediction import LossPredictionModel
from .precision import autocast, to_device
from .strategies.base import ScoringBatch
from .task import Task

__all__ = ["Measured", "measure"]


@dataclass
class Measured:
    """Per-item measurements aligned with the measured indices.

    ``true_loss`` (N,); ``predicted_loss`` {head name: (N,)}; ``embeddings``
    (N, D), ``outputs`` (N, ...), ``mc_samples`` (T, N, ...), ``per_item``
    (N, ...) when asked for.
    """

    true_loss: np.ndarray
    predicted_loss: dict[str, np.ndarray] = field(default_factory=dict)
    embeddings: np.ndarray | None = None
    outputs: np.ndarray | None = None
    mc_samples: np.ndarray | None = None
    per_item: np.ndarray | None = None


def _as_array(values) -> np.ndarray:
    if isinstance(values, torch.Tensor):
        values = values.detach().float().cpu().numpy() if values.dtype != torch.float64 else values.cpu().numpy()
    return np.asarray(values, dtype=np.float64)


def _has_dropout(network: nn.Module) -> bool:
    return any(isinstance(m, nn.modules.dropout._DropoutNd) for m in network.modules())


def _dropout_on(network: nn.Module) -> None:
    for module in network.modules():
        if isinstance(module, nn.modules.dropout._DropoutNd):
            module.train()


@torch.no_grad()
def measure(network: LossPredictionModel, task: Task, dataset: Dataset, indices, ctx: DistributedContext, *,
            batch_size: int, amp: str = "none", needs: Collection[str] = (), mc_passes: int = 10,
            num_workers: int = 0, channels_last: bool = False, desc: str | None = None,
            per_item: Callable[[ScoringBatch], object] | None = None, per_item_state=None) -> Measured:
    """Measure ``network`` on ``dataset[indices]``: each rank takes ``indices[rank::world]``, all ranks get all.

    ``needs`` may contain "embeddings", "outputs", "mc_samples" and "per_item"; true and
    predicted losses are always measured. Eval mode throughout (for
    "mc_samples" with dropout layers switched back on). For "per_item",
    ``per_item(ScoringBatch(..., state=per_item_state))`` gives (B, ...) values per batch
    (a strategy's :meth:`~gammaal.al.Strategy.per_item`).

    Raises
    ------
    ValueError
        "mc_samples" for a network without dropout layers (its passes would all agree),
        or "per_item" without ``per_item``.
    """
    if "mc_samples" in needs and not _has_dropout(network):
        raise ValueError("mc_samples: the model has no dropout layer (nn.Dropout, nn.Dropout2d, ...), so every "
                         "Monte Carlo pass would be the same; add dropout to the model (or a model.add_mc_dropout(p))")
    if "per_item" in needs and per_item is None:
        raise ValueError("needs 'per_item' but no per_item function was given")
    indices = np.asarray(indices, dtype=np.int64)
    shard = ctx.shard(indices)
    loader = DataLoader(Subset(dataset, shard.tolist()), batch_size=batch_size, shuffle=False,
                        num_workers=num_workers, pin_memory=ctx.device.type == "cuda")
    parts: dict[str, list] = {"true_loss": [], "embeddings": [], "outputs": [], "mc_samples": [], "per_item": []}
    parts.update({f"head:{name}": [] for name in network.heads})
    network.eval()
    for batch in tqdm(loader, desc=desc, leave=False, disable=not ctx.is_main or desc is None, unit="batch"):
        inputs, targets = to_device(task.split_batch(batch), ctx.device, channels_last)
        with autocast(ctx.device, amp):
            prediction, predicted = network(inputs)
        parts["true_loss"].append(task.loss(prediction, targets).float().cpu().numpy())
        for name, value in (predicted.items() if isinstance(predicted, dict) else [("loss", predicted)]):
            parts[f"head:{name}"].append(value.float().cpu().numpy())
        if "embeddings" in needs:
            parts["embeddings"].append(network.embedding.float().cpu().numpy())
        if "per_item" in needs:
            parts["per_item"].append(_as_array(per_item(ScoringBatch(
                network=network, task=task, inputs=inputs, targets=targets, prediction=prediction,
                auxiliary=network.auxiliary_outputs, batch=batch, state=per_item_state))))
        if "outputs" in needs:
            parts["outputs"].append(np.asarray(task.decode(prediction, batch).cpu().numpy(), dtype=np.float64))
        if "mc_samples" in needs:
            _dropout_on(network)
            samples = []
            for _ in range(mc_passes):
                with autocast(ctx.device, amp):
                    sampled, _ = network(inputs)
                samples.append(np.asarray(task.decode(sampled, batch).cpu().numpy(), dtype=np.float64))
            network.eval()
            parts["mc_samples"].append(np.stack(samples, axis=1))  # (B, T, ...): shards concatenate on axis 0
    joined = {key: (np.concatenate(values) if values else None) for key, values in parts.items()}
    full = ctx.gather_shards(joined, indices.size) if ctx.distributed else joined
    mc = full["mc_samples"]
    return Measured(
        true_loss=full["true_loss"] if full["true_loss"] is not None else np.empty(0),
        predicted_loss={key[5:]: value for key, value in full.items() if key.startswith("head:")},
        embeddings=full["embeddings"], outputs=full["outputs"],
        mc_samples=None if mc is None else np.moveaxis(mc, 1, 0), per_item=full["per_item"])
