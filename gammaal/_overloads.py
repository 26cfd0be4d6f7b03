"""numba ``overload``s: the public functions work inside a user's ``@numba.njit`` code.

As in numba-stats, each public name gets a jitted implementation built from the
scalar kernels (:mod:`gammaal._overload_impl`), for float arguments (a scalar δ, k, θ)
or a 1-D float array δ with scalar k, θ.  Bad k or θ (including k outside the Python
function's validated domain) raise ``ValueError`` as in Python; δ/θ below 1e-300 takes the
same log-t path as the Python functions.

``import gammaal`` stays free of numba (it costs ~3 s), so the registration is lazy and
happens in whichever of these comes first:

* numba's ``numba_extensions`` entry point (``init = gammaal._overloads:_init`` in
  setup.cfg), which numba runs before it compiles anything, in an installed package;
* ``import gammaal`` when numba is already imported;
* the import of numba after ``import gammaal`` (a one-shot import hook, for a source
  checkout where the entry point is not installed).

:func:`_init` only registers typing functions: it imports neither the kernels nor
anything costly, so numba users who never call gammaal pay nothing for the entry point.
The kernels load when a user's function that calls a gammaal name is compiled.
"""
from __future__ import annotations

import importlib.abc
import importlib.util
import sys
import threading
import warnings

import numpy as np

__all__: list[str] = []

#: public function (module, name) -> (point kernel in _overload_impl, name of its (k_min, k_max) bounds)
_REGISTRY = {
    ("difference", "prob_within"): ("within_point", "K_MIN", "K_MAX"),
    ("difference", "prob_beyond"): ("beyond_point", "K_MIN", "K_MAX"),
    ("difference", "diff_pdf"): ("pdf_point", "K_MIN", "K_MAX"),
    ("difference", "diff_cdf"): ("cdf_point", "K_MIN", "K_MAX"),
    ("gradient", "expected_target"): ("target_point", "TARGET_K_MIN", "TARGET_K_MAX"),
}

_lock = threading.RLock()      # re-entrant: numba may run its entry points (this _init) while we register
_registered = False


def _init():
    """Register the overloads with numba (idempotent).  numba's entry point calls this."""
    global _registered
    with _lock:
        if _registered:
            return
        _registered = True
        import importlib

        from numba.extending import overload

        for (module_name, name), (point_name, lo_name, hi_name) in _REGISTRY.items():
            module = importlib.import_module(f"{__package__}.{module_name}")
            _register(overload, getattr(module, name), point_name, getattr(module, lo_name), getattr(module, hi_name))


def _register(overload, public, point_name, k_min, k_max):
    """Overload ``public(x, k, theta)`` with the point kernel ``point_name`` for scalar or 1-D array ``x``."""

    @overload(public, jit_options={"cache": True})
    def _impl(x, k, theta):
        from numba import types

        from . import _overload_impl    # the kernels: loaded when a user's function is compiled

        if not isinstance(k, (types.Float, types.Integer)) or not isinstance(theta, (types.Float, types.Integer)):
            return None
        check = _overload_impl.check_shape_scale
        point = getattr(_overload_impl, point_name)

        if isinstance(x, (types.Float, types.Integer)):
            def scalar(x, k, theta):
                check(k, theta, k_min, k_max)
                return point(float(x), float(k), float(theta))
            return scalar
        if isinstance(x, types.Array) and x.ndim == 1:
            def array(x, k, theta):
                check(k, theta, k_min, k_max)
                out = np.empty(x.size)
                for i in range(x.size):
                    out[i] = point(float(x[i]), float(k), float(theta))
                return out
            return array
        return None


class _RegisterAfterNumbaImport(importlib.abc.MetaPathFinder):
    """One-shot import hook: once ``numba`` has been imported, run :func:`_init`, then step aside."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "numba":
            return None
        _remove_hook()
        spec = importlib.util.find_spec(fullname)        # the finders after us locate numba as usual
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        exec_module = spec.loader.exec_module

        def exec_then_register(module):
            exec_module(module)
            try:
                _init()
            except Exception as exc:  # never break the user's `import numba`
                warnings.warn(f"gammaal could not register its numba overloads: {exc!r}", stacklevel=2)

        spec.loader.exec_module = exec_then_register
        return spec


_hook = _RegisterAfterNumbaImport()


def _remove_hook():
    try:
        sys.meta_path.remove(_hook)
    except ValueError:
        pass


def _register_now_or_when_numba_loads():
    if "numba" in sys.modules:
        _init()
    elif _hook not in sys.meta_path:
        sys.meta_path.insert(0, _hook)


_register_now_or_when_numba_loads()
