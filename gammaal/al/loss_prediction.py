"""Learning Loss / LearningLoss++ for any torch model: tap named submodules, predict each sample's loss.

The wrapper leaves the model's forward untouched; forward hooks
(:class:`~gammaal.al.taps.FeatureTaps`) capture the tapped outputs, a head
from :data:`~gammaal.al.heads.HEADS` maps them to one predicted loss per
sample, and :meth:`LossPredictionModel.ranking_loss` trains it with a pairwise
objective from :data:`~gammaal.al.objectives.OBJECTIVES` against the true
per-sample loss. The model and the wrapper train in the user's own loop::

    net = LossPredictionModel(model, taps=["hidden"], objective="llpp")
    prediction, predicted_loss = net(x)
    per_sample = ((prediction - y) ** 2).mean(dim=1)
    loss = per_sample.mean() + net.ranking_loss(predicted_loss, per_sample)

Auxiliary heads (:data:`~gammaal.al.heads.AUXILIARY_HEADS`, ``auxiliary=``) ride
along: they read detached taps on every forward (:attr:`LossPredictionModel.auxiliary_outputs`)
and add :meth:`LossPredictionModel.auxiliary_loss` to the training loss.
"""
from __future__ import annotations

import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor, nn

from .heads import AUXILIARY_HEADS, HEADS, pool_features
from .objectives import OBJECTIVES
from .taps import FeatureTaps

__all__ = ["HeadSpec", "AuxiliarySpec", "LossPredictionModel"]


@dataclass(frozen=True)
class HeadSpec:
    """One loss head: its kind (:data:`~gammaal.al.heads.HEADS`), objective, the taps it reads
    (None: the model's ``taps``) and keyword options for the head's constructor."""

    kind: str
    objective: str
    taps: tuple[str, ...] | None = None
    options: Mapping = field(default_factory=dict)


@dataclass(frozen=True)
class AuxiliarySpec:
    """One auxiliary head: its kind (:data:`~gammaal.al.heads.AUXILIARY_HEADS`), the taps it reads
    (None: the model's ``taps``) and keyword options for its constructor."""

    kind: str
    taps: tuple[str, ...] | None = None
    options: Mapping = field(default_factory=dict)


class LossPredictionModel(nn.Module):
    """A model plus a loss-prediction head on the outputs of its submodules ``taps``.

    Parameters
    ----------
    model : nn.Module
        Any model; ``model(x)`` is its prediction.
    taps : sequence of str
        Names from ``model.named_modules()`` whose outputs feed the head:
        4-D maps (B, C, H, W) are global-average pooled (or go through the
        ``"conv"`` head), 2-D vectors (B, D) are used as they are.
    head : {"gap", "conv"}
        Loss-head kind (:data:`gammaal.al.heads.HEADS`).
    objective : {"ll", "llpp"}
        Ranking objective: ``"ll"`` margin ranking (Learning Loss, paper Eq. 1),
        ``"llpp"`` KL divergence (LearningLoss++, Eq. 3).
    margin : float, >= 0
        ξ of the margin ranking objective.
    detach : bool
        Stop the ranking loss's gradients at the taps, so the head never
        trains the backbone (the LearningLoss++ authors' choice). An attribute:
        a loop may flip it at any epoch (Yoo & Kweon detach after 60 %).
    heads : mapping of name -> HeadSpec or (head, objective[, taps[, options]]), optional
        Several named heads instead of one (the engine's shared base model
        trains one per strategy), each on its own taps if given; ``forward``
        then returns a dict of predicted losses. ``{}`` gives no head: the
        wrapper only exposes the embedding.
    embedding_taps : sequence of str, optional
        Taps pooled into :attr:`embedding` (default: ``taps``).
    auxiliary : mapping of name -> AuxiliarySpec or kind, optional
        Auxiliary heads (always on detached features: they never train the model).
    gamma_quantile : float, in (0, 1)
        q of the ``"ll_gamma"`` objective (pairs tied within the q-quantile of |X − Y| are skipped).

    Attributes
    ----------
    embedding : Tensor (B, D) or None
        The pooled, detached tap features of the last forward (core-set's embedding).
    auxiliary_outputs : dict of name -> Tensor (B, P)
        The auxiliary heads' outputs of the last forward.

    Shapes
    ------
    ``forward(x) -> (prediction, predicted_loss (B,))``; with ``heads``:
    ``(prediction, {name: (B,)})``.
    """

    def __init__(self, model: nn.Module, taps: Sequence[str], head: str = "gap", objective: str = "llpp",
                 margin: float = 1.0, detach: bool = True, *, heads: Mapping[str, HeadSpec | tuple] | None = None,
                 embedding_taps: Sequence[str] | None = None,
                 auxiliary: Mapping[str, AuxiliarySpec | str] | None = None, gamma_quantile: float = 0.25):
        super().__init__()
        if not isinstance(model, nn.Module):
            raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not math.isfinite(margin) or margin < 0:
            raise ValueError(f"margin must be a finite number >= 0, got {margin!r}")
        for label, names in [("taps", taps), ("embedding_taps", embedding_taps or ())]:
            if isinstance(names, str) or len(set(names)) != len(names):
                raise ValueError(f"{label}: names must be a list of distinct submodule names, got {names!r}")
        raw = {"loss": (head, objective)} if heads is None else dict(heads)
        specs = {name: spec if isinstance(spec, HeadSpec) else HeadSpec(*spec) for name, spec in raw.items()}
        for spec in specs.values():
            HEADS[spec.kind], OBJECTIVES[spec.objective]  # noqa: B018  (a ValueError names the unknown one)
        if isinstance(gamma_quantile, bool) or not isinstance(gamma_quantile, (int, float)) or \
                not 0 < gamma_quantile < 1:
            raise ValueError(f"gamma_quantile must be in (0, 1), got {gamma_quantile!r}")
        aux = {name: spec if isinstance(spec, AuxiliarySpec) else AuxiliarySpec(spec)
               for name, spec in dict(auxiliary or {}).items()}
        self.head_taps = {name: list(spec.taps) if spec.taps else list(taps) for name, spec in specs.items()}
        self.auxiliary_taps = {name: list(spec.taps) if spec.taps else list(taps) for name, spec in aux.items()}
        self.embedding_taps = list(embedding_taps) if embedding_taps else list(taps)
        names = list(dict.fromkeys([*self.embedding_taps, *(n for t in self.head_taps.values() for n in t),
                                    *(n for t in self.auxiliary_taps.values() for n in t)]))
        self.model = model
        self.taps = FeatureTaps(model, names)
        self.heads = nn.ModuleDict({name: HEADS[spec.kind](len(self.head_taps[name]), **spec.options)
                                    for name, spec in specs.items()})
        self.auxiliary = nn.ModuleDict({name: AUXILIARY_HEADS[spec.kind](len(self.auxiliary_taps[name]),
                                                                          **spec.options)
                                        for name, spec in aux.items()})
        self.objectives = {name: spec.objective for name, spec in specs.items()}
        self.single = heads is None
        self.margin = float(margin)
        self.gamma_quantile = float(gamma_quantile)
        self.detach = bool(detach)
        self.embedding: Tensor | None = None
        self.auxiliary_outputs: dict[str, Tensor] = {}

    def _features(self) -> dict[str, Tensor]:
        return dict(zip(self.taps.names, self.taps.collect()))

    def _predict(self, captured: dict[str, Tensor], name: str) -> Tensor:
        features = [captured[n] for n in self.head_taps[name]]
        if self.detach:
            features = [f.detach() for f in features]
        return self.heads[name](features, self.head_taps[name])

    def _auxiliary(self, captured: dict[str, Tensor], name: str) -> Tensor:
        names = self.auxiliary_taps[name]
        return self.auxiliary[name]([captured[n].detach() for n in names], names)

    def forward(self, x):
        self.taps.clear()
        prediction = self.model(x)
        captured = self._features()
        self.embedding = pool_features([captured[n].detach() for n in self.embedding_taps], self.embedding_taps)
        predicted = {name: self._predict(captured, name) for name in self.heads}
        self.auxiliary_outputs = {name: self._auxiliary(captured, name) for name in self.auxiliary}
        return prediction, (predicted["loss"] if self.single else predicted)

    def auxiliary_loss(self, prediction, targets) -> Tensor | None:
        """Sum of the auxiliary heads' losses on the last forward's outputs; None without auxiliary heads."""
        if not len(self.auxiliary):
            return None
        return sum(self.auxiliary[name].loss(self.auxiliary_outputs[name].float(), prediction, targets)
                   for name in self.auxiliary)

    def ranking_loss(self, predicted_loss, true_loss: Tensor) -> Tensor:
        """The objective(s) on pairs of the batch (see :mod:`gammaal.al.objectives`), summed over heads.

        Parameters
        ----------
        predicted_loss : Tensor (B,), or dict name -> Tensor (B,) with ``heads``
        true_loss : Tensor (B,), or dict name -> Tensor (B,)
            Per-sample task loss (or each head's own target, :meth:`Task.ranking_targets`),
            >= 0 for ``"llpp"``; detached here.

        Returns
        -------
        Tensor, scalar (float32 also under autocast).
        """
        predicted = {"loss": predicted_loss} if self.single else predicted_loss
        if not isinstance(predicted, Mapping) or set(predicted) != set(self.heads):
            raise ValueError(f"predicted_loss must come from this model's forward (heads {list(self.heads)})")
        if not predicted:  # no loss head: nothing to rank
            reference = true_loss if isinstance(true_loss, Tensor) else next(self.model.parameters())
            return reference.new_zeros((), dtype=torch.float32)
        if isinstance(true_loss, Mapping):
            targets = {name: true_loss[name].detach().float() for name in predicted}
        else:
            targets = dict.fromkeys(predicted, true_loss.detach().float())
        total = next(iter(targets.values())).new_zeros(())
        for name, pred in predicted.items():
            total = total + OBJECTIVES[self.objectives[name]](pred.float(), targets[name], self.margin,
                                                               self.gamma_quantile)
        return total

    @torch.no_grad()
    def initialize(self, x, seed: int | None = None) -> None:
        """Size the lazy head layers with one forward in eval mode (no training statistics change).

        With ``seed``, each head's initial weights depend on ``(seed, head name)``
        only — not on which other heads exist or what ran before.
        """
        was_training = self.training
        self.eval()
        try:
            self.taps.clear()
            self.model(x)
            captured = self._features()
            for name in self.heads:
                if seed is not None:
                    torch.manual_seed(int(np.random.SeedSequence([int(seed), zlib.crc32(name.encode())])
                                          .generate_state(1)[0]))
                self._predict(captured, name)
            for name in self.auxiliary:
                if seed is not None:
                    torch.manual_seed(int(np.random.SeedSequence([int(seed), zlib.crc32(f"aux:{name}".encode())])
                                          .generate_state(1)[0]))
                self._auxiliary(captured, name)
        finally:
            self.train(was_training)
