"""Real-world outcomes (Lazarenko 2026): every number the template adds is re-derived here from the
store tables, independently of the template, and checked with the engines or other libraries
(scipy's exact binomial interval, statsmodels' Wilson interval, lifelines' log-rank test).

Defects of issue 9 covered: 7 (response denominators), 8 (immortal-time bias: landmark beside the
groups defined after time zero), 11 (one definition of four cycles completed)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from lifelines.statistics import logrank_test
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

from prrt import stats
from prrt.clinical.endpoints import derive_endpoints
from prrt.report import Report
from prrt.studies import _steps, real_world_outcomes
from prrt.studies._base import StudyOutput, StudyRun

from .conftest import Built, course1

MONTH = 30.4375
S = real_world_outcomes.SETTINGS


@pytest.fixture(scope="module")
def rwo(
    full: Built, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[StudyOutput, Report]]:
    """The template run once more on the full cohort, keeping its :class:`Report`."""
    kept: dict[str, Report] = {}
    original = StudyRun.finish

    def finish(self: StudyRun, out_dir: str | Path) -> StudyOutput:
        kept["report"] = self.report
        return original(self, out_dir)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(StudyRun, "finish", finish)
        out = real_world_outcomes.run(full.store, tmp_path_factory.mktemp("rwo"))
    yield out, kept["report"]


def course1_pfs(full: Built) -> pd.DataFrame:
    """Course 1 with PFS under Lazarenko's PET-only rule (the rule the report states), derived by
    the clinical layer from the store's events when the store was derived with another rule."""
    c = course1(full.store)
    settings = full.store.read("analysis_settings")
    rule = dict(zip(settings["key"], settings["value"], strict=True)).get("pfs_pet_rule", "")
    if "lazarenko" in str(rule):
        return c
    resp = full.store.read("analysis_response")
    recist = resp.loc[resp["overall_response"] == "PD", ["patient_id", "assessment_date"]]
    ep = derive_endpoints(
        full.store.read("disease_events"),
        c[["patient_id", "course_no", "course_start"]],
        pet_rule="lazarenko",
        recist_progression=recist,
    )
    ep = ep.set_index(["patient_id", "course_no"])[["pfs_days", "pfs_event"]]
    return c.drop(columns=["pfs_days", "pfs_event"]).join(ep, on=["patient_id", "course_no"])


def _table(report: Report, name: str) -> Any:
    return next(b.table for b in report.tables if b.table.name == name)


def _rows(report: Report, name: str) -> list[list[str]]:
    return _table(report, name).rows()


# -- defect 7: response rates over the evaluable patients, exact CI --------------------------
def test_orr_dcr_use_evaluable_denominator_with_exact_ci(full: Built, rwo: Any) -> None:
    out, _report = rwo
    bor = course1(full.store)["bor"]
    ev = bor.isin(["CR", "PR", "SD", "NON-CR/NON-PD", "PD"])
    assert (~ev).sum() > 0, "the demo cohort has non-evaluable patients: the test needs them"
    n = int(ev.sum())
    x_orr = int(bor.isin(["CR", "PR"]).sum())
    x_dcr = int(bor.isin(["CR", "PR", "SD", "NON-CR/NON-PD"]).sum())
    kn = out.key_numbers
    assert kn["bor_n_evaluable"] == n
    assert kn["orr_pct"] == pytest.approx(100 * x_orr / n, rel=1e-12)
    assert kn["dcr_pct"] == pytest.approx(100 * x_dcr / n, rel=1e-12)
    for key, x in (("bor_orr_ci", x_orr), ("bor_dcr_ci", x_dcr)):
        ci = sps.binomtest(x, n).proportion_ci(confidence_level=0.95, method="exact")
        assert kn[key] == pytest.approx((100 * ci.low, 100 * ci.high), rel=1e-9)


def test_response_table_categories_sum_to_the_denominator(full: Built, rwo: Any) -> None:
    _, report = rwo
    t = _table(report, "bor")
    rows = t.rows()
    k = next(i for i, r in enumerate(rows) if r[0].startswith("Objective response"))
    counts = [int(r[1]) for r in rows[:k]]
    n = sum(counts)
    assert f"of the {n} evaluable patients" in t.title
    n_total = len(course1(full.store))
    assert f"{n} evaluable patients of {n_total}; {n_total - n} not evaluable (" in (
        t.footnote or ""
    )
    # the reasons add up to the number not evaluable
    why = (t.footnote or "").split("not evaluable (")[1].split(")")[0]
    assert sum(int(part.split()[0]) for part in why.split(", ")) == n_total - n
    labels = [r[0] for r in rows[:k] if not r[0].startswith("Non-CR")]
    assert labels == [
        "Complete response (CR)",
        "Partial response (PR)",
        "Stable disease (SD)",
        "Progressive disease (PD)",
    ]


@pytest.mark.parametrize(
    ("bor", "died", "assessed", "expected"),
    [
        ("PR", 0, 1, None),
        ("NE", 1, 0, "died before any response assessment"),
        ("NE", 0, 0, "no response assessment recorded (alive at last contact)"),
        ("NE", 1, 1, "assessments recorded, none evaluable"),
        (None, 0, 0, "no response assessment recorded (alive at last contact)"),
    ],
    ids=["evaluable", "ne-died", "ne-alive", "ne-assessed", "missing-bor"],
)
def test_not_evaluable_reasons_truth_table(
    bor: str | None, died: int, assessed: int, expected: str | None
) -> None:
    d = pd.DataFrame({"bor": [bor], "os_event": [died]})
    got = _steps.not_evaluable_reasons(d, assessed=pd.Series([bool(assessed)]))
    assert (got.iloc[0] if pd.notna(got.iloc[0]) else None) == expected


def test_wilson_option_matches_statsmodels() -> None:
    d = pd.DataFrame({"bor": ["CR"] * 2 + ["PR"] * 21 + ["SD"] * 62 + ["PD"] * 17 + ["NE"] * 8})
    r = _steps.response_rates(d, method="wilson")
    assert (r.n_evaluable, r.orr.x) == (102, 23)  # Lazarenko: 102 evaluable, ORR 22.5 %
    lo, hi = proportion_confint(23, 102, alpha=0.05, method="wilson")
    assert r.orr.ci == pytest.approx((lo, hi), rel=1e-9)
    exact = _steps.response_rates(d)
    ci = sps.binomtest(23, 102).proportion_ci(method="exact")
    assert exact.orr.ci == pytest.approx((ci.low, ci.high), rel=1e-9)
    assert round(100 * exact.orr.estimate, 1) == 22.5 and round(100 * exact.dcr.estimate, 1) == 83.3


# -- defect 11: one definition of "four cycles completed" ------------------------------------
def test_flow_cycles_and_reasons_agree(full: Built, rwo: Any) -> None:
    out, report = rwo
    c = course1(full.store)
    n4 = int((c["n_cycles"] >= 4).sum())
    assert out.key_numbers["completed_4_cycles_n"] == n4  # the number in the flow diagram
    cyc = {r[0]: int(r[1].split()[0]) for r in _rows(report, "cycles")}
    assert sum(cyc.values()) == len(c)
    assert cyc["4"] + cyc["5 or more"] == n4
    reasons = _rows(report, "stop_reasons")
    assert reasons[-1][0] == "Total" and int(reasons[-1][1].split()[0]) == len(c) - n4
    assert sum(int(r[1].split()[0]) for r in reasons[:-1]) == len(c) - n4
    assert all("_" not in r[0] and r[0][:1].isupper() for r in reasons)
    flow = next(f for f in report.figures if f.name == "patient_flow")
    assert "four cycles" in flow.caption


# -- defect 8: landmark analyses beside groups defined after time zero -----------------------
def _cycles_by(full: Built, at_months: float) -> pd.Series:
    cy = full.store.read("cycles")
    c = course1(full.store)[["patient_id", "course_start"]]
    cy = cy.loc[cy["course_no"] == 1].merge(c, on="patient_id")
    day = (pd.to_datetime(cy["cycle_date"]) - pd.to_datetime(cy["course_start"])).dt.days
    return cy.loc[day <= at_months * MONTH].groupby("patient_id").size()


def test_four_cycles_landmark_matches_lifelines(full: Built, rwo: Any) -> None:
    out, report = rwo
    kn = out.key_numbers
    L = S.landmark_cycles_months
    c = course1_pfs(full)
    t = c["pfs_days"] / MONTH
    keep = t > L
    assert kn["pfs_by_four_cycles_landmark_landmark_n"] == int(keep.sum())
    before = ~keep
    assert kn["pfs_by_four_cycles_landmark_landmark_excluded"] == (
        int((before & c["pfs_event"]).sum()),
        int((before & ~c["pfs_event"]).sum()),
    )
    d = c.loc[keep]
    four = d["patient_id"].map(_cycles_by(full, L)).fillna(0) >= 4
    lr = logrank_test(
        t[keep][four] - L, t[keep][~four] - L, d["pfs_event"][four], d["pfs_event"][~four]
    )
    assert kn["pfs_by_four_cycles_landmark_logrank_p"] == pytest.approx(lr.p_value, rel=1e-6)
    assert kn["pfs_by_four_cycles_landmark_n[Four cycles or more]"] == int(four.sum())
    # the paper-style comparison from time zero is kept beside it
    assert "pfs_by_four_cycles_logrank_p" in kn
    texts = [b.text for b in report.blocks if hasattr(b, "text") and "immortal-time" in str(b.text)]
    assert len(texts) == 2 and all("Caveat" in x for x in texts)


def test_response_landmark_status_from_time_points(full: Built, rwo: Any) -> None:
    """Responder at the landmark = a CR or PR time point on or before it (and before the first PD)."""
    out, _ = rwo
    L = S.landmark_response_months
    c = course1_pfs(full)
    r = full.store.read("analysis_response")
    r = r.loc[r["course_no"] == 1].merge(c[["patient_id", "course_start"]], on="patient_id")
    r["m"] = (
        pd.to_datetime(r["assessment_date"]) - pd.to_datetime(r["course_start"])
    ).dt.days / MONTH
    first_pd = r.loc[r["overall_response"] == "PD"].groupby("patient_id")["m"].min()
    r = r.loc[r["m"] <= r["patient_id"].map(first_pd).fillna(np.inf)]
    hit = r.loc[(r["m"] <= L) & r["overall_response"].isin(["CR", "PR"]), "patient_id"].unique()
    d = c.loc[c["pfs_days"] / MONTH > L]
    resp = d["patient_id"].isin(hit)
    kn = out.key_numbers
    assert kn["pfs_by_response_landmark_n[CR or PR by then]"] == int(resp.sum())
    lr = stats.logrank(d["pfs_days"] / MONTH - L, d["pfs_event"], resp)
    assert kn["pfs_by_response_landmark_logrank_p"] == pytest.approx(lr.p_value, rel=1e-9)


# -- missing analyses ---------------------------------------------------------------------------
def test_ae_groups_have_their_own_denominators(full: Built, rwo: Any) -> None:
    out, report = rwo
    c = course1(full.store)
    labs = full.store.read("analysis_labs")
    on = labs.loc[
        labs["patient_id"].isin(c["patient_id"])
        & (labs["course_no"] == 1)
        & (labs["period"] == "on_treatment")
    ].dropna(subset=["grade_v5_0"])
    haem = on.loc[
        on["test"].isin(["lymphocytes", "platelets", "haemoglobin", "leukocytes", "neutrophils"])
    ]
    n_haem = haem["patient_id"].nunique()
    ly = haem.loc[haem["test"] == "lymphocytes"].groupby("patient_id")["grade_v5_0"].max()
    kn = out.key_numbers
    assert kn["ae_any[Lymphocyte count decreased]"] == (int((ly >= 1).sum()), n_haem)
    assert kn["ae_grade3plus[Lymphocyte count decreased]"] == (int((ly >= 3).sum()), n_haem)
    heads = [r[0] for r in _rows(report, "adverse_events") if not r[0].startswith(" ")]
    assert heads[0] == f"Haematological toxicity (n = {n_haem})"
    assert [h.split(" (")[0] for h in heads] == [
        "Haematological toxicity",
        "Hepatic toxicity",
        "Renal toxicity",
        "Other",
    ]
    ae = full.store.read("adverse_events")
    fat = ae.loc[ae["patient_id"].isin(c["patient_id"]) & (ae["term"] == "fatigue"), "patient_id"]
    assert kn["ae_any[Fatigue]"] == (fat.nunique(), len(c))


def test_delta_grade_rows_sum_to_totals(full: Built, rwo: Any) -> None:
    out, report = rwo
    c = course1(full.store)
    for row in _rows(report, "delta_grade"):
        parts = [int(x.split()[0]) for x in row[1:5]]
        assert sum(parts) == int(row[5])
    d = c["delta_grade_lymphocytes"].dropna()
    assert out.key_numbers["delta_grade_total[lymphocytes]"] == int(((d >= 1) & (d <= 4)).sum())


def test_mds_aml_counts(full: Built, rwo: Any) -> None:
    out, _ = rwo
    c = course1(full.store)
    ev = full.store.read("disease_events").merge(c[["patient_id", "course_start"]], on="patient_id")
    ev = ev.loc[pd.to_datetime(ev["event_date"]) >= pd.to_datetime(ev["course_start"])]
    for code in ("mds", "aml"):
        assert (
            out.key_numbers[f"{code}_n"] == ev.loc[ev["event_type"] == code, "patient_id"].nunique()
        )


@pytest.mark.parametrize("endpoint", ["pfs", "os"])
def test_cox_tables_have_global_p_and_reference_rows(full: Built, rwo: Any, endpoint: str) -> None:
    _out, report = rwo
    rows = _rows(report, f"cox_{endpoint}")
    labels = [r[0] for r in rows]
    for factor in ("WHO grade", "Baseline CgA (µg/L)", "Primary site"):
        k = labels.index(factor)
        assert rows[k][1] == "" and rows[k][2] != ""  # heading row with the global p
        assert rows[k + 1][1] == "Reference"
    # the univariable global p of grade = the joint Wald (type 3) test of its levels
    c = course1_pfs(full)
    d = c.assign(t=c[f"{endpoint}_days"] / MONTH, e=c[f"{endpoint}_event"].astype(int))
    fit = stats.cox(
        d, "t", "e", ["who_grade"], categorical=["who_grade"], reference={"who_grade": 1}
    )
    k = labels.index("WHO grade")
    assert rows[k][2] == stats.format_p(float(fit.type3.loc["who_grade", "p"]))
    assert rows[k + 2][1].startswith(
        f"{stats.round_half_up(fit.table.loc['who_grade=2', 'hr'], 2):.2f}"
    )


@pytest.mark.parametrize(
    ("key", "endpoint", "column", "cut"),
    [
        ("os_by_cga", "os", "cga_ge_1000", None),
        ("os_by_albumin", "os", "albumin_bl", 35.0),
        ("pfs_by_sodium", "pfs", "sodium_bl", 135.0),
        ("os_by_nlr", "os", "nlr_bl", 3.0),
    ],
)
def test_km_by_factor_equals_lifelines(
    full: Built, rwo: Any, key: str, endpoint: str, column: str, cut: float | None
) -> None:
    out, report = rwo
    c = course1_pfs(full).dropna(subset=[column])
    g = c[column].astype(bool) if cut is None else c[column] >= cut
    t, e = c[f"{endpoint}_days"] / MONTH, c[f"{endpoint}_event"]
    lr = logrank_test(t[g], t[~g], e[g], e[~g])
    assert out.key_numbers[f"{key}_logrank_p"] == pytest.approx(lr.p_value, rel=1e-6)
    fig = next(f for f in report.figures if f.name == f"km_{key}")
    assert " vs " in fig.caption and fig.caption.split(" by ")[1][:1].islower()
    assert "_" not in fig.caption


def test_prrt2_survival_from_its_own_first_cycle(full: Built, rwo: Any) -> None:
    out, report = rwo
    courses = full.store.read("analysis_patient_course")
    c2 = courses.loc[courses["course_no"] == 2]
    fit = stats.kaplan_meier(c2["os_days"] / MONTH, c2["os_event"].astype(int))
    assert out.key_numbers["prrt2_os_median_months"] == pytest.approx(fit.median, rel=1e-12)
    texts = [str(getattr(b, "text", "")) for b in report.blocks]
    assert any(t.startswith("Time origin: the first cycle of PRRT-2") for t in texts)
    # response after PRRT-2 over its own evaluable patients; with none, counts and no rate
    n_ev = int(c2["bor"].isin(["CR", "PR", "SD", "NON-CR/NON-PD", "PD"]).sum())
    rows = _rows(report, "prrt2_bor")
    if n_ev == 0:
        assert out.key_numbers["prrt2_n_evaluable"] == 0
        assert sum(int(r[1].split()[0]) for r in rows) == len(c2)
        assert not any("%" in r[1] and "CI" in r[1] for r in rows)
    else:
        assert out.key_numbers["prrt2_n_evaluable"] == n_ev


def test_table1_has_sites_and_prior_treatments(full: Built, rwo: Any) -> None:
    _, report = rwo
    rows = {r[0].strip(): r[1] for r in _rows(report, "table1")}
    c = course1(full.store)
    p = full.store.read("prior_treatments").merge(
        c[["patient_id", "course_start"]], on="patient_id"
    )
    p = p.loc[pd.to_datetime(p["start_date"]) <= pd.to_datetime(p["course_start"])]
    ev = p.loc[p["agent"] == "everolimus", "patient_id"].nunique()
    assert rows["Prior treatment: everolimus"].startswith(f"{ev} (")
    assert rows["Metastases: bone"].startswith(f"{int(c['bone_metastases'].sum())} (")
    assert "Treatment modalities before PRRT, n" in rows and "≥ 5" in rows
    assert "Grade 3" in rows


# -- correspondence with the paper and results at a glance -----------------------------------
def test_every_paper_item_is_in_the_report_or_said_why(rwo: Any) -> None:
    _out, report = rwo
    present = {b.table.name for b in report.tables} | {f.name for f in report.figures}
    missing_why = {n.what for n in report.notices}
    allowed: dict[str, str] = {}  # every item is computed on the synthetic cohort
    papers = {item.paper for item in real_world_outcomes.CORRESPONDENCE}
    assert {"Table 1", "Table 2", "Table 3", "Table 4", "Table 5", "Figure 1"} <= papers
    for item in real_world_outcomes.CORRESPONDENCE:
        for name in item.report:
            assert name in present or allowed.get(name) in missing_why, (item, name)


def test_glance_gives_headline_numbers_with_ci(rwo: Any) -> None:
    out, _ = rwo
    kn = out.key_numbers
    glance = " ".join(kn["glance"])
    lo, hi = kn["bor_orr_ci"]
    assert f"{_steps._fmt(kn['orr_pct'])} % (95 % CI {_steps._fmt(lo)}–{_steps._fmt(hi)})" in glance
    lo, hi = kn["pfs_median_ci"]
    assert f"{_steps._fmt(kn['pfs_median_months'])} months (95 % CI {_steps._fmt(lo)}–" in glance
    assert "Chromogranin A ≥ 1000 µg/L" in glance
