"""The report on hand-made run directories: cells without a fake spread, labelled figures, corrupt files."""
import numpy as np
import pytest

import pose.report as report
from gammaal.al.records import (Correlations, CycleRecord, GammaAnalysis, GammaDelta, TrainingRecord,
                                 to_dict)
from pose.checkpoint import atomic_write_json
from pose.cli import main

RNG = np.random.default_rng(5)


def _record(seed, cycle, cycles, pck, test):
    true = RNG.gamma(2.0, 0.01, 10)
    predicted = true + RNG.normal(0, 0.005, 10)
    train_gamma = GammaAnalysis(n=10, n_excluded=0, k=2.0 + seed, theta=0.01, ks_statistic=0.1,
                                deltas=[GammaDelta(0.1, 0.002, 0.1, 0.12, 0.4)])
    record = CycleRecord(strategy="llpp", seed=seed, cycle=cycle, num_labelled=4 + 2 * cycle, metric_name="PCK@0.2",
                         test_metric=test, test_loss=0.01, training=TrainingRecord([], 0, 1.0),
                         train_gamma=train_gamma, train_loss=RNG.gamma(2.0, 0.01, 4 + 2 * cycle).tolist())
    if cycle < cycles:
        record.selected = [0, 1]
        record.selected_true_loss, record.pool_true_loss = 0.02, 0.01
        record.selected_metric, record.pool_metric = pck, 0.3
        record.correlation = Correlations(0.5, 0.4, 0.3)
        record.candidates = list(range(10))
        record.predicted_loss, record.true_loss = predicted.tolist(), true.tolist()
    return to_dict(record)


def fake_run(root, seeds, cycles=2):
    """A run directory of one strategy (LL++) with hand-chosen PCKs: seed s selects PCK 0.1 + 0.1 s."""
    settings = {"strategies": ["llpp"], "seeds": list(seeds), "cycles": cycles, "budget": 2, "gamma_deltas": [0.1]}
    atomic_write_json(root / "run.json", {
        "settings": settings, "metric_name": "PCK@0.2", "config": {"name": "fake"}, "git": {"revision": None},
        "versions": {"torch": "x"}, "device": "cpu", "world_size": 1})
    for seed in seeds:
        for cycle in range(cycles + 1):
            record = _record(seed, cycle, cycles, pck=0.1 + 0.1 * seed, test=0.5 + 0.1 * seed)
            atomic_write_json(root / "llpp" / f"seed_{seed}" / f"cycle_{cycle:02d}.json", record)
    return root


def tables(run_dir) -> dict:
    """Markdown and CSV of every table (figures take seconds: tests/test_loop.py checks them on a real run)."""
    run = report.load_run(run_dir)
    out = {}
    for name, table in (("table3a", report.table3a), ("table3b", report.table3b),
                        ("correlations", report.correlation_table), ("gamma", report.gamma_table)):
        header, rows = table(run)
        out[name] = (report._markdown(header, rows), report._csv(header, rows))
    return out


def test_one_seed_cells_show_no_spread(tmp_path):
    out = tables(fake_run(tmp_path, [0]))
    assert "| LL++ | 0.100 | 0.100 |" in out["table3a"][0]
    for name, (markdown, _) in out.items():
        assert "±" not in markdown, name
    lines = out["table3a"][1].splitlines()
    assert lines[0] == "strategy,Stage 1 mean,Stage 1 std,Stage 1 n,Stage 2 mean,Stage 2 std,Stage 2 n"
    assert lines[1] == "LL++,0.1,,1,0.1,,1"


def test_two_seed_cells_show_the_sample_spread(tmp_path):
    out = tables(fake_run(tmp_path, [0, 1]))
    # PCK 0.1 and 0.2: mean 0.15, sample std 0.1/sqrt(2) = 0.0707
    assert "| LL++ | 0.150 ± 0.071 | 0.150 ± 0.071 |" in out["table3a"][0]
    assert out["table3a"][1].splitlines()[1].startswith("LL++,0.15,0.0707107,2")


def test_corrupt_cycle_record_is_one_line_naming_the_file(tmp_path, capsys):
    run = fake_run(tmp_path / "run", [0])
    path = run / "llpp" / "seed_0" / "cycle_01.json"
    path.write_bytes(path.read_bytes()[:100])  # a truncated file
    assert main(["report", str(run)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"error: {path}: truncated or corrupt (JSONDecodeError") and "delete it" in err
    with pytest.raises(ValueError, match="no run.json"):
        report.load_run(tmp_path)
