"""gammaal.al — Learning Loss / LearningLoss++ active learning for any torch model (needs torch: extra ``al``).

- :class:`LossPredictionModel` — a loss head on named submodules of your model, for your own training loop;
- :func:`run` — the engine: train → score the pool → select → label → record, for seeds × strategies;
- :class:`Task` / :class:`RegressionTask` — what the engine needs to know about a problem;
- :data:`STRATEGIES` (``random``, ``coreset``, ``ll``, ``llpp``), :func:`register_strategy` to add one;
- :class:`LabelledSet`, typed records (:class:`CycleRecord`) and :func:`load_results`.

``import gammaal`` does not import this subpackage (nor torch).
"""
from .checkpoint import CorruptRunFile
from .engine import StepHook, run
from .heads import HEADS
from .labelled import LabelledSet
from .loss_prediction import HeadSpec, LossPredictionModel
from .objectives import OBJECTIVES, kl_ranking_loss, margin_ranking_loss
from .records import Correlations, CycleRecord, GammaAnalysis, TrainingRecord
from .results import Results, load_results
from .settings import RunSettings
from .strategies import STRATEGIES, Scores, Strategy, register_strategy
from .task import RegressionTask, Task

__all__ = ["run", "StepHook", "RunSettings", "LossPredictionModel", "HeadSpec", "Task", "RegressionTask", "LabelledSet",
           "STRATEGIES", "Strategy", "Scores", "register_strategy", "HEADS", "OBJECTIVES", "margin_ranking_loss",
           "kl_ranking_loss", "CycleRecord", "TrainingRecord", "GammaAnalysis", "Correlations", "Results",
           "load_results", "CorruptRunFile"]
