"""Selection strategies: one module each, registered by name in :data:`STRATEGIES`.

>>> from gammaal.al.strategies import STRATEGIES
>>> {"random", "coreset", "ll", "llpp"} <= set(STRATEGIES.names())  # plug-ins may add more
True
>>> STRATEGIES["llpp"].head, STRATEGIES["llpp"].objective, sorted(STRATEGIES["coreset"].needs)
('gap', 'llpp', ['embeddings'])
"""
from .base import SCORING_NEEDS, STRATEGIES, Scores, Strategy, check_budget, register_strategy, run_selection
from .random_sampling import RandomStrategy, random_positions
from .coreset import CoreSetStrategy, k_center_greedy
from .learning_loss import LearningLossPlusPlusStrategy, LearningLossStrategy, top_k

__all__ = ["SCORING_NEEDS", "STRATEGIES", "Scores", "Strategy", "register_strategy", "check_budget", "run_selection",
           "random_positions", "k_center_greedy", "top_k", "RandomStrategy", "CoreSetStrategy",
           "LearningLossStrategy", "LearningLossPlusPlusStrategy"]
