"""Symbolic derivations of every equation family in Shukla & Ahmed (CVPRW 2021).

Each module derives one family with sympy (exactly, for concrete integer
shapes, and for a symbolic integer ``k`` where an induction step suffices),
then checks the result numerically against ``gammaal`` (or mpmath /
``gammaal.closed_form`` where ``gammaal`` is not the subject).  Every module
exposes ``run(quick=False) -> list[Identity]``; ``python -m derivations``
runs them all.  Where the printed paper differs from the derivation, the
module records the difference as its own identity (status "verified" means
the erratum was confirmed with the stated numbers); ``ERRATA.md`` lists them.

Modules (paper equation numbers: "S" = supplement):

* :mod:`derivations.antiderivative` — S Eq. 1–2
* :mod:`derivations.prob_within` — paper Eq. 5, S Eq. 3–6
* :mod:`derivations.difference_density` — law of X − Y for real k
* :mod:`derivations.gradients` — paper Eq. 1–4, S Eq. 7–9
* :mod:`derivations.expected_target` — paper Eq. 6, S Eq. 10–15
* :mod:`derivations.homoscedastic` — the squared-residual remark (paper §4.1.1)
* :mod:`derivations.tables` — paper Tables 1 and 2

Not families (run on their own): :mod:`derivations.debye_coefficients` (Debye's polynomials of
``gammaal._bessel``) and :mod:`derivations.target_base_coefficients` (the Chebyshev series of
``gammaal._target_base``, written to ``gammaal/_target_base_data.py``).
"""
from __future__ import annotations

import importlib
import math
from dataclasses import dataclass

__all__ = ["Identity", "FAMILIES", "make_identity", "run_all"]

FAMILIES = (
    "antiderivative",
    "prob_within",
    "difference_density",
    "gradients",
    "expected_target",
    "homoscedastic",
    "tables",
)


@dataclass(frozen=True)
class Identity:
    """Outcome of one derivation step.

    Attributes
    ----------
    name : str
        What was shown, in words.
    equation : str
        The paper's equation number ("S" prefix: supplement).
    status : str
        ``"verified"`` or ``"failed"``.
    max_diff : float
        Largest difference found (relative unless ``note`` says otherwise;
        0.0 for an exact symbolic identity).
    tolerance : float
        The bound ``max_diff`` had to meet.
    reference : str
        What the result was compared with (sympy, gammaal.…, mpmath, …).
    note : str
        Numbers worth reading (errata: printed vs correct values).
    """

    name: str
    equation: str
    status: str
    max_diff: float
    tolerance: float
    reference: str
    note: str = ""

    @property
    def verified(self) -> bool:
        return self.status == "verified"

    def line(self) -> str:
        """One printable line: status, equation, name, difference, reference, note."""
        diff = f"{self.max_diff:.2e}" if math.isfinite(self.max_diff) else str(self.max_diff)
        text = f"[{self.status:8s}] {self.equation:14s} {self.name}  (diff {diff} <= {self.tolerance:.0e} vs {self.reference})"
        return text + (f"  -- {self.note}" if self.note else "")


def make_identity(name, equation, ok, max_diff, tolerance, reference, note=""):
    """Build an :class:`Identity`; verified iff ``ok`` and ``max_diff <= tolerance`` (NaN fails)."""
    max_diff = float(max_diff)
    good = bool(ok) and math.isfinite(max_diff) and max_diff <= tolerance
    return Identity(name, equation, "verified" if good else "failed", max_diff, float(tolerance), reference, note)


def run_all(quick=False, families=FAMILIES):
    """Run the named families in order and return all identities.

    A family that raises is reported as one failed identity instead of
    aborting the others.
    """
    results = []
    for family in families:
        module = importlib.import_module(f"{__name__}.{family}")
        try:
            results.extend(module.run(quick=quick))
        except Exception as exc:  # a crash is a failed derivation, reported with its cause
            results.append(make_identity(f"{family} raised {type(exc).__name__}: {exc}", "-", False, math.nan, 0.0, "-"))
    return results
