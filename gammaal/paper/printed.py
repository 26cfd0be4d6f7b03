"""The numbers Shukla & Ahmed (CVPRW 2021) print: the loss law of Figure 3 and Tables 1–2.

The one home of these constants: ``gammaal.paper``, ``gammaal fit``'s default margins,
``derivations/tables.py`` and the tests read them from here.
"""
from __future__ import annotations

__all__ = ["PAPER_K", "PAPER_THETA", "TABLE1_DELTAS", "TABLE1_PRINTED", "TABLE1_DECIMALS",
           "TABLE2_DELTAS", "TABLE2_PRINTED", "TABLE2_DECIMALS", "LL_EXPLANATION"]

#: Shape and scale of the paper's loss distribution (Figure 3, Tables 1–2).
PAPER_K = 4
PAPER_THETA = 0.066

#: Table 1 as printed: δ and P(|X − Y| ≤ δ), three decimals.
TABLE1_DELTAS = (0.02, 0.04, 0.06, 0.08, 0.1, 0.125, 0.15)
TABLE1_PRINTED = (0.094, 0.185, 0.274, 0.358, 0.437, 0.527, 0.607)
TABLE1_DECIMALS = 3

#: Table 2 as printed: δ and φ(δ) in the LL++ entry "q_i − φ", two decimals.
#: The PDF's table is garbled at δ = 0.2 and 0.4 (the entries read "10"),
#: so those are recorded as unreadable (None) rather than guessed.
TABLE2_DELTAS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
TABLE2_PRINTED = (0.5, 0.39, None, 0.25, None, 0.18)
TABLE2_DECIMALS = 2

#: Why the Learning Loss row of Table 2 is one constant.
LL_EXPLANATION = (
    "Learning Loss (margin ranking, Eq. 1) has gradient ±(θ_i − θ_j) or 0 (Eq. 2a): "
    "the factor K is ±1 whenever the pair is mis-ranked or inside the margin, whatever "
    "δ is, so its magnitude does not grow with how different the true losses are; the "
    "paper writes this constant as c1."
)
