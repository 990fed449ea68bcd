"""Study template: real-world outcomes of PRRT.

Recipe of Lazarenko et al., Acta Gastroenterol Belg 2026 (seed 002): PRRT-1 population;
characteristics; cycles completed and reasons; RECIST 1.1 best overall response, ORR and
DCR with a waterfall plot; Kaplan–Meier PFS and OS; adverse events (any grade, grade ≥ 3) and the distribution
of the Δ highest grade; univariable Cox (p < 0.1) → multivariable Cox for PFS and OS;
Kaplan–Meier by prognostic subgroup; patient flow (PRRT-1 → progression → PRRT-2);
outcomes of retreatment (PRRT-2: response, PFS) and a swimmer plot of the retreated patients.
FDG-PET status comes from ``imaging_measurements`` (last exam before the first cycle).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from prrt.cohort.store import Store
from prrt.report import ReportTable, figures, vocabulary
from prrt.report.tables import ae_table
from prrt.studies import _derivation, _display, _figures, _steps
from prrt.studies._base import NotComputable, StudyOutput, StudyRun, subset

LAB_TERMS = (
    "lymphocytes",
    "platelets",
    "haemoglobin",
    "leukocytes",
    "neutrophils",
    "alt",
    "ast",
    "bilirubin",
    "creatinine",
    "albumin",
)


PROGNOSTIC_FACTORS = (
    "who_grade",
    "primary_site",
    "functional",
    "cga_ge_1000",
    "alp_ge_130",
    "sodium_bl",
    "albumin_bl",
    "nlr_bl",
    "fdg_positive",
    "prior_modalities_gt3",
)
"""Candidate prognostic factors of Lazarenko Tables 4–5 (the same list for PFS and OS)."""


@dataclass(frozen=True)
class Settings:
    """Every choice of the real-world-outcomes template (printed in the report)."""

    name: str = "real-world-outcomes"
    title: str = "Real-world outcomes of [177Lu]Lu-DOTATATE PRRT"
    source: str = "Lazarenko et al., Acta Gastroenterol Belg 2026 (n = 110)"
    course_no: int = 1
    ctcae_version: str = "5.0"
    screen_threshold: float = 0.1
    pfs_candidates: tuple[str, ...] = PROGNOSTIC_FACTORS
    os_candidates: tuple[str, ...] = PROGNOSTIC_FACTORS
    categorical: tuple[str, ...] = ("who_grade", "primary_site")
    reference_levels: tuple[tuple[str, object], ...] = (
        ("who_grade", 1),
        ("primary_site", "small_intestine"),
    )
    """Reference level per categorical factor (Lazarenko Tables 4–5)."""
    pfs_pet_rule: str = "lazarenko"
    """PET-only progression rule of PFS (``prrt.clinical.endpoints``); applied by the template
    when the store was derived with another."""
    pfs_rule: str = (
        "radiological (RECIST 1.1) or clinical progression or death; PET-only progression "
        "leading to a new treatment censored at that treatment's start"
    )
    statistics: str = (
        "Kaplan–Meier (log-log CI, Brookmeyer–Crowley median CI); Cox PH with Breslow ties, "
        "Wald CI; univariable Wald p < 0.1 → multivariable model on complete cases"
    )


SETTINGS = Settings()

LABELS = vocabulary.VARIABLES
"""Display labels: the one vocabulary (:mod:`prrt.report.vocabulary`); add new ones there."""


def _with_fdg(study: StudyRun, data: pd.DataFrame) -> pd.DataFrame:
    """Add ``fdg_positive``: baseline [18F]FDG-PET status (last exam on or before the start).

    Lazarenko Table 4 lists FDG-PET positivity as a candidate factor; it is not part of
    ``analysis_patient_course``, so it is taken from ``imaging_measurements``.
    """
    if "fdg_positive" in data.columns or not study.has_rows("imaging_measurements"):
        return data
    img = study.read("imaging_measurements")[["patient_id", "exam_date", "fdg_positive"]]
    img = img.dropna(subset=["fdg_positive"]).merge(
        data[["patient_id", "course_start"]], on="patient_id"
    )
    img = img.loc[pd.to_datetime(img["exam_date"]) <= pd.to_datetime(img["course_start"])]
    last = img.sort_values("exam_date").drop_duplicates("patient_id", keep="last")
    fdg = last.set_index("patient_id")["fdg_positive"].astype("boolean")
    return data.assign(fdg_positive=data["patient_id"].map(fdg).astype("boolean"))


def _population(study: StudyRun, settings: Settings) -> pd.DataFrame:
    courses = study.read("analysis_patient_course")
    data = _with_fdg(study, subset(courses, courses["course_no"] == settings.course_no))
    n4 = int(data["completed_4_cycles"].astype("boolean").fillna(False).sum())
    events = study.read("disease_events")
    progressed = events.loc[
        events["patient_id"].isin(data["patient_id"])
        & events["event_type"].isin(_figures.PROGRESSION_EVENTS),
        "patient_id",
    ].nunique()
    retreated = int(
        ((courses["course_no"] == 2) & courses["patient_id"].isin(data["patient_id"])).sum()
    )
    study.figure(
        figures.flow_diagram(
            [
                (
                    f"Patients treated with PRRT-{settings.course_no}\n{n4} completed four cycles",
                    len(data),
                ),
                ("Progression after PRRT-1", progressed),
                ("Retreated (PRRT-2)", retreated),
            ],
            [
                ("No progression during follow-up", len(data) - progressed),
                ("Progressed, not retreated", progressed - retreated),
            ],
        ),
        "patient_flow",
        "Patient flow: PRRT-1, radiological or clinical progression, and retreatment.",
    )
    return data


def run(store: Store, out_dir: str | Path, settings: Settings = SETTINGS) -> StudyOutput:
    """Run the template on ``store`` and write the report to ``out_dir``."""
    study = StudyRun.start(store, settings)
    data = study.population(
        "Population",
        lambda: _derivation.with_pet_rule(
            study, _population(study, settings), settings.pfs_pet_rule
        ),
    )
    if data is None:
        return study.finish(out_dir)

    with study.section("Patient characteristics"):
        variables = [
            v
            for v in (
                "sex",
                "age_at_start",
                "primary_site",
                "who_grade",
                "ki67_pct",
                "functional",
                "ecog",
                "liver_metastases",
                "lymph_node_metastases",
                "bone_metastases",
                "prior_modalities_gt3",
                "cga_ge_1000",
                "alp_ge_130",
            )
            if v in data.columns
        ]
        study.table(
            _display.table_one_readable(
                data,
                variables,
                categorical=[v for v in variables if v not in ("age_at_start", "ki67_pct")],
                labels=LABELS,
                title=f"Clinical and histopathological characteristics (n = {len(data)})",
            )
        )

    with study.section("Cycles completed"):
        cyc = data["n_cycles"].astype("Int64").value_counts().sort_index()
        reasons = data.get("stop_reason", pd.Series(dtype=str)).fillna("not recorded")
        rows = [
            {"Cycles": int(k), "Patients, n (%)": f"{int(v)} ({_steps._fmt(100 * v / len(data))})"}
            for k, v in cyc.items()
        ]
        study.table(ReportTable("Cycles received", pd.DataFrame(rows), "cycles"))
        rsn = reasons.value_counts()
        study.table(
            ReportTable(
                "Reasons the course ended",
                pd.DataFrame(
                    {
                        "Reason": [vocabulary.level_label("stop_reason", r) for r in rsn.index],
                        "Patients, n (%)": [
                            f"{int(v)} ({_steps._fmt(100 * v / len(data))})" for v in rsn.to_numpy()
                        ],
                    }
                ),
                "stop_reasons",
            )
        )
        study.number(
            "completed_4_cycles_pct",
            100.0 * float(data["completed_4_cycles"].astype("boolean").mean()),
        )

    with study.section("Response (RECIST 1.1)"):
        _steps.evaluable_responses(data)
        resp = study.require(data, ["bor"], "best overall response")
        counts = resp["bor"].value_counts().reindex([*_steps.RESPONSES, "NE"], fill_value=0)
        counts = counts[(counts > 0) | (counts.index != "NON-CR/NON-PD")]
        order = list(counts.index)
        n = int(counts.sum())
        orr = 100.0 * (counts["CR"] + counts["PR"]) / n
        dcr = 100.0 * (counts["CR"] + counts["PR"] + counts["SD"]) / n
        study.table(
            ReportTable(
                "Best overall response (RECIST 1.1)",
                pd.DataFrame(
                    {
                        "Response": [
                            *map(_display.response_label, order),
                            "ORR (CR + PR)",
                            "DCR (CR + PR + SD)",
                        ],
                        "n (%)": [
                            f"{int(counts[k])} ({_steps._fmt(100 * counts[k] / n)})" for k in order
                        ]
                        + [_steps._fmt(orr) + " %", _steps._fmt(dcr) + " %"],
                    }
                ),
                "bor",
            )
        )
        study.number("orr_pct", orr)
        study.number("dcr_pct", dcr)

    with study.section("Best change in target lesions (waterfall)"):
        _figures.waterfall(study, data, settings.course_no)

    with study.section("Progression-free survival"):
        _steps.survival_overall(study, data, "pfs", "pfs")
        study.text(f"PFS definition: {settings.pfs_rule}.")
    with study.section("Overall survival"):
        _steps.survival_overall(study, data, "os", "os")
    with study.section("Follow-up"):
        _steps.follow_up(study, data)

    with study.section("Adverse events"):
        labs = study.read("analysis_labs")
        grade_col = "grade_v" + settings.ctcae_version.replace(".", "_")
        pids = set(data["patient_id"])
        lab = labs.loc[
            labs["patient_id"].isin(pids)
            & (labs["period"] == "on_treatment")
            & labs["test"].isin(LAB_TERMS)
        ]
        lab = lab.dropna(subset=[grade_col])
        lab = lab.loc[lab[grade_col] > 0, ["patient_id", "test", grade_col]].rename(
            columns={"test": "term", grade_col: "grade"}
        )
        ae = study.read("adverse_events")
        ae = ae.loc[ae["patient_id"].isin(pids), ["patient_id", "term", "grade"]]
        both = pd.concat([lab, ae], ignore_index=True)
        if both.empty:
            raise NotComputable("no adverse event or graded laboratory toxicity recorded")
        both["grade"] = both["grade"].astype(int)
        both["term"] = both["term"].map(_display.term)
        study.table(
            ae_table(
                both,
                n_patients=len(data),
                title="Adverse events and laboratory toxicity (worst grade per patient, "
                f"CTCAE v{settings.ctcae_version})",
            )
        )
        rates = both.loc[both["grade"] >= 3].groupby("term")["patient_id"].nunique() / len(data)
        for term, r in rates.items():
            study.number(f"grade3plus_pct[{term}]", 100.0 * float(r))

    with study.section("Δ highest grade of haematological toxicity"):
        study.require_derivation("ctcae_version", settings.ctcae_version, "Δ highest grade")
        rows = []
        for term in ("lymphocytes", "platelets", "haemoglobin", "leukocytes", "neutrophils"):
            col = f"delta_grade_{term}"
            if col not in data.columns:
                continue
            d = data[col].dropna().astype(int)
            row: dict[str, object] = {"Term": _display.term(term)}
            for k in (1, 2, 3, 4):
                row[f"Δ = {k}"] = int((d == k).sum())
            rows.append(row)
        if not rows:
            raise NotComputable("no Δ highest grade derived")
        study.table(
            ReportTable(
                "Distribution of Δ highest grade (worst on-treatment grade − baseline grade)",
                pd.DataFrame(rows),
                "delta_grade",
                footnote="Patients with Δ ≥ 1, by Δ.",
            )
        )

    with study.section("Prognostic factors for progression-free survival"):
        _steps.cox_screen(
            study,
            data,
            "pfs",
            settings.pfs_candidates,
            labels=LABELS,
            categorical=settings.categorical,
            reference_levels=dict(settings.reference_levels),
            key="cox_pfs",
            threshold=settings.screen_threshold,
        )
    with study.section("Prognostic factors for overall survival"):
        _steps.cox_screen(
            study,
            data,
            "os",
            settings.os_candidates,
            labels=LABELS,
            categorical=settings.categorical,
            reference_levels=dict(settings.reference_levels),
            key="cox_os",
            threshold=settings.screen_threshold,
        )
    with study.section("PFS by chromogranin A"):
        _steps.survival_by(
            study,
            data,
            "pfs",
            "cga_ge_1000",
            "CgA",
            "pfs_by_cga",
            levels={
                True: "CgA ≥ 1000 µg/L",
                False: "CgA < 1000 µg/L",
            },
        )
    with study.section("PFS by WHO grade"):
        _steps.survival_by(
            study,
            data,
            "pfs",
            "who_grade",
            "WHO grade",
            "pfs_by_grade",
            levels={1: "G1", 2: "G2", 3: "G3"},
        )

    re = pd.DataFrame()
    with study.section("Retreatment (PRRT-2)"):
        courses = study.read("analysis_patient_course")
        re = subset(courses, courses["course_no"] == 2)
        if re.empty:
            raise NotComputable("no patient was retreated")
        re = _derivation.with_pet_rule(study, re, settings.pfs_pet_rule)
        study.number("prrt2_n", len(re))
        study.text(
            f"{len(re)} patients were retreated (PRRT-2); median "
            f"{_steps._fmt(float(re['n_cycles'].median()), 0)} cycles, cumulative activity "
            f"median {_steps._fmt(float(re['cumulative_activity_gbq'].median()))} GBq."
        )
        if re["bor"].isin(_steps.RESPONSES).any():
            counts = re["bor"].value_counts().reindex([*_steps.RESPONSES, "NE"], fill_value=0)
            counts = counts[(counts > 0) | (counts.index != "NON-CR/NON-PD")]
            study.table(
                ReportTable(
                    "Best overall response after PRRT-2 (RECIST 1.1)",
                    pd.DataFrame(
                        {
                            "Response": counts.index.map(_display.response_label),
                            "n (%)": [
                                f"{int(v)} ({_steps._fmt(100 * v / len(re))})"
                                for v in counts.to_numpy()
                            ],
                        }
                    ),
                    "prrt2_bor",
                )
            )
        _steps.survival_overall(study, re, "pfs", "prrt2_pfs")
    with study.section("Retreated patients: timelines"):
        if re.empty:
            raise NotComputable("no patient was retreated")
        re1 = subset(data, data["patient_id"].isin(re["patient_id"]))
        _figures.swimmer(study, re1, "Patients retreated with PRRT-2")

    return study.finish(out_dir)
