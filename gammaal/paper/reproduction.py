"""``reproduce``: Tables 1–2 (terminal, CSV, Markdown), the gamma fit and the figures into one folder."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

from ..atomic import atomic_write_text
from ..fitting import fit_gamma
from ..lossfile import checked_losses, read_losses
from .figures import figure3, figure_expected_target, figure_prob_within
from .printed import PAPER_K, PAPER_THETA
from .tables import (MC_SAMPLES, QUICK_MC_SAMPLES, table1_cells, table1_notes, table2_cells, table2_notes,
                     table1, table2)
from .writers import text_table, write_csv, write_markdown

__all__ = ["DEFAULT_LOSS_SAMPLES", "default_losses", "reproduce"]

DEFAULT_LOSS_SAMPLES = 5000


def default_losses(n=DEFAULT_LOSS_SAMPLES, seed=0, k=PAPER_K, theta=PAPER_THETA):
    """Stand-in for the paper's training losses: ``n`` draws from Gamma(k, θ)."""
    return np.random.default_rng(seed).gamma(k, theta, size=n)


def _fit_summary(fit):
    summary = {key: float(getattr(fit, key)) for key in ("k", "theta", "loglik", "ks_statistic", "ks_pvalue")}
    summary["n"] = int(fit.n)
    return summary


# ---------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------

def reproduce(out="results", quick=False, losses=None, seed=0, figures=True, progress=True,
              stream=None, column=None):
    """Write Tables 1–2 (terminal, CSV, Markdown) and the figures into ``out``.

    Parameters
    ----------
    out : str or Path
        Output folder, created if needed.
    quick : bool
        Use 10^5 instead of 10^6 Monte Carlo samples (CI smoke tests).
    losses : None, str, Path or array_like
        Losses for Figure 3: None draws 5000 from Gamma(4, 0.066) with
        ``seed``; a path is read with :func:`gammaal.lossfile.read_losses`
        (the reader of ``gammaal fit``).
    seed : int
        Seed of the Monte Carlo columns and of the default losses.
    figures : bool
        Draw the PNGs (needs matplotlib).
    progress : bool
        Show a tqdm bar over the steps.
    stream : file-like or None
        Where the terminal tables go (default ``sys.stdout``).
    column : None, int or str
        Column of a ``losses`` file: a header name or a 1-based number.

    Returns
    -------
    dict
        ``table1``, ``table2`` (see :func:`table1`, :func:`table2`),
        ``figure3`` (fits and loss source), ``files`` (name -> path),
        ``elapsed_s``.
    """
    from tqdm.auto import tqdm

    stream = sys.stdout if stream is None else stream
    start = time.perf_counter()
    out = Path(out)
    mc_samples = QUICK_MC_SAMPLES if quick else MC_SAMPLES

    if losses is None:
        loss_values = default_losses(seed=seed)
        loss_source = f"Gamma({PAPER_K}, {PAPER_THETA}) draws, seed {seed}"
    elif isinstance(losses, (str, Path)):
        loss_values, loss_source = read_losses(losses, column), str(losses)
    else:
        loss_values, loss_source = checked_losses(losses, "losses"), "array"
    # the losses are checked before anything is written: a bad file leaves no half-made output folder
    out.mkdir(parents=True, exist_ok=True)

    steps = ["Table 1", "Table 2", "gamma fit"] + (["figures"] if figures else [])
    files = {}
    with tqdm(total=len(steps), desc="reproduce", disable=not progress, leave=False) as bar:
        bar.set_postfix_str(steps[0])
        t1 = table1(mc_samples=mc_samples, seed=seed)
        bar.update()
        bar.set_postfix_str(steps[1])
        t2 = table2(mc_samples=mc_samples, seed=seed, paper_theta_value=t1["paper_theta"])
        bar.update()
        bar.set_postfix_str(steps[2])
        fit_real = fit_gamma(loss_values, ks=True)
        fit_int = fit_gamma(loss_values, integer_shape=True, ks=True)
        bar.update()

        h1, b1 = table1_cells(t1)
        h2, b2 = table2_cells(t2)
        files["table1_csv"] = out / "table1.csv"
        files["table1_md"] = out / "table1.md"
        files["table2_csv"] = out / "table2.csv"
        files["table2_md"] = out / "table2.md"
        write_csv(files["table1_csv"], t1["rows"])
        write_markdown(files["table1_md"], "Table 1: P(|X - Y| <= delta), Gamma(4, 0.066)", h1, b1,
                        table1_notes(t1))
        write_csv(files["table2_csv"], t2["rows"])
        write_markdown(files["table2_md"], "Table 2: expected gradient factor K, Gamma(4, 0.066)", h2, b2,
                        table2_notes(t2))

        if figures:
            bar.set_postfix_str(steps[3])
            files["figure3"] = figure3(loss_values, out / "figure3_losses.png",
                                       [("MLE, real k", fit_real), ("MLE, integer k", fit_int)],
                                       label=loss_source)
            files["prob_within_png"] = figure_prob_within(out / "table1_prob_within.png")
            files["expected_target_png"] = figure_expected_target(out / "table2_expected_target.png")
            bar.update()

    result = {
        "table1": t1,
        "table2": t2,
        "figure3": {"source": loss_source, "fit": _fit_summary(fit_real),
                    "fit_integer_shape": _fit_summary(fit_int)},
        "quick": bool(quick),
        "seed": seed,
    }
    files["json"] = out / "paper.json"
    result["files"] = {name: str(p) for name, p in files.items()}
    result["elapsed_s"] = time.perf_counter() - start
    atomic_write_text(files["json"], json.dumps(result, indent=2, allow_nan=True) + "\n")

    print(f"Table 1: P(|X - Y| <= delta), X, Y ~ Gamma({PAPER_K}, {PAPER_THETA})", file=stream)
    print(text_table(h1, b1), file=stream)
    for note in table1_notes(t1):
        print("  " + note, file=stream)
    print(f"\nTable 2: expected gradient factor K, E[grad_w L] = K (theta_i - theta_j)", file=stream)
    print(text_table(h2, b2), file=stream)
    for note in table2_notes(t2):
        print("  " + note, file=stream)
    print(f"\nFigure 3 losses ({loss_source}): MLE k = {fit_real.k:.4g}, theta = {fit_real.theta:.4g}; "
          f"integer k = {fit_int.k:g}, theta = {fit_int.theta:.4g}", file=stream)
    print(f"\nwrote {len(files)} files to {out}/ in {result['elapsed_s']:.1f} s:", file=stream)
    for p in files.values():
        print(f"  {p}", file=stream)
    return result
