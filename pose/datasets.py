"""The datasets of a pose experiment: base set, unlabelled pool and test set of a config, behind one index space.

:func:`prepare_data` opens the config's datasets (synthetic, LSP + LSPET or
MPII), checks the files and the sizes the cycles need, and returns an
:class:`ActiveLearningData`: a training view (augmented) and an evaluation view
of the same images (:class:`UnionDataset`, uids ``0 .. N-1``), the test set, the
base-set uids and the metric's name and threshold. :class:`pose.task.PoseTask`
turns it into the engine's labelled set, pool and test set.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from torch.utils.data import Dataset

from gammaal.al.seeding import derive_seed

from .config import RunConfig, pool_parts
from .protocol import effective_protocol
from .validation import check_image_files

__all__ = ["UnionDataset", "ActiveLearningData", "prepare_data"]


class UnionDataset(Dataset):
    """Several pose datasets behind one index space (e.g. LSP training images, then LSPET).

    ``dataset[i]`` is the part's sample with an added ``"uid"`` = i. The label
    arrays ``joints`` (N, J, 2), ``visible`` (N, J) and ``norm`` (N,) are the
    parts' arrays concatenated; ``scored`` (N, J) marks the joints PCK counts:
    a part's ``scored`` array where it has one (MPII's official PCKh also
    scores occluded joints), else ``visible``.

    Parameters
    ----------
    parts : list of (name, dataset)
        Datasets with the same number of joints.
    """

    def __init__(self, parts: list[tuple[str, Dataset]]):
        if not parts:
            raise ValueError("UnionDataset needs at least one part")
        self.names = [name for name, _ in parts]
        self.datasets = [ds for _, ds in parts]
        sizes = [len(ds) for ds in self.datasets]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.joints = np.concatenate([np.asarray(ds.joints, dtype=np.float64) for ds in self.datasets])
        self.visible = np.concatenate([np.asarray(ds.visible, dtype=bool) for ds in self.datasets])
        self.norm = np.concatenate([np.asarray(ds.norm, dtype=np.float64) for ds in self.datasets])
        self.scored = np.concatenate([np.asarray(getattr(ds, "scored", ds.visible), dtype=bool)
                                      for ds in self.datasets])
        self.num_joints = int(self.joints.shape[1])

    def __len__(self) -> int:
        return int(self.offsets[-1])

    def part_of(self, uids) -> np.ndarray:
        """Index of the part each uid belongs to."""
        return np.searchsorted(self.offsets, np.asarray(uids), side="right") - 1

    def domains(self, uids) -> list[str]:
        """Part name of each uid."""
        return [self.names[p] for p in self.part_of(uids)]

    def accuracy(self, uids, pred_joints: np.ndarray, threshold: float, total: str = "all",
                 boundary: str = "le"):
        """PCK (or PCKh: ``norm`` is the head size) of ``pred_joints`` (N, J, 2) for ``uids``
        (:func:`pose.metrics.pck`: ``total`` and ``boundary`` as there)."""
        from .metrics import pck

        uids = np.asarray(uids, dtype=np.int64)
        return pck(pred_joints, self.joints[uids], self.scored[uids], self.norm[uids], threshold, total=total,
                   boundary=boundary)

    def accuracy_curve(self, uids, pred_joints: np.ndarray, thresholds, total: str = "all", boundary: str = "le"):
        """:func:`pose.metrics.pck_curve` of ``pred_joints`` for ``uids`` over ``thresholds``."""
        from .metrics import pck_curve

        uids = np.asarray(uids, dtype=np.int64)
        return pck_curve(pred_joints, self.joints[uids], self.scored[uids], self.norm[uids], thresholds, total=total,
                         boundary=boundary)

    def __getitem__(self, uid: int) -> dict:
        uid = int(uid)
        part = int(self.part_of([uid])[0])
        sample = dict(self.datasets[part][uid - int(self.offsets[part])])
        sample.pop("affine", None)  # per-sample matrices are not needed downstream
        sample["uid"] = uid
        return sample


@dataclass
class ActiveLearningData:
    """Datasets and splits of an experiment.

    Attributes
    ----------
    train_view : UnionDataset
        Base set and pool, with training augmentation.
    eval_view : UnionDataset
        The same images without augmentation (scoring and training-loss analysis).
    test : UnionDataset
    base : ndarray of int
        Base-set uids (for MPII drawn per seed by :meth:`base_for`).
    metric : str
        Name of the accuracy, e.g. "PCK@0.2" or "PCKh@0.5".
    threshold : float
    random_base : bool
        Whether the base set is a per-seed random draw (MPII).
    """

    train_view: UnionDataset
    eval_view: UnionDataset
    test: UnionDataset
    base: np.ndarray
    metric: str
    threshold: float
    random_base: bool = False

    def base_for(self, seed: int) -> np.ndarray:
        """Base-set uids for a run seed."""
        if not self.random_base:
            return self.base
        rng = np.random.default_rng(derive_seed(seed, 0, "base"))
        return np.sort(rng.choice(len(self.train_view), size=self.base.size, replace=False))


def _construct(factory, field: str, *args, **kwargs):
    """Build a dataset; turn a missing or malformed file into a ValueError naming the config field."""
    try:
        return factory(*args, **kwargs)
    except (FileNotFoundError, NotADirectoryError, OSError, KeyError, ValueError) as exc:
        raise ValueError(f"{field}: {exc}") from exc


def prepare_data(config: RunConfig) -> ActiveLearningData:
    """Open the datasets of ``config`` and check the sizes the cycles need.

    Runs before any training, so a missing file or a budget larger than the
    pool fails immediately.

    Raises
    ------
    ValueError
        Naming ``data.root``, ``data.base_size`` or ``active.budget``.
    """
    from . import data as pose_data

    d, a = config.data, config.active
    size = config.model.input_size
    protocol = effective_protocol(config)
    if d.dataset == "synthetic":
        def make(n, domain, seed, augment, shift=None):
            return pose_data.SyntheticPoseDataset(n, domain=domain, num_joints=d.num_joints, input_size=size,
                                                  seed=seed, augment=augment, shift=shift,
                                                  cache="memory" if d.cache else None)

        # The pool's parts (data.pool_mix): part 0 draws from data_seed + 1 as the unmixed pool does,
        # later parts from data_seed + 10 + j (data_seed + 2 is the test set).
        parts = pool_parts(d.pool_mix, d.pool_size)

        def views(augment):
            pool = [(name, make(n, "lspet", d.data_seed + (1 if j == 0 else 10 + j), augment, shift))
                    for j, (name, n, shift) in enumerate(parts)]
            return [("lsp", make(d.base_size, "lsp", d.data_seed, augment))] + pool

        eval_parts = views(False)
        # Without augmentation both views share one dataset object, hence one render cache.
        train_parts = eval_parts if not d.augment else views(True)
        test = UnionDataset([("lsp", make(d.test_size, "lsp", d.data_seed + 2, False))])
        base = np.arange(d.base_size)
        metric_name, default_threshold, random_base = "PCK", 0.2, False
    elif d.dataset == "lsp_lspet":
        root = Path(d.root)

        def lsp(split, augment):
            return _construct(pose_data.LSPDataset, "data.root", root / "lsp", split=split,
                              input_size=size, augment=augment, box_margin=protocol.box_margin)

        def lspet(augment):
            return _construct(pose_data.LSPETDataset, "data.root", root / "lspet", input_size=size, augment=augment,
                              box_margin=protocol.box_margin)

        train_parts = [("lsp", lsp("train", d.augment)), ("lspet", lspet(d.augment))]
        eval_parts = [("lsp", lsp("train", False)), ("lspet", lspet(False))]
        test = UnionDataset([("lsp", lsp("test", False))])
        if d.base_size > len(train_parts[0][1]):
            raise ValueError(
                f"data.base_size: {d.base_size} exceeds the {len(train_parts[0][1])} LSP training images"
            )
        # The paper's base set: the first base_size LSP training images.
        base = np.arange(d.base_size)
        metric_name, default_threshold, random_base = "PCK", 0.2, False
    else:
        root = Path(d.root)

        def mpii(split, augment):
            kwargs = {"annotation": d.mpii_annotation} if d.mpii_annotation else {}
            return _construct(pose_data.MPIIDataset, "data.root", root, split=split, input_size=size,
                              augment=augment, head_size_factor=protocol.head_size_factor,
                              head_towards_neck=protocol.mpii_head_towards_neck,
                              occluded=protocol.occluded_joints, **kwargs)

        train_parts = [("mpii", mpii("train", d.augment))]
        eval_parts = [("mpii", mpii("train", False))]
        test = UnionDataset([("mpii", mpii("valid", False))])
        if d.base_size > len(train_parts[0][1]):
            raise ValueError(f"data.base_size: {d.base_size} exceeds the {len(train_parts[0][1])} MPII training images")
        base = np.arange(d.base_size)  # placeholder size; the draw is per seed (base_for)
        metric_name, default_threshold, random_base = "PCKh", 0.5, True

    if d.dataset != "synthetic":
        # Annotations load fast; a missing image would otherwise surface in the middle of training.
        check_image_files([ds for _, ds in train_parts + eval_parts] + test.datasets, d.root)
    for dataset in {id(ds): ds for ds in [d for _, d in train_parts + eval_parts] + test.datasets}.values():
        dataset.use_protocol(protocol)  # heatmap targets and augmentation ranges
        dataset.heatmap_sigma = d.heatmap_sigma
    train_view, eval_view = UnionDataset(train_parts), UnionDataset(eval_parts)
    pool_size = len(train_view) - base.size
    if a.cycles * a.budget > pool_size:
        raise ValueError(
            f"active.budget: {a.cycles} cycles x {a.budget} images exceed the unlabelled pool of {pool_size}"
        )
    threshold = d.pck_threshold if d.pck_threshold is not None else default_threshold
    return ActiveLearningData(train_view, eval_view, test, base, f"{metric_name}@{threshold:g}", threshold, random_base)
