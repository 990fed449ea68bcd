"""Persistent-thrombocytopenia report (Ferrara 2025) against independent computations.

Every expected number is computed here from the store with numpy/pandas/scipy (or the criteria
text), never read back from the report; issue 9 defects 3, 6 and 11 and the missing analyses.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from prrt.clinical import ctcae
from prrt.clinical.haematology import derive_platelet_dynamics
from prrt.clinical.settings import DerivationSettings
from prrt.studies import persistent_thrombocytopenia as pt_study

from .conftest import Captured

NAME = "persistent-thrombocytopenia"
MONTH = 30.4375


def table(got: Captured, name: str) -> pd.DataFrame:
    """Display text of a report table (``ReportTable.to_frame``)."""
    return got.tables[f"{NAME}/{name}"].to_frame()


@pytest.fixture(scope="module")
def population(ptdr: Captured) -> pd.DataFrame:
    """Ferrara's population rebuilt from the store: course 1, ≥ 2 cycles, platelets at BL and 2 m."""
    c = ptdr.store.read("analysis_patient_course")
    c = c.loc[c["course_no"] == 1]
    return c.loc[(c["n_cycles"] >= 2) & c["platelets_bl"].notna() & c["platelets_2m"].notna()]


def _ctcae_platelets(x: float, lln: float) -> int:
    """CTCAE v5.0 Platelet count decreased: G1 < LLN – 75, G2 < 75 – 50, G3 < 50 – 25, G4 < 25."""
    if x < 25:
        return 4
    if x < 50:
        return 3
    if x < 75:
        return 2
    return 1 if x < lln else 0


@pytest.mark.parametrize(
    ("value", "lln", "expected"),
    [
        (150.0, 150.0, 0),
        (149.9, 150.0, 1),
        (100.0, 150.0, 1),
        (99.9, 150.0, 1),
        (75.0, 150.0, 1),
        (74.9, 150.0, 2),
        (50.0, 150.0, 2),
        (49.9, 150.0, 3),
        (25.0, 150.0, 3),
        (24.9, 150.0, 4),
        (120.0, 130.0, 1),
        (135.0, 130.0, 0),
    ],
    ids=[
        "ctcae5-platelets-lln-is-g0",
        "ctcae5-platelets-g1-below-lln",
        "ctcae5-platelets-g1-at-100-not-g0",
        "ctcae5-platelets-g1-below-100",
        "ctcae5-platelets-g1-lower-edge",
        "ctcae5-platelets-g2-upper-edge",
        "ctcae5-platelets-g2-lower-edge",
        "ctcae5-platelets-g3-upper-edge",
        "ctcae5-platelets-g3-lower-edge",
        "ctcae5-platelets-g4",
        "ctcae5-platelets-g1-other-lab-lln",
        "ctcae5-platelets-g0-above-other-lln",
    ],
)
def test_two_month_grading_rule_is_ctcae_with_lln(value: float, lln: float, expected: int) -> None:
    """The rule the two-month column now uses (ctcae.md; the old column made 100–LLN grade 0)."""
    assert _ctcae_platelets(value, lln) == expected
    assert ctcae.grade_array("platelets", [value], version="5.0", lln=[lln]).grade[0] == expected


def test_two_month_grades_use_lln_like_during_prrt(
    ptdr: Captured, population: pd.DataFrame
) -> None:
    """Defect 3: the two-month column grades with the LLN (Ferrara: 19 graded vs 8 with PT)."""
    labs = ptdr.store.read("analysis_labs")
    plt_ = labs.loc[labs["test"] == "platelets", ["patient_id", "sample_date", "value", "lln"]]
    m = population[["patient_id", "course_end", "platelets_2m"]].merge(plt_, on="patient_id")
    days = (pd.to_datetime(m["sample_date"]) - pd.to_datetime(m["course_end"])).dt.days
    m = m.loc[(days - 61).abs().le(21) & (m["value"] == m["platelets_2m"])]
    m = m.drop_duplicates("patient_id")
    assert len(m) == len(population)
    grades = [_ctcae_platelets(x, lln) for x, lln in zip(m["value"], m["lln"], strict=True)]
    expected = pd.Series(grades).value_counts().reindex(range(5), fill_value=0)
    n = len(population)
    shown = table(ptdr, "platelet_grades")
    col = f"Two months after PRRT, n (%) of {n}"
    for g in range(5):
        cell = shown.iloc[g][col]
        assert int(cell.split(" ")[0]) == expected[g], (g, cell)
    # more patients are graded ≥ 1 than have PT (< 100 × 10⁹/L): the LLN band counts
    n_pt = int(population["pt"].astype("boolean").sum())
    assert int(expected[1:].sum()) > n_pt
    # the during-PRRT column is the store's worst grade (same CTCAE version and LLN rule)
    worst = population["worst_grade_platelets"].astype(int).value_counts()
    for g in range(5):
        cell = shown.iloc[g][f"During PRRT (worst), n (%) of {n}"]
        assert int(cell.split(" ")[0]) == int(worst.get(g, 0))


def _row(frame: pd.DataFrame, factor: str) -> pd.Series:
    return frame.loc[frame["Factor"] == factor].iloc[0]


def test_roc_auc_oriented_by_declared_direction(ptdr: Captured, population: pd.DataFrame) -> None:
    """Defect 6: lower baseline platelets predict PT → AUC > 0.5 (Ferrara 0.75), direction shown."""
    y = population["pt"].astype(bool).to_numpy()
    x = population["platelets_bl"].astype(float).to_numpy()
    # AUC for "lower predicts" = P(case < control) + ½ P(tie) = U(controls > cases) / (m n)
    u = sps.mannwhitneyu(x[~y], x[y], alternative="two-sided").statistic
    expected = u / (y.sum() * (~y).sum())
    kn = ptdr.outputs[NAME].key_numbers
    assert kn["pt_auc[platelets_bl]"] == pytest.approx(expected, rel=1e-12)
    assert kn["pt_auc[platelets_bl]"] > 0.5
    assert kn["pt_auc_direction[platelets_bl]"] == ">"
    row = _row(table(ptdr, "univariate_pt_continuous"), "Baseline platelets (10⁹/L)")
    assert row["AUC (95 % CI)"].startswith(f"{expected:.2f} (")
    assert row["ROC direction"] == "lower predicts (>)"
    assert any(
        t.startswith("Baseline platelets (10⁹/L), lower values declared to predict")
        and f"ROC AUC {expected:.2f} (" in t
        for t in ptdr.glance[NAME]
    )


def test_wilcoxon_p_with_group_medians(ptdr: Captured, population: pd.DataFrame) -> None:
    """Defect 6: group medians (IQR, SAS PCTLDEF=5) beside the Wilcoxon p (scipy, continuity)."""
    y = population["pt"].astype(bool).to_numpy()
    shown = table(ptdr, "univariate_pt_continuous")
    kn = ptdr.outputs[NAME].key_numbers
    for col, label in (
        ("platelets_bl", "Baseline platelets (10⁹/L)"),
        ("age_at_start", "Age (years)"),
    ):
        x = population[col].astype(float).to_numpy()
        p = sps.mannwhitneyu(
            x[y], x[~y], use_continuity=True, alternative="two-sided", method="asymptotic"
        ).pvalue
        assert kn[f"pt_wilcoxon_p[{col}]"] == pytest.approx(p, rel=1e-9)
        row = _row(shown, label)
        assert row["Wilcoxon p"] == (f"{p:.3f}" if p >= 0.001 else "< 0.001")
        for head, group in (
            ("With persistent thrombocytopenia, median (IQR)", x[y]),
            ("Without persistent thrombocytopenia, median (IQR)", x[~y]),
        ):
            got = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", row[head])]
            q = np.percentile(group, [50, 25, 75], method="averaged_inverted_cdf")
            assert got == pytest.approx(q, abs=0.051), row[head]


def test_table_one_has_prior_history_rows(ptdr: Captured, population: pd.DataFrame) -> None:
    """Ferrara Table 1: previous cancer, any chemotherapy, targeted therapy (n (%) of all)."""
    prior = ptdr.store.read("prior_treatments")
    ids = set(population["patient_id"])
    prior = prior.loc[prior["patient_id"].isin(ids)]
    pats = ptdr.store.read("patients")
    n = len(population)
    expected = {
        "Prior chemotherapy (any)": prior.loc[
            prior["modality"] == "chemotherapy", "patient_id"
        ].nunique(),
        "Prior targeted therapy": prior.loc[
            prior["modality"] == "targeted", "patient_id"
        ].nunique(),
        "Previous cancer": int(pats.loc[pats["patient_id"].isin(ids), "prior_cancer"].sum()),
    }
    shown = table(ptdr, "table1")
    text = shown.astype(str).agg(" | ".join, axis=1).tolist()
    for label, count in expected.items():
        line = next(t for t in text if t.startswith(label))
        assert f"{count} ({100 * count / n:.1f})" in line, line


def test_case_table_columns_and_values(ptdr: Captured, population: pd.DataFrame) -> None:
    """Ferrara Table 2: previous therapy, nadir during PRRT and time to death, one format each."""
    cases = population.loc[population["pt"].astype(bool)].reset_index(drop=True)
    shown = table(ptdr, "pt_cases")
    assert len(shown) == len(cases)
    for col in ("Previous therapy", "Platelet nadir during PRRT", "Death after PRRT (months)"):
        assert col in shown.columns
    # nadir: the platelet engine called directly with the store's settings
    labs = ptdr.store.read("analysis_labs")
    labs = labs.loc[labs["test"] == "platelets"]
    dyn = derive_platelet_dynamics(
        labs[["patient_id", "sample_date", "test", "value"]].assign(
            sample_date=lambda f: pd.to_datetime(f["sample_date"])
        ),
        ptdr.store.read("cycles").assign(cycle_date=lambda f: pd.to_datetime(f["cycle_date"])),
        DerivationSettings(),
    )
    nadir = dyn.loc[dyn["course_no"] == 1].set_index("patient_id")["platelets_nadir"]
    assert shown["Platelet nadir during PRRT"].tolist() == [
        f"{v:.0f}" for v in nadir.reindex(cases["patient_id"])
    ]
    # time from the last cycle to death, months = days / 30.4375
    end = (pd.to_datetime(cases["course_end"]) - pd.to_datetime(cases["course_start"])).dt.days
    months = (cases["os_days"].astype(float) - end) / MONTH
    expected = [
        f"{m:.0f}" if bool(e) else ""
        for m, e in zip(months, cases["os_event"].astype(bool), strict=True)
    ]
    assert shown["Death after PRRT (months)"].tolist() == expected


def test_case_table_has_one_decimal_format_per_column(ptdr: Captured) -> None:
    """Defect 11: no `99` next to `94.10` — every numeric column shows one number of decimals."""
    shown = table(ptdr, "pt_cases")
    for col in shown.columns:
        nums = [v for v in shown[col] if re.fullmatch(r"-?\d+(\.\d+)?", v)]
        decimals = {len(v.split(".")[1]) if "." in v else 0 for v in nums}
        assert len(decimals) <= 1, (col, decimals)


def test_pt_rate_has_exact_ci(ptdr: Captured, population: pd.DataFrame) -> None:
    """Headline: PT rate with its Clopper–Pearson 95 % CI (scipy binomtest, exact)."""
    k, n = int(population["pt"].astype(bool).sum()), len(population)
    ci = sps.binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
    lo, hi = ptdr.outputs[NAME].key_numbers["pt_rate_ci_pct"]
    assert lo == pytest.approx(100 * ci.low, abs=1e-9)
    assert hi == pytest.approx(100 * ci.high, abs=1e-9)
    lines = ptdr.glance[NAME]
    assert any(
        f"{k} of {n} patients" in t and f"{100 * ci.low:.1f}–{100 * ci.high:.1f} %" in t
        for t in lines
    )


def test_glance_lists_significant_predictors(ptdr: Captured, population: pd.DataFrame) -> None:
    """Every binary factor with Wald p < 0.05 (statsmodels logit, independent) is a headline."""
    import statsmodels.api as sm

    y = population["pt"].astype(float)
    lines = " ".join(ptdr.glance[NAME])
    for factor in ("idpc_ge_30", "splenomegaly"):
        d = pd.DataFrame({"y": y, "x": population[factor].astype(float)}).dropna()
        fit = sm.Logit(d["y"], sm.add_constant(d["x"])).fit(disp=0)
        assert fit.pvalues["x"] < 0.05
        assert f"{pt_study.LABELS[factor]}: OR {np.exp(fit.params['x']):.2f}" in lines


def test_forest_plot_of_univariate_results(ptdr: Captured) -> None:
    """Ferrara Figure 3: the univariate odds ratios as a forest plot."""
    assert f"{NAME}/forest_univariate_pt" in ptdr.figures
    pngs = [
        p for p in ptdr.outputs[NAME].paths.values() if p.name.endswith("forest_univariate_pt.png")
    ]
    assert pngs and pngs[0].exists()


def test_correspondence_covers_the_paper(ptdr: Captured) -> None:
    """Every table and figure of Ferrara 2025 is declared; every named report item exists."""
    items = pt_study.CORRESPONDENCE
    papers = {i.paper for i in items}
    assert {"Table 1", "Table 2", "Table 3", "Figure 1", "Figure 2", "Figure 3"} <= papers
    produced = {k.split("/", 1)[1] for k in (*ptdr.tables, *ptdr.figures) if k.startswith(NAME)}
    for item in items:
        assert item.report or item.reason
        assert set(item.report) <= produced, (item.paper, set(item.report) - produced)


def test_pt_cases_still_low_at_twelve_months(ptdr: Captured, population: pd.DataFrame) -> None:
    """Ferrara text: how many PT patients were still < 100 × 10⁹/L at 12 months (of those with
    a 12-month count; the store's derived value)."""
    cases = population.loc[population["pt"].astype(bool), "platelets_12m"].astype(float).dropna()
    got = ptdr.outputs[NAME].key_numbers["pt_cases_lt100_12m"]
    assert got == (int((cases < 100).sum()), len(cases))


@pytest.mark.parametrize(
    ("direction", "auc", "lower", "upper"),
    [
        (">", 0.7818181818, 0.4304855136, 1.0),
        ("<", 0.2181818182, 0.0, 0.5695144864),
    ],
    ids=["proc-direction-gt-lower-predicts", "proc-direction-lt-higher-predicts"],
)
def test_roc_direction_is_procs(direction: str, auc: float, lower: float, upper: float) -> None:
    """The report's direction means what pROC's ``direction`` means (tests/reference/
    pt_roc_direction.R, pROC DeLong CI): ">" = controls > cases = lower values predict PT."""
    from prrt import stats

    pt = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    platelets = [173, 144, 122, 108, 300, 228, 233, 167, 210, 250, 199, 320, 275, 188, 240, 150]
    r = stats.roc_auc(pt, platelets, direction=direction)
    assert r.estimate == pytest.approx(auc, abs=1e-9)
    assert r.ci == pytest.approx((lower, upper), abs=1e-9)


class _Stub:
    """The two store accessors :func:`prior_history` uses, over in-memory tables."""

    def __init__(self, tables: dict[str, pd.DataFrame]) -> None:
        self.tables = tables

    def has_rows(self, name: str) -> bool:
        return name in self.tables and not self.tables[name].empty

    def read(self, name: str) -> pd.DataFrame:
        return self.tables[name]


def test_previous_therapy_abbreviations_as_ferrara_table_2() -> None:
    """CT, CT° (alkylating), TT, EBRT joined in that order; 'None' without prior therapy."""
    from prrt.studies._thrombocytopenia_data import prior_history

    prior = pd.DataFrame(
        {
            "patient_id": ["a", "a", "a", "b", "d", "e"],
            "modality": [
                "chemotherapy",
                "targeted",
                "surgery",
                "radiotherapy",
                "chemotherapy",
                "ssa",
            ],
            "alkylating": [True, None, None, None, False, None],
        }
    )
    pats = pd.DataFrame(
        {"patient_id": list("abcde"), "prior_cancer": [True, False, False, None, False]}
    )
    out = prior_history(
        _Stub({"prior_treatments": prior, "patients": pats}),  # type: ignore[arg-type]
        pd.Series(list("abcde")),
    ).set_index("patient_id")
    assert out["previous_therapy"].tolist() == ["CT°, TT", "EBRT", "None", "CT", "None"]
    assert out["prior_chemotherapy"].tolist() == [True, False, False, True, False]
    assert out["prior_targeted"].tolist() == [True, False, False, False, False]
    assert out["previous_cancer"].tolist()[:3] == [True, False, False]


def test_previous_therapy_unknown_without_records() -> None:
    """No prior-treatment records: flags unknown (not 'no'), text 'Not recorded'."""
    from prrt.studies._thrombocytopenia_data import prior_history

    out = prior_history(_Stub({}), pd.Series(["a", "b"]))  # type: ignore[arg-type]
    assert out["previous_therapy"].tolist() == ["Not recorded"] * 2
    assert out["prior_chemotherapy"].isna().all() and out["previous_cancer"].isna().all()
