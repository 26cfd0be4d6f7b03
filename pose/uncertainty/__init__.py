"""Scoring building blocks of the authors' later active-learning strategies (plain tensors in, scores out).

- :mod:`.peaks` — heatmap local maxima (skimage ``peak_local_max`` semantics, vectorised);
- :mod:`.multipeak` — multi-peak entropy (Liu & Ferrari 2017);
"""
from .multipeak import multipeak_entropy, peak_entropy
from .peaks import Peaks, find_peaks

__all__ = ["Peaks", "find_peaks", "peak_entropy", "multipeak_entropy"]
