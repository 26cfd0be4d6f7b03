"""The sample pipeline shared by every pose dataset: crop, augment, heatmap targets."""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from PIL import Image

from .transforms import (
    AugmentParams,
    AugmentSpec,
    affine_points,
    compose_affine,
    crop_matrix,
    flip_permutation,
    gaussian_heatmaps,
    heatmap_matrix,
    heatmap_to_original,
    sample_augmentation,
    shift_matrix,
    warp_image,
)

__all__ = ["PoseDataset", "read_image"]


def read_image(path: Path) -> Image.Image:
    """Open an RGB image, raising ``FileNotFoundError`` that names the missing file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"image file not found: {path}")
    with Image.open(path) as image:
        return image.convert("RGB")


class PoseDataset(torch.utils.data.Dataset, ABC):
    """Base class: labels as arrays, images loaded lazily by ``_load_image``.

    Subclasses fill the label arrays and implement ``_load_image(index)``.

    Parameters
    ----------
    joints : ndarray (N, J, 2)
        Joint ``(x, y)`` in original image pixels (0 where unannotated).
    visible : ndarray (N, J) bool
        The dataset's visibility flag; invisible joints get an all-zero target.
    norm : ndarray (N,)
        PCK normaliser (head size for MPII, torso size for LSP).
    center : ndarray (N, 2)
        Person box centre in original pixels.
    scale : ndarray (N,)
        Person box side / 200 px.
    flip_pairs : sequence of (int, int)
        Left/right joint index pairs swapped by a horizontal flip.
    input_size : int
        Network input side ``S`` (a multiple of 64: 128 tiny preset, 256 paper).
    augment : bool
        Random rotation, scale and flip (see :func:`~pose.data.transforms.sample_augmentation`).

    Notes
    -----
    A sample is a dict with

    * ``image`` float32 Tensor (3, S, S), RGB scaled to [0, 1] (no mean/std normalisation);
    * ``target`` float32 Tensor (J, S/4, S/4), Gaussian heatmaps peaking at 1;
    * ``visible`` float32 Tensor (J,), 1 where the target carries a joint (labelled visible
      *and* inside the crop), in the possibly flipped label order of ``target``;
    * ``joints`` float32 Tensor (J, 2), the raw annotation in original image coordinates;
    * ``center`` float32 Tensor (2,), ``scale`` float, ``norm`` float, ``index`` int;
    * ``affine`` float32 Tensor (2, 3), original -> heatmap pixels for *this* sample
      (augmentation included), so augmented predictions can be mapped back exactly.

    Augmentation draws from torch's global generator, so it follows ``torch.manual_seed`` and
    DataLoader worker seeding instead of repeating a copied numpy state in every worker.
    """

    def __init__(
        self,
        joints: np.ndarray,
        visible: np.ndarray,
        norm: np.ndarray,
        center: np.ndarray,
        scale: np.ndarray,
        flip_pairs: Sequence[tuple[int, int]],
        input_size: int,
        augment: bool,
    ) -> None:
        if input_size <= 0 or input_size % 64:
            raise ValueError(f"input_size must be a positive multiple of 64 (128 or 256), got {input_size}")
        self.joints = np.asarray(joints, dtype=np.float64)
        self.visible = np.asarray(visible, dtype=bool)
        self.norm = np.asarray(norm, dtype=np.float64)
        self.center = np.asarray(center, dtype=np.float64)
        self.scale = np.asarray(scale, dtype=np.float64)
        self.flip_pairs = tuple(tuple(pair) for pair in flip_pairs)
        self.num_joints = self.joints.shape[1]
        self.input_size = int(input_size)
        self.heatmap_size = self.input_size // 4
        self.augment = bool(augment)
        self._flip_perm = flip_permutation(self.num_joints, self.flip_pairs)
        self._to_heatmap = heatmap_matrix(self.input_size, self.heatmap_size)

    def __len__(self) -> int:
        return len(self.joints)

    @abstractmethod
    def _load_image(self, index: int) -> Image.Image | np.ndarray:
        """Original image of sample ``index`` as PIL RGB or (H, W, 3) uint8."""

    #: Target value at the joint and support of the Gaussian (None: the whole map), and the ranges the
    #: training augmentation draws from; :meth:`use_protocol` sets them from a :class:`pose.protocol.Protocol`.
    heatmap_peak: float = 1.0
    heatmap_window: int | None = None
    #: Gaussian sigma of the targets in heatmap pixels; None: :func:`heatmap_sigma` (1.75 px at 64 x 64, scaled).
    heatmap_sigma: float | None = None
    augment_spec: AugmentSpec = AugmentSpec()
    #: Training draw U(a, b) of the person-box margin (boxes built from joints with margin ``box_margin``).
    box_margin_train: tuple[float, float] | None = None

    def use_protocol(self, protocol) -> None:
        """Heatmap targets (peak, window) and augmentation (rotation, zoom, flips, shift, and for boxes built
        from the joints the training margin draw) of ``protocol``."""
        from ..protocol import augment_spec

        self.heatmap_peak, self.heatmap_window = float(protocol.heatmap_peak), protocol.heatmap_window
        self.augment_spec = augment_spec(protocol)
        if hasattr(self, "box_margin") and protocol.box_margin_train is not None:
            self.box_margin_train = tuple(float(v) for v in protocol.box_margin_train)

    def _augmentation(self) -> AugmentParams:
        if not self.augment:
            return AugmentParams()
        seed = int(torch.randint(0, 2**62, ()).item())
        rng = np.random.default_rng(seed)
        params = sample_augmentation(rng, self.augment_spec)
        if self.box_margin_train is not None:  # drawn after the others: other specs keep their stream
            low, high = self.box_margin_train
            margin = low + rng.random() * (high - low)
            params = dataclasses.replace(params, scale_factor=params.scale_factor * margin / self.box_margin)
        return params

    def __getitem__(self, index: int) -> dict:
        index = int(index)
        if not 0 <= index < len(self):
            raise IndexError(f"index {index} out of range for dataset of length {len(self)}")
        params = self._augmentation()
        matrix = crop_matrix(
            self.center[index],
            self.scale[index] * params.scale_factor,
            self.input_size,
            params.rotation,
            params.flip,
        )
        if params.shift != (0.0, 0.0):
            matrix = compose_affine(matrix, shift_matrix(params.shift, self.input_size))
        image = self._load_image(index)
        size = image.size if isinstance(image, Image.Image) else image.shape[1::-1]
        identity = np.allclose(matrix, [[1, 0, 0], [0, 1, 0]], atol=1e-9)
        if identity and tuple(size) == (self.input_size, self.input_size):
            # Synthetic samples are rendered already cropped: skip a no-op resampling.
            crop = np.asarray(image, dtype=np.uint8)
        else:
            crop = warp_image(image, matrix, self.input_size)

        to_heatmap = compose_affine(matrix, self._to_heatmap)
        points = affine_points(self.joints[index], to_heatmap)
        visible = self.visible[index]
        if params.flip:
            # The mirrored person's left limbs now look like right limbs: relabel.
            points, visible = points[self._flip_perm], visible[self._flip_perm]
        target, inside = gaussian_heatmaps(points, visible, self.heatmap_size, sigma=self.heatmap_sigma,
                                           peak=self.heatmap_peak, window=self.heatmap_window)

        return {
            # numpy, not torch ops: a per-sample torch op pays thread-pool overhead in workers.
            "image": torch.from_numpy(crop.transpose(2, 0, 1).astype(np.float32) / np.float32(255.0)),
            "target": torch.from_numpy(target),
            "visible": torch.from_numpy(inside.astype(np.float32)),
            "joints": torch.from_numpy(self.joints[index].astype(np.float32)),
            "center": torch.from_numpy(self.center[index].astype(np.float32)),
            "scale": float(self.scale[index]),
            "norm": float(self.norm[index]),
            "index": index,
            "affine": torch.from_numpy(to_heatmap.astype(np.float32)),
        }

    def to_original(self, coords, indices) -> np.ndarray | torch.Tensor:
        """Map heatmap-pixel predictions of un-augmented samples to original coordinates.

        Parameters
        ----------
        coords : Tensor or ndarray (B, J, 2)
            E.g. :func:`~pose.data.transforms.heatmap_argmax` of the network output.
        indices : sequence of int (B,)
            Dataset indices of the samples.

        Returns
        -------
        Tensor or ndarray (B, J, 2)
            Same type as ``coords`` (float32 tensor or float64 array).
        """
        is_tensor = isinstance(coords, torch.Tensor)
        values = coords.detach().cpu().numpy() if is_tensor else np.asarray(coords)
        indices = np.asarray(indices.cpu() if isinstance(indices, torch.Tensor) else indices, dtype=np.int64)
        original = heatmap_to_original(
            values, self.center[indices], self.scale[indices], self.input_size, self.heatmap_size
        )
        return torch.from_numpy(original.astype(np.float32)) if is_tensor else original
