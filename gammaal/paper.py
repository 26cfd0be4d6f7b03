"""Regenerate the paper's Tables 1–2 and Figure 3, plus two companion figures.

Shukla & Ahmed (CVPRW 2021) print P(|X − Y| ≤ δ) (Table 1) and the expected
LearningLoss++ gradient factor q_i − φ(δ) (Table 2) for losses distributed as
Gamma(k = 4, θ = 0.066), the fit of their Figure 3.  This module recomputes
every entry three ways — the paper's printed digits, the exact value from
:mod:`gammaal`, and a Monte Carlo estimate with its standard error — and
solves for the scale θ that reproduces the printed digits (the printed row is
matched by θ ≈ 0.0666, i.e. the paper rounded the fitted θ before printing it,
but not before computing the tables).

The logic lives in the installed package so that ``gammaal reproduce`` works
from a wheel; ``python -m benchmarks.tables`` in a source checkout is a thin
wrapper around :func:`main`.  matplotlib is imported only when a figure is
drawn (it is the optional ``plots`` extra).

Examples
--------
>>> result = reproduce(out="results", quick=True)              # doctest: +SKIP
>>> round(result["table1"]["rows"][0]["exact"], 4)             # doctest: +SKIP
0.0944
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
from scipy import optimize

from .atomic import atomic_write_bytes, atomic_write_text
from .lossfile import checked_losses, read_losses

__all__ = [
    "PAPER_K",
    "PAPER_THETA",
    "TABLE1_DELTAS",
    "TABLE1_PRINTED",
    "TABLE2_DELTAS",
    "TABLE2_PRINTED",
    "LL_EXPLANATION",
    "solve_theta",
    "rounding_theta_interval",
    "least_squares_theta",
    "paper_theta",
    "table1",
    "table2",
    "default_losses",
    "figure3",
    "figure_prob_within",
    "figure_expected_target",
    "reproduce",
    "main",
]

#: Shape and scale of the paper's loss distribution (Figure 3, Tables 1–2).
PAPER_K = 4
PAPER_THETA = 0.066

#: Table 1 as printed: δ and P(|X − Y| ≤ δ), three decimals.
TABLE1_DELTAS = (0.02, 0.04, 0.06, 0.08, 0.1, 0.125, 0.15)
TABLE1_PRINTED = (0.094, 0.185, 0.274, 0.358, 0.437, 0.527, 0.607)
TABLE1_DECIMALS = 3

#: Table 2 as printed: δ and φ(δ) in the LL++ entry "q_i − φ", two decimals.
#: The PDF's table is garbled at δ = 0.2 and 0.4 (the entries read "10"),
#: so those are recorded as unreadable (None) rather than guessed.
TABLE2_DELTAS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
TABLE2_PRINTED = (0.5, 0.39, None, 0.25, None, 0.18)
TABLE2_DECIMALS = 2

#: Why the Learning Loss row of Table 2 is one constant.
LL_EXPLANATION = (
    "Learning Loss (margin ranking, Eq. 1) has gradient ±(θ_i − θ_j) or 0 (Eq. 2a): "
    "the factor K is ±1 whenever the pair is mis-ranked or inside the margin, whatever "
    "δ is, so its magnitude does not grow with how different the true losses are; the "
    "paper writes this constant as c1."
)

MC_SAMPLES = 10**6
QUICK_MC_SAMPLES = 10**5
DEFAULT_LOSS_SAMPLES = 5000
FIGURE_SHAPES = (0.5, 1, 2, 4, 8)

_PLOT_HINT = "install it with `pip install gammaal[plots]` (or `pip install matplotlib`)"


# ---------------------------------------------------------------------------
# Solving for θ
# ---------------------------------------------------------------------------

def _core():
    # Imported lazily so that `import gammaal.paper` never forms an import
    # cycle with `gammaal/__init__.py`, whichever of the two runs first.
    import gammaal

    return gammaal


def _quantity(name):
    core = _core()
    if name == "prob_within":
        return core.prob_within
    if name == "expected_target":
        return core.expected_target
    raise ValueError(f"quantity must be 'prob_within' or 'expected_target', got {name!r}")


def solve_theta(delta, target, k=PAPER_K, quantity="prob_within"):
    """Scale θ at which ``quantity(delta, k, θ)`` equals ``target``.

    Both quantities depend on δ and θ only through t = δ/θ and are monotone
    in t (P(|X−Y| ≤ δ) rises from 0 to 1, φ(δ) falls from ½ to 0), so the root
    is unique and :func:`scipy.optimize.brentq` finds it once bracketed.

    Parameters
    ----------
    delta : float, > 0
    target : float, in (0, 1) for ``prob_within`` and in (0, ½) for ``expected_target``
    k : float, > 0
    quantity : {"prob_within", "expected_target"}

    Returns
    -------
    float
        θ > 0 (relative tolerance 1e-13).

    Raises
    ------
    ValueError
        If the target is outside the range the quantity can reach.

    Examples
    --------
    >>> round(solve_theta(0.02, 0.094), 5)                      # doctest: +SKIP
    0.06629
    """
    fn = _quantity(quantity)
    delta = float(delta)
    target = float(target)
    if not delta > 0:
        raise ValueError(f"delta must be > 0 to solve for theta, got {delta!r}")
    upper = 1.0 if quantity == "prob_within" else 0.5
    if not 0 < target < upper:
        raise ValueError(f"target must lie in (0, {upper}) for {quantity}, got {target!r}")

    def residual(log_theta):
        # Solving in log θ keeps the bracket expansion symmetric and the
        # tolerance relative.
        return fn(delta, k, math.exp(log_theta)) - target

    lo, hi = math.log(delta / 4), math.log(delta * 4)
    f_lo, f_hi = residual(lo), residual(hi)
    for _ in range(40):
        if f_lo * f_hi <= 0:
            break
        lo -= 1.0
        hi += 1.0
        f_lo, f_hi = residual(lo), residual(hi)
    else:
        raise ValueError(f"no theta gives {quantity}({delta}, {k}, theta) = {target}")
    root = optimize.brentq(residual, lo, hi, xtol=1e-14, rtol=1e-14, maxiter=200)
    return math.exp(root)


def rounding_theta_interval(delta, printed, decimals, k=PAPER_K, quantity="prob_within"):
    """θ interval on which ``quantity`` rounds to the printed value.

    A value printed with ``decimals`` digits only says the true value lies in
    ``printed ± ½·10^-decimals``; the two ends map to two θ.

    Returns
    -------
    tuple of float
        ``(theta_low, theta_high)`` with ``theta_low < theta_high``.
    """
    half = 0.5 * 10.0 ** (-decimals)
    a = solve_theta(delta, printed - half, k, quantity)
    b = solve_theta(delta, printed + half, k, quantity)
    return (min(a, b), max(a, b))


def least_squares_theta(deltas, printed, k=PAPER_K, quantity="prob_within"):
    """One θ minimising Σ (quantity(δ_i, k, θ) − printed_i)² over a row.

    Parameters
    ----------
    deltas, printed : sequence of float, same length, δ > 0

    Returns
    -------
    float
    """
    fn = _quantity(quantity)
    d = np.asarray(deltas, dtype=float)
    p = np.asarray(printed, dtype=float)
    per_column = [solve_theta(di, pi, k, quantity) for di, pi in zip(d, p)]
    # The least-squares θ lies between the smallest and largest per-column
    # solutions (the residuals all change sign inside that range).
    lo, hi = min(per_column) * 0.9, max(per_column) * 1.1

    def sum_of_squares(theta):
        return float(np.sum((np.asarray(fn(d, k, theta)) - p) ** 2))

    res = optimize.minimize_scalar(sum_of_squares, bounds=(lo, hi), method="bounded",
                                   options={"xatol": 1e-12})
    return float(res.x)


def _theta_star(interval, least_squares):
    # The middle of the interval on which every printed digit comes out; the
    # least-squares θ when no single θ does.
    return 0.5 * (interval[0] + interval[1]) if interval else least_squares


def paper_theta(k=PAPER_K):
    """The θ the paper's tables were evidently computed with.

    The middle of the θ interval on which P(|X − Y| ≤ δ; k, θ) rounds to every
    printed entry of Table 1 (or the least-squares θ if no θ does).  For
    k = 4 this is ≈ 0.06663, not the 0.066 printed in the paper.

    Returns
    -------
    float
    """
    interval = _intersect([rounding_theta_interval(d, p, TABLE1_DECIMALS, k)
                           for d, p in zip(TABLE1_DELTAS, TABLE1_PRINTED)])
    ls = None if interval else least_squares_theta(TABLE1_DELTAS, TABLE1_PRINTED, k)
    return _theta_star(interval, ls)


def _intersect(intervals):
    lo = max(a for a, _ in intervals)
    hi = min(b for _, b in intervals)
    return (lo, hi) if lo <= hi else None


def _z_score(estimate, se, exact):
    # A zero-variance estimator (φ at δ = 0: every draw gives exactly ½) has an
    # SE made of rounding noise; agreement to rounding is agreement.
    if abs(estimate - exact) <= 1e-12 * abs(exact):
        return 0.0
    if se > 0:
        return (estimate - exact) / se
    return 0.0 if estimate == exact else math.inf


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------

def table1(k=PAPER_K, theta=PAPER_THETA, mc_samples=MC_SAMPLES, seed=0):
    """Table 1: P(|X − Y| ≤ δ) printed, exact, Monte Carlo, and the θ behind it.

    Parameters
    ----------
    k, theta : float, > 0
        The loss distribution (paper: 4 and 0.066).
    mc_samples : int
        Pairs drawn per δ; the same seed is used for every δ (common random
        numbers), so the Monte Carlo row is as smooth as the exact one.
    seed : int

    Returns
    -------
    dict
        ``rows`` (one dict per δ: ``delta, paper, exact, mc, mc_se, mc_z,
        theta_reproducing, theta_round_low, theta_round_high,
        exact_at_paper_theta``), ``theta_least_squares``,
        ``theta_rounding_interval`` (θ range on which every printed digit is
        reproduced, or None), ``paper_theta`` (see :func:`paper_theta`) and
        the inputs.
    """
    core = _core()
    rows = []
    for delta, printed in zip(TABLE1_DELTAS, TABLE1_PRINTED):
        exact = float(core.prob_within(delta, k, theta))
        mc, se = core.mc_prob_within(delta, k, theta, n=mc_samples, seed=seed)
        lo, hi = rounding_theta_interval(delta, printed, TABLE1_DECIMALS, k)
        rows.append({
            "delta": delta,
            "paper": printed,
            "exact": exact,
            "mc": float(mc),
            "mc_se": float(se),
            "mc_z": _z_score(float(mc), float(se), exact),
            "theta_reproducing": solve_theta(delta, printed, k),
            "theta_round_low": lo,
            "theta_round_high": hi,
        })
    interval = _intersect([(r["theta_round_low"], r["theta_round_high"]) for r in rows])
    least_squares = least_squares_theta(TABLE1_DELTAS, TABLE1_PRINTED, k)
    theta_star = _theta_star(interval, least_squares)
    at_star = core.prob_within(np.array(TABLE1_DELTAS), k, theta_star)
    for row, value in zip(rows, at_star):
        row["exact_at_paper_theta"] = float(value)
    return {
        "k": k,
        "theta": theta,
        "mc_samples": int(mc_samples),
        "seed": seed,
        "rows": rows,
        "theta_least_squares": least_squares,
        "theta_rounding_interval": list(interval) if interval else None,
        "paper_theta": theta_star,
    }


def table2(k=PAPER_K, theta=PAPER_THETA, mc_samples=MC_SAMPLES, seed=0, paper_theta_value=None):
    """Table 2: expected gradient factor K in E[∇_w L] = K (θ_i − θ_j).

    For LearningLoss++ K = q_i − φ(δ) with φ(δ) = E[X/(X+Y) | Y − X = δ]
    (paper Eq. 6, supplement Eq. 13); for Learning Loss K is the constant c1
    (see :data:`LL_EXPLANATION`).

    Parameters
    ----------
    k, theta : float, > 0
    mc_samples : int
        Importance-sampling draws per δ.
    seed : int
    paper_theta_value : float or None
        θ for the ``phi_at_paper_theta`` column; None computes
        :func:`paper_theta` (from Table 1).

    Returns
    -------
    dict
        ``rows`` (one dict per δ: ``delta, phi_exact, phi_mc, phi_mc_se, mc_z,
        paper`` (float or None when unreadable), ``llpp_exact`` and
        ``llpp_paper`` (the entries as text), ``ll``, ``theta_round_low`` and
        ``theta_round_high`` (None where nothing constrains θ),
        ``phi_at_paper_theta``), ``theta_rounding_interval``, ``paper_theta``,
        ``ll_explanation`` and the inputs.
    """
    core = _core()
    theta_star = paper_theta(k) if paper_theta_value is None else float(paper_theta_value)
    rows = []
    for delta, printed in zip(TABLE2_DELTAS, TABLE2_PRINTED):
        phi = float(core.expected_target(delta, k, theta))
        mc, se = core.mc_expected_target(delta, k, theta, n=mc_samples, seed=seed)
        # φ(0) = ½ for every θ, so the δ = 0 column says nothing about θ.
        constrains = printed is not None and delta > 0
        lo, hi = (rounding_theta_interval(delta, printed, TABLE2_DECIMALS, k, "expected_target")
                  if constrains else (None, None))
        rows.append({
            "delta": delta,
            "phi_exact": phi,
            "phi_mc": float(mc),
            "phi_mc_se": float(se),
            "mc_z": _z_score(float(mc), float(se), phi),
            "paper": printed,
            "llpp_exact": f"q_i - {phi:.4f}",
            "llpp_paper": "n/a" if printed is None else f"q_i - {printed:.2f}",
            "ll": "c1",
            "theta_round_low": lo,
            "theta_round_high": hi,
            "phi_at_paper_theta": float(core.expected_target(delta, k, theta_star)),
        })
    constrained = [(r["theta_round_low"], r["theta_round_high"]) for r in rows
                   if r["theta_round_low"] is not None]
    interval = _intersect(constrained) if constrained else None
    return {
        "k": k,
        "theta": theta,
        "mc_samples": int(mc_samples),
        "seed": seed,
        "rows": rows,
        "theta_rounding_interval": list(interval) if interval else None,
        "paper_theta": theta_star,
        "ll_explanation": LL_EXPLANATION,
    }


def _table1_cells(t1):
    header = ["delta", "paper", "exact", "Monte Carlo ± SE", "z", "theta reproducing paper",
              f"exact at theta* = {t1['paper_theta']:.5f}"]
    body = [[f"{r['delta']:g}", f"{r['paper']:.3f}", f"{r['exact']:.6f}",
             f"{r['mc']:.5f} ± {r['mc_se']:.5f}", f"{r['mc_z']:+.2f}",
             f"{r['theta_reproducing']:.5f}", f"{r['exact_at_paper_theta']:.6f}"] for r in t1["rows"]]
    return header, body


def _table1_notes(t1):
    notes = [f"exact and Monte Carlo at k = {t1['k']:g}, theta = {t1['theta']:g} "
             f"({t1['mc_samples']:,} pairs per delta, seed {t1['seed']}); "
             f"z = (MC - exact) / SE.",
             f"least-squares theta for the printed row: {t1['theta_least_squares']:.5f}."]
    iv = t1["theta_rounding_interval"]
    if iv:
        notes.append(f"every printed digit is reproduced for theta in [{iv[0]:.5f}, {iv[1]:.5f}] "
                     f"(the paper printed theta = {t1['theta']:g}); theta* is its middle.")
    else:
        notes.append("no single theta reproduces every printed digit.")
    return notes


def _table2_cells(t2):
    header = ["delta", "LL++ exact", "phi Monte Carlo ± SE", "z",
              f"LL++ at theta* = {t2['paper_theta']:.5f}", "LL++ paper", "LL"]
    body = [[f"{r['delta']:g}", r["llpp_exact"],
             f"{r['phi_mc']:.5f} ± {r['phi_mc_se']:.5f}", f"{r['mc_z']:+.2f}",
             f"q_i - {r['phi_at_paper_theta']:.4f}", r["llpp_paper"], r["ll"]] for r in t2["rows"]]
    return header, body


def _table2_notes(t2):
    notes = [f"phi(delta) = E[X/(X+Y) | Y - X = delta] at k = {t2['k']:g}, theta = {t2['theta']:g} "
             f"({t2['mc_samples']:,} Monte Carlo samples per delta, seed {t2['seed']}); "
             "the paper's entries at delta = 0.2 and 0.4 are unreadable in the PDF.",
             t2["ll_explanation"]]
    iv = t2["theta_rounding_interval"]
    if iv:
        inside = iv[0] <= t2["paper_theta"] <= iv[1]
        notes.append(f"the readable printed entries are reproduced for theta in "
                     f"[{iv[0]:.5f}, {iv[1]:.5f}], which {'contains' if inside else 'misses'} "
                     f"theta* = {t2['paper_theta']:.5f} from Table 1.")
    return notes


def _text_table(header, body):
    widths = [max(len(str(row[i])) for row in [header] + body) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    fmt = lambda row: "  ".join(str(c).rjust(w) for c, w in zip(row, widths))  # noqa: E731
    return "\n".join([fmt(header), line] + [fmt(r) for r in body])


def _markdown_table(header, body):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in body]
    return "\n".join(lines)


def _write_csv(path, rows):
    keys = list(rows[0].keys())
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=keys)
    writer.writeheader()
    for r in rows:
        # repr keeps all 17 significant digits of a float; None -> empty.
        writer.writerow({key: ("" if r[key] is None else
                               repr(r[key]) if isinstance(r[key], float) else r[key])
                         for key in keys})
    atomic_write_text(path, buffer.getvalue())


def _write_markdown(path, title, header, body, notes):
    text = f"### {title}\n\n{_markdown_table(header, body)}\n\n" + "\n".join(f"- {n}" for n in notes)
    atomic_write_text(path, text + "\n")


# ---------------------------------------------------------------------------
# Losses for Figure 3
# ---------------------------------------------------------------------------

def default_losses(n=DEFAULT_LOSS_SAMPLES, seed=0, k=PAPER_K, theta=PAPER_THETA):
    """Stand-in for the paper's training losses: ``n`` draws from Gamma(k, θ)."""
    return np.random.default_rng(seed).gamma(k, theta, size=n)


# ---------------------------------------------------------------------------
# Figures (matplotlib imported here only)
# ---------------------------------------------------------------------------

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
        path, _core().prob_within, np.linspace(0.0, 0.3, 301), shapes, theta,
        list(zip(TABLE1_DELTAS, TABLE1_PRINTED)), "paper Table 1 (printed)", "P(|X − Y| ≤ δ)",
        f"Probability that two Gamma(k, θ = {theta:g}) losses are within δ", 1.0)


def figure_expected_target(path, theta=PAPER_THETA, shapes=FIGURE_SHAPES):
    """φ(δ) = E[X/(X+Y) | Y − X = δ] against δ, with the paper's Table 2 overlaid."""
    readable = [(d, p) for d, p in zip(TABLE2_DELTAS, TABLE2_PRINTED) if p is not None]
    return _curves_with_paper_points(
        path, _core().expected_target, np.linspace(0.0, 0.6, 301), shapes, theta,
        readable, "paper Table 2 (printed)", "φ(δ)  (LL++ factor is q_i − φ)",
        f"Expected LearningLoss++ target, Gamma(k, θ = {theta:g}) losses", 0.52)


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

    core = _core()
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
        fit_real = core.fit_gamma(loss_values, ks=True)
        fit_int = core.fit_gamma(loss_values, integer_shape=True, ks=True)
        bar.update()

        h1, b1 = _table1_cells(t1)
        h2, b2 = _table2_cells(t2)
        files["table1_csv"] = out / "table1.csv"
        files["table1_md"] = out / "table1.md"
        files["table2_csv"] = out / "table2.csv"
        files["table2_md"] = out / "table2.md"
        _write_csv(files["table1_csv"], t1["rows"])
        _write_markdown(files["table1_md"], "Table 1: P(|X - Y| <= delta), Gamma(4, 0.066)", h1, b1,
                        _table1_notes(t1))
        _write_csv(files["table2_csv"], t2["rows"])
        _write_markdown(files["table2_md"], "Table 2: expected gradient factor K, Gamma(4, 0.066)", h2, b2,
                        _table2_notes(t2))

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
    print(_text_table(h1, b1), file=stream)
    for note in _table1_notes(t1):
        print("  " + note, file=stream)
    print(f"\nTable 2: expected gradient factor K, E[grad_w L] = K (theta_i - theta_j)", file=stream)
    print(_text_table(h2, b2), file=stream)
    for note in _table2_notes(t2):
        print("  " + note, file=stream)
    print(f"\nFigure 3 losses ({loss_source}): MLE k = {fit_real.k:.4g}, theta = {fit_real.theta:.4g}; "
          f"integer k = {fit_int.k:g}, theta = {fit_int.theta:.4g}", file=stream)
    print(f"\nwrote {len(files)} files to {out}/ in {result['elapsed_s']:.1f} s:", file=stream)
    for p in files.values():
        print(f"  {p}", file=stream)
    return result


def build_parser(prog="gammaal reproduce"):
    """Argument parser of :func:`main` (exposed so a CLI can embed it)."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Regenerate Tables 1-2 and Figure 3 of Shukla & Ahmed (CVPRW 2021): "
                    "paper vs exact vs Monte Carlo, and the theta behind the printed digits.",
        epilog="Exit status: 0 on success, 2 on bad input or usage (as every gammaal subcommand).")
    parser.add_argument("--out", default="results", help="output folder (default: results)")
    parser.add_argument("--quick", action="store_true", help="10^5 Monte Carlo samples instead of 10^6")
    parser.add_argument("--losses", metavar="FILE",
                        help="your own per-sample losses for Figure 3 (.npy, .csv, .tsv or .txt; "
                             "read as `gammaal fit` reads them)")
    parser.add_argument("--column", default=None, metavar="NAME|N",
                        help="column of --losses: a header name or a number, 1 = first "
                             "(default: the only column, or the one named 'loss')")
    parser.add_argument("--seed", type=int, default=0, help="seed for Monte Carlo and default losses")
    parser.add_argument("--no-figures", action="store_true", help="tables only (no matplotlib needed)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return parser


def main(argv=None, prog="gammaal reproduce"):
    """Command-line entry point; returns the exit status: 0 ok, 2 bad input or usage (as ``gammaal``).

    Examples
    --------
    >>> main(["--quick", "--out", "results"])                   # doctest: +SKIP
    0
    """
    parser = build_parser(prog)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: 0 after --help, 2 after a usage error it has printed
        return int(exc.code or 0)
    try:
        reproduce(out=args.out, quick=args.quick, losses=args.losses, seed=args.seed,
                  figures=not args.no_figures, progress=not args.no_progress, column=args.column)
    except (ValueError, OSError, ImportError) as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
