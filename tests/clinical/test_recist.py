"""RECIST 1.1 timepoint and best overall response.

Source: Eisenhauer et al., Eur J Cancer 2009;45:228-247 (RECIST 1.1): §4.3.1 target response
(PR ≥ 30 % decrease from baseline; PD ≥ 20 % increase over the nadir AND ≥ 5 mm absolute; CR:
all targets gone, nodes < 10 mm short axis), §4.4.1 Tables 1–2 (overall response), §4.4.1 and
Table 3 (BOR, confirmation ≥ 4 weeks), §4.4.2 (NE). Expected values are worked from these rules.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prrt.clinical.recist import (
    compute_overall_response,
    compute_target_response,
    derive_recist_timepoints,
)
from prrt.clinical.recist_bor import best_overall_response, derive_best_response


@pytest.mark.parametrize(
    ("now", "baseline", "nadir", "expected"),
    [
        (70.0, 100.0, 100.0, "PR"),  # exactly −30 %
        (70.1, 100.0, 100.0, "SD"),  # −29.9 %
        (23.1, 33.0, 33.0, "PR"),  # −30 % with floating-point rounding
        (12.0, 10.0, 10.0, "SD"),  # +20 % but +2 mm from the nadir
        (15.0, 10.0, 10.0, "PD"),  # +50 % and +5 mm
        (24.0, 40.0, 20.0, "PD"),  # exactly +20 % and +4 mm? no: +4 mm → see next
        (25.0, 40.0, 20.0, "PD"),  # +25 % and +5 mm from nadir (still −37.5 % from baseline)
        (59.0, 50.0, 50.0, "SD"),  # +18 %, +9 mm: not PD
        (60.0, 50.0, 50.0, "PD"),  # exactly +20 % and +10 mm
    ],
    ids=[
        "recist-pr-exactly-minus-30",
        "recist-sd-minus-29.9",
        "recist-pr-minus-30-float",
        "recist-not-pd-20pct-only-2mm",
        "recist-pd-50pct-5mm",
        "recist-not-pd-20pct-4mm",
        "recist-pd-from-nadir-while-below-baseline",
        "recist-not-pd-18pct-9mm",
        "recist-pd-exactly-20pct-10mm",
    ],
)
def test_target_response_boundaries(now, baseline, nadir, expected):
    if now == 24.0:  # +20 % = +4 mm: the 5 mm rule fails; −40 % from baseline → PR
        expected = "PR"
    assert compute_target_response(now, baseline, nadir) == expected


def test_cr_with_residual_nodes_below_10mm():
    assert compute_target_response(9.0, 40.0, 30.0, all_gone=True) == "CR"


def test_incomplete_is_ne_unless_pd():
    assert compute_target_response(20.0, 30.0, 25.0, complete=False) == "NE"
    assert compute_target_response(40.0, 30.0, 25.0, complete=False) == "PD"


@pytest.mark.parametrize(
    ("target", "non_target", "new", "expected"),
    [
        ("CR", "CR", False, "CR"),
        ("CR", None, False, "CR"),
        ("CR", "NON-CR/NON-PD", False, "PR"),
        ("CR", "NE", False, "PR"),
        ("PR", "NON-CR/NON-PD", False, "PR"),
        ("PR", "NE", False, "PR"),
        ("SD", "NON-CR/NON-PD", False, "SD"),
        ("NE", "NON-CR/NON-PD", False, "NE"),
        ("PD", "CR", False, "PD"),
        ("SD", "PD", False, "PD"),
        ("CR", "CR", True, "PD"),
        (None, "CR", False, "CR"),
        (None, "NON-CR/NON-PD", False, "NON-CR/NON-PD"),
        (None, "NE", False, "NE"),
        (None, "PD", False, "PD"),
        (None, None, True, "PD"),
    ],
    ids=[
        "table1-cr-cr",
        "table1-cr-none",
        "table1-cr-noncr",
        "table1-cr-ne",
        "table1-pr-noncr",
        "table1-pr-ne",
        "table1-sd",
        "table1-ne",
        "table1-target-pd",
        "table1-nontarget-pd",
        "table1-new-lesion",
        "table2-cr",
        "table2-noncr-nonpd",
        "table2-ne",
        "table2-pd",
        "table2-new",
    ],
)
def test_overall_response_tables(target, non_target, new, expected):
    assert compute_overall_response(target, non_target, new) == expected


START = "2020-01-01"


def test_bor_later_response_after_pd_does_not_count():
    bor, date = best_overall_response(
        ["2020-03-01", "2020-05-01", "2020-07-01"], ["SD", "PD", "CR"], START
    )
    assert bor == "SD"
    assert date == pd.Timestamp("2020-03-01")


def test_bor_only_pd():
    assert best_overall_response(["2020-03-01"], ["PD"], START)[0] == "PD"


def test_bor_confirmation():
    # confirmed PR: a second PR ≥ 28 days later
    assert (
        best_overall_response(["2020-03-01", "2020-03-29"], ["PR", "PR"], START, confirm=True)[0]
        == "PR"
    )
    # 27 days: unconfirmed → SD
    assert (
        best_overall_response(["2020-03-01", "2020-03-28"], ["PR", "PR"], START, confirm=True)[0]
        == "SD"
    )
    # CR followed by PR ≥ 28 days → PR (Table 3)
    assert (
        best_overall_response(["2020-03-01", "2020-04-15"], ["CR", "PR"], START, confirm=True)[0]
        == "PR"
    )
    # CR confirmed by CR
    assert (
        best_overall_response(["2020-03-01", "2020-04-15"], ["CR", "CR"], START, confirm=True)[0]
        == "CR"
    )
    # without confirmation the single PR counts
    assert best_overall_response(["2020-03-01"], ["PR"], START)[0] == "PR"


def test_bor_minimum_sd_duration():
    # SD at day 30 with a 42-day minimum, then PD → PD
    assert (
        best_overall_response(["2020-01-31", "2020-03-01"], ["SD", "PD"], START, min_sd_days=42)[0]
        == "PD"
    )
    assert best_overall_response(["2020-01-31"], ["SD"], START, min_sd_days=42)[0] == "NE"
    assert best_overall_response(["2020-02-12"], ["SD"], START, min_sd_days=42)[0] == "SD"


def test_bor_orr_dcr_and_time():
    tp = pd.DataFrame(
        {
            "patient_id": ["a", "a", "b"],
            "course_no": [1, 1, 1],
            "assessment_date": pd.to_datetime(["2020-03-01", "2020-05-01", "2020-03-01"]),
            "overall_response": ["SD", "PR", "NE"],
        }
    )
    courses = pd.DataFrame(
        {
            "patient_id": ["a", "b", "c"],
            "course_no": [1, 1, 1],
            "course_start": pd.to_datetime([START] * 3),
        }
    )
    out = derive_best_response(tp, courses).set_index("patient_id")
    assert out.loc["a", "bor"] == "PR" and out.loc["a", "time_to_bor_days"] == 121
    assert out.loc["a", "orr"] and out.loc["a", "dcr"]
    assert out.loc["b", "bor"] == "NE" and not out.loc["b", "orr"] and not out.loc["b", "dcr"]
    assert out.loc["c", "bor"] == "NE" and pd.isna(out.loc["c", "orr"])


def _lesion_fixture():
    lesions = pd.DataFrame(
        {
            "patient_id": ["p"] * 4,
            "lesion_id": ["L1", "N1", "NT1", "NEW1"],
            "site": ["liver", "lymph_node", "bone", "liver"],
            "target": [True, True, False, False],
            "nodal": [False, True, False, False],
        }
    )
    rows = [
        # date, lesion, longest, short, status, new
        ("2019-12-20", "L1", 40.0, None, None, False),
        ("2019-12-20", "N1", 25.0, 20.0, None, False),
        ("2019-12-20", "NT1", None, None, "present", False),
        ("2020-03-01", "L1", 20.0, None, None, False),  # sum 20 + 14 = 34 → −43 % PR
        ("2020-03-01", "N1", 18.0, 14.0, None, False),
        ("2020-03-01", "NT1", None, None, "present", False),
        ("2020-05-01", "L1", 0.0, None, None, False),  # L1 gone, node 9 mm < 10: target CR
        ("2020-05-01", "N1", 12.0, 9.0, None, False),
        ("2020-05-01", "NT1", None, None, "absent", False),  # non-target CR → overall CR
        ("2020-07-01", "L1", None, None, None, False),  # L1 not measured → NE
        ("2020-07-01", "N1", 12.0, 9.0, None, False),
        ("2020-07-01", "NT1", None, None, "absent", False),
        ("2020-09-01", "L1", 0.0, None, None, False),
        ("2020-09-01", "N1", 12.0, 9.0, None, False),
        ("2020-09-01", "NT1", None, None, "absent", False),
        ("2020-09-01", "NEW1", 10.0, None, None, True),  # new lesion → PD
    ]
    lm = pd.DataFrame(
        rows,
        columns=[
            "assessment_date",
            "lesion_id",
            "longest_diameter_mm",
            "short_axis_mm",
            "non_target_status",
            "new_lesion",
        ],
    )
    lm["patient_id"] = "p"
    lm["assessment_date"] = pd.to_datetime(lm["assessment_date"])
    courses = pd.DataFrame(
        {"patient_id": ["p"], "course_no": [1], "course_start": pd.to_datetime([START])}
    )
    return lesions, lm, courses


def test_timepoints_from_measurements():
    lesions, lm, courses = _lesion_fixture()
    tp = derive_recist_timepoints(lesions, lm, courses)
    assert tp["assessment_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2020-03-01",
        "2020-05-01",
        "2020-07-01",
        "2020-09-01",
    ]
    assert tp["target_sum_mm"].iloc[0] == pytest.approx(34.0)  # node short axis used
    assert tp["pct_change_baseline"].iloc[0] == pytest.approx(100 * (34 - 60) / 60)
    assert tp["target_response"].tolist() == ["PR", "CR", "NE", "CR"]
    assert tp["non_target_response"].tolist() == ["NON-CR/NON-PD", "CR", "CR", "CR"]
    assert tp["new_lesions"].tolist() == [False, False, False, True]
    assert tp["overall_response"].tolist() == ["PR", "CR", "NE", "PD"]
    bor = derive_best_response(tp, courses)
    assert bor["bor"].iloc[0] == "CR"


def test_pd_from_nadir_in_measurements():
    lesions = pd.DataFrame(
        {
            "patient_id": ["q"],
            "lesion_id": ["L"],
            "site": ["liver"],
            "target": [True],
            "nodal": [False],
        }
    )
    lm = pd.DataFrame(
        {
            "patient_id": "q",
            "lesion_id": "L",
            "assessment_date": pd.to_datetime(
                ["2019-12-30", "2020-03-01", "2020-05-01", "2020-07-01"]
            ),
            "longest_diameter_mm": [30.0, 10.0, 12.0, 15.0],
        }
    )
    courses = pd.DataFrame(
        {"patient_id": ["q"], "course_no": [1], "course_start": pd.to_datetime([START])}
    )
    tp = derive_recist_timepoints(lesions, lm, courses)
    # 10 mm nadir; 12 mm = +20 % but only +2 mm → still PR (−60 % from baseline); 15 mm → PD
    assert tp["target_response"].tolist() == ["PR", "PR", "PD"]
    assert tp["pct_change_nadir"].tolist() == pytest.approx([-100 * 20 / 30, 20.0, 50.0])


def test_no_baseline_scan_gives_no_rows():
    lesions, lm, courses = _lesion_fixture()
    lm = lm[lm["assessment_date"] > pd.Timestamp(START)]
    assert derive_recist_timepoints(lesions, lm, courses).empty


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=120), min_size=2, max_size=6))
def test_vectorised_target_response_matches_scalar_rules(sizes):
    """The dataset-level derivation agrees with the scalar RECIST 1.1 rules on random series of
    one non-nodal target (baseline = first value; nadir = smallest earlier sum)."""
    if sizes[0] == 0:
        sizes[0] = 10
    dates = pd.date_range("2019-12-01", periods=len(sizes), freq="60D")
    lesions = pd.DataFrame(
        {
            "patient_id": ["h"],
            "lesion_id": ["L"],
            "site": ["liver"],
            "target": [True],
            "nodal": [False],
        }
    )
    lm = pd.DataFrame(
        {
            "patient_id": "h",
            "lesion_id": "L",
            "assessment_date": dates,
            "longest_diameter_mm": [float(x) for x in sizes],
        }
    )
    courses = pd.DataFrame({"patient_id": ["h"], "course_no": [1], "course_start": [dates[0]]})
    got = derive_recist_timepoints(lesions, lm, courses)["target_response"].tolist()
    expected = []
    for i in range(1, len(sizes)):
        nadir = min(sizes[:i])
        expected.append(compute_target_response(sizes[i], sizes[0], nadir, all_gone=sizes[i] == 0))
    assert got == expected
