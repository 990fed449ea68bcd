"""CTCAE v3.0 terms added after v3.0's original file: boundary truth tables.

Only serum amylase could be sourced for v3.0 among the terms added in issue 10 (the other
terms: ``tests/reference/ctcae_verification.md``, "CTCAE v3.0 for the new terms"). Source,
secondary: Trials 2006;7:14 (PMC1524981) Table 3, "Toxicity grading scale ... Ref: Toxicity
Grading based on CTCAE v3.0 DCTD, NCI, NIH, DHHS December 12, 2003", row "Pancreatic Amylase":
">ULN – 1.5 × ULN", ">1.5 – 2.0 × ULN", ">2.0 – 5.0 × ULN", ">5.0 × ULN". The same table is
the source ("S4") already used for the v3.0 ALT, AST and creatinine rows.
"""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from prrt.clinical.ctcae import grade

ULN = 100.3  # U/L; inexact binary products of the multiples


def _mul(k: float) -> float:
    return float(Decimal(str(k)) * Decimal(str(ULN)))


def _step(x: float) -> float:
    return 10.0 ** (math.floor(math.log10(abs(x))) - 13)


EDGES = [  # (rule, multiple of ULN, grade just below, on, just above)
    ("g0-upper-edge-1x-uln", 1.0, 0, 0, 1),
    ("g1-upper-edge-1.5x-uln", 1.5, 1, 1, 2),
    ("g2-upper-edge-2x-uln", 2.0, 2, 2, 3),
    ("g3-upper-edge-5x-uln", 5.0, 3, 3, 4),
]
CASES = [
    pytest.param(value, expected, id=f"ctcae3-amylase-{rule}{suffix}")
    for rule, k, below, on, above in EDGES
    for value, expected, suffix in (
        (_mul(k), on, ""),
        (_mul(k) - _step(_mul(k)), below, "-below"),
        (_mul(k) + _step(_mul(k)), above, "-above"),
    )
]


@pytest.mark.parametrize(("value", "expected"), CASES)
def test_v3_amylase_truth_table(value: float, expected: int) -> None:
    assert grade("amylase", value, uln=ULN, version="3.0") == expected


def test_v3_amylase_needs_uln() -> None:
    assert grade("amylase", 500.0, version="3.0") is None
