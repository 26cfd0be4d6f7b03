"""The strategy registry: declarations are checked, answers are checked, the built-ins select as documented."""
import numpy as np
import pytest

from gammaal.al.strategies import STRATEGIES, Scores, Strategy, k_center_greedy, register_strategy, run_selection


def test_builtin_declarations():
    assert {"random", "coreset", "ll", "llpp"} <= set(STRATEGIES.names())
    assert (STRATEGIES["ll"].head, STRATEGIES["ll"].objective) == ("gap", "ll")
    assert (STRATEGIES["llpp"].head, STRATEGIES["llpp"].objective) == ("gap", "llpp")
    assert STRATEGIES["random"].needs == frozenset() and STRATEGIES["coreset"].head is None
    with pytest.raises(ValueError, match="unknown strategy 'entropy'; registered: \\["):
        STRATEGIES["entropy"]


def test_declarations_are_checked_at_registration():
    def pick_first(self, scores, budget, rng):
        return np.arange(budget)

    with pytest.raises(ValueError, match="does not define select"):
        register_strategy(type("Lazy", (Strategy,), {"name": "lazy", "label": "lazy"}))
    half = type("Half", (Strategy,), {"name": "half", "label": "half", "head": "gap", "select": pick_first})
    with pytest.raises(ValueError, match="set together"):
        register_strategy(half)
    blind = type("Blind", (Strategy,), {"name": "blind", "label": "blind", "head": "gap", "objective": "ll",
                                        "select": pick_first})
    with pytest.raises(ValueError, match="does not need predicted_loss"):
        register_strategy(blind)
    with pytest.raises(ValueError, match="already registered"):
        register_strategy(type("Again", (Strategy,), {"name": "random", "label": "again", "select": pick_first}))


def test_run_selection_needs_what_the_strategy_declared():
    with pytest.raises(ValueError, match=r"needs \['predicted_loss'\]"):
        run_selection(STRATEGIES["llpp"], Scores(num_candidates=3), 1, np.random.default_rng(0))
    with pytest.raises(ValueError, match="budget 4 exceeds the 3 candidates"):
        run_selection(STRATEGIES["random"], Scores(num_candidates=3), 4, np.random.default_rng(0))


def test_builtins_select_as_documented():
    rng = np.random.default_rng(0)
    scores = Scores(num_candidates=5, predicted_loss=np.array([0.1, 0.7, 0.7, 0.3, 0.9]),
                    embeddings=np.array([[0.0], [1.0], [2.0], [8.0], [9.0]]), labelled_embeddings=np.array([[0.0]]))
    assert run_selection(STRATEGIES["ll"], scores, 3, rng).tolist() == [4, 1, 2]  # ties by position
    # k-center from the labelled centre at 0: farthest 9, then 2 (distance 2 beats 1's 1, 8's 1).
    assert run_selection(STRATEGIES["coreset"], scores, 2, rng).tolist() == [4, 2]
    picks = run_selection(STRATEGIES["random"], scores, 5, np.random.default_rng(3))
    assert sorted(picks.tolist()) == [0, 1, 2, 3, 4]
    np.testing.assert_array_equal(picks, np.random.default_rng(3).choice(5, size=5, replace=False))


def test_k_center_first_pick_without_labels_comes_from_rng():
    x = np.random.default_rng(1).normal(size=(20, 3))
    first = int(np.random.default_rng(9).integers(20))
    assert k_center_greedy(x, 3, rng=np.random.default_rng(9))[0] == first
    with pytest.raises(ValueError, match="chunk_size"):
        k_center_greedy(x, 3, chunk_size=0)
