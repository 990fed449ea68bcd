"""RECIST 1.1 best overall response, confirmation and per-patient response outcomes.

Independent sources of the expected values:

- RECIST 1.1 (Eisenhauer et al., Eur J Cancer 2009;45:228-247) Table 3 (best overall response
  when confirmation of CR and PR is required) and its footnote a; §4.4.1 (best response until
  progression; minimum SD duration); §4.5 (duration of response).
- pharmaverse admiralonco (github.com/pharmaverse/admiralonco at commit 83370b1, file and test
  named at each case): tests/testthat/test-derive_param_bor.R, test-derive_param_confirmed_bor.R,
  test-derive_param_confirmed_resp.R and test-derive_param_clinbenefit.R. Their input records and
  expected values are carried over as data; admiralonco's ``ref_start_window`` is our
  ``min_sd_days``, ``source_pd`` our ``progression``; admiralonco does not re-read responses
  after a CR (``after_cr="as_recorded"``) and, without ``source_pd``, keeps assessments after a
  PD (``stop_at_first_pd=False``). Subjects without any assessment get NE with null ORR/DCR here
  (admiralonco: "MISSING", or "NE" with ``missing_as_ne``).
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prrt.clinical.recist_bor import (
    best_overall_response,
    derive_best_response,
    derive_response_outcomes,
)

START = "2020-01-01"

# --- RECIST 1.1 Table 3 ---------------------------------------------------------------------
# First time point at day 56 ("minimum SD duration met", min_sd_days = 42) or day 28 ("not
# met"); the subsequent time point 35 days later. Expected values: Table 3 and footnote a.
_MET, _NOT_MET = "2020-02-26", "2020-01-29"


def _next(first: str) -> str:
    return str((pd.Timestamp(first) + pd.Timedelta(days=35)).date())


TABLE3 = [
    ("table3-cr-cr-is-cr", "CR", "CR", _MET, {}, "CR"),
    ("table3-cr-cr-is-cr-before-sd-minimum", "CR", "CR", _NOT_MET, {}, "CR"),
    ("table3-cr-pr-sd-when-sd-minimum-met", "CR", "PR", _MET, {}, "SD"),
    ("table3-cr-pr-pd-when-sd-minimum-not-met", "CR", "PR", _NOT_MET, {}, "PD"),
    ("table3-cr-pr-footnote-a-cr-reread-as-pr", "CR", "PR", _NOT_MET, {"after_cr": "pr"}, "PR"),
    ("table3-cr-sd-sd-when-sd-minimum-met", "CR", "SD", _MET, {}, "SD"),
    ("table3-cr-sd-pd-when-sd-minimum-not-met", "CR", "SD", _NOT_MET, {}, "PD"),
    ("table3-cr-pd-sd-when-sd-minimum-met", "CR", "PD", _MET, {}, "SD"),
    ("table3-cr-pd-pd-when-sd-minimum-not-met", "CR", "PD", _NOT_MET, {}, "PD"),
    ("table3-cr-ne-sd-when-sd-minimum-met", "CR", "NE", _MET, {}, "SD"),
    ("table3-cr-ne-ne-when-sd-minimum-not-met", "CR", "NE", _NOT_MET, {}, "NE"),
    ("table3-pr-cr-is-pr", "PR", "CR", _MET, {}, "PR"),
    ("table3-pr-pr-is-pr", "PR", "PR", _MET, {}, "PR"),
    ("table3-pr-sd-is-sd", "PR", "SD", _MET, {}, "SD"),
    ("table3-pr-pd-sd-when-sd-minimum-met", "PR", "PD", _MET, {}, "SD"),
    ("table3-pr-pd-pd-when-sd-minimum-not-met", "PR", "PD", _NOT_MET, {}, "PD"),
    ("table3-pr-ne-sd-when-sd-minimum-met", "PR", "NE", _MET, {}, "SD"),
    ("table3-pr-ne-ne-when-sd-minimum-not-met", "PR", "NE", _NOT_MET, {}, "NE"),
    ("table3-ne-ne-is-ne", "NE", "NE", _MET, {}, "NE"),
]


@pytest.mark.parametrize(
    ("first", "second", "date", "options", "expected"),
    [row[1:] for row in TABLE3],
    ids=[row[0] for row in TABLE3],
)
def test_table3_confirmed_best_response(first, second, date, options, expected):
    bor, _ = best_overall_response(
        [date, _next(date)], [first, second], START, confirm=True, min_sd_days=42, **options
    )
    assert bor == expected


@pytest.mark.parametrize(
    ("responses", "options", "expected"),
    [
        (["PR", "SD", "SD", "PR"], {}, "SD"),
        (["PR", "SD", "SD", "PR"], {"accept_sd": True}, "SD"),
        (["PR", "SD", "PR"], {}, "SD"),
        (["PR", "SD", "PR"], {"accept_sd": True}, "PR"),
        (["PR", "NE", "PR"], {}, "PR"),
        (["PR", "NE", "NE", "PR"], {}, "SD"),
        (["PR", "NE", "NE", "PR"], {"max_nr_ne": 2}, "PR"),
        (["PR", "NE", "PR"], {"max_nr_ne": 0}, "SD"),
        (["CR", "NE", "CR"], {}, "CR"),
        (["CR", "NE", "CR"], {"max_nr_ne": 0}, "SD"),
    ],
    ids=[
        "table3-pr-sd-sd-pr-not-confirmed",
        "accept-sd-allows-one-sd-not-two",
        "pr-sd-pr-not-confirmed-by-default",
        "accept-sd-one-sd-between-confirms",
        "max-nr-ne-default-one-ne-between",
        "max-nr-ne-default-two-ne-too-many",
        "max-nr-ne-2-allows-two",
        "max-nr-ne-0-none-allowed",
        "cr-ne-cr-confirmed-with-one-ne",
        "cr-ne-cr-max-nr-ne-0",
    ],
)
def test_confirmation_options(responses, options, expected):
    # monthly assessments from 2020-03-01 (first response on day 60, past any SD minimum)
    dates = [str(d.date()) for d in pd.date_range("2020-03-01", periods=len(responses), freq="MS")]
    assert best_overall_response(dates, responses, START, confirm=True, **options)[0] == expected


@pytest.mark.parametrize(
    ("gap_days", "ref_confirm", "expected"),
    [(28, 28, "PR"), (27, 28, "SD"), (42, 42, "PR"), (41, 42, "SD")],
    ids=[
        "ref-confirm-28-exactly-28-days",
        "ref-confirm-28-only-27-days",
        "ref-confirm-42-exactly-42-days",
        "ref-confirm-42-only-41-days",
    ],
)
def test_ref_confirm_boundary(gap_days, ref_confirm, expected):
    second = str((pd.Timestamp("2020-03-01") + pd.Timedelta(days=gap_days)).date())
    bor, _ = best_overall_response(
        ["2020-03-01", second], ["PR", "PR"], START, confirm=True, ref_confirm=ref_confirm
    )
    assert bor == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [(41, "NE"), (42, "SD")],
    ids=["min-sd-duration-day-41-not-met", "min-sd-duration-day-42-met"],
)
def test_minimum_sd_duration_boundary(day, expected):
    date = str((pd.Timestamp(START) + pd.Timedelta(days=day)).date())
    assert best_overall_response([date], ["SD"], START, min_sd_days=42)[0] == expected
    non_cr = best_overall_response([date], ["NON-CR/NON-PD"], START, min_sd_days=42)[0]
    assert non_cr == ("NE" if expected == "NE" else "NON-CR/NON-PD")


def test_external_progression_date_cuts_the_window():
    dates, resp = ["2020-03-01", "2020-04-15", "2020-06-01"], ["SD", "PR", "PR"]
    assert best_overall_response(dates, resp, START, confirm=True)[0] == "PR"
    # clinical progression on 2020-05-01: the confirming PR is outside the window
    cut = best_overall_response(dates, resp, START, confirm=True, progression="2020-05-01")
    assert cut[0] == "SD"
    # an assessment on the progression date itself is kept (admiralonco filter_pd)
    kept = best_overall_response(dates, resp, START, confirm=True, progression="2020-06-01")
    assert kept[0] == "PR"


def test_responses_after_pd_do_not_count():
    # RECIST 1.1 §4.4.1: best response "until disease progression"
    bor, date = best_overall_response(
        ["2020-03-01", "2020-05-01", "2020-07-01"], ["SD", "PD", "CR"], START
    )
    assert (bor, date) == ("SD", pd.Timestamp("2020-03-01"))


def test_unknown_response_value_is_rejected():
    with pytest.raises(ValueError, match="unknown timepoint response"):
        best_overall_response(["2020-03-01"], ["iCR"], START)


# --- admiralonco test cases --------------------------------------------------------------------
_ADSL = {
    "1": "2020-01-01",
    "2": "2019-12-12",
    "3": "2019-11-11",
    "4": "2019-12-30",
    "5": "2020-01-01",
    "6": "2020-02-02",
    "7": "2020-02-02",
    "8": "2020-04-01",
    "9": "2020-02-01",
}
# ADRS "OVR" records of test-derive_param_confirmed_bor.R / -confirmed_resp.R / -bor.R
_ADRS = [
    ("1", "2020-01-01", "PR"), ("1", "2020-02-01", "CR"), ("1", "2020-02-16", "NE"),
    ("1", "2020-03-01", "CR"), ("1", "2020-04-01", "SD"),
    ("2", "2020-01-01", "SD"), ("2", "2020-02-01", "PR"), ("2", "2020-03-01", "SD"),
    ("2", "2020-03-13", "CR"),
    ("3", "2019-11-12", "CR"), ("3", "2019-12-02", "CR"), ("3", "2020-01-01", "SD"),
    ("4", "2020-01-01", "PR"), ("4", "2020-03-01", "SD"), ("4", "2020-04-01", "SD"),
    ("4", "2020-05-01", "PR"), ("4", "2020-05-15", "NON-CR/NON-PD"),
    ("5", "2020-01-01", "PR"), ("5", "2020-01-10", "SD"), ("5", "2020-01-20", "PR"),
    ("5", "2020-05-15", "NON-CR/NON-PD"),
    ("6", "2020-02-06", "PR"), ("6", "2020-02-16", "CR"), ("6", "2020-03-30", "PR"),
    ("7", "2020-02-06", "PR"), ("7", "2020-02-16", "CR"), ("7", "2020-04-01", "NE"),
    ("9", "2020-02-16", "PD"), ("9", "2020-03-06", "SD"),
]  # fmt: skip
_PD_DATE = pd.DataFrame({"patient_id": ["9"], "progression_date": pd.to_datetime(["2020-02-16"])})
_ADMIRALONCO = {"after_cr": "as_recorded", "min_sd_days": 28}


def _frames(records, adsl=None):
    adsl = adsl or _ADSL
    tp = pd.DataFrame(records, columns=["patient_id", "assessment_date", "overall_response"])
    tp["course_no"] = 1
    tp["assessment_date"] = pd.to_datetime(tp["assessment_date"])
    courses = pd.DataFrame(
        {
            "patient_id": list(adsl),
            "course_no": 1,
            "course_start": pd.to_datetime(list(adsl.values())),
        }
    )
    return tp, courses


def _check(out, expected):
    got = out.set_index("patient_id")
    for pid, (bor, date) in expected.items():
        assert got.loc[pid, "bor"] == bor, pid
        if date is not None:
            assert got.loc[pid, "bor_date"] == pd.Timestamp(date), pid


def test_admiralonco_confirmed_bor_test1_default():
    # test-derive_param_confirmed_bor.R, Test 1: ref_start_window = 28, ref_confirm = 28,
    # max_nr_ne = 1 (default), accept_sd = FALSE, source_pd = PD date of subject 9
    tp, courses = _frames(_ADRS)
    out = derive_best_response(
        tp, courses, confirm=True, ref_confirm=28, progression=_PD_DATE, **_ADMIRALONCO
    )
    _check(
        out,
        {
            "1": ("CR", "2020-02-01"),
            "2": ("SD", "2020-02-01"),
            "3": ("SD", "2020-01-01"),
            "4": ("SD", "2020-03-01"),
            "5": ("NON-CR/NON-PD", "2020-05-15"),
            "6": ("SD", "2020-03-30"),
            "7": ("NE", None),  # admiralonco: NE (first NE record, 2020-02-06)
            "8": ("NE", None),  # admiralonco: MISSING
            "9": ("PD", "2020-02-16"),
        },
    )
    assert pd.isna(out.set_index("patient_id").loc["8", "orr"])


def test_admiralonco_confirmed_bor_test2_accept_sd():
    # Test 2: ref_confirm = 14, max_nr_ne = 0, accept_sd = TRUE (subject 7's only record is
    # "ND", not a RECIST response: left out)
    tp, courses = _frames([r for r in _ADRS if r[0] != "7"])
    out = derive_best_response(
        tp,
        courses,
        confirm=True,
        ref_confirm=14,
        max_nr_ne=0,
        accept_sd=True,
        progression=_PD_DATE,
        **_ADMIRALONCO,
    )
    _check(
        out,
        {
            "1": ("PR", "2020-01-01"),
            "2": ("PR", "2020-02-01"),
            "3": ("CR", "2019-11-12"),
            "4": ("SD", "2020-03-01"),
            "5": ("PR", "2020-01-01"),
            "6": ("SD", "2020-03-30"),
            "8": ("NE", None),
            "9": ("PD", "2020-02-16"),
        },
    )


def test_admiralonco_confirmed_bor_test4_no_source_pd():
    # Test 4: no source_pd, so subject 9's SD after PD counts ("expected is now SD")
    tp, courses = _frames(_ADRS)
    out = derive_best_response(
        tp, courses, confirm=True, ref_confirm=28, stop_at_first_pd=False, **_ADMIRALONCO
    )
    _check(out, {"9": ("SD", "2020-03-06"), "1": ("CR", "2020-02-01"), "6": ("SD", "2020-03-30")})


def test_admiralonco_bor_unconfirmed_test1():
    # test-derive_param_bor.R, Test 1 (expected_01): no source_pd, ref_start_window = 28
    tp, courses = _frames([r for r in _ADRS if r[0] != "9"])
    out = derive_best_response(tp, courses, stop_at_first_pd=False, **_ADMIRALONCO)
    _check(
        out,
        {
            "1": ("CR", "2020-02-01"),
            "2": ("CR", "2020-03-13"),
            "3": ("CR", "2019-11-12"),
            "4": ("PR", "2020-01-01"),
            "5": ("PR", "2020-01-01"),
            "6": ("CR", "2020-02-16"),
            "7": ("CR", "2020-02-16"),
            "8": ("NE", None),
        },
    )


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            {"ref_confirm": 28, "progression": _PD_DATE},
            {"1": "2020-01-01"},
        ),
        (
            {"ref_confirm": 14, "max_nr_ne": 0, "accept_sd": True, "progression": _PD_DATE},
            {"1": "2020-01-01", "2": "2020-02-01", "3": "2019-11-12", "5": "2020-01-01"},
        ),
    ],
    ids=["admiralonco-confirmed-resp-test1", "admiralonco-confirmed-resp-test2-accept-sd"],
)
def test_admiralonco_confirmed_response_date(options, expected):
    # test-derive_param_confirmed_resp.R, Tests 1 and 2: responders and the first date where
    # the (confirmed) response criteria are met; all other subjects are non-responders
    tp, courses = _frames([r for r in _ADRS if r[0] != "7" or "accept_sd" not in options])
    out = derive_response_outcomes(tp, courses, confirm=True, after_cr="as_recorded", **options)
    got = out.set_index("patient_id")["response_date"].dropna()
    assert {k: str(v.date()) for k, v in got.items()} == expected


def test_admiralonco_confirmed_response_test4_no_source_pd():
    # Test 4: subject 1 responds after a PD (PR 2020-02-16 confirmed by CR 2020-03-21);
    # subject 2's CR is not confirmed because the window straddles a PD
    recs = [
        ("1", "2020-01-01", "SD"), ("1", "2020-02-01", "PD"), ("1", "2020-02-16", "PR"),
        ("1", "2020-03-21", "CR"), ("2", "2020-01-01", "SD"), ("2", "2020-02-01", "CR"),
        ("2", "2020-02-16", "PD"), ("2", "2020-03-21", "CR"),
    ]  # fmt: skip
    tp, courses = _frames(recs)
    out = derive_response_outcomes(
        tp, courses, confirm=True, ref_confirm=28, stop_at_first_pd=False, after_cr="as_recorded"
    ).set_index("patient_id")
    assert out.loc["1", "response_date"] == pd.Timestamp("2020-02-16")
    assert pd.isna(out.loc["2", "response_date"])


# test-derive_param_clinbenefit.R (ADSL with TRTSDT; OVR records; "NA"/"ND" records and the
# missing-response record are not RECIST responses and are left out)
_CB_ADSL = {
    "01": "2020-12-06",
    "02": "2021-01-16",
    "03": "2021-01-09",
    "04": "2021-04-21",
    "05": "2021-06-10",
    "06": "2021-07-04",
    "07": "2021-07-01",
}
_CB = [
    ("01", "2021-03-07", "SD"), ("01", "2021-04-08", "PR"),
    ("02", "2021-03-07", "SD"), ("02", "2021-05-07", "PD"),
    ("03", "2021-01-30", "SD"),
    ("04", "2021-05-21", "NE"), ("04", "2021-07-24", "NE"),
    ("06", "2021-08-20", "PD"), ("06", "2021-09-22", "SD"),
    ("07", "2021-12-05", "NON-CR/NON-PD"),
]  # fmt: skip
_CB_PD = pd.DataFrame(
    {"patient_id": ["02", "06"], "progression_date": pd.to_datetime(["2021-05-07", "2021-08-20"])}
)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            {"progression": _CB_PD},
            {"01": True, "02": True, "03": False, "04": False, "06": False, "07": False},
        ),
        (
            {"stop_at_first_pd": False, "dcr_includes_non_cr_non_pd": True},
            {"01": True, "02": True, "03": False, "04": False, "06": True, "07": True},
        ),
    ],
    ids=[
        "admiralonco-clinbenefit-test1-without-non-cr-non-pd",
        "admiralonco-clinbenefit-test2-no-source-pd-with-non-cr-non-pd",
    ],
)
def test_admiralonco_clinical_benefit(options, expected):
    tp, courses = _frames(_CB, _CB_ADSL)
    out = derive_best_response(tp, courses, min_sd_days=28, **options).set_index("patient_id")
    assert {k: bool(out.loc[k, "dcr"]) for k in expected} == expected
    assert pd.isna(out.loc["05", "dcr"])  # no assessment (admiralonco: "N")


# --- outcomes (RECIST 1.1 §4.5; dates worked by hand) --------------------------------------------
def _outcomes(records, **kw):
    tp = pd.DataFrame(
        records,
        columns=["patient_id", "assessment_date", "overall_response", "pct_change_baseline"],
    )
    tp["course_no"] = 1
    tp["assessment_date"] = pd.to_datetime(tp["assessment_date"])
    ids = sorted(set(tp["patient_id"]) | {"none"})
    courses = pd.DataFrame({"patient_id": ids, "course_no": 1, "course_start": pd.Timestamp(START)})
    return derive_response_outcomes(tp, courses, **kw).set_index("patient_id")


_RECS = [
    ("a", "2020-03-01", "PR", -35.0),
    ("a", "2020-05-01", "PR", -50.0),
    ("a", "2020-09-01", "PD", -20.0),
    ("a", "2020-11-01", "PD", 10.0),
    ("b", "2020-03-01", "PR", -31.0),
    ("b", "2020-05-01", "SD", -25.0),
    ("b", "2020-07-01", "NE", None),
    ("c", "2020-03-01", "SD", -10.0),
    ("c", "2020-05-01", "PD", 30.0),
]


def test_outcomes_unconfirmed():
    out = _outcomes(_RECS)
    a, b, c = out.loc["a"], out.loc["b"], out.loc["c"]
    # a: first response 2020-03-01 (day 60); PD 2020-09-01 → 184 days, event
    assert a["response_date"] == pd.Timestamp("2020-03-01") and a["time_to_response_days"] == 60
    assert a["dor_days"] == 184 and a["dor_event"]
    assert a["best_pct_change_baseline"] == pytest.approx(-50.0)  # depth, PD at −20 % included
    # b: censored at the last evaluable assessment (SD 2020-05-01): 61 days, no event
    assert b["dor_days"] == 61 and not b["dor_event"]
    # c: not a responder
    assert pd.isna(c["response_date"]) and pd.isna(c["dor_days"]) and pd.isna(c["dor_event"])
    assert c["bor"] == "SD" and c["best_pct_change_baseline"] == pytest.approx(-10.0)
    assert out.loc["none", "bor"] == "NE" and pd.isna(out.loc["none", "orr"])


def test_outcomes_confirmed_and_both_bor_variants():
    out = _outcomes(_RECS, confirm=True)
    # b's PR is not confirmed (SD, NE after it): BOR SD, no response date
    assert out.loc["b", "bor"] == "SD" and out.loc["b", "bor_unconfirmed"] == "PR"
    assert out.loc["b", "bor_confirmed"] == "SD" and pd.isna(out.loc["b", "response_date"])
    assert out.loc["a", "bor"] == "PR" and out.loc["a", "response_date"] == pd.Timestamp(
        "2020-03-01"
    )


def test_duration_of_response_ends_at_death():
    deaths = pd.DataFrame(
        {"patient_id": ["b"], "event_date": pd.to_datetime(["2020-06-01"]), "event_type": "death"}
    )
    out = _outcomes(_RECS, end_events=deaths)
    # 2020-03-01 → 2020-06-01 = 92 days, event
    assert out.loc["b", "dor_days"] == 92 and out.loc["b", "dor_event"]


_CODES = ["CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE"]


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.lists(st.tuples(st.integers(5, 60), st.sampled_from(_CODES)), min_size=1, max_size=7),
        min_size=2,
        max_size=5,
    ),
    st.booleans(),
)
def test_vectorised_over_patients_matches_one_patient_at_a_time(patients, accept_sd):
    """Confirmation windows never reach into the next patient: deriving many patients at once
    gives the same best response as deriving each alone."""
    rows = []
    for k, seq in enumerate(patients):
        day = 0
        for gap, resp in seq:
            day += gap
            rows.append((f"p{k}", str((pd.Timestamp(START) + pd.Timedelta(days=day)).date()), resp))
    tp, courses = _frames(rows, {f"p{k}": START for k in range(len(patients))})
    opts = {"confirm": True, "accept_sd": accept_sd, "min_sd_days": 42}
    together = derive_best_response(tp, courses, **opts).set_index("patient_id")["bor"]
    for pid in together.index:
        alone = derive_best_response(
            tp[tp["patient_id"] == pid], courses[courses["patient_id"] == pid], **opts
        )
        assert alone["bor"].iloc[0] == together[pid]
