"""Forward hooks that capture the outputs of named submodules of any ``nn.Module``."""
from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

__all__ = ["FeatureTaps"]

_SLOT = "_gammaal_tap_output"


def _record_output(module: nn.Module, inputs, output) -> None:
    # The output is kept on the module itself (not in a closure), so a deep copy of the
    # model records into its own modules.
    module.__dict__[_SLOT] = output


class FeatureTaps:
    """Capture the outputs of ``model``'s submodules named in ``names`` on every forward.

    Names are those of ``model.named_modules()`` (e.g. ``"layer4"``,
    ``"encoder.blocks.3"``). A module called several times in one forward
    leaves its last output. A ``copy.deepcopy`` of the model (or of a
    :class:`~gammaal.al.LossPredictionModel`) taps its own modules.

    Parameters
    ----------
    model : nn.Module
    names : sequence of str
        Non-empty, distinct.

    Raises
    ------
    ValueError
        ``taps`` empty, duplicated, or naming a submodule that does not exist
        (the message lists the valid names).

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    >>> taps = FeatureTaps(net, ["1"]); _ = net(torch.zeros(2, 3))
    >>> [tuple(f.shape) for f in taps.collect()]
    [(2, 4)]
    """

    def __init__(self, model: nn.Module, names: Sequence[str]):
        if isinstance(names, str):
            names = [names]
        names = list(names)
        if not names:
            raise ValueError("taps: name at least one submodule whose output feeds the loss head")
        if len(set(names)) != len(names):
            raise ValueError(f"taps: names must be distinct, got {names}")
        modules = dict(model.named_modules())
        unknown = [name for name in names if name not in modules or name == ""]
        if unknown:
            valid = [name for name in modules if name]
            raise ValueError(f"taps: no submodule named {unknown} in {type(model).__name__}; valid names: {valid}")
        self.names = names
        self.model = model
        self._handles = [modules[name].register_forward_hook(_record_output) for name in names]

    def clear(self) -> None:
        """Forget captured outputs (call before a forward)."""
        for name in self.names:
            self.model.get_submodule(name).__dict__.pop(_SLOT, None)

    def collect(self) -> list[Tensor]:
        """The captured outputs in the order of ``names``, then :meth:`clear`.

        Raises
        ------
        ValueError
            A tap that did not run in the last forward, or whose output is not a tensor.
        """
        captured = {name: self.model.get_submodule(name).__dict__.get(_SLOT, _SLOT) for name in self.names}
        missing = [name for name, out in captured.items() if out is _SLOT]
        if missing:
            raise ValueError(f"taps: {missing} did not run in the forward pass")
        outputs = [captured[name] for name in self.names]
        for name, out in zip(self.names, outputs):
            if not isinstance(out, Tensor):
                raise ValueError(f"taps: {name!r} returned {type(out).__name__}, not a tensor; tap a submodule "
                                 "that returns one")
        self.clear()
        return outputs

    def remove(self) -> None:
        """Detach the hooks from the model."""
        for handle in self._handles:
            handle.remove()
        self._handles = []
