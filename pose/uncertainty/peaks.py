"""Local maxima of heatmaps, vectorised: ``skimage.feature.peak_local_max`` semantics in torch.

A pixel is a peak of its heatmap when it equals the maximum of the ``(2r+1) × (2r+1)`` window
around it (a max-pool non-maximum suppression, ``r = min_distance``), is strictly above the
heatmap's minimum, and (by default, as in skimage) lies at least ``r`` pixels from the border.
Peaks are ranked by value and kept greedily, dropping any peak within Chebyshev distance ``r``
of a higher-ranked kept one (skimage's ``_ensure_spacing`` with ``p_norm = inf``).  Two window
maxima within distance ``r`` of each other must be equal, so this only removes the extra pixels
of a plateau: one peak per plateau, as skimage returns.

Both the multi-peak entropy (Liu & Ferrari 2017) and VL4Pose's candidate joint locations use
these peaks, with the authors' settings ``num_peaks = 5``, ``min_distance = 5`` at 64 × 64.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ["Peaks", "find_peaks"]

# Local maxima ranked before the spacing pass. More than ``num_peaks`` so that plateaus (several
# window-maximum pixels, one peak) do not crowd out lower peaks; exact unless the top candidates
# hold plateaus of more than this many pixels per peak (float network heatmaps have none).
_CANDIDATES_PER_PEAK = 8


@dataclass
class Peaks:
    """Up to K peaks per heatmap, sorted by value (highest first).

    Attributes
    ----------
    values : Tensor (B, J, K)
        Heatmap value at each peak (``-inf`` where ``valid`` is False).
    rows, cols : Tensor (B, J, K), int64
        Pixel coordinates (row = y, col = x) of each peak (0 where not valid).
    valid : Tensor (B, J, K), bool
        Which of the K slots hold a peak; the valid slots of a heatmap come first.
    """

    values: Tensor
    rows: Tensor
    cols: Tensor
    valid: Tensor

    @property
    def count(self) -> Tensor:
        """Number of peaks of every heatmap, (B, J)."""
        return self.valid.sum(dim=-1)


def _check(heatmaps: Tensor, num_peaks: int, min_distance: int) -> None:
    if not isinstance(heatmaps, Tensor) or heatmaps.dim() != 4:
        shape = tuple(heatmaps.shape) if isinstance(heatmaps, Tensor) else type(heatmaps).__name__
        raise ValueError(f"heatmaps must be a tensor of shape (B, J, H, W), got {shape}")
    if not heatmaps.is_floating_point():
        raise ValueError(f"heatmaps must be floating point, got {heatmaps.dtype}")
    if not torch.isfinite(heatmaps).all():
        raise ValueError("heatmaps contains NaN or inf")
    if int(num_peaks) != num_peaks or num_peaks < 1:
        raise ValueError(f"num_peaks must be a positive integer, got {num_peaks!r}")
    if int(min_distance) != min_distance or min_distance < 1:
        raise ValueError(f"min_distance must be a positive integer, got {min_distance!r}")


def find_peaks(heatmaps: Tensor, num_peaks: int = 5, min_distance: int = 5, exclude_border: bool = True) -> Peaks:
    """The ``num_peaks`` highest local maxima of every heatmap.

    Parameters
    ----------
    heatmaps : Tensor (B, J, H, W), finite floats
    num_peaks : int, >= 1
        K, the most peaks kept per heatmap (authors: 5).
    min_distance : int, >= 1
        r: half-width of the suppression window and the minimum Chebyshev spacing (authors: 5).
    exclude_border : bool
        Ignore pixels closer than r to the border (skimage's default, which the authors use).

    Returns
    -------
    Peaks
        With K = ``num_peaks`` slots.

    Examples
    --------
    >>> h = torch.zeros(1, 1, 32, 32)
    >>> h[0, 0, 10, 12], h[0, 0, 20, 20], h[0, 0, 11, 13] = 1.0, 0.5, 0.9   # (11, 13) is within 5 of (10, 12)
    >>> p = find_peaks(h)
    >>> p.count.tolist(), p.rows[0, 0, :2].tolist(), p.cols[0, 0, :2].tolist()
    ([[2]], [10, 20], [12, 20])
    """
    _check(heatmaps, num_peaks, min_distance)
    b, j, h, w = heatmaps.shape
    r = int(min_distance)
    x = heatmaps.reshape(b * j, 1, h, w)
    window_max = F.max_pool2d(F.pad(x, (r, r, r, r), value=-torch.inf), 2 * r + 1, stride=1)
    floor = x.amin(dim=(2, 3), keepdim=True)
    is_peak = (x == window_max) & (x > floor)
    if exclude_border:
        inside = torch.zeros(h, w, dtype=torch.bool, device=x.device)
        inside[r:h - r, r:w - r] = True
        is_peak &= inside
    flat = torch.where(is_peak, x, torch.full_like(x, -torch.inf)).reshape(b * j, h * w)
    k = min(h * w, int(num_peaks) * _CANDIDATES_PER_PEAK)
    values, index = torch.topk(flat, k, dim=1)
    if k < num_peaks:  # fewer pixels than slots: pad with empty slots
        values = F.pad(values, (0, int(num_peaks) - k), value=-torch.inf)
        index = F.pad(index, (0, int(num_peaks) - k), value=0)
        k = int(num_peaks)
    valid = torch.isfinite(values)
    rows, cols = index // w, index % w
    # Greedy spacing in ranked order: only plateau pixels can be within r of a kept peak.
    close = ((rows[:, :, None] - rows[:, None, :]).abs() <= r) & ((cols[:, :, None] - cols[:, None, :]).abs() <= r)
    kept = torch.zeros_like(valid)
    for slot in range(k):
        blocked = (kept[:, :slot] & close[:, slot, :slot]).any(dim=1)
        kept[:, slot] = valid[:, slot] & ~blocked
    # A stable sort moves the kept slots to the front and keeps their ranking.
    order = torch.sort((~kept).to(torch.int8), dim=1, stable=True).indices[:, : int(num_peaks)]
    kept = torch.gather(kept, 1, order)

    def take(t: Tensor, empty) -> Tensor:
        return torch.where(kept, torch.gather(t, 1, order), empty).reshape(b, j, -1)

    return Peaks(values=take(values, -torch.inf), rows=take(rows, 0), cols=take(cols, 0),
                 valid=kept.reshape(b, j, -1))
