"""Issue-13 strategies end to end: a micro run of all six on PoseTask (1 cycle; 2 cycles slow), scores recomputed."""
import math

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, Subset

import gammaal.al as al
from gammaal.al.loss_prediction import AuxiliarySpec, LossPredictionModel
from gammaal.al.strategies import STRATEGIES, ranked_positions
from pose.config import config_from_dict, config_to_dict
from pose.gallery import gallery_items, write_gallery
from pose.strategies_uncertainty import grid_argmax, peak_distance
from pose.task import PoseTask, engine_settings
from pose_micro import micro

pytestmark = pytest.mark.usefixtures("one_torch_thread")

NEW = ["multipeak_entropy", "aleatoric", "vl4pose", "egl", "mc_dropout", "ll_gamma"]
MICRO = micro(active={"strategies": ["random"], "cycles": 1})  # the shipped micro preset, one stage


def _run(directory, cycles):
    config = config_from_dict(dict(MICRO, active=dict(MICRO["active"], cycles=cycles)))
    task = PoseTask(config)
    settings = dict(engine_settings(config), strategies=NEW)
    return task, al.run(task, directory, progress=False, metadata={"config": config_to_dict(config)}, **settings)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("uncertainty") / "run", cycles=1)


def _check_selections(result, cycles):
    for strategy in NEW:
        records = result.records[strategy][0]
        assert [r.num_labelled for r in records] == [4 + 2 * c for c in range(cycles + 1)]
        chosen = [i for r in records for i in r.selected]
        assert len(set(chosen)) == 2 * cycles and all(0 <= i < 12 for i in chosen)
        for r in records[:cycles]:
            scores = np.asarray(r.scores)
            assert scores.shape == (len(r.candidates),) and np.isfinite(scores).all()
            assert len(set(scores.tolist())) > 1, strategy  # the rule sees a real spread, not ties
            lowest = strategy == "vl4pose"
            order = np.argsort(scores if lowest else -scores, kind="stable")[:2]
            assert [r.candidates[p] for p in order] == r.selected, strategy
            assert ranked_positions(scores, 2, lowest).tolist() == order.tolist()
            assert set(r.candidates).isdisjoint(i for q in records[:r.cycle] for i in q.selected)


def _network(task, result, strategy, cycle=0):
    """The strategy's network of ``cycle`` rebuilt from its checkpoint (no engine code involved)."""
    state = torch.load(result.out_dir / strategy / "seed_0" / f"trained_{cycle:02d}.pt", weights_only=False)["network"]
    kind = STRATEGIES[strategy].auxiliary
    auxiliary = {} if kind is None else {strategy: AuxiliarySpec(kind, tuple(task.head_taps[kind]),
                                                                 task.head_options[kind])}
    model = STRATEGIES[strategy].adapt_model(task.build_model())
    network = LossPredictionModel(model, task.taps, heads={}, auxiliary=auxiliary, embedding_taps=task.embedding_taps)
    batch = next(iter(DataLoader(task.labelled, batch_size=2)))
    network.initialize(batch["image"])
    network.load_state_dict({k: v for k, v in state.items() if not k.startswith("heads.")})
    return network.eval()


@torch.no_grad()
def _forward(network, dataset):
    batch = next(iter(DataLoader(dataset, batch_size=len(dataset))))
    out, _ = network(batch["image"])
    return batch, out


def test_every_strategy_selects_by_its_rule_on_the_recorded_scores(run):
    _check_selections(run[1], cycles=1)


@pytest.mark.slow
def test_two_cycles_of_every_strategy(tmp_path):
    _check_selections(_run(tmp_path / "run", cycles=2)[1], cycles=2)


def _brute_entropy(heatmap, r):
    """Liu & Ferrari's score of one image, pixel by pixel: peaks by the skimage rule, softmax entropy."""
    total = 0.0
    for img in heatmap:
        h, w = img.shape
        cands = sorted((-img[y, x], y, x) for y in range(r, h - r) for x in range(r, w - r)
                       if img[y, x] == img[max(0, y - r):y + r + 1, max(0, x - r):x + r + 1].max()
                       and img[y, x] > img.min())
        kept = []
        for v, y, x in cands:
            if all(max(abs(y - ky), abs(x - kx)) > r for _, ky, kx in kept):
                kept.append((v, y, x))
        values = [-v for v, _, _ in kept[:5]]
        if values:
            z = np.exp(np.asarray(values) - max(values))
            p = z / z.sum()
            total += float(-(p * np.log(p)).sum())
    return total


def test_multipeak_entropy_scores_match_a_pixel_loop(run):
    task, result = run
    record = result.records["multipeak_entropy"][0][0]
    _, out = _forward(_network(task, result, "multipeak_entropy"), Subset(task.pool, record.candidates[:4]))
    heatmaps = out.heatmaps[-1].double().numpy()
    r = peak_distance(heatmaps.shape[-1])
    expected = [_brute_entropy(h, r) for h in heatmaps]
    np.testing.assert_allclose(record.scores[:4], expected, rtol=1e-5, atol=1e-6)


def test_aleatoric_and_vl4pose_train_their_auxiliary_heads_and_score_with_them(run):
    task, result = run
    base = torch.load(result.out_dir / "base" / "seed_0" / "trained_00.pt", weights_only=False)["network"]
    assert {k.split(".")[1] for k in base if k.startswith("auxiliary.")} == {"aleatoric", "vl4pose"}
    record = result.records["aleatoric"][0][0]
    network = _network(task, result, "aleatoric")
    _forward(network, Subset(task.pool, record.candidates))
    log_var = network.auxiliary_outputs["aleatoric"].double()
    assert log_var.shape == (len(record.candidates), 14)
    np.testing.assert_allclose(record.scores, log_var.mean(dim=1).numpy(), rtol=1e-5)
    first = torch.load(result.out_dir / "aleatoric" / "seed_0" / "trained_01.pt", weights_only=False)["network"]
    assert {k for k in first if k.startswith("auxiliary.")} == {k for k in base if k.startswith("auxiliary.aleatoric.")}
    record = result.records["vl4pose"][0][0]
    network = _network(task, result, "vl4pose")
    _forward(network, Subset(task.pool, record.candidates))
    assert network.auxiliary_outputs["vl4pose"].shape == (len(record.candidates), 26)  # LSP: 13 links


def test_egl_scores_match_a_loop_of_single_sample_backward_passes(run):
    task, result = run
    record = result.records["egl"][0][0]
    network = _network(task, result, "egl")
    labelled_batch, labelled_out = _forward(network, task.labelled)
    labelled_embeddings, targets = network.embedding.double(), labelled_out.heatmaps[-1].detach()
    pool_batch, _ = _forward(network, Subset(task.pool, record.candidates[:1]))
    del labelled_batch
    model = network.model
    assert labelled_embeddings.shape[0] == 4
    for row in range(1):
        # perplexity min(20, M) = M = 4 labelled images: the uniform row (t-SNE's limit), weight 1/4 each
        weights = torch.full((4,), 0.25, dtype=torch.float64)
        total = 0.0
        for j in range(4):
            model.zero_grad()
            out = model(pool_batch["image"][row:row + 1])
            loss = (torch.stack(out.heatmaps, dim=1) - targets[j][None, None]).square().mean()
            loss.backward()
            total += weights[j].item() * sum(float(p.grad.square().sum()) for p in model.parameters()
                                             if p.grad is not None)
        assert record.scores[row] == pytest.approx(total, rel=1e-4)


def test_mc_dropout_adds_dropout_only_to_its_own_network(run):
    task, result = run
    network = _network(task, result, "mc_dropout")
    dropouts = [m for m in network.modules() if isinstance(m, torch.nn.Dropout)]
    assert len(dropouts) == 1 and dropouts[0].p == STRATEGIES["mc_dropout"].dropout
    assert not any(isinstance(m, torch.nn.Dropout) for m in task.build_model().modules())
    # eval is deterministic; dropout on, two passes differ
    image = next(iter(DataLoader(task.pool, batch_size=2)))["image"]
    with torch.no_grad():
        a, b = network(image)[0].heatmaps[-1], network(image)[0].heatmaps[-1]
        assert torch.equal(a, b)
        dropouts[0].train()
        assert not torch.equal(network(image)[0].heatmaps[-1], network(image)[0].heatmaps[-1])
    assert min(result.records["mc_dropout"][0][0].scores) >= 0


def test_ll_gamma_trains_the_learning_loss_head_and_ranks_by_it(run):
    task, result = run
    for r in result.records["ll_gamma"][0][:1]:
        assert r.scores == r.predicted_loss and r.correlation is not None
    state = torch.load(result.out_dir / "ll_gamma" / "seed_0" / "trained_01.pt", weights_only=False)["network"]
    assert any(k.startswith("heads.ll_gamma.") for k in state)
    assert math.isfinite(result.records["ll_gamma"][0][1].training.history[-1].ranking_loss)


def test_grid_argmax_against_a_loop():
    torch.manual_seed(3)
    h = torch.rand(2, 3, 5, 7)
    xy = grid_argmax(h)
    for b in range(2):
        for j in range(3):
            y, x = np.unravel_index(int(h[b, j].argmax()), (5, 7))
            assert xy[b, j].tolist() == [float(x), float(y)]


def test_gallery_draws_each_strategy_stage_with_the_recorded_losses(run, tmp_path):
    import matplotlib.image

    task, result = run
    paths = write_gallery(result.out_dir, tmp_path / "gallery", per_stage=3)
    assert [p.name for p in paths] == [f"{s}_stage01_{kind}.png" for s in NEW for kind in ("selected", "random")]
    assert all(matplotlib.image.imread(p).shape[2] in (3, 4) for p in paths)
    record = result.records["ll_gamma"][0][0]
    network = _network(task, result, "ll_gamma")
    items = gallery_items(task, network.model, record, record.selected)
    for item in items:
        k = record.candidates.index(item.pool_index)
        assert (item.predicted_loss, item.true_loss) == (record.predicted_loss[k], record.true_loss[k])
        sample = task.pool[item.pool_index]
        # truth against the target heatmaps' peaks, prediction against the model's integer argmax (4 px stride)
        peaks = grid_argmax(sample["target"][None])[0].numpy() * 4
        visible = sample["visible"].numpy() > 0
        assert np.abs(item.truth[visible] - peaks[visible]).max() <= 4
        with torch.no_grad():
            grid = grid_argmax(network.model(sample["image"][None]).heatmaps[-1])[0].numpy() * 4
        assert np.abs(item.predicted - grid).max() <= 1.0 + 1e-6
    with pytest.raises(ValueError, match="per_stage"):
        write_gallery(result.out_dir, tmp_path / "bad", per_stage=0)


TINY_HRNET = {"width": 4, "blocks": 1, "stem_channels": 8, "stage1_planes": 4, "modules": (1, 1, 1, 1)}


@pytest.mark.parametrize("backbone, options", [("hourglass", {}), ("hrnet", TINY_HRNET)])
def test_add_mc_dropout_keeps_the_state_dict_and_survives_a_deep_copy(backbone, options):
    import copy

    from pose.backbone import build_backbone

    config = config_from_dict(MICRO)
    torch.manual_seed(0)
    plain = build_backbone(backbone, config, 14, **options).eval()
    with_dropout = copy.deepcopy(plain)
    with_dropout.add_mc_dropout(0.5)
    assert with_dropout.state_dict().keys() == plain.state_dict().keys()
    image = torch.rand(2, 3, 64, 64)
    with torch.no_grad():
        assert torch.equal(plain(image).heatmaps[-1], with_dropout(image).heatmaps[-1])  # eval: no dropout
        clone = copy.deepcopy(with_dropout)
        clone.mc_dropout.train()  # the copy's hook follows the copy's dropout, not the original's
        assert torch.equal(with_dropout(image).heatmaps[-1], plain(image).heatmaps[-1])
        assert not torch.equal(clone(image).heatmaps[-1], plain(image).heatmaps[-1])
    with pytest.raises(ValueError, match="already"):
        with_dropout.add_mc_dropout(0.5)
    with pytest.raises(ValueError, match="p must"):
        plain.add_mc_dropout(1.0)


class _Out:
    def __init__(self, heatmaps):
        self.heatmaps = heatmaps


def _one_hot_maps(xy, size=16):
    """(B, J, size, size) heatmaps peaking at integer (x, y)."""
    b, j, _ = xy.shape
    maps = torch.zeros(b, j, size, size)
    for i in range(b):
        for k in range(j):
            maps[i, k, int(xy[i, k, 1]), int(xy[i, k, 0])] = 1.0
    return maps


def test_auxiliary_head_losses_by_hand():
    from pose.strategies_uncertainty import AleatoricHead, LinkLengthHead
    from pose.uncertainty import LSP_TREE

    rng = np.random.default_rng(4)
    truth = rng.integers(0, 16, size=(2, 14, 2))
    guess = rng.integers(0, 16, size=(2, 14, 2))
    visible = torch.tensor(rng.integers(0, 2, size=(2, 14)), dtype=torch.float32)
    targets = (_one_hot_maps(truth), visible)
    prediction = _Out([torch.rand(2, 14, 16, 16), _one_hot_maps(guess)])  # the last stack is decoded
    log_var = torch.tensor(rng.normal(size=(2, 14)), dtype=torch.float32)
    head = AleatoricHead(1, joints=14, in_channels=(8,))
    got = head.loss(log_var, prediction, targets).item()
    floor, terms = 2.0 / 12.0, []
    for b in range(2):
        for j in range(14):
            if visible[b, j]:
                r2 = float(((guess[b, j] - truth[b, j]) ** 2).sum()) + floor
                terms.append(0.5 * r2 * math.exp(-float(log_var[b, j])) + 0.5 * float(log_var[b, j]))
    assert got == pytest.approx(np.mean(terms), rel=1e-5)
    links = LinkLengthHead(1, joints=14, in_channels=(8,))
    params = torch.tensor(rng.normal(size=(2, 26)), dtype=torch.float32)
    got = links.loss(params, prediction, targets).item()
    terms = []
    for b in range(2):
        for index, (p, c) in enumerate(LSP_TREE.links):
            if visible[b, p] and visible[b, c]:
                d = float(np.hypot(*(truth[b, p] - truth[b, c])))
                mu, s = float(params[b, 2 * index]), float(params[b, 2 * index + 1])
                terms.append(0.5 * (mu - d) ** 2 * math.exp(-s) + 0.5 * s)
    assert got == pytest.approx(np.mean(terms), rel=1e-5)
    with pytest.raises(ValueError, match="in_channels"):
        AleatoricHead(2, joints=14, in_channels=(8,))


def test_vl4pose_scores_are_the_tree_likelihood_of_the_recorded_network(run):
    from pose.uncertainty import skeleton_tree_for, vl4pose_score

    task, result = run
    record = result.records["vl4pose"][0][0]
    network = _network(task, result, "vl4pose")
    _, out = _forward(network, Subset(task.pool, record.candidates))
    heatmaps = out.heatmaps[-1]
    likelihood, _ = vl4pose_score(heatmaps, network.auxiliary_outputs["vl4pose"], skeleton_tree_for(14), 5,
                                  peak_distance(heatmaps.shape[-1]))
    np.testing.assert_allclose(record.scores, likelihood.log_likelihood.numpy(), rtol=1e-5)
