"""Pose's strategies: every :data:`gammaal.al.STRATEGIES` entry, with pose's plug-ins registered.

The rules live in :mod:`gammaal.al.strategies` (random, k-center core-set, top-k
learning loss, MC dropout, gamma-aware LL); pose adds LL++conv (:mod:`pose.llpp_conv`)
and multi-peak entropy, aleatoric, VL4Pose and EGL++ (:mod:`pose.strategies_uncertainty`). Importing this module
is what makes the plug-ins known to configs, the CLI and resumes.

>>> from pose.strategies import PAPER_STRATEGIES, STRATEGIES
>>> all(name in STRATEGIES for name in PAPER_STRATEGIES), STRATEGIES["llpp_conv"].head
(True, 'pose_conv')
"""
from __future__ import annotations

from gammaal.al.strategies import STRATEGIES

from . import llpp_conv, strategies_uncertainty, yoo_head  # noqa: F401  (register pose's heads and strategies)

__all__ = ["STRATEGIES", "PAPER_STRATEGIES", "LEARNING_LOSS_STRATEGIES"]

PAPER_STRATEGIES = ("random", "coreset", "ll", "llpp", "llpp_conv")
"""The paper's five (Table 3), the default of ``active.strategies``."""

LEARNING_LOSS_STRATEGIES = ("ll", "llpp", "llpp_conv")
"""Top-k predicted loss, with the Learning Loss, LearningLoss++ and LL++conv heads and objectives."""
