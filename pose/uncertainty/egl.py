r"""EGL++: expected gradient length with neighbours' predictions as pseudo-targets (the authors' variant).

For an unlabelled image ``u`` the model's loss has no target, so EGL++ borrows those of
labelled images that look alike (meghshukla/ActiveLearningForHumanPose,
``expected_gradient_length_sampling``):

1. *Neighbours.*  With squared Euclidean distances ``D_{uj}`` between penultimate embeddings of
   ``u`` and every labelled ``j``, the t-SNE conditional ``p_{j|u} ∝ exp(−β_u D_{uj})`` has its
   bandwidth ``β_u`` calibrated by bisection so that its perplexity ``exp H(p_{·|u})`` (``H`` in
   nats) equals ``perplexity`` (authors: 20) — :func:`perplexity_affinities`.  The ``k``
   (authors: 30) largest ``p_{j|u}`` are the neighbours and their weights.
2. *Gradients.*  ``g_{uj} = ‖∇_θ L(f_θ(x_u), y_j)‖²``, the squared norm of the gradient of the
   loss of ``u``'s prediction against neighbour ``j``'s target (the authors: ``j``'s predicted
   heatmaps), for every parameter of the model (:func:`per_target_gradient_norms`).
3. *Score.*  ``Σ_j p_{j|u} g_{uj}``; select the highest (:func:`egl_scores`).

Per-sample gradients use ``torch.func``: for each unlabelled input one forward and one
:func:`torch.func.vjp`, then the ``k`` cotangents ``∂L/∂f`` (a ``vmap`` of ``grad`` of the loss)
are pulled back together with ``vmap`` over the vjp — one forward and a batched backward
instead of ``k`` forwards (the authors replicate the image ``k`` times and use hooks).

Deviations from the authors' code, on purpose: their perplexity is ``2^{H}`` with ``H`` in nats
(a base mix-up; their "20" is a t-SNE perplexity of ``e^{log₂ 20} ≈ 75``); their per-sample
gradients (``autograd_hacks``) cover Conv2d and Linear layers only — pass
:func:`conv_and_linear_parameters` as ``parameters`` to match that.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.func import functional_call, grad, vjp, vmap

__all__ = [
    "perplexity_affinities",
    "Neighbours",
    "egl_neighbours",
    "conv_and_linear_parameters",
    "per_target_gradient_norms",
    "egl_scores",
]

_BISECTION_STEPS = 200
_ENTROPY_TOL = 1e-12


def _row_entropy(d0: Tensor, log_beta: Tensor) -> tuple[Tensor, Tensor]:
    log_p = torch.log_softmax(-torch.exp(log_beta)[:, None] * d0, dim=1)
    return -(log_p.exp() * log_p).sum(dim=1), log_p


def perplexity_affinities(sq_distances: Tensor, perplexity: float = 20.0) -> Tensor:
    r"""Row-stochastic t-SNE affinities ``p_{j|i} ∝ exp(−β_i D_{ij})`` with ``exp H(p_i) = perplexity``.

    ``H`` is in nats.  Bisection on ``log β_i`` (H decreases monotonically in β) between a β
    small enough to give the uniform row and one large enough to keep only the nearest points,
    to ``|H − log perplexity| < 1e-12`` or 200 halvings.  A row whose target is unattainable
    (all distances equal, or more than ``perplexity`` points tied at the minimum distance) gets
    the closest attainable row: uniform, or uniform over the tied nearest points.

    Parameters
    ----------
    sq_distances : Tensor (N, M)
        Squared distances, finite and >= 0.
    perplexity : float
        In ``[1, M]``.

    Returns
    -------
    Tensor (N, M), float64, rows summing to 1.

    Examples
    --------
    >>> p = perplexity_affinities(torch.tensor([[0.0, 1.0, 4.0, 9.0, 16.0]]), perplexity=2.0)
    >>> round(float(torch.exp(-(p * p.log()).sum())), 9)
    2.0
    """
    if not isinstance(sq_distances, Tensor) or sq_distances.dim() != 2 or sq_distances.shape[1] < 1:
        raise ValueError(f"sq_distances must be a tensor of shape (N, M) with M >= 1, got "
                         f"{getattr(sq_distances, 'shape', sq_distances)!r}")
    d = sq_distances.double()
    if not bool(torch.isfinite(d).all()) or bool((d < 0).any()):
        raise ValueError("sq_distances must be finite and >= 0")
    m = d.shape[1]
    if not 1.0 <= perplexity <= m:
        raise ValueError(f"perplexity must be in [1, M] = [1, {m}] (M labelled points), got {perplexity!r}")
    d0 = d - d.min(dim=1, keepdim=True).values
    positive = torch.where(d0 > 0, d0, torch.inf)
    gap = positive.min(dim=1).values  # smallest non-zero distance above the nearest
    spread = d0.max(dim=1).values
    flat = ~torch.isfinite(gap)
    gap = torch.where(flat, 1.0, gap)
    spread = torch.where(flat, 1.0, spread)
    # β·spread = e^-40 makes the row uniform to 1e-17; β·gap = e^6 ≈ 400 leaves e^-400 beyond the nearest.
    lo = -40.0 - torch.log(spread)
    hi = 6.0 + math.log(max(1.0, m)) - torch.log(gap)
    target = math.log(perplexity)
    for _ in range(_BISECTION_STEPS):
        mid = 0.5 * (lo + hi)
        entropy, _ = _row_entropy(d0, mid)
        too_flat = entropy > target
        lo = torch.where(too_flat, mid, lo)
        hi = torch.where(too_flat, hi, mid)
        if bool(((entropy - target).abs() < _ENTROPY_TOL).all()):
            break
    _, log_p = _row_entropy(d0, 0.5 * (lo + hi))
    return log_p.exp()


@dataclass
class Neighbours:
    """The ``k`` most affine labelled points of every unlabelled one.

    Attributes
    ----------
    index : Tensor (U, k) int64
        Rows of the labelled set, highest weight first.
    weight : Tensor (U, k) float64
        Their affinities ``p_{j|u}`` (not renormalised, as the authors).
    """

    index: Tensor
    weight: Tensor


def egl_neighbours(unlabelled: Tensor, labelled: Tensor, perplexity: float = 20.0, k: int = 30) -> Neighbours:
    """Perplexity-calibrated neighbours of every unlabelled embedding among the labelled ones.

    Parameters
    ----------
    unlabelled : Tensor (U, E)
    labelled : Tensor (L, E)
        Embeddings (the authors: the pooled penultimate map).
    perplexity : float, in [1, L]
    k : int, in [1, L]
    """
    if unlabelled.dim() != 2 or labelled.dim() != 2 or unlabelled.shape[1] != labelled.shape[1]:
        raise ValueError(f"unlabelled (U, E) and labelled (L, E) embeddings must share E, got "
                         f"{tuple(unlabelled.shape)} and {tuple(labelled.shape)}")
    if int(k) != k or not 1 <= k <= labelled.shape[0]:
        raise ValueError(f"k must be an integer in [1, L] = [1, {labelled.shape[0]}], got {k!r}")
    sq = torch.cdist(unlabelled.double(), labelled.double()).square()
    weight, index = torch.topk(perplexity_affinities(sq, perplexity), int(k), dim=1)
    return Neighbours(index=index, weight=weight)


def conv_and_linear_parameters(model: nn.Module) -> list[str]:
    """Names of the Conv2d / Linear weights and biases: the parameters the authors' EGL++ differentiates."""
    names = []
    for prefix, module in model.named_modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            names += [f"{prefix}.{n}" if prefix else n for n, _ in module.named_parameters(recurse=False)]
    return names


def per_target_gradient_norms(
    model: nn.Module,
    inputs: Tensor,
    targets: Tensor,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    output_fn: Callable[[object], Tensor] = lambda out: out,
    parameters: Sequence[str] | None = None,
    squared: bool = True,
    chunk_size: int | None = None,
) -> Tensor:
    """``‖∇_θ loss_fn(output_fn(model(x_u)), t_{uk})‖²`` for every input ``u`` and each of its K targets.

    Parameters
    ----------
    model : nn.Module
        Run in eval mode (BatchNorm on running statistics, as the authors' scoring); its mode is restored.
    inputs : Tensor (U, ...)
        One model input per row (fed as a batch of one).
    targets : Tensor (U, K, ...)
        K targets per input, each shaped like one row of ``output_fn``'s output.
    loss_fn : callable (output (1, ...), target (1, ...)) -> scalar Tensor
        E.g. the heatmap MSE of one image.
    output_fn : callable
        Maps the model's output to one Tensor (e.g. stacks the hourglass heatmaps).
    parameters : sequence of str, optional
        Names of the parameters to differentiate (default: all that require grad).
    squared : bool
        Squared L2 norm (the authors) or the norm itself.
    chunk_size : int, optional
        Targets pulled back at once (bounds memory: about ``chunk_size ×`` the parameter count).

    Returns
    -------
    Tensor (U, K)
    """
    if inputs.shape[0] != targets.shape[0] or targets.dim() < 2:
        raise ValueError(f"targets must have shape (U, K, ...) with U = inputs.shape[0] = {inputs.shape[0]}, "
                         f"got {tuple(targets.shape)}")
    named = dict(model.named_parameters())
    chosen = [n for n, p in named.items() if p.requires_grad] if parameters is None else list(parameters)
    unknown = [n for n in chosen if n not in named]
    if unknown or not chosen:
        raise ValueError(f"parameters must name parameters of the model, got unknown {unknown[:3]} "
                         f"(or an empty list)")
    trainable = {n: named[n].detach() for n in chosen}
    frozen = {n: p.detach() for n, p in named.items() if n not in trainable}
    frozen.update(dict(model.named_buffers()))
    was_training = model.training
    model.eval()
    try:
        rows = []
        for x, t in zip(inputs, targets):
            def forward(params, x=x):
                return output_fn(functional_call(model, {**frozen, **params}, (x[None],)))

            y, pullback = vjp(forward, trainable)
            cotangents = vmap(lambda target: grad(lambda out: loss_fn(out, target[None]))(y))(t)
            (grads,) = vmap(pullback, chunk_size=chunk_size)(cotangents)
            sq = sum(g.reshape(g.shape[0], -1).square().sum(dim=1) for g in grads.values())
            rows.append(sq)
    finally:
        model.train(was_training)
    out = torch.stack(rows)
    return out if squared else out.sqrt()


def egl_scores(gradient_norms: Tensor, weights: Tensor) -> Tensor:
    """EGL++ score ``Σ_k w_{uk} g_{uk}``, (U,); select the highest."""
    if gradient_norms.shape != weights.shape or gradient_norms.dim() != 2:
        raise ValueError(f"gradient_norms and weights must both be (U, K), got {tuple(gradient_norms.shape)} "
                         f"and {tuple(weights.shape)}")
    return (weights.to(gradient_norms.dtype) * gradient_norms).sum(dim=1)
