"""What a run records about where and how it ran (``run.json``), and the resume check against it.

Exact resume rests on the same floating-point operations in the same order.
That holds on the same software, device, process count and thread count:
torch's CPU kernels split reductions by thread, oneDNN picks kernels by the
CPU's vector width, cuDNN by its algorithm search. :class:`ExecutionSettings`
records those switches; :func:`settings_differences` lists the ones a resume
changes, and :data:`DIFFERENCE_EFFECT` says what that can do to the results.
"""
from __future__ import annotations

import datetime as _dt
import importlib.metadata
import os
import platform
import subprocess
import sys
import warnings
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from .config import config_to_dict

__all__ = ["ReproducibilityWarning", "ExecutionSettings", "current_settings", "settings_differences",
           "DIFFERENCE_EFFECT", "versions", "git_revision", "run_record"]

class ReproducibilityWarning(UserWarning):
    """A resume runs with other execution settings than the run was made with."""


DIFFERENCE_EFFECT = (
    "floating-point results can differ in their last bits, which can swap images whose scores tie to about "
    "1e-6 at a selection cut-off; once a selection differs, the later cycles train on other images and their "
    "selections and accuracies differ by up to the seed-to-seed spread. Resume with the recorded settings for "
    "an exact continuation"
)


@dataclass(frozen=True)
class ExecutionSettings:
    """The execution switches that decide a run's floating-point results (saved in ``run.json``).

    Attributes
    ----------
    device : str
        The torch device of rank 0, e.g. "cpu" or "cuda:0".
    device_name : str
        GPU model, or the CPU's vector instruction set torch dispatches to (e.g. "AVX512").
    world_size : int
        Processes (DDP ranks).
    torch_threads : int
        ``torch.get_num_threads()`` in effect (``train.threads``, or torch's default).
    interop_threads : int
    omp_num_threads, mkl_num_threads : str or None
        The environment variables, for the record (torch's default thread count follows them).
    deterministic_algorithms : bool
        ``torch.are_deterministic_algorithms_enabled()``.
    cudnn_deterministic, cudnn_benchmark, tf32_matmul, tf32_cudnn : bool
    torch : str
        torch version.
    """

    device: str
    device_name: str
    world_size: int
    torch_threads: int
    interop_threads: int
    omp_num_threads: str | None
    mkl_num_threads: str | None
    deterministic_algorithms: bool
    cudnn_deterministic: bool
    cudnn_benchmark: bool
    tf32_matmul: bool
    tf32_cudnn: bool
    torch: str

    def to_dict(self) -> dict:
        return asdict(self)


# The fields that change results when they change (environment variables act only through torch_threads).
_COMPARED = ("device", "device_name", "world_size", "torch_threads", "deterministic_algorithms",
             "cudnn_deterministic", "cudnn_benchmark", "tf32_matmul", "tf32_cudnn", "torch")


def current_settings(device: torch.device, world_size: int) -> ExecutionSettings:
    """The settings in effect now, for a run on ``device`` with ``world_size`` ranks."""
    device = torch.device(device)
    if device.type == "cuda":
        device_name = torch.cuda.get_device_name(device)
    else:
        device_name = torch.backends.cpu.get_cpu_capability()
    return ExecutionSettings(
        device=str(device), device_name=device_name, world_size=int(world_size),
        torch_threads=torch.get_num_threads(), interop_threads=torch.get_num_interop_threads(),
        omp_num_threads=os.environ.get("OMP_NUM_THREADS"), mkl_num_threads=os.environ.get("MKL_NUM_THREADS"),
        deterministic_algorithms=torch.are_deterministic_algorithms_enabled(),
        cudnn_deterministic=bool(torch.backends.cudnn.deterministic),
        cudnn_benchmark=bool(torch.backends.cudnn.benchmark),
        tf32_matmul=bool(torch.backends.cuda.matmul.allow_tf32), tf32_cudnn=bool(torch.backends.cudnn.allow_tf32),
        torch=torch.__version__,
    )


def settings_differences(recorded: dict | None, current: ExecutionSettings) -> list[str]:
    """``"name recorded -> current"`` for every result-relevant setting that differs.

    A run made before these settings were recorded (``recorded`` None) differs in "unknown".

    Examples
    --------
    >>> now = current_settings(torch.device("cpu"), 1)
    >>> settings_differences(dict(now.to_dict(), torch_threads=now.torch_threads + 1), now)  # doctest: +ELLIPSIS
    ['torch_threads ... -> ...']
    """
    if recorded is None:
        return ["unknown (the run predates recorded execution settings)"]
    now = current.to_dict()
    known = {f.name for f in fields(ExecutionSettings)}
    return [f"{name} {recorded.get(name)} -> {now[name]}" for name in _COMPARED
            if name in known and recorded.get(name) != now[name]]


def git_revision() -> dict:
    """``{"revision": sha or None, "dirty": bool or None}`` of the checkout holding this package."""
    here = Path(__file__).resolve().parent
    try:
        rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=here, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return {"revision": None, "dirty": None}
    if rev.returncode:
        return {"revision": None, "dirty": None}
    return {"revision": rev.stdout.strip(), "dirty": bool(dirty.stdout.strip())}


def versions() -> dict:
    """Versions of python, the platform and the numerical libraries."""
    import scipy

    def dist_version(name):
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return None

    return {
        "python": sys.version.split()[0], "platform": platform.platform(), "torch": torch.__version__,
        "numpy": np.__version__, "scipy": scipy.__version__, "gammaal": dist_version("gammaal"),
        "cuda": torch.version.cuda, "cudnn": torch.backends.cudnn.version() if torch.cuda.is_available() else None,
    }


def run_record(out_dir: Path, meta: dict | None, plan, data, ctx, settings: ExecutionSettings,
               argv: list[str] | None) -> dict:
    """What pose records in ``run.json`` (merged there by :func:`gammaal.al.run`): for a new run the config,
    provenance and execution settings; on resume the saved record with the new config and this invocation
    appended to ``resumes`` — after warning about changed execution settings.

    Parameters
    ----------
    meta : dict or None
        The saved ``run.json`` when resuming, None for a new run.
    plan : pose.resume.ResumePlan
    data : pose.datasets.ActiveLearningData
    ctx : gammaal.al.distributed.DistributedContext
    settings : ExecutionSettings
        The settings in effect now.
    """
    config = plan.config
    now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    command = argv or sys.argv
    if meta is None:
        return {
            "config": config_to_dict(config), "seeds": config.seed_list, "strategies": config.active.strategies,
            "metric": data.metric, "world_size": ctx.world_size, "device": str(ctx.device),
            "execution": settings.to_dict(), "versions": versions(), "git": git_revision(), "command": command,
            "created": now,
            "sizes": {"labelable": len(data.train_view), "base": int(data.base.size),
                      "test": len(data.test), "domains": data.train_view.names},
        }
    previous = meta.get("resumes") or [meta]
    differences = settings_differences(previous[-1].get("execution"), settings)
    if differences:
        warnings.warn(ReproducibilityWarning(
            f"resuming {out_dir} with other execution settings than it ran with ({'; '.join(differences)}): "
            f"{DIFFERENCE_EFFECT}"), stacklevel=3)
    for change in plan.changes:
        tqdm.write(f"resume: {change}")
    meta = dict(meta, config=config_to_dict(config), seeds=config.seed_list, strategies=config.active.strategies)
    meta["resumes"] = list(meta.get("resumes", [])) + [{"time": now, "command": command,
                                                        "execution": settings.to_dict(), "git": git_revision(),
                                                        "changes": plan.changes}]
    return meta
