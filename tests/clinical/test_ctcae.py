"""Boundary truth tables for every CTCAE rule of v3.0, v4.03 and v5.0.

The expected grades are written here from the official CTCAE text, independently of the
packaged data files (NCI CTCAE v3.0, 9 Aug 2006; v4.03, 14 Jun 2010; v5.0, 27 Nov 2017;
terms quoted in ``shared/spec/ctcae.md``). Notation: "< LLN – 75" means LLN > x ≥ 75;
"> ULN – 2.5 × ULN" means ULN < x ≤ 2.5 ULN; a value exactly on a cut-off is in the milder
grade except where the text says "≥" (v5.0 "1.5 – 3.0 × baseline", "2.0 – 2.5 × baseline").
Every cut-off is probed exactly on it and one step on either side at the grading precision
(ten units in the 15th significant digit; values closer than that are on the cut-off, see
``test_ctcae_precision.py``); test ids name the rule (``ctcae5-platelets-g3-lower-edge``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prrt.clinical import ctcae
from prrt.clinical.ctcae import CtcaeDataError, grade, grade_array, grade_labs

VERSIONS = ("3.0", "4.03", "5.0")
# the terms of the first release (new terms: test_ctcae_terms.py)
BASE_TERMS = (
    "platelets", "haemoglobin", "leukocytes", "lymphocytes", "neutrophils", "alt", "ast", "alp",
    "ggt", "bilirubin", "creatinine", "albumin", "egfr",
)  # fmt: skip
VTAG = {"3.0": "ctcae3", "4.03": "ctcae403", "5.0": "ctcae5"}


def _step(x: float) -> float:
    """Ten units in the 15th significant digit of ``x``: the smallest step that the grading
    precision (15 significant digits, as admiral's ``signif(x, 15)``) is sure to see."""
    return 10.0 ** (math.floor(math.log10(abs(x))) - 13)


def _down(x: float) -> float:
    return x - _step(x)


def _up(x: float) -> float:
    return x + _step(x)


# ---- low-direction terms: absolute cut-offs (canonical units), grade 1 starts below LLN ----
# term: (LLN used in the test, {version: [G1 lower, G2 lower, G3 lower]}, has laboratory G4)
LLN = {
    "platelets": 150.0,
    "leukocytes": 4.0,
    "lymphocytes": 1.0,
    "neutrophils": 2.0,
    "haemoglobin": 120.0,
    "albumin": 35.0,
    "egfr": 90.0,
}
LOW_CUTS: dict[str, dict[str, list[float]]] = {
    # CTCAE all versions: Platelet count decreased <LLN-75; <75-50; <50-25; <25 x10e9/L
    "platelets": {v: [75.0, 50.0, 25.0] for v in VERSIONS},
    # White blood cell decreased <LLN-3.0; <3.0-2.0; <2.0-1.0; <1.0 x10e9/L
    "leukocytes": {v: [3.0, 2.0, 1.0] for v in VERSIONS},
    # Lymphocyte count decreased <LLN-800; <800-500; <500-200; <200/mm3
    "lymphocytes": {v: [0.8, 0.5, 0.2] for v in VERSIONS},
    # Neutrophil count decreased <LLN-1500; <1500-1000; <1000-500; <500/mm3
    "neutrophils": {v: [1.5, 1.0, 0.5] for v in VERSIONS},
    # Hemoglobin v3.0: <LLN-10.0; <10.0-8.0; <8.0-6.5; <6.5 g/dL.  Anemia v4.03/v5.0:
    # <LLN-10.0; <10.0-8.0; <8.0 g/dL (grade 4 is clinical only)
    "haemoglobin": {"3.0": [100.0, 80.0, 65.0], "4.03": [100.0, 80.0], "5.0": [100.0, 80.0]},
    # Hypoalbuminemia all versions: <LLN-3; <3-2; <2 g/dL (grade 4 clinical)
    "albumin": {v: [30.0, 20.0] for v in VERSIONS},
    # Chronic kidney disease v4.03/v5.0: eGFR <LLN-60; 59-30; 29-15; <15 ml/min/1.73 m2
    "egfr": {"4.03": [60.0, 30.0, 15.0], "5.0": [60.0, 30.0, 15.0]},
}


def _low_cases() -> list:
    cases = []
    for term, by_version in LOW_CUTS.items():
        lln = LLN[term]
        for version, cuts in by_version.items():
            tag = f"{VTAG[version]}-{term}"
            edges = [(lln, 0)] + [(c, g + 1) for g, c in enumerate(cuts)]
            for cut, g in edges:
                worse = g + 1
                rule = f"{tag}-g{g}-lower-edge"
                cases.append(pytest.param(version, term, cut, {"lln": lln}, g, id=rule))
                cases.append(
                    pytest.param(version, term, _up(cut), {"lln": lln}, g, id=rule + "-above")
                )
                cases.append(
                    pytest.param(version, term, _down(cut), {"lln": lln}, worse, id=rule + "-below")
                )
            # deep inside the worst grade
            cases.append(
                pytest.param(
                    version, term, 0.0, {"lln": lln}, len(cuts) + 1, id=f"{tag}-worst-at-zero"
                )
            )
    # GFR v3.0 (Renal/Genitourinary): <75-50% LLN; <50-25% LLN; <25% LLN; G4 = dialysis (clinical)
    lln = 80.0
    for cut, g in ((0.75 * lln, 0), (0.5 * lln, 1), (0.25 * lln, 2)):
        rule = f"ctcae3-egfr-g{g}-lower-edge"
        cases.append(pytest.param("3.0", "egfr", cut, {"lln": lln}, g, id=rule))
        cases.append(
            pytest.param("3.0", "egfr", _down(cut), {"lln": lln}, g + 1, id=rule + "-below")
        )
    cases.append(
        pytest.param("3.0", "egfr", 79.0, {"lln": lln}, 0, id="ctcae3-egfr-g0-75pct-to-lln")
    )
    return cases


# ---- high-direction terms (multiples of ULN): [G1, G2, G3, G4 lower bounds], each (a, b] ----
ULN = {"alt": 40.0, "ast": 40.0, "alp": 120.0, "ggt": 40.0, "bilirubin": 20.0, "creatinine": 100.0}
HIGH_CUTS: dict[str, dict[str, list[float]]] = {
    # ALT/AST v3.0: >ULN-2.5; >2.5-5.0; >5.0-20.0; >20.0 x ULN.
    # v4.03 and v5.0 (baseline normal): >ULN-3.0; >3.0-5.0; >5.0-20.0; >20.0 x ULN
    "alt": {"3.0": [1, 2.5, 5, 20], "4.03": [1, 3, 5, 20], "5.0": [1, 3, 5, 20]},
    "ast": {"3.0": [1, 2.5, 5, 20], "4.03": [1, 3, 5, 20], "5.0": [1, 3, 5, 20]},
    # ALP, GGT all versions (v5.0 baseline normal): >ULN-2.5; >2.5-5.0; >5.0-20.0; >20.0 x ULN
    "alp": {v: [1, 2.5, 5, 20] for v in VERSIONS},
    "ggt": {v: [1, 2.5, 5, 20] for v in VERSIONS},
    # Blood bilirubin increased: >ULN-1.5; >1.5-3.0; >3.0-10.0; >10.0 x ULN
    "bilirubin": {v: [1, 1.5, 3, 10] for v in VERSIONS},
    # Creatinine (ULN part) all versions: >ULN-1.5; >1.5-3.0; >3.0-6.0; >6.0 x ULN
    "creatinine": {v: [1, 1.5, 3, 6] for v in VERSIONS},
}


def _high_cases() -> list:
    cases = []
    for term, by_version in HIGH_CUTS.items():
        uln = ULN[term]
        for version, cuts in by_version.items():
            tag = f"{VTAG[version]}-{term}"
            for g, mult in enumerate(cuts):
                cut = mult * uln
                # baseline: normal (v5.0 hepatic) and such that the x-baseline creatinine rules
                # give grade 0 (baseline = value) so the ULN rule is probed alone.
                for value, expected, suffix in (
                    (cut, g, "upper-edge"),
                    (_down(cut), g, "upper-edge-below"),
                    (_up(cut), g + 1, "upper-edge-above"),
                ):
                    base = value if term == "creatinine" else 0.5 * uln
                    kw = {"uln": uln, "baseline": base, "baseline_uln": uln}
                    cases.append(
                        pytest.param(version, term, value, kw, expected, id=f"{tag}-g{g}-{suffix}")
                    )
            cases.append(
                pytest.param(
                    version,
                    term,
                    0.0,
                    {"uln": uln, "baseline": 0.5 * uln, "baseline_uln": uln},
                    0,
                    id=f"{tag}-g0-zero",
                )
            )
    return cases


# ---- v5.0 hepatic rules when the baseline is abnormal (> ULN): multiples of baseline ----
# ALT/AST: 1.5-3.0 (>=1.5); >3.0-5.0; >5.0-20.0; >20.0 x BL
# ALP/GGT: 2.0-2.5 (>=2.0); >2.5-5.0; >5.0-20.0; >20.0 x BL
# Bilirubin: >1.0-1.5; >1.5-3.0; >3.0-10.0; >10.0 x BL
V5_ABNORMAL = {
    "alt": ([1.5, 3, 5, 20], True),
    "ast": ([1.5, 3, 5, 20], True),
    "alp": ([2, 2.5, 5, 20], True),
    "ggt": ([2, 2.5, 5, 20], True),
    "bilirubin": ([1, 1.5, 3, 10], False),
}


def _v5_abnormal_cases() -> list:
    cases = []
    for term, (cuts, g1_closed) in V5_ABNORMAL.items():
        uln = ULN[term]
        bl = 2.0 * uln
        kw = {"uln": uln, "baseline": bl, "baseline_uln": uln}
        tag = f"ctcae5-{term}-baseline-abnormal"
        for g, mult in enumerate(cuts):
            cut = mult * bl
            on = g + 1 if (g == 0 and g1_closed) else g
            cases.append(pytest.param("5.0", term, cut, kw, on, id=f"{tag}-g{g}-upper-edge"))
            cases.append(
                pytest.param("5.0", term, _down(cut), kw, g, id=f"{tag}-g{g}-upper-edge-below")
            )
            cases.append(
                pytest.param("5.0", term, _up(cut), kw, g + 1, id=f"{tag}-g{g}-upper-edge-above")
            )
    return cases


# ---- creatinine x baseline rules: v4.03 G1 >1-1.5, G2 >1.5-3.0, G3 >3.0 x BL;
#      v5.0 G1 is ULN-only, G2 >1.5-3.0, G3 >3.0 x BL.  ULN = 200 so the ULN rule gives 0 ----
def _creatinine_baseline_cases() -> list:
    kw = {"uln": 200.0, "baseline": 60.0}
    rows = [
        ("4.03", 60.0, 0, "g0-upper-edge"),
        ("4.03", _up(60.0), 1, "g1-lower-edge-above"),
        ("4.03", 90.0, 1, "g1-upper-edge"),
        ("4.03", _up(90.0), 2, "g2-lower-edge-above"),
        ("4.03", 180.0, 2, "g2-upper-edge"),
        ("4.03", _up(180.0), 3, "g3-lower-edge-above"),
        ("5.0", 80.0, 0, "no-g1-from-baseline"),
        ("5.0", 90.0, 0, "g0-upper-edge"),
        ("5.0", _up(90.0), 2, "g2-lower-edge-above"),
        ("5.0", 180.0, 2, "g2-upper-edge"),
        ("5.0", _up(180.0), 3, "g3-lower-edge-above"),
        ("3.0", _up(180.0), 0, "no-baseline-rule"),
    ]
    return [
        pytest.param(v, "creatinine", x, kw, g, id=f"{VTAG[v]}-creatinine-baseline-{name}")
        for v, x, g, name in rows
    ]


@pytest.mark.parametrize(
    ("version", "term", "value", "refs", "expected"),
    _low_cases() + _high_cases() + _v5_abnormal_cases() + _creatinine_baseline_cases(),
)
def test_truth_table(version: str, term: str, value: float, refs: dict, expected: int) -> None:
    assert grade(term, value, version=version, **refs) == expected
    # the vectorised path agrees with the scalar one
    res = grade_array(term, [value], version=version, **refs)
    assert res.grade[0] == expected and res.reason[0] is None


# ---- missing limit, wrong unit, missing value: for every term and version ----
GRADABLE = [(v, t) for v in VERSIONS for t in BASE_TERMS]


def _normal_value_refs(term: str) -> tuple[float, dict]:
    if term in LLN:
        return LLN[term] * 1.1, {"lln": LLN[term]}
    return ULN[term] * 2.0, {
        "uln": ULN[term],
        "baseline": ULN[term] * 0.5,
        "baseline_uln": ULN[term],
    }


@pytest.mark.parametrize(("version", "term"), GRADABLE, ids=[f"{VTAG[v]}-{t}" for v, t in GRADABLE])
def test_missing_limit_gives_none_with_reason(version: str, term: str) -> None:
    value, refs = _normal_value_refs(term)
    missing = "lln" if "lln" in refs else "uln"
    refs = {k: v for k, v in refs.items() if k != missing}
    res = grade_array(term, [value], version=version, **refs)
    assert np.isnan(res.grade[0])
    assert res.reason[0] == f"missing_{missing}"


@pytest.mark.parametrize(("version", "term"), GRADABLE, ids=[f"{VTAG[v]}-{t}" for v, t in GRADABLE])
def test_wrong_unit_gives_none(version: str, term: str) -> None:
    value, refs = _normal_value_refs(term)
    assert grade(term, value, version=version, unit="mg/dL", **refs) is None
    assert (
        grade_array(term, value, version=version, unit="mg/dL", **refs).reason[0]
        == "unsupported_unit"
    )
    # the canonical unit is accepted
    assert (
        grade(
            term,
            value,
            version=version,
            unit=ctcae.criteria(version).query("term == @term")["unit"].iloc[0],
            **refs,
        )
        is not None
    )


@pytest.mark.parametrize(("version", "term"), GRADABLE, ids=[f"{VTAG[v]}-{t}" for v, t in GRADABLE])
def test_missing_value_gives_none(version: str, term: str) -> None:
    _, refs = _normal_value_refs(term)
    for missing in (None, float("nan")):
        assert grade(term, missing, version=version, **refs) is None
    assert grade_array(term, [None], version=version, **refs).reason[0] == "missing_value"


# ---- missing LLN for haematology: grades 2-4 still from absolute thresholds (ctcae.md) ----
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(74.9, 2, id="ctcae5-platelets-no-lln-g2"),
        pytest.param(30.0, 3, id="ctcae5-platelets-no-lln-g3"),
        pytest.param(10.0, 4, id="ctcae5-platelets-no-lln-g4"),
        pytest.param(75.0, None, id="ctcae5-platelets-no-lln-g1-undecidable"),
        pytest.param(300.0, None, id="ctcae5-platelets-no-lln-g0-undecidable"),
    ],
)
def test_missing_lln_haematology(value: float, expected: int | None) -> None:
    assert grade("platelets", value) == expected


# ---- version differences named in the issue ----
def test_alt_ast_v3_vs_v4() -> None:
    # 2.75 x ULN: v3.0 G2 (>2.5-5.0), v4.03 G1 (>ULN-3.0)
    for term in ("alt", "ast"):
        assert grade(term, 110.0, uln=40.0, version="3.0") == 2
        assert grade(term, 110.0, uln=40.0, version="4.03") == 1


def test_haemoglobin_g4_v3_vs_v5() -> None:
    # 60 g/L: v3.0 G4 (<6.5 g/dL); v4.03/v5.0 G3 (<8.0 g/dL, no laboratory G4)
    assert grade("haemoglobin", 60.0, lln=120.0, version="3.0") == 4
    assert grade("haemoglobin", 60.0, lln=120.0, version="4.03") == 3
    assert grade("haemoglobin", 60.0, lln=120.0, version="5.0") == 3


def test_creatinine_baseline_rule_v403_vs_v5() -> None:
    # 1.33 x baseline, below ULN: v4.03 G1 (>1-1.5 x BL); v5.0 G0 (G1 is ULN-only)
    assert grade("creatinine", 80.0, uln=100.0, baseline=60.0, version="4.03") == 1
    assert grade("creatinine", 80.0, uln=100.0, baseline=60.0, version="5.0") == 0
    # take the worse of the two criteria: 1.2 x ULN (G1) but 2.4 x BL (G2)
    assert grade("creatinine", 120.0, uln=100.0, baseline=50.0, version="4.03") == 2
    # v5.0 G1 is ULN-based: 1.1 x ULN, 1.1 x BL
    assert grade("creatinine", 110.0, uln=100.0, baseline=100.0, version="5.0") == 1
    # missing baseline: the x-baseline rule could give up to G3 -> undecidable ...
    res = grade_array("creatinine", [120.0], uln=100.0, version="4.03")
    assert np.isnan(res.grade[0]) and res.reason[0] == "missing_baseline"
    # ... unless the ULN rule already gives the worst grade (> 6 x ULN = G4)
    assert grade("creatinine", 700.0, uln=100.0, version="4.03") == 4
    # v3.0 has no baseline rule
    assert grade("creatinine", 120.0, uln=100.0, version="3.0") == 1


def test_v5_hepatic_baseline_abnormal() -> None:
    # ALT 90 U/L, ULN 40: baseline normal -> 2.25 x ULN = G1; baseline 50 (abnormal) -> 1.8 x BL = G1;
    # baseline 70 (abnormal) -> 1.29 x BL = G0.  v4.03 ignores the baseline (G1).
    kw = {"uln": 40.0, "baseline_uln": 40.0}
    assert grade("alt", 90.0, baseline=30.0, **kw) == 1
    assert grade("alt", 90.0, baseline=50.0, **kw) == 1
    assert grade("alt", 90.0, baseline=70.0, **kw) == 0
    assert grade("alt", 90.0, baseline=70.0, version="4.03", **kw) == 1
    # 210 U/L: normal baseline -> 5.25 x ULN = G3; abnormal baseline 100 -> 2.1 x BL = G1
    assert grade("ast", 210.0, baseline=30.0, **kw) == 3
    assert grade("ast", 210.0, baseline=100.0, **kw) == 1
    # missing baseline: graded only where both rules agree (value <= ULN -> G0)
    assert grade("alt", 35.0, uln=40.0) == 0
    res = grade_array("alt", [90.0], uln=40.0)
    assert np.isnan(res.grade[0]) and res.reason[0] == "missing_baseline"


def test_unknown_term_and_version() -> None:
    assert grade_array("crp", [140.0]).reason[0] == "not_gradable_term"
    with pytest.raises(ValueError, match="unknown CTCAE version"):
        grade("platelets", 100.0, lln=150.0, version="7.0")


# ---- monotonicity property ----
TERM_REFS = {
    t: (
        {"lln": LLN[t]} if t in LLN else {"uln": ULN[t], "baseline": ULN[t], "baseline_uln": ULN[t]}
    )
    for t in BASE_TERMS
}


@pytest.mark.parametrize(("version", "term"), GRADABLE, ids=[f"{VTAG[v]}-{t}" for v, t in GRADABLE])
@settings(max_examples=25, deadline=None)
@given(values=st.lists(st.floats(0, 5000, allow_nan=False), min_size=2, max_size=30))
def test_grade_monotone_in_value(version: str, term: str, values: list[float]) -> None:
    """Lower values never get a milder grade for low-direction terms (higher for high)."""
    x = np.sort(np.asarray(values))
    g = grade_array(term, x, version=version, **TERM_REFS[term]).grade
    assert not np.isnan(g).any()
    low = ctcae.criteria(version).query("term == @term")["direction"].iloc[0] == "low"
    steps = np.diff(g)
    assert (steps <= 0).all() if low else (steps >= 0).all()


# ---- grade_labs ----
def test_grade_labs_matches_scalar_and_keeps_input() -> None:
    labs = pd.DataFrame(
        {
            "test": ["platelets", "alt", "creatinine", "crp", "platelets", "haemoglobin"],
            "value": [40.0, 130.0, 130.0, 140.0, None, 95.0],
            "unit": ["10^9/L", "U/L", "umol/L", "mg/L", "10^9/L", "g/dL"],
            "lln": [150.0, None, None, 135.0, 150.0, 120.0],
            "uln": [400.0, 40.0, 100.0, 145.0, 400.0, 160.0],
            "bl": [200.0, 30.0, 60.0, 140.0, 200.0, 130.0],
        }
    )
    before = labs.copy()
    out = grade_labs(labs, "4.03", baseline_col="bl")
    pd.testing.assert_frame_equal(labs, before)
    assert out["grade"].tolist() == [3, 2, 2, pd.NA, pd.NA, pd.NA]
    assert out["grade_reason"].tolist() == [
        None,
        None,
        None,
        "not_gradable_term",
        "missing_value",
        "unsupported_unit",
    ]
    assert str(out["grade"].dtype) == "Int64"


def test_grade_labs_missing_column_named() -> None:
    with pytest.raises(KeyError, match="value"):
        grade_labs(pd.DataFrame({"test": ["platelets"]}))


# ---- data files load, validate and a broken file is rejected ----
@pytest.mark.parametrize("version", VERSIONS)
def test_data_files_load_and_cover_terms(version: str) -> None:
    c = ctcae.load_criteria(version)
    assert set(BASE_TERMS) <= set(c["term"]) <= set(ctcae.GRADABLE_TERMS)
    assert c["wording"].str.len().gt(0).all()


def _platelet_row(c: pd.DataFrame, g: int) -> pd.Index:
    return c.index[(c.term == "platelets") & (c.grade == g)]


def test_overlap_rejected() -> None:
    c = ctcae.criteria("5.0")
    c.loc[_platelet_row(c, 2), "upper_closed"] = True  # [50, 75] and [75, LLN) overlap at 75
    with pytest.raises(CtcaeDataError, match="overlap"):
        ctcae.validate_criteria(c)


def test_gap_rejected() -> None:
    c = ctcae.criteria("5.0")
    c.loc[_platelet_row(c, 1), "lower_closed"] = False  # [50, 75) and (75, LLN): 75 uncovered
    with pytest.raises(CtcaeDataError, match="gap"):
        ctcae.validate_criteria(c)
    c = ctcae.criteria("5.0")
    c.loc[_platelet_row(c, 1), "lower"] = 80.0  # [50, 75) and [80, LLN)
    with pytest.raises(CtcaeDataError, match="gap or overlap"):
        ctcae.validate_criteria(c)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("unit", "mg/dL", "not canonical"),
        ("lower_reference", "ulnx", "lower_reference"),
        ("condition", "sometimes", "unknown condition"),
        ("grade", "x", "grade"),
    ],
)
def test_invalid_values_rejected(column: str, value: str, message: str) -> None:
    c = ctcae.criteria("5.0").astype({column: object})
    c.loc[_platelet_row(c, 2), column] = value
    with pytest.raises(CtcaeDataError, match=message):
        ctcae.validate_criteria(c)


def test_missing_column_rejected() -> None:
    with pytest.raises(CtcaeDataError, match="wording"):
        ctcae.validate_criteria(ctcae.criteria("3.0").drop(columns="wording"))
