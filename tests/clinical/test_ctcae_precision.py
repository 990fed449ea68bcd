"""Issue 10, defects 1 and 2: thresholds at a stated precision; baseline judged on its own range.

Defect 1. CTCAE thresholds that are multiples of ULN or of the baseline are compared at 15
significant digits (``prrt.clinical.ctcae.SIGNIF_DIGITS``; pharmaverse admiral compares
``signif(x, 15)``, option ``signif_digits``). A value equal to the threshold at that precision
is *on* the threshold: 135.9 U/L is exactly 3 × a baseline of 45.3 although ``3 * 45.3`` is
135.89999999999998 in binary floating point. Each value on a threshold below is the exact
decimal product of the multiple and the reference (``decimal.Decimal``), so it does not depend
on how the code multiplies; "above" / "below" are ten units of the 15th significant digit away.

Expected grades are the CTCAE text (v4.03 and v5.0, Investigations; wording as in admiral's
``ncictcaev4.json`` / ``ncictcaev5.json`` copies of the NCI text): a value exactly on a "> a –
b" cut-off is in the milder grade; the v5.0 baseline-abnormal grade-1 lower ends "1.5 – 3.0 x
baseline" (ALT, AST) and "2.0 – 2.5 x baseline" (ALP, GGT) have no ">" and include the value
on them (``shared/spec/ctcae.md``; admiral codes ``>=`` for ALT, AST, ALP).

Defect 2. "If baseline was abnormal" (v5.0 hepatic terms) compares the baseline with the
reference range of the baseline sample itself (``baseline_uln``), never with the range of the
graded sample (admiral uses the baseline's range indicator ``BNRIND``).
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from prrt.clinical.ctcae import grade, grade_array
from prrt.clinical.toxicity import derive_lab_dataset

VTAG = {"4.03": "ctcae403", "5.0": "ctcae5"}
# references: 45.3 is the issue's example (1.5, 3 and 6 x 45.3 are inexact in binary);
# 10.02 makes 2.5, 5, 10 and 20 x inexact; 17.1 as a third laboratory.
REFS = (45.3, 10.02, 17.1)


def _on(multiple: float, ref: float) -> float:
    """Exact decimal product, then the nearest double (independent of the code)."""
    return float(Decimal(str(multiple)) * Decimal(str(ref)))


def _step(x: float) -> float:
    return 10.0 ** (math.floor(math.log10(abs(x))) - 13)


# ---- multiples of ULN: (multiple, grade on it, grade just above), CTCAE v4.03 and v5.0
# (v5.0 with a normal baseline). ALT/AST ">ULN - 3.0; >3.0 - 5.0; >5.0 - 20.0; >20.0 x ULN";
# ALP/GGT ">ULN - 2.5; >2.5 - 5.0; >5.0 - 20.0; >20.0"; bilirubin ">ULN - 1.5; >1.5 - 3.0;
# >3.0 - 10.0; >10.0"; creatinine ">ULN - 1.5; >1.5 - 3.0; >3.0 - 6.0; >6.0 x ULN".
ULN_RULES = {
    "alt": (1, 3, 5, 20),
    "ast": (1, 3, 5, 20),
    "alp": (1, 2.5, 5, 20),
    "ggt": (1, 2.5, 5, 20),
    "bilirubin": (1, 1.5, 3, 10),
    "creatinine": (1, 1.5, 3, 6),
}


def _uln_cases() -> list:
    cases = []
    for version in VTAG:
        for term, cuts in ULN_RULES.items():
            for g, mult in enumerate(cuts):
                for ref in REFS:
                    on = _on(mult, ref)
                    # baseline normal (v5.0 hepatic); creatinine: baseline = value so the
                    # x-baseline rule gives grade 0 and the ULN rule is probed alone
                    for value, expected, suffix in (
                        (on, g, ""),
                        (on - _step(on), g, "-below"),
                        (on + _step(on), g + 1, "-above"),
                    ):
                        base = value if term == "creatinine" else 0.5 * ref
                        kw = {"uln": ref, "baseline": base, "baseline_uln": ref}
                        rule = f"{VTAG[version]}-{term}-g{g}-upper-edge-uln-{ref}{suffix}"
                        cases.append(pytest.param(version, term, value, kw, expected, id=rule))
    return cases


# ---- multiples of an abnormal baseline (v5.0): (multiple, grade on it, grade just below) ----
V5_BASELINE_RULES = {
    # "1.5 - 3.0 x baseline" (on 1.5 is grade 1); ">3.0 - 5.0"; ">5.0 - 20.0"; ">20.0"
    "alt": ((1.5, 1, 0), (3, 1, 1), (5, 2, 2), (20, 3, 3)),
    "ast": ((1.5, 1, 0), (3, 1, 1), (5, 2, 2), (20, 3, 3)),
    # "2.0 - 2.5 x baseline" (on 2.0 is grade 1); ">2.5 - 5.0"; ">5.0 - 20.0"; ">20.0"
    "alp": ((2, 1, 0), (2.5, 1, 1), (5, 2, 2), (20, 3, 3)),
    "ggt": ((2, 1, 0), (2.5, 1, 1), (5, 2, 2), (20, 3, 3)),
    # "> 1.0 - 1.5 x baseline"; ">1.5 - 3.0"; ">3.0 - 10.0"; ">10.0"
    "bilirubin": ((1, 0, 0), (1.5, 1, 1), (3, 2, 2), (10, 3, 3)),
}


def _baseline_cases() -> list:
    cases = []
    for term, rules in V5_BASELINE_RULES.items():
        for mult, g_on, g_below in rules:
            for ref in REFS:
                bl = ref  # abnormal: above the baseline sample's own ULN
                kw = {"uln": 0.5 * ref, "baseline": bl, "baseline_uln": 0.5 * ref}
                on = _on(mult, bl)
                closed = g_on != g_below
                edge = "lower-edge" if closed else "upper-edge"
                tag = f"ctcae5-{term}-g{g_on}-{edge}-baseline-abnormal-{ref}"
                cases.append(pytest.param("5.0", term, on, kw, g_on, id=tag))
                cases.append(
                    pytest.param("5.0", term, on - _step(on), kw, g_below, id=tag + "-below")
                )
                above = g_on if closed else g_on + 1
                cases.append(
                    pytest.param("5.0", term, on + _step(on), kw, above, id=tag + "-above")
                )
    return cases


# ---- creatinine multiples of baseline: v4.03 ">1 - 1.5 x baseline; >1.5 - 3.0; >3.0";
# v5.0 ">1.5 - 3.0 x baseline; >3.0 baseline" (grade 1 is ULN-only). ULN = 10 x baseline so the
# ULN rule gives grade 0 up to 3 x baseline.
CREATININE_BASELINE = {
    "4.03": ((1, 0), (1.5, 1), (3, 2)),
    "5.0": ((1.5, 0), (3, 2)),
}


def _creatinine_cases() -> list:
    cases = []
    for version, rules in CREATININE_BASELINE.items():
        for mult, g in rules:
            for ref in REFS:
                kw = {"uln": 10 * ref, "baseline": ref}
                on = _on(mult, ref)
                tag = f"{VTAG[version]}-creatinine-g{g}-upper-edge-baseline-{ref}"
                above = 2 if (version == "5.0" and g == 0) else g + 1
                cases += [
                    pytest.param(version, "creatinine", on, kw, g, id=tag),
                    pytest.param(version, "creatinine", on - _step(on), kw, g, id=tag + "-below"),
                    pytest.param(
                        version, "creatinine", on + _step(on), kw, above, id=tag + "-above"
                    ),
                ]
    return cases


@pytest.mark.parametrize(
    ("version", "term", "value", "refs", "expected"),
    _uln_cases() + _baseline_cases() + _creatinine_cases(),
)
def test_threshold_at_15_significant_digits(
    version: str, term: str, value: float, refs: dict, expected: int
) -> None:
    assert grade(term, value, version=version, **refs) == expected
    res = grade_array(term, [value], version=version, **refs)
    assert res.grade[0] == expected and res.reason[0] is None


def test_issue_example_135_9_is_exactly_3_x_45_3() -> None:
    # the defect: in binary floating point 3 x 45.3 < 135.9
    assert 3 * 45.3 != 135.9
    # creatinine v4.03 ">1.5 - 3.0 x baseline" = grade 2; "> 3.0 x baseline" = grade 3
    assert grade("creatinine", 135.9, uln=500.0, baseline=45.3, version="4.03") == 2
    assert grade("creatinine", 135.9, uln=500.0, baseline=45.3, version="5.0") == 2
    # ALT v4.03 with ULN 45.3: 135.9 is 3.0 x ULN = grade 1 (">ULN - 3.0 x ULN")
    assert grade("alt", 135.9, uln=45.3, version="4.03") == 1


# ---- defect 2: the baseline sample's own range ----
def test_baseline_abnormal_against_its_own_uln_not_the_samples() -> None:
    # ALT 200 U/L in a laboratory with ULN 70; baseline 60 U/L whose own ULN was 40 (abnormal)
    # -> "x baseline" rules: 200 / 60 = 3.33 -> ">3.0 - 5.0 x baseline" = grade 2.
    # (Judged against the sample's ULN 70 the baseline would look normal: 200/70 = 2.86 x ULN,
    # grade 1.)
    assert grade("alt", 200.0, uln=70.0, baseline=60.0, baseline_uln=40.0) == 2
    # reverse: baseline 45 with its own ULN 50 is normal, although above the sample's ULN 40
    # -> "x ULN" rules: 130 / 40 = 3.25 -> grade 2 (as abnormal baseline: 2.89 x BL, grade 1)
    assert grade("alt", 130.0, uln=40.0, baseline=45.0, baseline_uln=50.0) == 2


def test_baseline_equal_to_its_uln_at_15_digits_is_normal() -> None:
    # baseline 3 x 15.1 (45.300000000000004 in binary) vs its ULN 45.3: equal -> not above ULN
    # -> normal baseline: 100 / 40 = 2.5 x ULN -> grade 1 (abnormal would give 2.2 x BL, G1 too;
    # 150: normal 3.75 x ULN = G2, abnormal 3.31 x BL = G2; 125: normal 3.125 = G2, abnormal
    # 2.76 = G1)
    assert grade("alt", 125.0, uln=40.0, baseline=3 * 15.1, baseline_uln=45.3) == 2


def test_missing_baseline_uln_gives_reason_where_rules_disagree() -> None:
    res = grade_array("alt", [125.0, 35.0], uln=40.0, baseline=45.3)
    assert np.isnan(res.grade[0]) and res.reason[0] == "missing_baseline_uln"
    # 35 U/L is grade 0 whether the baseline was normal or not
    assert res.grade[1] == 0 and res.reason[1] is None
    # v4.03 has no baseline-dependent hepatic rule
    assert grade("alt", 125.0, uln=40.0, baseline=45.3, version="4.03") == 2


def _dataset(labs: pd.DataFrame) -> pd.DataFrame:
    cycles = pd.DataFrame(
        {"patient_id": ["p1", "p2"], "course_no": [1, 1], "cycle_no": [1, 1],
         "cycle_date": pd.to_datetime(["2020-01-10", "2020-01-10"])}
    )  # fmt: skip
    return derive_lab_dataset(labs, cycles)


def test_lab_dataset_carries_and_uses_the_baseline_range() -> None:
    labs = pd.DataFrame(
        {
            "patient_id": ["p1", "p1", "p2", "p2"],
            "sample_date": pd.to_datetime(["2020-01-05", "2020-02-01"] * 2),
            "test": ["alt"] * 4,
            "value": [60.0, 200.0, 45.0, 130.0],
            "unit": ["U/L"] * 4,
            "lln": [np.nan] * 4,
            "uln": [40.0, 70.0, 50.0, 40.0],
        }
    )
    out = _dataset(labs).set_index(["patient_id", "sample_date"])
    follow = pd.Timestamp("2020-02-01")
    # p1: baseline 60 > its own ULN 40 -> abnormal -> 3.33 x BL = grade 2 (v5.0)
    assert out.loc[("p1", follow), "baseline_uln"] == 40.0
    assert out.loc[("p1", follow), "grade_v5_0"] == 2
    # p2: baseline 45 <= its own ULN 50 -> normal -> 3.25 x ULN = grade 2 (v5.0)
    assert out.loc[("p2", follow), "baseline_uln"] == 50.0
    assert out.loc[("p2", follow), "grade_v5_0"] == 2
    # v4.03 ignores the baseline: 200/70 = 2.86 x ULN = G1; 130/40 = 3.25 x ULN = G2
    assert out.loc[("p1", follow), "grade_v4_03"] == 1
    assert out.loc[("p2", follow), "grade_v4_03"] == 2
