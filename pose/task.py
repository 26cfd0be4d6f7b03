"""Pose estimation as a :class:`gammaal.al.Task`: the engine's view of a :class:`~pose.config.RunConfig`.

``PoseTask(config)`` opens the config's datasets (:func:`pose.loop.prepare_data`),
builds the backbone behind its adapter (:data:`pose.backbone.BACKBONES`: the stacked
hourglass by default, or HRNet), and says how to measure: the per-image heatmap MSE
(:func:`pose.objectives.per_image_loss`) as the true loss, predicted joints in
original image coordinates as decoded outputs, and PCK / PCKh as the metric.
:func:`engine_settings` maps the config onto :func:`gammaal.al.run`'s settings::

    task = PoseTask(config)
    gammaal.al.run(task, "runs/x", **engine_settings(config))
"""
from __future__ import annotations


import numpy as np
import torch
from torch import Tensor, nn
from torch.utils.data import Dataset, Subset

from gammaal.al import Task

from . import llpp_conv  # noqa: F401  (registers the "pose_conv" head and the "llpp_conv" strategy)
from . import strategies_uncertainty  # noqa: F401  (multipeak_entropy, aleatoric, vl4pose, egl)
from .backbone import build_backbone
from .config import RunConfig
from .loop import UnionDataset, accuracy, prepare_data
from .objectives import per_image_loss
from .protocol import effective_protocol

__all__ = ["PoseTask", "engine_settings"]


def _uids(dataset: Dataset) -> np.ndarray:
    """The :class:`~pose.loop.UnionDataset` uids behind (nested) Subsets of one."""
    if isinstance(dataset, Subset):
        return _uids(dataset.dataset)[np.asarray(dataset.indices, dtype=np.int64)]
    if isinstance(dataset, UnionDataset):
        return np.arange(len(dataset))
    raise ValueError(f"PoseTask.metric needs a UnionDataset or Subsets of one, got {type(dataset).__name__}")


def _root(dataset: Dataset) -> UnionDataset:
    return _root(dataset.dataset) if isinstance(dataset, Subset) else dataset


class PoseTask(Task):
    """The pose experiment of ``config`` for the :mod:`gammaal.al` engine.

    The pool is every labelable image outside the base set (pool index ``i`` is
    uid ``pool_uids[i]``); training uses the augmented view, scoring and
    embeddings the un-augmented one.
    """

    higher_is_better = True

    def __init__(self, config: RunConfig, seed: int = 0, data=None, backbone: str = "hourglass",
                 backbone_options: dict | None = None):
        self.config = config
        self.backbone, self.backbone_options = backbone, dict(backbone_options or {})
        self.data = data if data is not None else prepare_data(config)
        self.metric_name = self.data.metric
        base = np.asarray(self.data.base_for(seed), dtype=np.int64)
        self.base_uids = base
        self.pool_uids = np.setdiff1d(np.arange(len(self.data.eval_view)), base)
        self.labelled = Subset(self.data.eval_view, base.tolist())
        self.pool = Subset(self.data.eval_view, self.pool_uids.tolist())
        self.test = self.data.test
        protocol = effective_protocol(config)
        taps = self.build_model().taps(protocol.conv_reduce, protocol.fc_era)
        self.taps = list(taps.taps)
        self.head_taps = taps.head_taps
        self.head_options = taps.head_options
        self.embedding_taps = list(taps.embeddings[config.active.coreset_embedding])

    def for_seed(self, seed: int) -> PoseTask:
        if not self.data.random_base:
            return self
        return PoseTask(self.config, seed, self.data, self.backbone, self.backbone_options)

    def build_model(self) -> nn.Module:
        return build_backbone(self.backbone, self.config, self.data.train_view.num_joints, **self.backbone_options)

    def _uids_of(self, pool_indices) -> list[int]:
        return np.concatenate([self.base_uids, self.pool_uids[np.asarray(pool_indices, dtype=np.int64)]]).tolist()

    def training_data(self, pool_indices) -> Dataset:
        return Subset(self.data.train_view, self._uids_of(pool_indices))

    def labelled_data(self, pool_indices) -> Dataset:
        return Subset(self.data.eval_view, self._uids_of(pool_indices))

    def split_batch(self, batch: dict):
        return batch["image"], (batch["target"], batch["visible"])

    def loss(self, prediction, targets) -> Tensor:
        target, visible = targets
        # float32 even under autocast: per-image MSEs of ~1e-3 lose their ranking in bf16.
        return per_image_loss([h.float() for h in prediction.heatmaps], target, visible)

    def decode(self, prediction, batch: dict) -> Tensor:
        from .data.transforms import heatmap_argmax, heatmap_to_original

        heatmaps = prediction.heatmaps[-1].float()
        coords = heatmap_argmax(heatmaps).cpu().numpy()
        joints = heatmap_to_original(coords, batch["center"].numpy(), np.asarray(batch["scale"]),
                                     self.config.model.input_size, heatmaps.shape[-1])
        return torch.as_tensor(joints)

    def metric(self, outputs: np.ndarray, dataset: Dataset) -> float:
        value = accuracy(_root(dataset), _uids(dataset), outputs, self.data.threshold).mean
        return float(value)


def engine_settings(config: RunConfig) -> dict:
    """:func:`gammaal.al.run` keyword arguments for ``config`` (strategies, sizes, training, analysis)."""
    t, a, m = config.train, config.active, config.model
    return dict(strategies=list(a.strategies), cycles=a.cycles, budget=a.budget, seeds=list(config.seed_list),
                epochs=t.epochs, batch_size=t.batch_size, lr=t.lr, device=t.device, weight_decay=t.weight_decay,
                amp=t.amp, eval_batch_size=t.eval_batch_size, loss_weight=m.loss_weight, margin=m.margin,
                detach=m.detach_features, share_base=t.share_base, init=t.init, plateau_factor=t.plateau_factor,
                plateau_patience=effective_protocol(config).plateau_patience, keep_best=True, gamma_deltas=list(a.gamma_deltas),
                subset=a.subset, num_workers=config.data.num_workers, threads=t.threads,
                first_epochs=t.base_epochs, channels_last=t.channels_last, sync_batchnorm=t.sync_batchnorm)
