"""Every derivation in ``derivations/`` runs and every identity it states holds.

Default: each family in quick mode (small shapes, ~20 s in all).  ``-m slow``:
the full shape ranges (k ≤ 8 for the double integrals, k ≤ 6 for φ).
"""
from __future__ import annotations

import math
import subprocess
import sys
import types
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# derivations/ is a top-level package of the repository, not of the installed wheel
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import derivations  # noqa: E402
from derivations import FAMILIES, Identity, make_identity, run_all  # noqa: E402


@lru_cache(maxsize=None)
def _results(family, quick):
    return tuple(run_all(quick=quick, families=(family,)))


def _assert_all_verified(results):
    assert results, "a derivation that states nothing proves nothing"
    failures = [r.line() for r in results if not r.verified]
    assert not failures, "\n".join(failures)
    for r in results:
        assert r.max_diff <= r.tolerance


@pytest.mark.parametrize("family", FAMILIES)
def test_family_quick(family):
    _assert_all_verified(_results(family, True))


@pytest.mark.slow
@pytest.mark.parametrize("family", ["antiderivative", "prob_within", "difference_density", "gradients", "expected_target"])
def test_family_full(family):
    _assert_all_verified(_results(family, False))


def test_every_family_compares_numbers_not_only_symbols():
    # Each family must check at least one number (a nonzero tolerance) besides its symbolic steps.
    for family in FAMILIES:
        results = _results(family, True)
        assert any(r.tolerance > 0 for r in results), family


def test_errata_are_confirmed():
    errata = [r for family in FAMILIES for r in _results(family, True) if r.name.startswith("ERRATUM")]
    assert len(errata) >= 7
    assert all(r.verified for r in errata)
    equations = {r.equation for r in errata}
    assert {"S Eq. 6", "S Eq. 13", "paper Table 1", "paper Table 2", "Sec. 4.1.1"} <= equations


def test_errata_file_lists_the_confirmed_errata():
    text = (ROOT / "derivations" / "ERRATA.md").read_text(encoding="utf-8")
    for needle in ("Eq. 6", "Eq. 13", "Eq. 15", "Table 1", "Table 2", "0.0666", "θ_i − θ_i", "Σ"):
        assert needle in text, needle


def test_make_identity_rules():
    assert make_identity("a", "Eq. 1", True, 1e-13, 1e-12, "x").verified
    assert not make_identity("a", "Eq. 1", True, 1e-11, 1e-12, "x").verified
    assert not make_identity("a", "Eq. 1", False, 0.0, 1e-12, "x").verified
    assert not make_identity("a", "Eq. 1", True, math.nan, 1e-12, "x").verified
    line = make_identity("name", "Eq. 9", True, 0.0, 0.0, "sympy", "note").line()
    assert line.startswith("[verified]") and "Eq. 9" in line and "note" in line


def test_run_all_reports_a_crashing_family_as_failed(monkeypatch):
    boom = types.ModuleType("derivations.boom")

    def run(quick=False):
        raise RuntimeError("kaput")

    boom.run = run
    monkeypatch.setitem(sys.modules, "derivations.boom", boom)
    (result,) = run_all(families=("boom",))
    assert isinstance(result, Identity) and not result.verified and "kaput" in result.name


def test_cli_exit_codes():
    ok = subprocess.run([sys.executable, "-m", "derivations", "--quick", "homoscedastic"], cwd=ROOT,
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    lines = ok.stdout.strip().splitlines()
    assert lines[-1].endswith("s") and "identities verified" in lines[-1]
    assert all(line.startswith("[verified]") for line in lines[:-1])
    bad = subprocess.run([sys.executable, "-m", "derivations", "nonsense"], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    assert bad.returncode == 2 and "unknown families" in bad.stderr


def test_package_docstring_names_every_family():
    for family in FAMILIES:
        assert f"derivations.{family}" in derivations.__doc__
