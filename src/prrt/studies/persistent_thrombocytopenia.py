"""Study template: predictors of persistent thrombocytopenia after PRRT.

Recipe of Ferrara et al., Front Endocrinol 2025 (seed 000): patients with ≥ 2 cycles and
platelet counts at baseline and ≥ 2 months after the last cycle; Table 1 (with previous
cancer, any chemotherapy and targeted therapy); incidence of persistent thrombocytopenia (PT,
platelets < 100 × 10⁹/L two months after the end of PRRT) with an exact 95 % CI; univariate
logistic analysis of candidate predictors (Wald CI; Fisher exact and modified-Wald OR when the
OR is not estimable; Wilcoxon with group medians and ROC AUC oriented by the clinically expected
direction for continuous factors) and its forest plot (the paper's Figure 3); platelet grades
(CTCAE v5.0 with the laboratory's lower limit of normal) during and two months after PRRT;
platelet trajectories on CTCAE grade bands; the PT cases (the paper's Table 2); Kaplan–Meier
PFS and OS and reverse Kaplan–Meier follow-up. Without bone-involvement records OMIS and pelvic
involvement are treated as unknown (not 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from prrt import stats
from prrt.cohort.store import Store
from prrt.report import ReportTable, figures, vocabulary
from prrt.studies import _display, _steps
from prrt.studies import _thrombocytopenia_data as _ptdata
from prrt.studies._base import NotComputable, StudyOutput, StudyRun, subset
from prrt.studies._correspondence import PaperItem


@dataclass(frozen=True)
class Settings:
    """Every choice of the persistent-thrombocytopenia template (printed in the report)."""

    name: str = "persistent-thrombocytopenia"
    title: str = "Predictors of persistent thrombocytopenia after PRRT"
    source: str = "Ferrara et al., Front Endocrinol 2025 (n = 47)"
    course_no: int = 1
    min_cycles: int = 2
    ctcae_version: str = "5.0"
    pt_definition: str = (
        "platelets < 100 × 10⁹/L at the value closest to day +61 after the last cycle (± 21 days)"
    )
    binary_factors: tuple[str, ...] = (
        "prior_radiotherapy",
        "pelvic_bone_mets",
        "omis_ge_30",
        "splenomegaly",
        "idpc_ge_30",
        "bone_metastases",
        "alkylating",
        "prior_chemotherapy",
        "prior_targeted",
        "previous_cancer",
        "completed_4_cycles",
    )
    trajectory_days_before: int = 30
    trajectory_days_after: int = 450
    continuous_factors: tuple[str, ...] = (
        "platelets_bl",
        "age_at_start",
        "egfr_bl",
        "cumulative_activity_gbq",
    )
    roc_directions: tuple[tuple[str, str], ...] = (
        ("platelets_bl", ">"),
        ("age_at_start", "<"),
        ("egfr_bl", ">"),
        ("cumulative_activity_gbq", "<"),
    )
    """Clinically expected direction of each continuous factor, in pROC's notation: ``">"``
    when lower values predict PT (controls > cases; a low baseline platelet count, Ferrara
    AUC 0.75), ``"<"`` when higher values do. Declared, never flipped after seeing the data."""
    proportion_ci: Literal["clopper-pearson", "wilson"] = "clopper-pearson"
    """Exact (Clopper–Pearson) interval of the PT rate; Wilson score as the option."""
    statistics: str = (
        "logistic regression (Wald CI, Wald p); Fisher exact + modified Wald OR for zero cells; "
        "Wilcoxon rank-sum (normal approximation, continuity correction); ROC AUC with DeLong CI "
        "in the declared direction; exact (Clopper–Pearson) CI of the PT rate; "
        "Kaplan–Meier with log-log CI; reverse Kaplan–Meier follow-up"
    )


SETTINGS = Settings()

LABELS = vocabulary.VARIABLES
"""Display labels: the one vocabulary (:mod:`prrt.report.vocabulary`); add new ones there."""

CORRESPONDENCE: tuple[PaperItem, ...] = (
    PaperItem(
        "Text (Methods)", "Selection of the analysed patients", ("population", "patient_flow")
    ),
    PaperItem("Table 1", "Baseline characteristics of the patients", ("table1",)),
    PaperItem(
        "Table 2",
        "Characteristics of the patients with persistent thrombocytopenia",
        ("pt_cases",),
    ),
    PaperItem(
        "Table 3",
        "Univariate analysis of predictive factors for persistent thrombocytopenia",
        ("univariate_pt", "univariate_pt_continuous"),
    ),
    PaperItem(
        "Figure 3", "Summary of the univariate results (odds ratios)", ("forest_univariate_pt",)
    ),
    PaperItem(
        "Text (Results)",
        "Platelet toxicity grades during PRRT and two months after",
        ("platelet_grades",),
    ),
    PaperItem(
        "Text (Results)",
        "Platelet counts over time (IDPC, nadir, two and twelve months)",
        ("platelet_trajectories",),
    ),
    PaperItem("Text (Results)", "Median progression-free survival", ("km_pfs",)),
    PaperItem("Text (Results)", "Median overall survival", ("km_os",)),
    PaperItem(
        "Figure 1",
        "Osteo-medullary invasion score: worked example on a scan",
        reason="an imaging illustration; the report gives the OMIS values derived from the "
        "bone-involvement records instead",
    ),
    PaperItem(
        "Figure 2",
        "Spleen length measurement on coronal CT",
        reason="an imaging illustration; the report uses the recorded spleen lengths",
    ),
)
"""Every table and figure of Ferrara 2025 and the report item that reproduces it."""


BONE_DERIVED = ("omis_pct", "omis_ge_30", "pelvic_bone_mets")
"""Columns derived from ``bone_involvement`` (OMIS, domain.md §7)."""

NOT_GRADED = "Not graded (no lower limit of normal)"


def _platelet_figure(study: StudyRun, data: pd.DataFrame, settings: Settings) -> None:
    """Platelet trajectories of the analysed patients (PT cases highlighted) on grade bands."""
    labs = study.read("analysis_labs")
    plt_ = labs.loc[
        (labs["test"] == "platelets")
        & (labs["course_no"] == settings.course_no)
        & labs["patient_id"].isin(data["patient_id"])
        & labs["day_from_course_start"].between(
            -settings.trajectory_days_before, settings.trajectory_days_after
        ),
        ["patient_id", "day_from_course_start", "value"],
    ].rename(columns={"day_from_course_start": "day"})
    if plt_.empty:
        raise NotComputable("no platelet counts in the analysis window")
    cases = data.loc[data["pt"].astype("boolean").fillna(False), "patient_id"]
    fig = figures.platelet_trajectory_figure(
        plt_, highlight=list(cases), time_unit="days from the first cycle"
    )
    study.figure(
        fig,
        "platelet_trajectories",
        "Platelet counts from the first cycle (patients with persistent thrombocytopenia in "
        "colour, others grey; circles mark each patient's nadir) on CTCAE v5.0 grade bands.",
    )


def _population(study: StudyRun, settings: Settings) -> pd.DataFrame:
    """Course-1 patients with ≥ 2 cycles and platelets at baseline and two months."""
    courses = study.read("analysis_patient_course")
    first = subset(courses, courses["course_no"] == settings.course_no)
    data = subset(
        first,
        (first["n_cycles"] >= settings.min_cycles)
        & first["platelets_bl"].notna()
        & first["platelets_2m"].notna(),
    )
    if not study.has_rows("bone_involvement"):
        # Without bone-involvement records OMIS and pelvic involvement are unknown, not 0.
        data[list(BONE_DERIVED)] = float("nan")
        study.text(
            "The store has no bone-involvement records: OMIS and pelvic bone metastases are "
            "unknown and left out of the analysis."
        )
    data = data.merge(_ptdata.prior_history(study, data["patient_id"]), on="patient_id", how="left")
    data = data.merge(
        _ptdata.platelet_dynamics(
            study, data, course_no=settings.course_no, ctcae_version=settings.ctcae_version
        ),
        on="patient_id",
        how="left",
    )
    days_to_end = (
        pd.to_datetime(data["course_end"]) - pd.to_datetime(data["course_start"])
    ).dt.days
    died = data["os_event"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    data["death_after_end_months"] = np.where(
        died, (data["os_days"].astype(float) - days_to_end) / _steps.DAYS_PER_MONTH, np.nan
    )
    study.table(
        ReportTable(
            "Study population",
            pd.DataFrame(
                {
                    "Step": [
                        f"Course {settings.course_no} in the store",
                        f"≥ {settings.min_cycles} cycles and platelets at baseline and 2 months",
                    ],
                    "Patients": [len(first), len(data)],
                }
            ),
            "population",
        )
    )
    study.figure(
        figures.flow_diagram(
            [("Patients treated (course 1)", len(first)), ("Analysed", len(data))],
            [("< 2 cycles or missing platelet counts", len(first) - len(data))],
        ),
        "patient_flow",
        "Patient flow.",
    )
    return data


TABLE1_VARIABLES = (
    "sex",
    "age_at_start",
    "primary_site",
    "who_grade",
    "ki67_pct",
    "previous_cancer",
    "bone_metastases",
    "pelvic_bone_mets",
    "omis_ge_30",
    "prior_chemotherapy",
    "alkylating",
    "prior_radiotherapy",
    "prior_targeted",
    "platelets_bl",
    "egfr_bl",
    "splenomegaly",
    "cumulative_activity_gbq",
    "n_cycles",
)
"""Rows of Table 1 in Ferrara's order (prior treatments after the disease rows)."""


def _table_one(study: StudyRun, data: pd.DataFrame) -> None:
    present = [v for v in TABLE1_VARIABLES if v in data.columns]
    study.table(
        _display.table_one_readable(
            data,
            present,
            categorical=[
                v for v in ("sex", "primary_site", "who_grade", "n_cycles") if v in present
            ],
            labels=LABELS,
            title=f"Baseline characteristics of the {len(data)} patients",
        )
    )


def _incidence(study: StudyRun, data: pd.DataFrame, settings: Settings) -> None:
    pt = data["pt"].astype("boolean")
    n_pt, n = int(pt.sum()), int(pt.notna().sum())
    ci = stats.proportion_ci(n_pt, n, method=settings.proportion_ci)
    rate = 100.0 * ci.estimate
    lo, hi = 100.0 * ci.ci[0], 100.0 * ci.ci[1]
    study.uses(ci)
    study.number("pt_n", n_pt)
    study.number("pt_rate_pct", rate)
    study.number("pt_rate_ci_pct", (lo, hi))
    idpc = data["idpc_pct"].astype(float)
    n_idpc = int(data["idpc_ge_30"].astype("boolean").sum())
    study.number("idpc_median", float(idpc.median()))
    study.text(
        f"{n_pt} of {n} patients ({_steps._fmt(rate)} %, exact 95 % CI {_steps._fmt(lo)}–"
        f"{_steps._fmt(hi)} %) had persistent thrombocytopenia ({settings.pt_definition}). "
        f"Median IDPC {_steps._fmt(float(idpc.median()))} % (range "
        f"{_steps._fmt(float(idpc.min()))} to {_steps._fmt(float(idpc.max()))} %); IDPC ≥ 30 % "
        f"in {n_idpc} of {int(idpc.notna().sum())} patients."
    )
    study.glance(
        f"Persistent thrombocytopenia two months after PRRT: {n_pt} of {n} patients "
        f"({_steps._fmt(rate)} %; exact 95 % CI {_steps._fmt(lo)}–{_steps._fmt(hi)} %)."
    )
    study.glance(
        f"Median initial decline of the platelet count (IDPC): {_steps._fmt(float(idpc.median()))} "
        f"%; IDPC ≥ 30 % in {n_idpc} patients."
    )


def _univariate(study: StudyRun, data: pd.DataFrame, settings: Settings) -> None:
    frame = _steps.binary_univariate(
        study,
        data,
        "pt",
        settings.binary_factors,
        settings.continuous_factors,
        labels=LABELS,
        key="pt",
        directions=dict(settings.roc_directions),
    )
    est = frame.set_index("Factor")[["or_estimate", "or_lower", "or_upper"]]
    study.figure(
        figures.forest_figure(
            est.rename(columns={"or_estimate": "or", "or_lower": "lower", "or_upper": "upper"}),
            effect="OR",
        ),
        "forest_univariate_pt",
        "Univariate odds ratios for persistent thrombocytopenia with 95 % CI (logistic "
        "regression, Wald CI; modified-Wald OR where a cell is empty; continuous factors per "
        "unit), log scale.",
    )
    kn = study.key_numbers
    for f in settings.continuous_factors:
        if kn.get(f"pt_wilcoxon_p[{f}]", 1.0) < 0.05 and f"pt_auc[{f}]" in kn:
            lo, hi = kn[f"pt_auc_ci[{f}]"]
            way = "lower" if kn[f"pt_auc_direction[{f}]"] == ">" else "higher"
            auc = kn[f"pt_auc[{f}]"]
            against = (
                " (below 0.5: in this cohort the association runs against the declared direction)"
                if hi < 0.5
                else ""
            )
            study.glance(
                f"{LABELS[f]}, {way} values declared to predict persistent thrombocytopenia: ROC "
                f"AUC {_steps._fmt(auc, 2)} (95 % CI {_steps._fmt(lo, 2)}–{_steps._fmt(hi, 2)})"
                f"{against}; Wilcoxon p {_steps._p_phrase(kn[f'pt_wilcoxon_p[{f}]'])}."
            )
    for row in frame.itertuples():
        if row.p_value < 0.05:
            study.glance(
                f"{row.Factor}: OR {_steps._fmt(row.or_estimate, 2)} (95 % CI "
                f"{_steps._fmt(row.or_lower, 2)}–{_steps._fmt(row.or_upper, 2)}), p "
                f"{_steps._p_phrase(row.p_value)}."
            )


def _grades(study: StudyRun, data: pd.DataFrame, settings: Settings) -> None:
    """Worst platelet grade during PRRT and grade of the two-month value, both CTCAE with LLN."""
    study.require(data, ["worst_grade_platelets"], "platelet grades")
    n = len(data)
    order = [*range(5), NOT_GRADED]
    during = data["worst_grade_platelets"].astype("Float64").astype(object)
    after = pd.Series(data["grade_platelets_2m"].to_numpy(dtype=float)).astype(object)
    columns = {}
    for label, values in (("During PRRT (worst)", during), ("Two months after PRRT", after)):
        keys = pd.Series(
            [NOT_GRADED if pd.isna(v) else int(v) for v in values], dtype=object
        ).value_counts()
        counts = [int(keys.get(k, 0)) for k in order]
        columns[f"{label}, n (%) of {n}"] = [f"{c} ({_steps._fmt(100 * c / n)})" for c in counts]
    rows = pd.DataFrame({f"CTCAE v{settings.ctcae_version} grade": order, **columns})
    graded = pd.Series(data["grade_platelets_2m"].to_numpy(dtype=float))
    if not (graded.isna().any() or during.isna().any()):
        rows = rows.iloc[:5]
    study.number("grade_2m_counts", [int((graded == g).sum()) for g in range(5)])
    study.number("grade_2m_ge1", int((graded >= 1).sum()))
    p2 = stats.describe_continuous(data["platelets_2m"])
    n_pt = int(data["pt"].astype("boolean").sum())
    study.text(
        f"Two months after PRRT, {int((graded >= 1).sum())} of {n} patients had platelet grade "
        f"≥ 1 ({n_pt} with persistent thrombocytopenia, < 100 × 10⁹/L); median platelet count "
        f"{_steps._fmt(p2.median, 0)} × 10⁹/L (range {_steps._fmt(p2.min, 0)}–"
        f"{_steps._fmt(p2.max, 0)})."
    )
    study.table(
        ReportTable(
            "Platelet count decreased: worst grade during PRRT and grade two months after",
            rows.astype({rows.columns[0]: str}),
            "platelet_grades",
            footnote=f"Both columns graded with CTCAE v{settings.ctcae_version} 'Platelet count "
            "decreased' against each laboratory's lower limit of normal (LLN): grade 1 < LLN–75, "
            "grade 2 < 75–50, grade 3 < 50–25, grade 4 < 25 × 10⁹/L. Persistent "
            "thrombocytopenia (< 100 × 10⁹/L) is a subset of grade ≥ 1 at two months. The "
            "two-month value is the one closest to day +61 after the last cycle.",
        )
    )


CASE_COLUMNS: dict[str, int | str | None] = {
    "sex": None,
    "age_at_start": 0,
    "primary_site": None,
    "pelvic_bone_mets": None,
    "egfr_bl": 0,
    "previous_therapy": None,
    "cumulative_activity_gbq": 1,
    "omis_pct": 1,
    "spleen_length_mm": 0,
    "platelets_bl": 0,
    "idpc_pct": 0,
    "platelets_nadir": 0,
    "platelets_2m": 0,
    "platelets_12m": 0,
    "death_after_end_months": 0,
}
"""Rows of Ferrara Table 2 (here columns) and their display decimals: one format per column."""

CASE_LABELS = {
    **LABELS,
    "age_at_start": "Age (y)",
    "primary_site": "Primary",
    "pelvic_bone_mets": "Pelvic bone mets",
    "egfr_bl": "eGFR (mL/min/1.73 m²)",
    "cumulative_activity_gbq": "Activity (GBq)",
    "spleen_length_mm": "Spleen (mm)",
    "platelets_bl": "Platelets at baseline",
    "platelets_nadir": "Platelet nadir during PRRT",
    "platelets_2m": "Platelets at 2 months",
    "platelets_12m": "Platelets at 12 months",
    "death_after_end_months": "Death after PRRT (months)",
}
"""Shorter headers of the wide case table (platelets in 10⁹/L, said in the footnote)."""


def _cases(study: StudyRun, data: pd.DataFrame) -> None:
    cases = data.loc[data["pt"].astype("boolean").fillna(False)]
    if cases.empty:
        raise NotComputable("no patient developed persistent thrombocytopenia")
    cols = [c for c in CASE_COLUMNS if c in cases.columns]
    table = _display.readable(cases[cols]).reset_index(drop=True)
    if "pelvic_bone_mets" in table:
        table["pelvic_bone_mets"] = (
            table["pelvic_bone_mets"]
            .astype("boolean")
            .map({True: "Yes", False: "No"})
            .astype(object)
            .fillna("Unknown")
        )
    numeric = [c for c in cols if CASE_COLUMNS[c] is not None]
    table[numeric] = table[numeric].apply(pd.to_numeric, errors="coerce").astype(float)
    table.insert(0, "Case", range(1, len(table) + 1))
    formats = {CASE_LABELS[c]: f for c, f in CASE_COLUMNS.items() if c in cols and f is not None}
    study.table(
        ReportTable(
            f"Characteristics of the {len(table)} patients with persistent thrombocytopenia",
            table.rename(columns=CASE_LABELS),
            "pt_cases",
            footnote="Platelet counts in 10⁹/L; IDPC, initial decline of the platelet count; "
            "OMIS, osteo-medullary invasion score; eGFR at baseline. CT, chemotherapy; CT°, "
            "chemotherapy with an alkylating agent; TT, targeted therapy; EBRT, external-beam "
            "radiation therapy. Nadir: lowest platelet count during PRRT. Death after PRRT: "
            "months from the last cycle to death (blank: alive at last follow-up). Other "
            "blanks: not measured.",
            column_formats={"Case": "int", **formats},
        )
    )
    m12 = cases["platelets_12m"].astype(float).dropna()
    study.number("pt_cases_lt100_12m", (int((m12 < 100).sum()), len(m12)))
    study.text(
        f"Of the {len(cases)} patients with persistent thrombocytopenia, {len(m12)} had a count "
        f"12 months after PRRT; {int((m12 < 100).sum())} of them were still below 100 × 10⁹/L."
    )


def run(store: Store, out_dir: str | Path, settings: Settings = SETTINGS) -> StudyOutput:
    """Run the template on ``store`` and write the report to ``out_dir``."""
    study = StudyRun.start(store, settings)

    data = study.population("Population", lambda: _population(study, settings))
    if data is None:
        return study.finish(out_dir)

    with study.section("Baseline characteristics"):
        _table_one(study, data)
    with study.section("Incidence of persistent thrombocytopenia"):
        _incidence(study, data, settings)
    with study.section("Univariate analysis of predictors"):
        _univariate(study, data, settings)
    with study.section("Platelet toxicity during and two months after PRRT"):
        study.require_derivation("ctcae_version", settings.ctcae_version, "Platelet grades")
        _grades(study, data, settings)
    with study.section("Platelet trajectories"):
        _platelet_figure(study, data, settings)
    with study.section("Patients with persistent thrombocytopenia"):
        _cases(study, data)
    with study.section("Progression-free survival"):
        _steps.survival_overall(study, data, "pfs", "pfs")
    with study.section("Overall survival"):
        _steps.survival_overall(study, data, "os", "os")
    with study.section("Follow-up"):
        _steps.follow_up(study, data)
    _glance_survival(study)
    return study.finish(out_dir)


def _glance_survival(study: StudyRun) -> None:
    """Follow-up, PFS and OS medians for Results at a glance (as the paper's Results give them)."""
    kn = study.key_numbers
    parts = []
    for key, label in (
        ("followup", "median follow-up"),
        ("pfs", "median progression-free survival"),
        ("os", "median overall survival"),
    ):
        med = kn.get(f"{key}_median_months")
        if med is None:
            continue
        ci = kn.get(f"{key}_median_ci")
        ci_text = f" (95 % CI {_steps._fmt(ci[0])}–{_steps._fmt(ci[1])})" if ci is not None else ""
        parts.append(f"{label} {_steps._fmt(med)} months{ci_text}")
    if parts:
        text = "; ".join(parts)
        study.glance(text[:1].upper() + text[1:] + ".")
