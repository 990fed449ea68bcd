"""Boundary truth tables for CTCAE v6.0 laboratory grading, and one test per v5.0 → v6.0 change.

Every cut-off below is transcribed by hand from the CTCAE v6.0 text as copied in pharmaverse
admiral ``data-raw/adlb_grading/ncictcaev6.json`` (commit 6eb5125a29; "S9" in
``tests/reference/ctcae_verification.md``), independently of the packaged data file; the
wording of each rule is quoted next to its edges. Canonical units: 10⁹/L, g/L, mmol/L, µmol/L
(bilirubin, creatinine, urate), U/L, s (aPTT), ratio (INR).

Each edge is probed exactly on it and ten units of the 15th significant digit either side (the
grading precision). Multiples of ULN and of baseline use references whose binary product is
inexact (45.3, 17.1, 105.3 ...): the value on the edge is the exact decimal product. Test ids
name the rule (``ctcae6-alt-abnormal-g2-upper-edge-2x-baseline``).

Where grades share one laboratory range and differ only by a clinical qualifier, the worse
grade is expected (hyponatraemia "125 - <130" → 3; lipase ">3.0 - 5.0 x ULN" → 3, ">5.0" → 4;
amylase ">2.0 - 5.0" → 3; hyperuricaemia ">ULN" → 3; hypokalaemia "<LLN - 3.0" → 2), as
admiral does.
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from prrt.clinical import ctcae
from prrt.clinical.ctcae import grade, grade_array, grade_labs


def _mul(k: float, ref: float) -> float:
    """Exact decimal product k × ref (the threshold as the criteria state it)."""
    return float(Decimal(str(k)) * Decimal(str(ref)))


def _step(x: float) -> float:
    return 10.0 ** (math.floor(math.log10(abs(x))) - 13)


# Reference sets: sample limits and, for baseline rules, the baseline and its own range.
ALT_NORMAL = {"uln": 45.3, "baseline": 30.0, "baseline_uln": 45.3}
ALT_ABNORMAL = {"uln": 40.0, "baseline": 45.3, "baseline_uln": 40.0}
BILI_NORMAL = {"uln": 17.1, "baseline": 10.0, "baseline_uln": 17.1}
BILI_ABNORMAL = {"uln": 17.1, "baseline": 25.3, "baseline_uln": 17.1}
ALP_NORMAL = {"uln": 105.3, "baseline": 80.0, "baseline_uln": 105.3}
ALP_ABNORMAL = {"uln": 105.0, "baseline": 150.3, "baseline_uln": 105.0}
CREA_NOT_LOW = {"uln": 90.3, "baseline": 70.0, "baseline_lln": 45.0}
CREA_LOW = {"uln": 106.0, "baseline": 40.1, "baseline_lln": 45.0}

# (term, refs, [(edge name, value on the edge, grade just below, on, just above)])
# S9 wording quoted per block.
EDGES: list[tuple[str, str, dict, list[tuple[str, float, int, int, int]]]] = [
    # Thrombocytopenia: "<LLN - 75.0 x 10^9/L"; "<75.0 - 50.0"; "<50.0 - 10.0 x 10^9/L;
    # transfusion indicated"; "<10,000/mm3; 10.0 x 10^9/L"
    ("platelets", "", {"lln": 150.0}, [
        ("g0-lower-edge-lln", 150.0, 1, 0, 0),
        ("g1-lower-edge", 75.0, 2, 1, 1),
        ("g2-lower-edge", 50.0, 3, 2, 2),
        ("g3-lower-edge", 10.0, 4, 3, 3),
    ]),
    # Neutrophil count decreased: "<1.5 - 1.0 x 10^9/L"; "<1.0 - 0.5"; "<0.5 - 0.1"; "<0.1"
    # (no LLN in v6.0)
    ("neutrophils", "", {}, [
        ("g0-lower-edge", 1.5, 1, 0, 0),
        ("g1-lower-edge", 1.0, 2, 1, 1),
        ("g2-lower-edge", 0.5, 3, 2, 2),
        ("g3-lower-edge", 0.1, 4, 3, 3),
    ]),
    # White blood cell decreased: "<LLN - 3.0 x 10^9/L"; "<3.0 - 2.0"; "<2.0 - 1.0"; "<1.0"
    ("leukocytes", "", {"lln": 4.0}, [
        ("g0-lower-edge-lln", 4.0, 1, 0, 0),
        ("g1-lower-edge", 3.0, 2, 1, 1),
        ("g2-lower-edge", 2.0, 3, 2, 2),
        ("g3-lower-edge", 1.0, 4, 3, 3),
    ]),
    # Anemia: "<LLN - 100 g/L"; "<100 - 80g/L"; "<80 g/L; transfusion indicated" (G4 clinical)
    ("haemoglobin", "", {"lln": 120.0}, [
        ("g0-lower-edge-lln", 120.0, 1, 0, 0),
        ("g1-lower-edge", 100.0, 2, 1, 1),
        ("g2-lower-edge", 80.0, 3, 2, 2),
    ]),
    # Hypoalbuminemia: "<LLN - 30 g/L"; "<30 - 20 g/L"; "<20 g/L"
    ("albumin", "", {"lln": 35.0}, [
        ("g0-lower-edge-lln", 35.0, 1, 0, 0),
        ("g1-lower-edge", 30.0, 2, 1, 1),
        ("g2-lower-edge", 20.0, 3, 2, 2),
    ]),
    # ALT / AST increased, baseline normal or less than normal: ">ULN - 3.0 x ULN";
    # ">3.0 - 5.0 x ULN"; ">5.0 - 20.0 x ULN"; ">20.0 x ULN"
    *[
        (term, "normal", ALT_NORMAL, [
            ("g0-upper-edge-1x-uln", _mul(1, 45.3), 0, 0, 1),
            ("g1-upper-edge-3x-uln", _mul(3, 45.3), 1, 1, 2),
            ("g2-upper-edge-5x-uln", _mul(5, 45.3), 2, 2, 3),
            ("g3-upper-edge-20x-uln", _mul(20, 45.3), 3, 3, 4),
        ])
        for term in ("alt", "ast")
    ],
    # ALT / AST increased, baseline >ULN: "1.0 - 1.5 x baseline"; ">1.5 - 2.0 x baseline";
    # ">2.0 - 4.0 x baseline if baseline was >ULN up to 5 x ULN"; ">4.0 x baseline"
    *[
        (term, "abnormal", ALT_ABNORMAL, [
            ("g1-lower-edge-1x-baseline", _mul(1, 45.3), 0, 1, 1),
            ("g1-upper-edge-1.5x-baseline", _mul(1.5, 45.3), 1, 1, 2),
            ("g2-upper-edge-2x-baseline", _mul(2, 45.3), 2, 2, 3),
            ("g3-upper-edge-4x-baseline", _mul(4, 45.3), 3, 3, 4),
        ])
        for term in ("alt", "ast")
    ],
    # GGT increased, baseline normal: ">ULN - 2.5 x ULN"; ">2.5 - 5.0"; ">5.0 - 20.0"; ">20.0"
    ("ggt", "normal", ALT_NORMAL, [
        ("g0-upper-edge-1x-uln", _mul(1, 45.3), 0, 0, 1),
        ("g1-upper-edge-2.5x-uln", _mul(2.5, 45.3), 1, 1, 2),
        ("g2-upper-edge-5x-uln", _mul(5, 45.3), 2, 2, 3),
        ("g3-upper-edge-20x-uln", _mul(20, 45.3), 3, 3, 4),
    ]),
    # GGT increased, baseline >ULN: "1.0 - 1.5 x baseline"; ">1.5 - 3.0"; ">3.0 - 10.0"; ">10.0"
    ("ggt", "abnormal", ALT_ABNORMAL, [
        ("g1-lower-edge-1x-baseline", _mul(1, 45.3), 0, 1, 1),
        ("g1-upper-edge-1.5x-baseline", _mul(1.5, 45.3), 1, 1, 2),
        ("g2-upper-edge-3x-baseline", _mul(3, 45.3), 2, 2, 3),
        ("g3-upper-edge-10x-baseline", _mul(10, 45.3), 3, 3, 4),
    ]),
    # Blood bilirubin increased, baseline normal: ">ULN - 1.5 x ULN"; ">1.5 - 3.0"; ">3.0 - 10.0";
    # ">10.0 x ULN"
    ("bilirubin", "normal", BILI_NORMAL, [
        ("g0-upper-edge-1x-uln", _mul(1, 17.1), 0, 0, 1),
        ("g1-upper-edge-1.5x-uln", _mul(1.5, 17.1), 1, 1, 2),
        ("g2-upper-edge-3x-uln", _mul(3, 17.1), 2, 2, 3),
        ("g3-upper-edge-10x-uln", _mul(10, 17.1), 3, 3, 4),
    ]),
    # Blood bilirubin increased, baseline >ULN: "1.0 - 1.5 x baseline"; ">1.5 - 2.5";
    # ">2.5 - 10.0"; ">10.0 x baseline"
    ("bilirubin", "abnormal", BILI_ABNORMAL, [
        ("g1-lower-edge-1x-baseline", _mul(1, 25.3), 0, 1, 1),
        ("g1-upper-edge-1.5x-baseline", _mul(1.5, 25.3), 1, 1, 2),
        ("g2-upper-edge-2.5x-baseline", _mul(2.5, 25.3), 2, 2, 3),
        ("g3-upper-edge-10x-baseline", _mul(10, 25.3), 3, 3, 4),
    ]),
    # Alkaline phosphatase increased: G1 ">Baseline and ULN" only (no grade 2-4)
    ("alp", "normal", ALP_NORMAL, [
        ("g0-upper-edge-1x-uln", _mul(1, 105.3), 0, 0, 1),
        ("g1-no-upper-edge-20x-uln", _mul(20, 105.3), 1, 1, 1),
    ]),
    ("alp", "abnormal", ALP_ABNORMAL, [
        ("g0-upper-edge-1x-baseline", _mul(1, 150.3), 0, 0, 1),
        ("g1-no-upper-edge-20x-baseline", _mul(20, 150.3), 1, 1, 1),
    ]),
    # Creatinine increased: G1 ">ULN - 1.5 x ULN"; G2 ">1.5 - 3.0 x ULN"; G3 ">3.0 - 6.0 x ULN";
    # G4 ">6.0 x ULN" (baseline not below LLN: the x-baseline rules do not apply)
    ("creatinine", "baseline-not-low", CREA_NOT_LOW, [
        ("g0-upper-edge-1x-uln", _mul(1, 90.3), 0, 0, 1),
        ("g1-upper-edge-1.5x-uln", _mul(1.5, 90.3), 1, 1, 2),
        ("g2-upper-edge-3x-uln", _mul(3, 90.3), 2, 2, 3),
        ("g3-upper-edge-6x-uln", _mul(6, 90.3), 3, 3, 4),
    ]),
    # Creatinine increased, baseline below LLN: G2 ">1.5 - 3.0 x if baseline is below LLN";
    # G3 ">3.0 x if baseline is below LLN" (ULN 106: both edges lie below 1.5 x ULN = 159,
    # so just below 3 x baseline the ULN rule gives grade 1 and the baseline rule grade 2)
    ("creatinine", "baseline-low", CREA_LOW, [
        ("g0-upper-edge-1.5x-baseline", _mul(1.5, 40.1), 0, 0, 2),
        ("g2-upper-edge-3x-baseline", _mul(3, 40.1), 2, 2, 3),
    ]),
    # Lipase increased: ">ULN - 1.5 x ULN"; ">1.5 - 3.0 x ULN"; ">3.0 - 5.0 x ULN with signs or
    # symptoms" (G2 if asymptomatic); ">5.0 x ULN and with signs or symptoms"
    ("lipase", "", {"uln": 60.3}, [
        ("g0-upper-edge-1x-uln", _mul(1, 60.3), 0, 0, 1),
        ("g1-upper-edge-1.5x-uln", _mul(1.5, 60.3), 1, 1, 2),
        ("g2-upper-edge-3x-uln", _mul(3, 60.3), 2, 2, 3),
        ("g3-upper-edge-5x-uln", _mul(5, 60.3), 3, 3, 4),
    ]),
    # Serum amylase increased: ">ULN - 1.5"; ">1.5 - 2.0"; ">2.0 - 5.0 x ULN with moderate or
    # severe signs or symptoms"; ">5.0 x ULN and with signs or symptoms"
    ("amylase", "", {"uln": 100.3}, [
        ("g0-upper-edge-1x-uln", _mul(1, 100.3), 0, 0, 1),
        ("g1-upper-edge-1.5x-uln", _mul(1.5, 100.3), 1, 1, 2),
        ("g2-upper-edge-2x-uln", _mul(2, 100.3), 2, 2, 3),
        ("g3-upper-edge-5x-uln", _mul(5, 100.3), 3, 3, 4),
    ]),
    # Activated partial thromboplastin time prolonged: ">ULN - 1.5 x ULN"; ">1.5 - 2.5 x ULN";
    # ">2.5 x ULN; bleeding"
    ("aptt", "", {"uln": 38.3}, [
        ("g0-upper-edge-1x-uln", _mul(1, 38.3), 0, 0, 1),
        ("g1-upper-edge-1.5x-uln", _mul(1.5, 38.3), 1, 1, 2),
        ("g2-upper-edge-2.5x-uln", _mul(2.5, 38.3), 2, 2, 3),
    ]),
    # INR increased: ">1.2 - 1.5"; ">1.5 - 2.5"; ">2.5" (x baseline rules need anticoagulation)
    ("inr", "", {"uln": 1.1}, [
        ("g0-upper-edge", 1.2, 0, 0, 1),
        ("g1-upper-edge", 1.5, 1, 1, 2),
        ("g2-upper-edge", 2.5, 2, 2, 3),
    ]),
    # Blood lactate dehydrogenase increased: ">ULN"
    ("ldh", "", {"uln": 250.3}, [("g0-upper-edge-1x-uln", 250.3, 0, 0, 1)]),
    # Leukocytosis: ">100,000/mm3" (G3)
    ("leukocytosis", "", {"lln": 4.0, "uln": 10.0}, [("g0-upper-edge", 100.0, 0, 0, 3)]),
    # Lymphocyte count increased: ">4000/mm3 - 20,000/mm3"; ">20,000/mm3"
    ("lymphocytes_increased", "", {"uln": 3.5}, [
        ("g0-upper-edge", 4.0, 0, 0, 2),
        ("g2-upper-edge", 20.0, 2, 2, 3),
    ]),
    # Hemoglobin increased: "Increase in >0 - 2 g/Dl above ULN"; ">2 - 4 g/dL"; ">4 g/dL"
    ("haemoglobin_increased", "", {"uln": 170.0}, [
        ("g0-upper-edge-uln", 170.0, 0, 0, 1),
        ("g1-upper-edge-uln-plus-20", 190.0, 1, 1, 2),
        ("g2-upper-edge-uln-plus-40", 210.0, 2, 2, 3),
    ]),
    # Hyponatremia: "<LLN - 130 mmol/L"; "125 - <130 mmol/L and asymptomatic" (G2) /
    # "125 - <130 mmol/L symptomatic; 120 - <125 mmol/L regardless of symptoms" (G3); "<120"
    ("hyponatraemia", "", {"lln": 135.0}, [
        ("g0-lower-edge-lln", 135.0, 1, 0, 0),
        ("g1-lower-edge", 130.0, 3, 1, 1),
        ("g3-lower-edge", 120.0, 4, 3, 3),
    ]),
    # Hypernatremia: ">ULN - 150"; ">150 - 155"; ">155 - 160"; ">160 mmol/L"
    ("hypernatraemia", "", {"uln": 145.0}, [
        ("g0-upper-edge-uln", 145.0, 0, 0, 1),
        ("g1-upper-edge", 150.0, 1, 1, 2),
        ("g2-upper-edge", 155.0, 2, 2, 3),
        ("g3-upper-edge", 160.0, 3, 3, 4),
    ]),
    # Hypokalemia: "<LLN - 3.0" (G1) / "Symptomatic with <LLN - 3.0" (G2); "<3.0 - 2.5"; "<2.5"
    ("hypokalaemia", "", {"lln": 3.5}, [
        ("g0-lower-edge-lln", 3.5, 2, 0, 0),
        ("g2-lower-edge", 3.0, 3, 2, 2),
        ("g3-lower-edge", 2.5, 4, 3, 3),
    ]),
    # Hyperkalemia: ">ULN - 5.5"; ">5.5 - 6.0"; ">6.0 - 7.0"; ">7.0 mmol/L"
    ("hyperkalaemia", "", {"uln": 5.1}, [
        ("g0-upper-edge-uln", 5.1, 0, 0, 1),
        ("g1-upper-edge", 5.5, 1, 1, 2),
        ("g2-upper-edge", 6.0, 2, 2, 3),
        ("g3-upper-edge", 7.0, 3, 3, 4),
    ]),
    # Hypocalcemia (corrected): "<LLN - 2.0"; "<2.0 - 1.75"; "<1.75 - 1.5"; "<1.5 mmol/L"
    ("hypocalcaemia", "", {"lln": 2.15}, [
        ("g0-lower-edge-lln", 2.15, 1, 0, 0),
        ("g1-lower-edge", 2.0, 2, 1, 1),
        ("g2-lower-edge", 1.75, 3, 2, 2),
        ("g3-lower-edge", 1.5, 4, 3, 3),
    ]),
    # Hypercalcemia (corrected): ">ULN - 2.9"; ">2.9 - 3.1"; ">3.1 - 3.4"; ">3.4 mmol/L"
    ("hypercalcaemia", "", {"uln": 2.55}, [
        ("g0-upper-edge-uln", 2.55, 0, 0, 1),
        ("g1-upper-edge", 2.9, 1, 1, 2),
        ("g2-upper-edge", 3.1, 2, 2, 3),
        ("g3-upper-edge", 3.4, 3, 3, 4),
    ]),
    # Hypoglycemia: "<LLN - 3.0"; "<3.0 - 2.2"; "<2.2 - 1.7"; "<1.7 mmol/L"
    ("hypoglycaemia", "", {"lln": 3.9}, [
        ("g0-lower-edge-lln", 3.9, 1, 0, 0),
        ("g1-lower-edge", 3.0, 2, 1, 1),
        ("g2-lower-edge", 2.2, 3, 2, 2),
        ("g3-lower-edge", 1.7, 4, 3, 3),
    ]),
    # Hyperglycemia (Fasting): ">ULN - 8.9"; ">8.9 - 13.9"; ">13.9 - 27.8"; ">27.8 mmol/L"
    ("hyperglycaemia", "", {"uln": 6.1}, [
        ("g0-upper-edge-uln", 6.1, 0, 0, 1),
        ("g1-upper-edge", 8.9, 1, 1, 2),
        ("g2-upper-edge", 13.9, 2, 2, 3),
        ("g3-upper-edge", 27.8, 3, 3, 4),
    ]),
    # Hypomagnesemia: "<LLN - 0.5"; "<0.5 - 0.4"; "<0.4 - 0.3"; "<0.3 mmol/L"
    ("hypomagnesaemia", "", {"lln": 0.66}, [
        ("g0-lower-edge-lln", 0.66, 1, 0, 0),
        ("g1-lower-edge", 0.5, 2, 1, 1),
        ("g2-lower-edge", 0.4, 3, 2, 2),
        ("g3-lower-edge", 0.3, 4, 3, 3),
    ]),
    # Hyperuricemia: ">ULN without physiologic consequences" (G1) / "with" (G3)
    ("hyperuricaemia", "", {"uln": 420.0}, [("g0-upper-edge-uln", 420.0, 0, 0, 3)]),
]  # fmt: skip


def _cases() -> list:
    out = []
    for term, cond, refs, edges in EDGES:
        tag = f"ctcae6-{term}" + (f"-{cond}" if cond else "")
        for name, x, g_below, g_on, g_above in edges:
            for value, expected, suffix in (
                (x, g_on, ""),
                (x - _step(x), g_below, "-below"),
                (x + _step(x), g_above, "-above"),
            ):
                out.append(pytest.param(term, value, refs, expected, id=f"{tag}-{name}{suffix}"))
    return out


@pytest.mark.parametrize(("term", "value", "refs", "expected"), _cases())
def test_v6_truth_table(term: str, value: float, refs: dict, expected: int) -> None:
    assert grade(term, value, version="6.0", **refs) == expected


def test_every_v6_term_has_a_truth_table() -> None:
    assert {t for t, *_ in EDGES} == set(ctcae.criteria("6.0")["term"])


# ---- abnormal / low baseline judged against the baseline sample's own range ----


@pytest.mark.parametrize(
    ("term", "value", "refs", "expected"),
    [
        # baseline 45.3 above its own ULN 44 (sample ULN 50): x-baseline rules, 1.6 x BL → G2
        pytest.param("alt", 72.48, {"uln": 50.0, "baseline": 45.3, "baseline_uln": 44.0}, 2,
                     id="ctcae6-alt-abnormal-own-range-g2"),
        # same baseline inside its own range (ULN 50, sample ULN 40): x-ULN rules, 1.8 x ULN → G1
        pytest.param("alt", 72.48, {"uln": 40.0, "baseline": 45.3, "baseline_uln": 50.0}, 1,
                     id="ctcae6-alt-normal-own-range-g1"),
        # bilirubin: baseline 20 above its ULN 17.1; exactly 1.0 x baseline → G1 (closed)
        pytest.param("bilirubin", 20.0, {"uln": 21.0, "baseline": 20.0, "baseline_uln": 17.1},
                     1, id="ctcae6-bilirubin-abnormal-own-range-on-1x-baseline"),
        # ALP: baseline 150 above its ULN 120; 140 is above the sample ULN 105 but not above
        # the baseline → G0 (">Baseline and ULN")
        pytest.param("alp", 140.0, {"uln": 105.0, "baseline": 150.0, "baseline_uln": 120.0}, 0,
                     id="ctcae6-alp-abnormal-own-range-below-baseline"),
        # creatinine: baseline 40 below its own LLN 45 → 1.75 x BL = 70 → G2 (ULN 106: G0)
        pytest.param("creatinine", 70.0, {"uln": 106.0, "baseline": 40.0, "baseline_lln": 45.0},
                     2, id="ctcae6-creatinine-low-own-range-g2"),
        # same baseline, its own LLN 35 (not low) → ULN rules only → G0
        pytest.param("creatinine", 70.0, {"uln": 106.0, "baseline": 40.0, "baseline_lln": 35.0},
                     0, id="ctcae6-creatinine-not-low-own-range-g0"),
    ],
)  # fmt: skip
def test_v6_baseline_own_range(term: str, value: float, refs: dict, expected: int) -> None:
    assert grade(term, value, version="6.0", **refs) == expected


def test_v6_creatinine_without_baseline_range() -> None:
    # Baseline 40 known, its own LLN missing: whether "baseline is below LLN" is unknown.
    # 70: 1.75 x BL would be G2 if low, G0 (ULN 106) if not → not graded, with the reason;
    # 50: ≤ 1.5 x BL and ≤ ULN → G0 either way; 700: > 6 x ULN → G4 either way.
    res = grade_array("creatinine", [70.0, 50.0, 700.0], version="6.0", uln=106.0, baseline=40.0)
    assert np.isnan(res.grade[0]) and res.reason[0] == "missing_baseline_lln"
    assert res.grade[1:].tolist() == [0.0, 4.0]
    # baseline missing: reason missing_baseline (never assumed not low)
    res = grade_array("creatinine", [70.0], version="6.0", uln=106.0, baseline_lln=45.0)
    assert np.isnan(res.grade[0]) and res.reason[0] == "missing_baseline"


def test_grade_labs_v6_with_baseline_lln_column() -> None:
    labs = pd.DataFrame(
        {
            "test": ["creatinine", "creatinine", "platelets", "neutrophils"],
            "value": [70.0, 70.0, 9.0, 1.2],
            "lln": [None, None, 150.0, None],
            "uln": [106.0, 106.0, None, None],
            "bl": [40.0, 40.0, None, None],
            "bl_lln": [45.0, 35.0, None, None],
        }
    )
    out = grade_labs(labs, "6.0", baseline_col="bl", baseline_lln_col="bl_lln")
    assert out["grade"].tolist() == [2, 0, 4, 1]


# ---- v5.0 → v6.0 differences (tests/reference/ctcae_verification.md), one test each ----
# Expected values from the v5.0 text (admiral ncictcaev5.json, "S2'") and the v6.0 text (S9).


def _both(term: str, value: float, **refs: float) -> tuple[int | None, int | None]:
    return grade(term, value, version="5.0", **refs), grade(term, value, version="6.0", **refs)


def test_diff_thrombocytopenia_grade4_below_10() -> None:
    # v5.0 "<25.0 x 10e9/L" = G4; v6.0 "<50.0 - 10.0" = G3, "<10.0" = G4
    assert _both("platelets", 20.0, lln=150.0) == (4, 3)
    assert _both("platelets", 9.9, lln=150.0) == (4, 4)
    assert ctcae.criteria("6.0").query("term == 'platelets'")["ctcae_term"].iloc[0] == (
        "Thrombocytopenia"
    )


def test_diff_neutrophils_without_lln() -> None:
    # v5.0 "<LLN - 1.5" G1, "<1.5 - 1.0" G2, "<1.0 - 0.5" G3, "<0.5" G4;
    # v6.0 "<1.5 - 1.0" G1, "<1.0 - 0.5" G2, "<0.5 - 0.1" G3, "<0.1" G4 (no LLN)
    assert _both("neutrophils", 1.7, lln=2.0) == (1, 0)
    assert _both("neutrophils", 1.2, lln=2.0) == (2, 1)
    assert _both("neutrophils", 0.3, lln=2.0) == (4, 3)
    assert grade("neutrophils", 1.2, version="6.0") == 1  # LLN not needed


@pytest.mark.parametrize("term", ["alt", "ast"])
def test_diff_aminotransferases_abnormal_baseline(term: str) -> None:
    # baseline 50 above its ULN 40. v5.0: "1.5 - 3.0", ">3.0 - 5.0", ">5.0 - 20.0", ">20.0" x BL;
    # v6.0: "1.0 - 1.5", ">1.5 - 2.0", ">2.0 - 4.0", ">4.0" x BL
    refs = {"uln": 40.0, "baseline": 50.0, "baseline_uln": 40.0}
    assert _both(term, 55.0, **refs) == (0, 1)  # 1.1 x BL
    assert _both(term, 95.0, **refs) == (1, 2)  # 1.9 x BL
    assert _both(term, 180.0, **refs) == (2, 3)  # 3.6 x BL
    assert _both(term, 210.0, **refs) == (2, 4)  # 4.2 x BL
    assert _both(term, 300.0, **refs) == (3, 4)  # 6 x BL


def test_diff_ggt_abnormal_baseline() -> None:
    # v5.0 "2.0 - 2.5", ">2.5 - 5.0", ">5.0 - 20.0", ">20.0" x BL; v6.0 "1.0 - 1.5", ">1.5 - 3.0",
    # ">3.0 - 10.0", ">10.0" x BL
    refs = {"uln": 40.0, "baseline": 50.0, "baseline_uln": 40.0}
    assert _both("ggt", 60.0, **refs) == (0, 1)  # 1.2 x BL
    assert _both("ggt", 200.0, **refs) == (2, 3)  # 4 x BL
    assert _both("ggt", 600.0, **refs) == (3, 4)  # 12 x BL


def test_diff_bilirubin_abnormal_baseline() -> None:
    # v5.0 "> 1.0 - 1.5", ">1.5 - 3.0", ">3.0 - 10.0" x BL; v6.0 "1.0 - 1.5", ">1.5 - 2.5",
    # ">2.5 - 10.0" x BL
    refs = {"uln": 17.0, "baseline": 25.0, "baseline_uln": 17.0}
    assert _both("bilirubin", 25.0, **refs) == (0, 1)  # exactly 1.0 x BL
    assert _both("bilirubin", 70.0, **refs) == (2, 3)  # 2.8 x BL


def test_diff_alp_grade1_only() -> None:
    # v5.0 grades 1-4 (x ULN / x BL); v6.0 only G1 ">Baseline and ULN"
    normal = {"uln": 100.0, "baseline": 80.0, "baseline_uln": 100.0}
    assert _both("alp", 3000.0, **normal) == (4, 1)
    abnormal = {"uln": 100.0, "baseline": 150.0, "baseline_uln": 100.0}
    assert _both("alp", 225.0, **abnormal) == (0, 1)  # 1.5 x BL: v5.0 starts at 2.0 x BL


def test_diff_creatinine_baseline_rule_only_if_baseline_below_lln() -> None:
    # v5.0 G2 ">1.5 - 3.0 x baseline", G3 ">3.0 baseline" for every baseline; v6.0 only "if
    # baseline is below LLN"
    not_low = {"uln": 106.0, "baseline": 60.0, "baseline_lln": 45.0}
    assert _both("creatinine", 100.0, **not_low) == (2, 0)  # 1.67 x BL, < ULN
    low = {"uln": 106.0, "baseline": 40.0, "baseline_lln": 45.0}
    assert _both("creatinine", 130.0, **low) == (3, 3)  # 3.25 x BL


def test_diff_lipase_cutoffs() -> None:
    # v5.0 G2 ">1.5 - 2.0", G3 ">2.0 - 5.0 ... with symptoms"; v6.0 G2 ">1.5 - 3.0",
    # G3 ">3.0 - 5.0 ... with signs or symptoms" (worse grade on the shared range)
    assert _both("lipase", 150.0, uln=60.0) == (3, 2)  # 2.5 x ULN
    assert _both("lipase", 240.0, uln=60.0) == (3, 3)  # 4 x ULN


def test_diff_amylase_unchanged_cutoffs() -> None:
    # amylase keeps ">1.5 - 2.0" (G2) and ">2.0 - 5.0" (G3 with symptoms) in v6.0
    assert _both("amylase", 250.0, uln=100.0) == (3, 3)


def test_diff_hyponatraemia_125_to_below_130() -> None:
    # v5.0 "125-129 mmol/L" (read as <= 129: 129.5 falls in G1 "<LLN - 130");
    # v6.0 "125 - <130 mmol/L": 129.5 is G3 (symptomatic, worse grade)
    assert _both("hyponatraemia", 129.5, lln=135.0) == (1, 3)
    assert _both("hyponatraemia", 130.0, lln=135.0) == (1, 1)


def test_diff_hyperglycaemia_fasting_graded_again() -> None:
    # v5.0 grades hyperglycaemia clinically (no laboratory row); v6.0 "Hyperglycemia (Fasting)"
    # ">8.9 - 13.9 mmol/L" = G2
    res5 = grade_array("hyperglycaemia", [10.0], version="5.0", uln=6.1)
    assert res5.reason[0] == "not_gradable_term"
    assert grade("hyperglycaemia", 10.0, version="6.0", uln=6.1) == 2


@pytest.mark.parametrize("term", ["lymphocytes", "cpk", "egfr"])
def test_diff_terms_without_v6_laboratory_criteria(term: str) -> None:
    # Lymphocyte count decreased, CPK increased and Chronic kidney disease are in the v5.0 file
    # but not in the v6.0 copy (S9): not graded for v6.0 (reason not_gradable_term)
    assert term in set(ctcae.criteria("5.0")["term"])
    res = grade_array(term, [0.1], version="6.0", lln=1.0, uln=1.0)
    assert np.isnan(res.grade[0]) and res.reason[0] == "not_gradable_term"
