"""A name -> component table filled by a decorator, so adding a component never edits the code that uses it."""
from __future__ import annotations

from collections.abc import Callable, Iterator

__all__ = ["Registry"]


class Registry:
    """Components registered under unique names.

    Parameters
    ----------
    kind : str
        What the registry holds, used in error messages ("strategy", "loss head", ...).

    Examples
    --------
    >>> COLOURS = Registry("colour")
    >>> @COLOURS.register("red")
    ... def red():
    ...     return "#f00"
    >>> COLOURS["red"](), COLOURS.names()
    ('#f00', ['red'])
    >>> COLOURS["blue"]
    Traceback (most recent call last):
    ...
    ValueError: unknown colour 'blue'; registered: ['red']
    """

    def __init__(self, kind: str):
        self.kind = kind
        self._items: dict[str, object] = {}

    def register(self, name: str) -> Callable:
        """Decorator: store the decorated object under ``name`` (which must be new) and return it unchanged."""
        def decorate(obj):
            if name in self._items:
                raise ValueError(f"{self.kind} {name!r} is already registered")
            self._items[name] = obj
            return obj
        return decorate

    def __getitem__(self, name: str):
        try:
            return self._items[name]
        except (KeyError, TypeError):
            raise ValueError(f"unknown {self.kind} {name!r}; registered: {self.names()}") from None

    def __contains__(self, name) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def names(self) -> list[str]:
        """Registered names in registration order."""
        return list(self._items)
