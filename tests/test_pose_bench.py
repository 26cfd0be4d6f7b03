"""``python -m pose bench --quick`` on the micro config: it runs, and every figure it writes is finite and positive."""
import math

import pytest
import yaml

from pose.checkpoint import read_json
from pose.cli import main
from pose_micro import micro


def _numbers(value, path="result"):
    """Every number in a JSON tree with its path (booleans are not numbers here)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _numbers(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _numbers(item, f"{path}[{i}]")
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield path, value


def test_quick_bench_writes_finite_positive_figures(tmp_path, capsys):
    config = tmp_path / "micro.yaml"
    config.write_text(yaml.safe_dump(micro()))
    out = tmp_path / "bench"
    assert main(["bench", "--quick", "--config", str(config), "--out", str(out)]) == 0
    result = read_json(out / "bench.json")
    numbers = dict(_numbers(result))
    bad = {path: v for path, v in numbers.items() if not (math.isfinite(v) and v > 0)}
    assert not bad, bad
    names = [n["name"] for n in result["networks"]]
    assert names == ["backbone", "ll", "llpp", "llpp_conv"]
    for network in result["networks"]:
        assert network["train_images_per_s"]["n"] == 5 and network["score_images_per_s"]["n"] == 5
        assert (network["time_ratio"] is None) == (network["name"] == "backbone")
        assert (network["cpu_time_ratio"] is None) == (network["name"] == "backbone")  # a CPU run
    (coreset,) = result["coreset"]
    assert (coreset["pool"], coreset["dim"], coreset["budget"], coreset["labelled"]) == (2000, 256, 20, 20)
    # scaled to 100 000 x (1 000 + 1 000): 50 x 50 times the measured work
    assert coreset["paper_size_seconds"] == pytest.approx(2500 * coreset["seconds"])
    assert coreset["cpu_seconds"] > 0
    assert result["precision"] == [] and "cuda" in result["precision_skipped"]
    printed = capsys.readouterr().out
    assert "backbone alone" in printed and "+ LL++conv head (pose_conv)" in printed
    assert (out / "bench.md").read_text() in printed


def test_bad_sizes_exit_2_naming_the_flag(tmp_path, capsys):
    config = tmp_path / "micro.yaml"
    config.write_text(yaml.safe_dump(micro()))
    assert main(["bench", "--quick", "--config", str(config), "--repeats", "1"]) == 2
    assert "--repeats" in capsys.readouterr().err
    assert main(["bench", "--quick", "--config", str(config), "--coreset-pool", "10"]) == 2
    assert "--coreset-pool" in capsys.readouterr().err
