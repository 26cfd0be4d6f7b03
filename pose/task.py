"""Pose estimation as a :class:`gammaal.al.Task`: the engine's view of a :class:`~pose.config.RunConfig`.

``PoseTask(config)`` opens the config's datasets (:func:`pose.datasets.prepare_data`),
builds the backbone behind its adapter (:data:`pose.backbone.BACKBONES`, ``model.backbone``:
the stacked hourglass by default, or HRNet), and says how to measure: the per-image heatmap
MSE (:func:`pose.objectives.per_image_loss`) as the true loss, predicted joints in
original image coordinates as decoded outputs, and PCK / PCKh as the metric (with the
protocol's ``pck_total`` and ``pck_boundary``). The pool's groups are the source
datasets (LSP / LSPET), so records count the selected images per domain.
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

from . import strategies  # noqa: F401  (registers pose's heads and strategies)
from .backbone import build_backbone
from .config import RunConfig
from .datasets import UnionDataset, prepare_data
from .objectives import per_image_loss
from .protocol import effective_protocol, ranking_target_options

__all__ = ["PoseTask", "engine_settings"]


def _uids(dataset: Dataset) -> np.ndarray:
    """The :class:`~pose.datasets.UnionDataset` uids behind (nested) Subsets of one."""
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

    def __init__(self, config: RunConfig, seed: int = 0, data=None, backbone: str | None = None,
                 backbone_options: dict | None = None):
        self.config = config
        self.backbone = backbone or config.model.backbone
        self.backbone_options = dict(backbone_options or {})
        self.data = data if data is not None else prepare_data(config)
        self.metric_name = self.data.metric
        base = np.asarray(self.data.base_for(seed), dtype=np.int64)
        self.base_uids = base
        self.pool_uids = np.setdiff1d(np.arange(len(self.data.eval_view)), base)
        self.labelled = Subset(self.data.eval_view, base.tolist())
        self.pool = Subset(self.data.eval_view, self.pool_uids.tolist())
        self.test = self.data.test
        self.pool_groups = self.data.eval_view.domains(self.pool_uids)
        # The authors watch the schedule and pick the best epoch on their "validation" split, which is the
        # test split (LSP images 1001-2000, MPII's Newell validation set): reproduced under their protocol.
        self.validation = self.test if effective_protocol(config).plateau_monitor == "validation" else None
        self.protocol = protocol = effective_protocol(config)
        taps = self.build_model().taps(protocol.conv_reduce, protocol.fc_era)
        self.taps = list(taps.taps)
        self.head_taps = dict(taps.head_taps)
        self.head_options = dict(taps.head_options)
        self.embedding_taps = list(taps.embeddings[config.active.coreset_embedding])
        if "pose_conv" in self.head_options:  # the protocol's FC widths after the conv fusion
            self.head_options["pose_conv"] = dict(self.head_options["pose_conv"], fc_era=protocol.fc_era)
        for kind in ("gap", "conv", "pose_conv"):  # the loss heads' nonlinearity (model.head_activation)
            if kind in self.head_options:
                self.head_options[kind] = dict(self.head_options[kind], activation=config.model.head_activation)
        if config.model.head_variant == "yoo":  # Yoo & Kweon's head on the multi-scale maps for ll and llpp
            if "pose_conv" not in self.head_taps:
                raise ValueError(f"model.head_variant: 'yoo' needs multi-scale maps, which the {self.backbone} "
                                 "adapter does not offer; use 'authors'")
            self.head_kinds = {"gap": "pose_yoo"}
            self.head_taps["pose_yoo"] = self.head_taps["pose_conv"]
            self.head_options["pose_yoo"] = {"channels": self.head_options["pose_conv"]["channels"]}

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
        if self.protocol.train_invisible_joints:
            visible = None  # every joint trained, invisible ones towards an all-zero map (the authors' MSE)
        # float32 even under autocast: per-image MSEs of ~1e-3 lose their ranking in bf16.
        return per_image_loss([h.float() for h in prediction.heatmaps], target, visible)

    def ranking_targets(self, prediction, targets, loss: Tensor, heads):
        """Each loss head's training target under the protocol's ``ranking_target`` rule for its strategy
        (:func:`pose.protocol.ranking_target_options`): the all-joint heatmap mean, that mean ÷ (joints + 0.1),
        or the masked mean over visible joints; heads without a rule learn ``loss``. The batch carries the
        training mask, so "annotated" joints are the joints with a target here."""
        target, visible = targets
        heatmaps = [h.float() for h in prediction.heatmaps]
        cache, out = {}, {}
        for name in heads:
            rule = self.protocol.ranking_target.get(name)
            if rule is None:
                out[name] = loss
                continue
            if rule not in cache:
                options = ranking_target_options(self.protocol, name, visible, visible)
                cache[rule] = per_image_loss(heatmaps, target, **options)
            out[name] = cache[rule]
        return out

    def decode(self, prediction, batch: dict) -> Tensor:
        from .data.transforms import heatmap_argmax, heatmap_to_original

        heatmaps = prediction.heatmaps[-1].float()
        coords = heatmap_argmax(heatmaps).cpu().numpy()
        joints = heatmap_to_original(coords, batch["center"].numpy(), np.asarray(batch["scale"]),
                                     self.config.model.input_size, heatmaps.shape[-1])
        return torch.as_tensor(joints)

    def _pck_options(self, root: UnionDataset) -> dict:
        total = self.protocol.pck_total
        if total == "official" and root.num_joints != 16:
            total = "all"  # the official MPII total is defined for its 16 joints only
        return {"total": total, "boundary": self.protocol.pck_boundary}

    def metric(self, outputs: np.ndarray, dataset: Dataset) -> float:
        root = _root(dataset)
        return float(root.accuracy(_uids(dataset), outputs, self.data.threshold, **self._pck_options(root)).mean)

    def metric_curve(self, outputs: np.ndarray, dataset: Dataset):
        """PCK over the protocol's threshold grid (``pck_thresholds``: MPII's 0:0.01:0.5 or the authors' 20)."""
        from .metrics import AUTHORS_THRESHOLDS, MPII_THRESHOLDS

        grid = AUTHORS_THRESHOLDS if self.protocol.pck_thresholds == "authors" else MPII_THRESHOLDS
        root = _root(dataset)
        curve = root.accuracy_curve(_uids(dataset), outputs, grid, **self._pck_options(root))
        return curve.thresholds, curve.total


def engine_settings(config: RunConfig) -> dict:
    """:func:`gammaal.al.run` keyword arguments for ``config`` (strategies, sizes, training, analysis)."""
    t, a, m = config.train, config.active, config.model
    protocol = effective_protocol(config)
    return dict(strategies=list(a.strategies), cycles=a.cycles, budget=a.budget, seeds=list(config.seed_list),
                epochs=t.epochs, batch_size=t.batch_size, lr=t.lr, device=t.device, weight_decay=t.weight_decay,
                amp=t.amp, eval_batch_size=t.eval_batch_size, loss_weight=m.loss_weight, margin=m.margin,
                detach=m.detach_features, share_base=t.share_base, init=t.init, plateau_factor=t.plateau_factor,
                plateau_patience=protocol.plateau_patience, plateau_cooldown=protocol.plateau_cooldown,
                min_lr=min(protocol.min_lr, t.lr), head_lr_decays=protocol.head_lr_decays,
                plateau_monitor=protocol.plateau_monitor, keep_best=True,
                gamma_deltas=list(a.gamma_deltas), gamma_quantile=a.gamma_quantile,
                subset=a.subset, num_workers=config.data.num_workers, threads=t.threads,
                first_epochs=t.base_epochs, channels_last=t.channels_last, sync_batchnorm=t.sync_batchnorm)
