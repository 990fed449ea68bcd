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
from prrt.studies import _dose_response_steps as _dr
from prrt.studies._base import NotComputable, StudyOutput, StudyRun, subset
from prrt.studies._correspondence import PaperItem

BLOOD = ("platelets", "lymphocytes", "leukocytes", "neutrophils", "haemoglobin")
LAB_TESTS = ("egfr", "haemoglobin", "leukocytes", "neutrophils", "lymphocytes", "platelets")
"""Rows of Hebert Tables 3 and 4 (GFR first, as the paper), with neutrophils."""
PANEL_COUNTS = ("neutrophils", "leukocytes", "lymphocytes", "platelets")
"""Blood counts of Hebert Fig. 5 (marrow) and Supplemental Fig. 4 (spleen), in the paper's order."""


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
        "(Breslow) by dose indices dichotomised at the median"
    )


SETTINGS = Settings()

STRUCTURE_LABELS = vocabulary.LEVELS["structure"]


LAB_LABELS = vocabulary.LEVELS["test"]
"""Blood counts and eGFR with their canonical units (``schema.LAB_CANONICAL_UNITS``)."""

COUNT_WORDS = {t: LAB_LABELS[t].split(" (")[0] for t in ("egfr", *BLOOD)}
"""Laboratory tests in words without their unit (panel titles, table cells)."""


def _dose_axis(organ: str) -> str:
    """``Cumulative kidney absorbed dose (Gy)`` from the vocabulary's label of ``<organ>_gy``."""
    return "Cumulative " + vocabulary.in_sentence(vocabulary.label(f"{organ}_gy"))


"""Laboratory tests in words (panel titles, table cells)."""

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
    trend, numbers = _dr.trend_table(
        pd.concat([doses.loc[doses["structure"] != "lesion"], lesions], ignore_index=True),
        STRUCTURE_LABELS,
    )
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


def _organ_totals(doses: pd.DataFrame) -> pd.DataFrame:
    """Cumulative organ dose per patient (sum of the selected cycle doses), ``<organ>_gy``."""
    organ = doses.loc[doses["structure"] != "lesion"]
    wide = organ.pivot_table(
        index="patient_id", columns="structure", values="dose_gy", aggfunc="sum"
    )
    return wide.rename(columns=lambda s: f"{s}_gy")


def _dose_vs_change(
    data: pd.DataFrame, totals: pd.DataFrame, nadir: pd.DataFrame, organ: str, test: str
) -> pd.DataFrame | None:
    """Cumulative ``organ`` dose and % change from baseline to the on-treatment nadir of ``test``."""
    col = f"{organ}_gy"
    if col not in totals.columns or test not in nadir.columns or f"{test}_bl" not in data:
        return None
    d = data.set_index("patient_id")[[f"{test}_bl"]].join(totals[col]).join(nadir[test]).dropna()
    d = d.loc[d[f"{test}_bl"] > 0]
    if len(d) < 5:
        return None
    return pd.DataFrame(
        {"dose": d[col], "change": 100.0 * (d[test] - d[f"{test}_bl"]) / d[f"{test}_bl"]}
    )


def _correlations(
    study: StudyRun,
    data: pd.DataFrame,
    labs: pd.DataFrame,
    totals: pd.DataFrame,
    settings: Settings,
) -> None:
    """Hebert Fig. 5 (marrow), Supplemental Fig. 4 (spleen) and 3 (kidneys vs eGFR)."""
    on = labs.loc[labs["period"] == "on_treatment"]
    nadir = on.groupby(["patient_id", "test"])["value"].min().unstack()
    rows = []
    groups = (
        ("bone_marrow", PANEL_COUNTS, "loess_marrow", "Figure 5"),
        ("spleen", PANEL_COUNTS, "loess_spleen", "Supplemental Figure 4"),
        ("kidneys", ("egfr",), "kidney_gfr", "Supplemental Figure 3"),
    )
    for organ, tests, name, _paper in groups:
        panels = []
        for t in tests:
            d = _dose_vs_change(data, totals, nadir, organ, t)
            if d is None:
                continue
            r = stats.spearman(d["dose"], d["change"])
            rows.append(
                {
                    "Cumulative dose": STRUCTURE_LABELS[organ],
                    "Laboratory value": COUNT_WORDS[t],
                    "n": len(d),
                    "Spearman ρ (95 % CI)": f"{_steps._fmt(r.estimate, 2)} "
                    f"({_steps._fmt(r.ci[0], 2)} to {_steps._fmt(r.ci[1], 2)})",
                    "p": stats.format_p(r.p_value),
                }
            )
            study.number(f"spearman_rho[{organ},{t}]", r.estimate)
            study.number(f"spearman_p[{organ},{t}]", r.p_value)
            study.number(f"spearman_n[{organ},{t}]", len(d))
            lo = stats.loess(
                d["dose"].to_numpy(),
                d["change"].to_numpy(),
                degree=settings.loess_degree,
                span=settings.loess_span,
            )
            g = np.linspace(float(d["dose"].min()), float(d["dose"].max()), 60)
            panels.append(
                figures.LoessPanel(
                    d["dose"].to_numpy(),
                    d["change"].to_numpy(),
                    lo.predict(g),
                    _dose_axis(organ),
                    f"{COUNT_WORDS[t]}: nadir vs baseline (%)",
                    f"{COUNT_WORDS[t]} (n = {len(d)})",
                    rho=r.estimate,
                    p_value=r.p_value,
                )
            )
        if not panels:
            study.skip(
                f"{STRUCTURE_LABELS[organ]} dose versus laboratory values",
                "fewer than 5 patients with the dose and the laboratory values",
            )
            continue
        what = "eGFR" if organ == "kidneys" else "blood counts"
        study.figure(
            figures.loess_panels(panels),
            name,
            f"{_dose_axis(organ).removesuffix(' (Gy)')} versus the % change of "
            f"{what} from baseline to the lowest value during PRRT (LOESS degree "
            f"{settings.loess_degree}, span {settings.loess_span}, 95 % CI; Spearman ρ and p, "
            "n patients).",
        )
    if not rows:
        raise NotComputable("no patient has both organ doses and laboratory values")
    study.table(
        ReportTable(
            "Spearman correlation of cumulative absorbed dose with the % change of laboratory "
            "values from baseline to the lowest value during PRRT",
            pd.DataFrame(rows),
            "dose_blood",
            footnote="Cumulative dose = sum of the cycle doses (one estimate per cycle). Spearman "
            "rank correlation, Fisher-z 95 % CI, t-approximation p; n = patients with the dose, "
            "the baseline and at least one value during PRRT.",
            column_formats={"n": "int"},
        )
    )


def _survival_by_indices(study: StudyRun, data: pd.DataFrame, indices: pd.DataFrame) -> None:
    """Hebert Fig. 6: KM OS and PFS by mean and minimum total lesion dose (median split) and the
    Cox HR of each index (above vs at or below its median) for PFS and OS."""
    d = data.merge(indices, on="patient_id", how="inner")
    rows = []
    for idx in ("mean", "min", "max"):
        cut = float(d[idx].median())
        above, below = f"> {_steps._fmt(cut, 2)} Gy", f"≤ {_steps._fmt(cut, 2)} Gy"
        g = d.assign(group=np.where(d[idx] > cut, above, below), high_dose=(d[idx] > cut) * 1.0)
        row: dict[str, object] = {
            "Lesion dose index": _dr.INDEX_LABELS[idx],
            "Median cut-off (Gy)": cut,
            "Patients, n": len(g),
        }
        for endpoint in ("pfs", "os"):
            label = _steps.ENDPOINT_LABELS[endpoint]
            if idx != "max":
                _steps.survival_by(
                    study, g, endpoint, "group", _dr.INDEX_LABELS[idx], f"{endpoint}_by_{idx}"
                )
            e = _steps.endpoint_frame(g, endpoint)
            fit = stats.cox(e, "time_months", "event", ["high_dose"])
            hr = _steps.estimable(fit.table).loc["high_dose"]
            est, lo, hi, p = (float(hr[k]) for k in ("hr", "lower", "upper", "p"))
            study.number(f"{endpoint}_hr[{idx}]", est)
            study.number(f"{endpoint}_hr_ci[{idx}]", (lo, hi))
            study.number(f"{endpoint}_hr_p[{idx}]", p)
            short = "PFS" if endpoint == "pfs" else "OS"
            row[f"{short} HR (95 % CI)"] = (
                f"{_steps._fmt(est, 2)} ({_steps._fmt(lo, 2)}–{_steps._fmt(hi, 2)})"
            )
            row[f"{short} p"] = stats.format_p(p)
            if idx != "max":
                study.glance(
                    f"{label}, {_dr.INDEX_LABELS[idx].lower()} {above} vs {below}: HR "
                    f"{_steps._fmt(est, 2)} (95 % CI {_steps._fmt(lo, 2)}–{_steps._fmt(hi, 2)}), "
                    f"p {_steps._p_phrase(p)}."
                )
        rows.append(row)
    study.uses(tests=["Cox proportional-hazards regression"])
    study.table(
        ReportTable(
            "Hazard ratios of progression and death by lesion dose index (above vs at or below "
            "the median)",
            pd.DataFrame(rows),
            "dose_index_hr",
            footnote="Univariable Cox models (Breslow ties), Wald 95 % CI and p; patients with at "
            "least one target lesion dosed. Indices as in the dosimetric-indices table.",
            column_formats={"Median cut-off (Gy)": 2, "Patients, n": "int"},
        )
    )


def _lesion_response(study: StudyRun, data: pd.DataFrame, settings: Settings) -> None:
    """Hebert Fig. 3 (ΔV% versus total lesion dose, LOESS with CI) and Fig. 4 (TCP)."""
    les = study.read("analysis_lesion_dose")
    les = les.loc[les["patient_id"].isin(set(data["patient_id"])) & (les["course_no"] == 1)]
    les = les.loc[les["included"].astype("boolean").fillna(False)].dropna(
        subset=["total_dose_gy", "delta_v_pct"]
    )
    if len(les) < 5:
        raise NotComputable("fewer than 5 evaluable lesions with dose and ΔV%")
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

    with study.section("Cumulative organ dose versus change in laboratory values"):
        if labs is None or doses is None:
            raise NotComputable("laboratory data or absorbed doses unavailable")
        _correlations(study, data, labs, _organ_totals(doses), settings)

    with study.section("Progression-free survival"):
        _steps.survival_overall(study, data, "pfs", "pfs")
    with study.section("Overall survival"):
        _steps.survival_overall(study, data, "os", "os")

    with study.section("Survival by lesion dose indices (dichotomised at the median)"):
        if indices is None:
            raise NotComputable("no dosimetric indices")
        _survival_by_indices(study, data, indices)

    return study.finish(out_dir)
