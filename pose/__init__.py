"""Human pose estimation with learning-loss active learning (torch).

Submodules, imported explicitly by their users so that ``import pose`` stays
cheap and torch-free:

- ``pose.hourglass``: stacked hourglass backbone (Newell et al. 2016) returning
  heatmaps plus the multi-scale features the loss-prediction heads consume.
- ``pose.heads``: loss-prediction heads, GAP+FC (Learning Loss / LL++) and the
  convolutional LL++conv head (paper §4.2).
- ``pose.objectives``: heatmap MSE (the ranking objectives are ``gammaal.al``'s).
- ``pose.metrics``: PCK / PCKh on numpy arrays (official MPII total, curves).
- ``pose.protocol``: the ``authors`` / ``standard`` settings records;
  ``pose.schedule``: the optimiser and plateau schedule a protocol names.
- ``pose.convert``: the authors' and princeton-vl's checkpoints into our modules.
- ``pose.data``, ``pose.strategies``, ``pose.loop``, ``pose.cli``: datasets,
  selection strategies, the active learning loop and the command line.
- ``pose.task``, ``pose.backbone``, ``pose.llpp_conv``: pose as a task of the
  ``gammaal.al`` engine (``PoseTask``, the hourglass adapter with named taps, the
  LL++conv head and strategy registered as plug-ins).
"""

__all__ = []
