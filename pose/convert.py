"""Load the authors' (and princeton-vl's) stacked-hourglass and loss-head weights into our modules.

Layouts understood
------------------
- meghshukla/ActiveLearningForHumanPose ``PoseNet`` (2021 paper era and 2022 HEAD: same keys),
  saved bare: ``pre.0.conv.weight``, ``hgs.0.0.up1.bn1.weight``, ``outs.1.conv.bias``, ...
- princeton-vl/pytorch_stacked_hourglass checkpoints: ``{"state_dict": ..., "optimizer": ...}``
  whose keys carry the ``model.module.`` prefix of their ``Trainer`` + ``DataParallel`` wrappers.
- the authors' loss heads: paper era ``LearnLossActive`` (``fc_layers.*``) and HEAD ``AuxNet``
  (``pytorch_layers.*``), GAP+FC (``original: True`` / ``avg``) or conv (``hg_conv_feat_extract``).

The hourglass maps one-to-one after a key rename, except for the ``skip_layer`` convolution that
their ``Residual`` builds in every block and uses only when the width changes: the 58 tensors of
the 29 equal-width blocks of a 2-stack model are never read by their forward and are dropped.
Their forward takes images (B, H, W, 3) and permutes them; ours takes (B, 3, H, W).

Their heatmap channels follow their own joint order (:data:`AUTHORS_MPII_ORDER`,
:data:`AUTHORS_LSP_ORDER`); ``joint_order`` permutes the output convolution (and the remap that
reads the heatmaps) into the order of our datasets. princeton-vl uses the MPII order, ours.
"""
from __future__ import annotations

import argparse
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import torch
from torch import Tensor, nn

from .checkpoint import atomic_torch_save
from .heads import FC_ERAS, ConvLossHead, LearningLossHead, fc_widths
from .hourglass import StackedHourglass

__all__ = [
    "AUTHORS_MPII_ORDER",
    "AUTHORS_LSP_ORDER",
    "JOINT_ORDERS",
    "FORMAT",
    "authors_hourglass",
    "authors_head",
    "convert_checkpoint",
    "load_init_checkpoint",
    "main",
]

#: MPII annotation id of each of the authors' 16 heatmap channels (``jnt_to_ind`` in their
#: ``dataloader.py``: head, neck, lsho, lelb, lwri, rsho, relb, rwri, lhip, lknee, lankl, rhip,
#: rknee, rankl, pelvis, thorax).
AUTHORS_MPII_ORDER = (9, 8, 13, 14, 15, 12, 11, 10, 3, 4, 5, 2, 1, 0, 6, 7)
#: LSP index of each of the authors' 14 heatmap channels (same names, no pelvis/thorax).
AUTHORS_LSP_ORDER = (13, 12, 9, 10, 11, 8, 7, 6, 3, 4, 5, 2, 1, 0)


def _inverse(order: Sequence[int]) -> tuple[int, ...]:
    inverse = [0] * len(order)
    for channel, joint in enumerate(order):
        inverse[joint] = channel
    return tuple(inverse)


#: ``joint_order`` name → for each of OUR joints, the source channel holding it (None: keep).
JOINT_ORDERS: dict[str, tuple[int, ...] | None] = {
    "keep": None,
    "authors_mpii": _inverse(AUTHORS_MPII_ORDER),
    "authors_lsp": _inverse(AUTHORS_LSP_ORDER),
}

FORMAT = "gammaal.pose.convert/1"
"""Value of the ``format`` field of a converted checkpoint file."""

_RESIDUAL = [(r"\.conv([123])\.conv\.", r".conv\1."), (r"\.skip_layer\.conv\.", ".skip.")]
#: Ordered (pattern, replacement) renames from their hourglass keys to ours.
_HOURGLASS_RENAMES = [
    (r"^pre\.0\.conv\.", "stem.0."),
    (r"^pre\.0\.bn\.", "stem.1."),
    (r"^pre\.1\.", "stem.3."),
    (r"^pre\.3\.", "stem.5."),
    (r"^pre\.4\.", "stem.6."),
    (r"^hgs\.(\d+)\.0\.", r"hourglasses.\1."),
    (r"^features\.(\d+)\.1\.conv\.", r"features.\1.1."),
    (r"^features\.(\d+)\.1\.bn\.", r"features.\1.2."),
    (r"^outs\.(\d+)\.conv\.", r"outs.\1."),
    (r"^merge_(features|preds)\.(\d+)\.conv\.conv\.", r"merge_\1.\2."),
    *_RESIDUAL,
]
_WRAPPER_PREFIXES = ("model.module.", "module.", "model.")


def _plain_state_dict(obj) -> dict[str, Tensor]:
    """The tensor dict inside a checkpoint object, wrapper prefixes removed."""
    if isinstance(obj, Mapping) and "state_dict" in obj and isinstance(obj["state_dict"], Mapping):
        obj = obj["state_dict"]
    if not isinstance(obj, Mapping) or not all(isinstance(v, Tensor) for v in obj.values()):
        raise ValueError("state_dict must be a mapping of names to tensors (or a checkpoint holding 'state_dict')")
    state = dict(obj)
    for prefix in _WRAPPER_PREFIXES:
        if state and all(k.startswith(prefix) for k in state):
            state = {k[len(prefix):]: v for k, v in state.items()}
            break
    return state


def _need(state: Mapping[str, Tensor], key: str, what: str) -> Tensor:
    if key not in state:
        raise ValueError(f"state_dict has no {key!r}: not the authors' {what} layout (keys: {_sample(state)})")
    return state[key]


def _sample(keys, n: int = 8) -> str:
    keys = sorted(keys)
    return ", ".join(keys[:n]) + (f", ... ({len(keys)} in all)" if len(keys) > n else "")


def _rename(key: str, rules) -> str:
    for pattern, replacement in rules:
        key = re.sub(pattern, replacement, key)
    return key


def _load_exactly(module: nn.Module, mapped: dict[str, Tensor], unmapped: list[str], what: str) -> None:
    """Load ``mapped`` into ``module``; every target filled, every source used, shapes equal."""
    target = module.state_dict()
    missing = sorted(set(target) - set(mapped))
    unmapped = sorted(set(unmapped) | (set(mapped) - set(target)))
    wrong = [f"{k} {tuple(mapped[k].shape)} vs {tuple(target[k].shape)}"
             for k in mapped if k in target and mapped[k].shape != target[k].shape]
    if missing or unmapped or wrong:
        raise ValueError(
            f"cannot load the {what}: "
            + "; ".join(part for part in (
                f"source keys that did not map: {_sample(unmapped, 20)}" if unmapped else "",
                f"our keys left empty: {_sample(missing, 20)}" if missing else "",
                f"shape mismatches: {', '.join(wrong[:10])}" if wrong else "",
            ) if part)
        )
    module.load_state_dict(mapped)


def _permute_joints(state: dict[str, Tensor], order: Sequence[int] | None) -> dict[str, Tensor]:
    if order is None:
        return state
    index = torch.as_tensor(order)
    out = dict(state)
    for key, value in state.items():
        if re.match(r"^outs\.\d+\.(weight|bias)$", key):
            out[key] = value[index]
        elif re.match(r"^merge_preds\.\d+\.weight$", key):
            out[key] = value[:, index]
    return out


def authors_hourglass(state_dict, merge: str = "input", joint_order: str = "keep",
                      input_size: int = 256) -> StackedHourglass:
    """Our :class:`StackedHourglass` holding the weights of their ``PoseNet``.

    ``nstack``, width, joints, depth and stem widths are read from the tensor shapes. In eval
    mode its heatmaps equal theirs (``PoseNet(imgs.permute(0, 2, 3, 1))``), in the channel order
    ``joint_order`` gives.

    Parameters
    ----------
    state_dict : mapping or checkpoint
        Their ``PoseNet.state_dict()`` (bare, ``module.``- or ``model.module.``-prefixed, or a
        princeton-vl checkpoint holding it under ``"state_dict"``).
    merge : {"input", "penultimate"}
        Between-stack remap: "input" for princeton-vl and the authors' 2021 code, "penultimate"
        for the authors' 2022 code (the keys are the same, so this cannot be inferred).
    joint_order : {"keep", "authors_mpii", "authors_lsp"}
        See :data:`JOINT_ORDERS`; "authors_*" reorders their channels into our MPII / LSP order.
    input_size : int
        Recorded input side (the network is fully convolutional).

    Returns
    -------
    StackedHourglass
    """
    if joint_order not in JOINT_ORDERS:
        raise ValueError(f"joint_order must be one of {sorted(JOINT_ORDERS)}, got {joint_order!r}")
    state = _plain_state_dict(state_dict)
    out_conv = _need(state, "outs.0.conv.weight", "hourglass")
    joints, channels = int(out_conv.shape[0]), int(out_conv.shape[1])
    stacks = {int(m.group(1)) for k in state if (m := re.match(r"^hgs\.(\d+)\.", k))}
    depth = max((k.split(".").count("low2") for k in state if k.startswith("hgs.0.")), default=0)
    stem = (int(_need(state, "pre.0.conv.weight", "hourglass").shape[0]),
            int(_need(state, "pre.1.conv3.conv.weight", "hourglass").shape[0]))
    order = JOINT_ORDERS[joint_order]
    if order is not None and len(order) != joints:
        raise ValueError(f"joint_order {joint_order!r} is for {len(order)} joints, the checkpoint has {joints}")
    if depth < 1 or not stacks:
        raise ValueError(f"state_dict has no hourglass levels ('hgs.N....low2' keys): {_sample(state)}")
    model = StackedHourglass(nstack=max(stacks) + 1, channels=channels, joints=joints, input_size=input_size,
                             depth=depth, stem_channels=stem, merge=merge)
    ours = model.state_dict()
    mapped, unmapped = {}, []
    for key, value in state.items():
        new = _rename(key, _HOURGLASS_RENAMES)
        if new in ours:
            mapped[new] = value
        elif ".skip_layer." in key and new.replace(".skip.", ".conv1.") in ours:
            continue  # the skip conv of an equal-width block: built by them, never used
        else:
            unmapped.append(key)
    _load_exactly(model, _permute_joints(mapped, order), unmapped, "hourglass")
    return model.eval()


def _head_layers(state: Mapping[str, Tensor]) -> tuple[str, list[str], list[str]]:
    """(prefix, conv keys (extractor index order), linear keys (layer order)) of their head."""
    for prefix in ("fc_layers.", "pytorch_layers."):
        if any(k.startswith(prefix) for k in state):
            break
    else:
        raise ValueError("state_dict is not an authors' loss head: no 'fc_layers.*' (LearnLossActive) or "
                         f"'pytorch_layers.*' (AuxNet) keys; keys: {_sample(state)}")
    convs = sorted((k for k in state if ".hg_conv_feat_extract." in k and k.endswith(".weight")),
                   key=lambda k: int(k.split(".")[-2]))
    linears = sorted((k for k in state if re.fullmatch(re.escape(prefix) + r"\d+\.weight", k)),
                     key=lambda k: int(k.split(".")[-2]))
    return prefix, convs, linears


def authors_head(state_dict) -> LearningLossHead | ConvLossHead:
    """Our loss head holding the weights of their ``LearnLossActive`` (2021) or ``AuxNet`` (2022).

    GAP+FC checkpoints give a :class:`LearningLossHead` (variant "authors"; its input is
    ``[penultimate map]``, which it pools as they do); conv checkpoints give a
    :class:`ConvLossHead` with ``reduce="conv"`` and sizes from the kernels (input: the list of
    hourglass maps, finest first, instead of their flattened concatenation). The FC era
    (:data:`pose.heads.FC_ERAS`) is read from the layer widths.

    Raises
    ------
    ValueError
        Unknown layout, widths no era produces, unequal conv widths, or keys that did not map.
    """
    state = _plain_state_dict(state_dict)
    prefix, convs, linears = _head_layers(state)
    if not linears:
        raise ValueError(f"loss head has no Linear layers under {prefix!r}: {_sample(state)}")
    weights = [state[k] for k in linears]
    channels = int(weights[0].shape[1])
    hidden = [int(w.shape[0]) for w in weights[:-1]]
    if int(weights[-1].shape[0]) != 1:
        raise ValueError(f"loss head must end in one output, got {int(weights[-1].shape[0])} ({linears[-1]})")
    eras = [era for era in FC_ERAS if fc_widths(channels, era) == hidden]
    if not eras:
        raise ValueError(f"FC widths {[channels] + hidden + [1]} match no era of pose.heads.fc_widths "
                         f"({ {era: fc_widths(channels, era) for era in FC_ERAS} })")
    mapped = {f"regressor.{2 * i}.{leaf}": state[k[: -len('weight')] + leaf]
              for i, k in enumerate(linears) for leaf in ("weight", "bias") if k[: -len('weight')] + leaf in state}
    used = {k[: -len("weight")] + leaf for k in linears for leaf in ("weight", "bias")}
    if convs:
        kernels = [tuple(state[k].shape) for k in convs]
        if any(shape[:2] != (channels, channels) for shape in kernels):
            raise ValueError(f"conv head widths must all equal {channels} (hourglass), got {kernels}")
        if any(shape[2:] != (2, 2) for shape in kernels[:-1]):
            raise ValueError(f"conv head downsamplers must be 2x2 (stride 2), got {kernels[:-1]}")
        side = int(kernels[-1][2])
        sizes = tuple(side * 2**k for k in reversed(range(len(convs))))
        head = ConvLossHead(channels, sizes=sizes, reduce="conv", fc_era=eras[0])
        for i, k in enumerate(convs):
            target = f"downsamplers.{i}" if i < len(convs) - 1 else "reducer"
            for leaf in ("weight", "bias"):
                source = k[: -len("weight")] + leaf
                if source in state:
                    mapped[f"{target}.{leaf}"] = state[source]
                    used.add(source)
    else:
        head = LearningLossHead(channels, variant="authors", fc_era=eras[0])
    _load_exactly(head, mapped, sorted(set(state) - used), "loss head")
    return head.eval()


def _arch(model: StackedHourglass) -> dict:
    stem = [int(model.stem[0].weight.shape[0]), int(model.stem[3].conv3.weight.shape[0])]
    return dict(nstack=model.nstack, channels=model.channels, joints=model.joints, depth=model.depth,
                stem_channels=stem, merge=model.merge)


def convert_checkpoint(src: str | Path, dst: str | Path, merge: str = "input",
                       joint_order: str | None = None) -> dict:
    """Convert a checkpoint file (their hourglass or head, or princeton-vl's) into our format.

    The output (written atomically) is ``{"format": FORMAT, "kind": "hourglass" | "head",
    "arch": {...}, "joint_order": ..., "state_dict": ...}``; :func:`load_init_checkpoint` reads it.
    ``joint_order`` None means "keep" for princeton-vl files (MPII order already) and for heads,
    and their order → ours (``authors_mpii`` / ``authors_lsp`` by joint count) for authors' files.

    Returns
    -------
    dict
        The record written, without the state dict.
    """
    raw = torch.load(Path(src), map_location="cpu", weights_only=True)
    princeton = isinstance(raw, Mapping) and "state_dict" in raw and isinstance(raw["state_dict"], Mapping)
    state = _plain_state_dict(raw)
    if any(k.startswith(("fc_layers.", "pytorch_layers.")) for k in state):
        head = authors_head(state)
        kind = "head"
        arch = dict(type=type(head).__name__, channels=head.channels,
                    sizes=list(getattr(head, "sizes", ())), fc_era=_era_of(head))
        weights, joint_order = head.state_dict(), "keep"
    elif any(k.startswith("hgs.") for k in state):
        if joint_order is None:
            joints = int(state["outs.0.conv.weight"].shape[0]) if "outs.0.conv.weight" in state else 16
            joint_order = "keep" if princeton else ("authors_mpii" if joints == 16 else "authors_lsp")
        model = authors_hourglass(state, merge=merge, joint_order=joint_order)
        kind, arch, weights = "hourglass", _arch(model), model.state_dict()
    else:
        raise ValueError(f"{src}: unknown checkpoint layout (neither a PoseNet 'hgs.*' nor a loss head "
                         f"'fc_layers.*' / 'pytorch_layers.*'); keys: {_sample(state)}")
    record = {"format": FORMAT, "kind": kind, "arch": arch, "joint_order": joint_order, "source": str(src)}
    atomic_torch_save({**record, "state_dict": weights}, dst)
    return record


def _era_of(head: nn.Module) -> str:
    return head.fc_era


def load_init_checkpoint(model: StackedHourglass, path: str | Path) -> None:
    """Load a :func:`convert_checkpoint` hourglass file into ``model`` (``model.init_checkpoint``).

    Raises ``ValueError`` when the file is not a converted hourglass or its architecture differs
    from ``model``'s (naming the fields), instead of a partial load.
    """
    record = torch.load(Path(path), map_location="cpu", weights_only=True)
    if not isinstance(record, Mapping) or record.get("format") != FORMAT:
        raise ValueError(f"model.init_checkpoint {path}: not a converted checkpoint; "
                         "run `python -m pose convert SRC DST` first")
    if record["kind"] != "hourglass":
        raise ValueError(f"model.init_checkpoint {path}: holds a {record['kind']}, not a hourglass")
    ours = _arch(model)
    diff = {k: (record["arch"][k], ours[k]) for k in ("nstack", "channels", "joints", "depth", "stem_channels")
            if record["arch"][k] != ours[k]}
    if diff:
        raise ValueError(f"model.init_checkpoint {path}: architecture differs (file, config): {diff}")
    model.load_state_dict(record["state_dict"])


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m pose convert SRC DST [--merge M] [--joint-order O]``."""
    summary = convert_checkpoint.__doc__.split("\n")[0]
    parser = argparse.ArgumentParser(prog="python -m pose convert", description=summary)
    add_arguments(parser)
    args = parser.parse_args(argv)
    return run(args)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``convert`` subcommand's arguments (shared by :func:`main` and ``pose.cli``)."""
    parser.add_argument("src", help="their checkpoint (.pth / .tar): PoseNet, LearnLossActive, AuxNet, princeton-vl")
    parser.add_argument("dst", help="converted file, for --set model.init_checkpoint=DST")
    parser.add_argument("--merge", choices=("input", "penultimate"), default="input",
                        help="between-stack remap: input (2021 code, princeton-vl) or penultimate (their 2022 code)")
    parser.add_argument("--joint-order", choices=sorted(JOINT_ORDERS), default=None,
                        help="heatmap channel order (default: authors_mpii/authors_lsp for their files, keep else)")


def run(args) -> int:
    """Execute a parsed ``convert`` command; prints what was written."""
    record = convert_checkpoint(args.src, args.dst, merge=args.merge, joint_order=args.joint_order)
    print(f"{record['kind']} {record['arch']} joint_order={record['joint_order']} -> {args.dst}")
    return 0
