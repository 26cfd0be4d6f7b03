"""Crops, augmentation and heatmap targets shared by every pose dataset.

Coordinate convention (all functions here and all datasets follow it):

* points are ``(x, y)`` with ``x`` to the right and ``y`` down;
* pixel ``(row i, column j)`` of an image *or* a heatmap has its centre at ``(x=j, y=i)``,
  so an image of width ``W`` spans ``x`` in ``[-0.5, W - 0.5]``;
* a person box is given MPII-style by a centre ``c`` (2,) and a ``scale`` ``s``: the square of
  side ``200 * s`` pixels centred on ``c`` is mapped edge to edge onto the ``S x S`` network
  input, so ``c`` lands on ``((S - 1) / 2, (S - 1) / 2)``;
* heatmap pixel ``u`` of an ``h x h`` map covers the ``r = S / h`` input pixels
  ``[r u, r u + r)``, so its centre is input coordinate ``r u + (r - 1) / 2``.

The convention is exact at every resolution, so cropping and back-projection are inverse
affine maps (no half-pixel drift between the 256 px input and the 64 px heatmap).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch
from PIL import Image

__all__ = [
    "BOX_PIXELS",
    "HEATMAP_SIGMA_64",
    "ROTATION_RANGE",
    "SCALE_RANGE",
    "FLIP_PROBABILITY",
    "AugmentParams",
    "sample_augmentation",
    "AugmentSpec",
    "shift_matrix",
    "crop_matrix",
    "heatmap_matrix",
    "compose_affine",
    "invert_affine",
    "affine_points",
    "warp_image",
    "crop_affine",
    "flip_permutation",
    "heatmap_sigma",
    "gaussian_heatmaps",
    "heatmap_argmax",
    "heatmap_to_original",
]

#: MPII convention: ``scale`` is the side of the person box in units of 200 px.
BOX_PIXELS = 200.0
#: Gaussian width on a 64 x 64 heatmap, as in the authors' code
#: (meghshukla/ActiveLearningForHumanPose, ``draw_heatmap(sigma=1.75)``).
HEATMAP_SIGMA_64 = 1.75
#: Augmentation ranges of the stacked-hourglass recipe (Newell et al. 2016).
ROTATION_RANGE = 30.0
SCALE_RANGE = (0.75, 1.25)
FLIP_PROBABILITY = 0.5


@dataclass(frozen=True)
class AugmentParams:
    """One draw of the geometric augmentation.

    Attributes
    ----------
    rotation : float
        Degrees; positive turns the crop content counter-clockwise on screen.
    scale_factor : float
        Multiplies the person box side: > 1 zooms out, < 1 zooms in.
    flip : bool
        Mirror the crop horizontally and swap left/right joint labels.
    shift : (float, float)
        Translation of the crop content, fractions of the crop side (:func:`shift_matrix`).
    """

    rotation: float = 0.0
    scale_factor: float = 1.0
    flip: bool = False
    shift: tuple[float, float] = (0.0, 0.0)


@dataclass(frozen=True)
class AugmentSpec:
    """Ranges :func:`sample_augmentation` draws from.

    Defaults are the stacked-hourglass recipe (rotation ±30°, zoom 0.75–1.25, flip p = 0.5,
    no shift). The authors' albumentations ``ShiftScaleRotate(shift_limit=0.15,
    scale_limit=0.25, rotate_limit=60)`` without flips is
    ``AugmentSpec(rotation=60, scale_range=(0.75, 1.25), flip_probability=0, shift=0.15)``.

    Attributes
    ----------
    rotation : float, >= 0
        Rotation drawn from U(−rotation, rotation) degrees.
    scale_range : (float, float), 0 < low <= high
    flip_probability : float in [0, 1]
    shift : float in [0, 1)
        Each axis shifted by U(−shift, shift) × the crop side.
    """

    rotation: float = ROTATION_RANGE
    scale_range: tuple[float, float] = SCALE_RANGE
    flip_probability: float = FLIP_PROBABILITY
    shift: float = 0.0

    def __post_init__(self):
        low, high = self.scale_range
        if not (0 < low <= high):
            raise ValueError(f"scale_range must satisfy 0 < low <= high, got {self.scale_range}")
        if not self.rotation >= 0:
            raise ValueError(f"rotation must be >= 0, got {self.rotation}")
        if not 0 <= self.flip_probability <= 1:
            raise ValueError(f"flip_probability must be in [0, 1], got {self.flip_probability}")
        if not 0 <= self.shift < 1:
            raise ValueError(f"shift must be in [0, 1), got {self.shift}")


def sample_augmentation(rng: np.random.Generator, spec: AugmentSpec = AugmentSpec()) -> AugmentParams:
    """Draw rotation, scale and flip (and, when ``spec.shift > 0``, a shift) from ``spec``.

    With the default spec: rotation U(-30, 30) deg, scale U(0.75, 1.25) and a fair-coin flip;
    the shift draw comes after the first three, so specs without shift keep the same stream.
    """
    rotation, scale_factor, flip = rng.random(3)
    low, high = spec.scale_range
    shift = (0.0, 0.0)
    if spec.shift > 0:
        dx, dy = rng.random(2)
        shift = (float((2.0 * dx - 1.0) * spec.shift), float((2.0 * dy - 1.0) * spec.shift))
    return AugmentParams(
        rotation=float((2.0 * rotation - 1.0) * spec.rotation),
        scale_factor=float(low + scale_factor * (high - low)),
        flip=bool(flip < spec.flip_probability),
        shift=shift,
    )


def shift_matrix(shift: Sequence[float], output_size: int) -> np.ndarray:
    """(2, 3) translation by ``shift × output_size`` pixels; compose after :func:`crop_matrix`.

    Examples
    --------
    >>> shift_matrix((0.25, -0.5), 8).tolist()
    [[1.0, 0.0, 2.0], [0.0, 1.0, -4.0]]
    """
    dx, dy = (float(v) * output_size for v in shift)
    return np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]])


def _as_3x3(matrix: np.ndarray) -> np.ndarray:
    full = np.eye(3)
    full[:2] = matrix
    return full


def compose_affine(*matrices: np.ndarray) -> np.ndarray:
    """Compose (2, 3) affine maps; the *first* argument is applied first."""
    total = np.eye(3)
    for matrix in matrices:
        total = _as_3x3(np.asarray(matrix, dtype=np.float64)) @ total
    return total[:2]


def invert_affine(matrix: np.ndarray) -> np.ndarray:
    """Inverse of a (2, 3) affine map, returned as (2, 3)."""
    return np.linalg.inv(_as_3x3(np.asarray(matrix, dtype=np.float64)))[:2]


def affine_points(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Apply a (2, 3) affine map to points of shape (..., 2); returns float64 (..., 2)."""
    points = np.asarray(points, dtype=np.float64)
    matrix = np.asarray(matrix, dtype=np.float64)
    return points @ matrix[:, :2].T + matrix[:, 2]


def crop_matrix(
    center: Sequence[float],
    scale: float,
    output_size: int,
    rotation: float = 0.0,
    flip: bool = False,
) -> np.ndarray:
    """Affine map from original image coordinates to crop coordinates.

    The square of side ``200 * scale`` px centred on ``center`` fills the
    ``output_size x output_size`` crop (module docstring gives the pixel convention).

    Parameters
    ----------
    center : (2,) array_like
        Box centre ``(x, y)`` in original pixels.
    scale : float
        Box side / 200 px, > 0.
    output_size : int
        Crop side ``S`` in pixels.
    rotation : float
        Degrees, counter-clockwise on screen, about the box centre.
    flip : bool
        Mirror the crop horizontally (``x -> S - 1 - x``).

    Returns
    -------
    ndarray (2, 3)
        ``crop_point = M[:, :2] @ point + M[:, 2]``.

    Examples
    --------
    >>> matrix = crop_matrix((300.0, 200.0), 1.0, 256)
    >>> affine_points([[300.0, 200.0], [200.0, 100.0]], matrix).tolist()
    [[127.5, 127.5], [-0.5, -0.5]]
    """
    if not scale > 0:
        raise ValueError(f"scale must be > 0, got {scale}")
    zoom = output_size / (BOX_PIXELS * float(scale))
    theta = np.deg2rad(rotation)
    cos, sin = np.cos(theta), np.sin(theta)
    # With y pointing down, this matrix turns content counter-clockwise as seen on screen.
    linear = zoom * np.array([[cos, sin], [-sin, cos]])
    mid = (output_size - 1) / 2.0
    offset = np.array([mid, mid]) - linear @ np.asarray(center, dtype=np.float64)
    matrix = np.concatenate([linear, offset[:, None]], axis=1)
    if flip:
        matrix = compose_affine(matrix, np.array([[-1.0, 0.0, output_size - 1.0], [0.0, 1.0, 0.0]]))
    return matrix


def heatmap_matrix(input_size: int, heatmap_size: int) -> np.ndarray:
    """Affine map (2, 3) from input-pixel to heatmap-pixel coordinates."""
    ratio = input_size / heatmap_size
    shift = (ratio - 1.0) / 2.0
    return np.array([[1.0 / ratio, 0.0, -shift / ratio], [0.0, 1.0 / ratio, -shift / ratio]])


def warp_image(image: Image.Image | np.ndarray, matrix: np.ndarray, output_size: int) -> np.ndarray:
    """Resample ``image`` through a (2, 3) affine map with bilinear interpolation.

    Parameters
    ----------
    image : PIL.Image or ndarray (H, W, 3) uint8
    matrix : ndarray (2, 3)
        Original -> output coordinates (pixel centres at integers).
    output_size : int

    Returns
    -------
    ndarray (output_size, output_size, 3) uint8
        Pixels falling outside the source image are black.
    """
    if not isinstance(image, Image.Image):
        image = Image.fromarray(np.ascontiguousarray(image, dtype=np.uint8))
    inverse = invert_affine(matrix)
    linear, offset = inverse[:, :2], inverse[:, 2]
    # PIL samples at pixel *edges* + 0.5 (pixel i spans [i, i+1)); shift our centre-based
    # map by half a pixel on both sides so both conventions describe the same geometry.
    pil_offset = offset + 0.5 - 0.5 * linear.sum(axis=1)
    data = (linear[0, 0], linear[0, 1], pil_offset[0], linear[1, 0], linear[1, 1], pil_offset[1])
    warped = image.transform(
        (output_size, output_size), Image.Transform.AFFINE, data, resample=Image.Resampling.BILINEAR
    )
    return np.asarray(warped.convert("RGB"))


def crop_affine(
    image: Image.Image | np.ndarray,
    center: Sequence[float],
    scale: float,
    output_size: int,
    rotation: float = 0.0,
    flip: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Crop the person box to ``output_size`` px.

    Returns
    -------
    crop : ndarray (output_size, output_size, 3) uint8
    matrix : ndarray (2, 3)
        The original -> crop map used, see :func:`crop_matrix`.
    """
    matrix = crop_matrix(center, scale, output_size, rotation, flip)
    return warp_image(image, matrix, output_size), matrix


def flip_permutation(num_joints: int, flip_pairs: Sequence[tuple[int, int]]) -> np.ndarray:
    """Index array (J,) that swaps every left/right pair: ``flipped = joints[perm]``.

    Examples
    --------
    >>> flip_permutation(4, [(0, 3)]).tolist()
    [3, 1, 2, 0]
    """
    perm = np.arange(num_joints)
    for left, right in flip_pairs:
        perm[left], perm[right] = right, left
    return perm


def heatmap_sigma(heatmap_size: int) -> float:
    """Gaussian sigma in heatmap pixels: 1.75 px at 64 x 64, scaled linearly with the size.

    Scaling keeps the blob the same width *relative to the image*, so the tiny preset
    (32 x 32 maps) learns the same target shape as the paper's 64 x 64 maps.

    Examples
    --------
    >>> heatmap_sigma(64), heatmap_sigma(32)
    (1.75, 0.875)
    """
    return HEATMAP_SIGMA_64 * heatmap_size / 64.0


def gaussian_heatmaps(
    points: np.ndarray,
    visible: np.ndarray,
    size: int,
    sigma: float | None = None,
    peak: float = 1.0,
    window: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian targets ``peak · exp(-d^2 / (2 sigma^2))`` centred at sub-pixel points.

    ``window=None`` draws the Gaussian over the whole map; an odd ``window = w``
    keeps only the ``w × w`` pixels centred on the rounded joint (``np.rint``),
    zero elsewhere: the authors' ``draw_heatmap`` uses ``w = ceil(6σ)`` made odd
    (11 at σ = 1.75) and ``peak = 30`` (``hm_peak``).

    Parameters
    ----------
    points : ndarray (J, 2)
        Joint locations in heatmap pixel coordinates.
    visible : ndarray (J,) bool
    size : int
        Heatmap side ``h``.
    sigma : float, optional
        Defaults to :func:`heatmap_sigma` ``(size)``.
    peak : float, > 0
        Value at the joint (1 standard, 30 the authors).
    window : int or None, odd, >= 1
        Side of the square support around the rounded joint; None: unbounded.

    Returns
    -------
    heatmaps : ndarray (J, size, size) float32
        Value ``peak`` at the joint; all zeros for joints that are invisible or fall
        outside the map (``[-0.5, size - 0.5)`` in either axis).
    inside : ndarray (J,) bool
        ``visible`` and inside the map: the joints that carry supervision.
    """
    points = np.asarray(points, dtype=np.float64)
    sigma = heatmap_sigma(size) if sigma is None else float(sigma)
    peak = float(peak)
    if not (np.isfinite(peak) and peak > 0):
        raise ValueError(f"peak must be finite and > 0, got {peak}")
    if window is not None and (int(window) != window or window < 1 or window % 2 == 0):
        raise ValueError(f"window must be None or an odd integer >= 1, got {window!r}")
    inside = (
        np.asarray(visible, dtype=bool)
        & np.all(np.isfinite(points), axis=1)
        & np.all((points >= -0.5) & (points < size - 0.5), axis=1)
    )
    grid = np.arange(size, dtype=np.float64)
    safe = np.where(inside[:, None], points, 0.0)
    # Separable: exp(-(dx^2 + dy^2)/2s^2) = exp(-dx^2/2s^2) exp(-dy^2/2s^2), O(J h) exps.
    gx = np.exp(-((grid[None, :] - safe[:, 0:1]) ** 2) / (2.0 * sigma**2))
    gy = np.exp(-((grid[None, :] - safe[:, 1:2]) ** 2) / (2.0 * sigma**2))
    if window is not None:
        # The window is separable too: |x - rint(px)| <= w // 2 and the same in y.
        half = int(window) // 2
        gx = np.where(np.abs(grid[None, :] - np.rint(safe[:, 0:1])) <= half, gx, 0.0)
        gy = np.where(np.abs(grid[None, :] - np.rint(safe[:, 1:2])) <= half, gy, 0.0)
    heatmaps = (peak * gy[:, :, None] * gx[:, None, :]).astype(np.float32)
    heatmaps[~inside] = 0.0
    return heatmaps, inside


def heatmap_argmax(heatmaps: torch.Tensor | np.ndarray) -> torch.Tensor | np.ndarray:
    """Peak location of each heatmap with the quarter-pixel refinement.

    The integer argmax is moved 0.25 px towards the larger of its two neighbours along each
    axis (Newell et al.'s decoding), halving the quantisation error of the argmax.

    Parameters
    ----------
    heatmaps : Tensor or ndarray (B, J, h, w)

    Returns
    -------
    Tensor or ndarray (B, J, 2)
        ``(x, y)`` in heatmap pixel coordinates, float32, same type as the input.

    Examples
    --------
    >>> maps, _ = gaussian_heatmaps(np.array([[10.3, 7.8]]), np.array([True]), 32)
    >>> heatmap_argmax(maps[None]).tolist()
    [[[10.25, 7.75]]]
    """
    as_numpy = isinstance(heatmaps, np.ndarray)
    maps = torch.as_tensor(heatmaps).detach().float()
    if maps.dim() != 4:
        raise ValueError(f"heatmaps must be (B, J, h, w), got shape {tuple(maps.shape)}")
    batch, joints, height, width = maps.shape
    flat = maps.reshape(batch, joints, -1)
    index = flat.argmax(dim=-1)
    x = index % width
    y = index // width

    def value(xx: torch.Tensor, yy: torch.Tensor) -> torch.Tensor:
        xx = xx.clamp(0, width - 1)
        yy = yy.clamp(0, height - 1)
        return flat.gather(-1, (yy * width + xx).unsqueeze(-1)).squeeze(-1)

    # Border peaks have one neighbour only; they keep their integer location.
    dx = torch.sign(value(x + 1, y) - value(x - 1, y)) * ((x > 0) & (x < width - 1))
    dy = torch.sign(value(x, y + 1) - value(x, y - 1)) * ((y > 0) & (y < height - 1))
    coords = torch.stack([x.float() + 0.25 * dx, y.float() + 0.25 * dy], dim=-1)
    return coords.numpy() if as_numpy else coords


def heatmap_to_original(
    coords: np.ndarray,
    center: np.ndarray,
    scale: np.ndarray,
    input_size: int,
    heatmap_size: int,
) -> np.ndarray:
    """Map heatmap-pixel coordinates back to original image coordinates.

    Inverse of ``heatmap_matrix @ crop_matrix(center, scale, input_size)`` (no rotation or
    flip: predictions are made on un-augmented crops).

    Parameters
    ----------
    coords : ndarray (B, J, 2)
    center : ndarray (B, 2)
    scale : ndarray (B,)
    input_size, heatmap_size : int

    Returns
    -------
    ndarray (B, J, 2) float64
    """
    coords = np.asarray(coords, dtype=np.float64)
    center = np.asarray(center, dtype=np.float64).reshape(-1, 1, 2)
    scale = np.asarray(scale, dtype=np.float64).reshape(-1, 1, 1)
    ratio = input_size / heatmap_size
    crop = ratio * coords + (ratio - 1.0) / 2.0
    return (crop - (input_size - 1) / 2.0) * (BOX_PIXELS * scale / input_size) + center
