"""Aggregate a run directory into the paper's Table 3, Fig. 5 and the gamma analysis.

``write_report(run_dir)`` reads the run's typed records
(:func:`gammaal.al.load_results`: every ``<strategy>/seed_<s>/cycle_NN.json``; a run
still in progress is reported as far as it got) and writes into ``run_dir/report``:

- ``table3a.{md,csv}``: PCK of the images each strategy selects at stage n,
  with the model that selected them (failure detection; lower is better);
- ``table3b.{md,csv}``: test PCK after each stage's training, by number of
  labelled images (higher is better);
- ``correlations.{md,csv}``: Pearson / Spearman / Kendall of predicted vs
  true loss on the scored pool, and the mean true loss of selected vs all
  scored images (the claims of Fig. 5);
- ``gamma.{md,csv}``: per cycle the fitted k, θ and KS statistic of the
  training losses, and per δ the exact P(|X−Y| ≤ δ), the empirical pair
  fraction and φ(δ);
- ``paired_summary``, ``paired_vs_ll``, ``paired_vs_random``, ``ties`` (``.md`` + ``.csv``,
  :mod:`pose.paired`): per stage mean ± 95 % CI of each strategy, the seed-paired differences to LL and
  to random with the ones whose CI excludes 0 in bold, and the fraction of pool predictions tied at the
  selection cut-off;
- ``pck_curves.csv``: test PCK over the protocol's threshold grid, per strategy and cycle (mean, std, n
  over seeds), and ``pck_curves.png`` with the curves of each strategy's last cycle;
- ``gallery/<strategy>_stage<NN>_{selected,random}.png`` (:func:`pose.gallery.write_gallery`): the first
  images each strategy selects per stage, predicted skeleton over the truth, predicted/true loss in the corner;
- ``report.md``: all tables in one file;
- ``fig5_scatter.png``, ``gamma_fits.png``, ``accuracy_vs_labels.png`` (matplotlib, Agg).

Cells are mean ± sample standard deviation over seeds; with one seed a cell is
the value alone (a spread needs two seeds) and the CSV leaves its std empty.
"""
from __future__ import annotations

import csv
import io
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gammaal.al.records import CycleRecord
from gammaal.al.results import Results, load_results

from .checkpoint import atomic_write_bytes, atomic_write_text, read_run_json
from .strategies import STRATEGIES

__all__ = ["Run", "load_run", "table3a", "table3b", "correlation_table", "gamma_table", "write_report"]


@dataclass
class Run:
    """A run directory read back: ``meta`` is ``run.json``, ``results`` the typed cycle records."""

    meta: dict
    results: Results

    @property
    def cycles(self) -> int:
        return self.results.cycles

    @property
    def metric(self) -> str:
        return self.results.metric_name

    def strategies(self) -> Iterator[tuple[str, dict[int, list[CycleRecord]]]]:
        """``(strategy, {seed: records})`` for every strategy with at least one record."""
        for strategy, seeds in self.results.records.items():
            seeds = {seed: records for seed, records in seeds.items() if records}
            if seeds:
                yield strategy, seeds


def load_run(run_dir: str | Path) -> Run:
    """Read a run directory (``run.json`` and every cycle record, as far as the run got)."""
    run_dir = Path(run_dir)
    meta_path = run_dir / "run.json"
    if not meta_path.is_file():
        raise ValueError(f"RUN_DIR: {run_dir} has no run.json (not a `python -m pose run` output)")
    meta = read_run_json(meta_path, "restore it from a backup; it holds the run's config")
    if "settings" not in meta:
        raise ValueError(f"RUN_DIR: {meta_path} holds no engine settings (a run from before pose ran on "
                         "gammaal.al); rerun it with `python -m pose run`")
    return Run(meta, load_results(run_dir))


def _at(seeds: dict[int, list[CycleRecord]], cycle: int) -> list[CycleRecord]:
    """The records of ``cycle`` over the seeds that got that far."""
    return [records[cycle] for records in seeds.values() if len(records) > cycle]


def _selecting(seeds: dict[int, list[CycleRecord]], cycle: int) -> list[CycleRecord]:
    return [r for r in _at(seeds, cycle) if r.selected]


def _mean_std(values) -> tuple[float, float, int]:
    v = np.asarray([x for x in values if x is not None], dtype=np.float64)
    if v.size == 0:
        return float("nan"), float("nan"), 0
    return float(v.mean()), float(v.std(ddof=1)) if v.size > 1 else 0.0, int(v.size)


def _cell(values, digits: int = 3) -> str:
    mean, std, n = _mean_std(values)
    if n == 0:
        return "–"
    small = 0 < abs(mean) < 0.01  # losses ~1e-3, θ ~1e-5 keep their significant digits
    text = f"{mean:.3g}" if small else f"{mean:.{digits}f}"
    if n == 1:
        return text
    return f"{text} ± {std:.2g}" if small else f"{text} ± {std:.{digits}f}"


def _label(strategy: str) -> str:
    return STRATEGIES[strategy].label if strategy in STRATEGIES else strategy


def table3a(run: Run) -> tuple[list[str], list[list]]:
    """Failure detection: header and rows (strategy, then PCK of selected images per stage)."""
    header = ["strategy"] + [f"Stage {s}" for s in range(1, run.cycles + 1)]
    rows = []
    for strategy, seeds in run.strategies():
        rows.append([_label(strategy)] + [[r.selected_metric for r in _selecting(seeds, stage - 1)]
                                          for stage in range(1, run.cycles + 1)])
    return header, rows


def table3b(run: Run) -> tuple[list[str], list[list]]:
    """Test accuracy: header (# labelled images) and rows (strategy, test PCK per cycle)."""
    sizes = {}
    for _, seeds in run.strategies():
        for c in range(run.cycles + 1):
            for r in _at(seeds, c):
                sizes.setdefault(c, r.num_labelled)
    header = ["strategy"] + [f"{sizes[c]} images" if c in sizes else f"cycle {c}" for c in range(run.cycles + 1)]
    rows = []
    for strategy, seeds in run.strategies():
        rows.append([_label(strategy)] + [[r.test_metric for r in _at(seeds, c)] for c in range(run.cycles + 1)])
    return header, rows


def correlation_table(run: Run) -> tuple[list[str], list[list]]:
    """Per strategy and stage: correlations of predicted vs true loss, and selected vs pool mean loss."""
    header = ["strategy", "stage", "pearson", "spearman", "kendall", "mean loss selected", "mean loss pool"]
    rows = []
    for strategy, seeds in run.strategies():
        for stage in range(1, run.cycles + 1):
            sel = _selecting(seeds, stage - 1)
            if not sel:
                continue
            corr = [r.correlation for r in sel]
            rows.append([_label(strategy), stage]
                        + [[getattr(c, k) if c else None for c in corr] for k in ("pearson", "spearman", "kendall")]
                        + [[r.selected_true_loss for r in sel], [r.pool_true_loss for r in sel]])
    return header, rows


def cost_table(run: Run) -> tuple[list[str], list[list]]:
    """Selection cost per strategy, measured in the run: ``CycleRecord.selection_seconds`` per scored pool image
    (scoring with whatever the strategy needs, and choosing), and its ratio to random's in the same seed and
    stage — random scores one forward pass and the true loss, so the ratio is the cost in forward passes."""
    def ms_per_image(record: CycleRecord) -> float:
        return 1e3 * record.selection_seconds / len(record.candidates)

    reference = run.results.records.get("random", {})
    header = ["strategy", "ms per pool image (median)", "× random (same seed, stage; median)", "range of ×", "n"]
    rows = []
    for strategy, seeds in run.strategies():
        per_image, ratio = [], []
        for seed, records in seeds.items():
            for r in records:
                if not r.selected or not r.candidates or r.selection_seconds <= 0:
                    continue
                per_image.append(ms_per_image(r))
                twin = [q for q in reference.get(seed, []) if q.cycle == r.cycle and q.selection_seconds > 0]
                if twin and twin[0].candidates:
                    ratio.append(per_image[-1] / ms_per_image(twin[0]))
        if per_image:
            # Medians: a wall-clock time has outliers (a first call compiling, other load on the machine).
            spread = f"{min(ratio):.2f}–{max(ratio):.2f}" if ratio else "–"
            rows.append([_label(strategy), f"{np.median(per_image):.3g}",
                         f"{np.median(ratio):.3g}" if ratio else None, spread, len(per_image)])
    return header, rows


def gamma_table(run: Run) -> tuple[list[str], list[list]]:
    """Per strategy and cycle: fitted k, θ, KS of the training losses; per δ (in units of the mean μ = kθ)
    the exact and empirical fractions of pairs within δ, and φ(δ)."""
    deltas = run.meta["settings"]["gamma_deltas"]
    header = ["strategy", "cycle", "labelled", "k", "theta", "KS"]
    for d in deltas:
        header += [f"exact δ={d:g}μ", f"empirical δ={d:g}μ", f"φ(δ={d:g}μ)"]
    rows = []
    for strategy, seeds in run.strategies():
        for c in range(run.cycles + 1):
            done = _at(seeds, c)
            if not done:
                continue
            fits = [r.train_gamma for r in done if r.train_gamma is not None and r.train_gamma.k is not None]
            row = [_label(strategy), c, done[0].num_labelled,
                   [g.k for g in fits], [g.theta for g in fits], [g.ks_statistic for g in fits]]
            for i in range(len(deltas)):
                row += [[g.deltas[i].prob_within for g in fits], [g.deltas[i].empirical for g in fits],
                        [g.deltas[i].phi for g in fits]]
            rows.append(row)
    return header, rows


def _curves(run: Run) -> dict[tuple[str, int], tuple[np.ndarray, np.ndarray]]:
    """``(strategy, cycle) -> (thresholds, (seeds, T) values)`` for the records that carry a test curve."""
    out = {}
    for strategy, seeds in run.strategies():
        for c in range(run.cycles + 1):
            curves = [r.test_curve for r in _at(seeds, c) if r.test_curve is not None]
            if curves:
                values = np.array([[np.nan if v is None else v for v in k.values] for k in curves], float)
                out[(strategy, c)] = (np.asarray(curves[0].thresholds, float), values)
    return out


def curves_csv(run: Run) -> str | None:
    """CSV ``strategy, cycle, threshold, mean, std, n`` of the test PCK curves (None without curves)."""
    curves = _curves(run)
    if not curves:
        return None
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["strategy", "cycle", "threshold", f"{run.metric} mean", f"{run.metric} std", "n"])
    for (strategy, cycle), (grid, values) in curves.items():
        for j, t in enumerate(grid):
            mean, std, n = _mean_std([v for v in values[:, j] if np.isfinite(v)])
            writer.writerow([_label(strategy), cycle, f"{t:.6g}", f"{mean:.6g}" if n else "",
                             f"{std:.6g}" if n > 1 else "", n])
    return out.getvalue()


def _plot_pck_curves(run: Run, path: Path, plt) -> bool:
    """Test PCK against its threshold for each strategy's last completed cycle (mean over seeds)."""
    curves = _curves(run)
    last = {}
    for (strategy, cycle) in curves:
        last[strategy] = max(cycle, last.get(strategy, -1))
    if not last:
        return False
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for strategy, cycle in last.items():
        grid, values = curves[(strategy, cycle)]
        ax.plot(grid, 100 * np.nanmean(values, axis=0), label=f"{_label(strategy)} (cycle {cycle}, n={len(values)})")
    ax.set_xlabel(f"{run.metric.split('@')[0]} threshold (fraction of the normaliser)")
    ax.set_ylabel(f"test {run.metric.split('@')[0]} (%)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    _save_figure(fig, path)
    plt.close(fig)
    return True


def _format(value, digits):
    if isinstance(value, list):
        return _cell(value, digits)
    return "–" if value is None else str(value)


def _markdown(header, rows, digits: int = 3) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_format(v, digits) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _csv(header, rows) -> str:
    """CSV with a mean and a std column for every aggregated cell."""
    out = io.StringIO()
    writer = csv.writer(out)
    expanded = []
    for i, name in enumerate(header):
        if rows and isinstance(rows[0][i], list):
            expanded += [f"{name} mean", f"{name} std", f"{name} n"]
        else:
            expanded.append(name)
    writer.writerow(expanded)
    for row in rows:
        line = []
        for value in row:
            if isinstance(value, list):
                mean, std, n = _mean_std(value)
                line += [f"{mean:.6g}" if n else "", f"{std:.6g}" if n > 1 else "", n]
            else:
                line.append(value)
        writer.writerow(line)
    return out.getvalue()


def _save_figure(fig, path: Path) -> None:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    atomic_write_bytes(path, buffer.getvalue())


def _plot_scatter(run: Run, path: Path, plt) -> bool:
    """Fig. 5: predicted vs true loss on the scored pool, selected images highlighted (first seed)."""
    panels = []
    for strategy, seeds in run.strategies():
        seed = min(seeds)
        panels += [(strategy, seed, r) for r in seeds[seed] if r.selected and r.predicted_loss is not None]
    if not panels:
        return False
    strategies = list(dict.fromkeys(p[0] for p in panels))
    stages = max(r.cycle for _, _, r in panels) + 1
    fig, axes = plt.subplots(len(strategies), stages, figsize=(3.2 * stages, 2.9 * len(strategies)), squeeze=False)
    for ax in axes.flat:
        ax.set_visible(False)
    for strategy, seed, r in panels:
        ax = axes[strategies.index(strategy), r.cycle]
        ax.set_visible(True)
        true = np.asarray(r.true_loss, float)
        pred = np.asarray(r.predicted_loss, float)
        mask = np.isin(np.asarray(r.candidates), r.selected)
        ax.scatter(true[~mask], pred[~mask], s=4, alpha=0.4, color="tab:blue", label="pool")
        ax.scatter(true[mask], pred[mask], s=6, color="black", label="selected")
        title = f"{_label(strategy)} stage {r.cycle + 1} (seed {seed})"
        if r.correlation is not None:
            title += f"\nρ_s={r.correlation.spearman:.2f} τ={r.correlation.kendall:.2f}"
        ax.set_title(title, fontsize=8)
        ax.set_xlabel("true loss", fontsize=8)
        ax.set_ylabel("predicted loss", fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0, 0].legend(fontsize=7)
    fig.tight_layout()
    _save_figure(fig, path)
    plt.close(fig)
    return True


def _plot_gamma(run: Run, path: Path, plt) -> bool:
    """Histogram of per-image training losses per cycle with the fitted gamma density (first seed)."""
    from scipy import stats

    rows = [(s, seeds[min(seeds)]) for s, seeds in run.strategies()]
    if not rows:
        return False
    ncols = max(len(cycles) for _, cycles in rows)
    fig, axes = plt.subplots(len(rows), ncols, figsize=(3.0 * ncols, 2.5 * len(rows)), squeeze=False)
    for ax in axes.flat:
        ax.set_visible(False)
    for i, (strategy, cycles) in enumerate(rows):
        for c, record in enumerate(cycles):
            ax = axes[i, c]
            ax.set_visible(True)
            losses = np.asarray(record.train_loss or [], float)
            losses = losses[np.isfinite(losses) & (losses > 0)]
            if losses.size:
                ax.hist(losses, bins=30, density=True, color="tab:gray", alpha=0.6)
            g = record.train_gamma
            title = f"{_label(strategy)} cycle {c} (n={record.num_labelled})"
            if g is not None and g.k is not None and losses.size:
                x = np.linspace(0, losses.max() * 1.05, 200)
                ax.plot(x, stats.gamma.pdf(x, g.k, scale=g.theta), color="tab:red")
                title += f"\nk={g.k:.2f} θ={g.theta:.3g} KS={g.ks_statistic:.3f}"
            ax.set_title(title, fontsize=8)
            ax.set_xlabel("per-image training loss", fontsize=8)
            ax.set_ylabel("density", fontsize=8)
            ax.tick_params(labelsize=7)
    fig.tight_layout()
    _save_figure(fig, path)
    plt.close(fig)
    return True


def _plot_curves(run: Run, path: Path, plt) -> bool:
    """Test accuracy vs number of labelled images, and PCK of the selected images per stage (mean ± std)."""
    if not any(True for _ in run.strategies()):
        return False
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for strategy, seeds in run.strategies():
        points = [(_at(seeds, c)[0].num_labelled, _mean_std([r.test_metric for r in _at(seeds, c)]))
                  for c in range(run.cycles + 1) if _at(seeds, c)]
        left.errorbar([x for x, _ in points], [m for _, (m, _, _) in points], yerr=[s for _, (_, s, _) in points],
                      marker="o", capsize=3, label=_label(strategy))
        stages = [(c + 1, _mean_std([r.selected_metric for r in _selecting(seeds, c)]))
                  for c in range(run.cycles) if _selecting(seeds, c)]
        right.errorbar([x for x, _ in stages], [m for _, (m, _, _) in stages], yerr=[s for _, (_, s, _) in stages],
                       marker="o", capsize=3, label=_label(strategy))
    left.set_xlabel("labelled images")
    left.set_ylabel(f"test {run.metric}")
    left.set_title("Table 3(b): test accuracy")
    left.legend(fontsize=8)
    right.set_xticks(range(1, run.cycles + 1))
    right.set_xlabel("stage")
    right.set_ylabel(f"{run.metric} of selected images (lower = failures found)")
    right.set_title("Table 3(a): failure detection")
    fig.tight_layout()
    _save_figure(fig, path)
    plt.close(fig)
    return True


def write_report(run_dir: str | Path, out_dir: str | Path | None = None) -> Path:
    """Write the tables (Markdown + CSV) and figures (PNG) of a run.

    Parameters
    ----------
    run_dir : str or Path
        Output of ``python -m pose run``.
    out_dir : str or Path, optional
        Default ``run_dir/report``.

    Returns
    -------
    Path
        The report directory.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    run = load_run(run_dir)
    out = Path(out_dir) if out_dir else Path(run_dir) / "report"
    meta = run.meta
    metric = run.metric
    seeds_done = {strategy: sum(len(c) == run.cycles + 1 for c in seeds.values())
                  for strategy, seeds in run.results.records.items()}
    name = (meta.get("config") or {}).get("name", Path(run_dir).name)
    sections = [
        f"# Active learning report: {name}\n",
        f"Metric {metric}; seeds {run.results.seeds}; git {(meta.get('git') or {}).get('revision')}; "
        f"torch {(meta.get('versions') or {}).get('torch')}; device {meta.get('device')} "
        f"x{meta.get('world_size')}.\n",
        "Completed seeds per strategy: " + ", ".join(f"{_label(s)} {n}" for s, n in seeds_done.items()) + "\n",
    ]
    tables = [
        ("table3a", f"Table 3(a): {metric} of the images selected at stage n, with the model that selected them "
                    "(lower = better failure detection)", table3a(run)),
        ("table3b", f"Table 3(b): test {metric} after training on the labelled images (higher is better)",
         table3b(run)),
        ("correlations", "Fig. 5: correlation of predicted and true loss on the scored pool; mean true loss of the "
                         "selected images vs the whole scored pool", correlation_table(run)),
        ("cost", "Selection cost measured in this run: scoring the pool and choosing, per scored image (median over "
                 "seeds and stages; wall time, so other load on the machine enters)", cost_table(run)),
        ("gamma", "Gamma analysis of per-image training losses (δ in units of the fitted mean μ = kθ): exact "
                  "P(\\|X−Y\\| ≤ δ) under the fit, empirical fraction of training pairs within δ, φ(δ)",
         gamma_table(run)),
    ]
    for name, title, (header, rows) in tables:
        digits = 4 if name in ("gamma", "correlations") else 3
        md = _markdown(header, rows, digits)
        atomic_write_text(out / f"{name}.md", f"### {title}\n\n{md}")
        atomic_write_text(out / f"{name}.csv", _csv(header, rows))
        sections.append(f"## {title}\n\n{md}")
    from .paired import paired_tables

    for name, title, md, table_csv in paired_tables(run.results):  # seed-paired statistics (pose.paired)
        atomic_write_text(out / f"{name}.md", f"### {title}\n\n{md}")
        atomic_write_text(out / f"{name}.csv", table_csv)
        sections.append(f"## {title}\n\n{md}")
    curves = curves_csv(run)
    if curves is not None:
        atomic_write_text(out / "pck_curves.csv", curves)
    figures = [("fig5_scatter.png", _plot_scatter), ("gamma_fits.png", _plot_gamma),
               ("accuracy_vs_labels.png", _plot_curves), ("pck_curves.png", _plot_pck_curves)]
    for filename, plot in figures:
        if plot(run, out / filename, plt):
            sections.append(f"![{filename}]({filename})\n")
    from .gallery import write_gallery

    try:
        gallery = write_gallery(run_dir, out / "gallery")
    except (OSError, ValueError) as exc:  # e.g. the images are not on this machine: the tables still stand
        gallery = []
        warnings.warn(f"report: no gallery ({exc})", stacklevel=2)
        sections.append(f"Gallery skipped: {exc}\n")
    if gallery:
        sections.append("## Gallery: what each strategy selects (first images per stage, predicted skeleton in red "
                        "over the truth in green; random picks beside)\n")
        sections += [f"![{path.name}](gallery/{path.name})\n" for path in gallery]
    atomic_write_text(out / "report.md", "\n".join(sections))
    return out
