"""Scoring building blocks of the authors' later active-learning strategies (plain tensors in, scores out).

- :mod:`.peaks` — heatmap local maxima (skimage ``peak_local_max`` semantics, vectorised);
- :mod:`.multipeak` — multi-peak entropy (Liu & Ferrari 2017);
- :mod:`.head` — the auxiliary head on detached, pooled features (aleatoric, VL4Pose);
- :mod:`.aleatoric` — per-joint log-variance and its Gaussian NLL (Kendall & Gal 2017);
"""
from .aleatoric import ARGMAX_VARIANCE_FLOOR, aleatoric_nll, aleatoric_score
from .head import PooledParameterHead, hidden_widths
from .multipeak import multipeak_entropy, peak_entropy
from .peaks import Peaks, find_peaks

__all__ = [
    "ARGMAX_VARIANCE_FLOOR", "aleatoric_nll", "aleatoric_score", "PooledParameterHead", "hidden_widths",
   "Peaks", "find_peaks", "peak_entropy", "multipeak_entropy"]
