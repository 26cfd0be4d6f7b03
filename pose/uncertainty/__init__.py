"""Scoring building blocks of the authors' later active-learning strategies (plain tensors in, scores out).

- :mod:`.peaks` — heatmap local maxima (skimage ``peak_local_max`` semantics, vectorised);
- :mod:`.multipeak` — multi-peak entropy (Liu & Ferrari 2017);
- :mod:`.head` — the auxiliary head on detached, pooled features (aleatoric, VL4Pose);
- :mod:`.aleatoric` — per-joint log-variance and its Gaussian NLL (Kendall & Gal 2017);
- :mod:`.skeleton_tree`, :mod:`.vl4pose` — link-length Gaussians and the exact tree pass (VL4Pose);
- :mod:`.egl` — EGL++: perplexity-calibrated neighbours and torch.func per-target gradient norms;
- :mod:`.mc_dropout` — MC-dropout variance with dropout active only in a named region;

(``ll_gamma``'s pair filter is generic: :mod:`gammaal.al.objectives`.)  The strategies built on
these blocks are registered by :mod:`pose.strategies_uncertainty`.
"""
from .aleatoric import ARGMAX_VARIANCE_FLOOR, aleatoric_nll, aleatoric_score
from .egl import (
    Neighbours,
    conv_and_linear_parameters,
    egl_neighbours,
    egl_scores,
    per_target_gradient_norms,
    perplexity_affinities,
)
from .head import PooledParameterHead, hidden_widths
from .mc_dropout import MCDropoutResult, dropout_only_in, insert_input_dropout, mc_dropout
from .multipeak import multipeak_entropy, peak_entropy
from .peaks import Peaks, find_peaks
from .skeleton_tree import LSP_TREE, MPII_TREE, SkeletonTree, skeleton_tree_for
from .vl4pose import (
    JointCandidates,
    TreeLikelihood,
    joint_candidates,
    link_lengths,
    link_nll,
    link_visible,
    split_link_parameters,
    tree_log_likelihood,
    vl4pose_score,
)

__all__ = [
    "Peaks", "find_peaks", "peak_entropy", "multipeak_entropy",
    "PooledParameterHead", "hidden_widths",
    "ARGMAX_VARIANCE_FLOOR", "aleatoric_nll", "aleatoric_score",
    "SkeletonTree", "MPII_TREE", "LSP_TREE", "skeleton_tree_for",
    "split_link_parameters", "link_lengths", "link_visible", "link_nll", "JointCandidates", "joint_candidates",
    "TreeLikelihood", "tree_log_likelihood", "vl4pose_score",
    "perplexity_affinities", "Neighbours", "egl_neighbours", "conv_and_linear_parameters",
    "per_target_gradient_norms", "egl_scores",
    "dropout_only_in", "insert_input_dropout", "MCDropoutResult", "mc_dropout",
]
