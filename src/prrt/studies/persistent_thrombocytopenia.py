"""Study template: predictors of persistent thrombocytopenia after PRRT.

Recipe of Ferrara et al., Front Endocrinol 2025 (seed 000): patients with ≥ 2 cycles and
platelet counts at baseline and ≥ 2 months after the last cycle; Table 1; incidence of
persistent thrombocytopenia (PT, platelets < 100 × 10⁹/L two months after the end of PRRT);
univariate logistic analysis of candidate predictors (Wald CI; Fisher exact and
modified-Wald OR when the OR is not estimable; Wilcoxon and ROC AUC for continuous
factors); platelet grade tables during and after PRRT; platelet trajectories on CTCAE grade
bands; the PT cases; Kaplan–Meier PFS and OS and reverse Kaplan–Meier follow-up. Without
bone-involvement records OMIS and pelvic involvement are treated as unknown (not 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from prrt.cohort.store import Store
from prrt.report import ReportTable, figures, vocabulary
from prrt.studies import _display, _steps
from prrt.studies._base import NotComputable, StudyOutput, StudyRun, subset


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
    statistics: str = (
        "logistic regression (Wald CI, Wald p); Fisher exact + modified Wald OR for zero cells; "
        "Wilcoxon rank-sum (normal approximation, continuity correction); ROC AUC with DeLong CI; "
        "Kaplan–Meier with log-log CI; reverse Kaplan–Meier follow-up"
    )


SETTINGS = Settings()

LABELS = vocabulary.VARIABLES
"""Display labels: the one vocabulary (:mod:`prrt.report.vocabulary`); add new ones there."""


BONE_DERIVED = ("omis_pct", "omis_ge_30", "pelvic_bone_mets")
"""Columns derived from ``bone_involvement`` (OMIS, domain.md §7)."""


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


def run(store: Store, out_dir: str | Path, settings: Settings = SETTINGS) -> StudyOutput:
    """Run the template on ``store`` and write the report to ``out_dir``."""
    study = StudyRun.start(store, settings)

    data = study.population("Population", lambda: _population(study, settings))
    if data is None:
        return study.finish(out_dir)

    with study.section("Baseline characteristics"):
        variables = [
            "sex",
            "age_at_start",
            "primary_site",
            "who_grade",
            "ki67_pct",
            "bone_metastases",
            "pelvic_bone_mets",
            "omis_ge_30",
            "alkylating",
            "prior_radiotherapy",
            "platelets_bl",
            "egfr_bl",
            "splenomegaly",
            "cumulative_activity_gbq",
            "n_cycles",
        ]
        present = [v for v in variables if v in data.columns]
        study.table(
            _display.table_one_readable(
                data,
                present,
                categorical=[
                    "sex",
                    "primary_site",
                    "who_grade",
                    "bone_metastases",
                    "pelvic_bone_mets",
                    "omis_ge_30",
                    "alkylating",
                    "prior_radiotherapy",
                    "splenomegaly",
                    "n_cycles",
                ],
                labels=LABELS,
                title=f"Baseline characteristics of the {len(data)} patients",
            )
        )

    with study.section("Incidence of persistent thrombocytopenia"):
        pt = data["pt"].astype("boolean")
        n_pt = int(pt.sum())
        rate = 100.0 * n_pt / len(data)
        study.number("pt_n", n_pt)
        study.number("pt_rate_pct", rate)
        idpc = data["idpc_pct"].astype(float)
        study.number("idpc_median", float(idpc.median()))
        study.text(
            f"{n_pt} of {len(data)} patients ({_steps._fmt(rate)} %) had persistent "
            f"thrombocytopenia ({settings.pt_definition}). Median IDPC "
            f"{_steps._fmt(float(idpc.median()))} % (range {_steps._fmt(float(idpc.min()))} to "
            f"{_steps._fmt(float(idpc.max()))}); IDPC ≥ 30 % in "
            f"{int(data['idpc_ge_30'].astype('boolean').sum())} patients."
        )

    with study.section("Univariate analysis of predictors"):
        _steps.binary_univariate(
            study,
            data,
            "pt",
            settings.binary_factors,
            settings.continuous_factors,
            labels=LABELS,
            key="pt",
        )

    with study.section("Platelet toxicity during and two months after PRRT"):
        grade_col = "worst_grade_platelets"
        study.require(data, [grade_col], "platelet grades")
        counts = data[grade_col].astype("Int64").value_counts().reindex(range(5), fill_value=0)
        two_month = pd.cut(
            data["platelets_2m"].astype(float),
            bins=[-1, 25, 50, 75, 100, 1e9],
            right=False,
            labels=["4", "3", "2", "1", "0"],
        ).value_counts()
        rows = []
        for g in range(5):
            n_during = int(counts.get(g, 0))
            n_after = int(two_month.get(str(g), 0))
            rows.append(
                {
                    f"CTCAE v{settings.ctcae_version} grade": g,
                    "During PRRT, n (%)": f"{n_during} ({_steps._fmt(100 * n_during / len(data))})",
                    "Two months after, n (%)": f"{n_after} ({_steps._fmt(100 * n_after / len(data))})",
                }
            )
        study.table(
            ReportTable(
                "Platelet count decreased: worst grade during PRRT and grade two months after",
                pd.DataFrame(rows),
                "platelet_grades",
                footnote="Two-month grades use the absolute CTCAE thresholds (75/50/25 × 10⁹/L) "
                "and < 100 × 10⁹/L for grade ≥ 1 as in the study.",
            )
        )

    with study.section("Platelet trajectories"):
        _platelet_figure(study, data, settings)

    with study.section("Patients with persistent thrombocytopenia"):
        cases = data.loc[data["pt"].astype("boolean").fillna(False)]
        if cases.empty:
            raise NotComputable("no patient developed persistent thrombocytopenia")
        cols = [
            c
            for c in (
                "sex",
                "age_at_start",
                "primary_site",
                "pelvic_bone_mets",
                "egfr_bl",
                "cumulative_activity_gbq",
                "omis_pct",
                "spleen_length_mm",
                "platelets_bl",
                "idpc_pct",
                "platelets_2m",
                "platelets_12m",
            )
            if c in cases.columns
        ]
        table = _display.readable(cases[cols]).reset_index(drop=True)
        numeric = [c for c in cols if c not in ("sex", "primary_site", "pelvic_bone_mets")]
        table[numeric] = table[numeric].apply(pd.to_numeric, errors="coerce").round(1)
        table.insert(0, "Case", range(1, len(table) + 1))
        study.table(
            ReportTable(
                "Characteristics of the patients with persistent thrombocytopenia",
                table.rename(columns=LABELS),
                "pt_cases",
            )
        )

    with study.section("Progression-free survival"):
        _steps.survival_overall(study, data, "pfs", "pfs")
    with study.section("Overall survival"):
        _steps.survival_overall(study, data, "os", "os")
    with study.section("Follow-up"):
        _steps.follow_up(study, data)

    return study.finish(out_dir)
