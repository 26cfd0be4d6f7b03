"""The gammaal.al engine on a toy regressor: valid selections, records checked against independent
recomputation, kill-and-resume after every step, repeatability, every strategy, plug-in strategies, errors."""
import dataclasses
import shutil

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import TensorDataset

import gammaal.al as al
from gammaal.al.records import CycleRecord, to_dict
from gammaal.al.strategies import STRATEGIES, Scores, Strategy, register_strategy

ALL = ["random", "coreset", "ll", "llpp"]
SETTINGS = dict(cycles=2, budget=4, epochs=3, batch_size=8, lr=1e-2, device="cpu", threads=1)


def build_model():
    return nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Dropout(0.2), nn.Linear(8, 1))


def toy_task():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(60, 3, generator=g) * 2 - 1
    y = x.sum(dim=1, keepdim=True) + (0.05 + x[:, :1].abs()) * torch.randn(60, 1, generator=g)
    return al.RegressionTask(build_model, ["3"], TensorDataset(x[:8], y[:8]), TensorDataset(x[8:44], y[8:44]),
                             TensorDataset(x[44:], y[44:]))


def comparable(record: CycleRecord) -> dict:
    d = to_dict(record)
    d.pop("seconds")
    d.pop("selection_seconds")
    d["training"].pop("seconds")
    return d


@pytest.fixture(scope="module")
def full_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("al") / "run"
    return al.run(toy_task(), out, ALL, seeds=2, **SETTINGS)


def test_selections_are_valid_and_records_complete(full_run):
    assert full_run.strategies == ALL and full_run.seeds == [0, 1] and full_run.metric_name == "RMSE"
    for strategy in ALL:
        for seed in (0, 1):
            records = full_run.records[strategy][seed]
            assert [r.cycle for r in records] == [0, 1, 2]
            assert [r.num_labelled for r in records] == [8, 12, 16]
            chosen = [i for r in records for i in r.selected]
            assert len(chosen) == 8 and len(set(chosen)) == 8 and all(0 <= i < 36 for i in chosen)
            for r in records[:2]:
                assert len(r.selected) == 4
                assert set(r.selected) <= set(r.candidates)
                assert len(r.candidates) == 36 - 4 * r.cycle and len(r.true_loss) == len(r.candidates)
                assert r.gamma is not None and r.gamma.n + r.gamma.n_excluded == len(r.candidates)
                if r.gamma.k is not None:
                    assert [d.delta_over_mean for d in r.gamma.deltas] == [0.05, 0.1, 0.25, 0.5]
                has_head = strategy in ("ll", "llpp")
                assert (r.predicted_loss is not None) == has_head == (r.correlation is not None)
            assert records[2].selected == [] and records[2].gamma is None
            assert records[0].training.shared_base
            assert (full_run.out_dir / strategy / f"seed_{seed}" / "trained_02.pt").is_file()


def test_cycle_zero_starts_from_the_shared_base(full_run):
    for seed in (0, 1):
        metrics = {full_run.records[s][seed][0].test_metric for s in ALL}
        assert len(metrics) == 1  # one base model per seed
    assert full_run.records["random"][0][0].test_metric != full_run.records["random"][1][0].test_metric


def _load(out_dir, strategy, seed, cycle):
    net = al.LossPredictionModel(build_model(), ["3"], heads={s: ("gap", s) for s in [strategy]
                                                             if STRATEGIES[s].head})
    checkpoint = torch.load(out_dir / strategy / f"seed_{seed}" / f"trained_{cycle:02d}.pt", weights_only=False)
    net.load_state_dict(checkpoint["network"])
    return net.eval()


def test_records_agree_with_an_independent_recomputation(full_run):
    task = toy_task()
    x_pool, y_pool = task.pool.tensors
    x_test, y_test = task.test.tensors
    for strategy in ALL:
        r = full_run.records[strategy][0][1]
        net = _load(full_run.out_dir, strategy, 0, 1)
        with torch.no_grad():
            model = net.model
            rmse = float(torch.sqrt(((model(x_test) - y_test) ** 2).mean()))
            candidates = torch.tensor(r.candidates)
            true = ((model(x_pool[candidates]) - y_pool[candidates]) ** 2).mean(dim=1).numpy()
        assert r.test_metric == pytest.approx(rmse, rel=1e-5)
        np.testing.assert_allclose(r.true_loss, true, rtol=1e-5, atol=1e-7)
        positions = [r.candidates.index(i) for i in r.selected]
        assert r.selected_true_loss == pytest.approx(true[positions].mean(), rel=1e-5)
        if strategy in ("ll", "llpp"):
            order = np.argsort(-np.asarray(r.predicted_loss), kind="stable")[:4]
            assert [r.candidates[p] for p in order] == r.selected
        # For one output dimension the RMSE of a set is the root of its mean per-sample MSE.
        assert r.selected_metric == pytest.approx(np.sqrt(true[positions].mean()), rel=1e-5)
        assert r.pool_metric == pytest.approx(np.sqrt(true.mean()), rel=1e-5)
        # Training losses: base set then acquired pool items, under this cycle's model.
        with torch.no_grad():
            acquired = sorted(full_run.records[strategy][0][0].selected)  # labelled_data: base, then pool order
            own = torch.cat([task.labelled.tensors[0], x_pool[acquired]])
            own_y = torch.cat([task.labelled.tensors[1], y_pool[acquired]])
            train_loss = ((model(own) - own_y) ** 2).mean(dim=1).numpy()
        np.testing.assert_allclose(r.train_loss, train_loss, rtol=1e-5, atol=1e-7)
        assert r.train_gamma.n + r.train_gamma.n_excluded == 12


def test_coreset_picks_the_k_center_greedy_points_of_the_tap_embedding(full_run):
    task = toy_task()
    r = full_run.records["coreset"][0][1]
    net = _load(full_run.out_dir, "coreset", 0, 1)
    seen = np.asarray(full_run.records["coreset"][0][0].selected)
    with torch.no_grad():
        embed = net.model[:4]  # up to and including the tapped ReLU "3"
        pool = embed(task.pool.tensors[0]).double().numpy()
        labelled = np.concatenate([embed(task.labelled.tensors[0]).double().numpy(), pool[seen]])
    candidates = pool[r.candidates]
    dist = np.min(((candidates[:, None] - labelled[None]) ** 2).sum(-1), axis=1)
    picks = []
    for _ in range(4):  # brute force: recompute every distance each step
        masked = dist.copy()
        masked[picks] = -1
        picks.append(int(np.argmax(masked)))
        dist = np.minimum(dist, ((candidates - candidates[picks[-1]]) ** 2).sum(-1))
    assert [r.candidates[p] for p in picks] == r.selected


def test_two_runs_are_identical(full_run, tmp_path):
    again = al.run(toy_task(), tmp_path / "again", ALL, seeds=2, **SETTINGS)
    for strategy in ALL:
        for seed in (0, 1):
            assert [comparable(r) for r in again.records[strategy][seed]] == \
                [comparable(r) for r in full_run.records[strategy][seed]]


class Killed(Exception):
    """Stands in for SIGKILL: raised from the step hook, after the step's files are complete."""


def test_killed_after_every_step_and_resumed_gives_the_same_run(tmp_path):
    strategies = ["coreset", "llpp"]
    reference = al.run(toy_task(), tmp_path / "reference", strategies, seeds=1, **SETTINGS)
    out = tmp_path / "killed"
    steps = []

    def die(strategy, seed, cycle, step):
        steps.append((strategy, cycle, step))
        raise Killed

    for attempt in range(40):
        try:
            result = al.run(toy_task(), out, strategies, seeds=1, resume=attempt > 0, hook=die, **SETTINGS)
            break
        except Killed:
            continue
    else:
        pytest.fail("the run never finished")
    # One step per attempt: base, then (trained, selected) x 2 and (trained, finished) per strategy.
    assert steps[0] == ("base", 0, "trained") and len(steps) == 1 + 2 * 6 and len(set(steps)) == len(steps)
    for strategy in strategies:
        assert [comparable(r) for r in result.records[strategy][0]] == \
            [comparable(r) for r in reference.records[strategy][0]]


def test_finetune_and_unshared_runs_are_valid(tmp_path):
    result = al.run(toy_task(), tmp_path / "ft", ["random", "ll"], seeds=1, init="finetune", share_base=False,
                    keep_best=True, plateau_patience=1, **SETTINGS)
    for strategy in ("random", "ll"):
        records = result.records[strategy][0]
        assert not records[0].training.shared_base
        assert len({i for r in records for i in r.selected}) == 8
        assert all(0 <= r.training.best_epoch < 3 for r in records)


SEEN = {}


@register_strategy
class LargestOutput(Strategy):
    """A plug-in strategy for the test: the largest predicted y, recording what scoring gave it."""

    name = "test_largest_output"
    label = "largest output"
    needs = frozenset({"outputs", "mc_samples"})

    def select(self, scores: Scores, budget, rng):
        SEEN["outputs"], SEEN["mc"] = scores.outputs.shape, scores.mc_samples.shape
        SEEN["spread"] = float(scores.mc_samples.std(axis=0).mean())
        return np.argsort(-scores.outputs[:, 0], kind="stable")[:budget]


def test_a_registered_strategy_runs_without_engine_changes(tmp_path):
    result = al.run(toy_task(), tmp_path / "plugin", ["test_largest_output"], seeds=1, mc_passes=3, **SETTINGS)
    r = result.records["test_largest_output"][0][0]
    assert SEEN["outputs"] == (32, 1) and SEEN["mc"] == (3, 32, 1)  # the last call: cycle 1
    assert SEEN["spread"] > 0  # dropout was on for the MC passes
    net = _load(result.out_dir, "test_largest_output", 0, 0)
    with torch.no_grad():
        out = net.model(toy_task().pool.tensors[0][r.candidates])[:, 0].numpy()
    assert r.selected == [r.candidates[p] for p in np.argsort(-out, kind="stable")[:4]]


def test_a_strategy_returning_duplicates_is_caught():
    class Broken(Strategy):
        name, label = "broken", "broken"

        def select(self, scores, budget, rng):
            return np.zeros(budget, dtype=int)

    with pytest.raises(ValueError, match="not 2 distinct positions"):
        al.strategies.run_selection(Broken(), Scores(num_candidates=5), 2, np.random.default_rng(0))
    with pytest.raises(ValueError, match="needs unknown scores"):
        register_strategy(type("Odd", (Strategy,), {"name": "odd", "label": "odd", "needs": frozenset({"vibes"}),
                                                     "select": Broken.select}))


BAD = [
    (dict(strategies=["random", "entropy"]), "strategies[1]"),
    (dict(budget=20), "budget"),
    (dict(epochs=-1), "epochs"),
    (dict(lr=0.0), "lr"),
    (dict(amp="fp8"), "amp"),
    (dict(seeds=0), "seeds"),
    (dict(init="warm"), "init"),
    (dict(share_base=True, detach=False), "share_base"),
    (dict(gamma_deltas=[0.1, -1]), "gamma_deltas"),
    (dict(epoch=3), "epoch"),
    (dict(device="tpu"), "device"),
]


@pytest.mark.parametrize("change,field", BAD, ids=[f for _, f in BAD])
def test_bad_settings_fail_before_training_naming_the_argument(tmp_path, change, field):
    kwargs = dict(SETTINGS, seeds=1, strategies=["random"])
    kwargs.update(change)
    with pytest.raises(ValueError) as info:
        al.run(toy_task(), tmp_path / "out", **kwargs)
    assert str(info.value).startswith(field)
    assert not (tmp_path / "out").exists()


def test_existing_run_needs_resume_with_the_same_settings(full_run):
    with pytest.raises(ValueError, match="^out_dir"):
        al.run(toy_task(), full_run.out_dir, ALL, seeds=2, **SETTINGS)
    with pytest.raises(ValueError, match="^epochs: cannot change epochs when resuming"):
        al.run(toy_task(), full_run.out_dir, ALL, seeds=2, resume=True, **dict(SETTINGS, epochs=4))
    finished = al.run(toy_task(), full_run.out_dir, ALL, seeds=2, resume=True, **SETTINGS)  # a no-op
    assert [comparable(r) for r in finished.records["llpp"][1]] == \
        [comparable(r) for r in full_run.records["llpp"][1]]
    # Execution settings may change, and one call may run a subset: the run keeps all it has.
    again = al.run(toy_task(), full_run.out_dir, ["llpp"], seeds=[1], resume=True, **dict(SETTINGS, threads=2))
    assert again.strategies == ALL and again.seeds == [0, 1]


def test_resume_recomputes_deleted_step_files_identically(full_run, tmp_path):
    out = tmp_path / "copy"
    shutil.copytree(full_run.out_dir, out)
    seed_dir = out / "llpp" / "seed_0"
    (seed_dir / "trained_01.pt").unlink()  # cycle 1 is retrained (from scratch), then selects again
    result = al.run(toy_task(), out, ["llpp"], seeds=[0], resume=True, **SETTINGS)
    # Same process, one thread: the recomputation repeats every operation exactly.
    assert [comparable(r) for r in result.records["llpp"][0]] == \
        [comparable(r) for r in full_run.records["llpp"][0]]
    (seed_dir / "cycle_00.json").write_text("{")
    with pytest.raises(al.CorruptRunFile, match="cycle_00.json: truncated or corrupt .*delete it and "
                                                           "resume to recompute cycle 0"):
        al.run(toy_task(), out, ["llpp"], seeds=[0], resume=True, **SETTINGS)
    (seed_dir / "cycle_00.json").unlink()
    result = al.run(toy_task(), out, ["llpp"], seeds=[0], resume=True, **SETTINGS)
    assert [comparable(r) for r in result.records["llpp"][0]] == \
        [comparable(r) for r in full_run.records["llpp"][0]]


def test_a_joining_strategy_needs_its_head_in_the_shared_base(tmp_path):
    al.run(toy_task(), tmp_path / "r", ["random"], seeds=1, **dict(SETTINGS, cycles=1))
    with pytest.raises(ValueError, match="^strategies: ll needs its own loss head, which the shared base"):
        al.run(toy_task(), tmp_path / "r", ["ll"], seeds=1, resume=True, **dict(SETTINGS, cycles=1))
    result = al.run(toy_task(), tmp_path / "r", ["coreset"], seeds=1, resume=True, **dict(SETTINGS, cycles=1))
    assert result.strategies == ["random", "coreset"] and len(result.records["coreset"][0]) == 2


def test_regression_task_checks_its_inputs():
    with pytest.raises(ValueError, match="taps"):
        al.RegressionTask(build_model, [], *toy_task().pool.tensors and [toy_task().labelled] * 3)
    with pytest.raises(ValueError, match="pool is empty"):
        al.RegressionTask(build_model, ["3"], toy_task().labelled, TensorDataset(torch.zeros(0, 3)), toy_task().test)


def test_labelled_set_round_trip_and_guards():
    s = al.LabelledSet(6, [0, 2])
    s.label([5, 1], stage=1)
    assert s.acquired_at.tolist() == [0, 1, 0, -1, -1, 1]
    t = al.LabelledSet(6)
    t.load_state_dict(s.state_dict())
    assert t.unlabelled_indices.tolist() == [3, 4]
    with pytest.raises(ValueError, match="already labelled"):
        s.label([2], stage=2)
    with pytest.raises(ValueError, match="out of range"):
        s.label([6], stage=2)


def test_records_round_trip_through_json(full_run):
    r = full_run.records["llpp"][0][0]
    assert al.records.from_dict(CycleRecord, to_dict(r)) == r
    assert dataclasses.is_dataclass(r.gamma) and dataclasses.is_dataclass(r.correlation)


def test_subset_scores_only_part_of_the_pool(tmp_path):
    result = al.run(toy_task(), tmp_path / "subset", ["random", "llpp"], seeds=1, subset=10, **SETTINGS)
    for strategy in ("random", "llpp"):
        records = result.records[strategy][0]
        for r in records[:2]:
            assert len(r.candidates) == 10 and set(r.selected) <= set(r.candidates)
            assert not set(r.candidates) & {i for q in records[:r.cycle] for i in q.selected}
        # The same subset for both strategies at cycle 0 (it depends on seed and cycle only).
    assert result.records["random"][0][0].candidates == result.records["llpp"][0][0].candidates
    with pytest.raises(ValueError, match="^subset"):
        al.run(toy_task(), tmp_path / "bad", ["random"], seeds=1, subset=3, **SETTINGS)


def test_first_epochs_metadata_and_channels_last(tmp_path):
    result = al.run(toy_task(), tmp_path / "first", ["llpp"], seeds=1, first_epochs=5, metadata={"who": "test"},
                    **SETTINGS)
    assert [len(r.training.history) for r in result.records["llpp"][0]] == [5, 3, 3]
    from gammaal.atomic import read_json
    meta = read_json(tmp_path / "first" / "run.json")
    assert meta["who"] == "test" and meta["settings"]["first_epochs"] == 5  # merged at the top level

    class Conv(nn.Module):  # a 4-D input, so NHWC applies
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 4, 3, padding=1)
            self.fc = nn.Linear(4, 1)

        def forward(self, x):
            return self.fc(torch.relu(self.conv(x)).mean(dim=(2, 3)))

    g = torch.Generator().manual_seed(0)
    images, y = torch.rand(40, 1, 6, 6, generator=g), torch.rand(40, 1, generator=g)
    task = al.RegressionTask(Conv, ["conv"], TensorDataset(images[:8], y[:8]), TensorDataset(images[8:30], y[8:30]),
                             TensorDataset(images[30:], y[30:]))
    plain = al.run(task, tmp_path / "nchw", ["ll"], seeds=1, **SETTINGS)
    nhwc = al.run(task, tmp_path / "nhwc", ["ll"], seeds=1, channels_last=True, **SETTINGS)
    for a, b in zip(plain.records["ll"][0], nhwc.records["ll"][0]):
        assert a.test_metric == pytest.approx(b.test_metric, rel=1e-4)  # same maths, another memory layout


# bf16 predictions keep ~3 significant digits, so near-equal ones tie at the cut-off; the engine says so.
@pytest.mark.filterwarnings("ignore:.*tie the cut-off.*:gammaal.al.engine.CollapsedHeadWarning")
def test_bf16_autocast_run_is_valid(tmp_path):
    result = al.run(toy_task(), tmp_path / "bf16", ["llpp"], seeds=1, amp="bf16", **SETTINGS)
    records = result.records["llpp"][0]
    assert len({i for r in records for i in r.selected}) == 8
    assert all(np.isfinite(r.test_metric) for r in records) and records[0].correlation is not None


DDP_SCRIPT = '''
import sys
sys.path.insert(0, {tests!r})
import gammaal.al as al
from test_al_engine import toy_task, SETTINGS
al.run(toy_task(), sys.argv[1], ["random", "coreset", "llpp"], seeds=1, progress=False, **dict(SETTINGS, epochs=0))
'''


@pytest.mark.slow
def test_two_process_gloo_run_matches_one_process(tmp_path):
    # Without training steps both runs score the pool with identical models, so this checks
    # sharded scoring, gathering, rank-0 selection and broadcast exactly.
    import os
    import socket
    import subprocess
    import sys
    from pathlib import Path

    single = al.run(toy_task(), tmp_path / "single", ["random", "coreset", "llpp"], seeds=1, progress=False,
                    **dict(SETTINGS, epochs=0))
    script = tmp_path / "ddp_run.py"
    script.write_text(DDP_SCRIPT.format(tests=str(Path(__file__).resolve().parent)))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    repo = Path(__file__).resolve().parents[1]
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(repo))
    proc = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2",
                           "--master_addr=127.0.0.1", f"--master_port={port}", str(script), str(tmp_path / "ddp")],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    double = al.load_results(tmp_path / "ddp")
    from gammaal.atomic import read_json
    assert read_json(tmp_path / "ddp" / "run.json")["world_size"] == 2
    for strategy in ("random", "coreset", "llpp"):
        for a, b in zip(single.records[strategy][0], double.records[strategy][0]):
            assert a.selected == b.selected
            np.testing.assert_allclose(b.true_loss, a.true_loss, rtol=1e-6)


def test_damaged_run_files_name_the_file_and_the_fix(tmp_path):
    out = tmp_path / "run"
    al.run(toy_task(), out, ["llpp"], seeds=1, **SETTINGS)
    record = out / "llpp" / "seed_0" / "cycle_01.json"
    text = record.read_text()
    record.write_text('{"strategy": "ll')  # truncated
    with pytest.raises(al.CorruptRunFile, match=r"cycle_01\.json: truncated or corrupt.*delete it and resume"):
        al.load_results(out)
    with pytest.raises(al.CorruptRunFile, match=r"cycle_01\.json: truncated or corrupt.*recompute cycle 1"):
        al.run(toy_task(), out, ["llpp"], seeds=1, resume=True, **SETTINGS)  # checked before any step runs
    record.write_text(text)
    state = out / "llpp" / "seed_0" / "state.json"
    state.write_text(state.read_text().replace('"step": "finished"', '"step": "trained"'))
    (out / "llpp" / "seed_0" / "trained_02.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match=r"trained_02\.pt: truncated or corrupt"):
        al.run(toy_task(), out, ["llpp"], seeds=1, resume=True, **SETTINGS)
    import shutil

    shutil.rmtree(out / "llpp" / "seed_0")  # the fix the message names: recompute that strategy and seed
    again = al.run(toy_task(), out, ["llpp"], seeds=1, resume=True, **SETTINGS)
    reference = al.run(toy_task(), tmp_path / "reference", ["llpp"], seeds=1, **SETTINGS)
    assert [comparable(r) for r in again.records["llpp"][0]] == [comparable(r) for r in reference.records["llpp"][0]]


def test_a_dead_loss_head_is_reported(tmp_path, monkeypatch):
    import gammaal.al.engine as engine
    from gammaal.al.engine import CollapsedHeadWarning, collapsed_head

    assert collapsed_head(np.zeros(3)) and collapsed_head(np.full(4, -2.5))
    assert not collapsed_head(np.array([1.0, 1.0 + 1e-6])) and not collapsed_head(np.array([3.0]))
    assert not collapsed_head(np.array([np.nan, np.nan]))
    original = engine.build_network

    def dead(*args, **kwargs):  # the ReLU before the head's output gets negative input for every item
        network = original(*args, **kwargs)
        with torch.no_grad():
            for head in network.heads.values():
                linears = [m for m in head.modules() if isinstance(m, torch.nn.Linear)]
                linears[-2].weight.zero_()
                linears[-2].bias.fill_(-1.0)
        return network

    monkeypatch.setattr(engine, "build_network", dead)
    with pytest.warns(CollapsedHeadWarning, match=r"\[ll seed 0\] cycle 0: the loss head predicts one value"):
        al.run(toy_task(), tmp_path / "dead", ["ll"], seeds=1, **{**SETTINGS, "epochs": 0, "cycles": 1})


def test_a_pile_of_ties_at_the_cut_off_is_reported_but_ordinary_predictions_are_not():
    from gammaal.al.analysis import ties_at_cutoff
    from gammaal.al.engine import head_problem

    rng = np.random.default_rng(0)
    for _ in range(50):  # against a direct count
        p = rng.integers(0, 4, size=12).astype(float)
        k = int(rng.integers(1, 12))
        cut = np.sort(p)[::-1][k - 1]
        top = np.argsort(-p, kind="stable")[:k]
        assert ties_at_cutoff(p, k) == (int((p == cut).sum()), int((p[top] == cut).sum()))
    ceiling = np.r_[np.full(130, 0.59), rng.uniform(-0.2, 0.5, 870)]  # like seed 0's LL++conv head (222 at 0.59)
    assert "130 of 1000 predicted losses tie the cut-off of the top 100" in head_problem(ceiling, 100)
    assert head_problem(ceiling, 200) is None  # the cut-off lies below the pile: the top 200 is not by position
    small = np.r_[np.full(8, 0.59), rng.uniform(-0.2, 0.5, 992)]
    assert head_problem(small, 5) is None  # 8 ties: 0.8 % of the pool, under the 1 % threshold
    assert head_problem(rng.uniform(size=1000), 100) is None and head_problem(None, 100) is None
    assert "predicts one value" in head_problem(np.zeros(8), 2)
