"""``import gammaal`` stays light (no numba, llvmlite, scipy.stats or torch), the public names keep
their objects, signatures and docstrings, and the numba overloads are registered however numba and
gammaal are imported (sys.modules checks in subprocesses: portable, no timings)."""
import configparser
import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

import gammaal

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("numba", "llvmlite", "scipy.stats", "torch")


def _run(code):
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _loaded(prefixes):
    return (f"sorted(m for m in sys.modules if m in {prefixes!r} "
            f"or m.startswith(tuple(p + '.' for p in {prefixes!r})))")


_STAGES = f"""
import json, sys
stages = {{}}
import gammaal
stages["import"] = {_loaded(HEAVY)}
gammaal.prob_within(0.1, 4.5, 0.066)
stages["first call"] = [m in sys.modules for m in ("numba", "gammaal._kernels", "scipy.stats", "torch")]
from gammaal import fit_gamma, closed_form, mc_prob_within
stages["lazy names"] = [fit_gamma.__module__, closed_form.__name__, mc_prob_within.__module__,
                        "scipy.stats" in sys.modules]
print(json.dumps(stages))
"""


def test_import_gammaal_loads_none_of_the_heavy_modules_and_each_loads_on_first_use():
    stages = json.loads(_run(_STAGES))
    assert stages["import"] == []
    # a call loads numba and the kernels, not scipy.stats; the names that need scipy load it
    assert stages["first call"] == [True, True, False, False]
    assert stages["lazy names"] == ["gammaal.fitting", "gammaal.closed_form", "gammaal.montecarlo", True]


def test_public_names_are_the_module_functions_with_their_docs_and_signatures():
    from gammaal import closed_form, difference, distributions, fitting, gradient, montecarlo

    home = {"prob_within": difference, "prob_beyond": difference, "diff_pdf": difference, "diff_cdf": difference,
            "expected_target": gradient, "expected_gradient_factor": gradient, "ll_objective": gradient,
            "ll_gradient_factor": gradient, "llpp_objective": gradient, "llpp_gradient_factor": gradient,
            "fit_gamma": fitting, "GammaFit": fitting, "empirical_pair_fraction": fitting,
            "mc_prob_within": montecarlo, "mc_expected_target": montecarlo,
            "gammadiff": distributions, "absgammadiff": distributions}
    assert set(home) | {"closed_form", "__version__"} == set(gammaal.__all__)
    assert set(gammaal.__all__) <= set(dir(gammaal))
    for name, module in home.items():
        value = getattr(gammaal, name)
        assert value is getattr(module, name), name
        if inspect.isfunction(value):
            assert value.__doc__ and value.__doc__.strip(), name
            assert str(inspect.signature(value)) == str(inspect.signature(getattr(module, name)))
    assert gammaal.closed_form is closed_form
    assert str(inspect.signature(gammaal.prob_within)) == "(delta, k, theta)"
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        gammaal.no_such_name


_RESOLVES = ("from numba.core.registry import cpu_target; from numba.core import types; "
             "cpu_target.typing_context.refresh(); "
             "ty = cpu_target.typing_context.resolve_value_type(gammaal.{name}); "
             "assert isinstance(ty, types.Function), ty; print('ok')")


@pytest.mark.parametrize("order", ["import gammaal, numba", "import numba, gammaal",
                                   "import numba; numba.njit(lambda x: x)(1.0); import gammaal"])
def test_overloads_registered_whichever_is_imported_first(order):
    # numba's typing context knows every public name (tests/test_overloads.py compiles user code with them)
    names = ("prob_within", "prob_beyond", "diff_pdf", "diff_cdf", "expected_target")
    code = f"{order}; import sys; " + "; ".join(_RESOLVES.format(name=n) for n in names) + \
        "; print('gammaal._kernels' in sys.modules)"
    out = _run(code).split()
    assert out == ["ok"] * len(names) + ["False"]      # registering loads no kernels


def test_numba_entry_point_is_declared_and_cheap():
    # an installed gammaal is registered by numba itself before it first compiles, for every numba
    # user: the entry point must resolve and must not load the kernels (numba users who never call
    # gammaal pay only for `import gammaal`)
    cfg = configparser.ConfigParser()
    cfg.read(REPO / "setup.cfg")
    entry = cfg["options.entry_points"]["numba_extensions"].strip()
    assert entry == "init = gammaal._overloads:_init"
    module, func = entry.split("=")[1].strip().split(":")
    out = _run(f"import sys, numba, importlib; init = getattr(importlib.import_module({module!r}), {func!r}); "
               f"init(); init(); print('gammaal._kernels' in sys.modules, {_loaded(('scipy.stats',))})")
    assert out.split() == ["False", "[]"]


@pytest.mark.slow  # ~60 s: fresh interpreters and timeit loops
def test_imports_benchmark_quick_writes_its_report(tmp_path):
    result = subprocess.run([sys.executable, "-m", "benchmarks.imports", "--quick", "--out", str(tmp_path)],
                            cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "imports.json").read_text())
    assert set(report["imports"]) >= {"import numpy", "import gammaal", "import gammaal + first call"}
    rows = report["scalar_calls"]["rows"]
    assert {r["function"] for r in rows} == {"prob_within", "prob_beyond", "expected_target", "diff_pdf", "diff_cdf"}
    assert all(r["us"] > 0 and r["array_path_us"] > 0 for r in rows)
    assert "scalar calls" in result.stdout


_LOOPS = """
import json, sys, numpy
import gammaal
def loaded():
    out = []
    for name in ("gammaal._kernels", "gammaal._logtail", "gammaal._quantile"):
        module = sys.modules.get(name)
        if module is not None:
            out += [f"{name}.{k}" for k, v in vars(module).items()
                    if k.endswith("_loop") and getattr(v, "signatures", None)]
    return sorted(out)
stages = {}
gammaal.prob_within(0.1, 4, 0.066)
stages["scalar call"] = loaded()
gammaal.prob_within(numpy.array([0.1, 0.2]), 4.5, 0.066)
stages["array call"] = loaded()
gammaal.gammadiff(4).ppf(numpy.array([0.2, 0.7]))
stages["ppf"] = loaded()
print(json.dumps(stages))
"""


def test_array_kernels_load_one_at_a_time_on_their_first_call():
    # the first call of a function loads the one array loop it needs (each ~10 ms from the numba cache),
    # not every array kernel of the package (nine numba.vectorize ufuncs used to be built at import: ~3 s)
    stages = json.loads(_run(_LOOPS))
    assert stages["scalar call"] == []
    assert stages["array call"] == ["gammaal._kernels._within_loop"]
    assert stages["ppf"] == ["gammaal._kernels._within_loop", "gammaal._quantile._diff_ppf_loop"]


def test_elementwise_broadcasts_like_a_ufunc():
    import numpy as np
    from gammaal import _kernels

    t = np.array([[0.5], [1.5], [40.0]])
    k = np.array([0.7, 4.0, 4.5, 30.5])
    out = _kernels.within_array(t, k)
    assert out.shape == (3, 4) and out.dtype == np.float64
    assert out.tolist() == [[_kernels.within_scaled(ti, ki) for ki in k] for ti in t[:, 0]]
    one = _kernels.pdf_array(1.5, 4.5)
    assert isinstance(one, np.float64) and one == _kernels.pdf_scaled(1.5, 4.5)
    strided = np.linspace(0.1, 3.0, 10)[::3]
    assert _kernels.beyond_array(strided, 2.5).tolist() == [_kernels.beyond_scaled(x, 2.5) for x in strided]
    with pytest.raises(ValueError):
        _kernels.cdf_array(np.ones(3), np.ones(2))
