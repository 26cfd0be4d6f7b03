"""Pose datasets (synthetic default, LSP, LSPET, MPII) and their shared transforms."""

from .base import PoseDataset
from .lsp import LSPDataset, LSPETDataset
from .mpii import MPIIDataset
from .skeleton import LSP_FLIP_PAIRS, LSP_JOINTS, MPII_FLIP_PAIRS, MPII_JOINTS, MPII_TO_LSP
from .synthetic import SyntheticPoseDataset
from .transforms import (
    AugmentParams,
    affine_points,
    crop_affine,
    crop_matrix,
    flip_permutation,
    gaussian_heatmaps,
    heatmap_argmax,
    heatmap_matrix,
    heatmap_sigma,
    heatmap_to_original,
    invert_affine,
    sample_augmentation,
    warp_image,
)

__all__ = [
    "PoseDataset",
    "SyntheticPoseDataset",
    "LSPDataset",
    "LSPETDataset",
    "MPIIDataset",
    "LSP_JOINTS",
    "LSP_FLIP_PAIRS",
    "MPII_JOINTS",
    "MPII_FLIP_PAIRS",
    "MPII_TO_LSP",
    "AugmentParams",
    "sample_augmentation",
    "crop_matrix",
    "crop_affine",
    "heatmap_matrix",
    "invert_affine",
    "affine_points",
    "warp_image",
    "flip_permutation",
    "heatmap_sigma",
    "gaussian_heatmaps",
    "heatmap_argmax",
    "heatmap_to_original",
]
