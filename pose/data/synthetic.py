"""Procedural stick-figure people: the embedded default dataset (no download needed).

Each sample is an articulated human-like figure rendered straight into the ``S x S`` network
input: thick limbs in clothing colours with a lighter centre stripe, a head with a face cue
(eyes when the figure faces the camera, hair when it faces away, so left and right are
decidable as in real photographs), background clutter (rectangles, ellipses, lines over a
low-frequency colour field), pixel noise, and occluding rectangles drawn on top.

Conventions:

* sample ``i`` of ``seed`` is drawn from ``np.random.default_rng([seed, i])``: first the pose,
  proportions, colours and occluders (:func:`sample_figure`), then the background and noise
  (:func:`render_figure`). Labels therefore come from the first half alone, are identical
  whatever the access order, and are precomputed for all ``n`` without rendering;
* a joint hidden by an occluder, or outside the image, gets ``visible = 0`` (LSP's flag also
  marks occlusion; invisible joints receive no heatmap target, as in the authors' code);
* ``center = ((S - 1) / 2, (S - 1) / 2)`` and ``scale = S / 200``, so the un-augmented crop is
  the identity and original coordinates are input-pixel coordinates;
* ``norm`` is the LSP torso size for 14 joints, and for 16 joints the PCKh head size
  ``0.6 * sqrt(2) * |head_top - upper_neck|`` (0.6 x diagonal of the square head box);
* domain shift: ``"lsp"`` (shift 0) has upright, moderate poses, large figures and plain
  backgrounds; ``"lspet"`` (shift 1) has wide joint-angle spreads, inverted and rotated bodies,
  smaller and off-centre figures, busier backgrounds and more occluders. ``shift`` in [0, 1]
  interpolates every parameter of :class:`DomainParams` linearly.
"""

from __future__ import annotations

import io
import json
import warnings
import zipfile
import zlib
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from gammaal.atomic import atomic_write_bytes

from .base import PoseDataset
from .lsp import torso_size
from .skeleton import LSP_FLIP_PAIRS, MPII_FLIP_PAIRS, MPII_TO_LSP
from .transforms import BOX_PIXELS

__all__ = [
    "DomainParams",
    "LSP_DOMAIN",
    "LSPET_DOMAIN",
    "domain_params",
    "Figure",
    "sample_figure",
    "render_figure",
    "SyntheticPoseDataset",
]


@dataclass(frozen=True)
class DomainParams:
    """Generator settings of one domain (angles in degrees, sizes as fractions of ``S``)."""

    spine_sd: float  # spread of the spine around upright
    inverted_prob: float  # chance of an upside-down body (hand-stands, flips)
    arm_sd: float  # spread of shoulder abduction
    elbow_max: float  # largest elbow bend
    leg_sd: float  # spread of hip abduction
    knee_max: float  # largest knee bend
    head_tilt_sd: float
    width_min: float  # body turned sideways: shoulder/hip width factor in [width_min, 1]
    foreshorten_min: float  # limbs pointing at the camera: length factor in [foreshorten_min, 1]
    figure_min: float  # figure bounding-box side / S, uniform in [figure_min, figure_max]
    figure_max: float
    jitter: float  # standard deviation of the figure centre offset / S
    clutter: float  # mean number of background shapes (Poisson)
    background_contrast: float  # amplitude of the low-frequency background field (0..255)
    noise: float  # amplitude of uniform per-pixel noise (0..255)
    occluders: float  # mean number of occluding rectangles (Poisson, at most 3)


LSP_DOMAIN = DomainParams(
    spine_sd=8.0, inverted_prob=0.0, arm_sd=30.0, elbow_max=70.0, leg_sd=10.0, knee_max=35.0,
    head_tilt_sd=8.0, width_min=0.6, foreshorten_min=0.8, figure_min=0.7, figure_max=0.9,
    jitter=0.03, clutter=1.5, background_contrast=30.0, noise=6.0, occluders=0.3,
)  # fmt: skip
LSPET_DOMAIN = DomainParams(
    spine_sd=35.0, inverted_prob=0.15, arm_sd=70.0, elbow_max=150.0, leg_sd=45.0, knee_max=140.0,
    head_tilt_sd=25.0, width_min=0.3, foreshorten_min=0.55, figure_min=0.45, figure_max=0.75,
    jitter=0.08, clutter=8.0, background_contrast=90.0, noise=16.0, occluders=0.6,
)  # fmt: skip

_DOMAIN_SHIFT = {"lsp": 0.0, "lspet": 1.0}


def domain_params(shift: float) -> DomainParams:
    """Linear interpolation between :data:`LSP_DOMAIN` (0) and :data:`LSPET_DOMAIN` (1)."""
    if not 0.0 <= shift <= 1.0:
        raise ValueError(f"shift must lie in [0, 1], got {shift}")
    return DomainParams(
        **{
            f.name: (1 - shift) * getattr(LSP_DOMAIN, f.name) + shift * getattr(LSPET_DOMAIN, f.name)
            for f in fields(DomainParams)
        }
    )


# Body proportions in torso lengths (thorax to pelvis), roughly anthropometric.
_NECK, _HEAD, _SHOULDER, _HIP = 0.2, 0.5, 0.38, 0.22
_UPPER_ARM, _FOREARM, _THIGH, _SHIN = 0.55, 0.5, 0.8, 0.75
# Limb thickness in torso lengths: (parent, child, thickness) in MPII indices.
_RIGHT_LIMBS = ((12, 11, 0.15), (11, 10, 0.12), (2, 1, 0.2), (1, 0, 0.16))
_LEFT_LIMBS = ((13, 14, 0.15), (14, 15, 0.12), (3, 4, 0.2), (4, 5, 0.16))
_LEG_CHILDREN = {1, 0, 4, 5}


@dataclass
class Figure:
    """One sampled person, in input-pixel coordinates (MPII joint order).

    Attributes
    ----------
    joints : ndarray (16, 2)
    visible : ndarray (16,) bool
    torso : float
        Torso length in pixels, the unit of limb thickness.
    facing_camera : bool
    right_in_front : bool
        Which side is drawn last (overlaps the other).
    colours : dict[str, tuple[int, int, int]]
    occluders : list[tuple[float, float, float, float, tuple]]
        ``(x0, y0, x1, y1, colour)`` rectangles drawn over the figure.
    """

    joints: np.ndarray
    visible: np.ndarray
    torso: float
    facing_camera: bool
    right_in_front: bool
    colours: dict
    occluders: list


def _unit(degrees: float) -> np.ndarray:
    radians = np.deg2rad(degrees)
    return np.array([np.sin(radians), -np.cos(radians)])


def _turn(vector: np.ndarray, degrees: float) -> np.ndarray:
    radians = np.deg2rad(degrees)
    cos, sin = np.cos(radians), np.sin(radians)
    return np.array([cos * vector[0] - sin * vector[1], sin * vector[0] + cos * vector[1]])


def _colour(rng: np.random.Generator, low: int = 0, high: int = 256) -> tuple:
    return tuple(int(c) for c in rng.integers(low, high, 3))


def sample_figure(rng: np.random.Generator, params: DomainParams, size: int) -> Figure:
    """Draw pose, proportions, colours and occluders of one figure.

    Parameters
    ----------
    rng : numpy Generator
        Consumed in a fixed order, so :func:`render_figure` can continue from it.
    params : DomainParams
    size : int
        Image side ``S`` in pixels.

    Returns
    -------
    Figure
    """
    spine = rng.normal(0.0, params.spine_sd) + (180.0 if rng.random() < params.inverted_prob else 0.0)
    up = _unit(spine)
    facing_camera = bool(rng.random() < 0.7)
    # A person facing the camera has their right side on the image left when upright.
    right = _turn(up, -90.0) * (1.0 if facing_camera else -1.0)
    width = rng.uniform(params.width_min, 1.0)
    proportion = 1.0 + 0.08 * rng.standard_normal(9)
    foreshorten = rng.uniform(params.foreshorten_min, 1.0, 8)

    joints = np.zeros((16, 2))
    joints[7] = up * proportion[0]  # thorax; the pelvis (6) is the origin
    joints[12] = joints[7] + right * _SHOULDER * width * proportion[1]
    joints[13] = joints[7] - right * _SHOULDER * width * proportion[1]
    joints[2] = right * _HIP * width * proportion[2]
    joints[3] = -right * _HIP * width * proportion[2]
    head_direction = _turn(up, rng.normal(0.0, params.head_tilt_sd))
    joints[8] = joints[7] + head_direction * _NECK * proportion[3]
    joints[9] = joints[8] + head_direction * _HEAD * proportion[4]
    # (root, middle, end, side, mean abduction, its spread, largest bend, lengths, proportion slot);
    # both sides share the proportion slots so a person's arms (legs) match.
    chains = (
        (12, 11, 10, 1.0, 20.0, params.arm_sd, params.elbow_max, (_UPPER_ARM, _FOREARM), 5),
        (13, 14, 15, -1.0, 20.0, params.arm_sd, params.elbow_max, (_UPPER_ARM, _FOREARM), 5),
        (2, 1, 0, 1.0, 6.0, params.leg_sd, params.knee_max, (_THIGH, _SHIN), 7),
        (3, 4, 5, -1.0, 6.0, params.leg_sd, params.knee_max, (_THIGH, _SHIN), 7),
    )
    for chain, (root, middle, end, side, mean, spread, bend_max, lengths, slot) in enumerate(chains):
        abduction = np.deg2rad(rng.normal(mean, spread))
        direction = np.cos(abduction) * -up + np.sin(abduction) * side * right
        bend = rng.uniform(0.0, bend_max) * (1.0 if rng.random() < 0.5 else -1.0)
        first, second = np.asarray(lengths) * proportion[slot : slot + 2] * foreshorten[2 * chain : 2 * chain + 2]
        joints[middle] = joints[root] + direction * first
        joints[end] = joints[middle] + _turn(direction, bend) * second

    # Fit the figure's bounding box to the domain's size, centred up to a jitter.
    low, high = joints.min(axis=0), joints.max(axis=0)
    pixels = rng.uniform(params.figure_min, params.figure_max) * size / max((high - low).max(), 1e-6)
    offset = (size - 1) / 2.0 + params.jitter * size * rng.standard_normal(2)
    joints = (joints - (low + high) / 2.0) * pixels + offset

    colours = {
        "shirt": _colour(rng),
        "trousers": _colour(rng),
        "skin": tuple(int(c) for c in np.array([224, 172, 105]) * rng.uniform(0.45, 1.15)),
        "hair": _colour(rng, 0, 90),
    }
    occluders = []
    for _ in range(min(int(rng.poisson(params.occluders)), 3)):
        centre = joints[rng.integers(16)] + 0.05 * size * rng.standard_normal(2)
        half = rng.uniform(0.06, 0.15, 2) * size
        occluders.append((*(centre - half), *(centre + half), _colour(rng)))

    visible = np.all((joints >= -0.5) & (joints < size - 0.5), axis=1)
    for x0, y0, x1, y1, _ in occluders:
        hidden = (joints[:, 0] >= x0) & (joints[:, 0] <= x1) & (joints[:, 1] >= y0) & (joints[:, 1] <= y1)
        visible &= ~hidden
    return Figure(joints, visible, float(pixels), facing_camera, bool(rng.random() < 0.5), colours, occluders)


def _shade(colour: tuple, factor: float) -> tuple:
    return tuple(int(min(255, max(0, c * factor))) for c in colour)


def render_figure(figure: Figure, rng: np.random.Generator, params: DomainParams, size: int) -> np.ndarray:
    """Draw background, figure and occluders; continues ``rng`` after :func:`sample_figure`.

    Returns
    -------
    ndarray (size, size, 3) uint8
    """
    base = rng.integers(0, 256, 3)
    field = base + params.background_contrast * rng.uniform(-1.0, 1.0, (4, 4, 3))
    image = Image.fromarray(np.clip(field, 0, 255).astype(np.uint8)).resize(
        (size, size), Image.Resampling.BILINEAR
    )
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.poisson(params.clutter))):
        kind = rng.integers(3)
        x0, y0, x1, y1 = rng.uniform(0, size, 4)
        box = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
        colour = _colour(rng)
        if kind == 0:
            draw.rectangle(box, fill=colour)
        elif kind == 1:
            draw.ellipse(box, fill=colour)
        else:
            draw.line((x0, y0, x1, y1), fill=colour, width=int(rng.integers(1, max(2, size // 32))))

    joints, torso, colours = figure.joints, figure.torso, figure.colours

    def limb(parent: int, child: int, thickness: float, shade: float) -> None:
        colour = _shade(colours["trousers"] if child in _LEG_CHILDREN else colours["shirt"], shade)
        width = max(1, int(round(thickness * torso)))
        points = (*joints[parent], *joints[child])
        draw.line(points, fill=colour, width=width)
        radius = width / 2.0
        for x, y in (joints[parent], joints[child]):
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)
        # A lighter centre stripe: cloth-like shading that also marks the limb axis.
        draw.line(points, fill=_shade(colour, 1.3), width=max(1, width // 3))

    back, front = (_LEFT_LIMBS, _RIGHT_LIMBS) if figure.right_in_front else (_RIGHT_LIMBS, _LEFT_LIMBS)
    for parent, child, thickness in back:
        limb(parent, child, thickness, 0.7)
    draw.polygon([tuple(joints[i]) for i in (12, 13, 3, 2)], fill=colours["shirt"])
    draw.line((*joints[7], *joints[8]), fill=colours["skin"], width=max(1, int(0.12 * torso)))
    centre = (joints[8] + joints[9]) / 2.0
    radius = 0.6 * np.linalg.norm(joints[9] - joints[8])
    head_colour = colours["skin"] if figure.facing_camera else colours["hair"]
    draw.ellipse((*(centre - radius), *(centre + radius)), fill=head_colour)
    if figure.facing_camera:
        along = (joints[9] - joints[8]) / max(np.linalg.norm(joints[9] - joints[8]), 1e-6)
        across = np.array([-along[1], along[0]])
        eye = max(0.5, 0.12 * radius)
        for side in (-1.0, 1.0):
            x, y = centre + 0.1 * radius * along + side * 0.35 * radius * across
            draw.ellipse((x - eye, y - eye, x + eye, y + eye), fill=(20, 20, 20))
    for parent, child, thickness in front:
        limb(parent, child, thickness, 1.0)
    hand = max(1.0, 0.08 * torso)
    for wrist in (10, 15):
        x, y = joints[wrist]
        draw.ellipse((x - hand, y - hand, x + hand, y + hand), fill=colours["skin"])
    for x0, y0, x1, y1, colour in figure.occluders:
        draw.rectangle((x0, y0, x1, y1), fill=colour)

    pixels = np.asarray(image, dtype=np.int16)
    amplitude = int(round(params.noise))
    if amplitude > 0:
        pixels = pixels + rng.integers(-amplitude, amplitude + 1, pixels.shape, dtype=np.int16)
    return np.clip(pixels, 0, 255).astype(np.uint8)


class SyntheticPoseDataset(PoseDataset):
    """Stick-figure pose dataset, generated on the fly (module docstring gives conventions).

    Parameters
    ----------
    n : int
        Number of samples.
    domain : {"lsp", "lspet"}
        Endpoint of the domain shift (``shift`` 0 or 1).
    num_joints : {14, 16}
        LSP or MPII joint order.
    input_size : int
        Rendering and network input side (128 tiny preset, 256 paper).
    seed : int
        Non-negative; sample ``i`` uses ``np.random.default_rng([seed, i])``.
    augment : bool
    shift : float, optional
        Overrides the domain's shift with any value in [0, 1].
    cache : None, "memory" or path to a ``.npz`` file
        ``"memory"`` keeps rendered images in a dict; a path stores all ``n`` rendered images
        (rendered at construction and written atomically if the file does not exist, otherwise
        loaded after checking that it was made with the same settings; a truncated or damaged
        file is rebuilt with a warning).

    Attributes
    ----------
    joints : ndarray (n, J, 2)
    visible : ndarray (n, J) bool
    norm : ndarray (n,)
    params : DomainParams

    Examples
    --------
    >>> dataset = SyntheticPoseDataset(4, domain="lspet", input_size=128, seed=1)
    >>> sample = dataset[0]
    >>> tuple(sample["image"].shape), tuple(sample["target"].shape), dataset.joints.shape
    ((3, 128, 128), (14, 32, 32), (4, 14, 2))
    """

    def __init__(
        self,
        n: int,
        domain: str = "lsp",
        num_joints: int = 14,
        input_size: int = 128,
        seed: int = 0,
        augment: bool = False,
        shift: float | None = None,
        cache: str | Path | None = None,
    ) -> None:
        if domain not in _DOMAIN_SHIFT:
            raise ValueError(f"domain must be one of {sorted(_DOMAIN_SHIFT)}, got {domain!r}")
        if num_joints not in (14, 16):
            raise ValueError(f"num_joints must be 14 (LSP order) or 16 (MPII order), got {num_joints}")
        if n < 1 or seed < 0:
            raise ValueError(f"need n >= 1 and seed >= 0, got n={n}, seed={seed}")
        self.domain = domain
        self.shift = _DOMAIN_SHIFT[domain] if shift is None else float(shift)
        self.params = domain_params(self.shift)
        self.seed = int(seed)
        self._order = np.asarray(MPII_TO_LSP if num_joints == 14 else range(16))
        figures = [sample_figure(np.random.default_rng([self.seed, i]), self.params, input_size) for i in range(n)]
        mpii_joints = np.stack([figure.joints for figure in figures])
        joints = mpii_joints[:, self._order]
        visible = np.stack([figure.visible for figure in figures])[:, self._order]
        if num_joints == 14:
            norm = torso_size(joints)
        else:
            norm = 0.6 * np.sqrt(2.0) * np.linalg.norm(mpii_joints[:, 9] - mpii_joints[:, 8], axis=1)
        middle = (input_size - 1) / 2.0
        super().__init__(
            joints,
            visible,
            norm,
            np.full((n, 2), middle),
            np.full(n, input_size / BOX_PIXELS),
            LSP_FLIP_PAIRS if num_joints == 14 else MPII_FLIP_PAIRS,
            input_size,
            augment,
        )
        self._memory: dict | None = {} if cache == "memory" else None
        self._stored: np.ndarray | None = None
        if cache not in (None, "memory"):
            self._stored = self._disk_cache(Path(cache))

    def _settings(self) -> str:
        return json.dumps(
            {"n": len(self), "seed": self.seed, "size": self.input_size, "params": asdict(self.params)},
            sort_keys=True,
        )

    def _disk_cache(self, path: Path) -> np.ndarray:
        if path.suffix != ".npz":
            raise ValueError(f"cache file must end in .npz, got {path}")
        if path.is_file():
            stored = self._read_cache(path)
            if stored is not None:
                return stored
        images = np.stack([self.render(i) for i in range(len(self))])
        buffer = io.BytesIO()
        np.savez(buffer, images=images, settings=np.array(self._settings()))
        # Atomic: a run killed mid-write leaves the old file or none, never a truncated archive.
        atomic_write_bytes(path, buffer.getvalue())
        return images

    def _read_cache(self, path: Path) -> np.ndarray | None:
        """The cached images, or None (with a warning) when the file is damaged and must be rebuilt."""
        settings = images = None
        try:
            with np.load(path) as stored:
                keys = set(stored.files)
                if {"images", "settings"} <= keys:
                    settings = str(stored["settings"])
                    images = stored["images"]
        except (zipfile.BadZipFile, EOFError, OSError, zlib.error, ValueError) as exc:
            # Truncated (a write killed by an older, non-atomic version) or otherwise damaged:
            # the images are a pure function of the settings, so rebuilding loses nothing.
            warnings.warn(f"{path}: damaged synthetic-image cache ({type(exc).__name__}: {exc}); rebuilding it",
                          stacklevel=4)
            return None
        if images is None:
            # Another file at this path: refuse to overwrite it.
            raise ValueError(f"{path.name}: not a synthetic-pose cache (expected 'images' and 'settings')")
        if settings != self._settings():
            raise ValueError(f"{path.name}: cache was made with different settings: {settings}")
        expected = (len(self), self.input_size, self.input_size, 3)
        if images.shape != expected or images.dtype != np.uint8:
            warnings.warn(f"{path}: synthetic-image cache holds {images.dtype} {images.shape}, expected uint8 "
                          f"{expected}; rebuilding it", stacklevel=4)
            return None
        return images

    def render(self, index: int) -> np.ndarray:
        """Render sample ``index`` from scratch: (S, S, 3) uint8."""
        rng = np.random.default_rng([self.seed, int(index)])
        figure = sample_figure(rng, self.params, self.input_size)
        return render_figure(figure, rng, self.params, self.input_size)

    def _load_image(self, index: int) -> np.ndarray:
        if self._stored is not None:
            return self._stored[index]
        if self._memory is None:
            return self.render(index)
        if index not in self._memory:
            self._memory[index] = self.render(index)
        return self._memory[index]
