"""MPII Human Pose, one sample per annotated person.

Layout::

    <root>/images/<imgname>.jpg
    <root>/mpii_human_pose_v1_u12_1.mat       official release (RELEASE struct), and/or
    <root>/annot/train.h5, <root>/annot/valid.h5   stacked-hourglass annotations

``valid.h5`` *is* the Newell validation split (2958 persons) used by the paper. With the
``.mat`` release the split needs the validation image names: a list, a text file with one name
per line (e.g. the authors' ``Stacked_HG_ValidationImageNames.txt``), or ``annot/valid.h5``,
whose ``imgname`` column is then used. Every person of a validation image is a validation
sample; the rest of ``img_train == 1`` is training.

Conventions:

* ``visible`` is the annotators' ``is_visible`` flag (h5 ``visible``); a missing flag on an
  annotated point counts as visible (the authors' rule, it is mostly the head), unannotated
  joints are invisible with coordinates (0, 0);
* ``norm`` is the PCKh head size ``0.6 * |(x2, y2) - (x1, y1)|`` of the head box (official
  evaluation code), or h5 ``normalize`` which stores the same quantity;
* the crop follows the stacked-hourglass recipe: ``center_y += 15 * scale`` and
  ``scale *= 1.25`` so that feet stay inside the box.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import h5py
import numpy as np
import scipy.io

from .base import PoseDataset, read_image
from .skeleton import MPII_FLIP_PAIRS

__all__ = ["MPII_RELEASE", "MPIIAnnotations", "load_mpii_h5", "load_mpii_mat", "MPIIDataset"]

MPII_RELEASE = "mpii_human_pose_v1_u12_1.mat"
MPII_NUM_JOINTS = 16
HEAD_SIZE_FACTOR = 0.6
NECK, HEAD_TOP = 8, 9  # upper neck and head top in MPII joint order
CENTER_SHIFT = 15.0
SCALE_MARGIN = 1.25


@dataclass
class MPIIAnnotations:
    """Per-person MPII labels (before the crop adjustment).

    Attributes
    ----------
    image_names : list[str] (N,)
    joints : ndarray (N, 16, 2)
    visible : ndarray (N, 16) bool
    annotated : ndarray (N, 16) bool
        Joint has a label at all (the official PCKh evaluation counts these).
    center : ndarray (N, 2)
        ``objpos``.
    scale : ndarray (N,)
        Person height / 200 px, as annotated.
    norm : ndarray (N,)
        Head size.
    head_box : ndarray (N, 4)
        ``x1, y1, x2, y2``; NaN when loaded from h5, which lacks it.
    """

    image_names: list
    joints: np.ndarray
    visible: np.ndarray
    annotated: np.ndarray
    center: np.ndarray
    scale: np.ndarray
    norm: np.ndarray
    head_box: np.ndarray

    def subset(self, rows: np.ndarray) -> "MPIIAnnotations":
        return MPIIAnnotations(
            [self.image_names[i] for i in rows],
            self.joints[rows],
            self.visible[rows],
            self.annotated[rows],
            self.center[rows],
            self.scale[rows],
            self.norm[rows],
            self.head_box[rows],
        )


_H5_SHAPES = {
    "center": ("N", 2),
    "scale": ("N",),
    "part": ("N", MPII_NUM_JOINTS, 2),
    "visible": ("N", MPII_NUM_JOINTS),
    "normalize": ("N",),
    "imgname": ("N",),
}


def _decode_names(path: Path, raw: np.ndarray) -> list:
    if raw.ndim == 2 and raw.dtype.kind in "iuf":
        # Some conversions store names as rows of character codes padded with zeros.
        return ["".join(chr(int(c)) for c in row if c > 0) for row in raw]
    if raw.ndim != 1:
        raise ValueError(f"{path.name}: expected dataset 'imgname' of shape (N,) bytes, got {raw.shape}")
    return [name.decode("utf-8") if isinstance(name, bytes) else str(name) for name in raw]


def load_mpii_h5(path: Path) -> MPIIAnnotations:
    """Read a stacked-hourglass ``train.h5`` / ``valid.h5`` annotation file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"MPII annotation file not found: {path}")
    with h5py.File(path, "r") as file:
        missing = [key for key in _H5_SHAPES if key not in file]
        if missing:
            raise ValueError(f"{path.name}: missing dataset(s) {missing}; expected {list(_H5_SHAPES)} [MPII h5]")
        data = {key: file[key][()] for key in _H5_SHAPES}
    count = len(data["center"])
    for key, shape in _H5_SHAPES.items():
        expected = tuple(count if dim == "N" else dim for dim in shape)
        got = data[key].shape
        if key == "imgname" and len(got) == 2 and got[0] == count:
            continue
        if got != expected:
            raise ValueError(f"{path.name}: expected dataset '{key}' of shape {expected} [MPII h5], got {got}")
    if count == 0:
        raise ValueError(f"{path.name}: contains no persons [MPII h5]")
    joints = data["part"].astype(np.float64)
    annotated = np.any(joints != 0, axis=-1)
    return MPIIAnnotations(
        image_names=_decode_names(path, data["imgname"]),
        joints=joints,
        visible=(data["visible"] > 0) & annotated,
        annotated=annotated,
        center=data["center"].astype(np.float64),
        scale=data["scale"].astype(np.float64),
        norm=data["normalize"].astype(np.float64),
        head_box=np.full((count, 4), np.nan),
    )


def _items(value) -> list:
    """A MATLAB struct array loaded with squeeze_me as a list (scalars become 1-lists)."""
    if isinstance(value, np.ndarray):
        return list(value.ravel())
    return [value]


def _scalar(value) -> float | None:
    """First element of a MATLAB field as float; None when empty."""
    array = np.asarray(value).ravel()
    if array.size == 0:
        return None
    item = array[0]
    if isinstance(item, (str, bytes)):
        text = item.decode() if isinstance(item, bytes) else item
        return float(text) if text.strip() else None
    return float(item)


def load_mpii_mat(path: Path) -> tuple[MPIIAnnotations, np.ndarray, np.ndarray]:
    """Read the official ``mpii_human_pose_v1_u12_1.mat`` release.

    Only persons with joint annotations (``annorect(r).annopoints``), ``objpos`` and
    ``scale`` become samples.

    Returns
    -------
    annotations : MPIIAnnotations
    img_train : ndarray (N,) bool
        ``img_train`` of the person's image.
    single_person : ndarray (N,) bool
        Whether the person is listed in ``single_person`` of its image.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"MPII annotation file not found: {path}")
    try:
        contents = scipy.io.loadmat(path, struct_as_record=False, squeeze_me=True)
    except Exception as error:  # scipy raises several types for corrupt files
        raise ValueError(f"{path.name}: cannot be read as a MATLAB file [MPII]: {error}") from error
    if "RELEASE" not in contents:
        raise ValueError(f"{path.name}: expected struct 'RELEASE' [MPII release]")
    release = contents["RELEASE"]
    for field in ("annolist", "img_train"):
        if not hasattr(release, field):
            raise ValueError(f"{path.name}: expected field RELEASE.{field} [MPII release]")
    annolist = _items(release.annolist)
    img_train = np.asarray(release.img_train).ravel()
    if len(img_train) != len(annolist):
        raise ValueError(
            f"{path.name}: RELEASE.img_train has {len(img_train)} entries but annolist has {len(annolist)}"
        )
    single = _items(release.single_person) if hasattr(release, "single_person") else [()] * len(annolist)
    if len(single) != len(annolist):
        raise ValueError(
            f"{path.name}: RELEASE.single_person has {len(single)} entries but annolist has {len(annolist)}"
        )

    names, joints, visible, annotated, centers, scales, boxes, train, is_single = [], [], [], [], [], [], [], [], []
    for image_index, annotation in enumerate(annolist):
        name = str(annotation.image.name)
        singles = {int(v) for v in np.asarray(single[image_index], dtype=np.float64).ravel()}
        for person_index, rect in enumerate(_items(getattr(annotation, "annorect", []))):
            points = getattr(rect, "annopoints", None)
            if points is None or isinstance(points, np.ndarray) or not hasattr(points, "point"):
                continue
            objpos, scale = getattr(rect, "objpos", None), _scalar(getattr(rect, "scale", []))
            if scale is None or objpos is None or isinstance(objpos, np.ndarray):
                continue
            person_joints = np.zeros((MPII_NUM_JOINTS, 2))
            person_visible = np.zeros(MPII_NUM_JOINTS, dtype=bool)
            person_annotated = np.zeros(MPII_NUM_JOINTS, dtype=bool)
            for point in _items(points.point):
                joint = int(_scalar(point.id))
                if not 0 <= joint < MPII_NUM_JOINTS:
                    raise ValueError(f"{path.name}: image {name}: joint id {joint} outside 0..15 [MPII]")
                person_joints[joint] = (_scalar(point.x), _scalar(point.y))
                person_annotated[joint] = True
                flag = _scalar(getattr(point, "is_visible", []))
                person_visible[joint] = True if flag is None else flag > 0
            names.append(name)
            joints.append(person_joints)
            visible.append(person_visible)
            annotated.append(person_annotated)
            centers.append((_scalar(objpos.x), _scalar(objpos.y)))
            scales.append(scale)
            box = [_scalar(getattr(rect, key, [])) for key in ("x1", "y1", "x2", "y2")]
            boxes.append([np.nan if value is None else value for value in box])
            train.append(bool(img_train[image_index]))
            is_single.append(person_index + 1 in singles)
    if not names:
        raise ValueError(f"{path.name}: no annotated persons found in RELEASE.annolist [MPII release]")
    boxes = np.asarray(boxes, dtype=np.float64)
    annotations = MPIIAnnotations(
        image_names=names,
        joints=np.asarray(joints),
        visible=np.asarray(visible),
        annotated=np.asarray(annotated),
        center=np.asarray(centers, dtype=np.float64),
        scale=np.asarray(scales, dtype=np.float64),
        norm=HEAD_SIZE_FACTOR * np.linalg.norm(boxes[:, 2:] - boxes[:, :2], axis=1),
        head_box=boxes,
    )
    return annotations, np.asarray(train), np.asarray(is_single)


def _validation_names(root: Path, valid_names) -> set:
    if valid_names is None:
        h5 = root / "annot" / "valid.h5"
        if not h5.is_file():
            raise FileNotFoundError(
                f"MPII .mat split needs the Newell validation image names: pass valid_names "
                f"(list or text file) or provide {h5}"
            )
        return set(load_mpii_h5(h5).image_names)
    if isinstance(valid_names, (str, Path)):
        path = Path(valid_names)
        if not path.is_file():
            raise FileNotFoundError(f"MPII validation name list not found: {path}")
        names = {line.strip() for line in path.read_text().splitlines() if line.strip()}
        if not names:
            raise ValueError(f"{path.name}: validation name list is empty")
        return names
    return set(valid_names)


def _find_annotation(root: Path, split: str) -> Path:
    candidates = [root / "annot" / f"{split}.h5", root / f"{split}.h5", root / MPII_RELEASE]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        "MPII annotations not found; looked for " + ", ".join(str(c) for c in candidates)
    )


class MPIIDataset(PoseDataset):
    """MPII single-person crops (16 joints, PCKh normaliser).

    Parameters
    ----------
    root : path
        Folder with ``images/`` (and by default the annotations, see module docstring).
    split : {"train", "valid"}
    annotation : path, optional
        A ``.h5`` file (used as the split's persons as is) or the release ``.mat``;
        default: ``annot/<split>.h5``, ``<split>.h5``, then the release ``.mat`` under ``root``.
    valid_names : iterable of str or path, optional
        Newell validation image names, only for the ``.mat`` route.
    single_person_only : bool
        ``.mat`` route: keep only persons listed in ``RELEASE.single_person`` (the authors'
        choice); the h5 files, and this default, keep every annotated person.
    input_size : int
    augment : bool
    head_size_factor : float
        PCKh head size = factor × head-box diagonal (official 0.6; the authors 1).
    head_towards_neck : float in [0, 1)
        Move the head-top label this fraction of the way to the neck (the authors: 0.2).
    occluded : {"scored", "trained", "zero_target"}
        Occluded-but-annotated joints: no target but scored (default: masked training, official
        evaluation), a Gaussian target and scored ("trained", the standard protocol and the
        authors' 2022 code), or an all-zero target and not scored ("zero_target", the authors'
        2021 ``occlusion: False``).

    Attributes
    ----------
    annotated : ndarray (N, 16) bool
        Labelled joints, occluded ones included; ``visible`` (the training mask) excludes
        occluded joints unless ``occluded="trained"``.
    scored : ndarray (N, 16) bool
        The joints PCKh counts: ``annotated`` (the official protocol), or ``visible`` under
        ``occluded="zero_target"``.
    head_box : ndarray (N, 4)
    image_names : list[str]
    """

    def __init__(
        self,
        root,
        split: str = "train",
        annotation=None,
        valid_names: Iterable[str] | str | Path | None = None,
        single_person_only: bool = False,
        input_size: int = 256,
        augment: bool = False,
        head_size_factor: float = HEAD_SIZE_FACTOR,
        head_towards_neck: float = 0.0,
        occluded: str = "scored",
    ) -> None:
        if split not in ("train", "valid"):
            raise ValueError(f"split must be 'train' or 'valid', got {split!r}")
        if not np.isfinite(head_size_factor) or head_size_factor <= 0:
            raise ValueError(f"head_size_factor must be a finite number > 0, got {head_size_factor}")
        if not 0 <= head_towards_neck < 1:
            raise ValueError(f"head_towards_neck must be in [0, 1), got {head_towards_neck}")
        if occluded not in ("scored", "trained", "zero_target"):
            raise ValueError(f"occluded must be 'scored', 'trained' or 'zero_target', got {occluded!r}")
        self.root = Path(root)
        path = Path(annotation) if annotation is not None else _find_annotation(self.root, split)
        if path.suffix == ".h5":
            labels = load_mpii_h5(path)
        elif path.suffix == ".mat":
            labels, img_train, single = load_mpii_mat(path)
            held_out = _validation_names(self.root, valid_names)
            in_valid = np.array([name in held_out for name in labels.image_names])
            keep = img_train & (in_valid if split == "valid" else ~in_valid)
            if single_person_only:
                keep &= single
            if not keep.any():
                raise ValueError(f"{path.name}: no persons in split {split!r} [MPII release]")
            labels = labels.subset(np.flatnonzero(keep))
        else:
            raise ValueError(f"MPII annotation must be a .h5 or .mat file, got {path}")
        self.annotation_file = path
        self.split = split
        self.image_names = labels.image_names
        self.head_box = labels.head_box
        joints = labels.joints.copy()
        if head_towards_neck:
            both = labels.annotated[:, HEAD_TOP] & labels.annotated[:, NECK]
            joints[both, HEAD_TOP] += head_towards_neck * (joints[both, NECK] - joints[both, HEAD_TOP])
        self.annotated = labels.annotated
        visible = labels.annotated if occluded == "trained" else labels.visible
        self.scored = labels.visible if occluded == "zero_target" else labels.annotated
        center = labels.center.copy()
        center[:, 1] += CENTER_SHIFT * labels.scale
        super().__init__(
            joints,
            visible,
            labels.norm * (head_size_factor / HEAD_SIZE_FACTOR),
            center,
            labels.scale * SCALE_MARGIN,
            MPII_FLIP_PAIRS,
            input_size,
            augment,
        )

    def _load_image(self, index: int):
        return read_image(self.root / "images" / self.image_names[index])
