"""gammaal — exact law of the difference of two gamma-distributed losses, for
Learning Loss / LearningLoss++ active learning (Shukla & Ahmed, CVPRW 2021).

>>> import gammaal
>>> round(gammaal.prob_within(0.1, 4, 0.066), 4)
0.4408

Submodules: ``gammaal.closed_form`` (the paper's integer-k formulas, term by
term, corrected; imported here) and ``gammaal.paper`` (Tables 1–2 and figures;
``import gammaal.paper``, it is what ``gammaal reproduce`` runs).
"""
from . import closed_form
from .difference import diff_cdf, diff_pdf, prob_beyond, prob_within
from .fitting import GammaFit, empirical_pair_fraction, fit_gamma
from .gradient import (
    expected_gradient_factor,
    expected_target,
    ll_gradient_factor,
    ll_objective,
    llpp_gradient_factor,
    llpp_objective,
)
from .montecarlo import mc_expected_target, mc_prob_within
from . import _overloads  # noqa: F401,E402  (registers the numba overloads)

__version__ = "0.1.0"

# scipy.stats and the quantile kernels cost ~1–2 s to load: the distributions are imported on first use
_LAZY = {"gammadiff": "distributions", "absgammadiff": "distributions"}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))

__all__ = [
    "prob_within",
    "prob_beyond",
    "diff_pdf",
    "diff_cdf",
    "gammadiff",
    "absgammadiff",
    "expected_target",
    "expected_gradient_factor",
    "fit_gamma",
    "GammaFit",
    "empirical_pair_fraction",
    "mc_prob_within",
    "mc_expected_target",
    "ll_objective",
    "ll_gradient_factor",
    "llpp_objective",
    "llpp_gradient_factor",
    "closed_form",
    "__version__",
]
