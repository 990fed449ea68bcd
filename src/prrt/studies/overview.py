"""General cohort report: what is in the store and how the cohort did.

Not tied to one publication: contents of the store, baseline characteristics of every
first course, cycles and activity, toxicity, best response, PFS and OS, and a dose
summary when dosimetry exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from prrt.cohort.store import Store
from prrt.report import ReportTable
from prrt.studies import _display, _doses, _figures, _steps
from prrt.studies._base import NotComputable, StudyOutput, StudyRun, subset


@dataclass(frozen=True)
class Settings:
    """Choices of the overview report (printed in the report)."""

    name: str = "overview"
    title: str = "Cohort overview"
    source: str = "PRRT Workbench general cohort report"
    course_no: int = 1
    ctcae_version: str = "5.0"
    statistics: str = "descriptive; Kaplan–Meier with log-log CI and Brookmeyer–Crowley median CI"


SETTINGS = Settings()


def run(store: Store, out_dir: str | Path, settings: Settings = SETTINGS) -> StudyOutput:
    """Run the overview on ``store`` and write the report to ``out_dir``."""
    study = StudyRun.start(store, settings)

    with study.section("Store contents"):
        counts = store.row_counts()
        study.table(
            ReportTable(
                "Rows per table",
                pd.DataFrame({"Table": list(counts), "Rows": list(counts.values())}),
                "store_contents",
            )
        )

    def _population() -> pd.DataFrame:
        courses = study.read("analysis_patient_course")
        return subset(courses, courses["course_no"] == settings.course_no)

    data = study.population("First treatment courses", _population)
    if data is None:
        return study.finish(out_dir)

    with study.section("Baseline characteristics"):
        variables = [
            v
            for v in (
                "sex",
                "age_at_start",
                "primary_site",
                "who_grade",
                "ki67_pct",
                "ecog",
                "liver_metastases",
                "lymph_node_metastases",
                "bone_metastases",
                "omis_ge_30",
                "splenomegaly",
                "cga_ge_1000",
                "n_cycles",
                "cumulative_activity_gbq",
            )
            if v in data.columns
        ]
        study.table(
            _display.table_one_readable(
                data,
                variables,
                categorical=[
                    v
                    for v in variables
                    if v not in ("age_at_start", "ki67_pct", "cumulative_activity_gbq")
                ],
                title=f"Baseline characteristics (n = {len(data)})",
            )
        )

    with study.section("Best overall response"):
        _steps.evaluable_responses(data)
        r = study.require(data, ["bor"], "best overall response")["bor"].value_counts()
        study.table(
            ReportTable(
                "Best overall response (RECIST 1.1)",
                pd.DataFrame({"Response": r.index.map(_display.response_label), "n": r.to_numpy()}),
                "bor",
            )
        )

    with study.section("Best change in target lesions (waterfall)"):
        _figures.waterfall(study, data, settings.course_no)

    with study.section("Progression-free survival"):
        _steps.survival_overall(study, data, "pfs", "pfs")
    with study.section("Overall survival"):
        _steps.survival_overall(study, data, "os", "os")

    with study.section("Absorbed doses"):
        if not store.has_table("analysis_dose_summary"):
            raise NotComputable("no dosimetry has been run on this store (`prrt dosimetry`)")
        summ = store.read("analysis_dose_summary")
        cols = [
            c
            for c in (
                "kidneys_gy",
                "spleen_gy",
                "liver_gy",
                "bone_marrow_gy",
                "lesion_dose_mean_gy",
            )
            if c in summ
        ]
        if summ.empty or not cols:
            raise NotComputable("no absorbed doses computed")
        study.table(
            _display.table_one_readable(
                summ,
                cols,
                continuous=cols,
                title=f"Cumulative absorbed dose per course (n = {len(summ)})",
                name="dose_summary",
                footnote="Per course, the sum over its cycles of one estimate per cycle. "
                + _doses.preference_note(_doses.DEFAULT_PREFERENCE),
            )
        )
    return study.finish(out_dir)
