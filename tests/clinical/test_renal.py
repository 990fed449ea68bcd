"""CKD-EPI 2009/2021 and Cockcroft–Gault against values computed by hand from the published
formulas (Levey 2009 Ann Intern Med 150:604, Table 2; Inker 2021 N Engl J Med 385:1737,
Table 2; Cockcroft & Gault 1976 Nephron 16:31). Creatinine 88.42 µmol/L = 1 mg/dL.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from prrt.clinical.renal import (
    creatinine_clearance_cockcroft_gault,
    derive_egfr,
    egfr_ckd_epi,
    egfr_mdrd,
)

MG = 88.42  # µmol/L per mg/dL

CASES = [
    # 2009, F 50 y, 1.0 mg/dL: Scr/κ = 1/0.7 = 1.428571; 1.428571^-1.209 = exp(-1.209 x 0.356675)
    # = 0.649720; 0.993^50 = 0.703790; 141 x 0.649720 x 0.703790 x 1.018 = 65.64
    pytest.param(1.0, 50, "F", "2009", False, 65.64, id="ckdepi2009-f50-scr1.0"),
    # 2009, M 50 y, 1.0: 1/0.9 = 1.111111; ^-1.209 = 0.880404; 141 x 0.880404 x 0.703790 = 87.37
    pytest.param(1.0, 50, "M", "2009", False, 87.37, id="ckdepi2009-m50-scr1.0"),
    # 2009, F 60 y, 0.6: 0.6/0.7 = 0.857143; ^-0.329 = 1.052024; 0.993^60 = 0.656080;
    # 141 x 1.052024 x 0.656080 x 1.018 = 99.07
    pytest.param(0.6, 60, "F", "2009", False, 99.07, id="ckdepi2009-f60-scr0.6-below-kappa"),
    # 2009, M 70 y, 2.0, black: 2/0.9 = 2.222222; ^-1.209 = 0.380838; 0.993^70 = 0.611571;
    # 141 x 0.380838 x 0.611571 x 1.159 = 38.06
    pytest.param(2.0, 70, "M", "2009", True, 38.06, id="ckdepi2009-m70-scr2.0-black"),
    # 2021, F 50 y, 1.0: 1.428571^-1.200 = 0.651790; 0.9938^50 = 0.732778;
    # 142 x 0.651790 x 0.732778 x 1.012 = 68.64 (NKF eGFR calculator: 69)
    pytest.param(1.0, 50, "F", "2021", False, 68.64, id="ckdepi2021-f50-scr1.0"),
    # 2021, M 50 y, 1.0: 1.111111^-1.200 = 0.881237; 142 x 0.881237 x 0.732778 = 91.70
    pytest.param(1.0, 50, "M", "2021", False, 91.70, id="ckdepi2021-m50-scr1.0"),
    # 2021, M 40 y, 0.8: 0.888889^-0.302 = 1.036210; 0.9938^40 = 0.779787;
    # 142 x 1.036210 x 0.779787 = 114.74
    pytest.param(0.8, 40, "M", "2021", False, 114.74, id="ckdepi2021-m40-scr0.8-below-kappa"),
    # 2021 ignores race
    pytest.param(1.0, 50, "M", "2021", True, 91.70, id="ckdepi2021-race-free"),
]


@pytest.mark.parametrize(("scr_mg", "age", "sex", "eq", "black", "expected"), CASES)
def test_ckd_epi_hand_values(scr_mg, age, sex, eq, black, expected) -> None:
    got = float(egfr_ckd_epi(scr_mg * MG, age, sex, equation=eq, black=black))
    assert got == pytest.approx(expected, abs=0.01)


def test_ckd_epi_vectorised_and_missing() -> None:
    got = egfr_ckd_epi(
        [MG, MG, np.nan, MG, 0.0], [50, 50, 50, np.nan, 50], ["F", "M", "F", "F", "M"]
    )
    assert got[:2] == pytest.approx([65.64, 87.37], abs=0.01)
    assert np.isnan(got[2:]).all()
    assert np.isnan(egfr_ckd_epi(MG, 50, "X"))
    with pytest.raises(ValueError, match="equation"):
        egfr_ckd_epi(MG, 50, "F", equation="1999")


def test_cockcroft_gault_hand_values() -> None:
    # (140 - 60) x 72 / (72 x 1.0) = 80.0 mL/min; female x 0.85 = 68.0
    assert float(creatinine_clearance_cockcroft_gault(MG, 60, 72, "M")) == pytest.approx(80.0)
    assert float(creatinine_clearance_cockcroft_gault(MG, 60, 72, "F")) == pytest.approx(68.0)
    # (140 - 75) x 60 / (72 x 1.5) = 36.11
    assert float(creatinine_clearance_cockcroft_gault(1.5 * MG, 75, 60, "M")) == pytest.approx(
        36.111, abs=1e-3
    )


def _frames():
    labs = pd.DataFrame(
        {
            "patient_id": ["a", "a", "b", "b"],
            "sample_date": pd.to_datetime(["2020-01-01", "2020-03-01", "2020-01-01", "2020-01-01"]),
            "test": ["creatinine", "creatinine", "creatinine", "egfr"],
            "value": [MG, 2 * MG, MG, 77.0],
            "unit": ["umol/L", "umol/L", "umol/L", "mL/min/1.73m2"],
        }
    )
    patients = pd.DataFrame(
        {
            "patient_id": ["a", "b"],
            "sex": ["F", "M"],
            "birth_date": pd.to_datetime(["1970-01-01", "1960-01-01"]),
        }
    )
    return labs, patients


def test_derive_egfr_adds_rows_and_keeps_measured() -> None:
    labs, patients = _frames()
    before = labs.copy()
    out = derive_egfr(labs, patients)
    pd.testing.assert_frame_equal(labs, before)
    added = out[out["derived"]]
    # patient b already has a measured eGFR on that date: not replaced
    assert added["patient_id"].tolist() == ["a", "a"]
    assert (added["lln"] == 90.0).all() and (added["unit"] == "mL/min/1.73m2").all()
    # patient a, 2020-01-01: age 49.998 y (18262 days / 365.25), F, 1.0 mg/dL -> ~65.6
    assert added["value"].iloc[0] == pytest.approx(
        141 * (1 / 0.7) ** -1.209 * 0.993 ** (18262 / 365.25) * 1.018, rel=1e-9
    )
    assert out.loc[~out["derived"], "value"].tolist() == before["value"].tolist()


def test_derive_egfr_birth_year_only() -> None:
    labs, patients = _frames()
    out = derive_egfr(labs, patients.drop(columns="birth_date").assign(birth_year=[1970, 1960]))
    assert out["derived"].sum() == 2 and out.loc[out["derived"], "value"].notna().all()


def test_derive_egfr_missing_column_named() -> None:
    labs, patients = _frames()
    with pytest.raises(KeyError, match="sex"):
        derive_egfr(labs, patients.drop(columns="sex"))
    with pytest.raises(KeyError, match="birth_date"):
        derive_egfr(labs, patients.drop(columns="birth_date"))


# ---- MDRD (IDMS-traceable, factor 175): Levey 2006 Ann Intern Med 145:247; Levey 2007 Clin
# Chem 53:766; NKF "MDRD Study Equation". Expected values from tests/reference/
# egfr_mdrd_reference.R (.Rout beside it), which writes the published equation out in R.
MDRD_CASES = [
    # M 50 y, 1.0 mg/dL: 50^-0.203 = exp(-0.203 x 3.912023) = 0.451970; 175 x 0.451970 = 79.09
    pytest.param(1.0, 50, "M", False, 79.09465532, id="mdrd175-m50-scr1.0"),
    # F: x 0.742 -> 58.69
    pytest.param(1.0, 50, "F", False, 58.68823425, id="mdrd175-f50-scr1.0"),
    # Black: x 1.212 -> 95.86
    pytest.param(1.0, 50, "M", True, 95.86272225, id="mdrd175-m50-scr1.0-black"),
    # F 70 y, 2.0: 2^-1.154 = 0.449596; 70^-0.203 = 0.422062; 175 x ... x 0.742 = 24.63
    pytest.param(2.0, 70, "F", False, 24.63192972, id="mdrd175-f70-scr2.0"),
    pytest.param(0.7, 40, "F", False, 92.67885028, id="mdrd175-f40-scr0.7"),
    pytest.param(1.5, 60, "M", True, 57.85843092, id="mdrd175-m60-scr1.5-black"),
]


@pytest.mark.parametrize(("scr_mg", "age", "sex", "black", "expected"), MDRD_CASES)
def test_mdrd_reference_values(scr_mg, age, sex, black, expected) -> None:
    got = float(egfr_mdrd(scr_mg * MG, age, sex, black=black))
    assert got == pytest.approx(expected, abs=1e-6)


def test_mdrd_vectorised_and_missing() -> None:
    got = egfr_mdrd([MG, MG, np.nan, MG, 0.0, MG], [50, 50, 50, np.nan, 50, 50],
                    ["M", "F", "F", "F", "M", "X"])  # fmt: skip
    assert got[:2] == pytest.approx([79.09465532, 58.68823425], abs=1e-6)
    assert np.isnan(got[2:]).all()
