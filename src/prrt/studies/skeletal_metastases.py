"""Study template: PRRT in patients with skeletal metastases.

Recipe of the J Nucl Med 2025 abstract (seed 003; n = 74, 288 cycles): patients with bone
metastases; cycles and cumulative activity (median, IQR); modified MD Anderson and RECIST
1.1 best response; bone-pain response; grade 4–5 adverse events; skeletal-related events;
Kaplan–Meier PFS and OS; multivariable Cox with cumulative activity ≥ 29.6 GBq, ALP
elevation and sex.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from prrt import stats
from prrt.cohort.store import Store
from prrt.report import ReportTable, figures, vocabulary
from prrt.report.tables import regression_table
from prrt.studies import _display, _figures, _steps
from prrt.studies._base import NotComputable, StudyOutput, StudyRun, subset

HAEM_TERMS = ("haemoglobin", "platelets", "leukocytes", "neutrophils", "lymphocytes")


@dataclass(frozen=True)
class Settings:
    """Every choice of the skeletal-metastases template (printed in the report)."""

    name: str = "skeletal-metastases"
    title: str = "PRRT in neuroendocrine tumours with skeletal metastases"
    source: str = "J Nucl Med 2025 abstract (n = 74, 288 cycles)"
    course_no: int = 1
    ctcae_version: str = "5.0"
    cumulative_activity_cutoff_gbq: float = 29.6
    cox_covariates: tuple[str, ...] = ("cum_activity_ge_29_6", "alp_gt_uln", "male")
    statistics: str = (
        "median (IQR, SAS PCTLDEF=5); Kaplan–Meier (log-log CI); multivariable Cox PH, "
        "Breslow ties, Wald CI"
    )


SETTINGS = Settings()

LABELS = vocabulary.VARIABLES
"""Display labels: the one vocabulary (:mod:`prrt.report.vocabulary`); add new ones there."""


def _population(study: StudyRun, settings: Settings) -> pd.DataFrame:
    courses = study.read("analysis_patient_course")
    first = subset(courses, courses["course_no"] == settings.course_no)
    study.require(first, ["bone_metastases"], "bone metastases")
    data = subset(first, first["bone_metastases"].astype("boolean"))
    _figures.population_flow(
        study, len(first), len(data), "Skeletal metastases at baseline", "No skeletal metastases"
    )
    return data


def _iqr_text(x: pd.Series, digits: int = 1) -> str:
    v = x.dropna().astype(float)
    if v.empty:
        return "NE"
    return stats.describe_continuous(v).median_iqr(digits)


def _cox(study: StudyRun, data: pd.DataFrame, endpoint: str, settings: Settings) -> None:
    """Multivariable Cox model with the pre-specified covariates (Breslow ties, Wald CI)."""
    label = _steps.ENDPOINT_LABELS[endpoint].lower()
    d = _steps.endpoint_frame(data, endpoint)
    cov = []
    for c in settings.cox_covariates:
        if c in d.columns and d[c].dropna().nunique() > 1:
            cov.append(c)
        else:
            study.skip_factor(
                f"Cox model ({endpoint.upper()}): {vocabulary.label(c)}",
                c in d.columns and bool(d[c].notna().any()),
            )
    if not cov:
        raise NotComputable("no covariate varies in this population")
    d[cov] = d[cov].astype(float)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = stats.cox(d, "time_months", "event", cov)
    study.uses(fit, tests=["Cox proportional-hazards regression"])
    tab = _steps.estimable(fit.table)
    study.table(
        regression_table(
            multivariable=tab,
            effect="HR",
            labels=LABELS,
            title=f"Multivariable Cox model for {label}",
            name=f"cox_{endpoint}",
            footnote=f"Breslow ties, Wald 95 % CI; n = {fit.n}, events = {fit.n_events}.",
        )
    )
    for term in tab.index:
        study.number(f"cox_{endpoint}_hr[{term}]", float(tab.loc[term, "hr"]))
        study.number(
            f"cox_{endpoint}_ci[{term}]",
            (float(tab.loc[term, "lower"]), float(tab.loc[term, "upper"])),
        )
    if caught or not np.isfinite(tab["hr"]).all():
        study.text(
            "Note: some hazard ratios are not estimable (monotone likelihood: a group without "
            "events) or the fit did not converge cleanly; they are shown as such."
        )
    study.figure(
        figures.forest_figure(tab.rename(index=vocabulary.term_label), effect="HR"),
        f"forest_cox_{endpoint}",
        f"Multivariable Cox model for {label} (HR, 95 % CI).",
    )


def _alp_above_uln(study: StudyRun, data: pd.DataFrame, course_no: int) -> pd.Series:
    """Baseline ALP above the laboratory's own ULN (1/0; NaN without a baseline ALP).

    Baseline = the last ALP of ``analysis_labs`` on or before the first cycle (period
    ``baseline``), compared with the ULN reported with that value.
    """
    if not study.has_rows("analysis_labs"):
        return pd.Series(float("nan"), index=data.index)
    labs = study.read("analysis_labs")
    alp = labs.loc[
        (labs["test"] == "alp")
        & (labs["course_no"] == course_no)
        & (labs["period"] == "baseline")
        & labs["uln"].notna()
    ].sort_values(["patient_id", "day_from_course_start"])
    last = alp.drop_duplicates("patient_id", keep="last").set_index("patient_id")
    above = (last["value"] > last["uln"]).astype(float)
    return data["patient_id"].map(above).astype(float)


def run(store: Store, out_dir: str | Path, settings: Settings = SETTINGS) -> StudyOutput:
    """Run the template on ``store`` and write the report to ``out_dir``."""
    study = StudyRun.start(store, settings)
    data = study.population(
        "Patients with skeletal metastases", lambda: _population(study, settings)
    )
    if data is None:
        return study.finish(out_dir)
    data = data.assign(
        male=(data["sex"] == "M").astype(float),
        alp_gt_uln=_alp_above_uln(study, data, settings.course_no),
    )

    with study.section("Patient characteristics"):
        variables = [
            v for v in ("sex", "age_at_start", "primary_site", "who_grade", "omis_pct") if v in data
        ]
        study.table(
            _display.table_one_readable(
                data,
                variables,
                categorical=[v for v in ("sex", "primary_site", "who_grade") if v in variables],
                labels=LABELS,
                stats="median_iqr",
                title=f"Characteristics of the {len(data)} patients with skeletal metastases",
            )
        )

    with study.section("Cycles and cumulative activity"):
        study.table(
            ReportTable(
                "Treatment delivered",
                pd.DataFrame(
                    {
                        "Quantity": [
                            "Cycles, median (IQR)",
                            "Cumulative activity, GBq, median (IQR)",
                            "Cycles in total",
                            f"Cumulative activity ≥ {settings.cumulative_activity_cutoff_gbq} GBq, n (%)",
                        ],
                        "Value": [
                            _iqr_text(data["n_cycles"], 0),
                            _iqr_text(data["cumulative_activity_gbq"]),
                            str(int(data["n_cycles"].sum())),
                            f"{int(data['cum_activity_ge_29_6'].astype('boolean').sum())} "
                            f"({_steps._fmt(100 * float(data['cum_activity_ge_29_6'].astype('boolean').mean()))})",
                        ],
                    }
                ),
                "treatment",
            )
        )
        study.number("cycles_total", int(data["n_cycles"].sum()))

    with study.section("Response (modified MD Anderson and RECIST 1.1)"):
        rows = []
        show_non_cr = any(
            c in data.columns and data[c].eq("NON-CR/NON-PD").any() for c in ("mda_bor", "bor")
        )
        for col, label in (
            ("mda_bor", "Modified MD Anderson (bone)"),
            ("bor", "RECIST 1.1 (overall)"),
        ):
            if col not in data.columns or not data[col].isin(_steps.RESPONSES).any():
                continue
            r = data[col].dropna()
            counts = r.value_counts()
            n = len(r)
            orr = 100.0 * (counts.get("CR", 0) + counts.get("PR", 0)) / n
            rows.append(
                {
                    "Criteria": label,
                    "Evaluable": n,
                    **{
                        _display.response_label(k): int(counts.get(k, 0))
                        for k in _steps.RESPONSES
                        if k != "NON-CR/NON-PD" or show_non_cr
                    },
                    "ORR, %": _steps._fmt(orr),
                }
            )
            study.number(f"orr_pct[{col}]", orr)
        if not rows:
            raise NotComputable(
                "no patient has an evaluable response (no lesion measurements, bone "
                "involvement or response assessments in the store)"
            )
        study.table(ReportTable("Best objective response", pd.DataFrame(rows), "response"))

    with study.section("Bone-pain response"):
        bp = study.require(data, ["bone_pain_response"], "bone-pain response")
        counts = bp["bone_pain_response"].value_counts()
        study.table(
            ReportTable(
                f"Bone-pain response among {len(bp)} patients with bone pain",
                pd.DataFrame(
                    {
                        "Response": counts.index.astype(str),
                        "n (%)": [
                            f"{int(v)} ({_steps._fmt(100 * v / len(bp))})"
                            for v in counts.to_numpy()
                        ],
                    }
                ),
                "bone_pain",
            )
        )

    with study.section("Grade 4–5 adverse events and skeletal-related events"):
        study.require_derivation("ctcae_version", settings.ctcae_version, "Grade 4–5 events")
        grade_cols = [f"worst_grade_{t}" for t in HAEM_TERMS if f"worst_grade_{t}" in data.columns]
        rows = []
        for col in grade_cols:
            n = int((data[col].astype(float) >= 4).sum())
            rows.append(
                {
                    "Event": _display.term(col.removeprefix("worst_grade_")),
                    "Patients, n (%)": f"{n} ({_steps._fmt(100 * n / len(data))})",
                }
            )
        if "sre" in data.columns:
            n_sre = int(data["sre"].astype("boolean").sum())
            rows.append(
                {
                    "Event": "Skeletal-related event",
                    "Patients, n (%)": f"{n_sre} ({_steps._fmt(100 * n_sre / len(data))})",
                }
            )
            study.number("sre_pct", 100.0 * n_sre / len(data))
        if not rows:
            raise NotComputable("no toxicity grades or skeletal-related events derived")
        study.table(
            ReportTable(
                "Grade 4–5 haematological toxicity and skeletal-related events",
                pd.DataFrame(rows),
                "safety",
            )
        )

    with study.section("Progression-free survival"):
        _steps.survival_overall(study, data, "pfs", "pfs")
    with study.section("Overall survival"):
        _steps.survival_overall(study, data, "os", "os")

    with study.section("PFS by cumulative activity"):
        _steps.survival_by(
            study,
            data,
            "pfs",
            "cum_activity_ge_29_6",
            "Cumulative activity",
            "pfs_by_activity",
            levels={
                True: f"≥ {settings.cumulative_activity_cutoff_gbq} GBq",
                False: f"< {settings.cumulative_activity_cutoff_gbq} GBq",
            },
        )

    for endpoint in ("pfs", "os"):
        with study.section(
            f"Multivariable Cox model for {_steps.ENDPOINT_LABELS[endpoint].lower()}"
        ):
            _cox(study, data, endpoint, settings)

    return study.finish(out_dir)
