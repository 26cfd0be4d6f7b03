"""``python -m pose bench``: what a pose run costs, measured in one run on one device with the engine's own pieces.

- training images/s of the backbone alone (the network the engine builds for ``random``: taps, no head)
  and with each loss head of the config's strategies (built by :func:`gammaal.al.engine.build_network`, trained by
  :func:`gammaal.al.training.train_network`), and the time ratio head/backbone paired by repeat (target ≤ 1.10);
- pool-scoring images/s (:func:`gammaal.al.scoring.measure` with outputs and embeddings, as a selection scores);
- k-center core-set selection (:func:`gammaal.al.strategies.k_center_greedy`) on a random N × D float32 pool as
  the engine calls it: numpy embeddings on the CPU and, on CUDA, tensors on the device (a CUDA run hands the
  core-set strategy its embeddings there); below the paper size (100 000 × 256, budget 1 000, 1 000 labelled)
  the time is also given scaled linearly in N · (budget + labelled), slightly low (a small pool sits in cache:
  2 000 × 256 scaled to 14.2 s where the full size measured 14.7 s on one core of the same CPU);
- peak memory: ``torch.cuda.max_memory_allocated`` per network on CUDA, the process's peak RSS on CPU;
- on CUDA: fp32 vs bf16 autocast vs channels_last (vs both) for the network with every head.

Rates are mean ± 95 % Student-t half-width over ``--repeats`` timed repeats (after one untimed warm-up),
the networks interleaved within each repeat so that machine load drifts hit all of them alike. On a CPU
device the head/backbone ratio is also given in process CPU seconds, which other processes sharing the
cores disturb far less than wall time.
"""
from __future__ import annotations

import argparse
import dataclasses
import math
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Subset
from tqdm.auto import tqdm

from gammaal.al.distributed import DistributedContext, resolve_device
from gammaal.al.engine import build_network
from gammaal.al.results import t_interval
from gammaal.al.scoring import measure
from gammaal.al.settings import RunSettings
from gammaal.al.strategies import STRATEGIES, k_center_greedy
from gammaal.al.strategies.coreset import CoreSetStrategy
from gammaal.al.training import train_network

from .checkpoint import atomic_write_json, atomic_write_text, to_jsonable

__all__ = ["Rate", "NetworkCost", "CoresetCost", "PrecisionCost", "BenchResult", "bench", "add_arguments", "run",
           "PAPER_CORESET"]

PAPER_CORESET = (100_000, 256, 1_000, 1_000)
"""Core-set size the issue asks about: pool N, embedding D, budget, labelled set."""

HEAD_TARGET = 1.10
"""Training time with a loss head over the backbone's alone must stay below this."""


@dataclass
class Rate:
    """Mean ± 95 % t half-width over ``n`` repeats."""

    mean: float
    half_width: float
    n: int

    @classmethod
    def of(cls, values) -> Rate:
        mean, half = t_interval(values)
        return cls(mean, half, len(values))

    def text(self, digits: int = 3) -> str:
        return f"{self.mean:.{digits}g} ± {self.half_width:.2g}"


@dataclass
class NetworkCost:
    """One network: ``heads`` (strategy names whose heads it carries), its rates and peak memory."""

    name: str
    heads: list[str]
    train_images_per_s: Rate
    score_images_per_s: Rate
    time_ratio: Rate | None  # training wall seconds / the backbone's, paired by repeat (None for the backbone)
    cpu_time_ratio: Rate | None  # the same in process CPU seconds (CPU devices: robust to other load on shared cores)
    peak_memory_mib: float | None  # CUDA only


@dataclass
class CoresetCost:
    """k-center greedy on a ``pool`` × ``dim`` pool, ``budget`` picks, ``labelled`` initial centres."""

    device: str
    pool: int
    dim: int
    budget: int
    labelled: int
    seconds: float
    cpu_seconds: float | None  # process CPU time (computing on the CPU only)
    paper_size_seconds: float  # scaled linearly in pool · (budget + labelled); equal to seconds at that size


@dataclass
class PrecisionCost:
    """Training of the network with every head in one precision / memory format (CUDA)."""

    mode: str
    train_images_per_s: Rate
    speedup: Rate  # fp32 seconds / this mode's, paired by repeat
    peak_memory_mib: float


@dataclass
class BenchResult:
    """Everything ``python -m pose bench`` measured."""

    config: str
    device: str
    threads: int
    torch: str
    input_size: int
    batch_size: int
    train_images: int
    score_images: int
    repeats: int
    networks: list[NetworkCost]
    coreset: list[CoresetCost]
    precision: list[PrecisionCost]
    precision_skipped: str | None
    peak_rss_mib: float
    seconds: float


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _timed(device: torch.device, work) -> tuple[float, float]:
    """Wall and process CPU seconds of ``work()`` (CUDA synchronised on both sides)."""
    _sync(device)
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    _sync(device)
    return time.perf_counter() - wall, time.process_time() - cpu


def _peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes on macOS, KiB on Linux


class _Bench:
    """The task, the engine's settings and the data slices every measurement shares."""

    def __init__(self, config, train_images: int, score_images: int, repeats: int, progress: bool):
        from .datasets import prepare_data
        from .task import PoseTask, engine_settings

        self.config = config
        self.task = PoseTask(config, data=prepare_data(config))
        self.settings = RunSettings.create(**engine_settings(config))
        self.ctx = DistributedContext(device=resolve_device(config.train.device, argument="--device"))
        full = self.task.training_data(np.arange(len(self.task.pool)))
        self.train_set = Subset(full, list(range(min(train_images, len(full)))))
        self.score_indices = np.arange(min(score_images, len(self.task.pool)))
        batch = self.settings.batch_size
        n = len(self.train_set)
        self.images_per_epoch = n // batch * batch if n >= batch else n  # the loader drops a short last batch
        self.repeats = repeats
        self.bar = tqdm(desc="bench", unit="step", disable=not progress)

    def network(self, heads: list[str], channels_last: bool = False):
        settings = dataclasses.replace(self.settings, channels_last=channels_last)
        return build_network(self.task, settings, heads, seed=0, init_seed=0, ctx=self.ctx)

    def train_seconds(self, network, amp: str | None = None, channels_last: bool = False) -> tuple[float, float]:
        opt = dataclasses.replace(self.settings.optimisation(1), epochs=1, keep_best=False, plateau_patience=None,
                                  amp=self.settings.amp if amp is None else amp, channels_last=channels_last)
        seconds = _timed(self.ctx.device, lambda: train_network(network, self.train_set, self.task, opt, self.ctx,
                                                                seed=0, progress=False))
        self.bar.update()
        return seconds

    def score_seconds(self, network) -> tuple[float, float]:
        s = self.settings
        seconds = _timed(self.ctx.device, lambda: measure(
            network, self.task, self.task.pool, self.score_indices, self.ctx, batch_size=s.eval_batch_size,
            amp=s.amp, needs={"outputs", "embeddings"}, num_workers=s.num_workers, channels_last=s.channels_last))
        self.bar.update()
        return seconds

    def peak_mib(self, work) -> float | None:
        if self.ctx.device.type != "cuda":
            work()
            return None
        torch.cuda.reset_peak_memory_stats(self.ctx.device)
        work()
        return torch.cuda.max_memory_allocated(self.ctx.device) / 2**20


def _head_strategies(config) -> list[str]:
    return [name for name in config.active.strategies if STRATEGIES[name].head is not None]


def _networks(b: _Bench) -> list[NetworkCost]:
    variants = {"backbone": [], **{name: [name] for name in _head_strategies(b.config)}}
    networks = {name: b.network(heads) for name, heads in variants.items()}
    peaks = {name: b.peak_mib(lambda net=net: (b.train_seconds(net), b.score_seconds(net)))
             for name, net in networks.items()}  # the untimed warm-up
    train = {name: [] for name in networks}
    score = {name: [] for name in networks}
    for _ in range(b.repeats):
        for name, net in networks.items():
            train[name].append(b.train_seconds(net))
        for name, net in networks.items():
            score[name].append(b.score_seconds(net))
    train = {name: np.asarray(t) for name, t in train.items()}  # (repeats, [wall, cpu])
    base, on_cpu = train["backbone"], b.ctx.device.type == "cpu"
    return [NetworkCost(name, variants[name], Rate.of(b.images_per_epoch / train[name][:, 0]),
                        Rate.of(b.score_indices.size / np.asarray(score[name])[:, 0]),
                        None if name == "backbone" else Rate.of(train[name][:, 0] / base[:, 0]),
                        None if name == "backbone" or not on_cpu else Rate.of(train[name][:, 1] / base[:, 1]),
                        peaks[name])
            for name in networks]


def _coreset(b: _Bench, pool: int, dim: int, budget: int, labelled: int) -> list[CoresetCost]:
    generator = torch.Generator().manual_seed(0)
    features = torch.randn(pool, dim, generator=generator)
    centres = torch.randn(labelled, dim, generator=generator)
    full_pool, _, full_budget, full_labelled = PAPER_CORESET
    scale = full_pool * (full_budget + full_labelled) / (pool * (budget + labelled))
    devices = [("cpu (numpy: as a CPU run calls it)", features.numpy(), centres.numpy())]
    if b.ctx.device.type == "cuda":
        devices.append((f"{b.ctx.device} (as a CUDA run calls it)", features.to(b.ctx.device),
                        centres.to(b.ctx.device)))
    costs = []
    for name, x, c in devices:
        device = torch.device("cpu") if isinstance(x, np.ndarray) else b.ctx.device
        seconds, cpu = _timed(device, lambda: k_center_greedy(x, budget, c, chunk_size=CoreSetStrategy.chunk_size))
        b.bar.update()
        costs.append(CoresetCost(name, pool, dim, budget, labelled, seconds, cpu if device.type == "cpu" else None,
                                 seconds * scale))
    return costs


PRECISION_MODES = {"fp32": ("none", False), "bf16": ("bf16", False), "channels_last": ("none", True),
                   "bf16+channels_last": ("bf16", True)}
"""CUDA precision / memory-format modes: (amp, channels_last)."""


def _precision(b: _Bench) -> list[PrecisionCost]:
    heads = _head_strategies(b.config)
    networks = {mode: b.network(heads, channels_last=cl) for mode, (_, cl) in PRECISION_MODES.items()}
    peaks = {mode: b.peak_mib(lambda m=mode: b.train_seconds(networks[m], *PRECISION_MODES[m]))
             for mode in networks}
    times = {mode: [] for mode in networks}
    for _ in range(b.repeats):
        for mode, net in networks.items():
            times[mode].append(b.train_seconds(net, *PRECISION_MODES[mode])[0])
    fp32 = np.asarray(times["fp32"])
    return [PrecisionCost(mode, Rate.of(b.images_per_epoch / np.asarray(t)), Rate.of(fp32 / np.asarray(t)),
                          peaks[mode]) for mode, t in times.items()]


def bench(config, *, train_images: int = 128, score_images: int = 256, repeats: int = 5,
          coreset: tuple[int, int, int, int] = PAPER_CORESET, progress: bool = True) -> BenchResult:
    """Measure ``config``'s costs on its ``train.device`` (see the module docstring).

    Parameters
    ----------
    config : pose.config.RunConfig
    train_images, score_images : int, >= 1
        Images per timed training epoch (base set, then pool) and per timed scoring pass.
    repeats : int, >= 2
        Timed repeats behind each interval.
    coreset : (pool, dim, budget, labelled), pool >= budget >= 1, dim >= 1, labelled >= 0
    """
    for name, value, low in (("--train-images", train_images, 1), ("--score-images", score_images, 1),
                             ("--repeats", repeats, 2)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"{name}: must be an integer >= {low}, got {value!r}")
    pool, dim, budget, labelled = coreset
    if not (pool >= budget >= 1 and dim >= 1 and labelled >= 0):
        raise ValueError(f"--coreset-pool / --coreset-budget: need pool >= budget >= 1, dim >= 1 and labelled >= 0, "
                         f"got pool {pool}, dim {dim}, budget {budget}, labelled {labelled}")
    started = time.perf_counter()
    threads_before = torch.get_num_threads()
    if config.train.threads is not None:
        torch.set_num_threads(config.train.threads)
    try:
        b = _Bench(config, train_images, score_images, repeats, progress)
        steps = (repeats + 1) * 2 * (1 + len(_head_strategies(config))) + 1
        on_cuda = b.ctx.device.type == "cuda"
        b.bar.total = steps + (1 + (repeats + 1) * len(PRECISION_MODES) if on_cuda else 0)
        networks = _networks(b)
        coreset_costs = _coreset(b, pool, dim, budget, labelled)
        precision = _precision(b) if on_cuda else []
        skipped = None if on_cuda else (f"fp32 vs bf16 vs channels_last not measured on {b.ctx.device}: "
                                        "they are CUDA tensor-core paths (run with --device cuda)")
        b.bar.close()
        return BenchResult(config.name, str(b.ctx.device), torch.get_num_threads(), torch.__version__,
                           config.model.input_size, b.settings.batch_size, b.images_per_epoch,
                           int(b.score_indices.size), repeats, networks, coreset_costs, precision, skipped,
                           _peak_rss_mib(), time.perf_counter() - started)
    finally:
        torch.set_num_threads(threads_before)


def _label(name: str) -> str:
    return "backbone alone" if name == "backbone" else f"+ {STRATEGIES[name].label} head ({STRATEGIES[name].head})"


def _verdict(ratio: Rate) -> str:
    """Where the interval of a time ratio lies against :data:`HEAD_TARGET`."""
    if ratio.mean + ratio.half_width <= HEAD_TARGET:
        return f"≤ {HEAD_TARGET:.2f}"
    if ratio.mean - ratio.half_width > HEAD_TARGET:
        return f"> {HEAD_TARGET:.2f}"
    return f"CI spans {HEAD_TARGET:.2f}"


def markdown(r: BenchResult) -> str:
    """The result as Markdown tables."""
    lines = [f"`python -m pose bench` — config {r.config}, {r.device}, {r.threads} thread(s), torch {r.torch}; "
             f"{r.input_size} px, batch {r.batch_size}, {r.train_images} training / {r.score_images} scored images "
             f"per repeat, {r.repeats} repeats (mean ± 95 % t half-width).", "",
             "| network | train img/s | train time / backbone | CPU time / backbone | score img/s | peak GPU MiB |",
             "|---|---|---|---|---|---|"]
    for n in r.networks:
        ratios = ["1", "1"] if n.time_ratio is None else [
            "–" if q is None else f"{q.mean:.3f} ± {q.half_width:.3f} ({_verdict(q)})"
            for q in (n.time_ratio, n.cpu_time_ratio)]
        memory = "–" if n.peak_memory_mib is None else f"{n.peak_memory_mib:.0f}"
        lines.append(f"| {_label(n.name)} | {n.train_images_per_s.text()} | {ratios[0]} | {ratios[1]} | "
                     f"{n.score_images_per_s.text()} | {memory} |")
    lines += ["", "| core-set (k-center greedy) | pool × dim | budget | labelled | seconds | CPU seconds | "
              "at 100 000 × 256, 1 000 + 1 000 |", "|---|---|---|---|---|---|---|"]
    for c in r.coreset:
        full = c.pool == PAPER_CORESET[0] and c.budget + c.labelled == sum(PAPER_CORESET[2:])
        note = "" if full else " (scaled linearly: slightly low, a small pool sits in cache)"
        scaled = f"{c.paper_size_seconds:.3g} s{note}"
        cpu = "–" if c.cpu_seconds is None else f"{c.cpu_seconds:.3g}"
        lines.append(f"| {c.device} | {c.pool} × {c.dim} | {c.budget} | {c.labelled} | {c.seconds:.3g} | {cpu} | "
                     f"{scaled} |")
    if r.precision:
        lines += ["", "| precision (all heads) | train img/s | speed-up vs fp32 | peak GPU MiB |", "|---|---|---|---|"]
        lines += [f"| {p.mode} | {p.train_images_per_s.text()} | {p.speedup.mean:.2f} ± {p.speedup.half_width:.2f} "
                  f"| {p.peak_memory_mib:.0f} |" for p in r.precision]
    else:
        lines += ["", f"Precision: {r.precision_skipped}."]
    lines += ["", f"Peak resident memory of the process: {r.peak_rss_mib:.0f} MiB; bench took {r.seconds:.1f} s."]
    return "\n".join(lines) + "\n"


QUICK = {"train_images": 8, "score_images": 8, "coreset": (2_000, 256, 20, 20)}
"""``--quick`` defaults (CI): a few images per repeat and a small core-set pool."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``bench`` subcommand's arguments."""
    parser.add_argument("--config", default="synthetic", help="preset name or YAML path (default: synthetic)")
    parser.add_argument("--device", help="auto, cpu, cuda or cuda:N (default: the config's)")
    parser.add_argument("--set", nargs="+", default=[], metavar="SECTION.FIELD=VALUE",
                        help="override config fields, as for `run`")
    parser.add_argument("--out", help="directory for bench.json and bench.md (default: print only)")
    parser.add_argument("--quick", action="store_true",
                        help=f"CI size: {QUICK['train_images']} images per repeat, core-set pool "
                             f"{QUICK['coreset'][0]} x {QUICK['coreset'][1]} (time also stated scaled)")
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats per measurement (>= 2; default 5)")
    parser.add_argument("--train-images", type=int, help="images per timed training epoch (default 128, quick 8)")
    parser.add_argument("--score-images", type=int, help="pool images per timed scoring pass (default 256, quick 8)")
    parser.add_argument("--coreset-pool", type=int, help="core-set pool size (default 100000, quick 2000)")
    parser.add_argument("--coreset-budget", type=int, help="core-set budget and labelled centres (default 1000, "
                                                           "quick 20)")


def run(args) -> int:
    """Execute a parsed ``bench`` command: print the tables, write ``--out`` files."""
    from .config import config_from_dict, load_config_data, set_fields

    overrides = list(args.set) + ([f"train.device={args.device}"] if args.device else [])
    config = config_from_dict(set_fields(load_config_data(args.config), overrides))
    defaults = QUICK if args.quick else {"train_images": 128, "score_images": 256, "coreset": PAPER_CORESET}
    pool, dim, budget, labelled = defaults["coreset"]
    if args.coreset_pool is not None:
        pool = args.coreset_pool
    if args.coreset_budget is not None:
        budget = labelled = args.coreset_budget
    result = bench(config, train_images=defaults["train_images"] if args.train_images is None else args.train_images,
                   score_images=defaults["score_images"] if args.score_images is None else args.score_images,
                   repeats=args.repeats,
                   coreset=(pool, dim, budget, labelled))
    text = markdown(result)
    print(text, end="")
    if args.out:
        out = Path(args.out)
        atomic_write_json(out / "bench.json", to_jsonable(dataclasses.asdict(result)))
        atomic_write_text(out / "bench.md", text)
        print(f"bench written to {out / 'bench.json'} and {out / 'bench.md'}")
    if any(math.isfinite(n.time_ratio.mean) and n.time_ratio.mean - n.time_ratio.half_width > HEAD_TARGET
           for n in result.networks if n.time_ratio is not None):
        print(f"note: a loss head adds more than {HEAD_TARGET - 1:.0%} to the training time (95 % CI above "
              f"{HEAD_TARGET:.2f})", file=sys.stderr)
    return 0
