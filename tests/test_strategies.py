"""Selection rules on plain arrays: random, k-center greedy core-set, top-k learning loss; pose's registry."""
import numpy as np
import pytest
import torch

from gammaal.al.strategies import k_center_greedy, random_positions, top_k
from pose.strategies import LEARNING_LOSS_STRATEGIES, PAPER_STRATEGIES, STRATEGIES


def random_selection(num_candidates, budget, seed):
    return random_positions(num_candidates, budget, np.random.default_rng(seed))


def learning_loss_selection(predicted_loss, budget):
    return top_k(predicted_loss, budget)


def coreset_selection(candidate_features, budget, labelled_features=None, *, seed=0, chunk_size=2048):
    return k_center_greedy(candidate_features, budget, labelled_features, rng=np.random.default_rng(seed),
                           chunk_size=chunk_size)


def brute_force_kcenter(x, budget, labelled=None):
    """Reference k-center greedy: full O(N^2) distance matrix, recomputed minima every step."""
    x = np.asarray(x, np.float64)
    dist = np.linalg.norm(x[:, None, :] - x[None, :, :], axis=2)
    centres_dist = []
    if labelled is not None and len(labelled):
        lab = np.asarray(labelled, np.float64)
        centres_dist = [np.linalg.norm(x[:, None, :] - lab[None, :, :], axis=2).min(axis=1)]
    picks = []
    for _ in range(budget):
        cols = centres_dist + [dist[:, p] for p in picks]
        d = np.min(np.stack(cols), axis=0)
        d[picks] = -1
        picks.append(int(np.argmax(d)))
    return picks


# ----------------------------------------------------------------------------- random


def test_random_is_deterministic_per_seed_and_without_replacement():
    a = random_selection(50, 20, seed=3)
    assert a.dtype == np.int64 and a.shape == (20,)
    assert len(set(a.tolist())) == 20
    assert ((0 <= a) & (a < 50)).all()
    np.testing.assert_array_equal(a, random_selection(50, 20, seed=3))
    assert not np.array_equal(a, random_selection(50, 20, seed=4))


def test_random_full_budget_is_a_permutation():
    a = random_selection(7, 7, seed=0)
    assert sorted(a.tolist()) == list(range(7))


@pytest.mark.parametrize("budget", [-1, 11, 2.5, True])
def test_random_rejects_bad_budget(budget):
    with pytest.raises(ValueError, match="budget"):
        random_selection(10, budget, seed=0)


# ----------------------------------------------------------------------------- learning loss


def test_learning_loss_is_top_k():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=200)
    picks = learning_loss_selection(scores, 30)
    assert set(picks.tolist()) == set(np.argsort(scores)[-30:].tolist())
    # Ranked: largest predicted loss first.
    assert (np.diff(scores[picks]) <= 0).all()


def test_learning_loss_ties_are_stable_and_torch_accepted():
    scores = torch.tensor([1.0, 3.0, 3.0, 2.0, 3.0])
    assert learning_loss_selection(scores, 4).tolist() == [1, 2, 4, 3]


def test_learning_loss_rejects_nan_and_bad_shape():
    with pytest.raises(ValueError, match="NaN"):
        learning_loss_selection([1.0, np.nan], 1)
    with pytest.raises(ValueError, match="one-dimensional"):
        learning_loss_selection(np.zeros((2, 2)), 1)
    with pytest.raises(ValueError, match="budget"):
        learning_loss_selection([1.0, 2.0], 3)


# ----------------------------------------------------------------------------- core-set


@pytest.mark.parametrize("chunk_size", [1, 3, 2048])
def test_coreset_matches_brute_force_with_labelled_centres(chunk_size):
    rng = np.random.default_rng(1)
    pool = rng.normal(size=(40, 5))
    labelled = rng.normal(size=(9, 5))
    picks = coreset_selection(pool, 15, labelled, chunk_size=chunk_size)
    assert picks.tolist() == brute_force_kcenter(pool, 15, labelled)


def test_coreset_without_labels_starts_from_seeded_random_pick():
    rng = np.random.default_rng(2)
    pool = rng.normal(size=(30, 4))
    picks = coreset_selection(pool, 10, seed=7)
    first = int(np.random.default_rng(7).integers(30))
    assert picks[0] == first
    # The rest is the greedy continuation with that first pick as the only centre.
    assert picks.tolist() == [first] + brute_force_kcenter(pool, 9, pool[[first]])


def test_coreset_float32_torch_input_and_duplicates_stay_distinct():
    x = torch.zeros(6, 3)  # all candidates identical: distances all zero after the first pick
    picks = coreset_selection(x, 6, labelled_features=torch.ones(2, 3))
    assert sorted(picks.tolist()) == list(range(6))


def test_coreset_picks_the_far_cluster_first():
    near = np.zeros((5, 2))
    far = np.full((3, 2), 10.0) + np.arange(3)[:, None]
    picks = coreset_selection(np.concatenate([near, far]), 2, labelled_features=np.zeros((1, 2)))
    assert picks[0] == 7  # (12, 12), farthest from the labelled centre
    assert picks[1] in (0, 1, 2, 3, 4, 5)  # then the next-farthest point: the near cluster or (10, 10)


def test_coreset_rejects_dimension_mismatch():
    with pytest.raises(ValueError, match="dimensions"):
        coreset_selection(np.zeros((4, 3)), 1, np.zeros((2, 2)))


# ----------------------------------------------------------------------------- dispatch


def test_strategy_table_names_the_paper_methods():
    assert set(PAPER_STRATEGIES) <= set(STRATEGIES.names())
    assert LEARNING_LOSS_STRATEGIES == ("ll", "llpp", "llpp_conv")
    heads = {name: (STRATEGIES[name].head, STRATEGIES[name].objective) for name in PAPER_STRATEGIES}
    assert heads == {"random": (None, None), "coreset": (None, None), "ll": ("gap", "ll"),
                     "llpp": ("gap", "llpp"), "llpp_conv": ("pose_conv", "llpp")}


def test_registered_rules_select_as_the_plain_functions():
    from gammaal.al.strategies import Scores, run_selection

    scores = np.array([0.2, 0.9, 0.1, 0.5])
    for name in LEARNING_LOSS_STRATEGIES:
        picked = run_selection(STRATEGIES[name], Scores(4, predicted_loss=scores), 2, np.random.default_rng(0))
        assert picked.tolist() == [1, 3]
    picked = run_selection(STRATEGIES["random"], Scores(4), 2, np.random.default_rng(5))
    np.testing.assert_array_equal(picked, random_selection(4, 2, 5))
    feats = np.arange(8, dtype=float).reshape(4, 2)
    picked = run_selection(STRATEGIES["coreset"], Scores(4, embeddings=feats, labelled_embeddings=feats[:1]), 1,
                           np.random.default_rng(0))
    assert picked.tolist() == [3]
    with pytest.raises(ValueError, match="unknown strategy 'entropy'"):
        STRATEGIES["entropy"]
    with pytest.raises(ValueError, match="needs \\['predicted_loss'\\]"):
        run_selection(STRATEGIES["llpp"], Scores(4), 1, np.random.default_rng(0))
