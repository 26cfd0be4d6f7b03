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
- ``pose.data``, ``pose.datasets``: the dataset readers, and the base set / pool /
  test set of a config behind one index space.
- ``pose.task``, ``pose.backbone``, ``pose.llpp_conv``, ``pose.yoo_head``,
  ``pose.strategies``: pose as a task of the ``gammaal.al`` engine (``PoseTask``,
  the hourglass and HRNet adapters with named taps, the LL++conv and Yoo heads and
  the strategy registry with pose's plug-ins).
- ``pose.experiment``, ``pose.resume``, ``pose.provenance``, ``pose.cli``:
  ``python -m pose run`` (the engine plus pose's checks, resume planning and
  ``run.json`` provenance), ``pose.report`` its tables and figures.
"""

__all__ = []
