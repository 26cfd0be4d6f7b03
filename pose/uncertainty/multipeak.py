"""Multi-peak entropy (Liu & Ferrari, "Active learning for human pose estimation", ICCV 2017).

Per joint, the local maxima of the heatmap (:func:`pose.uncertainty.peaks.find_peaks`; the
authors: up to 5 peaks, min distance 5 px at 64 × 64, skimage's border exclusion), a softmax
over the peak *values*, and its Shannon entropy (natural log)

.. math::  H_j = -\\sum_k p_{jk} \\log p_{jk}, \\qquad p_{jk} = e^{v_{jk}} / \\sum_m e^{v_{jm}};

the image score is ``Σ_j H_j`` (a joint with one peak, or none, adds 0).  Select the highest.
This is the authors' ``multipeak_entropy`` (meghshukla/ActiveLearningForHumanPose) on the last
stack's heatmaps, vectorised.
"""
from __future__ import annotations

import torch
from torch import Tensor

from .peaks import Peaks, find_peaks

__all__ = ["peak_entropy", "multipeak_entropy"]


def peak_entropy(peaks: Peaks) -> Tensor:
    """Entropy of the softmax over each heatmap's peak values, (B, J); 0 with < 2 peaks."""
    logits = peaks.values.double()
    log_p = torch.log_softmax(torch.where(peaks.valid, logits, -torch.inf), dim=-1)
    terms = torch.where(peaks.valid, -log_p.exp() * log_p, torch.zeros_like(log_p))
    entropy = terms.sum(dim=-1)
    return torch.where(peaks.count > 0, entropy, torch.zeros_like(entropy)).to(peaks.values.dtype)


def multipeak_entropy(heatmaps: Tensor, num_peaks: int = 5, min_distance: int = 5,
                      exclude_border: bool = True) -> Tensor:
    """Multi-peak entropy of every image: the sum over joints of the peak-softmax entropy.

    Parameters
    ----------
    heatmaps : Tensor (B, J, H, W)
        The last stack's heatmaps (the authors use ``heatmaps[:, -1]`` of the hourglass).
    num_peaks, min_distance, exclude_border
        As in :func:`~pose.uncertainty.peaks.find_peaks` (authors: 5, 5, True at 64 × 64).

    Returns
    -------
    Tensor (B,)
        Scores in ``[0, J log num_peaks]``; higher means more ambiguous.

    Examples
    --------
    >>> h = torch.zeros(1, 2, 32, 32)
    >>> h[0, 0, 8, 8] = h[0, 0, 20, 20] = 1.0          # two equal peaks: log 2
    >>> h[0, 1, 16, 16] = 3.0                           # one peak: 0
    >>> round(float(multipeak_entropy(h)[0]), 6), round(float(torch.log(torch.tensor(2.0))), 6)
    (0.693147, 0.693147)
    """
    return peak_entropy(find_peaks(heatmaps, num_peaks, min_distance, exclude_border)).sum(dim=-1)
