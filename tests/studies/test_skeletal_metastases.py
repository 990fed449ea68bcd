"""Skeletal metastases (J Nucl Med 2025 abstract): the template's numbers re-derived from the store
tables independently, checked with scipy (exact binomial CI, Fisher's exact test), lifelines
(log-rank) and the Cox engine on an independently built landmark frame.

Defects of issue 9 covered: 7 (RECIST "Evaluable 159" while CR + PR + SD + PD = 140) and 8
(PFS by cumulative activity ≥ 29.6 GBq compared from time zero: landmark analysis beside it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from lifelines.statistics import logrank_test
from scipy import stats as sps

from prrt import stats
from prrt.report import Report
from prrt.studies import _steps, skeletal_metastases
from prrt.studies._base import StudyOutput, StudyRun

from .conftest import Built, course1

MONTH = 30.4375
S = skeletal_metastases.SETTINGS


@pytest.fixture(scope="module")
def skel(
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
        out = skeletal_metastases.run(full.store, tmp_path_factory.mktemp("skel"))
    yield out, kept["report"]


def _bone(full: Built) -> pd.DataFrame:
    c = course1(full.store)
    return c.loc[c["bone_metastases"].astype("boolean").fillna(False)].copy()


def _rows(report: Report, name: str) -> list[list[str]]:
    return next(b.table for b in report.tables if b.table.name == name).rows()


# -- defect 7 -------------------------------------------------------------------------------------
@pytest.mark.parametrize("col", ["bor", "mda_bor"])
def test_response_evaluable_equals_sum_of_categories(full: Built, skel: Any, col: str) -> None:
    out, report = skel
    b = _bone(full)
    ev = b[col].isin(["CR", "PR", "SD", "NON-CR/NON-PD", "PD"])
    n, x = int(ev.sum()), int(b[col].isin(["CR", "PR"]).sum())
    assert out.key_numbers[f"n_evaluable[{col}]"] == n
    assert out.key_numbers[f"orr_pct[{col}]"] == pytest.approx(100 * x / n, rel=1e-12)
    ci = sps.binomtest(x, n).proportion_ci(method="exact")
    assert out.key_numbers[f"orr_ci[{col}]"] == pytest.approx(
        (100 * ci.low, 100 * ci.high), rel=1e-9
    )
    table = next(b.table for b in report.tables if b.table.name == "response")
    header = table.header()
    cats = [i for i, h in enumerate(header) if h in ("CR", "PR", "SD", "Non-CR/non-PD", "PD")]
    assert len(cats) >= 4
    for row in table.rows():
        assert int(row[1]) == sum(int(row[i]) for i in cats)


def test_recist_evaluable_excludes_not_evaluable(full: Built, skel: Any) -> None:
    """The old table printed Evaluable = 159 (every patient with a ``bor``, NE included)."""
    out, _ = skel
    b = _bone(full)
    assert (b["bor"] == "NE").sum() > 0
    assert out.key_numbers["n_evaluable[bor]"] == len(b) - int(
        (~b["bor"].isin(["CR", "PR", "SD", "NON-CR/NON-PD", "PD"])).sum()
    )
    assert out.key_numbers["n_evaluable[bor]"] < len(b)


# -- missing analyses ---------------------------------------------------------------------------
def test_orr_by_bone_burden_matches_fisher(full: Built, skel: Any) -> None:
    out, _ = skel
    b = _bone(full)
    bi = full.store.read("bone_involvement").merge(
        b[["patient_id", "course_start"]], on="patient_id"
    )
    first = bi.loc[bi["exam_date"] == bi.groupby("patient_id")["exam_date"].transform("min")]
    sites = b["patient_id"].map(first.groupby("patient_id")["lesion_count"].sum())
    for col in ("mda_bor", "bor"):
        ev = b[col].isin(["CR", "PR", "SD", "NON-CR/NON-PD", "PD"]) & sites.notna()
        resp = b[col].isin(["CR", "PR"])
        low, high = sites.le(10), sites.gt(10)
        t = np.array(
            [
                [int((ev & low & resp).sum()), int((ev & low & ~resp).sum())],
                [int((ev & high & resp).sum()), int((ev & high & ~resp).sum())],
            ]
        )
        kn = out.key_numbers
        assert kn[f"orr_by_burden[{col}][≤ 10 sites]"] == (t[0, 0], t[0].sum())
        assert kn[f"orr_by_burden[{col}][> 10 sites]"] == (t[1, 0], t[1].sum())
        assert kn[f"orr_by_burden_p[{col}]"] == pytest.approx(sps.fisher_exact(t).pvalue, rel=1e-9)


def test_bone_pain_ordered_with_labels(full: Built, skel: Any) -> None:
    out, report = skel
    rows = _rows(report, "bone_pain")
    assert [r[0] for r in rows[:4]] == [
        "Complete resolution",
        "Partial reduction",
        "Stable",
        "Progression",
    ]
    assert rows[4][0].startswith("Not evaluable")
    b = _bone(full)
    sr = full.store.read("symptom_responses")
    with_pain = (
        b["patient_id"].isin(sr.loc[sr["symptom"] == "bone_pain", "patient_id"])
        | b["bone_pain_response"].notna()
    )
    n = int(with_pain.sum())
    assert out.key_numbers["bone_pain_n"] == n
    assert sum(int(r[1].split()[0]) for r in rows) == n
    got = b.loc[with_pain, "bone_pain_response"].value_counts()
    assert int(rows[1][1].split()[0]) == int(got.get("partial", 0))


def test_any_grade_4_5_row(full: Built, skel: Any) -> None:
    out, report = skel
    b = _bone(full)
    lab = b[[c for c in b.columns if c.startswith("worst_grade_")]].astype(float).max(axis=1)
    ae = full.store.read("adverse_events")
    clin = b["patient_id"].map(ae.groupby("patient_id")["grade"].max()).astype(float)
    expected = int((np.fmax(lab.to_numpy(), clin.to_numpy()) >= 4).sum())
    rows = _rows(report, "safety")
    assert rows[0][0] == "Any adverse event of grade 4–5"
    assert rows[0][1].startswith(f"{expected} (")
    assert out.key_numbers["grade45_any"] == expected


# -- defect 8: landmark for cumulative activity ------------------------------------------------
def _activity_by(full: Built, b: pd.DataFrame, at_months: float) -> pd.Series:
    cy = full.store.read("cycles")
    cy = cy.loc[cy["course_no"] == 1].merge(b[["patient_id", "course_start"]], on="patient_id")
    day = (pd.to_datetime(cy["cycle_date"]) - pd.to_datetime(cy["course_start"])).dt.days
    gbq = cy.loc[day <= at_months * MONTH].groupby("patient_id")["activity_gbq"].sum()
    return b["patient_id"].map(gbq).fillna(0.0)


@pytest.mark.parametrize("endpoint", ["pfs", "os"])
def test_activity_landmark_matches_lifelines(full: Built, skel: Any, endpoint: str) -> None:
    out, report = skel
    L = S.landmark_months
    b = _bone(full)
    t = b[f"{endpoint}_days"] / MONTH
    keep = t > L
    d = b.loc[keep]
    hi = _activity_by(full, b, L)[keep] >= 29.6 - 1e-9
    e = d[f"{endpoint}_event"]
    lr = logrank_test(t[keep][hi] - L, t[keep][~hi] - L, e[hi], e[~hi])
    kn = out.key_numbers
    key = f"{endpoint}_by_activity_landmark"
    assert kn[f"{key}_landmark_n"] == int(keep.sum())
    assert kn[f"{key}_logrank_p"] == pytest.approx(lr.p_value, rel=1e-6)
    assert kn[f"{key}_n[≥ 29.6 GBq]"] == int(hi.sum())
    assert f"{endpoint}_by_activity_logrank_p" in kn  # the paper's comparison is kept
    # the multivariable model from the landmark, on an independently built frame
    labs = full.store.read("analysis_labs")
    alp = labs.loc[
        (labs["test"] == "alp") & (labs["course_no"] == 1) & (labs["period"] == "baseline")
    ]
    alp = alp.sort_values("sample_date").groupby("patient_id").last()
    frame = pd.DataFrame(
        {
            "t": t[keep] - L,
            "e": e.astype(int),
            "cum_activity_ge_29_6": hi.astype(float),
            "alp_gt_uln": d["patient_id"].map((alp["value"] > alp["uln"]).astype(float)),
            "male": (d["sex"] == "M").astype(float),
        }
    ).dropna()
    fit = stats.cox(frame, "t", "e", ["cum_activity_ge_29_6", "alp_gt_uln", "male"])
    assert kn[f"cox_{endpoint}_landmark_hr[cum_activity_ge_29_6]"] == pytest.approx(
        fit.table.loc["cum_activity_ge_29_6", "hr"], rel=1e-9
    )
    captions = [f.caption for f in report.figures if f.name == f"km_{key}"]
    assert captions and "Landmark analysis" in captions[0] and "≥ 29.6 GBq" in captions[0]


# -- correspondence and glance -----------------------------------------------------------------
def test_every_paper_item_is_in_the_report(skel: Any) -> None:
    _, report = skel
    present = {b.table.name for b in report.tables} | {f.name for f in report.figures}
    for item in skeletal_metastases.CORRESPONDENCE:
        assert item.reason or set(item.report) <= present, item


def test_glance_gives_orr_with_ci_and_key_hrs(skel: Any) -> None:
    out, _ = skel
    kn = out.key_numbers
    glance = " ".join(kn["glance"])
    lo, hi = kn["orr_ci[mda_bor]"]
    assert (
        f"{_steps._fmt(kn['orr_pct[mda_bor]'])} % (95 % CI {_steps._fmt(lo)}–{_steps._fmt(hi)})"
        in glance
    )
    hr = kn["cox_pfs_hr[cum_activity_ge_29_6]"]
    assert f"HR {_steps._fmt(hr, 2)}" in glance
    lm = kn["cox_pfs_landmark_hr[cum_activity_ge_29_6]"]
    assert "reached by the landmark, same model for progression-free survival" in glance
    assert f"HR {_steps._fmt(lm, 2)}" in glance
