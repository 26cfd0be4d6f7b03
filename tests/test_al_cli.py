"""``python -m gammaal.al run/report`` on a task file."""

from gammaal.al.cli import main
from gammaal.al.results import load_results

TASK_FILE = '''
import torch
from torch.utils.data import TensorDataset
import gammaal.al as al

def make_task():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(60, 2, generator=g)
    y = x.sum(1, keepdim=True)
    data = lambda a, b: TensorDataset(x[a:b], y[a:b])
    build = lambda: torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    return al.RegressionTask(build, ["1"], data(0, 10), data(10, 40), data(40, 60))
'''


def test_run_and_report_a_task_file(tmp_path, capsys):
    path = tmp_path / "task.py"
    path.write_text(TASK_FILE)
    out = tmp_path / "run"
    args = ["run", str(path), "--out", str(out), "--strategies", "random", "llpp", "--cycles", "2", "--budget", "5",
            "--seeds", "2", "--epochs", "2", "--batch-size", "8", "--device", "cpu", "--no-progress",
            "--set", "threads=1", "--set", "share_base=False"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "| llpp |" in printed and "Spearman" in printed
    results = load_results(out)
    assert results.seeds == [0, 1] and not results.records["llpp"][1][0].training.shared_base
    assert main(["report", str(out)]) == 0
    assert capsys.readouterr().out.count("| random |") == 3
    assert main(args) == 2  # the run exists and --resume is missing
    assert "out_dir" in capsys.readouterr().err
    assert main([*args, "--resume"]) == 0  # a finished run is read back


def test_bad_task_file_and_setting_exit_2(tmp_path, capsys):
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n")
    base = ["--out", str(tmp_path / "o"), "--cycles", "1", "--budget", "1", "--epochs", "1"]
    assert main(["run", str(empty), *base]) == 2
    assert "defines neither" in capsys.readouterr().err
    path = tmp_path / "task.py"
    path.write_text(TASK_FILE)
    assert main(["run", str(path), *base, "--set", "amp=fp8"]) == 2
    assert capsys.readouterr().err.startswith("error: amp:")


def test_the_readme_task_file_defines_the_diabetes_task():
    from pathlib import Path

    from gammaal.al import RegressionTask
    from gammaal.al.cli import _load_task

    task = _load_task(str(Path(__file__).resolve().parents[1] / "benchmarks" / "diabetes_task.py"))
    assert isinstance(task, RegressionTask)
    assert (len(task.labelled), len(task.pool), len(task.test)) == (30, 270, 142)
