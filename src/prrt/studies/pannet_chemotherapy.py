"""Study template: PRRT in pancreatic NETs pretreated with chemotherapy.

Recipe of Fröss-Baron et al., Neuroendocrinology 2021;111:330–343 (seed 004; n = 102), in the
paper's order: patient flow; Table 1 basic characteristics (with progressive disease at baseline,
ECOG, Krenning score, lymph-node and peritoneal/pleural metastases, ALP > 2 × ULN and the
four-level hepatic tumour burden); Table 2 treatments before PRRT (regimens and lines); administered
activity and cycles (dosimetry-guided protocol); grade 3–4 toxicity by CTCAE v3.0 with the
composite bone-marrow toxicity and AML/MDS; RECIST 1.1 best response with exact CIs; biochemical
response; Kaplan–Meier PFS and OS and median follow-up (reverse Kaplan–Meier) (Fig. 2); Table 3,
Kaplan–Meier medians per factor level with the log-rank screen (p < 0.1) and the multivariable
Cox model; Kaplan–Meier by liver tumour burden (Fig. 3) and by lines of chemotherapy (Fig. 4);
Table 4, one versus more than one line (χ² or Fisher); uni- and multivariable logistic
regression for bone-marrow toxicity including the marrow absorbed dose; Kaplan–Meier by
morphological (Fig. 5) and biochemical response. :data:`CORRESPONDENCE` maps each item of the
paper to the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from prrt.cohort.store import Store
from prrt.studies import _steps
from prrt.studies._base import StudyOutput, StudyRun
from prrt.studies._correspondence import PaperItem
from prrt.studies._factor_survival import factor_survival_table, level_names
from prrt.studies._pannet_sections import (
    FACTOR_NOTES,
    FACTORS,
    UNITS,
    activity,
    baseline,
    biochemical,
    comparison,
    landmark_by_response,
    population,
    prior,
    response,
    survival,
    toxicity,
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
        "worst on-treatment grade 3–4 of platelets, haemoglobin, leukocytes or neutrophils"
    )
    marrow_outcome_includes_stop_for_toxicity: bool = True
    """Logistic outcome as the paper: toxicity above grade 2, or PRRT stopped for toxicity."""
    baseline_pd_window_days: int = 365
    """Progressive disease at baseline: progression recorded within this many days before PRRT."""
    screen: str = "logrank"
    screen_threshold: float = 0.1
    candidates: tuple[str, ...] = (
        "age_gt65",
        "ecog_ge1",
        "functional",
        "pd_at_baseline",
        "ki67_gt10",
        "krenning_4",
        "hepatic_burden_gt50_liver",
        "bone_metastases",
        "surgery_primary",
        "chemo_lines_gt1",
        "cga_gt_uln",
        "cga_gt_10uln",
        "alp_gt_2uln",
    )
    marrow_covariates: tuple[str, ...] = (
        "male",
        "age_gt65",
        "hepatic_burden_gt50_liver",
        "bone_metastases",
        "chemo_lines_gt1",
        "alkylating",
    )
    marrow_continuous: tuple[str, ...] = (
        "alkylating_months",
        "cumulative_activity_gbq",
        "n_cycles",
        "bone_marrow_gy",
    )
    marrow_multivariable: tuple[str, ...] = (
        "chemo_lines_gt1",
        "cumulative_activity_gbq",
        "bone_marrow_gy",
    )
    response_landmark_months: float = 12.0
    """Landmark for the response comparison beside the paper's (Anderson et al., J Clin Oncol
    1983;1:710): patients event-free at the landmark, grouped by response reached by then."""
    kidney_limit_gy: float = 23.0
    marrow_limit_gy: float = 2.0
    statistics: str = (
        "Kaplan–Meier (log-log CI, Brookmeyer–Crowley median CI); reverse Kaplan–Meier follow-up; "
        "log-rank screen p < 0.1 → multivariable Cox (Breslow, Wald CI); Pearson χ² or Fisher "
        "exact (any expected count < 5); logistic regression (Wald CI; Firth if separated); "
        "Clopper–Pearson exact CI for rates"
    )


SETTINGS = Settings()

CORRESPONDENCE: tuple[PaperItem, ...] = (
    PaperItem(
        "Patients", "Patient selection (PanNETs pretreated with chemotherapy)", ("patient_flow",)
    ),
    PaperItem("Table 1", "Basic patient characteristics", ("table1",)),
    PaperItem(
        "Table 2",
        "Treatments before PRRT: regimens and lines of chemotherapy",
        ("prior_treatments",),
    ),
    PaperItem(
        "Results: PRRT",
        "Administered activity, cycles, reasons to stop, absorbed doses",
        ("activity_cycles",),
    ),
    PaperItem(
        "Results: Toxicity",
        "Grade 3–4 toxicity (CTCAE v3.0), composite bone-marrow toxicity, AML/MDS",
        ("toxicity",),
    ),
    PaperItem("Results: Tumour response", "RECIST 1.1 best response, ORR, DCR", ("response",)),
    PaperItem(
        "Fig. 1",
        "Images of a patient with a partial response",
        (),
        "patient images (SPECT/CT, CT) are not held in the cohort store",
    ),
    PaperItem(
        "Fig. 2 and Results: PFS and OS",
        "Kaplan–Meier PFS and OS from PRRT start; OS from diagnosis; median follow-up",
        ("survival_summary", "km_pfs", "km_os"),
    ),
    PaperItem(
        "Table 3",
        "Predictors of PFS and OS: medians by level, log-rank p, multivariable Cox HR",
        ("prognostic_factors_pfs", "prognostic_factors_os"),
    ),
    PaperItem(
        "Fig. 3",
        "PFS and OS by hepatic tumour burden (≤ 50 % vs > 50 %)",
        ("km_pfs_by_liver", "km_os_by_liver"),
    ),
    PaperItem(
        "Fig. 4",
        "PFS and OS by lines of chemotherapy (one vs more than one)",
        ("km_pfs_by_lines", "km_os_by_lines"),
    ),
    PaperItem(
        "Table 4",
        "One versus more than one line of chemotherapy: baseline comparison",
        ("chemo_lines_comparison",),
    ),
    PaperItem(
        "Fig. 5",
        "PFS and OS by morphological response (CR/PR vs SD)",
        ("km_pfs_by_response", "km_os_by_response"),
    ),
    PaperItem(
        "Results: Biochemical response",
        "CgA response and PFS/OS by biochemical response",
        ("biochemical_response", "km_pfs_by_biochemical", "km_os_by_biochemical"),
    ),
    PaperItem(
        "Results: Biochemical response (hormones)",
        "Hormone response of functional tumours",
        (),
        "the cohort store records chromogranin A only (no hormone measurements)",
    ),
    PaperItem(
        "Results: Toxicity (determinants)",
        "Uni- and multivariable logistic regression for bone-marrow toxicity, marrow dose included",
        ("univariate_marrow", "multivariable_marrow"),
    ),
    PaperItem(
        "Table 5",
        "Comparison with other 177Lu-DOTATATE studies in PanNETs",
        (),
        "it compares published studies; its figures come from other publications, not from a cohort",
    ),
)
"""Paper item → report tables/figures (or why the report cannot reproduce it)."""


def _glance_hr(study: StudyRun, fs: object, factor: str) -> None:
    f = FACTORS[factor]
    for ep in ("pfs", "os"):
        hr = study.key_numbers.get(f"prognostic_factors_hr[{ep}:{factor}]")
        ci = study.key_numbers.get(f"prognostic_factors_hr_ci[{ep}:{factor}]")
        if hr is None or ci is None:
            continue
        study.glance(
            f"{f.label}, {f.levels[1].lower()} vs {f.levels[0].lower()}: multivariable hazard "
            f"ratio for {_steps.ENDPOINT_LABELS[ep].lower()} {_steps._fmt(hr, 2)} (95 % CI "
            f"{_steps._fmt(ci[0], 2)}–{_steps._fmt(ci[1], 2)})."
        )


CAVEAT = (
    "Caution: response is observed after the start of PRRT, so patients must survive (and stay "
    "progression-free) long enough to respond; comparing groups defined by response from PRRT "
    "start favours the responders (immortal-time bias). The comparison reproduces the paper's "
    "analysis and is descriptive."
)


def run(store: Store, out_dir: str | Path, settings: Settings = SETTINGS) -> StudyOutput:
    """Run the template on ``store`` and write the report to ``out_dir``."""
    study = StudyRun.start(store, settings)
    data = study.population(
        "Pancreatic NETs pretreated with chemotherapy", lambda: population(study, settings)
    )
    if data is None:
        return study.finish(out_dir)
    study.glance(f"Patients: {len(data)} with a pancreatic NET pretreated with chemotherapy.")

    with study.section("Patient characteristics"):
        baseline(study, data)
    with study.section("Treatments before PRRT"):
        prior(study, data)
    with study.section("Administered activity and cycles"):
        activity(study, data, settings)
    with study.section(f"Toxicity grade 3–4 (CTCAE v{settings.ctcae_version})"):
        data = toxicity(study, data, settings)
    with study.section("Tumour response"):
        response(study, data)
    with study.section("Biochemical response"):
        biochemical(study, data)
    survival(study, data)

    with study.section("Predictors of progression-free and overall survival"):
        fs = factor_survival_table(
            study,
            data,
            [FACTORS[c] for c in settings.candidates if c in FACTORS],
            threshold=settings.screen_threshold,
            name="prognostic_factors",
            notes=FACTOR_NOTES,
        )
        for factor in ("chemo_lines_gt1", "hepatic_burden_gt50_liver"):
            _glance_hr(study, fs, factor)

    for factor, key in (("hepatic_burden_gt50_liver", "liver"), ("chemo_lines_gt1", "lines")):
        f = FACTORS[factor]
        with study.section(f"Survival by {f.label.lower()}"):
            d = data.assign(**{factor: pd.to_numeric(data[factor], errors="coerce")})
            for ep in ("pfs", "os"):
                _steps.survival_by(
                    study, d, ep, factor, f.label, f"{ep}_by_{key}", levels=level_names(f)
                )

    with study.section("One versus more than one line of chemotherapy"):
        comparison(study, data)

    with study.section("Determinants of bone-marrow toxicity: univariate analysis"):
        study.require(data, ["marrow_outcome"], "bone-marrow toxicity")
        _steps.binary_univariate(
            study,
            data,
            "marrow_outcome",
            settings.marrow_covariates,
            settings.marrow_continuous,
            labels={},
            key="marrow",
        )
    with study.section("Multivariable model for bone-marrow toxicity"):
        _steps.multivariable_logistic(
            study,
            data,
            "marrow_outcome",
            settings.marrow_multivariable,
            labels={},
            units=UNITS,
            key="marrow",
            title="Multivariable logistic regression for bone-marrow toxicity (grade 3–4 or PRRT "
            "stopped for toxicity), marrow absorbed dose included",
        )

    with study.section("Survival by morphological response"):
        d = _steps.evaluable_responses(data)
        d = d.loc[d["bor"].isin(["CR", "PR", "SD"])].assign(
            responder=lambda f: (
                f["bor"]
                .isin(["CR", "PR"])
                .map({True: "Complete or partial response", False: "Stable disease"})
            )
        )
        study.text(CAVEAT)
        _steps.survival_by(study, d, "pfs", "responder", "Best response", "pfs_by_response")
        _steps.survival_by(study, d, "os", "responder", "Best response", "os_by_response")

    with study.section(
        f"Survival by response: landmark analysis at {settings.response_landmark_months:g} months"
    ):
        landmark_by_response(study, data, settings.response_landmark_months)

    with study.section("Survival by biochemical response"):
        d = study.require(data, ["biochemical_response"], "biochemical response")
        d = d.assign(biochem=d["biochemical_response"].astype(float))
        names = {1.0: "Chromogranin A response", 0.0: "No chromogranin A response"}
        study.text(CAVEAT)
        _steps.survival_by(
            study, d, "pfs", "biochem", "Biochemical response", "pfs_by_biochemical", levels=names
        )
        _steps.survival_by(
            study, d, "os", "biochem", "Biochemical response", "os_by_biochemical", levels=names
        )

    return study.finish(out_dir)
