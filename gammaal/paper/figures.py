"""Figure 3 (loss histogram and gamma fits) and the curves behind Tables 1–2.

matplotlib (the optional ``plots`` extra) is imported only when a figure is drawn.
"""
from __future__ import annotations

import io

import numpy as np

from ..atomic import atomic_write_bytes
from ..difference import prob_within
from ..gradient import expected_target
from .printed import PAPER_K, PAPER_THETA, TABLE1_DELTAS, TABLE1_PRINTED, TABLE2_DELTAS, TABLE2_PRINTED

__all__ = ["FIGURE_SHAPES", "figure3", "figure_prob_within", "figure_expected_target"]

FIGURE_SHAPES = (0.5, 1, 2, 4, 8)

_PLOT_HINT = "install it with `pip install gammaal[plots]` (or `pip install matplotlib`)"


def _new_figure(width=6.4, height=4.2):
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError(f"figures need matplotlib, which is not installed; {_PLOT_HINT}") from exc
    # A bare Figure renders with the Agg canvas and leaves pyplot's global
    # backend alone, so calling this from a notebook changes nothing there.
    fig = Figure(figsize=(width, height), dpi=120, layout="constrained")
    return fig, fig.add_subplot()


def _save_figure(fig, path):
    """Render to memory, then write atomically: a killed run never leaves half a PNG."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return atomic_write_bytes(path, buffer.getvalue())


def figure3(losses, path, fits, label="losses"):
    """Histogram of losses with the fitted gamma densities (paper Figure 3).

    Parameters
    ----------
    losses : ndarray, shape (n,)
    path : str or Path, PNG to write
    fits : sequence of (name, GammaFit)
    label : str, legend entry of the histogram
    """
    from scipy import stats

    fig, ax = _new_figure()
    # Clip the view at the 99.9% quantile so a few outliers cannot squash the
    # plot, but weight each sample by 1/(n·width) so the bars stay a density of
    # all n losses (density=True would renormalise over the visible ones).
    hi = float(np.quantile(losses, 0.999))
    bins = min(100, max(10, int(np.sqrt(losses.size))))
    edges = np.linspace(0.0, hi, bins + 1)
    ax.hist(losses, bins=edges, weights=np.full(losses.size, 1.0 / (losses.size * (edges[1] - edges[0]))),
            color="0.8", edgecolor="0.55", linewidth=0.4, label=f"{label} (n = {losses.size:,})")
    x = np.linspace(hi * 1e-3, hi, 400)
    for (name, fit), style in zip(fits, ("-", "--", ":")):
        ax.plot(x, stats.gamma.pdf(x, fit.k, scale=fit.theta), style, linewidth=1.8,
                label=f"{name}: k = {fit.k:.3g}, θ = {fit.theta:.4g} (KS p = {fit.ks_pvalue:.2g})")
    ax.set_xlabel("loss")
    ax.set_ylabel("density")
    ax.set_title("Loss histogram and maximum-likelihood gamma fit (paper Fig. 3)")
    ax.legend(fontsize=8)
    return _save_figure(fig, path)


def _curves_with_paper_points(path, func, delta, shapes, theta, points, point_label, ylabel, title, ymax):
    """One curve of ``func(delta, k, theta)`` per shape, the paper's printed points overlaid."""
    fig, ax = _new_figure()
    for k in shapes:
        ax.plot(delta, func(delta, k, theta), linewidth=1.6,
                label=f"k = {k:g}" + (" (paper)" if k == PAPER_K else ""))
    ax.plot(*zip(*points), "ko", markersize=5, mfc="none", label=point_label)
    ax.set_xlabel("true-loss margin δ")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.set_ylim(0, ymax)
    ax.legend(fontsize=8)
    return _save_figure(fig, path)


def figure_prob_within(path, theta=PAPER_THETA, shapes=FIGURE_SHAPES):
    """P(|X − Y| ≤ δ) against δ for several k, with the paper's Table 1 overlaid."""
    return _curves_with_paper_points(
        path, prob_within, np.linspace(0.0, 0.3, 301), shapes, theta,
        list(zip(TABLE1_DELTAS, TABLE1_PRINTED)), "paper Table 1 (printed)", "P(|X − Y| ≤ δ)",
        f"Probability that two Gamma(k, θ = {theta:g}) losses are within δ", 1.0)


def figure_expected_target(path, theta=PAPER_THETA, shapes=FIGURE_SHAPES):
    """φ(δ) = E[X/(X+Y) | Y − X = δ] against δ, with the paper's Table 2 overlaid."""
    readable = [(d, p) for d, p in zip(TABLE2_DELTAS, TABLE2_PRINTED) if p is not None]
    return _curves_with_paper_points(
        path, expected_target, np.linspace(0.0, 0.6, 301), shapes, theta,
        readable, "paper Table 2 (printed)", "φ(δ)  (LL++ factor is q_i − φ)",
        f"Expected LearningLoss++ target, Gamma(k, θ = {theta:g}) losses", 0.52)
