"""A gallery of what each strategy picks: the selected images with the predicted skeleton over the ground truth.

:func:`write_gallery` reads an engine run (:func:`gammaal.al.results.load_results`), rebuilds its
:class:`~pose.task.PoseTask` from the config saved in ``run.json`` (``metadata.config``, or
``config`` in older runs) and, for every strategy and selection stage of the first seed, draws
the first ``per_stage`` selected pool images and as many random candidates of the same stage —
each with the skeleton the choosing model predicted (red) over the ground truth (green) and, in
the corner, the predicted loss (or the strategy's score) and the true loss under that model.
Users see the failures a strategy finds next to what a random pick looks like.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from gammaal.atomic import atomic_write_bytes
from gammaal.al.checkpoint import read_run_json
from gammaal.al.records import CycleRecord
from gammaal.al.results import load_results

from .data.transforms import affine_points, crop_matrix, heatmap_argmax
from .uncertainty import skeleton_tree_for

__all__ = ["GalleryItem", "gallery_items", "draw_gallery", "write_gallery"]


@dataclass
class GalleryItem:
    """One drawn pool image.

    Attributes
    ----------
    pool_index : int
    image : ndarray (S, S, 3) in [0, 1]
    predicted, truth : ndarray (J, 2)
        Joint ``(x, y)`` in input pixels: the model's argmax decoding and the annotation.
    visible : ndarray (J,) bool
    predicted_loss, score : float or None
        The loss head's prediction and the strategy's ranking value, where it has them.
    true_loss : float
    """

    pool_index: int
    image: np.ndarray
    predicted: np.ndarray
    truth: np.ndarray
    visible: np.ndarray
    predicted_loss: float | None
    score: float | None
    true_loss: float


def _config(run_dir: Path):
    from .config import config_from_dict

    meta = read_run_json(run_dir / "run.json", "restore it from a copy of the run")
    data = (meta.get("metadata") or {}).get("config") or meta.get("config")
    if not isinstance(data, dict):
        raise ValueError(f"run_dir: {run_dir}/run.json holds no pose config (metadata.config or config)")
    return config_from_dict(data)


def _model(task, path: Path):
    state = torch.load(path, map_location="cpu", weights_only=False)["network"]
    model = task.build_model()
    model.load_state_dict({k[len("model."):]: v for k, v in state.items() if k.startswith("model.")})
    return model.eval()


@torch.no_grad()
def gallery_items(task, model, record: CycleRecord, pool_indices) -> list[GalleryItem]:
    """:class:`GalleryItem` of ``pool_indices`` (candidates of ``record``) under ``model``."""
    position = {int(p): k for k, p in enumerate(record.candidates)}
    items = []
    for index in pool_indices:
        sample = task.pool[int(index)]
        heatmaps = model(sample["image"][None]).heatmaps[-1].float()
        stride = sample["image"].shape[-1] / heatmaps.shape[-1]
        predicted = heatmap_argmax(heatmaps)[0].numpy() * stride
        size = sample["image"].shape[-1]
        to_input = crop_matrix(sample["center"].numpy().astype(np.float64), float(sample["scale"]), size, 0.0, False)
        truth = affine_points(sample["joints"].numpy().astype(np.float64), to_input)
        k = position[int(index)]
        items.append(GalleryItem(
            pool_index=int(index), image=sample["image"].permute(1, 2, 0).numpy(), predicted=predicted,
            truth=truth, visible=sample["visible"].numpy() > 0,
            predicted_loss=None if record.predicted_loss is None else float(record.predicted_loss[k]),
            score=None if record.scores is None else float(record.scores[k]), true_loss=float(record.true_loss[k])))
    return items


def _corner(item: GalleryItem) -> str:
    if item.predicted_loss is not None:
        head = f"pred {item.predicted_loss:.3g}"
    elif item.score is not None:
        head = f"score {item.score:.3g}"
    else:
        head = "pred -"
    return f"{head}\ntrue {item.true_loss:.3g}"


def draw_gallery(items: list[GalleryItem], path: Path, title: str, columns: int = 4) -> Path:
    """One PNG of ``items``: predicted skeleton (red) over the ground truth (green), losses in the corner."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = max(1, -(-len(items) // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(2.2 * columns, 2.4 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, item in zip(axes.ravel(), items):
        ax.imshow(np.clip(item.image, 0, 1))
        links = skeleton_tree_for(item.predicted.shape[0]).links
        for parent, child in links:
            if item.visible[parent] and item.visible[child]:
                ax.plot(*item.truth[[parent, child]].T, color="lime", linewidth=1.5)
            ax.plot(*item.predicted[[parent, child]].T, color="red", linewidth=1.0)
        size = item.image.shape[0]
        ax.set_xlim(-0.5, size - 0.5)
        ax.set_ylim(size - 0.5, -0.5)
        ax.text(0.02, 0.98, _corner(item), transform=ax.transAxes, va="top", ha="left", fontsize=6,
                color="white", bbox={"facecolor": "black", "alpha": 0.6, "pad": 1.5})
        ax.set_title(f"pool {item.pool_index}", fontsize=7)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    atomic_write_bytes(path, buffer.getvalue())
    return path


def write_gallery(run_dir: Path, out_dir: Path, *, per_stage: int = 8) -> list[Path]:
    """Draw ``<strategy>_stage<NN>_{selected,random}.png`` (NN = 1, 2, ...: the selection the model of cycle
    NN − 1 made) under ``out_dir`` for the run's first seed.

    Parameters
    ----------
    run_dir : Path
        An engine run of :class:`~pose.task.PoseTask` (its ``run.json`` holds the config).
    out_dir : Path
    per_stage : int, >= 1
        Images per figure: the first ``per_stage`` selected, and as many random candidates
        (``numpy.random.default_rng([seed, cycle])``, the same for every strategy's stage).

    Returns
    -------
    list of Path
        The written PNGs, strategy by strategy, stage by stage.
    """
    from .task import PoseTask

    if isinstance(per_stage, bool) or not isinstance(per_stage, int) or per_stage < 1:
        raise ValueError(f"per_stage must be an integer >= 1, got {per_stage!r}")
    run_dir, out_dir = Path(run_dir), Path(out_dir)
    results = load_results(run_dir)
    seed = results.seeds[0]
    task = PoseTask(_config(run_dir)).for_seed(seed)
    written = []
    for strategy in results.strategies:
        for record in results.records[strategy][seed]:
            if not record.selected:
                continue
            model = _model(task, run_dir / strategy / f"seed_{seed}" / f"trained_{record.cycle:02d}.pt")
            draw = np.random.default_rng([seed, record.cycle])
            random = draw.choice(record.candidates, size=min(per_stage, len(record.candidates)), replace=False)
            for kind, picks in (("selected", record.selected[:per_stage]), ("random", sorted(random.tolist()))):
                items = gallery_items(task, model, record, picks)
                # Stage n is the selection the model of cycle n - 1 made, as in the report's tables.
                name = f"{strategy}_stage{record.cycle + 1:02d}_{kind}.png"
                title = (f"{strategy}, stage {record.cycle + 1} (model of cycle {record.cycle}): {kind} "
                         "(red predicted, green truth)")
                written.append(draw_gallery(items, out_dir / name, title))
    return written
