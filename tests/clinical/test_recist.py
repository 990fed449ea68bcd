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
from prrt.clinical.recist_bor import derive_best_response


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


# RECIST 1.1 (Eisenhauer 2009) Table 1 — time point response, patients with target (± non-target)
# disease; each row: target, non-target, new lesions → overall (expected values from the table).
TABLE1 = [
    ("table1-row1-cr-cr-no-new", "CR", "CR", False, "CR"),
    ("table1-row2-cr-noncr-nonpd", "CR", "NON-CR/NON-PD", False, "PR"),
    ("table1-row3-cr-not-evaluated", "CR", "NE", False, "PR"),
    ("table1-row4-pr-nonpd", "PR", "NON-CR/NON-PD", False, "PR"),
    ("table1-row4-pr-nontarget-cr", "PR", "CR", False, "PR"),
    ("table1-row4-pr-not-all-evaluated", "PR", "NE", False, "PR"),
    ("table1-row5-sd-nonpd", "SD", "NON-CR/NON-PD", False, "SD"),
    ("table1-row5-sd-not-all-evaluated", "SD", "NE", False, "SD"),
    ("table1-row6-target-not-all-evaluated", "NE", "NON-CR/NON-PD", False, "NE"),
    ("table1-row7-target-pd-any", "PD", "CR", False, "PD"),
    ("table1-row7-target-pd-with-new", "PD", "NE", True, "PD"),
    ("table1-row8-nontarget-pd-any", "SD", "PD", False, "PD"),
    ("table1-row8-nontarget-pd-target-cr", "CR", "PD", False, "PD"),
    ("table1-row9-new-lesion", "CR", "CR", True, "PD"),
    ("table1-target-cr-no-nontarget-at-baseline", "CR", None, False, "CR"),
]
# RECIST 1.1 Table 2 — patients with non-target disease only (target = None).
TABLE2 = [
    ("table2-row1-cr", None, "CR", False, "CR"),
    ("table2-row2-noncr-nonpd", None, "NON-CR/NON-PD", False, "NON-CR/NON-PD"),
    ("table2-row3-not-all-evaluated", None, "NE", False, "NE"),
    ("table2-row4-unequivocal-pd", None, "PD", False, "PD"),
    ("table2-row4-unequivocal-pd-with-new", None, "PD", True, "PD"),
    ("table2-row5-new-lesion", None, "CR", True, "PD"),
    ("table2-new-lesion-no-baseline-disease", None, None, True, "PD"),
]


@pytest.mark.parametrize(
    ("target", "non_target", "new", "expected"),
    [row[1:] for row in TABLE1 + TABLE2],
    ids=[row[0] for row in TABLE1 + TABLE2],
)
def test_overall_response_tables(target, non_target, new, expected):
    assert compute_overall_response(target, non_target, new) == expected


START = "2020-01-01"


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


_DATES = pd.to_datetime(["2019-12-20", "2020-03-01", "2020-05-01", "2020-07-01"])


def _derive(targets=None, non_targets=None, *, new_at=(), nodal=False, too_small=()):
    """One patient, course start 2020-01-01, baseline 2019-12-20 then follow-ups.

    ``targets``: sizes per date of one target lesion (None = no record), or None for no target
    lesion; ``non_targets``: {lesion: statuses per date (None = no record)}; ``new_at``: indices
    of dates with a new lesion; ``too_small``: indices of dates flagged too small to measure.
    """
    lesions, rows = [], []
    if targets is not None:
        lesions.append(("T1", True, nodal))
        for i, size in enumerate(targets):
            if size is not None or i in too_small:
                col = "short_axis_mm" if nodal else "longest_diameter_mm"
                rows.append({"lesion_id": "T1", "assessment_date": _DATES[i], col: size,
                             "too_small_to_measure": i in too_small})  # fmt: skip
    for lid, statuses in (non_targets or {}).items():
        lesions.append((lid, False, False))
        for i, status in enumerate(statuses):
            if status is not None:
                rows.append({"lesion_id": lid, "assessment_date": _DATES[i],
                             "non_target_status": status})  # fmt: skip
    for i in new_at:
        lesions.append((f"NEW{i}", False, False))
        rows.append({"lesion_id": f"NEW{i}", "assessment_date": _DATES[i], "new_lesion": True,
                     "non_target_status": "present"})  # fmt: skip
    les = pd.DataFrame(lesions, columns=["lesion_id", "target", "nodal"]).assign(patient_id="p")
    lm = pd.DataFrame(rows).assign(patient_id="p")
    for c in ("longest_diameter_mm", "short_axis_mm", "non_target_status", "new_lesion"):
        if c not in lm:
            lm[c] = None
    courses = pd.DataFrame(
        {"patient_id": ["p"], "course_no": [1], "course_start": pd.to_datetime([START])}
    )
    return derive_recist_timepoints(les, lm, courses), courses


# Tables 1–2 from lesion records: a non-target lesion recorded at baseline with no record (or
# "not_evaluated") at a follow-up is "not all evaluated" (RECIST 1.1 Tables 1 and 2).
@pytest.mark.parametrize(
    ("targets", "non_targets", "new_at", "non_target", "overall"),
    [
        ([40, 0], {"NT1": ["present", "absent"]}, (), "CR", "CR"),
        ([40, 0], {"NT1": ["present", "present"]}, (), "NON-CR/NON-PD", "PR"),
        ([40, 0], {"NT1": ["present", None]}, (), "NE", "PR"),
        (
            [40, 0],
            {"NT1": ["present", "absent"], "NT2": ["present", "not_evaluated"]},
            (),
            "NE",
            "PR",
        ),
        ([40, 20], {"NT1": ["present", None]}, (), "NE", "PR"),
        ([40, 35], {"NT1": ["present", None]}, (), "NE", "SD"),
        ([40, None], {"NT1": ["present", "present"]}, (), "NON-CR/NON-PD", "NE"),
        ([40, 50], {"NT1": ["present", None]}, (), "NE", "PD"),
        ([40, 35], {"NT1": ["present", "unequivocal_progression"]}, (), "PD", "PD"),
        ([40, 0], {"NT1": ["present", "absent"]}, (1,), "CR", "PD"),
        (None, {"NT1": ["present", "absent"]}, (), "CR", "CR"),
        (None, {"NT1": ["present", "present"]}, (), "NON-CR/NON-PD", "NON-CR/NON-PD"),
        (None, {"NT1": ["present", "present"], "NT2": ["present", None]}, (), "NE", "NE"),
        (None, {"NT1": ["present", "unequivocal_progression"]}, (), "PD", "PD"),
        (None, {"NT1": ["present", "absent"]}, (1,), "CR", "PD"),
    ],
    ids=[
        "table1-row1-data-cr-cr",
        "table1-row2-data-cr-nontarget-present",
        "table1-row3-data-cr-nontarget-without-record",
        "table1-row3-data-cr-nontarget-not-evaluated",
        "table1-row4-data-pr-nontarget-without-record",
        "table1-row5-data-sd-nontarget-without-record",
        "table1-row6-data-target-not-measured",
        "table1-row7-data-target-pd",
        "table1-row8-data-nontarget-unequivocal-pd",
        "table1-row9-data-new-lesion",
        "table2-row1-data-cr",
        "table2-row2-data-noncr-nonpd-not-sd",
        "table2-row3-data-nontarget-without-record",
        "table2-row4-data-unequivocal-pd",
        "table2-row5-data-new-lesion",
    ],
)
def test_tables_from_lesion_records(targets, non_targets, new_at, non_target, overall):
    tp, _ = _derive(targets, non_targets, new_at=new_at)
    assert tp["non_target_response"].iloc[0] == non_target
    assert tp["overall_response"].iloc[0] == overall


def test_new_lesion_is_not_an_expected_non_target():
    # the new lesion (recorded as a lesion, not at baseline) is not "not evaluated" later
    tp, _ = _derive([40, 20, 20], {"NT1": ["present", "present", "present"]}, new_at=(2,))
    assert tp["non_target_response"].tolist() == ["NON-CR/NON-PD", "NON-CR/NON-PD"]


# RECIST FAQ "Does a new lesion always result in PD?" (recist.eortc.org): lesions that disappear
# and reappear are PD when CR (overall) was assigned at the previous assessment; otherwise not
# automatically PD.
@pytest.mark.parametrize(
    ("targets", "non_targets", "nodal", "expected"),
    [
        ([20, 0, 4], {"NT1": ["present", "absent", "absent"]}, False, ["CR", "PD"]),
        ([20, 0, 0], {"NT1": ["present", "absent", "present"]}, False, ["CR", "PD"]),
        ([20, 8, 10], {}, True, ["CR", "PD"]),
        ([20, 8, 9], {}, True, ["CR", "CR"]),
        ([20, 0, 4], {"NT1": ["present", "present", "present"]}, False, ["PR", "PR"]),
    ],
    ids=[
        "faq-reappearance-after-cr-target-lesion-pd",
        "faq-reappearance-after-cr-non-target-pd",
        "faq-reappearance-after-cr-node-10mm-pd",
        "faq-node-still-below-10mm-continued-cr",
        "faq-reappearance-after-pr-not-automatic-pd",
    ],
)
def test_reappearance_after_cr(targets, non_targets, nodal, expected):
    tp, _ = _derive(targets, non_targets, nodal=nodal)
    assert tp["overall_response"].tolist() == expected


def test_reappearance_after_cr_with_an_unevaluated_assessment_between():
    # the NE assessment (target not measured) does not end the CR: the last evaluated response
    # was CR, so the reappearing 4 mm lesion is PD (RECIST 1.1 Table 3 footnote a: after a true
    # CR "any disease seen at a subsequent time point" is PD)
    tp, _ = _derive([20, 0, None, 4], {"NT1": ["absent", "absent", "absent", "absent"]})
    assert tp["overall_response"].tolist() == ["CR", "NE", "PD"]


# RECIST 1.1 §4.3 (special notes on target lesions) and the RECIST FAQ "Lesions less than 5 mm":
# a lesion present but too small to measure counts as 5 mm; a measurement, if recorded, is used.
@pytest.mark.parametrize(
    ("follow_up", "flag", "expected_sum", "expected"),
    [
        (None, True, 5.0, "PR"),
        (3.0, True, 3.0, "PR"),
        (None, False, None, "NE"),
        (0.0, False, 0.0, "CR"),
    ],
    ids=[
        "recist-4.3-too-small-counts-5mm",
        "recist-4.3-too-small-measurement-wins",
        "recist-4.3-missing-without-flag-not-evaluated",
        "recist-4.3-disappeared-0mm-cr",
    ],
)
def test_too_small_to_measure(follow_up, flag, expected_sum, expected):
    # a non-target record keeps the follow-up assessment when the target has no record
    nt = {"NT1": ["present", "present"]}
    tp, _ = _derive([30.0, follow_up], nt, too_small=(1,) if flag else ())
    assert tp["target_response"].iloc[0] == expected
    if expected_sum is None:
        assert pd.isna(tp["target_sum_mm"].iloc[0])
    else:
        assert tp["target_sum_mm"].iloc[0] == pytest.approx(expected_sum)


def test_too_small_lesion_is_not_complete_response():
    # a 10 mm lesion shrinking to "too small" (5 mm) is −50 %: PR, not CR (§4.3)
    tp, _ = _derive([10.0, None], too_small=(1,))
    assert tp["target_response"].iloc[0] == "PR"
    assert tp["pct_change_baseline"].iloc[0] == pytest.approx(-50.0)


def test_non_target_only_best_response_stays_non_cr_non_pd():
    # RECIST 1.1 Table 2 footnote: NON-CR/NON-PD is its own category, not SD
    tp, courses = _derive(None, {"NT1": ["present", "present", "present"]})
    bor = derive_best_response(tp, courses)
    assert bor["bor"].iloc[0] == "NON-CR/NON-PD"
    assert not bor["dcr"].iloc[0]  # default: not counted as disease control
    assert derive_best_response(tp, courses, dcr_includes_non_cr_non_pd=True)["dcr"].iloc[0]


def test_non_target_recorded_only_at_follow_up_still_counts():
    # a non-target lesion without a baseline record (not flagged new) that is present at the
    # follow-up: the non-target assessment is not CR (Table 1: target CR + non-CR → PR)
    tp, _ = _derive([40, 0], {"NT1": [None, "present"]})
    assert tp["non_target_response"].iloc[0] == "NON-CR/NON-PD"
    assert tp["overall_response"].iloc[0] == "PR"
