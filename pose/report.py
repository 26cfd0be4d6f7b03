"""Aggregate a run directory into the paper's Table 3, Fig. 5 and the gamma analysis.

``write_report(run_dir)`` reads every ``<strategy>/seed_<s>/cycle_NN.json``
(a run still in progress is reported as far as it got) and writes into
``run_dir/report``:

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
- ``report.md``: all tables in one file;
- ``fig5_scatter.png``, ``gamma_fits.png``, ``accuracy_vs_labels.png`` (matplotlib, Agg).

Cells are mean ± sample standard deviation over seeds; with one seed a cell is
the value alone (a spread needs two seeds) and the CSV leaves its std empty.
"""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from pathlib import Path

import numpy as np

from .checkpoint import atomic_write_bytes, atomic_write_text, read_run_json

__all__ = ["load_run", "table3a", "table3b", "correlation_table", "gamma_table", "write_report"]

STRATEGY_LABELS = {"random": "Random", "coreset": "Core-set", "ll": "LL", "llpp": "LL++", "llpp_conv": "LL++conv"}


def load_run(run_dir: str | Path) -> dict:
    """Read a run directory.

    Returns
    -------
    dict
        ``meta`` (run.json) and ``records[strategy][seed]`` = list of cycle
        records, in cycle order, as far as the run got.
    """
    run_dir = Path(run_dir)
    meta_path = run_dir / "run.json"
    if not meta_path.is_file():
        raise ValueError(f"RUN_DIR: {run_dir} has no run.json (not a `python -m pose run` output)")
    meta = read_run_json(meta_path, "restore it from a backup; it holds the run's config")
    records: dict[str, dict[int, list[dict]]] = {}
    for strategy in meta["strategies"]:
        for seed in meta["seeds"]:
            seed_dir = run_dir / strategy / f"seed_{seed}"
            cycles = []
            for c in range(meta["config"]["active"]["cycles"] + 1):
                path = seed_dir / f"cycle_{c:02d}.json"
                if not path.is_file():
                    break
                cycles.append(read_run_json(path, f"delete it and `python -m pose run --resume --out {run_dir}` "
                                                  "recomputes it"))
            if cycles:
                records.setdefault(strategy, {})[seed] = cycles
    return {"meta": meta, "records": records}


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
    return STRATEGY_LABELS.get(strategy, strategy)


def table3a(run: dict) -> tuple[list[str], list[list]]:
    """Failure detection: header and rows (strategy, then PCK of selected images per stage)."""
    stages = run["meta"]["config"]["active"]["cycles"]
    header = ["strategy"] + [f"Stage {s}" for s in range(1, stages + 1)]
    rows = []
    for strategy, seeds in run["records"].items():
        row = [_label(strategy)]
        for stage in range(1, stages + 1):
            row.append([cycles[stage - 1]["selection"]["pck"] for cycles in seeds.values()
                        if len(cycles) >= stage and cycles[stage - 1].get("selection")])
        rows.append(row)
    return header, rows


def table3b(run: dict) -> tuple[list[str], list[list]]:
    """Test accuracy: header (# labelled images) and rows (strategy, test PCK per cycle)."""
    a = run["meta"]["config"]["active"]
    base = run["meta"]["sizes"]["base"]
    header = ["strategy"] + [f"{base + c * a['budget']} images" for c in range(a["cycles"] + 1)]
    rows = []
    for strategy, seeds in run["records"].items():
        row = [_label(strategy)]
        for c in range(a["cycles"] + 1):
            row.append([cycles[c]["test"]["mean"] for cycles in seeds.values() if len(cycles) > c])
        rows.append(row)
    return header, rows


def correlation_table(run: dict) -> tuple[list[str], list[list]]:
    """Per strategy and stage: correlations of predicted vs true loss, and selected vs pool mean loss."""
    header = ["strategy", "stage", "pearson", "spearman", "kendall", "mean loss selected", "mean loss pool"]
    rows = []
    for strategy, seeds in run["records"].items():
        stages = max(len(c) for c in seeds.values())
        for stage in range(1, stages + 1):
            sel = [cycles[stage - 1]["selection"] for cycles in seeds.values()
                   if len(cycles) >= stage and cycles[stage - 1].get("selection")]
            if not sel:
                continue
            corr = [s["correlation"] or {} for s in sel]
            rows.append([_label(strategy), stage] + [[c.get(k) for c in corr] for k in ("pearson", "spearman", "kendall")]
                        + [[s["mean_true_loss"] for s in sel], [s["pool_mean_true_loss"] for s in sel]])
    return header, rows


def gamma_table(run: dict) -> tuple[list[str], list[list]]:
    """Per strategy and cycle: fitted k, θ, KS; per δ (in units of the mean μ = kθ) the exact and
    empirical fractions of pairs within δ, and φ(δ)."""
    deltas = run["meta"]["config"]["active"]["gamma_deltas"]
    header = ["strategy", "cycle", "labelled", "k", "theta", "KS"]
    for r in deltas:
        header += [f"exact δ={r:g}μ", f"empirical δ={r:g}μ", f"φ(δ={r:g}μ)"]
    rows = []
    for strategy, seeds in run["records"].items():
        cycles_done = max(len(c) for c in seeds.values())
        for c in range(cycles_done):
            gam = [cycles[c]["gamma"] for cycles in seeds.values() if len(cycles) > c and "k" in cycles[c]["gamma"]]
            labelled = [cycles[c]["num_labelled"] for cycles in seeds.values() if len(cycles) > c]
            row = [_label(strategy), c, labelled[0] if labelled else None,
                   [g["k"] for g in gam], [g["theta"] for g in gam], [g["ks_statistic"] for g in gam]]
            for i in range(len(deltas)):
                row += [[g["deltas"][i]["prob_within"] for g in gam], [g["deltas"][i]["empirical"] for g in gam],
                        [g["deltas"][i]["phi"] for g in gam]]
            rows.append(row)
    return header, rows


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


def _plot_scatter(run: dict, path: Path, plt) -> bool:
    """Fig. 5: predicted vs true loss on the scored pool, selected images highlighted (first seed)."""
    panels = []
    for strategy, seeds in run["records"].items():
        seed = min(seeds)
        for record in seeds[seed]:
            sel = record.get("selection")
            if sel and sel.get("predicted_loss") is not None:
                panels.append((strategy, seed, sel))
    if not panels:
        return False
    strategies = list(dict.fromkeys(p[0] for p in panels))
    stages = max(p[2]["stage"] for p in panels)
    fig, axes = plt.subplots(len(strategies), stages, figsize=(3.2 * stages, 2.9 * len(strategies)), squeeze=False)
    for ax in axes.flat:
        ax.set_visible(False)
    for strategy, seed, sel in panels:
        ax = axes[strategies.index(strategy), sel["stage"] - 1]
        ax.set_visible(True)
        true = np.asarray(sel["true_loss"], float)
        pred = np.asarray(sel["predicted_loss"], float)
        mask = np.asarray(sel["selected_mask"], bool)
        ax.scatter(true[~mask], pred[~mask], s=4, alpha=0.4, color="tab:blue", label="pool")
        ax.scatter(true[mask], pred[mask], s=6, color="black", label="selected")
        corr = sel.get("correlation") or {}
        title = f"{_label(strategy)} stage {sel['stage']} (seed {seed})"
        if corr:
            title += f"\nρ_s={corr['spearman']:.2f} τ={corr['kendall']:.2f}"
        ax.set_title(title, fontsize=8)
        ax.set_xlabel("true loss", fontsize=8)
        ax.set_ylabel("predicted loss", fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0, 0].legend(fontsize=7)
    fig.tight_layout()
    _save_figure(fig, path)
    plt.close(fig)
    return True


def _plot_gamma(run: dict, path: Path, plt) -> bool:
    """Histogram of per-image training losses per cycle with the fitted gamma density (first seed)."""
    from scipy import stats

    rows = [(s, seeds[min(seeds)]) for s, seeds in run["records"].items()]
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
            losses = np.asarray(record.get("train_losses") or [], float)
            losses = losses[np.isfinite(losses) & (losses > 0)]
            if losses.size:
                ax.hist(losses, bins=30, density=True, color="tab:gray", alpha=0.6)
            g = record["gamma"]
            title = f"{_label(strategy)} cycle {c} (n={record['num_labelled']})"
            if "k" in g and losses.size:
                x = np.linspace(0, losses.max() * 1.05, 200)
                ax.plot(x, stats.gamma.pdf(x, g["k"], scale=g["theta"]), color="tab:red")
                title += f"\nk={g['k']:.2f} θ={g['theta']:.3g} KS={g['ks_statistic']:.3f}"
            ax.set_title(title, fontsize=8)
            ax.set_xlabel("per-image training loss", fontsize=8)
            ax.set_ylabel("density", fontsize=8)
            ax.tick_params(labelsize=7)
    fig.tight_layout()
    _save_figure(fig, path)
    plt.close(fig)
    return True


def _plot_curves(run: dict, path: Path, plt) -> bool:
    """Test accuracy vs number of labelled images, and PCK of the selected images per stage."""
    if not run["records"]:
        return False
    metric = run["meta"].get("metric", "PCK")
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    _, rows_b = table3b(run)
    a = run["meta"]["config"]["active"]
    base = run["meta"]["sizes"]["base"]
    for row in rows_b:
        stats_ = [_mean_std(v) for v in row[1:]]
        x = [base + c * a["budget"] for c, s in enumerate(stats_) if s[2]]
        left.errorbar(x, [s[0] for s in stats_ if s[2]], yerr=[s[1] for s in stats_ if s[2]], marker="o",
                      capsize=3, label=row[0])
    left.set_xlabel("labelled images")
    left.set_ylabel(f"test {metric}")
    left.set_title("Table 3(b): test accuracy")
    left.legend(fontsize=8)
    _, rows_a = table3a(run)
    for row in rows_a:
        stats_ = [_mean_std(v) for v in row[1:]]
        x = [s + 1 for s, st in enumerate(stats_) if st[2]]
        right.errorbar(x, [st[0] for st in stats_ if st[2]], yerr=[st[1] for st in stats_ if st[2]], marker="o",
                       capsize=3, label=row[0])
    right.set_xticks(range(1, a["cycles"] + 1))
    right.set_xlabel("stage")
    right.set_ylabel(f"{metric} of selected images (lower = failures found)")
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
    meta = run["meta"]
    metric = meta.get("metric", "PCK")
    seeds_done = defaultdict(int)
    for strategy, seeds in run["records"].items():
        seeds_done[strategy] = sum(len(c) == meta["config"]["active"]["cycles"] + 1 for c in seeds.values())
    sections = [
        f"# Active learning report: {meta['config']['name']}\n",
        f"Metric {metric}; seeds {meta['seeds']}; git {meta['git'].get('revision')}; "
        f"torch {meta['versions'].get('torch')}; device {meta.get('device')} x{meta.get('world_size')}.\n",
        "Completed seeds per strategy: " + ", ".join(f"{_label(s)} {n}" for s, n in seeds_done.items()) + "\n",
    ]
    tables = [
        ("table3a", f"Table 3(a): {metric} of the images selected at stage n, with the model that selected them "
                    "(lower = better failure detection)", table3a(run)),
        ("table3b", f"Table 3(b): test {metric} after training on the labelled images (higher is better)",
         table3b(run)),
        ("correlations", "Fig. 5: correlation of predicted and true loss on the scored pool; mean true loss of the "
                         "selected images vs the whole scored pool", correlation_table(run)),
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
    figures = [("fig5_scatter.png", _plot_scatter), ("gamma_fits.png", _plot_gamma),
               ("accuracy_vs_labels.png", _plot_curves)]
    for filename, plot in figures:
        if plot(run, out / filename, plt):
            sections.append(f"![{filename}]({filename})\n")
    atomic_write_text(out / "report.md", "\n".join(sections))
    return out
