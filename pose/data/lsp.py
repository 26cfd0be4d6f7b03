"""Leeds Sports Pose (LSP) and its extension LSPET.

Layout::

    <lsp root>/joints.mat          key 'joints', (3, 14, 2000): x, y, flag (0 = visible!)
    <lsp root>/images/im0001.jpg ... im2000.jpg
    <lspet root>/joints.mat        key 'joints', (14, 3, 10000): x, y, flag (1 = visible)
    <lspet root>/images/im00001.jpg ... im10000.jpg

LSP's flag is inverted with respect to its README (0 marks a visible joint), as the authors'
loader also assumes. The first half of LSP (1000 images) is the training pool, the second
half the test set; LSPET (all 10000) is the shifted unlabelled pool of the paper.

The person box is derived from the joints, since neither file provides one: the centre is
the midpoint of the bounding box of the visible joints (all joints when fewer than two are
visible) and the box side is ``BOX_MARGIN = 1.25`` times the larger bounding-box side, the
same 25 % margin the stacked-hourglass recipe adds around MPII's person scale.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.io

from .base import PoseDataset, read_image
from .skeleton import LSP_FLIP_PAIRS
from .transforms import BOX_PIXELS

__all__ = [
    "BOX_MARGIN",
    "load_lsp_joints",
    "load_lspet_joints",
    "box_from_joints",
    "torso_size",
    "LSPDataset",
    "LSPETDataset",
]

BOX_MARGIN = 1.25
LSP_NUM_JOINTS = 14


def _load_joints_array(path: Path, dataset: str, expected: str) -> np.ndarray:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{dataset} annotation file not found: {path} (expected joints.mat, {expected})")
    try:
        contents = scipy.io.loadmat(path)
    except Exception as error:  # scipy raises several types for corrupt files
        raise ValueError(f"{path.name}: cannot be read as a MATLAB file [{dataset}]: {error}") from error
    if "joints" not in contents:
        keys = sorted(key for key in contents if not key.startswith("__"))
        raise ValueError(f"{path.name}: expected key 'joints' of shape {expected} [{dataset}], found keys {keys}")
    return np.asarray(contents["joints"], dtype=np.float64)


def load_lsp_joints(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read LSP ``joints.mat`` (3, 14, N) with the inverted visibility flag.

    Returns
    -------
    joints : ndarray (N, 14, 2) float64
    visible : ndarray (N, 14) bool
        ``flag == 0``.
    """
    raw = _load_joints_array(path, "LSP", "(3, 14, N)")
    if raw.ndim != 3 or raw.shape[:2] != (3, LSP_NUM_JOINTS) or raw.shape[2] < 2:
        hint = " (this is the LSPET layout)" if raw.shape[:2] == (LSP_NUM_JOINTS, 3) else ""
        raise ValueError(
            f"{Path(path).name}: expected key 'joints' of shape (3, 14, N) [LSP], got {raw.shape}{hint}"
        )
    joints = raw[:2].transpose(2, 1, 0)
    flags = raw[2].T
    _check_flags(path, flags, "LSP")
    return joints, flags == 0


def load_lspet_joints(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read LSPET ``joints.mat`` (14, 3, N) whose flag is 1 for visible joints.

    Returns
    -------
    joints : ndarray (N, 14, 2) float64
    visible : ndarray (N, 14) bool
    """
    raw = _load_joints_array(path, "LSPET", "(14, 3, N)")
    if raw.ndim != 3 or raw.shape[:2] != (LSP_NUM_JOINTS, 3) or raw.shape[2] < 1:
        hint = " (this is the LSP layout)" if raw.shape[:2] == (3, LSP_NUM_JOINTS) else ""
        raise ValueError(
            f"{Path(path).name}: expected key 'joints' of shape (14, 3, N) [LSPET], got {raw.shape}{hint}"
        )
    joints = raw[:, :2].transpose(2, 0, 1)
    flags = raw[:, 2].T
    _check_flags(path, flags, "LSPET")
    return joints, flags == 1


def _check_flags(path: Path, flags: np.ndarray, dataset: str) -> None:
    bad = ~np.isin(flags, (0.0, 1.0))
    if bad.any():
        values = np.unique(flags[bad])[:5]
        raise ValueError(f"{Path(path).name}: visibility flags must be 0 or 1 [{dataset}], found {values}")


def box_from_joints(joints: np.ndarray, visible: np.ndarray, margin: float = BOX_MARGIN) -> tuple[np.ndarray, np.ndarray]:
    """Person box (centre, scale) from joint bounding boxes, see the module docstring.

    Parameters
    ----------
    joints : ndarray (N, J, 2)
    visible : ndarray (N, J) bool
    margin : float, > 0
        Box side over the larger side of the joints' bounding box (default :data:`BOX_MARGIN`;
        the authors use 2, ``protocol.box_margin``).

    Returns
    -------
    center : ndarray (N, 2)
    scale : ndarray (N,)
        Box side / 200 px, the side being at least 1 px.
    """
    use = visible.copy()
    few = use.sum(axis=1) < 2
    use[few] = True
    low = np.where(use[..., None], joints, np.inf).min(axis=1)
    high = np.where(use[..., None], joints, -np.inf).max(axis=1)
    center = (low + high) / 2.0
    if not np.isfinite(margin) or margin <= 0:
        raise ValueError(f"margin must be a finite number > 0, got {margin}")
    side = np.maximum((high - low).max(axis=1), 1.0) * margin
    return center, side / BOX_PIXELS


def torso_size(joints: np.ndarray) -> np.ndarray:
    """PCK normaliser of LSP: max(|l_shoulder - r_hip|, |r_shoulder - l_hip|), (N, 14, 2) -> (N,)."""
    diagonal_1 = np.linalg.norm(joints[:, 9] - joints[:, 2], axis=-1)
    diagonal_2 = np.linalg.norm(joints[:, 8] - joints[:, 3], axis=-1)
    return np.maximum(diagonal_1, diagonal_2)


class _LSPFamily(PoseDataset):
    """LSP-style dataset: 14 joints, one person per image, names ``im<number>.jpg``."""

    def __init__(self, root, joints, visible, image_numbers, digits, input_size, augment,
                 box_margin: float = BOX_MARGIN) -> None:
        center, scale = box_from_joints(joints, visible, box_margin)
        self.box_margin = float(box_margin)
        super().__init__(joints, visible, torso_size(joints), center, scale, LSP_FLIP_PAIRS, input_size, augment)
        self.root = Path(root)
        self.image_names = [f"im{number:0{digits}d}.jpg" for number in image_numbers]

    def _load_image(self, index: int):
        return read_image(self.root / "images" / self.image_names[index])


class LSPDataset(_LSPFamily):
    """LSP: ``split="train"`` is the first half (1000 images), ``"test"`` the second half.

    Parameters
    ----------
    root : path
        Folder holding ``joints.mat`` and ``images/``.
    split : {"train", "test", "all"}
    input_size : int
    augment : bool
    box_margin : float
        Person box side over the joints' bounding box (:func:`box_from_joints`).
    """

    def __init__(self, root, split: str = "train", input_size: int = 256, augment: bool = False,
                 box_margin: float = BOX_MARGIN) -> None:
        joints, visible = load_lsp_joints(Path(root) / "joints.mat")
        count = len(joints)
        half = count // 2
        ranges = {"train": range(0, half), "test": range(half, count), "all": range(0, count)}
        if split not in ranges:
            raise ValueError(f"split must be one of {sorted(ranges)}, got {split!r}")
        rows = np.asarray(ranges[split], dtype=np.int64)
        self.split = split
        super().__init__(root, joints[rows], visible[rows], rows + 1, 4, input_size, augment, box_margin)


class LSPETDataset(_LSPFamily):
    """LSPET (10000 images), the shifted pool. See :class:`LSPDataset` for parameters."""

    def __init__(self, root, input_size: int = 256, augment: bool = False, box_margin: float = BOX_MARGIN) -> None:
        joints, visible = load_lspet_joints(Path(root) / "joints.mat")
        numbers = np.arange(1, len(joints) + 1)
        super().__init__(root, joints, visible, numbers, 5, input_size, augment, box_margin)
