"""Study template: PRRT in pancreatic NETs pretreated with chemotherapy.

Recipe of Fröss-Baron et al., Neuroendocrinology 2021 (seed 004; n = 102): pancreatic NETs
with ≥ 1 prior chemotherapy line; characteristics; treatments before PRRT; administered
activity and cycles (dosimetry-guided protocol); grade 3–4 toxicity by CTCAE v3.0; RECIST
best response, ORR, DCR; biochemical response; Kaplan–Meier PFS and OS; log-rank screen
(p < 0.1) → multivariable Cox; one vs > 1 chemotherapy line comparison (χ² or Fisher);
logistic regression for bone-marrow toxicity; Kaplan–Meier by response.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from prrt import stats
from prrt.cohort.store import Store
from prrt.report import ReportTable, figures, vocabulary
from prrt.studies import _display, _steps
from prrt.studies._base import NotComputable, StudyOutput, StudyRun, subset

HAEM_TERMS = ("platelets", "haemoglobin", "leukocytes", "neutrophils")
TOX_TERMS = (
    "platelets",
    "haemoglobin",
    "leukocytes",
    "neutrophils",
    "lymphocytes",
    "creatinine",
    "alt",
    "ast",
    "bilirubin",
)


@dataclass(frozen=True)
class Settings:
    """Every choice of the PanNET-after-chemotherapy template (printed in the report)."""

    name: str = "pannet-chemotherapy"
    title: str = "PRRT in pancreatic NETs pretreated with chemotherapy"
    source: str = "Fröss-Baron et al., Neuroendocrinology 2021 (n = 102)"
    primary_site: str = "pancreas"
    min_chemo_lines: int = 1
    ctcae_version: str = "3.0"
    marrow_toxicity: str = (
        "worst on-treatment grade ≥ 3 of platelets, haemoglobin, leukocytes or neutrophils"
    )
    screen: str = "logrank"
    screen_threshold: float = 0.1
    candidates: tuple[str, ...] = (
        "age_gt65",
        "ecog_ge1",
        "functional",
        "ki67_gt10",
        "krenning_4",
        "hepatic_burden_gt50",
        "bone_metastases",
        "chemo_lines_gt1",
        "cga_gt_uln",
        "cga_gt_10uln",
        "alp_gt_2uln",
    )
    marrow_covariates: tuple[str, ...] = (
        "chemo_lines_gt1",
        "alkylating",
        "bone_metastases",
        "age_gt65",
    )
    statistics: str = (
        "log-rank screen p < 0.1 → multivariable Cox (Breslow, Wald CI); Pearson χ² or Fisher "
        "exact (any expected count < 5); logistic regression (Wald CI); Kaplan–Meier"
    )


SETTINGS = Settings()

LABELS = vocabulary.VARIABLES
"""Display labels: the one vocabulary (:mod:`prrt.report.vocabulary`); add new ones there."""


def _population(study: StudyRun, settings: Settings) -> pd.DataFrame:
    courses = study.read("analysis_patient_course")
    first = subset(courses, courses["course_no"] == 1)
    data = subset(
        first,
        (first["primary_site"] == settings.primary_site)
        & (first["chemo_lines"].fillna(0) >= settings.min_chemo_lines),
    )
    n_site = int((first["primary_site"] == settings.primary_site).sum())
    study.figure(
        figures.flow_diagram(
            [
                ("Treated with PRRT-1", len(first)),
                (f"Primary site: {settings.primary_site.replace('_', ' ')}", n_site),
                (f"Chemotherapy before PRRT (≥ {settings.min_chemo_lines} line)", len(data)),
            ],
            [
                ("Other primary sites", len(first) - n_site),
                ("No chemotherapy before PRRT", n_site - len(data)),
            ],
        ),
        "patient_flow",
        "Patient flow.",
    )
    return data.assign(
        age_gt65=(data["age_at_start"] > 65).astype(float),
        ecog_ge1=(data["ecog"] >= 1).where(data["ecog"].notna()).astype(float),
        krenning_4=(data["krenning_score"] == 4)
        .where(data["krenning_score"].notna())
        .astype(float),
        chemo_lines_gt1=(data["chemo_lines"] > 1).astype(float),
    )


def _worst_grades(study: StudyRun, data: pd.DataFrame, version: str) -> pd.DataFrame:
    labs = study.read("analysis_labs")
    col = "grade_v" + version.replace(".", "_")
    on = labs.loc[
        labs["patient_id"].isin(set(data["patient_id"]))
        & (labs["period"] == "on_treatment")
        & (labs["course_no"] == 1)
    ]
    worst = on.dropna(subset=[col]).groupby(["patient_id", "test"])[col].max().unstack()
    return worst.reindex(data["patient_id"])


def run(store: Store, out_dir: str | Path, settings: Settings = SETTINGS) -> StudyOutput:
    """Run the template on ``store`` and write the report to ``out_dir``."""
    study = StudyRun.start(store, settings)
    data = study.population(
        "Pancreatic NETs pretreated with chemotherapy", lambda: _population(study, settings)
    )
    if data is None:
        return study.finish(out_dir)

    with study.section("Patient characteristics"):
        variables = [
            v
            for v in (
                "sex",
                "age_at_start",
                "who_grade",
                "ki67_pct",
                "functional",
                "hepatic_burden_gt50",
                "bone_metastases",
                "cga_gt_uln",
            )
            if v in data
        ]
        study.table(
            _display.table_one_readable(
                data,
                variables,
                categorical=[v for v in variables if v not in ("age_at_start", "ki67_pct")],
                labels=LABELS,
                title=f"Basic patient characteristics (n = {len(data)})",
            )
        )

    with study.section("Treatments before PRRT"):
        variables = [
            v
            for v in ("chemo_lines", "alkylating", "n_prior_modalities", "prior_radiotherapy")
            if v in data
        ]
        study.table(
            _display.table_one_readable(
                data,
                variables,
                categorical=[
                    v for v in ("chemo_lines", "alkylating", "prior_radiotherapy") if v in variables
                ],
                labels=LABELS,
                title="Treatments before PRRT",
                name="prior_treatments",
            )
        )

    with study.section("Administered activity and cycles"):
        study.table(
            _display.table_one_readable(
                data,
                [
                    v
                    for v in ("protocol", "n_cycles", "cumulative_activity_gbq", "stop_reason")
                    if v in data
                ],
                categorical=["protocol", "n_cycles", "stop_reason"],
                labels=LABELS,
                title="Administered activity and cycles",
                name="activity_cycles",
            )
        )
        study.number("cumulative_activity_median", float(data["cumulative_activity_gbq"].median()))

    worst = None
    with study.section(f"Toxicity grade 3–4 (CTCAE v{settings.ctcae_version})"):
        worst = _worst_grades(study, data, settings.ctcae_version)
        rows = []
        for t in TOX_TERMS:
            if t not in worst.columns:
                continue
            n = int((worst[t] >= 3).sum())
            rows.append(
                {
                    "Term": _display.term(t),
                    "Grade 3–4, n (%)": f"{n} ({_steps._fmt(100 * n / len(data))})",
                }
            )
        if not rows:
            raise NotComputable("no graded laboratory values on treatment")
        study.table(
            ReportTable(
                f"Grade 3–4 toxicity (CTCAE v{settings.ctcae_version})",
                pd.DataFrame(rows),
                "toxicity",
            )
        )

    if worst is not None:
        present = [t for t in HAEM_TERMS if t in worst.columns]
        marrow = (
            (worst[present] >= 3).any(axis=1) if present else pd.Series(False, index=worst.index)
        )
        graded = worst[present].notna().any(axis=1) if present else marrow
        data = data.assign(
            marrow_toxicity=marrow.astype(float).where(graded.astype(bool)).to_numpy()
        )
        study.number("marrow_toxicity_pct", 100.0 * float(data["marrow_toxicity"].mean()))

    with study.section("Response"):
        _steps.evaluable_responses(data)
        resp = study.require(data, ["bor"], "best overall response")
        counts = resp["bor"].value_counts()
        n = len(resp)
        rows = [
            {
                "Response": _display.response_label(k),
                "n (%)": f"{int(counts.get(k, 0))} ({_steps._fmt(100 * counts.get(k, 0) / n)})",
            }
            for k in (*_steps.RESPONSES, "NE")
            if k != "NON-CR/NON-PD" or counts.get(k, 0)
        ]
        orr = 100.0 * (counts.get("CR", 0) + counts.get("PR", 0)) / n
        dcr = orr + 100.0 * counts.get("SD", 0) / n
        rows += [
            {"Response": "ORR", "n (%)": _steps._fmt(orr) + " %"},
            {"Response": "DCR", "n (%)": _steps._fmt(dcr) + " %"},
        ]
        if "biochemical_response" in data.columns and data["biochemical_response"].notna().any():
            b = data["biochemical_response"].dropna().astype("boolean")
            rows.append(
                {
                    "Response": "Biochemical response (CgA)",
                    "n (%)": f"{int(b.sum())} ({_steps._fmt(100 * float(b.mean()))})",
                }
            )
        study.table(
            ReportTable(
                "Best response (RECIST 1.1) and biochemical response",
                pd.DataFrame(rows),
                "response",
            )
        )
        study.number("orr_pct", orr)

    with study.section("Progression-free survival"):
        _steps.survival_overall(study, data, "pfs", "pfs")
    with study.section("Overall survival"):
        _steps.survival_overall(study, data, "os", "os")

    for endpoint in ("pfs", "os"):
        with study.section(f"Predictors of {_steps.ENDPOINT_LABELS[endpoint].lower()}"):
            _steps.cox_screen(
                study,
                data,
                endpoint,
                settings.candidates,
                labels=LABELS,
                key=f"cox_{endpoint}",
                threshold=settings.screen_threshold,
                screen=settings.screen,
            )

    with study.section("One versus more than one line of chemotherapy"):
        variables = [
            v
            for v in (
                "sex",
                "age_gt65",
                "ki67_gt10",
                "hepatic_burden_gt50",
                "bone_metastases",
                "alkylating",
                "marrow_toxicity",
            )
            if v in data.columns and data[v].dropna().nunique() >= 2
        ]
        if not variables or data["chemo_lines_gt1"].dropna().nunique() < 2:
            raise NotComputable("no variable to compare, or all patients had the same lines")
        tests = {v: stats.compare_groups(data, v, "chemo_lines_gt1") for v in variables}
        study.uses(*tests.values())
        grouped = data.assign(lines=data["chemo_lines_gt1"].map({0.0: "1 line", 1.0: "> 1 line"}))
        study.table(
            _display.table_one_readable(
                grouped,
                variables,
                group="lines",
                labels=LABELS,
                p_values={v: r.p_value for v, r in tests.items()},
                tests={v: r.method for v, r in tests.items()},
                title="Comparison of one versus > 1 line of chemotherapy",
                name="chemo_lines_comparison",
            )
        )

    with study.section("Logistic model for bone-marrow toxicity"):
        study.require(data, ["marrow_toxicity"], "bone-marrow toxicity")
        _steps.binary_univariate(
            study,
            data,
            "marrow_toxicity",
            settings.marrow_covariates,
            ("cumulative_activity_gbq",),
            labels=LABELS,
            key="marrow",
        )

    with study.section("Survival by best response"):
        d = _steps.evaluable_responses(data)
        d = d.loc[d["bor"].isin(["CR", "PR", "SD"])].assign(
            responder=lambda f: f["bor"].isin(["CR", "PR"]).map({True: "CR/PR", False: "SD"})
        )
        _steps.survival_by(study, d, "pfs", "responder", "Best response", "pfs_by_response")
        _steps.survival_by(study, d, "os", "responder", "Best response", "os_by_response")

    return study.finish(out_dir)
