"""Biochemical response (Fröss-Baron, seed 004, Methods: "a 50% decrease or a normalization"
in patients with elevated CgA), bone-pain response, recorded (MDA / investigator) timepoints and
ΔV% (Hebert: 100 × (V_M3 − V_BL) / V_BL, CT ~3 months after the last cycle)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from prrt.clinical.recist_bor import derive_best_response
from prrt.clinical.response import (
    compute_biochemical_response,
    compute_delta_v_pct,
    derive_biochemical_response,
    derive_bone_pain_response,
    derive_lesion_volume_change,
    derive_recorded_timepoints,
)

COURSES = pd.DataFrame(
    {
        "patient_id": ["a", "b", "c"],
        "course_no": [1, 1, 1],
        "course_start": pd.to_datetime(["2020-01-01"] * 3),
        "course_end": pd.to_datetime(["2020-06-01"] * 3),
    }
)


@pytest.mark.parametrize(
    ("baseline", "value", "uln", "expected"),
    [
        (400.0, 199.9, 100.0, True),
        (400.0, 200.0, 100.0, False),
        (400.0, 100.0, 100.0, True),
        (90.0, 10.0, 100.0, None),
        (400.0, np.nan, 100.0, None),
    ],
    ids=[
        "biochem-gt-50pct-decrease",
        "biochem-exactly-50pct",
        "biochem-normalised-at-uln",
        "biochem-not-elevated",
        "biochem-missing",
    ],
)
def test_biochemical_boundaries(baseline, value, uln, expected):
    assert compute_biochemical_response(baseline, value, uln=uln) is expected


def test_derive_biochemical_response():
    tm = pd.DataFrame(
        {
            "patient_id": ["a", "a", "b", "b", "c"],
            "sample_date": pd.to_datetime(
                ["2019-12-15", "2020-05-01", "2019-12-15", "2020-05-01", "2020-05-01"]
            ),
            "marker": "cga",
            "value": [1000.0, 450.0, 1000.0, 600.0, 10.0],
            "uln": 100.0,
        }
    )
    out = derive_biochemical_response(tm, COURSES).set_index("patient_id")["biochemical_response"]
    assert out["a"] and not out["b"] and pd.isna(out["c"])


def test_bone_pain_best_response():
    sr = pd.DataFrame(
        {
            "patient_id": ["a", "a", "b"],
            "assessment_date": pd.to_datetime(["2020-03-01", "2020-06-01", "2019-12-01"]),
            "symptom": "bone_pain",
            "response": ["partial", "complete", "complete"],
        }
    )
    out = derive_bone_pain_response(sr, COURSES).set_index("patient_id")["bone_pain_response"]
    assert out["a"] == "complete" and pd.isna(out["b"])  # b's assessment is before the start


def test_recorded_mda_bor():
    ra = pd.DataFrame(
        {
            "patient_id": ["a", "a", "a"],
            "assessment_date": pd.to_datetime(["2020-03-01", "2020-06-01", "2020-09-01"]),
            "criteria": ["mda", "mda", "recist_1_1"],
            "response": ["SD", "PR", "PD"],
        }
    )
    tp = derive_recorded_timepoints(ra, COURSES, criteria=("mda",))
    assert len(tp) == 2 and set(tp["source"]) == {"mda"}
    assert derive_best_response(tp, COURSES).set_index("patient_id").loc["a", "bor"] == "PR"


def test_delta_v():
    assert compute_delta_v_pct(10.0, 12.0) == pytest.approx(20.0)
    lesions = pd.DataFrame(
        {"patient_id": ["a", "a"], "lesion_id": ["L1", "L2"], "baseline_volume_ml": [10.0, None]}
    )
    lm = pd.DataFrame(
        {
            "patient_id": "a",
            "lesion_id": ["L1", "L1", "L2", "L2", "L2"],
            "assessment_date": pd.to_datetime(
                ["2020-08-20", "2020-09-10", "2019-12-20", "2020-08-31", "2021-01-01"]
            ),
            "volume_ml": [9.0, 7.8, 4.0, 5.0, 1.0],
        }
    )
    out = derive_lesion_volume_change(lesions, lm, COURSES.iloc[:1]).set_index("lesion_id")
    # target = 2020-06-01 + 91 d = 2020-08-31; L1: 2020-09-10 (10 d) is closer than 2020-08-20
    # (11 d) → 7.8 mL, ΔV% = −22 %
    assert out.loc["L1", "delta_v_pct"] == pytest.approx(-22.0)
    # L2: baseline from the pre-start measurement (4.0) → +25 %
    assert out.loc["L2", "delta_v_pct"] == pytest.approx(25.0)


def test_recorded_non_cr_non_pd_is_kept():
    # RECIST 1.1 Table 2 footnote: an investigator-recorded NON-CR/NON-PD (non-target disease
    # only) stays its own category through the best response, and is not disease control by
    # default
    ra = pd.DataFrame(
        {
            "patient_id": ["b", "b"],
            "assessment_date": pd.to_datetime(["2020-03-01", "2020-06-01"]),
            "criteria": ["recist_1_1", "recist_1_1"],
            "response": ["NON-CR/NON-PD", "NON-CR/NON-PD"],
        }
    )
    tp = derive_recorded_timepoints(ra, COURSES, criteria=("recist_1_1",))
    bor = derive_best_response(tp, COURSES).set_index("patient_id").loc["b"]
    assert bor["bor"] == "NON-CR/NON-PD" and not bor["dcr"] and not bor["orr"]
