"""The authors' later strategies as :mod:`gammaal.al` plug-ins for :class:`pose.task.PoseTask`.

Registers, on top of the blocks of :mod:`pose.uncertainty`:

- auxiliary heads (:data:`gammaal.al.heads.AUXILIARY_HEADS`) ``"aleatoric"`` (one
  log-variance per joint, :func:`~pose.uncertainty.aleatoric_nll`) and ``"vl4pose"`` (mean
  and log-variance of every skeleton link length, :func:`~pose.uncertainty.link_nll`), both on
  detached maps (the adapter's ``head_taps``: the hourglass's five scales, HRNet's stage-3
  branches) and trained on the integer-argmax joints of the target heatmaps, as the authors;
- strategies ``multipeak_entropy``, ``aleatoric``, ``vl4pose`` and ``egl`` (EGL++), each
  computing its score per scored batch from the raw heatmaps (the ``"per_item"`` need).

They read PoseTask's formats: a prediction with ``.heatmaps`` (one (B, J, h, w) map per stack,
the last used for scoring) and targets ``(target heatmaps (B, J, h, w), visible (B, J))``.
Peak settings are the authors' (5 peaks, min distance 5 px) at 64 × 64 heatmaps and scale
with the heatmap size (:func:`peak_distance`). The generic ``mc_dropout`` and ``ll_gamma``
live in :mod:`gammaal.al.strategies`.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from gammaal.al.heads import AUXILIARY_HEADS, AuxiliaryHead
from gammaal.al.strategies import Scores, ScoreStrategy, ScoringBatch, register_strategy

from .uncertainty import (
    PooledParameterHead,
    aleatoric_nll,
    aleatoric_score,
    egl_neighbours,
    egl_scores,
    link_lengths,
    link_nll,
    link_visible,
    multipeak_entropy,
    per_target_gradient_norms,
    skeleton_tree_for,
    split_link_parameters,
    vl4pose_score,
)

__all__ = ["NUM_PEAKS", "peak_distance", "grid_argmax", "AleatoricHead", "LinkLengthHead",
           "MultiPeakEntropyStrategy", "AleatoricStrategy", "VL4PoseStrategy", "EGLStrategy", "EGLState"]

#: Peaks per joint heatmap (authors: 5).
NUM_PEAKS = 5


def peak_distance(size: int) -> int:
    """The authors' peak spacing of 5 px at 64 × 64, scaled to a ``size``-pixel heatmap (at least 1).

    Examples
    --------
    >>> peak_distance(64), peak_distance(16), peak_distance(4)
    (5, 1, 1)
    """
    return max(1, int(round(5 * size / 64)))


def grid_argmax(heatmaps: Tensor) -> Tensor:
    """Integer argmax ``(x, y)`` = (column, row) of every heatmap, (B, J, 2) float (the authors' decoding)."""
    b, j, _, w = heatmaps.shape
    flat = heatmaps.reshape(b, j, -1).argmax(dim=-1)
    return torch.stack([flat % w, flat // w], dim=-1).to(torch.float32)


def _last(prediction) -> Tensor:
    return prediction.heatmaps[-1].float()


class _PoseParameterHead(AuxiliaryHead):
    """:class:`~pose.uncertainty.PooledParameterHead` with the engine's auxiliary-head signature."""

    def __init__(self, num_taps: int, outputs: int, in_channels: Sequence[int] | None = None):
        super().__init__()
        if in_channels is None or len(in_channels) != num_taps:
            raise ValueError(f"auxiliary head {type(self).__name__}: the backbone adapter must give in_channels for "
                             f"its {num_taps} taps, got {in_channels!r}")
        self.body = PooledParameterHead(in_channels, outputs, detach_features=True)

    def forward(self, features: Sequence[Tensor], names: Sequence[str] | None = None) -> Tensor:
        return self.body(list(features))


@AUXILIARY_HEADS.register("aleatoric")
class AleatoricHead(_PoseParameterHead):
    """One log-variance per joint (B, J), trained by :func:`~pose.uncertainty.aleatoric_nll` on argmax joints."""

    def __init__(self, num_taps: int, joints: int, in_channels: Sequence[int] | None = None):
        super().__init__(num_taps, joints, in_channels)

    def loss(self, output: Tensor, prediction, targets) -> Tensor:
        target, visible = targets
        return aleatoric_nll(output, grid_argmax(_last(prediction)), grid_argmax(target.float()), visible)


@AUXILIARY_HEADS.register("vl4pose")
class LinkLengthHead(_PoseParameterHead):
    """Mean and log-variance of every skeleton link length (B, 2 L), trained by :func:`~pose.uncertainty.link_nll`
    on the lengths between the target heatmaps' argmax joints (links with both joints annotated)."""

    def __init__(self, num_taps: int, joints: int, in_channels: Sequence[int] | None = None):
        self.tree = skeleton_tree_for(joints)
        super().__init__(num_taps, 2 * len(self.tree.links), in_channels)

    def loss(self, output: Tensor, prediction, targets) -> Tensor:
        target, visible = targets
        mean, log_var = split_link_parameters(output, self.tree)
        lengths = link_lengths(grid_argmax(target.float()), self.tree)
        return link_nll(mean, log_var, lengths, link_visible(visible, self.tree))


class _PerItemStrategy(ScoreStrategy):
    """Ranks by the per-item values its :meth:`per_item` computed."""

    needs = frozenset({"per_item"})

    def score(self, scores: Scores) -> np.ndarray:
        return scores.per_item


@register_strategy
class MultiPeakEntropyStrategy(_PerItemStrategy):
    """Liu & Ferrari 2017: sum over joints of the entropy of the softmax over the last heatmap's peaks; highest."""

    name = "multipeak_entropy"
    label = "Multi-peak entropy"

    def per_item(self, batch: ScoringBatch) -> Tensor:
        heatmaps = _last(batch.prediction)
        return multipeak_entropy(heatmaps, NUM_PEAKS, peak_distance(heatmaps.shape[-1]))


@register_strategy
class AleatoricStrategy(_PerItemStrategy):
    """Kendall & Gal 2017: the mean predicted joint log-variance of the auxiliary head; highest."""

    name = "aleatoric"
    label = "Aleatoric"
    auxiliary = "aleatoric"

    def per_item(self, batch: ScoringBatch) -> Tensor:
        return aleatoric_score(batch.auxiliary[self.name].float())


@register_strategy
class VL4PoseStrategy(_PerItemStrategy):
    """Shukla, Roy & Ahmed 2022: the best skeleton's log-likelihood (heatmap peaks + link lengths); lowest."""

    name = "vl4pose"
    label = "VL4Pose"
    auxiliary = "vl4pose"
    lowest_first = True

    def per_item(self, batch: ScoringBatch) -> Tensor:
        heatmaps = _last(batch.prediction)
        tree = skeleton_tree_for(heatmaps.shape[1])
        likelihood, _ = vl4pose_score(heatmaps, batch.auxiliary[self.name].float(), tree, NUM_PEAKS,
                                      peak_distance(heatmaps.shape[-1]))
        return likelihood.log_likelihood


@dataclass
class EGLState:
    """What EGL++ measures on the labelled set before scoring: embeddings (M, D), last heatmaps (M, J, h, w)."""

    embeddings: Tensor
    heatmaps: Tensor


def _heatmap_mse(output: Tensor, target: Tensor) -> Tensor:
    # output (1, S, J, h, w): every stack against the neighbour's heatmaps (1, J, h, w), mean over all entries.
    return (output - target[:, None]).square().mean()


@register_strategy
class EGLStrategy(_PerItemStrategy):
    """EGL++: perplexity-weighted squared gradient norms of the heatmap MSE against labelled neighbours' predictions.

    Neighbours: :func:`~pose.uncertainty.egl_neighbours` on the network's embedding (the task's core-set
    embedding taps), ``perplexity`` 20 and ``neighbours`` 30 (clipped to the labelled-set size).
    Gradients: :func:`~pose.uncertainty.per_target_gradient_norms` over all model parameters
    (torch.func vjp + vmap), targets the neighbours' predicted last-stack heatmaps (the authors'
    choice). Highest first.
    """

    name = "egl"
    label = "EGL++"
    perplexity = 20.0
    neighbours = 30

    def prepare(self, network, task, labelled, measure) -> EGLState:
        measured = measure(labelled, needs={"embeddings", "per_item"},
                           per_item=lambda batch: _last(batch.prediction))
        return EGLState(torch.as_tensor(measured.embeddings, dtype=torch.float64),
                        torch.as_tensor(measured.per_item, dtype=torch.float32))

    def per_item(self, batch: ScoringBatch) -> Tensor:
        state: EGLState = batch.state
        m = state.embeddings.shape[0]
        near = egl_neighbours(batch.network.embedding.double().cpu(), state.embeddings,
                              perplexity=min(self.perplexity, float(m)), k=min(self.neighbours, m))
        inputs = batch.inputs
        targets = state.heatmaps[near.index].to(inputs.device)
        with torch.enable_grad():
            norms = per_target_gradient_norms(batch.network.model, inputs, targets, _heatmap_mse,
                                              output_fn=lambda out: torch.stack(out.heatmaps, dim=1).float())
        return egl_scores(norms.double().cpu(), near.weight)
