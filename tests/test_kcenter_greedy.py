"""k-center greedy against a brute-force reference: identical picks, exact ties and duplicates included."""
import numpy as np
import pytest
import torch

from gammaal.al.strategies import STRATEGIES, Scores, k_center_greedy, run_selection


def brute_force(x, budget, labelled=None, first=None):
    """Full (N, N + M) squared-distance matrix by explicit differences; every step the minimum over all centres
    so far, picked points masked, ``np.argmax`` (the lowest position among ties). ``first``: the pick without
    labelled centres."""
    x = np.asarray(x, dtype=np.float64)
    to_pool = ((x[:, None, :] - x[None, :, :]) ** 2).sum(axis=2)
    columns = []
    if labelled is not None and len(labelled):
        lab = np.asarray(labelled, dtype=np.float64)
        columns = list(((x[:, None, :] - lab[None, :, :]) ** 2).sum(axis=2).T)
    picks = []
    for _ in range(budget):
        if not columns and not picks:
            picks.append(first)
            continue
        d = np.min(np.stack(columns + [to_pool[:, p] for p in picks]), axis=0)
        d[picks] = -1.0
        picks.append(int(np.argmax(d)))
    return picks


def _integer_cases():
    """Small-integer pools: every squared distance is exact, ties and duplicates abound."""
    rng = np.random.default_rng(0)
    for case in range(60):
        n = int(rng.integers(2, 40))
        d = int(rng.integers(1, 5))
        x = rng.integers(-2, 3, size=(n, d)).astype(np.float64)
        if case % 3 == 0:  # explicit duplicate rows
            x[rng.integers(n, size=n // 2)] = x[rng.integers(n, size=n // 2)]
        m = int(rng.integers(0, 6)) if case % 4 else None
        labelled = None if m is None else rng.integers(-2, 3, size=(m, d)).astype(np.float64)
        budget = int(rng.integers(0, n + 1)) if case % 5 else n  # budget n: past the distinct points, zeros tie
        yield x, budget, labelled


@pytest.mark.parametrize("chunk_size", [1, 5, 2048])
def test_picks_equal_the_brute_force_on_integer_pools_with_ties_and_duplicates(chunk_size):
    ties = 0
    for x, budget, labelled in _integer_cases():
        first = int(np.random.default_rng(7).integers(len(x)))
        expected = brute_force(x, budget, labelled, first=first)
        for convert in (np.asarray, lambda a: torch.tensor(a, dtype=torch.float32)):
            got = k_center_greedy(convert(x), budget, None if labelled is None else convert(labelled),
                                  rng=np.random.default_rng(7), chunk_size=chunk_size)
            assert got.tolist() == expected
        ties += len(x) > len(np.unique(x, axis=0))
    assert ties >= 20  # the cases do exercise duplicates


def test_picks_equal_the_brute_force_on_random_float_pools():
    rng = np.random.default_rng(1)
    for n, d, m in [(300, 16, 10), (257, 3, 0), (50, 64, 49)]:
        x = rng.normal(size=(n, d))
        labelled = rng.normal(size=(m, d))
        first = int(np.random.default_rng(0).integers(n))
        assert k_center_greedy(x, 40, labelled, chunk_size=64).tolist() == brute_force(x, 40, labelled, first)
        assert k_center_greedy(torch.from_numpy(x), 40, torch.from_numpy(labelled)).tolist() == \
            brute_force(x, 40, labelled, first)


def test_a_tie_between_a_labelled_centre_and_a_pick_goes_to_the_lower_position():
    # After the pick at 2 ([10, 10]), candidates 0 and 1 are both at squared distance exactly 2: 0 from
    # the pick, 1 from the labelled centre. Squaring a Euclidean distance (sqrt(2)**2 = 2.0000000000000004)
    # would make 1 look farther; the direct squared form keeps the tie and the lower position wins.
    x = np.array([[9.0, 9.0], [1.0, 1.0], [10.0, 10.0]])
    assert brute_force(x, 2, [[0.0, 0.0]]) == [2, 0]
    assert k_center_greedy(x, 2, np.array([[0.0, 0.0]])).tolist() == [2, 0]


def test_duplicates_are_drawn_without_replacement_in_position_order():
    x = np.zeros((5, 2))
    x[3] = 1.0
    assert k_center_greedy(x, 5, np.zeros((1, 2))).tolist() == [3, 0, 1, 2, 4]


def test_bad_input_raises():
    x = np.random.default_rng(2).normal(size=(6, 2))
    bad = x.copy()
    bad[1, 0] = np.nan
    with pytest.raises(ValueError, match="candidate_features must be finite"):
        k_center_greedy(bad, 2)
    with pytest.raises(ValueError, match="labelled_features must be finite"):
        k_center_greedy(x, 2, np.array([[np.inf, 0.0]]))
    with pytest.raises(ValueError, match="labelled_features have 3 dimensions"):
        k_center_greedy(x, 2, np.zeros((1, 3)))
    with pytest.raises(ValueError, match="two-dimensional"):
        k_center_greedy(x[0], 2)


def test_the_strategy_runs_on_the_embeddings_device():
    assert STRATEGIES["coreset"].device_embeddings
    x = torch.randint(-2, 3, (30, 3)).double()
    scores = Scores(num_candidates=30, embeddings=x, labelled_embeddings=x[:2] + 1)
    picks = run_selection(STRATEGIES["coreset"], scores, 6, np.random.default_rng(0))
    assert picks.tolist() == brute_force(x.numpy(), 6, x[:2].numpy() + 1)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_tensors_are_selected_on_the_gpu_with_the_cpu_picks():
    for x, budget, labelled in _integer_cases():
        first = int(np.random.default_rng(7).integers(len(x)))
        cuda = torch.tensor(x, dtype=torch.float32, device="cuda")
        lab = None if labelled is None else torch.tensor(labelled, dtype=torch.float32, device="cuda")
        got = k_center_greedy(cuda, budget, lab, rng=np.random.default_rng(7))
        assert got.tolist() == brute_force(x, budget, labelled, first=first)
