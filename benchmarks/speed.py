"""Speed and accuracy of gammaal against what a user would otherwise write.

``python -m benchmarks.speed [--quick] [--out results]``

For each quantity (``prob_within``, ``prob_beyond``, ``expected_target``) and
shape (integer k = 4, non-integer k = 4.5; θ = 0.066, δ ~ Uniform(0, 0.5),
the range of loss differences under the paper's Gamma(4, 0.066)) it times:

* **gammaal** on n = 10^3 … 10^6 points, best of 5; the first call (JIT
  compilation or cache load) is timed separately as the warm-up.
* **gammainc floor**: one ``scipy.special.gammainc`` per point, best of 5 — the
  cost of a single special-function call, the natural floor.
* **scipy quad**: the textbook implementation (quadrature of the
  variance-gamma density, or of the two integrals of φ) on a small n; its
  time per point is scaled linearly to each n.
* **mpmath** at 30 digits on a smaller n, scaled the same way.  These values
  are also the accuracy reference.
* **Monte Carlo at matched accuracy**: the cost of reaching gammaal's worst
  relative error ε (floored at 2^-52).  The binomial variance gives the
  samples needed, N = (1 − p)/(p ε²) for an estimate of p; for the two
  probabilities one shared sample answers every δ (the count for each δ is
  ignored, which favours Monte Carlo), so the cost is c·N_max with c the
  measured time per pair; for φ, whose estimator is conditional on δ, the
  cost is per point, t₀ (se₀/(φ ε))² with t₀, se₀ measured at N₀ samples.
  The measured Monte Carlo error at N₀ samples is reported too.

Writes ``speed.json``, ``speed.md`` and ``speed.png`` (log-log time against n)
into ``--out`` and prints the ratio and accuracy tables.
"""
from __future__ import annotations

import argparse
import io
import json
import math
import platform
import sys
import time
from pathlib import Path

import numpy as np
import scipy
from scipy import integrate, special

from gammaal.atomic import atomic_write_bytes, atomic_write_text

QUANTITIES = ("prob_within", "prob_beyond", "expected_target")
SHAPES = (4.0, 4.5)
THETA = 0.066
DELTA_RANGE = (0.0, 0.5)
#: Points every method sees first, so the accuracy subset covers both ends:
#: a tiny margin (relative accuracy of a small probability) and the top.
FIXED_DELTAS = (1e-3, 0.5)
MACHINE_EPSILON = float(np.finfo(float).eps)
MPMATH_DIGITS = 30

FULL = {"sizes": (10**3, 10**4, 10**5, 10**6), "repeats": 5, "n_quad": 200, "n_mpmath": 10,
        "mc_samples": 10**6, "cell_budget_s": 2.5}
QUICK = {"sizes": (10**2, 10**3), "repeats": 3, "n_quad": 10, "n_mpmath": 3,
         "mc_samples": 10**4, "cell_budget_s": 1.0}

METHODS = ("gammaal", "gammainc", "quad", "mpmath", "mc_matched")


# ---------------------------------------------------------------------------
# mpmath references (30 digits), all in the scale-free variable t = δ/θ
# ---------------------------------------------------------------------------

def _mp():
    import mpmath

    return mpmath


def mp_prob_within(t, k):
    """P(|Z| ≤ t), θ = 1, as 2∫_0^t f(z) dz with the variance-gamma density.

    f(z) = z^ν K_ν(z) / (√π Γ(k) 2^ν), ν = k − ½ (math notes, item 1);
    integrating from 0 keeps full relative accuracy for small t.
    """
    mp = _mp()
    with mp.workdps(MPMATH_DIGITS):
        k = mp.mpf(k)
        t = mp.mpf(t)
        if t == 0:
            return mp.mpf(0)
        nu = k - mp.mpf(1) / 2
        norm = mp.sqrt(mp.pi) * mp.gamma(k) * mp.power(2, nu)
        return 2 * mp.quad(lambda z: mp.power(z, nu) * mp.besselk(nu, z), [0, t]) / norm


def mp_prob_beyond(t, k):
    """P(|Z| > t), θ = 1, as 2∫_0^∞ g_k(x) Q(k, x + t) dx.

    g_k is the Gamma(k, 1) density and Q the regularized upper incomplete
    gamma: P(Y − X > t) conditioned on X = x.  Every term is positive, so the
    far tail keeps its relative accuracy (no 1 − P).
    """
    mp = _mp()
    with mp.workdps(MPMATH_DIGITS):
        k = mp.mpf(k)
        t = mp.mpf(t)
        log_norm = mp.loggamma(k)

        def integrand(x):
            density = mp.exp((k - 1) * mp.log(x) - x - log_norm)
            return density * mp.gammainc(k, x + t, mp.inf, regularized=True)

        return 2 * mp.quad(integrand, [0, k, mp.inf])


def mp_expected_target(t, k):
    """φ = E[X/(X+Y) | Y − X = δ], θ = 1, as ½ M/D (math notes, item 5).

    M = ∫_0^∞ x^k (2+x)^(k−1) e^(−tx)/(1+x) dx, D = ∫_0^∞ x^(k−1)(2+x)^(k−1) e^(−tx) dx;
    the breakpoint near the integrand's peak (≈ 2k/t) helps tanh-sinh.
    """
    mp = _mp()
    with mp.workdps(MPMATH_DIGITS):
        k = mp.mpf(k)
        t = mp.mpf(t)
        if t == 0:
            return mp.mpf(1) / 2
        nodes = [0, 2 * k / t, mp.inf]
        m = mp.quad(lambda x: x**k * (2 + x) ** (k - 1) * mp.exp(-t * x) / (1 + x), nodes)
        d = mp.quad(lambda x: x ** (k - 1) * (2 + x) ** (k - 1) * mp.exp(-t * x), nodes)
        return m / d / 2


def mp_prob_beyond_integer(t, n):
    """Integer-k check: P(|Z| > t) = 2e^(−t) Σ_m t^m/m! c_m (the shared reference of derivations.reference)."""
    from derivations.reference import erlang_beyond

    return erlang_beyond(t, n, MPMATH_DIGITS)


MPMATH_REFERENCE = {"prob_within": mp_prob_within, "prob_beyond": mp_prob_beyond,
                    "expected_target": mp_expected_target}


# ---------------------------------------------------------------------------
# scipy quad: the implementation a user would write first
# ---------------------------------------------------------------------------

def _vg_density(k):
    nu = k - 0.5
    norm = math.sqrt(math.pi) * math.gamma(k) * 2.0**nu
    return lambda z: z**nu * special.kv(nu, z) / norm


def quad_prob_within(t, k):
    """2∫_0^t f(z) dz with scipy.integrate.quad, θ = 1."""
    return 2.0 * integrate.quad(_vg_density(k), 0.0, t, epsabs=0.0, epsrel=1e-12, limit=200)[0]


def quad_prob_beyond(t, k):
    """2∫_t^∞ f(z) dz with scipy.integrate.quad, θ = 1."""
    return 2.0 * integrate.quad(_vg_density(k), t, np.inf, epsabs=0.0, epsrel=1e-12, limit=200)[0]


def quad_expected_target(t, k):
    """½ M/D with two scipy quads, θ = 1 (see :func:`mp_expected_target`)."""
    if t == 0:
        return 0.5
    m = integrate.quad(lambda x: x**k * (2 + x) ** (k - 1) * math.exp(-t * x) / (1 + x), 0.0, np.inf,
                       epsabs=0.0, epsrel=1e-12, limit=200)[0]
    d = integrate.quad(lambda x: x ** (k - 1) * (2 + x) ** (k - 1) * math.exp(-t * x), 0.0, np.inf,
                       epsabs=0.0, epsrel=1e-12, limit=200)[0]
    return 0.5 * m / d


QUAD_IMPLEMENTATION = {"prob_within": quad_prob_within, "prob_beyond": quad_prob_beyond,
                       "expected_target": quad_expected_target}


# ---------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------

def best_time(fn, repeats, budget_s):
    """Best wall time of up to ``repeats`` calls, stopping once ``budget_s`` is spent.

    Returns ``(best_seconds, calls_made, last_value)``; at least one call is made.
    """
    times = []
    value = None
    start = time.perf_counter()
    for _ in range(repeats):
        t0 = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
        if time.perf_counter() - start > budget_s:
            break
    return min(times), len(times), value


def _relative_errors(values, reference):
    mp = _mp()
    with mp.workdps(MPMATH_DIGITS):
        errs = [float(abs((mp.mpf(float(v)) - r) / r)) if r != 0 else float(abs(v))
                for v, r in zip(values, reference)]
    return errs


def _mc_values(core, quantity, deltas, k, samples, seed):
    """Monte Carlo estimates and standard errors on ``deltas`` (one call per δ)."""
    est, se = [], []
    for d in deltas:
        if quantity == "expected_target":
            e, s = core.mc_expected_target(float(d), k, THETA, n=samples, seed=seed)
        else:
            e, s = core.mc_prob_within(float(d), k, THETA, n=samples, seed=seed)
            if quantity == "prob_beyond":
                e = 1.0 - e
        est.append(float(e))
        se.append(float(s))
    return np.array(est), np.array(se)


def _mc_matched_cost(quantity, exact, mc_se, mc_seconds_per_call, samples, epsilon, sizes):
    """Seconds Monte Carlo needs to reach relative error ``epsilon`` on n points.

    See the module docstring for the model.  ``exact`` are reference values
    on the accuracy subset, ``mc_se`` the standard errors at ``samples``.
    """
    if quantity == "expected_target":
        # Per point: the conditional estimator's variance scales as 1/N.
        needed = samples * (mc_se / (exact * epsilon)) ** 2
        per_point = float(np.max(needed)) * mc_seconds_per_call / samples
        return {n: per_point * n for n in sizes}, float(np.max(needed))
    # Binomial: the relative SE of an estimated probability p is sqrt((1 − p)/(p N)).
    needed = (1.0 - exact) / (exact * epsilon**2)
    shared = float(np.max(needed)) * mc_seconds_per_call / samples
    return {n: shared for n in sizes}, float(np.max(needed))


def benchmark_cell(core, quantity, k, deltas, cfg, seed, bar=None):
    """Time and check every method for one (quantity, k); returns a JSON-ready dict."""
    fn = getattr(core, quantity)
    sizes = cfg["sizes"]
    n_quad, n_mp = cfg["n_quad"], cfg["n_mpmath"]
    t_all = deltas / THETA

    def tick(label):
        if bar is not None:
            bar.set_postfix_str(f"{quantity} k={k:g} {label}")
            bar.update()

    # Warm-up: the first call pays JIT compilation (or the numba cache load).
    t0 = time.perf_counter()
    fn(deltas[:8], k, THETA)
    warmup_s = time.perf_counter() - t0

    times = {m: {} for m in METHODS}
    calls = {m: {} for m in METHODS}
    for n in sizes:
        d = deltas[:n]
        times["gammaal"][n], calls["gammaal"][n], _ = best_time(
            lambda: fn(d, k, THETA), cfg["repeats"], cfg["cell_budget_s"])
        tick(f"gammaal n={n:.0e}")
    for n in sizes:
        t = t_all[:n]
        times["gammainc"][n], calls["gammainc"][n], _ = best_time(
            lambda: special.gammainc(k, t), cfg["repeats"], cfg["cell_budget_s"])
    tick("gammainc")

    quad_fn = QUAD_IMPLEMENTATION[quantity]
    quad_s, quad_calls, quad_values = best_time(
        lambda: [quad_fn(float(x), k) for x in t_all[:n_quad]], cfg["repeats"], cfg["cell_budget_s"])
    tick("quad")
    mp_fn = MPMATH_REFERENCE[quantity]
    mp_s, mp_calls, reference = best_time(
        lambda: [mp_fn(float(x), k) for x in t_all[:n_mp]], cfg["repeats"], cfg["cell_budget_s"])
    tick("mpmath")
    for n in sizes:
        times["quad"][n] = quad_s / n_quad * n
        times["mpmath"][n] = mp_s / n_mp * n

    subset = deltas[:n_mp]
    ours = np.asarray(fn(subset, k, THETA), dtype=float)
    err_ours = _relative_errors(ours, reference)
    err_quad = _relative_errors(quad_values[:n_mp], reference)

    # One Monte Carlo estimate per subset point, timed as a whole: the mean
    # cost of one estimate at mc_samples (each δ draws its own sample here).
    t0 = time.perf_counter()
    mc_est, mc_se = _mc_values(core, quantity, subset, k, cfg["mc_samples"], seed)
    mc_call_s = (time.perf_counter() - t0) / len(subset)
    err_mc = _relative_errors(mc_est, reference)
    tick("Monte Carlo")
    epsilon = max(max(err_ours), MACHINE_EPSILON)
    exact = np.array([float(r) for r in reference])
    times["mc_matched"], mc_needed = _mc_matched_cost(quantity, exact, mc_se, mc_call_s,
                                                      cfg["mc_samples"], epsilon, sizes)

    n_top = sizes[-1]
    base = times["gammaal"][n_top]
    return {
        "quantity": quantity,
        "k": k,
        "theta": THETA,
        "warmup_s": warmup_s,
        "times_s": {m: {str(n): v for n, v in times[m].items()} for m in METHODS},
        "calls": {m: {str(n): v for n, v in calls[m].items()} for m in ("gammaal", "gammainc")},
        "measured_points": {"quad": n_quad, "mpmath": n_mp},
        "per_point_s": {"gammaal": base / n_top, "gammainc": times["gammainc"][n_top] / n_top,
                        "quad": quad_s / n_quad, "mpmath": mp_s / n_mp},
        "ratios_at_n": n_top,
        "ratios": {"gammaal_over_gammainc": base / times["gammainc"][n_top],
                   "quad_over_gammaal": times["quad"][n_top] / base,
                   "mpmath_over_gammaal": times["mpmath"][n_top] / base,
                   "mc_matched_over_gammaal": times["mc_matched"][n_top] / base},
        "max_rel_error": {"gammaal": max(err_ours), "quad": max(err_quad),
                          "mc": max(err_mc), "mpmath": 0.0},
        "mc": {"samples": cfg["mc_samples"], "seconds_per_estimate": mc_call_s,
               "matched_epsilon": epsilon, "matched_samples": mc_needed},
        "accuracy_points": [float(x) for x in subset],
    }


# ---------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------

def _fmt_ratio(x):
    if not math.isfinite(x):
        return "inf"
    return f"{x:.2g}" if x >= 1e5 else (f"{x:.1f}" if x < 100 else f"{x:.0f}")


def ratio_table(results):
    """Header and rows of the speed/accuracy table (one row per quantity and k)."""
    header = ["quantity", "k", "gammaal ns/pt", "warm-up s", "÷ gammainc", "quad ×", "mpmath ×",
              "MC matched ×", "err gammaal", "err quad", "err MC"]
    rows = []
    for r in results:
        e = r["max_rel_error"]
        rows.append([r["quantity"], f"{r['k']:g}", f"{r['per_point_s']['gammaal'] * 1e9:.0f}",
                     f"{r['warmup_s']:.2f}", f"{r['ratios']['gammaal_over_gammainc']:.2f}",
                     _fmt_ratio(r["ratios"]["quad_over_gammaal"]),
                     _fmt_ratio(r["ratios"]["mpmath_over_gammaal"]),
                     _fmt_ratio(r["ratios"]["mc_matched_over_gammaal"]),
                     f"{e['gammaal']:.1e}", f"{e['quad']:.1e}", f"{e['mc']:.1e}"])
    return header, rows


def _text_table(header, rows):
    widths = [max(len(str(row[i])) for row in [header] + rows) for i in range(len(header))]
    fmt = lambda row: "  ".join(str(c).rjust(w) for c, w in zip(row, widths))  # noqa: E731
    return "\n".join([fmt(header), "  ".join("-" * w for w in widths)] + [fmt(r) for r in rows])


def _markdown(header, rows, notes):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n\n" + "\n".join(f"- {n}" for n in notes) + "\n"


def _notes(report):
    meta = report["meta"]
    n_top = meta["sizes"][-1]
    return [
        f"n = {n_top:,} points, δ ~ Uniform{tuple(meta['delta_range'])} plus δ = {FIXED_DELTAS}, "
        f"θ = {THETA}; best of {meta['repeats']} (fewer when one call exceeds "
        f"{meta['cell_budget_s']:g} s); {meta['cpu']}.",
        "÷ gammainc: gammaal time over one scipy.special.gammainc per point (the floor). "
        "'×' columns: the other method's time over gammaal's.",
        f"quad and mpmath ({MPMATH_DIGITS} digits) timed on {meta['n_quad']} and {meta['n_mpmath']} "
        "points, scaled linearly to n.",
        "MC matched: Monte Carlo cost to reach gammaal's worst relative error (binomial / "
        "measured-SE scaling; one shared sample for all δ for the probabilities).",
        f"err: worst relative error against mpmath on the first {meta['n_mpmath']} points; "
        f"err MC at {meta['mc_samples']:,} samples.",
        f"gammaal import (includes any JIT compile at import): {report['import_s']:.2f} s; "
        "warm-up = first call, excluded from the timings.",
    ]


def speed_plot(report, path):
    """Log-log time against n, one panel per (quantity, k)."""
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError("the speed plot needs matplotlib; `pip install gammaal[plots]`") from exc
    results = report["results"]
    fig = Figure(figsize=(12, 6.5), dpi=110, layout="constrained")
    axes = fig.subplots(len(SHAPES), len(QUANTITIES), squeeze=False)
    styles = {"gammaal": ("C0", "-o"), "gammainc": ("C1", "-s"), "quad": ("C2", "--"),
              "mpmath": ("C3", "--"), "mc_matched": ("C4", ":")}
    labels = {"gammaal": "gammaal", "gammainc": "scipy gammainc (floor)", "quad": "scipy quad (scaled)",
              "mpmath": "mpmath 30 digits (scaled)", "mc_matched": "Monte Carlo, matched accuracy"}
    floor, ceiling = 1e-6, 1e6
    for r in results:
        ax = axes[SHAPES.index(r["k"])][QUANTITIES.index(r["quantity"])]
        for method in METHODS:
            n = np.array([int(x) for x in r["times_s"][method]])
            t = np.array(list(r["times_s"][method].values()))
            color, style = styles[method]
            if method == "mc_matched" and np.all(t > ceiling):
                ax.annotate(f"MC at matched accuracy: up to {t.max():.0e} s (off scale)", (0.02, 0.95),
                            xycoords="axes fraction", fontsize=7, color=color, va="top")
                continue
            ax.loglog(n, t, style, color=color, label=labels[method], markersize=4)
        for method in ("quad", "mpmath"):
            m = r["measured_points"][method]
            ax.loglog([m], [r["per_point_s"][method] * m], "x", color=styles[method][0])
        ax.set_ylim(floor, ceiling)
        ax.set_title(f"{r['quantity']}, k = {r['k']:g}", fontsize=10)
        ax.set_xlabel("points n")
        ax.set_ylabel("seconds")
        ax.grid(True, which="major", alpha=0.3)
    handles, names = [], []
    for ax in axes.flat:
        for h, name in zip(*ax.get_legend_handles_labels()):
            if name not in names:
                handles.append(h)
                names.append(name)
    fig.legend(handles, names, loc="outside lower center", ncols=len(names), fontsize=8)
    fig.suptitle("Time against n (×: points actually measured for quad and mpmath; dashed: scaled)",
                 fontsize=11)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")  # rendered in memory, then written atomically
    return atomic_write_bytes(path, buffer.getvalue())


def run(out="results", quick=False, seed=0, progress=True, plot=True, stream=None):
    """Run the benchmark, write ``speed.json``/``speed.md``/``speed.png``, return the report."""
    from tqdm.auto import tqdm

    stream = sys.stdout if stream is None else stream
    cfg = QUICK if quick else FULL
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)

    t0 = time.perf_counter()
    import gammaal as core

    import_s = time.perf_counter() - t0
    rng = np.random.default_rng(seed)
    deltas = np.concatenate([FIXED_DELTAS, rng.uniform(*DELTA_RANGE, size=max(cfg["sizes"]))])
    start = time.perf_counter()
    cells = [(q, k) for k in SHAPES for q in QUANTITIES]
    ticks_per_cell = len(cfg["sizes"]) + 4
    results = []
    with tqdm(total=len(cells) * ticks_per_cell, desc="speed", disable=not progress, leave=False) as bar:
        for quantity, k in cells:
            results.append(benchmark_cell(core, quantity, k, deltas, cfg, seed, bar))
    report = {
        "meta": {"quick": bool(quick), "seed": seed, "theta": THETA, "shapes": list(SHAPES),
                 "delta_range": list(DELTA_RANGE), "sizes": list(cfg["sizes"]),
                 "repeats": cfg["repeats"], "cell_budget_s": cfg["cell_budget_s"],
                 "n_quad": cfg["n_quad"], "n_mpmath": cfg["n_mpmath"], "mc_samples": cfg["mc_samples"],
                 "mpmath_digits": MPMATH_DIGITS, "python": platform.python_version(),
                 "numpy": np.__version__, "scipy": scipy.__version__,
                 "gammaal": getattr(core, "__version__", "unknown"),
                 "cpu": f"{platform.machine()}, {_cpu_count()} cores"},
        "import_s": import_s,
        "results": results,
    }
    report["distributions"] = distribution_blocks(quick, seed)
    report["elapsed_s"] = time.perf_counter() - start
    header, rows = ratio_table(results)
    notes = _notes(report)
    files = {"json": out / "speed.json", "md": out / "speed.md"}
    atomic_write_text(files["json"], json.dumps(report, indent=2) + "\n")
    dist_lines = _distribution_lines(report["distributions"])
    atomic_write_text(files["md"], "### Speed and accuracy\n\n" + _markdown(header, rows, notes)
                      + "\n### Mixed shapes, quantiles, logsf, rv objects\n\n```\n" + "\n".join(dist_lines) + "\n```\n")
    if plot:
        files["png"] = speed_plot(report, out / "speed.png")
    print(_text_table(header, rows), file=stream)
    for note in notes:
        print("  " + note, file=stream)
    print("\n" + "\n".join(dist_lines), file=stream)
    print(f"\nbenchmark took {report['elapsed_s']:.1f} s; wrote " + ", ".join(str(p) for p in files.values()),
          file=stream)
    report["files"] = {name: str(p) for name, p in files.items()}
    return report


def distribution_blocks(quick=False, seed=0):
    """Mixed-shape arrays, ppf/isf, logsf and the rv objects against scipy's generic methods
    (:mod:`benchmarks.distributions`), each as a ratio to gammainc on the same points."""
    from benchmarks import distributions

    return distributions.run_blocks(quick=quick, seed=seed)


def _distribution_lines(block_report):
    from benchmarks import distributions

    return distributions.table_lines(block_report["rows"]) + [
        "  ÷ gammainc: time over one scipy.special.gammainc(2k, t) per point on the same (k, t); "
        "÷ prob_within: over one prob_within at the returned points; generic ×: scipy's generic method "
        "(a subclass with only our _pdf) over ours."]


def _cpu_count():
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def main(argv=None):
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.speed",
                                     description="Time gammaal against scipy gammainc, scipy quad, "
                                                 "mpmath and Monte Carlo, with accuracy against mpmath.")
    parser.add_argument("--out", default="results", help="output folder (default: results)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for CI smoke tests")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-plot", action="store_true", help="skip speed.png (no matplotlib needed)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    args = parser.parse_args(argv)
    try:
        run(out=args.out, quick=args.quick, seed=args.seed, progress=not args.no_progress,
            plot=not args.no_plot)
    except (ValueError, OSError, ImportError) as exc:
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
