"""PCK and PCKh on numpy arrays.

A visible joint is correct when ``‖pred − gt‖ ≤ threshold · normaliser`` of
its image. Normalisers: MPII head size (official: 0.6 × head-box diagonal,
threshold 0.5) and LSP torso size (threshold 0.2).

Conventions
-----------
- ``mean`` pools joints: correct visible joints / all visible joints.
  ``per_joint`` and ``per_image`` are the same ratio per joint / per image;
  a joint or image that is never visible gets NaN (as does ``mean`` when
  nothing is visible).
- A zero normaliser is allowed (e.g. a degenerate torso): the rule
  ``distance ≤ 0`` then counts only exact hits. Negative, NaN or infinite
  normalisers raise ``ValueError``.
- Ground truth must be finite at visible joints; a non-finite prediction
  counts as incorrect.

Protocol difference from the authors' evaluation (meghshukla/
ActiveLearningForHumanPose ``evaluation.py``, ``dataloader.py``): they
normalise MPII by the raw head-box diagonal (no 0.6), move the MPII head
annotation 20 % towards the neck (``lambda_head: 0.8``), drop occluded
joints, use ``distance < threshold`` and report a curve on
``np.linspace(0, 1, 20)``, a grid that contains neither 0.5 nor 0.2, so their
"PCKh@0.5" comes from a neighbouring grid point; their average is the mean of
per-joint PCKs.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["PCKResult", "pck", "pckh", "mpii_head_size", "lsp_torso_size", "LSP_JOINTS"]

LSP_JOINTS = (
    "rank", "rkne", "rhip", "lhip", "lkne", "lank", "rwri",
    "relb", "rsho", "lsho", "lelb", "lwri", "neck", "head",
)
"""LSP joint order (index → name); 0 right ankle ... 13 head top."""


@dataclass
class PCKResult:
    """Result of :func:`pck` / :func:`pckh`.

    Attributes
    ----------
    mean : float
        Correct visible joints / visible joints (NaN if none visible).
    per_joint : ndarray (J,)
        Per-joint ratio, NaN for a joint never visible.
    per_image : ndarray (N,)
        Per-image ratio, NaN for an image with no visible joint.
    correct : ndarray (N, J) of bool
        Correct and visible.
    threshold : float
    """

    mean: float
    per_joint: np.ndarray
    per_image: np.ndarray
    correct: np.ndarray
    threshold: float


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def _points(value, name: str) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim != 3 or arr.shape[2] != 2:
        raise ValueError(f"{name} must have shape (N, J, 2), got {arr.shape}")
    return arr


def pck(pred, gt, visible, norm, threshold: float = 0.2) -> PCKResult:
    """Percentage of correct keypoints with a per-image normaliser.

    Parameters
    ----------
    pred, gt : array_like (N, J, 2)
        Predicted and ground-truth joint coordinates (same units as ``norm``).
    visible : array_like (N, J) of bool
        Joints that count.
    norm : array_like (N,), finite and >= 0
        Per-image normaliser (LSP: :func:`lsp_torso_size`).
    threshold : float, >= 0
        Fraction of the normaliser (LSP: 0.2).

    Returns
    -------
    PCKResult

    Examples
    --------
    >>> gt = np.zeros((1, 2, 2)); pred = np.array([[[0.0, 1.0], [0.0, 3.0]]])
    >>> pck(pred, gt, np.ones((1, 2), bool), [10.0], 0.2).mean
    0.5
    """
    pred = _points(pred, "pred")
    gt = _points(gt, "gt")
    if pred.shape != gt.shape:
        raise ValueError(f"pred must have the shape of gt {gt.shape}, got {pred.shape}")
    n, j, _ = gt.shape
    vis = np.asarray(visible)
    if vis.shape != (n, j):
        raise ValueError(f"visible must have shape (N, J) = {(n, j)}, got {vis.shape}")
    if vis.dtype != bool:
        if not np.all((vis == 0) | (vis == 1)):
            raise ValueError("visible must be boolean (or 0/1)")
        vis = vis.astype(bool)
    norm = np.asarray(norm, dtype=np.float64)
    if norm.shape != (n,):
        raise ValueError(f"norm must have shape (N,) = {(n,)}, got {norm.shape}")
    if not np.all(np.isfinite(norm) & (norm >= 0)):
        raise ValueError("norm must be finite and >= 0 (NaN, inf or negative normaliser)")
    threshold = float(threshold)
    if not (np.isfinite(threshold) and threshold >= 0):
        raise ValueError(f"threshold must be finite and >= 0, got {threshold}")
    if not np.all(np.isfinite(gt[vis])):
        raise ValueError("gt must be finite at visible joints")
    dist = np.linalg.norm(pred - gt, axis=2)
    with np.errstate(invalid="ignore"):
        # NaN distances (non-finite predictions) compare False: incorrect.
        correct = vis & (dist <= threshold * norm[:, None])
    n_vis = int(vis.sum())
    mean = float(correct.sum() / n_vis) if n_vis else float("nan")
    return PCKResult(
        mean=mean,
        per_joint=_ratio(correct.sum(axis=0), vis.sum(axis=0)),
        per_image=_ratio(correct.sum(axis=1), vis.sum(axis=1)),
        correct=correct,
        threshold=threshold,
    )


def pckh(pred, gt, visible, head_size, threshold: float = 0.5) -> PCKResult:
    """MPII PCKh: :func:`pck` normalised by the head size (official protocol at 0.5).

    Parameters
    ----------
    pred, gt : array_like (N, J, 2)
    visible : array_like (N, J) of bool
    head_size : array_like (N,)
        :func:`mpii_head_size` of the head boxes (already includes the 0.6).
    threshold : float

    Returns
    -------
    PCKResult
    """
    return pck(pred, gt, visible, head_size, threshold)


def mpii_head_size(headboxes) -> np.ndarray:
    """Official MPII head size: 0.6 × the head-box diagonal.

    Parameters
    ----------
    headboxes : array_like (N, 2, 2)
        ``[[x1, y1], [x2, y2]]`` per image.

    Returns
    -------
    ndarray (N,)

    Examples
    --------
    >>> float(mpii_head_size([[[0, 0], [30, 40]]])[0])
    30.0
    """
    boxes = np.asarray(headboxes, dtype=np.float64)
    if boxes.ndim != 3 or boxes.shape[1:] != (2, 2):
        raise ValueError(f"headboxes must have shape (N, 2, 2), got {boxes.shape}")
    return 0.6 * np.linalg.norm(boxes[:, 1] - boxes[:, 0], axis=1)


def lsp_torso_size(gt) -> np.ndarray:
    """LSP torso size: ``max(‖lsho − rhip‖, ‖rsho − lhip‖)``.

    Joint order is :data:`LSP_JOINTS` (rhip 2, lhip 3, rsho 8, lsho 9).

    Parameters
    ----------
    gt : array_like (N, 14, 2)

    Returns
    -------
    ndarray (N,)

    Examples
    --------
    >>> g = np.zeros((1, 14, 2)); g[0, 9] = [0, 30]; g[0, 8] = [0, 40]
    >>> float(lsp_torso_size(g)[0])
    40.0
    """
    pts = _points(gt, "gt")
    if pts.shape[1] != 14:
        raise ValueError(f"gt must have 14 LSP joints, shape (N, 14, 2), got {pts.shape}")
    left = np.linalg.norm(pts[:, 9] - pts[:, 2], axis=1)
    right = np.linalg.norm(pts[:, 8] - pts[:, 3], axis=1)
    return np.maximum(left, right)
