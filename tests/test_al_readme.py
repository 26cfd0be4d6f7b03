"""The README's "Active learning with learned loss for your own regressor" code runs as copied."""
import re
from pathlib import Path

import numpy as np
import torch
from scipy import stats

from gammaal.al import STRATEGIES

REPO = Path(__file__).resolve().parents[1]
SECTION = "## Active learning with learned loss for your own regressor"


def readme_blocks() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    return re.findall(r"```python\n(.*?)```", text[start:end if end > 0 else None], flags=re.S)


def test_readme_examples_run_as_copied(tmp_path, monkeypatch):
    blocks = readme_blocks()
    assert len(blocks) == 3
    loop, engine, plugin = blocks
    assert len(loop.strip().splitlines()) <= 15
    monkeypatch.chdir(tmp_path)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        torch.manual_seed(0)
        ns: dict = {}
        exec(compile(loop, "README loop", "exec"), ns)
        assert ns["to_label"].shape == (100,) and ns["to_label"].unique().numel() == 100
        with torch.no_grad():
            _, predicted = ns["net"](ns["x"])
        # The head learned where the noise is: it ranks samples like |x0|.
        assert stats.spearmanr(predicted.numpy(), ns["x"][:, 0].abs().numpy()).statistic > 0.5

        ns = {}
        exec(compile(engine, "README engine", "exec"), ns)
        results = ns["results"]
        assert results.values("llpp", "test_metric").shape == (2, 3)
        assert (tmp_path / "runs" / "my_regressor" / "llpp" / "seed_1" / "cycle_02.json").is_file()
        for strategy in ("random", "coreset", "ll", "llpp"):
            for seed in range(2):
                chosen = [i for r in results.records[strategy][seed] for i in r.selected]
                assert len(set(chosen)) == 100 and all(0 <= i < 450 for i in chosen)
        exec(compile(engine, "README engine, again", "exec"), {})  # resume=True: a finished run is read back

        ns = {}
        exec(compile(plugin, "README strategy", "exec"), ns)
        strategy = STRATEGIES["largest_prediction"]
        from gammaal.al import Scores
        picks = strategy.select(Scores(num_candidates=4, outputs=np.array([[0.1], [3.0], [2.0], [-1.0]])), 2, None)
        assert picks.tolist() == [1, 2]
    finally:
        torch.set_num_threads(threads)
