"""Paired statistics on hand-made records: means, t intervals and differences computed by hand."""
import csv
import io
import math

import pytest
from scipy import stats

from gammaal.al.records import Correlations, CycleRecord, TrainingRecord
from gammaal.al.results import Results
from pose import paired

CYCLES = 2


def _record(strategy, seed, cycle, test, pick=None, rho=None, predicted=None, selected=(0, 1)):
    record = CycleRecord(strategy, seed, cycle, 4 + 2 * cycle, "PCK", test, 0.01, TrainingRecord([], 0, 0.0))
    if cycle < CYCLES:
        record.selected = list(selected)
        record.selected_metric = pick
        record.selected_true_loss = None if pick is None else 0.02 - pick / 100
        record.correlation = None if rho is None else Correlations(rho, rho, rho)
        record.predicted_loss = predicted
    return record


# Selected PCK at stage 1 (cycle 0) per seed; test PCK at cycle 1; Spearman at stage 2 (cycle 1).
LL = {0: (0.40, 0.60, 0.10), 1: (0.50, 0.61, 0.20), 2: (0.45, 0.62, 0.30)}
LLPP = {0: (0.35, 0.62, 0.20), 1: (0.47, 0.64, 0.25), 2: (0.36, 0.645, 0.40), 3: (0.90, 0.90, 0.90)}
RANDOM = {0: (0.55, 0.55, None), 1: (0.60, 0.56, None), 2: (0.50, 0.57, None)}
CORESET = {0: (0.52, 0.58, None)}  # one seed only


def _series(strategy, values):
    out = {}
    for seed in (0, 1, 2, 3):
        if seed not in values:
            out[seed] = []
            continue
        pick, test, rho = values[seed]
        out[seed] = [_record(strategy, seed, 0, 0.5, pick=pick, rho=None if rho is None else rho / 2),
                     _record(strategy, seed, 1, test, pick=pick / 2, rho=rho),
                     _record(strategy, seed, 2, test + 0.01)]
    return out


@pytest.fixture
def results():
    records = {"random": _series("random", RANDOM), "coreset": _series("coreset", CORESET),
               "ll": _series("ll", LL), "llpp": _series("llpp", LLPP)}
    return Results(None, list(records), [0, 1, 2, 3], CYCLES, "PCK", records)


def _by_hand(values):
    """Mean and 95 % t half-width, written out: t_{0.975, n-1} * s / sqrt(n)."""
    n = len(values)
    mean = sum(values) / n
    s = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    return mean, stats.t.ppf(0.975, n - 1) * s / math.sqrt(n)


def _find(rows, **keys):
    (row,) = [r for r in rows if all(getattr(r, k) == v for k, v in keys.items())]
    return row


def test_paired_difference_matches_hand_computation_and_drops_unpaired_seeds(results):
    rows = paired.paired_differences(results, "ll")
    d = _find(rows, attribute="selected_metric", stage=1, strategy="llpp")
    # llpp - ll per seed: -0.05, -0.03, -0.09; seed 3 (llpp only) is not paired.
    assert d.n == 3
    assert d.mean == pytest.approx(-0.17 / 3, abs=1e-12)
    assert d.half_width == pytest.approx(4.302652729911275 * 0.0305505046330389 / math.sqrt(3), rel=1e-9)
    assert d.half_width == pytest.approx(_by_hand([-0.05, -0.03, -0.09])[1], rel=1e-12)
    assert d.excludes_zero is False  # -0.0567 ± 0.0759 straddles 0


def test_difference_whose_interval_excludes_zero_is_flagged_in_markdown(results):
    d = _find(paired.paired_differences(results, "ll"), attribute="test_metric", stage=1, strategy="llpp")
    mean, half = _by_hand([0.02, 0.03, 0.025])
    assert (d.n, d.mean, d.half_width) == (3, pytest.approx(mean), pytest.approx(half, rel=1e-9))
    assert d.excludes_zero is True
    markdown = paired.paired_markdown(results, "ll")
    assert f"**+{mean:.3f} ± {half:.3f}**" in markdown
    assert "**" not in [line for line in markdown.splitlines() if line.startswith("| selected_metric | LL++")][0]


def test_summary_uses_every_seed_of_a_strategy(results):
    s = _find(paired.strategy_summaries(results), attribute="selected_metric", stage=1, strategy="llpp")
    mean, half = _by_hand([0.35, 0.47, 0.36, 0.90])
    assert (s.n, s.mean, s.half_width) == (4, pytest.approx(mean), pytest.approx(half, rel=1e-9))
    stage2 = _find(paired.strategy_summaries(results), attribute="spearman", stage=2, strategy="ll")
    assert stage2.mean == pytest.approx(0.2) and stage2.n == 3
    # random has no predicted loss, hence no Spearman rows at all
    assert not [r for r in paired.strategy_summaries(results) if r.strategy == "random" and r.attribute == "spearman"]


def test_one_seed_gives_no_interval_and_says_so(results):
    s = _find(paired.strategy_summaries(results), attribute="selected_metric", stage=1, strategy="coreset")
    assert (s.n, s.half_width) == (1, None)
    d = _find(paired.paired_differences(results, "random"), attribute="selected_metric", stage=1, strategy="coreset")
    assert (d.n, d.half_width, d.excludes_zero) == (1, None, None)
    assert d.mean == pytest.approx(0.52 - 0.55)
    line = [x for x in paired.paired_markdown(results, "random").splitlines()
            if x.startswith("| selected_metric | Core-set")][0]
    assert "(n=1, no CI)" in line and "±" not in line


def test_tie_fraction_on_hand_made_predictions():
    near = 0.5 * (1 + 5e-7)  # within a relative 1e-6 of 0.5
    predicted = [0.9, 0.5, near, 0.5, 0.1]
    records = {"llpp": {0: [_record("llpp", 0, 0, 0.5, pick=0.3, predicted=predicted),
                            _record("llpp", 0, 1, 0.5, pick=0.3, predicted=[0.3] * 4, selected=[2])]},
               "random": {0: [_record("random", 0, 0, 0.5, pick=0.3)]}}
    results = Results(None, ["llpp", "random"], [0], CYCLES, "PCK", records)
    first, second = paired.tie_fractions(results)
    # k = 2: the cut-off is `near`; 0.5, near, 0.5 tie with it, and one of them (near) is selected.
    assert (first.stage, first.candidates, first.selected, first.tied, first.tied_selected) == (1, 5, 2, 3, 1)
    assert first.fraction == pytest.approx(0.6)
    assert (second.stage, second.tied, second.fraction) == (2, 4, 1.0)
    strict = paired.tie_fractions(results, rtol=1e-9)[0]
    assert (strict.tied, strict.fraction) == (1, pytest.approx(0.2))
    summary = paired.tie_summaries(results)
    assert [(t.strategy, t.stage, t.n, t.half_width) for t in summary] == [("llpp", 1, 1, None), ("llpp", 2, 1, None)]


def test_tables_for_the_report(results):
    tables = {name: (title, md, text) for name, title, md, text in paired.paired_tables(results)}
    assert list(tables) == ["paired_summary", "paired_vs_ll", "paired_vs_random", "ties"]
    rows = list(csv.DictReader(io.StringIO(tables["paired_vs_ll"][2])))
    row = [r for r in rows if r["attribute"] == "selected_metric" and r["strategy"] == "llpp" and r["stage"] == "1"][0]
    assert int(row["n"]) == 3 and float(row["mean"]) == pytest.approx(-0.17 / 3, rel=1e-5)
    coreset = [r for r in list(csv.DictReader(io.StringIO(tables["paired_summary"][2])))
               if r["strategy"] == "coreset"][0]
    assert coreset["half_width"] == ""


def test_bad_arguments_name_themselves(results):
    with pytest.raises(ValueError, match="reference"):
        paired.paired_differences(results, "egl")
    with pytest.raises(ValueError, match="rtol"):
        paired.tie_fractions(results, rtol=-1.0)
    with pytest.raises(ValueError, match="attributes"):
        paired.strategy_summaries(results, ["pck"])


def test_group_shares_of_the_selection_and_their_paired_differences():
    # Three seeds of two strategies; the pool has an easy and a hard group; ll picks (hard, easy) counts.
    picks = {"ll": [(1, 3), (2, 2), (0, 4)], "llpp": [(3, 1), (3, 1), (1, 3)]}
    records = {}
    for strategy, counts in picks.items():
        records[strategy] = {}
        for seed, (hard, easy) in enumerate(counts):
            first = _record(strategy, seed, 0, 0.5, pick=0.3, selected=range(4))
            first.selected_groups = {"easy": easy, "hard": hard}
            records[strategy][seed] = [first, _record(strategy, seed, 1, 0.6), _record(strategy, seed, 2, 0.6)]
    results = Results(None, ["ll", "llpp"], [0, 1, 2], CYCLES, "PCK", records)
    assert results.groups() == ["easy", "hard"]
    assert paired.default_attributes(results)[-1] == "share:hard"  # every group but the first
    shares = results.values("llpp", "share:hard")
    assert shares[:, 0].tolist() == [0.75, 0.75, 0.25] and math.isnan(shares[0, 1])  # no selection recorded
    row = next(r for r in paired.paired_differences(results, "ll", ["share:hard"]) if r.stage == 1)
    mean, half = _by_hand([0.75 - 0.25, 0.75 - 0.5, 0.25 - 0.0])
    assert row.mean == pytest.approx(mean) and row.half_width == pytest.approx(half)
    summary = [r for r in paired.strategy_summaries(results) if r.attribute == "share:hard"]
    assert {(r.strategy, r.stage) for r in summary} == {("ll", 1), ("llpp", 1)}
    assert "share of the selected images from pool group hard" in paired.summary_markdown(results) or \
        "share:hard" in paired.summary_markdown(results)
    with pytest.raises(ValueError, match="unknown attribute 'share:'"):
        paired.paired_differences(results, "ll", ["share:"])
