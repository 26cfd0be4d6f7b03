r"""MC-dropout variance (Gal & Ghahramani, ICML 2016): the Bayesian-approximation baseline for regression.

``T`` stochastic forward passes with dropout active *only* in a named region of the model (the
head), everything else — BatchNorm included — in eval mode; the score of an input is the mean,
over the decoded output's entries, of their sample variance across the passes

.. math::  \mathrm{score}(x) = \operatorname{mean}_d \; \frac{1}{T-1}\sum_{t}(y_{td} - \bar y_d)^2 ,

with ``y_t = decode(model(x))`` (e.g. the argmax joint locations of the last stack's heatmaps,
or a regression output).  Select the highest.  Works with any ``nn.Module``; a model without
dropout gets one in front of a chosen submodule with :func:`insert_input_dropout`.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.nn.modules.dropout import _DropoutNd

__all__ = ["dropout_only_in", "insert_input_dropout", "MCDropoutResult", "mc_dropout"]

_DROPOUT_KINDS = {"dropout": nn.Dropout, "dropout2d": nn.Dropout2d}


def _in_region(name: str, regions: Sequence[str]) -> bool:
    return any(r == "" or name == r or name.startswith(r + ".") for r in regions)


@contextmanager
def dropout_only_in(model: nn.Module, regions: Sequence[str]) -> Iterator[list[str]]:
    """Eval mode everywhere except the dropout modules under ``regions``; every flag is restored on exit.

    Parameters
    ----------
    model : nn.Module
    regions : sequence of str
        Qualified submodule names (``"head"``, ``"outs.1"``); a dropout module is active when its
        name equals one of them or lies below it.  ``""`` means the whole model.

    Yields
    ------
    list of str
        The names of the active dropout modules.
    """
    if isinstance(regions, str):
        regions = [regions]
    flags = {module: module.training for module in model.modules()}
    active = [name for name, m in model.named_modules() if isinstance(m, _DropoutNd) and _in_region(name, regions)]
    if not active:
        raise ValueError(f"regions {list(regions)!r} contain no dropout module (nn.Dropout, nn.Dropout2d, ...); "
                         f"add one, e.g. with insert_input_dropout")
    model.eval()
    modules = dict(model.named_modules())
    for name in active:
        modules[name].train()
    try:
        yield active
    finally:
        for module, flag in flags.items():
            module.training = flag


def insert_input_dropout(model: nn.Module, name: str, p: float = 0.5, kind: str = "dropout") -> nn.Module:
    """Replace submodule ``name`` by ``Sequential(Dropout(p), original)``, in place; returns ``model``.

    The replaced module's state-dict keys gain a ``.1`` (``outs.0.weight`` → ``outs.0.1.weight``).

    Parameters
    ----------
    name : str
        Qualified name of an existing submodule (e.g. the hourglass's ``"outs.1"``, HRNet's ``"head"``).
    p : float, in [0, 1)
    kind : {"dropout", "dropout2d"}
        Element-wise or channel-wise dropout.
    """
    if kind not in _DROPOUT_KINDS:
        raise ValueError(f"kind must be one of {sorted(_DROPOUT_KINDS)}, got {kind!r}")
    if not 0.0 <= p < 1.0:
        raise ValueError(f"p must be in [0, 1), got {p!r}")
    parent_name, _, child = name.rpartition(".")
    try:
        parent = model.get_submodule(parent_name)
        original = parent.get_submodule(child)
    except AttributeError as error:
        raise ValueError(f"name must be a submodule of the model, got {name!r}") from error
    setattr(parent, child, nn.Sequential(_DROPOUT_KINDS[kind](p), original))
    return model


def _decoded(decode: Callable[[object], Tensor], output) -> Tensor:
    y = decode(output)
    if not isinstance(y, Tensor) or y.dim() < 1:
        raise ValueError(f"decode must return a Tensor (B, ...), got {type(y).__name__}")
    return y.double()


@dataclass
class MCDropoutResult:
    """Mean, variance (``correction = 1``) over the passes of the decoded outputs, and the score.

    Attributes
    ----------
    mean, variance : Tensor (B, ...)
    score : Tensor (B,)
        ``variance`` averaged over all non-batch dimensions.
    """

    mean: Tensor
    variance: Tensor
    score: Tensor


def mc_dropout(model: nn.Module, inputs, regions: Sequence[str], decode: Callable[[object], Tensor] = lambda out: out,
               passes: int = 20, seed: int | None = None, replicate: bool = False) -> MCDropoutResult:
    """``passes`` stochastic forward passes of ``model(inputs)`` with dropout only in ``regions``.

    Parameters
    ----------
    model : nn.Module
    inputs : Tensor or tuple of Tensors
        One batch (a tuple is unpacked into the call).
    regions : sequence of str
        See :func:`dropout_only_in`.
    decode : callable
        Model output → Tensor (B, ...) whose variance is measured (e.g.
        ``lambda out: heatmap_argmax(out.heatmaps[-1])``).
    passes : int, >= 2
        T (the number of Monte Carlo samples).
    seed : int, optional
        Seeds the dropout masks inside a forked RNG (the caller's RNG state is left untouched).
    replicate : bool
        Run the T passes as one forward of the batch repeated T times (faster, T × the memory;
        the same law, since everything outside the region is in eval mode and rows are independent).
        Needs a single Tensor input.

    Returns
    -------
    MCDropoutResult
    """
    if int(passes) != passes or passes < 2:
        raise ValueError(f"passes must be an integer >= 2 (a variance needs two samples), got {passes!r}")
    args = inputs if isinstance(inputs, tuple) else (inputs,)
    devices = [t.device for t in args if isinstance(t, Tensor) and t.device.type == "cuda"]
    with torch.no_grad(), dropout_only_in(model, regions), torch.random.fork_rng(devices=devices):
        if seed is not None:
            torch.manual_seed(seed)
        if replicate:
            if len(args) != 1 or not isinstance(args[0], Tensor):
                raise ValueError("replicate=True needs inputs to be a single Tensor (B, ...)")
            batch = args[0].shape[0]
            y = _decoded(decode, model(args[0].repeat(int(passes), *([1] * (args[0].dim() - 1)))))
            samples = list(y.reshape(int(passes), batch, *y.shape[1:]))
        else:
            samples = [_decoded(decode, model(*args)) for _ in range(int(passes))]
    stacked = torch.stack(samples)
    variance = stacked.var(dim=0, correction=1)
    score = variance.reshape(variance.shape[0], -1).mean(dim=1)
    return MCDropoutResult(mean=stacked.mean(dim=0), variance=variance, score=score)
