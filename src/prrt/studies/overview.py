"""General cohort report: what is in the store and how the cohort did.

Not tied to one publication, so :data:`CORRESPONDENCE` is empty (there is no paper to
reproduce): contents of the store, baseline characteristics of every first course, cycles and
activity, grade ≥ 3 laboratory toxicity, best response, PFS and OS, median follow-up, and a dose
summary when dosimetry exists. "Results at a glance" gives the cohort size, the median PFS and OS
with their 95 % CI and the grade ≥ 3 toxicity rate with its exact 95 % CI.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from prrt import stats
from prrt.cohort.store import Store
from prrt.report import ReportTable, vocabulary
from prrt.studies import _display, _doses, _figures, _steps
from prrt.studies._base import NotComputable, StudyOutput, StudyRun, subset
from prrt.studies._correspondence import PaperItem

CORRESPONDENCE: tuple[PaperItem, ...] = ()
"""The overview reproduces no paper: nothing to correspond to."""


@dataclass(frozen=True)
class Settings:
    """Choices of the overview report (printed in the report)."""

    name: str = "overview"
    title: str = "Cohort overview"
    source: str = "PRRT Workbench general cohort report"
    course_no: int = 1
    ctcae_version: str = "5.0"
    statistics: str = (
        "descriptive; Kaplan–Meier with log-log CI and Brookmeyer–Crowley median CI; reverse "
        "Kaplan–Meier follow-up; Clopper–Pearson exact CI for rates"
    )


SETTINGS = Settings()


def _store_contents(study: StudyRun, store: Store) -> None:
    counts = store.row_counts()
    study.table(
        ReportTable(
            "Rows per table of the cohort store",
            pd.DataFrame(
                {
                    "Table": [vocabulary.level_label("store_table", t) for t in counts],
                    "Rows": list(counts.values()),
                }
            ),
            "store_contents",
        )
    )


def _response(study: StudyRun, data: pd.DataFrame) -> None:
    evaluable = _steps.evaluable_responses(data)
    counts = evaluable["bor"].value_counts()
    n = len(evaluable)
    rows = [
        {
            "Best overall response": vocabulary.level_label("bor", _display.response_label(c)),
            "n/N (%; 95 % CI)": _steps.rate_text(int(counts.get(c, 0)), n),
            "_rate": (int(counts.get(c, 0)), n),
        }
        for c in _steps.RESPONSES
        if c != "NON-CR/NON-PD" or counts.get(c, 0)
    ]
    x_orr = int(counts.get("CR", 0) + counts.get("PR", 0))
    rows.append(
        {
            "Best overall response": "Objective response (CR + PR)",
            "n/N (%; 95 % CI)": _steps.rate_text(x_orr, n),
            "_rate": (x_orr, n),
        }
    )
    shown, numbers = _steps.rate_frames(rows)
    study.table(
        ReportTable(
            "Best overall response (RECIST 1.1)",
            shown,
            "bor",
            numbers=numbers,
            footnote=f"N = {n} patients with an evaluable response; {len(data) - n} of "
            f"{len(data)} were not evaluable (no assessment after baseline). 95 % CI: "
            "Clopper–Pearson exact.",
        )
    )
    study.number("orr", x_orr / n)
    study.glance(f"Objective response (RECIST 1.1): {_steps.rate_text(x_orr, n)}.")


def _toxicity(study: StudyRun, data: pd.DataFrame, settings: Settings) -> None:
    labs = study.read("analysis_labs")
    col = "grade_v" + settings.ctcae_version.replace(".", "_")
    if col not in labs.columns:
        raise NotComputable(f"no CTCAE v{settings.ctcae_version} grades in the store")
    on = labs.loc[
        labs["patient_id"].isin(set(data["patient_id"]))
        & labs["period"].eq("on_treatment")
        & labs["course_no"].eq(settings.course_no)
    ].dropna(subset=[col])
    if on.empty:
        raise NotComputable("no graded laboratory values on treatment")
    worst = on.groupby(["patient_id", "test"])[col].max().unstack()
    known = list(vocabulary.LEVELS["term"])
    order = [t for t in known if t in worst.columns] + sorted(
        t for t in worst.columns if t not in known
    )
    rows = []
    for term in order:
        g = worst[term].dropna()
        rows.append(
            {
                "Toxicity": _display.term(str(term))
                if term in known
                else vocabulary.level_label("test", term),
                "Grade ≥ 3, n/N (%; 95 % CI)": _steps.rate_text(int((g >= 3).sum()), len(g)),
                "_rate": (int((g >= 3).sum()), len(g)),
            }
        )
    any_all = worst.max(axis=1)
    others = [t for t in worst.columns if t != "lymphocytes"]
    any_other = worst[others].max(axis=1) if others else any_all
    x_all, n_all = int((any_all >= 3).sum()), int(any_all.notna().sum())
    x_oth, n_oth = int((any_other >= 3).sum()), int(any_other.notna().sum())
    rows += [
        {
            "Toxicity": "Any term",
            "Grade ≥ 3, n/N (%; 95 % CI)": _steps.rate_text(x_all, n_all),
            "_rate": (x_all, n_all),
        },
        {
            "Toxicity": "Any term except lymphocyte count decreased",
            "Grade ≥ 3, n/N (%; 95 % CI)": _steps.rate_text(x_oth, n_oth),
            "_rate": (x_oth, n_oth),
        },
    ]
    shown, numbers = _steps.rate_frames(rows)
    study.table(
        ReportTable(
            f"Grade ≥ 3 laboratory toxicity (CTCAE v{settings.ctcae_version})",
            shown,
            "toxicity",
            numbers=numbers,
            footnote="Worst grade per patient from the first cycle to the end of the "
            "on-treatment window; N, patients with at least one graded value. 95 % CI: "
            "Clopper–Pearson exact.",
        )
    )
    study.uses(tests=["Clopper–Pearson exact confidence interval"])
    study.number("grade3_any_n", x_all)
    study.number("grade3_any_denominator", n_all)
    study.number("grade3_nonlymph_n", x_oth)
    study.glance(
        f"Grade ≥ 3 laboratory toxicity (CTCAE v{settings.ctcae_version}), any term: "
        f"{_steps.rate_text(x_all, n_all)}; excluding lymphocyte count decreased: "
        f"{_steps.rate_text(x_oth, n_oth)}."
    )


def _dose_summary(study: StudyRun, store: Store) -> None:
    if not store.has_table("analysis_dose_summary"):
        raise NotComputable("no dosimetry has been run on this store (`prrt dosimetry`)")
    summ = store.read("analysis_dose_summary")
    cols = [
        c
        for c in ("kidneys_gy", "spleen_gy", "liver_gy", "bone_marrow_gy", "lesion_dose_mean_gy")
        if c in summ
    ]
    summ = summ.dropna(subset=cols, how="all") if cols else summ
    if summ.empty or not cols:
        raise NotComputable("no absorbed doses computed")
    study.table(
        _display.table_one_readable(
            summ,
            cols,
            continuous=cols,
            title=f"Cumulative absorbed dose per course (n = {len(summ)} courses with dosimetry)",
            name="dose_summary",
            footnote="Per course, the sum over its cycles of one estimate per cycle. "
            + _doses.preference_note(_doses.DEFAULT_PREFERENCE),
        )
    )


def run(store: Store, out_dir: str | Path, settings: Settings = SETTINGS) -> StudyOutput:
    """Run the overview on ``store`` and write the report to ``out_dir``."""
    study = StudyRun.start(store, settings)

    with study.section("Store contents"):
        _store_contents(study, store)

    def _population() -> pd.DataFrame:
        courses = study.read("analysis_patient_course")
        return subset(courses, courses["course_no"] == settings.course_no)

    data = study.population("First treatment courses", _population)
    if data is None:
        return study.finish(out_dir)
    study.glance(f"Cohort: {len(data)} patients with a first PRRT course.")

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

    with study.section(f"Grade ≥ 3 laboratory toxicity (CTCAE v{settings.ctcae_version})"):
        _toxicity(study, data, settings)

    with study.section("Best overall response"):
        _response(study, data)

    with study.section("Best change in target lesions (waterfall)"):
        _figures.waterfall(study, data, settings.course_no)

    for ep in ("pfs", "os"):
        with study.section(_steps.ENDPOINT_LABELS[ep]):
            fit = _steps.survival_overall(study, data, ep, ep)
            study.glance(
                f"Median {_steps.ENDPOINT_LABELS[ep].lower()}: {_steps._median_text(fit)} months "
                f"({fit.n_events} events in {fit.n} patients)."
            )

    with study.section("Follow-up"):
        _steps.follow_up(study, data)
        d = _steps.endpoint_frame(data, "os")
        fu = stats.followup(d["time_months"], d["event"])
        study.glance(
            f"Median follow-up (reverse Kaplan–Meier): {_steps._fmt(fu.estimate)} months "
            f"(95 % CI {_steps._fmt(fu.ci[0])}–{_steps._fmt(fu.ci[1])})."
        )

    with study.section("Absorbed doses"):
        _dose_summary(study, store)
    return study.finish(out_dir)
