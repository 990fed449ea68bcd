"""Study template: absorbed dose–response of PRRT.

Recipe of Hebert et al., J Nucl Med 2024 (seed 001): patients with post-treatment
dosimetry (any organ dose in ``analysis_dose_summary``, course 1); cohort and cycles tables;
laboratory toxicity by worst grade (CTCAE v4.03, with eGFR), n (%) of patients graded;
laboratory values before vs 3 and 12 months after PRRT (n, mean (SD), paired t test); absorbed
dose per structure (organs and lesions) per cycle and in total (median, range), its trend
across cycles and the lesion dose histograms; dosimetric indices per patient; lesion ΔV% versus
total lesion absorbed dose with a fitted curve and CI; tumour-control-probability (TCP) logistic
curve; Spearman + LOESS of cumulative marrow and spleen dose versus % change in blood counts,
kidney dose versus eGFR; Kaplan–Meier PFS and OS and Cox HR by lesion dose indices
dichotomised at the median. Every dose aggregate uses one estimate per cycle
(:mod:`prrt.studies._dose_response_steps`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from prrt import stats
from prrt.cohort.store import Store
from prrt.report import ReportTable, figures, vocabulary
from prrt.report.tables import dose_table
from prrt.studies import _display, _doses, _figures, _steps
from prrt.studies import _dose_response_outcomes as _outcomes
from prrt.studies import _dose_response_steps as _dr
from prrt.studies._base import NotComputable, StudyOutput, StudyRun, subset
from prrt.studies._correspondence import PaperItem

LAB_TESTS = ("egfr", "haemoglobin", "leukocytes", "neutrophils", "lymphocytes", "platelets")
"""Rows of Hebert Tables 3 and 4 (GFR first, as the paper), with neutrophils."""


@dataclass(frozen=True)
class Settings:
    """Every choice of the dose–response template (printed in the report)."""

    name: str = "dose-response"
    title: str = "Absorbed dose–response relationships of [177Lu]Lu-DOTATATE"
    source: str = "Hebert et al., J Nucl Med 2024 (35 dosimetric studies, 146 lesions)"
    ctcae_version: str = "4.03"
    month3_target_days: int = 91
    month3_window_days: int = 30
    month12_target_days: int = 365
    month12_window_days: int = 45
    tcp_controlled: str = "ΔV% ≤ 0 at 3 months"
    loess_degree: int = 1
    loess_span: float = 0.75
    dose_method_preference: tuple[str, ...] = _doses.DEFAULT_PREFERENCE
    """One absorbed-dose estimate per patient × cycle × structure, by this method preference."""
    statistics: str = (
        "paired t test; Spearman rank correlation (Fisher-z CI) with LOESS (degree 1, span "
        "0.75) and pointwise 95 % CI; logistic TCP curve with CI on the logit scale; Friedman "
        "and Page trend tests of the dose across cycles 1–4; Kaplan–Meier, log-rank and Cox "
        "(Breslow) by dose indices dichotomised at the median; "
        "lesion-level tumour control with patient-clustered (sandwich) standard errors"
    )


SETTINGS = Settings()

STRUCTURE_LABELS = vocabulary.LEVELS["structure"]


LAB_LABELS = vocabulary.LEVELS["test"]
"""Blood counts and eGFR with their canonical units (``schema.LAB_CANONICAL_UNITS``)."""

ORGAN_DOSE_COLUMNS = ("kidneys_gy", "spleen_gy", "liver_gy", "bone_marrow_gy")
"""Cumulative organ doses of ``analysis_dose_summary``: a patient with any of them is dosed."""


def _population(study: StudyRun) -> pd.DataFrame:
    courses = study.read("analysis_patient_course")
    summary = study.read("analysis_dose_summary")
    first = subset(courses, courses["course_no"] == 1)
    dosed = summary.loc[summary["course_no"] == 1].drop(columns=["course_no"])
    organ_cols = [c for c in ORGAN_DOSE_COLUMNS if c in dosed.columns]
    dosed = dosed.dropna(subset=organ_cols, how="all")
    if dosed.empty:
        raise NotComputable("no patient has organ absorbed doses (run `prrt dosimetry`)")
    data = first.merge(dosed, on="patient_id", how="inner", suffixes=("", "_dose"))
    _figures.population_flow(
        study, len(first), len(data), "Patient-based dosimetry (SPECT/CT)", "No dosimetry"
    )
    return data


CORRESPONDENCE: tuple[PaperItem, ...] = (
    PaperItem("Table 1", "Patient characteristics", ("table1",)),
    PaperItem("Table 2", "Number of [177Lu]Lu-DOTATATE cycles", ("cycles",)),
    PaperItem(
        "Table 3", "Laboratory toxicities by CTCAE v4.03 grade during therapy", ("lab_toxicity",)
    ),
    PaperItem(
        "Table 4",
        "Laboratory parameters before the first injection and 3 and 12 months after the last",
        ("labs_before_after",),
    ),
    PaperItem(
        "Table 5",
        "Absorbed doses by healthy organs and lesions per cycle and in total",
        ("absorbed_doses",),
    ),
    PaperItem("Table 6", "Dosimetric indices of the lesions per patient", ("dosimetric_indices",)),
    PaperItem(
        "Figure 1",
        "Absorbed doses by lesions and healthy organs over the cycles",
        ("dose_boxplot",),
    ),
    PaperItem(
        "Figure 2",
        "Distribution of lesion absorbed doses after cycle 1 and after the end of treatment",
        ("lesion_dose_histograms",),
    ),
    PaperItem(
        "Figure 3", "Lesion volume change versus total lesion absorbed dose", ("dv_vs_dose",)
    ),
    PaperItem("Figure 4", "Tumour control probability", ("tcp",)),
    PaperItem(
        "Additional analysis",
        "Tumour control versus lesion dose with patient-clustered (sandwich) standard errors",
        ("tcp_clustered",),
    ),
    PaperItem(
        "Figure 5",
        "Cumulative bone-marrow dose versus change in blood counts",
        ("loess_marrow", "dose_blood"),
    ),
    PaperItem(
        "Figure 6",
        "Kaplan–Meier OS and PFS by mean and by minimum total lesion absorbed dose",
        ("km_os_by_mean", "km_pfs_by_mean", "km_os_by_min", "km_pfs_by_min", "dose_index_hr"),
    ),
    PaperItem(
        "Text (Results)",
        "Change of the absorbed doses across cycles (lesions decrease, P < 0.001)",
        ("dose_trend",),
    ),
    PaperItem(
        "Text (Results)", "Median overall and progression-free survival", ("km_os", "km_pfs")
    ),
    PaperItem("Text (Results)", "Best response by RECIST 1.1", ("best_response",)),
    PaperItem(
        "Supplemental Figure 1",
        "Recovery coefficient versus volume (phantom calibration)",
        reason="a calibration of the camera, not a patient analysis; the recovery curve is a "
        "dosimetry setting",
    ),
    PaperItem(
        "Supplemental Figure 2",
        "Definition of the cumulative absorbed dose used for toxicity",
        reason="a schematic; the definition is stated in the footnotes",
    ),
    PaperItem(
        "Supplemental Figure 3",
        "Kidney absorbed dose versus glomerular filtration rate",
        ("kidney_gfr",),
    ),
    PaperItem(
        "Supplemental Figure 4",
        "Cumulative spleen dose versus change in blood counts",
        ("loess_spleen", "dose_blood"),
    ),
)
"""Every table and figure of Hebert 2024 and the report item that reproduces it."""


def _value_near(labs: pd.DataFrame, ends: pd.DataFrame, target: int, window: int) -> pd.DataFrame:
    """Per patient × test, the value closest to course end + target days within ± window."""
    d = labs.merge(ends, on="patient_id")
    d["dist"] = ((d["sample_date"] - d["course_end"]).dt.days - target).abs()
    d = d.loc[d["dist"] <= window].sort_values(["patient_id", "test", "dist", "sample_date"])
    return d.drop_duplicates(["patient_id", "test"]).pivot(
        index="patient_id", columns="test", values="value"
    )


def _mean_sd(x: pd.Series) -> str:
    v = x.dropna().astype(float)
    if v.empty:
        return "NE"
    sd = float(v.std(ddof=1)) if len(v) > 1 else float("nan")
    return f"{_steps._fmt(float(v.mean()))} ({_steps._fmt(sd)})"


def _cohort(study: StudyRun, data: pd.DataFrame) -> None:
    """Hebert Table 1 (with the treatments before PRRT) and Table 2 (cycles)."""
    if study.has_rows("prior_treatments"):
        prior = _dr.prior_treatment_flags(study.read("prior_treatments"), data["patient_id"])
        data = data.merge(prior, on="patient_id", how="left")
    variables = [
        v
        for v in (
            "sex",
            "age_at_start",
            "primary_site",
            "who_grade",
            "liver_metastases",
            "lymph_node_metastases",
            "bone_metastases",
            "peritoneal_metastases",
            "prior_chemotherapy",
            "prior_targeted",
            "prior_radiotherapy",
            "prior_locoregional_liver",
            "prior_ssa",
            "prior_surgery",
            "prior_any",
            "cumulative_activity_gbq",
        )
        if v in data
    ]
    study.table(
        _display.table_one_readable(
            data,
            variables,
            categorical=[v for v in ("sex", "primary_site", "who_grade") if v in variables],
            labels=LABELS,
            title=f"Patients with dosimetry (n = {len(data)})",
        )
    )
    counts = data["n_cycles"].astype(int).value_counts().sort_index()
    n = int(counts.sum())
    study.table(
        ReportTable(
            "Number of [177Lu]Lu-DOTATATE cycles",
            pd.DataFrame(
                {
                    "Cycles": counts.index.astype(int),
                    f"Patients, n (%) of {n}": [
                        f"{int(c)} ({_steps._fmt(100 * c / n)})" for c in counts
                    ],
                }
            ),
            "cycles",
            column_formats={"Cycles": "int"},
        )
    )


def _labs_before_after(
    study: StudyRun, data: pd.DataFrame, labs: pd.DataFrame, settings: Settings
) -> None:
    """Hebert Table 4: per window, n paired patients, mean (SD) before and after, paired t p."""
    ends = data[["patient_id", "course_end"]].assign(
        course_end=lambda f: pd.to_datetime(f["course_end"])
    )
    lab = labs.assign(sample_date=pd.to_datetime(labs["sample_date"]))
    windows = (
        (
            "3 months",
            _value_near(lab, ends, settings.month3_target_days, settings.month3_window_days),
        ),
        (
            "12 months",
            _value_near(lab, ends, settings.month12_target_days, settings.month12_window_days),
        ),
    )
    rows = []
    for t in LAB_TESTS:
        base_col = f"{t}_bl"
        if base_col not in data.columns:
            continue
        base = data.set_index("patient_id")[base_col]
        row: dict[str, object] = {"Test": LAB_LABELS[t]}
        for label, later in windows:
            after = later[t] if t in later.columns else pd.Series(dtype=float)
            pair = pd.concat([base, after], axis=1, join="inner").dropna()
            row[f"{label}: n"] = len(pair)
            row[f"{label}: before, mean (SD)"] = _mean_sd(pair.iloc[:, 0])
            row[f"{label}: after, mean (SD)"] = _mean_sd(pair.iloc[:, 1])
            p = float("nan")
            if len(pair) >= 3:
                p = stats.t_test(
                    pair.iloc[:, 0].to_numpy(), pair.iloc[:, 1].to_numpy(), kind="paired"
                ).p_value
                study.number(f"paired_t_p[{t},{label}]", p)
            row[f"{label}: p"] = stats.format_p(p)
        rows.append(row)
    study.table(
        ReportTable(
            "Laboratory values before the first injection and 3 and 12 months after the last",
            pd.DataFrame(rows),
            "labs_before_after",
            footnote="Patients with both values (n) in each window: the value closest to "
            f"{settings.month3_target_days} ± {settings.month3_window_days} days and "
            f"{settings.month12_target_days} ± {settings.month12_window_days} days after the "
            "last cycle. Mean (SD) of the same patients before and after; paired t test.",
            column_formats={"3 months: n": "int", "12 months: n": "int"},
        )
    )


LABELS = vocabulary.VARIABLES
"""Display labels: the one vocabulary (:mod:`prrt.report.vocabulary`)."""


def _absorbed_doses(
    study: StudyRun, data: pd.DataFrame, settings: Settings
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hebert Table 5 (organs and lesions), Fig. 1, Fig. 2 and the trend across cycles.

    Returns the selected per-cycle doses of the course and the selected doses of the target
    lesions (one estimate per cycle).
    """
    preference = _doses.preference_of(settings)
    doses = _dr.selected_doses(study, data["patient_id"], preference)
    organ = doses.loc[doses["structure"] != "lesion"]
    lesions = _dr.included_lesion_doses(study, doses)
    # a lesion's total is the sum over its own cycles: the total column counts lesions
    rows = pd.concat(
        [
            organ.assign(unit=organ["patient_id"].astype(str)),
            lesions.assign(unit=lesions["patient_id"] + "/" + lesions["lesion_id"]),
        ],
        ignore_index=True,
    )
    present = [s for s in _dr.STRUCTURE_ORDER if s in set(rows["structure"])]
    n_les = lesions[["patient_id", "lesion_id"]].drop_duplicates().shape[0]
    study.table(
        dose_table(
            rows,
            patient="unit",
            structures=present,
            labels={**STRUCTURE_LABELS, "lesion": f"Target lesions (n = {n_les})"},
            digits=2,
            title="Absorbed dose (Gy) per structure and cycle and in total",
            footnote="Organs: over patients; lesions: over target lesions (≥ 2 cm³, ≤ 5 per "
            "site, no bone lesions). Total = sum of the selected cycle doses of one organ or "
            "lesion. " + _doses.preference_note(preference, rows),
        )
    )
    box = pd.concat([organ, lesions], ignore_index=True)
    study.figure(
        figures.dose_boxplot_figure(
            box.assign(structure=box["structure"].map(STRUCTURE_LABELS)),
            structures=[STRUCTURE_LABELS[k] for k in present],
        ),
        "dose_boxplot",
        "Absorbed dose per cycle by target lesions and healthy organs (box: median and IQR; "
        "whiskers 1.5 IQR). " + _doses.preference_note(preference),
    )
    if lesions.empty:
        study.skip("Lesion absorbed-dose histograms", "no target lesion has absorbed doses")
    else:
        _lesion_histograms(study, lesions)
    try:
        trend, numbers = _dr.trend_table(
            pd.concat([doses.loc[doses["structure"] != "lesion"], lesions], ignore_index=True),
            STRUCTURE_LABELS,
        )
    except NotComputable as exc:
        study.skip("Absorbed dose across cycles 1 to 4", str(exc))
        return doses, lesions
    study.table(trend)
    for r in numbers.itertuples():
        study.number(f"trend_page_p[{r.structure}]", r.page_p)
        study.number(f"trend_friedman_p[{r.structure}]", r.friedman_p)
    les = numbers.loc[numbers["structure"] == "lesion"]
    if not les.empty:
        r = les.iloc[0]
        study.glance(
            f"Lesion absorbed dose per cycle fell from a median {_steps._fmt(r['median_first'])} "
            f"Gy (cycle 1) to {_steps._fmt(r['median_last'])} Gy (cycle 4) in {int(r['n'])} "
            f"lesions (Page's trend test p {_steps._p_phrase(r['page_p'])})."
        )
    return doses, lesions


def _lesion_histograms(study: StudyRun, lesions: pd.DataFrame) -> None:
    """Hebert Fig. 2: lesion absorbed dose after cycle 1 and in total; headline median."""
    totals = _dr.lesion_totals(lesions)
    first = lesions.loc[lesions["cycle"] == 1, "dose_gy"]
    study.figure(
        figures.histogram_panels(
            [
                figures.HistogramPanel(first.to_numpy(), "Absorbed dose after cycle 1 (Gy)", "A"),
                figures.HistogramPanel(
                    totals["dose_gy"].to_numpy(), "Total absorbed dose (Gy)", "B"
                ),
            ]
        ),
        "lesion_dose_histograms",
        f"Distribution of the absorbed doses by the target lesions after cycle 1 (A, "
        f"{len(first)} lesions) and after the end of treatment (B, total, {len(totals)} "
        "lesions); dashed line: median.",
    )
    study.number("median_total_lesion_gy", float(totals["dose_gy"].median()))
    study.number(
        "range_total_lesion_gy", (float(totals["dose_gy"].min()), float(totals["dose_gy"].max()))
    )
    study.number("n_target_lesions", len(totals))
    study.glance(
        f"Median total absorbed dose by the {len(totals)} target lesions: "
        f"{_steps._fmt(float(totals['dose_gy'].median()))} Gy (range "
        f"{_steps._fmt(float(totals['dose_gy'].min()))}–{_steps._fmt(float(totals['dose_gy'].max()))})."
    )


def _organ_totals(doses: pd.DataFrame) -> pd.DataFrame:
    """Cumulative organ dose per patient (sum of the selected cycle doses), ``<organ>_gy``."""
    organ = doses.loc[doses["structure"] != "lesion"]
    wide = organ.pivot_table(
        index="patient_id", columns="structure", values="dose_gy", aggfunc="sum"
    )
    return wide.rename(columns=lambda s: f"{s}_gy")


def _evaluable_lesions(study: StudyRun, data: pd.DataFrame) -> pd.DataFrame:
    """Included target lesions of course 1 with a total absorbed dose and ΔV% at 3 months."""
    les = study.read("analysis_lesion_dose")
    les = les.loc[les["patient_id"].isin(set(data["patient_id"])) & (les["course_no"] == 1)]
    les = les.loc[les["included"].astype("boolean").fillna(False)].dropna(
        subset=["total_dose_gy", "delta_v_pct"]
    )
    if len(les) < 5:
        raise NotComputable("fewer than 5 evaluable lesions with dose and ΔV%")
    return les


def _lesion_response(study: StudyRun, data: pd.DataFrame, settings: Settings) -> None:
    """Hebert Fig. 3 (ΔV% versus total lesion dose, LOESS with CI) and Fig. 4 (TCP)."""
    les = _evaluable_lesions(study, data)
    rho = stats.spearman(les["total_dose_gy"], les["delta_v_pct"])
    fit = stats.loess(
        les["total_dose_gy"].to_numpy(),
        les["delta_v_pct"].to_numpy(),
        degree=settings.loess_degree,
        span=settings.loess_span,
    )
    grid = np.linspace(float(les["total_dose_gy"].min()), float(les["total_dose_gy"].max()), 100)
    pred = fit.predict(grid)
    # ΔV% cannot fall below −100 % (the whole lesion): the band is truncated there.
    pred = pred.assign(**{c: pred[c].clip(lower=-100.0) for c in ("fit", "lower", "upper")})
    study.figure(
        figures.dose_response_figure(
            les["total_dose_gy"].to_numpy(), les["delta_v_pct"].to_numpy(), fit=pred
        ),
        "dv_vs_dose",
        f"Lesion volume change (ΔV%) at 3 months versus total absorbed dose, {len(les)} lesions "
        f"(LOESS with 95 % CI, truncated at −100 %); Spearman ρ = {_steps._fmt(rho.estimate, 2)}, "
        f"p {_steps._p_phrase(rho.p_value)}.",
    )
    study.number("lesion_spearman_rho", rho.estimate)
    study.number("lesion_spearman_p", rho.p_value)
    study.number("n_lesions", len(les))
    study.glance(
        f"Lesion volume change at 3 months versus total lesion absorbed dose ({len(les)} "
        f"lesions): Spearman ρ = {_steps._fmt(rho.estimate, 2)} (95 % CI "
        f"{_steps._fmt(rho.ci[0], 2)} to {_steps._fmt(rho.ci[1], 2)}), p "
        f"{_steps._p_phrase(rho.p_value)}."
    )
    controlled = (les["delta_v_pct"] <= 0).astype(int).to_numpy()
    if 0 < controlled.sum() < len(controlled):
        tcp = stats.logistic_curve(les["total_dose_gy"].to_numpy(), controlled, grid).table
        study.figure(
            figures.tcp_figure(
                grid,
                tcp["probability"].to_numpy(),
                tcp["lower"].to_numpy(),
                tcp["upper"].to_numpy(),
                les["total_dose_gy"].to_numpy(),
                controlled,
            ),
            "tcp",
            f"Tumour-control probability ({settings.tcp_controlled}) versus total lesion dose "
            "(logistic fit, 95 % CI).",
        )


def _best_response(study: StudyRun, data: pd.DataFrame) -> None:
    """Hebert Results: best response by RECIST 1.1 (PD 14 %, PR 22 %, SD 64 % in the paper),
    n (%) of the evaluable patients with the number not evaluable stated."""
    ok = _steps.evaluable_responses(data)
    n, n_ne = len(ok), len(data) - len(ok)
    counts = ok["bor"].value_counts().reindex(list(_steps.RESPONSES), fill_value=0)
    counts = counts.loc[(counts > 0) | (counts.index != "NON-CR/NON-PD")]
    study.table(
        ReportTable(
            "Best overall response (RECIST 1.1)",
            pd.DataFrame(
                {
                    "Response": [
                        vocabulary.LEVELS["bor"].get(r) or str(_display.response_label(r))
                        for r in counts.index
                    ],
                    f"Patients, n (%) of {n} evaluable": [
                        f"{int(c)} ({_steps._fmt(100 * c / n)})" for c in counts
                    ],
                }
            ),
            "best_response",
            footnote=f"Percentages of the {n} patients with an evaluable response; {n_ne} "
            "patients were not evaluable (no response assessment or measurement).",
        )
    )
    study.number("bor_counts", {r: int(c) for r, c in counts.items()})


def run(store: Store, out_dir: str | Path, settings: Settings = SETTINGS) -> StudyOutput:
    """Run the template on ``store`` and write the report to ``out_dir``."""
    study = StudyRun.start(store, settings)
    data = study.population("Patients with dosimetry", lambda: _population(study))
    if data is None:
        return study.finish(out_dir)

    with study.section("Cohort"):
        _cohort(study, data)

    labs = None
    with study.section(f"Laboratory toxicity (worst grade, CTCAE v{settings.ctcae_version})"):
        labs = study.read("analysis_labs")
        labs = labs.loc[labs["patient_id"].isin(set(data["patient_id"]))]
        study.table(
            _dr.lab_toxicity_table(
                labs,
                LAB_TESTS,
                settings.ctcae_version,
                {t: _display.term(t) for t in LAB_TESTS},
            )
        )

    with study.section("Laboratory values before and 3 and 12 months after PRRT"):
        if labs is None:
            raise NotComputable("laboratory data unavailable")
        _labs_before_after(study, data, labs, settings)

    doses = lesions = None
    with study.section("Absorbed doses"):
        doses, lesions = _absorbed_doses(study, data, settings)
        totals = _organ_totals(doses)
        for s in ("kidneys", "spleen", "bone_marrow", "liver"):
            if f"{s}_gy" in totals.columns:
                study.number(f"median_total_{s}_gy", float(totals[f"{s}_gy"].median()))

    indices = None
    with study.section("Dosimetric indices of the target lesions"):
        if lesions is None or lesions.empty:
            raise NotComputable("no target lesion has absorbed doses")
        indices = _dr.dosimetric_indices(_dr.lesion_totals(lesions))
        study.table(_dr.indices_table(indices))
        for k in ("mean", "min", "max"):
            study.number(f"index_median[{k}]", float(indices[k].median()))

    with study.section("Lesion volume change versus absorbed dose"):
        _lesion_response(study, data, settings)

    with study.section("Tumour control with lesions clustered within patients"):
        _outcomes.clustered_tcp(study, _evaluable_lesions(study, data), settings.tcp_controlled)
    with study.section("Cumulative organ dose versus change in laboratory values"):
        if labs is None or doses is None:
            raise NotComputable("laboratory data or absorbed doses unavailable")
        _outcomes.correlations(
            study,
            data,
            labs,
            _organ_totals(doses),
            loess_degree=settings.loess_degree,
            loess_span=settings.loess_span,
        )

    with study.section("Best response (RECIST 1.1)"):
        _best_response(study, data)

    with study.section("Progression-free survival"):
        _steps.survival_overall(study, data, "pfs", "pfs")
    with study.section("Overall survival"):
        _steps.survival_overall(study, data, "os", "os")

    with study.section("Survival by lesion dose indices (dichotomised at the median)"):
        if indices is None:
            raise NotComputable("no dosimetric indices")
        _outcomes.survival_by_indices(study, data, indices)

    return study.finish(out_dir)
