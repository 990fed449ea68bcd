"""Steps of the PanNET-after-chemotherapy template (Fröss-Baron et al., Neuroendocrinology 2021).

The recipe itself (settings, paper correspondence, order of the steps) is
:mod:`prrt.studies.pannet_chemotherapy`; this module holds its sections: derived factors, Table 1,
Table 2, activity and cycles, toxicity (CTCAE v3.0), response, biochemical response, survival
summary and the one versus more than one line comparison (Table 4). ``settings`` is the
template's :class:`~prrt.studies.pannet_chemotherapy.Settings`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from prrt import stats
from prrt.report import ReportTable, figures, vocabulary
from prrt.studies import _display, _doses, _prior_treatments, _steps
from prrt.studies._base import NotComputable, StudyRun, subset
from prrt.studies._factor_survival import Factor

HAEM_TERMS = ("platelets", "haemoglobin", "leukocytes", "neutrophils")
"""Bone-marrow toxicity terms (Fröss-Baron, Toxicity: white blood cells/granulocytes,
haemoglobin, platelets)."""
TOX_TERMS = (*HAEM_TERMS, "lymphocytes", "creatinine", "alt", "ast", "alp", "bilirubin")

FACTORS = {
    f.column: f
    for f in (
        Factor("age_gt65", "Age", ("≤ 65 years", "> 65 years")),
        Factor("ecog_ge1", "ECOG performance status", ("0", "≥ 1")),
        Factor("functional", "Functionality", ("Non-functional", "Functional")),
        Factor("pd_at_baseline", "Progressive disease at baseline", ("No", "Yes")),
        Factor("ki67_gt10", "Ki-67 index", ("≤ 10 %", "> 10 %")),
        Factor("krenning_4", "Krenning score", ("≤ 3", "4")),
        Factor("hepatic_burden_gt50_liver", "Hepatic tumour burden", ("≤ 50 %", "> 50 %")),
        Factor("bone_metastases", "Bone metastases", ("No", "Yes")),
        Factor("surgery_primary", "Resection of the primary tumour", ("No", "Yes")),
        Factor("chemo_lines_gt1", "Lines of chemotherapy", ("One line", "More than one line")),
        Factor("cga_gt_uln", "CgA > ULN", ("No", "Yes")),
        Factor("cga_gt_10uln", "CgA > 10 × ULN", ("No", "Yes")),
        Factor("alp_gt_2uln", "ALP > 2 × ULN", ("No", "Yes")),
    )
}
"""Table 3 factors of Fröss-Baron (two levels each; the second is compared with the first).
Factor and level words as the paper's Table 3 lays them out; abbreviations as the vocabulary."""

FACTOR_NOTES = (
    "Hepatic tumour burden: percent of the liver volume replaced by tumour, in the patients with "
    "liver metastases. Krenning score: uptake on somatostatin receptor imaging. ECOG, Eastern "
    "Cooperative Oncology Group; CgA, chromogranin A; ALP, alkaline phosphatase; ULN, upper limit "
    "of normal."
)

HEPATIC_ORDER = ("none", "lt10", "10_50", "gt50", "gt50_enlarged")
"""Fröss-Baron hepatic tumour burden classes in the order of Table 1 (percent of liver volume on
CT/MRI; labels in :data:`prrt.report.vocabulary.LEVELS`)."""

UNITS = {"cumulative_activity_gbq": "GBq", "bone_marrow_gy": "Gy", "n_cycles": "cycle"}


def _flag(cond: pd.Series, known: pd.Series) -> pd.Series:
    """0/1 float of ``cond`` where ``known``, else missing."""
    return cond.astype(float).where(known.astype(bool))


def population(study: StudyRun, settings: Any) -> pd.DataFrame:
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
                (f"Primary site: {str(_display.words(settings.primary_site)).lower()}", n_site),
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
    return derive(study, data, settings)


def derive(study: StudyRun, data: pd.DataFrame, settings: Any) -> pd.DataFrame:
    """Add the paper's factors (0/1 floats, missing where unknown) and display columns."""
    ids = data["patient_id"].astype(str)
    prior = study.read("prior_treatments")
    flags = _prior_treatments.treatment_flags(prior, ids)
    patients = study.read("patients").set_index("patient_id")
    diagnosis = pd.to_datetime(patients["diagnosis_date"]).reindex(ids).to_numpy()
    start = pd.to_datetime(data["course_start"]).to_numpy()
    burden = data["hepatic_tumour_burden"]
    has_liver = burden.notna() & burden.ne("none")
    out = data.assign(
        male=_flag(data["sex"].eq("M"), data["sex"].notna()),
        age_gt65=(data["age_at_start"] > 65).astype(float).where(data["age_at_start"].notna()),
        ecog_ge1=_flag(data["ecog"] >= 1, data["ecog"].notna()),
        krenning_4=_flag(data["krenning_score"] == 4, data["krenning_score"].notna()),
        chemo_lines_gt1=(data["chemo_lines"] > 1).astype(float),
        hepatic_burden_gt50_liver=_flag(burden.isin(["gt50", "gt50_enlarged"]), has_liver),
        surgery_primary=flags["surgery_primary"].reindex(ids).to_numpy(dtype=float),
        alkylating_months=flags["alkylating_months"].reindex(ids).to_numpy(dtype=float),
        pd_at_baseline=pd_at_baseline(study, data, settings.baseline_pd_window_days),
        months_to_prrt=(start - diagnosis) / pd.Timedelta(days=1) / _steps.DAYS_PER_MONTH,
    )
    if study.has_rows("analysis_dose_summary"):
        # one estimate per patient × cycle × structure, summed by the dosimetry area
        dose = study.read("analysis_dose_summary")
        dose = dose.loc[dose["course_no"] == 1].set_index("patient_id")
        for c in ("bone_marrow_gy", "kidneys_gy"):
            if c in dose.columns and c not in out.columns:
                out[c] = dose[c].reindex(ids).to_numpy(dtype=float)
    return out


def pd_at_baseline(study: StudyRun, data: pd.DataFrame, window_days: int) -> np.ndarray:
    """Progression (radiological or clinical) recorded within ``window_days`` before PRRT.

    Missing for every patient when the store records no progression before any patient's PRRT
    start (disease status at baseline not captured), rather than "no".
    """
    ev = study.read("disease_events")
    ev = ev.loc[ev["event_type"].isin(["radiological_progression", "clinical_progression"])]
    start = pd.to_datetime(data.set_index("patient_id")["course_start"])
    m = ev.assign(start=pd.to_datetime(ev["patient_id"].map(start)))
    days = (m["start"] - pd.to_datetime(m["event_date"])).dt.days
    before = m.loc[(days > 0) & (days <= window_days), "patient_id"]
    if before.empty:
        return np.full(len(data), np.nan)
    return data["patient_id"].isin(set(before)).astype(float).to_numpy()


def baseline(study: StudyRun, data: pd.DataFrame) -> None:
    if data["pd_at_baseline"].isna().all():
        study.skip(
            "Progressive disease at baseline",
            "the store records no progression before PRRT start for any patient (disease status "
            "at baseline is not captured)",
        )
    variables = [
        v
        for v in (
            "sex",
            "age_at_start",
            "functional",
            "pd_at_baseline",
            "who_grade",
            "ki67_pct",
            "liver_metastases",
            "hepatic_tumour_burden",
            "lymph_node_metastases",
            "bone_metastases",
            "peritoneal_metastases",
            "cga_gt_uln",
            "alp_gt_2uln",
            "ecog",
            "krenning_score",
            "months_to_prrt",
        )
        if v in data.columns and data[v].notna().any()
    ]
    continuous = ("age_at_start", "ki67_pct", "months_to_prrt")
    study.table(
        _display.table_one_readable(
            data,
            variables,
            categorical=[v for v in variables if v not in continuous],
            continuous=[v for v in continuous if v in variables],
            levels={
                "hepatic_tumour_burden": [
                    vocabulary.level_label("hepatic_tumour_burden", c)
                    for c in HEPATIC_ORDER
                    if c in set(data["hepatic_tumour_burden"].dropna())
                ]
            },
            stats={
                "age_at_start": "mean_sd",
                "ki67_pct": "median_range",
                "months_to_prrt": "median_range",
            },
            title=f"Basic patient characteristics (n = {len(data)})",
            footnote="n (% of patients with the item recorded; Missing, not recorded). Hepatic "
            "tumour burden: percent of the liver volume replaced by tumour on baseline CT/MRI. "
            "ULN, upper limit of normal; ECOG, Eastern Cooperative Oncology Group.",
        )
    )


def activity(study: StudyRun, data: pd.DataFrame, settings: Any) -> None:
    variables = [
        v
        for v in (
            "protocol",
            "n_cycles",
            "cumulative_activity_gbq",
            "stop_reason",
            "kidneys_gy",
            "bone_marrow_gy",
        )
        if v in data.columns and data[v].notna().any()
    ]
    study.table(
        _display.table_one_readable(
            data,
            variables,
            categorical=[v for v in ("protocol", "stop_reason") if v in variables],
            continuous=[
                v
                for v in ("n_cycles", "cumulative_activity_gbq", "kidneys_gy", "bone_marrow_gy")
                if v in variables
            ],
            stats={"cumulative_activity_gbq": "mean_sd"},
            title="Administered activity, cycles and reasons for stopping PRRT",
            name="activity_cycles",
            footnote="Absorbed doses: sum over the cycles of the first course, in the patients "
            "with dosimetry. " + _doses.preference_note(_doses.DEFAULT_PREFERENCE),
        )
    )
    n4 = int((data["n_cycles"] > 4).sum())
    study.text(f"More than four cycles: {n4} of {len(data)} patients.")
    for col, limit, organ in (
        ("kidneys_gy", settings.kidney_limit_gy, "kidneys"),
        ("bone_marrow_gy", settings.marrow_limit_gy, "bone marrow"),
    ):
        if col in data.columns and data[col].notna().any():
            dosed = data[col].dropna()
            study.text(
                f"Cumulative absorbed dose to the {organ} ≥ {limit:g} Gy: "
                f"{int((dosed >= limit).sum())} of {len(dosed)} patients with dosimetry."
            )
    study.number("cumulative_activity_mean", float(data["cumulative_activity_gbq"].mean()))


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


def _tox_row(label: str, grades: pd.Series) -> dict[str, object]:
    graded = grades.dropna()
    n3, n4 = int((graded == 3).sum()), int((graded >= 4).sum())
    return {
        "Toxicity": label,
        "Patients graded, n": len(graded),
        "Grade 3, n": n3,
        "Grade 4, n": n4,
        "_rate": (n3 + n4, len(graded)) if len(graded) else None,
        "Grade 3–4, n/N (%; 95 % CI)": _steps.rate_text(n3 + n4, len(graded))
        if len(graded)
        else "—",
    }


def toxicity(study: StudyRun, data: pd.DataFrame, settings: Any) -> pd.DataFrame:
    worst = _worst_grades(study, data, settings.ctcae_version)
    terms = [t for t in TOX_TERMS if t in worst.columns]
    if not terms:
        raise NotComputable("no graded laboratory values on treatment")
    rows = [_tox_row(vocabulary.level_label("ctcae_v3_term", t), worst[t]) for t in terms]
    haem = [t for t in HAEM_TERMS if t in worst.columns]
    wbc = [t for t in ("leukocytes", "neutrophils") if t in worst.columns]
    if wbc:
        rows.insert(4, _tox_row("Leukocytes and/or neutrophils", worst[wbc].max(axis=1)))
    marrow = worst[haem].max(axis=1)
    rows.append(_tox_row("Bone-marrow toxicity (any of the four blood counts)", marrow))
    aml = data["mds_aml"].astype("boolean")
    n_aml, n_known = int(aml.sum()), int(aml.notna().sum())
    rows.append(
        {
            "Toxicity": "Acute myeloid leukaemia or myelodysplastic syndrome (any time after PRRT start)",
            "Patients graded, n": n_known,
            "Grade 3, n": "",
            "Grade 4, n": "",
            "Grade 3–4, n/N (%; 95 % CI)": _steps.rate_text(n_aml, n_known) if n_known else "—",
            "_rate": (n_aml, n_known) if n_known else None,
        }
    )
    shown, numbers = _steps.rate_frames(rows)
    study.table(
        ReportTable(
            f"Grade 3–4 toxicity (CTCAE v{settings.ctcae_version})",
            shown,
            "toxicity",
            numbers=numbers,
            footnote=f"Worst grade per patient from the first cycle to the end of the "
            f"on-treatment window (CTCAE v{settings.ctcae_version}); N, patients with at least one "
            "graded value of the term (the denominator of each rate). Bone-marrow toxicity: worst "
            "grade of platelets, haemoglobin, leukocytes or neutrophils. 95 % CI: Clopper–Pearson "
            "exact.",
        )
    )
    study.uses(tests=["Clopper–Pearson exact confidence interval"])
    graded = marrow.notna()
    n_m = int((marrow >= 3).sum())
    study.number("marrow_toxicity_n", n_m)
    study.number("marrow_toxicity_denominator", int(graded.sum()))
    study.number("mds_aml_n", n_aml)
    if graded.any():
        r = stats.proportion_ci(n_m, int(graded.sum()))
        study.number("marrow_toxicity_ci", r.ci)
        study.glance(
            f"Bone-marrow toxicity grade 3–4 (CTCAE v{settings.ctcae_version}): "
            f"{_steps.rate_text(n_m, int(graded.sum()))}; AML or MDS in {n_aml} of {n_known} patients."
        )
    stopped = data["stop_reason"].eq("toxicity").to_numpy()
    tox = (marrow.to_numpy() >= 3).astype(float)
    tox = np.where(graded.to_numpy(), tox, np.nan)
    outcome = (
        np.where(stopped, 1.0, tox) if settings.marrow_outcome_includes_stop_for_toxicity else tox
    )
    return data.assign(
        marrow_toxicity=np.where(graded.to_numpy(), (marrow.to_numpy() >= 3).astype(float), np.nan),
        marrow_outcome=outcome,
    )


def response(study: StudyRun, data: pd.DataFrame) -> None:
    in_dcr = _steps.dcr_includes_non_cr_non_pd(study)
    r = _steps.response_rates(data, non_cr_non_pd_control=in_dcr)
    n, n_ne = r.n_evaluable, r.n_total - r.n_evaluable
    labels = {
        "CR": "Complete response",
        "PR": "Partial response",
        "SD": "Stable disease",
        "NON-CR/NON-PD": _steps.RESPONSE_LABELS["NON-CR/NON-PD"],
        "PD": "Progressive disease",
    }
    rows = [
        {
            "Best overall response": labels[code],
            "n/N (%; 95 % CI)": _steps.rate_text(int(r.counts[code]), n),
            "_rate": (int(r.counts[code]), n),
        }
        for code in _steps.RESPONSES
        if code != "NON-CR/NON-PD" or r.counts[code] > 0
    ]
    x_orr, x_dcr = r.orr.x, r.dcr.x
    non_cr = " + non-CR/non-PD" if in_dcr and r.counts["NON-CR/NON-PD"] > 0 else ""
    rows += [
        {
            "Best overall response": "Objective response (CR + PR)",
            "n/N (%; 95 % CI)": _steps.rate_text(x_orr, n),
            "_rate": (x_orr, n),
        },
        {
            "Best overall response": f"Disease control (CR + PR + SD{non_cr})",
            "n/N (%; 95 % CI)": _steps.rate_text(x_dcr, n),
            "_rate": (x_dcr, n),
        },
    ]
    shown, numbers = _steps.rate_frames(rows)
    study.table(
        ReportTable(
            "Best overall response (RECIST 1.1)",
            shown,
            "response",
            numbers=numbers,
            footnote=f"N = {n} patients with an evaluable response; {n_ne} of {len(data)} patients "
            "were not evaluable (no response assessment after baseline, e.g. death before the "
            "first CT/MRI). 95 % CI: Clopper–Pearson exact.",
        )
    )
    orr, dcr = r.orr, r.dcr
    study.number("orr", orr.estimate)
    study.number("orr_ci", orr.ci)
    study.number("dcr", dcr.estimate)
    study.number("dcr_ci", dcr.ci)
    study.number("response_evaluable", n)
    study.glance(
        f"Objective response (RECIST 1.1): {_steps.rate_text(x_orr, n)} of evaluable patients."
    )
    study.glance(f"Disease control: {_steps.rate_text(x_dcr, n)}.")


def biochemical(study: StudyRun, data: pd.DataFrame) -> None:
    b = study.require(data, ["biochemical_response"], "biochemical response")[
        "biochemical_response"
    ]
    b = b.astype("boolean")
    x, n = int(b.sum()), len(b)
    elevated = data["cga_gt_uln"].astype("boolean")
    n_cga = int(elevated.notna().sum())
    shown, numbers = _steps.rate_frames(
        [
            {
                "Item": "Chromogranin A recorded at baseline",
                "n/N (%; 95 % CI)": _steps.rate_text(n_cga, len(data)),
                "_rate": (n_cga, len(data)),
            },
            {
                "Item": "Chromogranin A above the upper limit of normal at baseline",
                "n/N (%; 95 % CI)": _steps.rate_text(int(elevated.sum()), n_cga),
                "_rate": (int(elevated.sum()), n_cga),
            },
            {
                "Item": "Decrease > 50 % or normalisation",
                "n/N (%; 95 % CI)": _steps.rate_text(x, n),
                "_rate": (x, n),
            },
        ]
    )
    study.table(
        ReportTable(
            "Biochemical response (chromogranin A)",
            shown,
            "biochemical_response",
            numbers=numbers,
            footnote="Biochemical response: chromogranin A decrease > 50 % from an elevated "
            "baseline or normalisation (≤ upper limit of normal), among the patients with an "
            "elevated baseline and a follow-up value (N). 95 % CI: Clopper–Pearson exact.",
        )
    )
    study.number("biochemical_response", x / n)


def survival(study: StudyRun, data: pd.DataFrame) -> None:
    rows = []
    for ep, key in (("pfs", "pfs"), ("os", "os")):
        with study.section(_steps.ENDPOINT_LABELS[ep]):
            fit = _steps.survival_overall(study, data, ep, key)
            rows.append((f"{_steps.ENDPOINT_LABELS[ep]} from PRRT start", fit))
            study.glance(
                f"Median {_steps.ENDPOINT_LABELS[ep].lower()}: {_steps._median_text(fit)} months "
                f"({fit.n_events} events in {fit.n} patients)."
            )
    with study.section("Survival summary and follow-up"):
        table = []
        for label, fit in rows:
            table.append(
                {
                    "Endpoint": label,
                    "Events / patients": f"{fit.n_events}/{fit.n}",
                    "Median, months (95 % CI)": _steps._median_text(fit),
                }
            )
        dx = data.dropna(subset=["os_from_diagnosis_days"])
        if len(dx):
            fit = stats.kaplan_meier(
                dx["os_from_diagnosis_days"].astype(float) / _steps.DAYS_PER_MONTH,
                dx["os_event"].astype(float),
            )
            study.number("os_dx_median_months", fit.median)
            table.append(
                {
                    "Endpoint": "Overall survival from diagnosis",
                    "Events / patients": f"{fit.n_events}/{fit.n}",
                    "Median, months (95 % CI)": _steps._median_text(fit),
                }
            )
        d = _steps.endpoint_frame(data, "os")
        fu = stats.followup(d["time_months"], d["event"])
        study.uses(fu, tests=["reverse Kaplan–Meier follow-up"])
        lo, hi = fu.ci
        table.append(
            {
                "Endpoint": "Follow-up (reverse Kaplan–Meier)",
                "Events / patients": f"{int(d['event'].eq(0).sum())} censored/{len(d)}",
                "Median, months (95 % CI)": f"{_steps._fmt(fu.estimate)} ({_steps._fmt(lo)}–{_steps._fmt(hi)})",
            }
        )
        study.number("followup_median_months", fu.estimate)
        study.number("followup_ci", fu.ci)
        study.table(
            ReportTable(
                "Survival from PRRT start and from diagnosis, and median follow-up",
                pd.DataFrame(table),
                "survival_summary",
                footnote="Kaplan–Meier medians with Brookmeyer–Crowley 95 % CI (log-log); NE, not "
                "estimable. Follow-up: reverse Kaplan–Meier (death censors, censoring is the "
                f"event); observed range {_steps._fmt(fu.observed_min)}–{_steps._fmt(fu.observed_max)} months.",
            )
        )
        study.glance(
            f"Median follow-up (reverse Kaplan–Meier): {_steps._fmt(fu.estimate)} months (95 % CI {_steps._fmt(lo)}–{_steps._fmt(hi)})."
        )


def prior(study: StudyRun, data: pd.DataFrame) -> None:
    ids = data["patient_id"].astype(str)
    flags = _prior_treatments.treatment_flags(study.read("prior_treatments"), ids)
    lines = pd.Series(data["chemo_lines"].to_numpy(), index=ids.to_numpy())
    study.table(_prior_treatments.prior_treatment_table(flags, lines))


def comparison(study: StudyRun, data: pd.DataFrame) -> None:
    variables = [
        v
        for v in (
            "age_gt65",
            "ecog_ge1",
            "functional",
            "pd_at_baseline",
            "months_to_prrt",
            "krenning_4",
            "surgery_primary",
            "ki67_gt10",
            "hepatic_burden_gt50_liver",
            "bone_metastases",
            "tumour_burden_score",
            "cga_gt_uln",
            "cga_gt_10uln",
            "alp_gt_2uln",
        )
        if v in data.columns and data[v].dropna().nunique() >= 2
    ]
    if not variables or data["chemo_lines_gt1"].dropna().nunique() < 2:
        raise NotComputable("no variable to compare, or all patients had the same number of lines")
    continuous = [v for v in ("months_to_prrt", "tumour_burden_score") if v in variables]
    tests = {
        v: stats.compare_groups(
            data, v, "chemo_lines_gt1", kind="continuous" if v in continuous else "categorical"
        )
        for v in variables
    }
    study.uses(
        *tests.values(), tests=["Pearson χ² test", "Fisher's exact test", "Wilcoxon rank-sum test"]
    )
    grouped = data.assign(lines=data["chemo_lines_gt1"].astype("Int64"))
    study.table(
        _display.table_one_readable(
            grouped,
            variables,
            group="lines",
            labels={"lines=0": "One line", "lines=1": "More than one line"},
            continuous=continuous,
            stats={v: "median_range" for v in continuous},
            p_values={v: r.p_value for v, r in tests.items()},
            tests={v: r.method for v, r in tests.items()},
            title="Comparison of the patients with one and with more than one line of chemotherapy",
            name="chemo_lines_comparison",
            footnote="Categorical factors: Pearson χ² test without continuity correction, or "
            "Fisher's exact test when an expected count is below 5; continuous: Wilcoxon rank-sum "
            "test. Percentages of the patients with the factor recorded.",
        )
    )


def landmark_by_response(study: StudyRun, data: pd.DataFrame, landmark_months: float) -> None:
    """Landmark analysis of PFS and OS by objective response (Anderson et al., J Clin Oncol
    1983;1:710–9): patients event-free at the landmark, grouped by whether a complete or partial
    response was reached by then; time restarts at the landmark. Removes the immortal-time bias of
    comparing groups defined by a response observed after the start of PRRT."""
    d = _steps.evaluable_responses(data)
    cutoff = landmark_months * _steps.DAYS_PER_MONTH
    responded = d["bor"].isin(["CR", "PR"]) & (d["time_to_bor_days"].astype(float) <= cutoff)
    names = {1.0: f"Response by {landmark_months:g} months", 0.0: "No response by then"}
    study.text(
        f"Landmark analysis: the patients with an evaluable response who were event-free at "
        f"{landmark_months:g} months after the start of PRRT, grouped by an objective response "
        "(CR or PR) reached by then; time is counted from the landmark."
    )
    for ep in ("pfs", "os"):
        t = d[f"{ep}_days"].astype(float)
        at_risk = t > cutoff
        lm = d.loc[at_risk].assign(
            **{f"{ep}_days": t[at_risk] - cutoff},
            landmark_group=responded[at_risk].astype(float),
        )
        _steps.survival_by(
            study,
            lm,
            ep,
            "landmark_group",
            "Response at the landmark",
            f"{ep}_by_response_landmark",
            levels=names,
        )
