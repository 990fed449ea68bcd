"""Dose–response report (Hebert 2024) against independent computations.

Expected numbers come from the store (raw tables or the dosimetry area's derived tables), scipy
and statsmodels, never from the report; issue 9 defect 11 and the missing analyses.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from prrt.dosimetry.settings import DosimetrySettings
from prrt.studies import dose_response as dr_study

from .conftest import Captured

NAME = "dose-response"
MONTH = 30.4375


def table(got: Captured, name: str) -> pd.DataFrame:
    """Display text of a report table (``ReportTable.to_frame``)."""
    return got.tables[f"{NAME}/{name}"].to_frame()


@pytest.fixture(scope="module")
def population(ptdr: Captured) -> pd.DataFrame:
    """Hebert's population rebuilt from the store: course 1 with any cumulative organ dose."""
    c = ptdr.store.read("analysis_patient_course")
    s = ptdr.store.read("analysis_dose_summary")
    s = s.loc[s["course_no"] == 1].dropna(
        subset=["kidneys_gy", "spleen_gy", "liver_gy", "bone_marrow_gy"], how="all"
    )
    return c.loc[c["course_no"] == 1].merge(
        s.drop(columns=["course_no", "cumulative_activity_gbq", "n_cycles"]), on="patient_id"
    )


@pytest.fixture(scope="module")
def lesion_doses(ptdr: Captured, population: pd.DataFrame) -> pd.DataFrame:
    """Per-cycle doses of the target lesions, one method per cycle chosen here by the declared
    preference (independent of the report's selection code)."""
    d = ptdr.store.read("absorbed_doses")
    d = d.loc[
        (d["course_no"] == 1)
        & (d["structure"] == "lesion")
        & d["patient_id"].isin(population["patient_id"])
    ]
    rank = {m: i for i, m in enumerate(DosimetrySettings().method_preference)}
    d = d.assign(r=d["method"].map(rank)).sort_values("r")
    d = d.drop_duplicates(["patient_id", "cycle_no", "lesion_id"])
    les = ptdr.store.read("analysis_lesion_dose")
    inc = les.loc[
        (les["course_no"] == 1) & les["included"].astype(bool), ["patient_id", "lesion_id"]
    ]
    return d.merge(inc, on=["patient_id", "lesion_id"])


def test_lab_toxicity_has_n_percent_and_gfr(ptdr: Captured, population: pd.DataFrame) -> None:
    """Defect 11: Hebert Table 3 with n (%) of the patients graded and the GFR (CKD) row."""
    labs = ptdr.store.read("analysis_labs")
    labs = labs.loc[
        labs["patient_id"].isin(population["patient_id"]) & (labs["period"] == "on_treatment")
    ]
    shown = table(ptdr, "lab_toxicity").set_index("Term")
    assert "eGFR decreased (chronic kidney disease)" in shown.index
    for test, term in (
        ("egfr", "eGFR decreased (chronic kidney disease)"),
        ("platelets", "Platelet count decreased"),
        ("lymphocytes", "Lymphocyte count decreased"),
        ("neutrophils", "Neutrophil count decreased"),
    ):
        worst = labs.loc[labs["test"] == test].groupby("patient_id")["grade_v4_03"].max().dropna()
        n = len(worst)
        row = shown.loc[term]
        assert int(row["Patients graded, n"]) == n
        total = 0
        for g in range(5):
            k = int((worst == g).sum())
            assert row[f"Grade {g}, n (%)"] == f"{k} ({100 * k / n:.1f})", (term, g)
            total += k
        assert total == n


def _near(labs: pd.DataFrame, ends: pd.Series, test: str, target: int, window: int) -> pd.Series:
    lab = labs.loc[labs["test"] == test].merge(
        ends.rename("end"), left_on="patient_id", right_index=True
    )
    dist = (
        (pd.to_datetime(lab["sample_date"]) - pd.to_datetime(lab["end"])).dt.days - target
    ).abs()
    lab = lab.assign(dist=dist, d=pd.to_datetime(lab["sample_date"])).loc[dist <= window]
    lab = lab.sort_values(["patient_id", "dist", "d"]).drop_duplicates("patient_id")
    return lab.set_index("patient_id")["value"]


def test_labs_before_after_have_n_and_gfr(ptdr: Captured, population: pd.DataFrame) -> None:
    """Defect 11: Hebert Table 4 with n per window and the GFR row; paired t (scipy)."""
    labs = ptdr.store.read("analysis_labs")
    labs = labs.loc[labs["patient_id"].isin(population["patient_id"])]
    ends = population.set_index("patient_id")["course_end"]
    shown = table(ptdr, "labs_before_after").set_index("Test")
    for test in ("egfr", "platelets", "neutrophils"):
        row = shown.loc[dr_study.LAB_LABELS[test]]
        for label, target, window in (("3 months", 91, 30), ("12 months", 365, 45)):
            after = _near(labs, ends, test, target, window)
            pair = pd.concat(
                [population.set_index("patient_id")[f"{test}_bl"], after], axis=1, join="inner"
            ).dropna()
            assert int(row[f"{label}: n"]) == len(pair)
            t = sps.ttest_rel(pair.iloc[:, 0], pair.iloc[:, 1])
            kn = ptdr.outputs[NAME].key_numbers[f"paired_t_p[{test},{label}]"]
            assert kn == pytest.approx(t.pvalue, rel=1e-9)
            m, sd = pair.iloc[:, 1].mean(), pair.iloc[:, 1].std(ddof=1)
            assert row[f"{label}: after, mean (SD)"] == f"{m:.1f} ({sd:.1f})"


def test_tables_and_figures_have_distinct_captions(ptdr: Captured) -> None:
    """Defect 11: Tables 6 and 7 (PFS by mean / by minimum dose) no longer share a caption."""
    titles = [t.title for k, t in ptdr.tables.items() if k.startswith(NAME)]
    assert len(titles) == len(set(titles)), titles
    captions = [c for k, c in ptdr.figures.items() if k.startswith(NAME)]
    assert len(captions) == len(set(captions))


def test_lesion_row_of_the_dose_table(ptdr: Captured, lesion_doses: pd.DataFrame) -> None:
    """Hebert Table 5 lesion row: per-cycle medians over lesions, total per lesion."""
    shown = table(ptdr, "absorbed_doses")
    row = shown.loc[shown["Structure"].str.startswith("Target lesions")].iloc[0]
    n = lesion_doses[["patient_id", "lesion_id"]].drop_duplicates().shape[0]
    assert row["Structure"] == f"Target lesions (n = {n})"
    for c in (1, 2, 3, 4):
        v = lesion_doses.loc[lesion_doses["cycle_no"] == c, "dose_gy"]
        assert row[f"Cycle {c}"] == f"{v.median():.2f} ({v.min():.2f}–{v.max():.2f})"
    total = lesion_doses.groupby(["patient_id", "lesion_id"])["dose_gy"].sum()
    assert row["Total"] == f"{total.median():.2f} ({total.min():.2f}–{total.max():.2f})"
    # the dosimetry area's per-lesion totals (a separate derivation) agree
    les = ptdr.store.read("analysis_lesion_dose")
    les = les.loc[(les["course_no"] == 1) & les["included"].astype(bool)].set_index(
        ["patient_id", "lesion_id"]
    )
    assert total.to_numpy() == pytest.approx(
        les["total_dose_gy"].reindex(total.index).to_numpy(), rel=1e-9
    )


def test_dosimetric_indices(ptdr: Captured, lesion_doses: pd.DataFrame) -> None:
    """Hebert Table 6: median (range) of mean/min/max total lesion dose per patient."""
    total = lesion_doses.groupby(["patient_id", "lesion_id"])["dose_gy"].sum()
    per = total.groupby(level="patient_id").agg(["mean", "min", "max"])
    shown = table(ptdr, "dosimetric_indices").iloc[0]
    for k, label in dr_study._dr.INDEX_LABELS.items():
        v = per[k]
        assert shown[label] == f"{v.median():.2f} ({v.min():.2f}–{v.max():.2f})"
    summary = ptdr.store.read("analysis_dose_summary").set_index("patient_id")
    assert per["mean"].to_numpy() == pytest.approx(
        summary.loc[summary["course_no"] == 1, "lesion_dose_mean_gy"].reindex(per.index), rel=1e-9
    )


def _page_p(x: np.ndarray, predicted: list[int]) -> float:
    """Page's L test, normal approximation (Page 1963): one-sided p for the predicted order."""
    m, n = x.shape
    ranks = np.apply_along_axis(sps.rankdata, 1, x)
    L = float((ranks.sum(axis=0) * np.asarray(predicted)).sum())
    mean = m * n * (n + 1) ** 2 / 4
    var = m * n**2 * (n + 1) * (n**2 - 1) / 144
    return float(sps.norm.sf((L - mean) / np.sqrt(var)))


def test_lesion_dose_trend_across_cycles(ptdr: Captured, lesion_doses: pd.DataFrame) -> None:
    """Hebert: lesion doses decrease from cycle 1 to 4 (P < 0.001); Friedman and Page by hand."""
    wide = (
        lesion_doses.pivot_table(
            index=["patient_id", "lesion_id"], columns="cycle_no", values="dose_gy"
        )
        .reindex(columns=[1, 2, 3, 4])
        .dropna()
    )
    x = wide.to_numpy()
    m, k = x.shape
    r = np.apply_along_axis(sps.rankdata, 1, x).sum(axis=0)
    chi2 = 12 / (m * k * (k + 1)) * (r**2).sum() - 3 * m * (k + 1)
    kn = ptdr.outputs[NAME].key_numbers
    assert kn["trend_friedman_p[lesion]"] == pytest.approx(sps.chi2.sf(chi2, 3), rel=1e-6)
    assert kn["trend_page_p[lesion]"] == pytest.approx(_page_p(x, [4, 3, 2, 1]), rel=1e-6)
    row = table(ptdr, "dose_trend").set_index("Structure").loc["Lesions"]
    assert int(row["Complete series, n"]) == m
    assert np.median(x[:, 0]) > np.median(x[:, 3])


def _change(ptdr: Captured, population: pd.DataFrame, test: str) -> pd.Series:
    labs = ptdr.store.read("analysis_labs")
    on = labs.loc[(labs["period"] == "on_treatment") & (labs["test"] == test)]
    nadir = on.groupby("patient_id")["value"].min()
    base = population.set_index("patient_id")[f"{test}_bl"]
    return (100 * (nadir - base) / base).dropna()


@pytest.mark.parametrize(
    ("organ", "test", "label"),
    [
        ("bone_marrow", "neutrophils", "Neutrophils"),
        ("spleen", "neutrophils", "Neutrophils"),
        ("bone_marrow", "platelets", "Platelets"),
        ("kidneys", "egfr", "eGFR"),
    ],
)
def test_dose_versus_laboratory_change(
    ptdr: Captured, population: pd.DataFrame, organ: str, test: str, label: str
) -> None:
    """Hebert Fig. 5 / Suppl. Figs 3–4: Spearman of cumulative organ dose (the dosimetry area's
    summary) with % change baseline → nadir; neutrophils and eGFR included, with n and p."""
    dose = population.set_index("patient_id")[f"{organ}_gy"]
    d = pd.concat([dose, _change(ptdr, population, test)], axis=1, join="inner").dropna()
    rho, p = sps.spearmanr(d.iloc[:, 0], d.iloc[:, 1])
    kn = ptdr.outputs[NAME].key_numbers
    assert kn[f"spearman_n[{organ},{test}]"] == len(d)
    assert kn[f"spearman_rho[{organ},{test}]"] == pytest.approx(rho, abs=1e-12)
    assert kn[f"spearman_p[{organ},{test}]"] == pytest.approx(p, rel=1e-9)
    shown = table(ptdr, "dose_blood")
    row = shown.loc[
        (shown["Cumulative dose"] == dr_study.STRUCTURE_LABELS[organ])
        & (shown["Laboratory value"] == label)
    ].iloc[0]
    assert int(row["n"]) == len(d)
    figure = {"bone_marrow": "loess_marrow", "spleen": "loess_spleen", "kidneys": "kidney_gfr"}
    assert f"{NAME}/{figure[organ]}" in ptdr.figures


@pytest.mark.parametrize("endpoint", ["pfs", "os"])
@pytest.mark.parametrize("index", ["mean", "min"])
def test_survival_by_dose_index_hazard_ratio(
    ptdr: Captured, lesion_doses: pd.DataFrame, population: pd.DataFrame, endpoint: str, index: str
) -> None:
    """Hebert Fig. 6: KM OS and PFS by mean and minimum total lesion dose; HR (statsmodels
    PHReg, Breslow ties) of above vs at or below the median."""
    import statsmodels.api as sm

    total = lesion_doses.groupby(["patient_id", "lesion_id"])["dose_gy"].sum()
    idx = total.groupby(level="patient_id").agg(index).rename("idx")
    d = population.set_index("patient_id").join(idx, how="inner")
    d = d.dropna(subset=[f"{endpoint}_days", f"{endpoint}_event"])
    high = (d["idx"] > d["idx"].median()).astype(float)
    fit = sm.PHReg(
        d[f"{endpoint}_days"].astype(float) / MONTH,
        high.to_frame(),
        status=d[f"{endpoint}_event"].astype(int),
        ties="breslow",
    ).fit()
    kn = ptdr.outputs[NAME].key_numbers
    assert kn[f"{endpoint}_hr[{index}]"] == pytest.approx(np.exp(fit.params[0]), rel=1e-5)
    assert f"{NAME}/km_{endpoint}_by_{index}" in ptdr.figures
    assert f"{NAME}/{endpoint}_by_{index}_table" in ptdr.tables


def test_glance_and_correspondence(ptdr: Captured) -> None:
    """Every table and figure of Hebert 2024 is declared; every named report item exists; the
    glance gives the headline lesion dose and the HRs with CIs."""
    papers = {i.paper for i in dr_study.CORRESPONDENCE}
    assert {f"Table {k}" for k in range(1, 7)} <= papers
    assert {f"Figure {k}" for k in range(1, 7)} <= papers
    assert {f"Supplemental Figure {k}" for k in range(1, 5)} <= papers
    produced = {k.split("/", 1)[1] for k in (*ptdr.tables, *ptdr.figures) if k.startswith(NAME)}
    for item in dr_study.CORRESPONDENCE:
        assert set(item.report) <= produced, (item.paper, set(item.report) - produced)
    lines = " ".join(ptdr.glance[NAME])
    assert "Median total absorbed dose by the" in lines
    assert "HR" in lines and "95 % CI" in lines
    # the marrow–platelet Spearman ρ (checked against scipy in test_dose_versus_laboratory_change)
    rho = ptdr.outputs[NAME].key_numbers["spearman_rho[bone_marrow,platelets]"]
    assert (
        "Cumulative bone-marrow absorbed dose versus the change of platelets from baseline to the "
        f"lowest value during PRRT: Spearman ρ = {rho:.2f}"
    ) in lines


def test_dosimetry_without_lesions_keeps_the_organ_analyses(
    ptdr: Captured, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Organ dosimetry without lesion doses: the lesion steps say why; the organ ones remain."""
    from prrt.studies import run_study
    from prrt.studies._base import StudyRun

    read, has_rows = StudyRun.read, StudyRun.has_rows

    def _read(self: StudyRun, name: str) -> pd.DataFrame:
        frame = read(self, name)
        if name == "absorbed_doses":
            return frame.loc[frame["structure"] != "lesion"]
        return frame.iloc[0:0] if name == "analysis_lesion_dose" else frame

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(StudyRun, "read", _read)
        mp.setattr(
            StudyRun, "has_rows", lambda s, n: n != "analysis_lesion_dose" and has_rows(s, n)
        )
        out = run_study(NAME, ptdr.store, tmp_path_factory.mktemp("nolesion"))
    skipped = {s for s, _ in out.not_computed}
    assert "Lesion absorbed-dose histograms" in skipped
    assert "Dosimetric indices of the target lesions" in skipped
    assert "Cumulative organ dose versus change in laboratory values" not in skipped
    assert "Absorbed doses" not in skipped
    assert "trend_page_p[kidneys]" in out.key_numbers


def test_best_response_of_evaluable_patients(ptdr: Captured, population: pd.DataFrame) -> None:
    """Hebert Results: RECIST best response n (%) of the evaluable patients (sums to n)."""
    bor = population["bor"]
    evaluable = bor.loc[bor.isin(["CR", "PR", "SD", "PD", "NON-CR/NON-PD"])]
    n = len(evaluable)
    shown = table(ptdr, "best_response").set_index("Response")
    col = f"Patients, n (%) of {n} evaluable"
    total = 0
    for code, words in (
        ("CR", "Complete response"),
        ("PR", "Partial response"),
        ("SD", "Stable disease"),
        ("PD", "Progressive disease"),
    ):
        k = int((evaluable == code).sum())
        assert shown.loc[words, col] == f"{k} ({100 * k / n:.1f})"
        total += k
    assert total + int((evaluable == "NON-CR/NON-PD").sum()) == n
    assert (
        f"{len(population) - n} patients were not evaluable"
        in ptdr.tables[f"{NAME}/best_response"].footnote
    )
