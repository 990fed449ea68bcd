"""Study template: absorbed dose–response of PRRT.

Recipe of Hebert et al., J Nucl Med 2024 (seed 001): patients with post-treatment
dosimetry (any organ dose in ``analysis_dose_summary``, course 1); cohort and cycles tables; laboratory toxicity by worst grade (CTCAE v4.03);
laboratory values before vs 3 and 12 months after PRRT (mean (SD), paired t test); absorbed
dose per structure per cycle and in total (median, range); lesion ΔV% versus total lesion
absorbed dose with a fitted curve and CI; tumour-control-probability (TCP) logistic curve;
Spearman + LOESS of cumulative marrow and spleen dose versus % change in blood counts;
Kaplan–Meier and Cox by lesion dose indices dichotomised at the median.
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
from prrt.studies._base import NotComputable, StudyOutput, StudyRun, subset

BLOOD = ("platelets", "lymphocytes", "leukocytes", "neutrophils", "haemoglobin")


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
        "paired t test; Spearman rank correlation with LOESS (degree 1, span 0.75) and "
        "pointwise 95 % CI; logistic TCP curve with CI on the logit scale; Kaplan–Meier, "
        "log-rank and Cox (Breslow) by dose indices dichotomised at the median"
    )


SETTINGS = Settings()

STRUCTURE_LABELS = vocabulary.LEVELS["structure"]


LAB_LABELS = vocabulary.LEVELS["test"]
"""Blood counts with their canonical units (``schema.LAB_CANONICAL_UNITS``)."""

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


def _value_near(labs: pd.DataFrame, ends: pd.DataFrame, target: int, window: int) -> pd.DataFrame:
    """Per patient × test, the value closest to course end + target days within ± window."""
    d = labs.merge(ends, on="patient_id")
    d["dist"] = ((d["sample_date"] - d["course_end"]).dt.days - target).abs()
    d = d.loc[d["dist"] <= window].sort_values(["patient_id", "test", "dist", "sample_date"])
    return d.drop_duplicates(["patient_id", "test"]).pivot(
        index="patient_id", columns="test", values="value"
    )


def run(store: Store, out_dir: str | Path, settings: Settings = SETTINGS) -> StudyOutput:
    """Run the template on ``store`` and write the report to ``out_dir``."""
    study = StudyRun.start(store, settings)
    data = study.population("Patients with dosimetry", lambda: _population(study))
    if data is None:
        return study.finish(out_dir)

    with study.section("Cohort"):
        variables = [
            v
            for v in (
                "sex",
                "age_at_start",
                "primary_site",
                "who_grade",
                "n_cycles",
                "cumulative_activity_gbq",
            )
            if v in data
        ]
        study.table(
            _display.table_one_readable(
                data,
                variables,
                categorical=[
                    v for v in ("sex", "primary_site", "who_grade", "n_cycles") if v in variables
                ],
                title=f"Patients with dosimetry (n = {len(data)})",
            )
        )

    labs = None
    with study.section(f"Laboratory toxicity (worst grade, CTCAE v{settings.ctcae_version})"):
        labs = study.read("analysis_labs")
        labs = labs.loc[labs["patient_id"].isin(set(data["patient_id"]))]
        col = "grade_v" + settings.ctcae_version.replace(".", "_")
        on = labs.loc[labs["period"] == "on_treatment"].dropna(subset=[col])
        worst = on.groupby(["patient_id", "test"])[col].max().reset_index()
        rows = []
        for t in BLOOD:
            w = worst.loc[worst["test"] == t, col]
            rows.append(
                {
                    "Term": _display.term(t),
                    **{f"Grade {g}": int((w == g).sum()) for g in range(1, 5)},
                }
            )
        study.table(
            ReportTable("Laboratory toxicity by worst grade", pd.DataFrame(rows), "lab_toxicity")
        )

    with study.section("Blood counts before and 3 and 12 months after PRRT"):
        if labs is None:
            raise NotComputable("laboratory data unavailable")
        ends = data[["patient_id", "course_end"]].assign(
            course_end=lambda f: pd.to_datetime(f["course_end"])
        )
        lab = labs.assign(sample_date=pd.to_datetime(labs["sample_date"]))
        m3 = _value_near(lab, ends, settings.month3_target_days, settings.month3_window_days)
        m12 = _value_near(lab, ends, settings.month12_target_days, settings.month12_window_days)
        rows = []
        for t in BLOOD:
            base_col = f"{t}_bl"
            if base_col not in data.columns:
                continue
            base = data.set_index("patient_id")[base_col]
            row: dict[str, object] = {
                "Test": LAB_LABELS.get(t, t),
                "Before, mean (SD)": _mean_sd(base),
            }
            for label, later in (("3 months", m3), ("12 months", m12)):
                if t not in later.columns:
                    row[f"{label}, mean (SD)"] = "NE"
                    row[f"p ({label})"] = "NE"
                    continue
                pair = pd.concat([base, later[t]], axis=1, join="inner").dropna()
                row[f"{label}, mean (SD)"] = _mean_sd(pair.iloc[:, 1])
                if len(pair) >= 3:
                    tt = stats.t_test(
                        pair.iloc[:, 0].to_numpy(), pair.iloc[:, 1].to_numpy(), kind="paired"
                    )
                    row[f"p ({label})"] = stats.format_p(tt.p_value)
                else:
                    row[f"p ({label})"] = "NE"
            rows.append(row)
        study.table(
            ReportTable(
                "Blood counts before and after PRRT",
                pd.DataFrame(rows),
                "labs_before_after",
                footnote="Paired t test on patients with both values.",
            )
        )

    with study.section("Absorbed doses"):
        doses = study.read("absorbed_doses")
        doses = doses.loc[
            doses["patient_id"].isin(set(data["patient_id"])) & (doses["course_no"] == 1)
        ]
        if doses.empty:
            raise NotComputable("no absorbed doses in the store")
        preference = _doses.preference_of(settings)
        doses = _doses.selected_doses(doses, preference)
        organ = doses.loc[doses["structure"] != "lesion"].rename(columns={"cycle_no": "cycle"})
        study.table(
            dose_table(
                organ,
                labels=STRUCTURE_LABELS,
                footnote="Total: per patient, the sum over the cycles of the selected per-cycle "
                "doses. " + _doses.preference_note(preference, organ),
            )
        )
        study.figure(
            figures.dose_boxplot_figure(
                organ.assign(structure=organ["structure"].map(STRUCTURE_LABELS)),
                structures=[
                    STRUCTURE_LABELS[k]
                    for k in ("kidneys", "spleen", "liver", "bone_marrow")
                    if k in set(organ["structure"])
                ],
            ),
            "dose_boxplot",
            "Absorbed dose per cycle and structure (box: median and IQR; whiskers 1.5 IQR). "
            + _doses.preference_note(preference),
        )
        for s in ("kidneys", "spleen", "bone_marrow", "liver"):
            col = f"{s}_gy"
            if col in data.columns:
                study.number(f"median_total_{s}_gy", float(data[col].median()))

    with study.section("Lesion volume change versus absorbed dose"):
        les = study.read("analysis_lesion_dose")
        les = les.loc[les["patient_id"].isin(set(data["patient_id"]))]
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
        grid = np.linspace(
            float(les["total_dose_gy"].min()), float(les["total_dose_gy"].max()), 100
        )
        pred = fit.predict(grid)
        # ΔV% cannot fall below −100 % (the whole lesion): the band is truncated there.
        pred = pred.assign(**{c: pred[c].clip(lower=-100.0) for c in ("fit", "lower", "upper")})
        study.figure(
            figures.dose_response_figure(
                les["total_dose_gy"].to_numpy(), les["delta_v_pct"].to_numpy(), fit=pred
            ),
            "dv_vs_dose",
            f"Lesion ΔV% at 3 months versus total absorbed dose (LOESS with 95 % CI, truncated "
            f"at −100 %); Spearman ρ = {_steps._fmt(rho.estimate, 2)}.",
        )
        study.number("lesion_spearman_rho", rho.estimate)
        study.number("lesion_spearman_p", rho.p_value)
        study.number("n_lesions", len(les))
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
                f"Tumour-control probability ({settings.tcp_controlled}) versus total lesion dose (logistic fit, 95 % CI).",
            )

    with study.section("Cumulative marrow and spleen dose versus change in blood counts"):
        if labs is None:
            raise NotComputable("laboratory data unavailable")
        on = labs.loc[labs["period"] == "on_treatment"]
        nadir = on.groupby(["patient_id", "test"])["value"].min().unstack()
        panels = []
        rows = []
        for organ_col, organ in (("bone_marrow_gy", "Bone marrow"), ("spleen_gy", "Spleen")):
            if organ_col not in data.columns:
                continue
            for t in ("platelets", "lymphocytes", "leukocytes"):
                if t not in nadir.columns or f"{t}_bl" not in data.columns:
                    continue
                d = data.set_index("patient_id")[[organ_col, f"{t}_bl"]].join(nadir[t]).dropna()
                if len(d) < 5:
                    continue
                change = 100.0 * (d[t] - d[f"{t}_bl"]) / d[f"{t}_bl"]
                r = stats.spearman(d[organ_col], change)
                rows.append(
                    {
                        "Dose": organ,
                        "Blood count": t,
                        "n": len(d),
                        "Spearman ρ": _steps._fmt(r.estimate, 2),
                        "p": stats.format_p(r.p_value),
                    }
                )
                lo = stats.loess(
                    d[organ_col].to_numpy(),
                    change.to_numpy(),
                    degree=settings.loess_degree,
                    span=settings.loess_span,
                )
                g = np.linspace(float(d[organ_col].min()), float(d[organ_col].max()), 60)
                panels.append(
                    figures.LoessPanel(
                        d[organ_col].to_numpy(),
                        change.to_numpy(),
                        lo.predict(g),
                        f"{organ} dose (Gy)",
                        f"{t.capitalize()}: nadir vs baseline (%)",
                        f"ρ = {_steps._fmt(r.estimate, 2)}",
                    )
                )
        if not rows:
            raise NotComputable("no patient has both organ doses and blood counts")
        study.table(
            ReportTable(
                "Spearman correlation of cumulative absorbed dose with % change in blood counts (nadir vs baseline)",
                pd.DataFrame(rows),
                "dose_blood",
            )
        )
        study.figure(
            figures.loess_panels(panels),
            "loess_panels",
            "Cumulative absorbed dose versus % change in blood counts (LOESS, 95 % CI).",
        )

    for idx in ("lesion_dose_mean_gy", "lesion_dose_min_gy"):
        with study.section(
            f"Survival by {idx.replace('_', ' ').removesuffix(' gy')} (dichotomised at the median)"
        ):
            d = study.require(data, [idx], idx)
            cut = float(d[idx].median())
            d = d.assign(
                high=(d[idx] > cut).map(
                    {True: f"> {_steps._fmt(cut)} Gy", False: f"≤ {_steps._fmt(cut)} Gy"}
                )
            )
            _steps.survival_by(study, d, "pfs", "high", "Lesion dose index", f"pfs_by_{idx}")
            e = _steps.endpoint_frame(d, "pfs")
            e["high_dose"] = (e[idx] > cut).astype(float)
            cox_fit = stats.cox(e, "time_months", "event", ["high_dose"])
            hr_row = cox_fit.table.loc["high_dose"]
            study.number(f"pfs_hr[{idx}]", float(hr_row["hr"]))
            study.text(
                f"Cox HR for PFS, above vs at or below the median: {_steps._fmt(float(hr_row['hr']), 2)} (95 % CI {_steps._fmt(float(hr_row['lower']), 2)}–{_steps._fmt(float(hr_row['upper']), 2)}), p = {stats.format_p(float(hr_row['p']))}."
            )

    return study.finish(out_dir)


def _mean_sd(x: pd.Series) -> str:
    v = x.dropna().astype(float)
    if v.empty:
        return "NE"
    return f"{_steps._fmt(float(v.mean()))} ({_steps._fmt(float(v.std(ddof=1)) if len(v) > 1 else float('nan'))})"
