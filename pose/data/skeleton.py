"""Joint orders and left/right pairs of the LSP (14 joints) and MPII (16 joints) skeletons."""

from __future__ import annotations

__all__ = [
    "LSP_JOINTS",
    "LSP_FLIP_PAIRS",
    "MPII_JOINTS",
    "MPII_FLIP_PAIRS",
    "MPII_TO_LSP",
]

#: LSP / LSPET order ("head" is the head top, "neck" the upper neck).
LSP_JOINTS = (
    "r_ankle", "r_knee", "r_hip", "l_hip", "l_knee", "l_ankle",
    "r_wrist", "r_elbow", "r_shoulder", "l_shoulder", "l_elbow", "l_wrist",
    "neck", "head_top",
)  # fmt: skip
LSP_FLIP_PAIRS = ((0, 5), (1, 4), (2, 3), (6, 11), (7, 10), (8, 9))

#: MPII order (annotation ids 0..15).
MPII_JOINTS = (
    "r_ankle", "r_knee", "r_hip", "l_hip", "l_knee", "l_ankle",
    "pelvis", "thorax", "upper_neck", "head_top",
    "r_wrist", "r_elbow", "r_shoulder", "l_shoulder", "l_elbow", "l_wrist",
)  # fmt: skip
MPII_FLIP_PAIRS = ((0, 5), (1, 4), (2, 3), (10, 15), (11, 14), (12, 13))

#: MPII index of each LSP joint: ``lsp_joints = mpii_joints[MPII_TO_LSP]``.
MPII_TO_LSP = (0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15, 8, 9)
