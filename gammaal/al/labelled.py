"""Which items of a pool are labelled, and in which stage each was acquired (baal's labelled mask)."""
from __future__ import annotations

import numpy as np

__all__ = ["LabelledSet"]


class LabelledSet:
    """Which dataset indices are labelled, and in which stage each was acquired.

    Parameters
    ----------
    size : int
        Number of items that could ever be labelled.
    labelled : array_like of int, optional
        Initially labelled indices (stage 0, the base set).

    Examples
    --------
    >>> s = LabelledSet(5, [0, 1]); s.label([4], stage=1)
    >>> s.labelled_indices.tolist(), s.unlabelled_indices.tolist()
    ([0, 1, 4], [2, 3])
    >>> t = LabelledSet(5); t.load_state_dict(s.state_dict()); t.num_labelled
    3
    """

    def __init__(self, size: int, labelled=()):
        if isinstance(size, bool) or int(size) != size or size < 0:
            raise ValueError(f"size must be a non-negative integer, got {size!r}")
        self.acquired_at = np.full(int(size), -1, dtype=np.int64)
        if len(labelled):
            self.label(labelled, stage=0)

    @property
    def size(self) -> int:
        """Total number of items."""
        return self.acquired_at.size

    @property
    def mask(self) -> np.ndarray:
        """Boolean (size,) mask of labelled items."""
        return self.acquired_at >= 0

    @property
    def num_labelled(self) -> int:
        """Number of labelled items."""
        return int(self.mask.sum())

    @property
    def labelled_indices(self) -> np.ndarray:
        """Sorted labelled indices."""
        return np.flatnonzero(self.mask)

    @property
    def unlabelled_indices(self) -> np.ndarray:
        """Sorted unlabelled indices."""
        return np.flatnonzero(~self.mask)

    def label(self, indices, stage: int) -> None:
        """Mark ``indices`` labelled in ``stage``; they must be unlabelled, distinct and in range."""
        indices = np.asarray(indices, dtype=np.int64)
        if indices.size and (indices.min() < 0 or indices.max() >= self.size):
            raise ValueError(f"indices out of range [0, {self.size})")
        if np.unique(indices).size != indices.size:
            raise ValueError("indices contain duplicates")
        if self.mask[indices].any():
            raise ValueError(f"indices already labelled: {indices[self.mask[indices]][:10].tolist()}")
        self.acquired_at[indices] = stage

    def state_dict(self) -> dict:
        """JSON-serialisable state."""
        return {"size": self.size, "acquired_at": self.acquired_at.tolist()}

    def load_state_dict(self, state: dict) -> None:
        """Restore from :meth:`state_dict`."""
        acquired = np.asarray(state["acquired_at"], dtype=np.int64)
        if acquired.shape != (int(state["size"]),):
            raise ValueError("corrupt LabelledSet state: size and acquired_at disagree")
        self.acquired_at = acquired
