"""PCK and PCKh on numpy arrays, at one threshold or over a threshold grid.

A visible joint is correct when ``‖pred − gt‖ ≤ threshold · normaliser`` of
its image (``boundary="le"``; ``"lt"`` uses ``<``). Normalisers: MPII head
size (official: 0.6 × head-box diagonal, threshold 0.5) and LSP torso size
(threshold 0.2).

Totals (``total``)
------------------
- ``"official"`` (MPII default): correct / visible pooled over the 14 joints
  the MPII evaluation reports, pelvis and thorax left out, i.e. the per-joint
  PCKh weighted by joint counts (MATLAB ``evaluatePCKh``, HRNet, mmpose
  ``TopDownMpiiDataset``: ``PCKh.mask[6:8]``, ``jnt_ratio``).
- ``"all"`` (LSP default; MPII option): the same pooled over every joint.
- ``"mean_of_joints"``: the unweighted mean of per-joint PCKs over every joint
  (the authors' ``evaluation.py``).

Boundaries: the official MPII MATLAB code (``computePCK``: ``d <= range``),
HRNet and mmpose 0.x's MPII evaluation use ``≤``; mmpose's generic
``keypoint_pck_accuracy`` (used by its 1.x ``PCKAccuracy`` / ``MpiiPCKAccuracy``
curve) and the authors' ``evaluation.py`` (``distance < th``) use ``<``.

Conventions
-----------
- ``per_joint`` and ``per_image`` are correct / visible per joint / per image;
  a joint or image never visible gets NaN (as does ``mean`` when nothing
  counted is visible).
- A zero normaliser is allowed (e.g. a degenerate torso): ``≤ 0`` then counts
  only exact hits, ``< 0`` none. Negative, NaN or infinite normalisers raise
  ``ValueError``.
- Ground truth must be finite at visible joints; a non-finite prediction
  counts as incorrect.

Other differences from the authors' evaluation (meghshukla/
ActiveLearningForHumanPose ``evaluation.py``, ``dataloader.py``), selected by
``protocol: authors`` where reproduced (see :mod:`pose.protocol`): they
normalise MPII by the raw head-box diagonal (no 0.6), move the MPII head
annotation 20 % towards the neck (``lambda_head: 0.8``), drop occluded joints
(paper era) and report a curve on ``np.linspace(0, 1, 20)``
(:data:`AUTHORS_THRESHOLDS`), a grid that contains neither 0.5 nor 0.2.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "PCKResult", "PCKCurve", "pck", "pckh", "pck_curve", "plot_pck_curves", "mpii_head_size", "lsp_torso_size",
    "LSP_JOINTS", "TOTALS", "BOUNDARIES", "MPII_OFFICIAL_EXCLUDED", "MPII_THRESHOLDS", "AUTHORS_THRESHOLDS",
]

#: Ways to reduce per-joint results to one number (see the module docstring).
TOTALS = ("official", "all", "mean_of_joints")
#: Correctness boundary: ``"le"`` is ``distance ≤ t · norm``, ``"lt"`` is ``<``.
BOUNDARIES = ("le", "lt")
#: MPII joints (annotation ids) the official total leaves out: pelvis 6, thorax 7.
MPII_OFFICIAL_EXCLUDED = (6, 7)
#: The official MPII PCKh curve grid, 0 to 0.5 in steps of 0.01 (MATLAB ``range = 0:0.01:0.5``).
MPII_THRESHOLDS = np.round(np.arange(51) * 0.01, 2)
#: The authors' curve grid, ``np.linspace(0, 1, num=20)``.
AUTHORS_THRESHOLDS = np.linspace(0.0, 1.0, num=20)

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
        The ``total`` (see the module docstring), a fraction in [0, 1]; NaN if
        no counted joint is visible.
    per_joint : ndarray (J,)
        Per-joint ratio, NaN for a joint never visible.
    per_image : ndarray (N,)
        Per-image ratio, NaN for an image with no visible joint.
    correct : ndarray (N, J) of bool
        Correct and visible.
    threshold : float
    total : str
    boundary : str
    """

    mean: float
    per_joint: np.ndarray
    per_image: np.ndarray
    correct: np.ndarray
    threshold: float
    total: str = "all"
    boundary: str = "le"


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def _points(value, name: str) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim != 3 or arr.shape[2] != 2:
        raise ValueError(f"{name} must have shape (N, J, 2), got {arr.shape}")
    return arr


def _inputs(pred, gt, visible, norm):
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
    if not np.all(np.isfinite(gt[vis])):
        raise ValueError("gt must be finite at visible joints")
    return np.linalg.norm(pred - gt, axis=2), vis, norm


def _counted_joints(total: str, num_joints: int) -> np.ndarray:
    if total not in TOTALS:
        raise ValueError(f"total must be one of {TOTALS}, got {total!r}")
    counted = np.ones(num_joints, bool)
    if total == "official":
        if num_joints != 16:
            raise ValueError(f"total='official' is the MPII 16-joint protocol, got {num_joints} joints; use 'all'")
        counted[list(MPII_OFFICIAL_EXCLUDED)] = False
    return counted


def _total(correct: np.ndarray, vis: np.ndarray, counted: np.ndarray, total: str) -> float:
    if total == "mean_of_joints":
        per_joint = _ratio(correct.sum(axis=0), vis.sum(axis=0))
        return float(np.nanmean(per_joint)) if np.any(np.isfinite(per_joint)) else float("nan")
    n_vis = int(vis[:, counted].sum())
    return float(correct[:, counted].sum() / n_vis) if n_vis else float("nan")


def _check_threshold(threshold) -> float:
    threshold = float(threshold)
    if not (np.isfinite(threshold) and threshold >= 0):
        raise ValueError(f"threshold must be finite and >= 0, got {threshold}")
    return threshold


def _correct(dist, vis, norm, threshold: float, boundary: str) -> np.ndarray:
    limit = threshold * norm[:, None]
    with np.errstate(invalid="ignore"):
        # NaN distances (non-finite predictions) compare False: incorrect.
        return vis & ((dist <= limit) if boundary == "le" else (dist < limit))


def pck(pred, gt, visible, norm, threshold: float = 0.2, total: str = "all", boundary: str = "le") -> PCKResult:
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
    total : {"official", "all", "mean_of_joints"}
        How :attr:`PCKResult.mean` reduces the joints ("official" needs J = 16, MPII order).
    boundary : {"le", "lt"}
        ``distance ≤ threshold · norm`` (official MPII) or ``<`` (the authors, mmpose's generic PCK).

    Returns
    -------
    PCKResult

    Examples
    --------
    >>> gt = np.zeros((1, 2, 2)); pred = np.array([[[0.0, 1.0], [0.0, 2.0]]])
    >>> pck(pred, gt, np.ones((1, 2), bool), [10.0], 0.2).mean
    1.0
    >>> pck(pred, gt, np.ones((1, 2), bool), [10.0], 0.2, boundary="lt").mean
    0.5
    """
    if boundary not in BOUNDARIES:
        raise ValueError(f"boundary must be one of {BOUNDARIES}, got {boundary!r}")
    dist, vis, norm = _inputs(pred, gt, visible, norm)
    counted = _counted_joints(total, vis.shape[1])
    threshold = _check_threshold(threshold)
    correct = _correct(dist, vis, norm, threshold, boundary)
    return PCKResult(
        mean=_total(correct, vis, counted, total),
        per_joint=_ratio(correct.sum(axis=0), vis.sum(axis=0)),
        per_image=_ratio(correct.sum(axis=1), vis.sum(axis=1)),
        correct=correct,
        threshold=threshold,
        total=total,
        boundary=boundary,
    )


def pckh(pred, gt, visible, head_size, threshold: float = 0.5, total: str = "official",
         boundary: str = "le") -> PCKResult:
    """MPII PCKh: :func:`pck` normalised by the head size; official protocol by default.

    Parameters
    ----------
    pred, gt : array_like (N, J, 2)
    visible : array_like (N, J) of bool
    head_size : array_like (N,)
        :func:`mpii_head_size` of the head boxes (already includes the 0.6).
    threshold : float
    total : {"official", "all", "mean_of_joints"}
        "official": 14 joints (pelvis, thorax excluded), count-weighted; needs J = 16.
    boundary : {"le", "lt"}

    Returns
    -------
    PCKResult
    """
    return pck(pred, gt, visible, head_size, threshold, total=total, boundary=boundary)


@dataclass
class PCKCurve:
    """PCK over a threshold grid (:func:`pck_curve`).

    Attributes
    ----------
    thresholds : ndarray (T,)
    total : ndarray (T,)
        The chosen total at each threshold, fraction in [0, 1].
    per_joint : ndarray (T, J)
    total_name, boundary : str
    """

    thresholds: np.ndarray
    total: np.ndarray
    per_joint: np.ndarray
    total_name: str
    boundary: str

    def to_csv(self, path, joint_names: Sequence[str] | None = None) -> Path:
        """Write ``threshold, total, <joint>...`` rows (percent, 4 decimals) atomically."""
        from gammaal.atomic import atomic_write_text

        names = list(joint_names) if joint_names is not None else [f"joint{j}" for j in range(self.per_joint.shape[1])]
        if len(names) != self.per_joint.shape[1]:
            raise ValueError(f"joint_names must have {self.per_joint.shape[1]} names, got {len(names)}")
        rows = [",".join(["threshold", f"total_{self.total_name}"] + names)]
        for t, tot, joints in zip(self.thresholds, self.total, self.per_joint):
            rows.append(",".join([f"{t:.6g}"] + [f"{100 * v:.4f}" for v in (tot, *joints)]))
        return atomic_write_text(path, "\n".join(rows) + "\n")


def pck_curve(pred, gt, visible, norm, thresholds=MPII_THRESHOLDS, total: str = "all",
              boundary: str = "le") -> PCKCurve:
    """:func:`pck` at every threshold of a grid (distances computed once).

    Parameters
    ----------
    pred, gt, visible, norm, total, boundary : see :func:`pck`.
    thresholds : array_like (T,), finite, >= 0
        Default :data:`MPII_THRESHOLDS`; the authors use :data:`AUTHORS_THRESHOLDS`.

    Returns
    -------
    PCKCurve

    Examples
    --------
    >>> gt = np.zeros((1, 2, 2)); pred = np.array([[[0.0, 1.0], [0.0, 3.0]]])
    >>> pck_curve(pred, gt, np.ones((1, 2), bool), [10.0], [0.1, 0.2, 0.3]).total.tolist()
    [0.5, 0.5, 1.0]
    """
    if boundary not in BOUNDARIES:
        raise ValueError(f"boundary must be one of {BOUNDARIES}, got {boundary!r}")
    dist, vis, norm = _inputs(pred, gt, visible, norm)
    counted = _counted_joints(total, vis.shape[1])
    grid = np.asarray(thresholds, dtype=np.float64)
    if grid.ndim != 1 or grid.size == 0 or not np.all(np.isfinite(grid) & (grid >= 0)):
        raise ValueError(f"thresholds must be a non-empty 1-d array of finite values >= 0, got {grid}")
    totals, per_joint = [], []
    for t in grid:
        correct = _correct(dist, vis, norm, float(t), boundary)
        totals.append(_total(correct, vis, counted, total))
        per_joint.append(_ratio(correct.sum(axis=0), vis.sum(axis=0)))
    return PCKCurve(grid, np.asarray(totals), np.stack(per_joint), total, boundary)


def plot_pck_curves(curves: Mapping[str, PCKCurve], path, metric: str = "PCKh") -> Path:
    """Plot the totals of labelled curves against the threshold into a PNG (matplotlib, Agg)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not curves:
        raise ValueError("curves must hold at least one labelled PCKCurve")
    fig, ax = plt.subplots(figsize=(5, 4))
    for label, curve in curves.items():
        ax.plot(curve.thresholds, 100 * curve.total, label=label)
    ax.set_xlabel(f"{metric} threshold")
    ax.set_ylabel(f"{metric} (%)")
    ax.grid(alpha=0.3)
    ax.legend()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path


def mpii_head_size(headboxes, factor: float = 0.6) -> np.ndarray:
    """MPII head size: ``factor`` × the head-box diagonal (official 0.6; the authors use 1).

    Parameters
    ----------
    headboxes : array_like (N, 2, 2)
        ``[[x1, y1], [x2, y2]]`` per image.
    factor : float, > 0
        ``SC_BIAS`` of the official evaluation (``Protocol.head_size_factor``).

    Returns
    -------
    ndarray (N,)

    Examples
    --------
    >>> float(mpii_head_size([[[0, 0], [30, 40]]])[0])
    30.0
    >>> float(mpii_head_size([[[0, 0], [30, 40]]], factor=1.0)[0])
    50.0
    """
    boxes = np.asarray(headboxes, dtype=np.float64)
    if boxes.ndim != 3 or boxes.shape[1:] != (2, 2):
        raise ValueError(f"headboxes must have shape (N, 2, 2), got {boxes.shape}")
    factor = float(factor)
    if not (np.isfinite(factor) and factor > 0):
        raise ValueError(f"factor must be finite and > 0, got {factor}")
    return factor * np.linalg.norm(boxes[:, 1] - boxes[:, 0], axis=1)


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
