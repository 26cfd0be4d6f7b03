"""gammaal — exact law of the difference of two gamma-distributed losses, for
Learning Loss / LearningLoss++ active learning (Shukla & Ahmed, CVPRW 2021).

>>> import gammaal
>>> round(gammaal.prob_within(0.1, 4, 0.066), 4)
0.4408

Submodules: ``gammaal.closed_form`` (the paper's integer-k formulas, term by
term, corrected) and ``gammaal.paper`` (Tables 1–2 and figures;
``import gammaal.paper``, it is what ``gammaal reproduce`` runs).

``import gammaal`` loads numpy only: numba and the compiled kernels load on the
first call of a function, scipy on first use of the names that need it.
"""
from .difference import diff_cdf, diff_pdf, prob_beyond, prob_within
from .gradient import (
    expected_gradient_factor,
    expected_target,
    ll_gradient_factor,
    ll_objective,
    llpp_gradient_factor,
    llpp_objective,
)
from . import _overloads  # noqa: F401,E402  (registers the numba overloads once numba is imported)

__version__ = "0.1.0"

# scipy (~1 s; scipy.stats ~1.5 s) loads on first use of these names (PEP 562)
_LAZY = {
    "gammadiff": "distributions",
    "absgammadiff": "distributions",
    "fit_gamma": "fitting",
    "GammaFit": "fitting",
    "empirical_pair_fraction": "fitting",
    "mc_prob_within": "montecarlo",
    "mc_expected_target": "montecarlo",
    "closed_form": None,           # the submodule itself
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        module = importlib.import_module(f".{_LAZY[name] or name}", __name__)
        value = module if _LAZY[name] is None else getattr(module, name)
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
