"""Selection strategies: one module each, registered by name in :data:`STRATEGIES`.

>>> from gammaal.al.strategies import STRATEGIES
>>> {"random", "coreset", "ll", "llpp"} <= set(STRATEGIES.names())  # plug-ins may add more
True
>>> STRATEGIES["llpp"].head, STRATEGIES["llpp"].objective, sorted(STRATEGIES["coreset"].needs)
('gap', 'llpp', ['embeddings'])
"""
from .base import (SCORING_NEEDS, STRATEGIES, Scores, ScoreStrategy, ScoringBatch, Strategy, check_budget,
                   ranked_positions, register_strategy, run_selection)
from .random_sampling import RandomStrategy, random_positions
from .coreset import CoreSetStrategy, k_center_greedy
from .learning_loss import LearningLossPlusPlusStrategy, LearningLossStrategy, top_k
from .gamma_learning_loss import GammaLearningLossStrategy
from .mc_dropout import MCDropoutStrategy, mc_dropout_variance

__all__ = ["SCORING_NEEDS", "STRATEGIES", "Scores", "ScoringBatch", "Strategy", "ScoreStrategy", "register_strategy",
           "check_budget", "run_selection", "ranked_positions", "random_positions", "k_center_greedy", "top_k",
           "mc_dropout_variance", "RandomStrategy", "CoreSetStrategy", "LearningLossStrategy",
           "LearningLossPlusPlusStrategy", "GammaLearningLossStrategy", "MCDropoutStrategy"]
