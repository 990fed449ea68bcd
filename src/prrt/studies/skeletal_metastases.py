"""Study template: PRRT in patients with skeletal metastases.

Recipe of the J Nucl Med 2025 abstract (seed 003; n = 74, 288 cycles): patients with bone
metastases; cycles and cumulative activity (median, IQR); modified MD Anderson (bone) and RECIST
1.1 best response over the evaluable patients with exact 95 % CIs, and by skeletal burden (≤ 10 vs
> 10 sites); bone-pain response; grade 4–5 adverse events; skeletal-related events; Kaplan–Meier
PFS and OS; multivariable Cox with cumulative activity ≥ 29.6 GBq, ALP elevation and sex.
Cumulative activity is reached after the start of PRRT, so every comparison by it is shown beside a
landmark analysis (status at the landmark, time from the landmark).
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
from prrt.studies import _competing, _display, _figures, _steps
from prrt.studies._base import NotComputable, StudyOutput, StudyRun, subset
from prrt.studies._correspondence import PaperItem

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
    response_ci: str = "clopper-pearson"
    """95 % CI of response rates: ``clopper-pearson`` (exact) or ``wilson``."""
    bone_burden_cutoff_sites: int = 10
    """Skeletal burden: ≤ 10 vs > 10 skeletal metastatic sites (abstract)."""
    landmark_months: float = 9.0
    """Landmark for cumulative activity: 29.6 GBq (four 7.4-GBq cycles) is reached by ~6–8 months."""
    statistics: str = (
        "median (IQR, SAS PCTLDEF=5); response rates over evaluable patients with exact "
        "(Clopper–Pearson) 95 % CI, Fisher's exact test between burden groups; Kaplan–Meier "
        "(log-log CI); multivariable Cox PH, Breslow ties, Wald CI; landmark analyses for "
        "cumulative activity, and cumulative activity as a time-dependent covariate "
        "(counting-process Cox); Aalen–Johansen cumulative incidence of skeletal-related events "
        "with death as the competing event"
    )


SETTINGS = Settings()

LABELS = vocabulary.VARIABLES
"""Display labels: the one vocabulary (:mod:`prrt.report.vocabulary`); add new ones there."""

BONE_PAIN = {
    "complete": "Complete resolution",
    "partial": "Partial reduction",
    "stable": "Stable",
    "progression": "Progression",
}
"""Bone-pain response categories, best first (``symptom_responses.response``)."""

CORRESPONDENCE: tuple[PaperItem, ...] = (
    PaperItem("Results", "Patients with skeletal metastases (population)", ("patient_flow",)),
    PaperItem("Results", "Cycles and cumulative activity, median (IQR)", ("treatment",)),
    PaperItem(
        "Results",
        "Best objective response, modified MD Anderson and RECIST 1.1, evaluable patients",
        ("response",),
    ),
    PaperItem("Results", "Objective response by skeletal burden (≤ 10 vs > 10 sites)", ("orr_by_burden",)),
    PaperItem("Results", "Bone-pain response", ("bone_pain",)),
    PaperItem("Results", "Grade 4–5 adverse events and skeletal-related events", ("safety",)),
    PaperItem("Results", "Median PFS (Kaplan–Meier)", ("km_pfs",)),
    PaperItem("Results", "Median OS (Kaplan–Meier)", ("km_os",)),
    PaperItem(
        "Results",
        "PFS and OS by cumulative activity ≥ 29.6 GBq",
        ("km_pfs_by_activity", "km_os_by_activity"),
    ),
    PaperItem("Results", "Multivariable Cox model for PFS", ("cox_pfs", "forest_cox_pfs")),
    PaperItem("Results", "Multivariable Cox model for OS", ("cox_os", "forest_cox_os")),
    PaperItem("Additional analysis", "Cumulative incidence of skeletal-related events with death "
              "competing (Aalen–Johansen)", ("cuminc_sre", "cuminc_sre_at")),
    PaperItem("Additional analysis", "Cumulative activity ≥ 29.6 GBq as a time-dependent "
              "covariate, beside the naive and landmark Cox models", ("td_cox_pfs", "td_cox_os")),
    PaperItem("Visual abstract", "Figure of the visual abstract", (), reason="the full text and its "
              "figures are not available (abstract only, seed 003)"),
)  # fmt: skip
"""The analyses of the J Nucl Med 2025 abstract (the full text is not in the seeds) → report items."""


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


def _bone_sites(study: StudyRun, data: pd.DataFrame) -> pd.Series:
    """Skeletal metastatic sites per patient: lesions on the first bone scan of the course.

    The sum of ``bone_involvement.lesion_count`` over bones on the patient's first recorded bone
    exam on or after 90 days before the first cycle (NaN without one).
    """
    if not study.has_rows("bone_involvement"):
        return pd.Series(float("nan"), index=data.index)
    bi = study.read("bone_involvement").merge(data[["patient_id", "course_start"]], on="patient_id")
    days = (pd.to_datetime(bi["exam_date"]) - pd.to_datetime(bi["course_start"])).dt.days
    bi = bi.loc[days >= -90]
    first = bi["exam_date"] == bi.groupby("patient_id")["exam_date"].transform("min")
    sites = bi.loc[first].groupby("patient_id")["lesion_count"].sum()
    return data["patient_id"].map(sites).astype(float)


def _cox(
    study: StudyRun,
    d: pd.DataFrame,
    endpoint: str,
    settings: Settings,
    *,
    key: str,
    title: str,
    note: str = "",
) -> None:
    """Multivariable Cox model with the pre-specified covariates (Breslow ties, Wald CI)."""
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
    d = d.copy()
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
            title=title,
            name=key,
            footnote=f"{note}Breslow ties, Wald 95 % CI; n = {fit.n}, events = {fit.n_events}.",
        )
    )
    for term in tab.index:
        study.number(f"{key}_hr[{term}]", float(tab.loc[term, "hr"]))
        study.number(
            f"{key}_ci[{term}]", (float(tab.loc[term, "lower"]), float(tab.loc[term, "upper"]))
        )
        study.number(f"{key}_p[{term}]", float(tab.loc[term, "p"]))
    if caught or not np.isfinite(tab["hr"]).all():
        study.text(
            "Note: some hazard ratios are not estimable (monotone likelihood: a group without "
            "events) or the fit did not converge cleanly; they are shown as such."
        )
    study.figure(
        figures.forest_figure(tab.rename(index=vocabulary.term_label), effect="HR"),
        f"forest_{key}",
        f"{title} (hazard ratios with 95 % CI; n = {fit.n}, events = {fit.n_events}).",
    )


def _response(study: StudyRun, data: pd.DataFrame, settings: Settings) -> None:
    rows, notes = [], []
    show_non_cr = any(
        c in data.columns and data[c].eq("NON-CR/NON-PD").any() for c in ("mda_bor", "bor")
    )
    for col, label in (
        ("mda_bor", "Modified MD Anderson (bone)"),
        ("bor", "RECIST 1.1 (overall)"),
    ):
        if col not in data.columns or not data[col].isin(_steps.RESPONSES).any():
            continue
        r = _steps.response_rates(
            data,
            col,
            method=settings.response_ci,
            non_cr_non_pd_control=_steps.dcr_includes_non_cr_non_pd(study),
        )
        rows.append(
            {
                "Criteria": label,
                "Evaluable, n": str(r.n_evaluable),
                **{
                    _display.response_label(k): str(int(r.counts[k]))
                    for k in _steps.RESPONSES
                    if k != "NON-CR/NON-PD" or show_non_cr
                },
                "Objective response, % (95 % CI)": _steps.pct_ci_text(r.orr),
                "Disease control, % (95 % CI)": _steps.pct_ci_text(r.dcr),
            }
        )
        notes.append(f"{label}: {r.n_evaluable} of {r.n_total} evaluable, {r.not_evaluable_text()}")
        study.uses(r.orr)
        study.number(f"orr_pct[{col}]", 100.0 * r.orr.estimate)
        study.number(f"orr_ci[{col}]", (100.0 * r.orr.ci[0], 100.0 * r.orr.ci[1]))
        study.number(f"dcr_pct[{col}]", 100.0 * r.dcr.estimate)
        study.number(f"n_evaluable[{col}]", r.n_evaluable)
        study.number(f"response_counts[{col}]", r.counts.to_dict())
    if not rows:
        raise NotComputable(
            "no patient has an evaluable response (no lesion measurements, bone "
            "involvement or response assessments in the store)"
        )
    study.table(
        ReportTable(
            "Best objective response of the evaluable patients",
            pd.DataFrame(rows),
            "response",
            footnote="Counts and rates over the evaluable patients (best response CR, PR, SD or PD); "
            + "; ".join(notes)
            + f". CR, complete response; PR, partial response; SD, stable disease; PD, progressive "
            f"disease. Objective response = CR + PR; disease control = CR + PR + SD (+ non-CR/"
            f"non-PD); 95 % CI "
            f"{_steps.CI_METHODS.get(settings.response_ci, settings.response_ci)}.",
        )
    )


def _orr_by_burden(study: StudyRun, data: pd.DataFrame, settings: Settings) -> None:
    """Objective response by skeletal burden (≤ cut-off vs > cut-off sites), Fisher's exact test."""
    cut = settings.bone_burden_cutoff_sites
    sites = data["bone_sites"]
    if sites.notna().sum() == 0:
        raise NotComputable("no bone scan with lesion counts (bone involvement) in the store")
    groups = {f"≤ {cut} sites": sites.le(cut), f"> {cut} sites": sites.gt(cut)}
    rows = []
    for col, label in (("mda_bor", "Modified MD Anderson (bone)"), ("bor", "RECIST 1.1 (overall)")):
        if col not in data.columns or not data[col].isin(_steps.RESPONSES).any():
            continue
        ok = data[col].isin(_steps.RESPONSES) & sites.notna()
        resp = data[col].isin(["CR", "PR"])
        row: dict[str, str] = {"Criteria": label}
        table = []
        for g, mask in groups.items():
            n = int((ok & mask).sum())
            x = int((ok & mask & resp).sum())
            table.append([x, n - x])
            row[f"{g}: responders / evaluable (%, 95 % CI)"] = (
                f"{x}/{n} ({_steps.pct_ci_text(stats.proportion_ci(x, n, method=settings.response_ci))})"  # type: ignore[arg-type]
                if n
                else "0/0"
            )
            study.number(f"orr_by_burden[{col}][{g}]", (x, n))
        p = (
            stats.fisher_exact(np.array(table)).p_value
            if min(map(sum, table)) > 0
            else float("nan")
        )
        row["Fisher's exact p"] = stats.format_p(p) if np.isfinite(p) else "NE"
        study.number(f"orr_by_burden_p[{col}]", p)
        rows.append(row)
    if not rows:
        raise NotComputable("no evaluable response")
    study.uses(tests=["Fisher's exact test"])
    study.table(
        ReportTable(
            f"Objective response by skeletal metastatic burden (≤ {cut} vs > {cut} sites)",
            pd.DataFrame(rows),
            "orr_by_burden",
            footnote="Sites: skeletal lesions on the first bone scan of the course. Objective "
            "response = CR + PR over the evaluable patients of each group; 95 % CI "
            f"{_steps.CI_METHODS.get(settings.response_ci, settings.response_ci)}; two-sided "
            "Fisher's exact test.",
        )
    )


def _bone_pain(study: StudyRun, data: pd.DataFrame) -> None:
    """Bone-pain response among the patients with bone pain, ordered best first."""
    with_pain = pd.Series(False, index=data.index)
    if study.has_rows("symptom_responses"):
        sr = study.read("symptom_responses")
        sr = sr.loc[sr["symptom"] == "bone_pain"]
        with_pain = data["patient_id"].isin(set(sr["patient_id"]))
    with_pain |= data["bone_pain_response"].notna() if "bone_pain_response" in data else False
    n = int(with_pain.sum())
    if n == 0:
        raise NotComputable("no bone-pain assessment recorded")
    resp = data.loc[with_pain, "bone_pain_response"]
    counts = resp.value_counts().reindex(list(BONE_PAIN), fill_value=0)
    n_ne = n - int(counts.sum())
    rows = [
        {
            "Bone-pain response": BONE_PAIN[k],
            "Patients, n (%)": f"{int(v)} ({_steps._fmt(100 * v / n)})",
        }
        for k, v in counts.items()
    ]
    rows.append({"Bone-pain response": "Not evaluable (no assessment after the start)", "Patients, n (%)": f"{n_ne} ({_steps._fmt(100 * n_ne / n)})"})  # fmt: skip
    study.table(
        ReportTable(
            f"Bone-pain response among the {n} patients with bone pain "
            f"({_steps._fmt(100 * n / len(data))} % of {len(data)})",
            pd.DataFrame(rows),
            "bone_pain",
            footnote="Best recorded bone-pain response during and after PRRT; percentages of the "
            f"{n} patients with bone pain.",
        )
    )
    study.number("bone_pain_n", n)
    study.number("bone_pain_counts", {**counts.to_dict(), "not_evaluable": n_ne})


def _safety(study: StudyRun, data: pd.DataFrame, settings: Settings) -> None:
    n = len(data)
    grade_cols = [c for c in data.columns if c.startswith("worst_grade_")]
    worst_lab = (
        data[grade_cols].astype(float).max(axis=1)
        if grade_cols
        else pd.Series(np.nan, index=data.index)
    )
    clinical = pd.Series(np.nan, index=data.index)
    if study.has_rows("adverse_events"):
        ae = study.read("adverse_events")
        ae = ae.loc[ae["patient_id"].isin(set(data["patient_id"]))]
        clinical = data["patient_id"].map(ae.groupby("patient_id")["grade"].max()).astype(float)
    any45 = int((pd.concat([worst_lab, clinical], axis=1).max(axis=1) >= 4).sum())
    rows = [{"Event": "Any adverse event of grade 4–5", "Patients, n (%)": f"{any45} ({_steps._fmt(100 * any45 / n)})"}]  # fmt: skip
    study.number("grade45_any", any45)
    for t in HAEM_TERMS:
        col = f"worst_grade_{t}"
        if col not in data.columns:
            continue
        k = int((data[col].astype(float) >= 4).sum())
        rows.append({"Event": f"  {_display.term(t)}, grade 4–5", "Patients, n (%)": f"{k} ({_steps._fmt(100 * k / n)})"})  # fmt: skip
        study.number(f"grade45[{t}]", k)
    if "sre" in data.columns:
        k = int(data["sre"].astype("boolean").fillna(False).sum())
        rows.append({"Event": "Skeletal-related event", "Patients, n (%)": f"{k} ({_steps._fmt(100 * k / n)})"})  # fmt: skip
        study.number("sre_pct", 100.0 * k / n)
    study.table(
        ReportTable(
            f"Grade 4–5 adverse events and skeletal-related events (n = {n})",
            pd.DataFrame(rows),
            "safety",
            footnote=f"Worst grade per patient: laboratory values graded by CTCAE "
            f"v{settings.ctcae_version} and recorded clinical adverse events; percentages of all "
            f"{n} patients.",
        )
    )


def _by_activity(study: StudyRun, data: pd.DataFrame, settings: Settings, endpoint: str) -> None:
    cut = settings.cumulative_activity_cutoff_gbq
    levels = {False: f"< {cut:g} GBq", True: f"≥ {cut:g} GBq"}
    _steps.survival_by_levels(
        study, data, endpoint, "cum_activity_ge_29_6", "cumulative activity", levels,
        f"{endpoint}_by_activity",
    )  # fmt: skip
    status = data["cum_activity_by_landmark"].ge(cut - 1e-9)
    _steps.landmark_by(
        study, data, endpoint, at_months=settings.landmark_months, status=status,
        factor="cumulative activity", levels=levels, key=f"{endpoint}_by_activity_landmark",
        defined_by="the cumulative activity administered (29.6 GBq is reached with the fourth cycle)",
    )  # fmt: skip


def _activity_by_landmark(study: StudyRun, data: pd.DataFrame, settings: Settings) -> pd.Series:
    cy = study.read("cycles")
    cy = cy.loc[cy["course_no"] == settings.course_no].merge(
        data[["patient_id", "course_start"]], on="patient_id"
    )
    cy = cy.assign(
        month=(pd.to_datetime(cy["cycle_date"]) - pd.to_datetime(cy["course_start"])).dt.days
        / _steps.DAYS_PER_MONTH
    )
    gbq = stats.accumulated_by(cy, "patient_id", "month", settings.landmark_months, "activity_gbq")
    return data["patient_id"].map(gbq).astype(float)


def _sre_incidence(study: StudyRun, data: pd.DataFrame) -> None:
    """Cumulative incidence of the first skeletal-related event, death competing (Aalen–Johansen).

    Gray's test by cumulative activity is not shown: the activity group is reached during
    treatment, not defined at baseline, and comparing such groups from the first cycle has the
    same immortal-time bias as the Kaplan–Meier comparison.
    """
    days = _competing.first_event_days(
        study.read("disease_events"), data, ["skeletal_related_event"]
    )
    frame = _competing.competing_frame(data, days)
    _competing.cumulative_incidence_section(
        study, frame, event_label="a skeletal-related event", key="cuminc_sre",
        population="All patients",
    )  # fmt: skip
    study.text(
        "Gray's test by cumulative activity (≥ vs < 29.6 GBq) is not reported: that group is "
        "only reached during treatment, so comparing cumulative incidence curves by it from the "
        "first cycle would carry the immortal-time bias discussed above; the cumulative activity "
        "is analysed with landmark and time-dependent Cox models instead."
    )


def _time_dependent(
    study: StudyRun, data: pd.DataFrame, settings: Settings, endpoint: str, cycles: pd.DataFrame
) -> None:
    """Cumulative activity ≥ 29.6 GBq as a time-varying covariate (Andersen–Gill form)."""
    cut = settings.cumulative_activity_cutoff_gbq
    _competing.time_dependent_section(
        study, data, endpoint, cycles=cycles,
        final_status=data["cum_activity_ge_29_6"].astype("boolean"),
        landmark_status=data["cum_activity_by_landmark"].ge(cut - 1e-9),
        landmark_months=settings.landmark_months,
        reached=lambda rows: rows["cumulative_activity_gbq"].ge(cut - 1e-9),
        exposure=f"cumulative activity ≥ {cut:g} GBq", key=f"td_cox_{endpoint}",
    )  # fmt: skip


def _glance(study: StudyRun) -> None:
    kn = study.key_numbers
    f = _steps._fmt
    for col, what in (("mda_bor", "modified MD Anderson, bone"), ("bor", "RECIST 1.1, overall")):
        if f"orr_pct[{col}]" in kn:
            lo, hi = kn[f"orr_ci[{col}]"]
            study.glance(
                f"Objective response rate ({what}; {kn[f'n_evaluable[{col}]']} evaluable patients): "
                f"{f(kn[f'orr_pct[{col}]'])} % (95 % CI {f(lo)}–{f(hi)})."
            )
    for ep, what in (("pfs", "progression-free survival"), ("os", "overall survival")):
        if f"{ep}_median_months" in kn:
            lo, hi = kn[f"{ep}_median_ci"]
            study.glance(
                f"Median {what}: {f(kn[f'{ep}_median_months'])} months (95 % CI {f(lo)}–{f(hi)})."
            )
    for ep in ("pfs", "os"):
        for term in ("cum_activity_ge_29_6", "alp_gt_uln", "male"):
            hr, ci = kn.get(f"cox_{ep}_hr[{term}]"), kn.get(f"cox_{ep}_ci[{term}]")
            if hr is None or ci is None:
                continue
            study.glance(
                f"{vocabulary.label(term)}, multivariable Cox for {_steps.ENDPOINT_LABELS[ep].lower()}: HR "
                f"{f(hr, 2)} (95 % CI {f(ci[0], 2)}–{f(ci[1], 2)}; p {_steps._p_phrase(kn[f'cox_{ep}_p[{term}]'])})."
            )
        lm = kn.get(f"cox_{ep}_landmark_hr[cum_activity_ge_29_6]")
        ci = kn.get(f"cox_{ep}_landmark_ci[cum_activity_ge_29_6]")
        if lm is not None and ci is not None:
            study.glance(
                f"Cumulative activity ≥ 29.6 GBq reached by the landmark, same model for "
                f"{_steps.ENDPOINT_LABELS[ep].lower()} counted from the landmark: HR "
                f"{f(lm, 2)} (95 % CI {f(ci[0], 2)}–{f(ci[1], 2)})."
            )


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
        bone_sites=_bone_sites(study, data),
        cum_activity_by_landmark=_activity_by_landmark(study, data, settings),
    )

    with study.section("Patient characteristics"):
        variables = [
            v
            for v in ("sex", "age_at_start", "primary_site", "who_grade", "omis_pct", "bone_sites")
            if v in data and data[v].notna().any()
        ]
        grades = data["who_grade"].map(lambda g: f"Grade {int(g)}" if pd.notna(g) else None)
        study.table(
            _display.table_one_readable(
                data.assign(who_grade=grades),
                variables,
                categorical=[v for v in ("sex", "primary_site", "who_grade") if v in variables],
                labels=LABELS,
                stats="median_iqr",
                title=f"Characteristics of the {len(data)} patients with skeletal metastases",
            )
        )

    with study.section("Cycles and cumulative activity"):
        cut = settings.cumulative_activity_cutoff_gbq
        ge = data["cum_activity_ge_29_6"].astype("boolean")
        study.table(
            ReportTable(
                f"Treatment delivered (n = {len(data)})",
                pd.DataFrame(
                    {
                        "Quantity": [
                            "Cycles per patient, median (IQR)",
                            "Cumulative activity, GBq, median (IQR)",
                            "Cycles administered in total, n",
                            f"Cumulative activity ≥ {cut:g} GBq, n (%)",
                        ],
                        "Value": [
                            _iqr_text(data["n_cycles"], 0),
                            _iqr_text(data["cumulative_activity_gbq"]),
                            str(int(data["n_cycles"].sum())),
                            f"{int(ge.sum())} ({_steps._fmt(100 * float(ge.mean()))})",
                        ],
                    }
                ),
                "treatment",
                footnote="IQR, interquartile range (SAS PCTLDEF=5).",
            )
        )
        study.number("cycles_total", int(data["n_cycles"].sum()))

    with study.section("Response (modified MD Anderson and RECIST 1.1)"):
        _response(study, data, settings)
    with study.section("Response by skeletal metastatic burden"):
        _orr_by_burden(study, data, settings)
    with study.section("Bone-pain response"):
        _bone_pain(study, data)
    with study.section("Grade 4–5 adverse events and skeletal-related events"):
        study.require_derivation("ctcae_version", settings.ctcae_version, "Grade 4–5 events")
        _safety(study, data, settings)
    with study.section("Cumulative incidence of skeletal-related events"):
        _sre_incidence(study, data)

    with study.section("Progression-free survival"):
        _steps.survival_overall(study, data, "pfs", "pfs")
    with study.section("Overall survival"):
        _steps.survival_overall(study, data, "os", "os")
    for endpoint in ("pfs", "os"):
        with study.section(f"{_steps.ENDPOINT_LABELS[endpoint]} by cumulative activity"):
            _by_activity(study, data, settings, endpoint)

    for endpoint in ("pfs", "os"):
        label = _steps.ENDPOINT_LABELS[endpoint].lower()
        with study.section(f"Multivariable Cox model for {label}"):
            d = _steps.endpoint_frame(data, endpoint)
            _cox(study, d, endpoint, settings, key=f"cox_{endpoint}",
                 title=f"Multivariable Cox model for {label}")  # fmt: skip
        with study.section(f"Multivariable Cox model for {label} from the landmark"):
            lm = stats.landmark(
                _steps.endpoint_frame(data, endpoint),
                "time_months",
                "event",
                settings.landmark_months,
            )
            d = lm.data.assign(
                cum_activity_ge_29_6=lm.data["cum_activity_by_landmark"].ge(
                    settings.cumulative_activity_cutoff_gbq - 1e-9
                )
            )
            _cox(
                study, d, endpoint, settings, key=f"cox_{endpoint}_landmark",
                title=f"Multivariable Cox model for {label} from the {settings.landmark_months:g}-month "
                "landmark (cumulative activity reached by the landmark)",
                note=f"Landmark analysis: {lm.n} of {lm.n_total} patients event-free and followed "
                f"beyond month {settings.landmark_months:g} ({lm.n_event_before} with an event and "
                f"{lm.n_censored_before} censored before were left out); time from the landmark. ",
            )  # fmt: skip

    cycles = _competing.cycle_days(study.read("cycles"), data, settings.course_no)
    for endpoint in ("pfs", "os"):
        label = _steps.ENDPOINT_LABELS[endpoint].lower()
        with study.section(f"Cumulative activity as a time-dependent covariate for {label}"):
            _time_dependent(study, data, settings, endpoint, cycles)

    _glance(study)
    study.number("glance", list(study.report.glance))
    return study.finish(out_dir)
