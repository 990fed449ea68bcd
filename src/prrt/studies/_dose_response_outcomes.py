"""Outcome steps of the dose–response template (Hebert et al., J Nucl Med 2024): cumulative organ
dose versus laboratory change (Fig. 5, Supplemental Figs 3–4) and survival by the lesion
dosimetric indices (Fig. 6). Organ doses and indices come from the selected per-cycle doses
(:mod:`prrt.studies._dose_response_steps`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

from prrt import stats
from prrt.report import ReportTable, figures, vocabulary
from prrt.studies import _dose_response_steps as _dr
from prrt.studies import _steps
from prrt.studies._base import NotComputable, StudyRun

BLOOD = ("platelets", "lymphocytes", "leukocytes", "neutrophils", "haemoglobin")
PANEL_COUNTS = ("neutrophils", "leukocytes", "lymphocytes", "platelets")
"""Blood counts of Hebert Fig. 5 (marrow) and Supplemental Fig. 4 (spleen), in the paper's order."""
HEADLINE_CORRELATIONS = (
    ("bone_marrow", "platelets"),
    ("spleen", "lymphocytes"),
    ("kidneys", "egfr"),
)
"""Dose–toxicity pairs of Hebert's abstract (marrow/spleen versus blood counts; kidneys, none)."""
STRUCTURE_LABELS = vocabulary.LEVELS["structure"]
LAB_LABELS = vocabulary.LEVELS["test"]

COUNT_WORDS = {t: LAB_LABELS[t].split(" (")[0] for t in ("egfr", *BLOOD)}
"""Laboratory tests in words without their unit (panel titles, table cells)."""


def dose_axis(organ: str) -> str:
    """``Cumulative kidney absorbed dose (Gy)`` from the vocabulary's label of ``<organ>_gy``."""
    return "Cumulative " + vocabulary.in_sentence(vocabulary.label(f"{organ}_gy"))


"""Laboratory tests in words (panel titles, table cells)."""


def dose_vs_change(
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


def correlations(
    study: StudyRun,
    data: pd.DataFrame,
    labs: pd.DataFrame,
    totals: pd.DataFrame,
    *,
    loess_degree: int,
    loess_span: float,
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
            d = dose_vs_change(data, totals, nadir, organ, t)
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
                degree=loess_degree,
                span=loess_span,
            )
            g = np.linspace(float(d["dose"].min()), float(d["dose"].max()), 60)
            panels.append(
                figures.LoessPanel(
                    d["dose"].to_numpy(),
                    d["change"].to_numpy(),
                    lo.predict(g),
                    dose_axis(organ),
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
            f"{dose_axis(organ).removesuffix(' (Gy)')} versus the % change of "
            f"{what} from baseline to the lowest value during PRRT (LOESS degree "
            f"{loess_degree}, span {loess_span}, 95 % CI; Spearman ρ and p, "
            "n patients).",
        )
    if not rows:
        raise NotComputable("no patient has both organ doses and laboratory values")
    kn = study.key_numbers
    for organ, test in HEADLINE_CORRELATIONS:
        if f"spearman_rho[{organ},{test}]" in kn:
            study.glance(
                f"{dose_axis(organ).removesuffix(' (Gy)')} versus the change of "
                f"{vocabulary.in_sentence(COUNT_WORDS[test])} from baseline to the lowest value "
                f"during PRRT: Spearman ρ = {_steps._fmt(kn[f'spearman_rho[{organ},{test}]'], 2)}, "
                f"p {_steps._p_phrase(kn[f'spearman_p[{organ},{test}]'])} "
                f"(n = {kn[f'spearman_n[{organ},{test}]']})."
            )
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


def survival_by_indices(study: StudyRun, data: pd.DataFrame, indices: pd.DataFrame) -> None:
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


def clustered_tcp(study: StudyRun, lesions: pd.DataFrame, controlled_rule: str) -> None:
    """Hebert Fig. 4 model (control = ΔV% ≤ 0 at 3 months, logistic in total lesion dose) with
    lesions clustered within patients: cluster-robust (sandwich, CR0) SE by patient beside the
    model-based SE that treats the lesions as independent (Liang & Zeger 1986; Hebert: 146
    lesions in 35 dosimetric studies, 1–9 lesions per patient)."""
    d = pd.DataFrame(
        {"controlled": (lesions["delta_v_pct"] <= 0).astype(int).to_numpy(),
         "dose_10gy": lesions["total_dose_gy"].astype(float).to_numpy() / 10.0,
         "patient_id": lesions["patient_id"].to_numpy()}
    )  # fmt: skip
    if d["controlled"].nunique() < 2:
        raise NotComputable("every lesion has the same control status")
    n_pat = int(d["patient_id"].nunique())
    if n_pat < 2:
        raise NotComputable("lesions of fewer than two patients")
    fit = stats.logistic_cluster(d, "controlled", "dose_10gy", "patient_id")
    study.uses(fit, tests=["logistic regression with cluster-robust standard errors"])
    r = fit.table.loc["dose_10gy"]
    z = stats.Z975
    rows = []
    for what, se in (
        ("Lesions treated as independent (model-based)", float(r["se_model"])),
        ("Lesions clustered within patients (sandwich)", float(r["se"])),
    ):
        lo, hi = np.exp(float(r["coef"]) - z * se), np.exp(float(r["coef"]) + z * se)
        p = float(2 * sps.norm.sf(abs(float(r["coef"]) / se)))
        rows.append(
            {
                "Standard error": what,
                "OR per 10 Gy (95 % CI)": f"{_steps._fmt(float(r['or']), 2)} "
                f"({_steps._fmt(lo, 2)}–{_steps._fmt(hi, 2)})",
                "SE of log OR": _steps._fmt(se, 3),
                "p": stats.format_p(p),
            }
        )
    study.number("tcp_cluster_or_per_10gy", float(r["or"]))
    study.number("tcp_cluster_se", float(r["se"]))
    study.number("tcp_cluster_se_model", float(r["se_model"]))
    study.number("tcp_cluster_ci", (float(r["lower"]), float(r["upper"])))
    study.number("tcp_cluster_p", float(r["p"]))
    study.table(
        ReportTable(
            f"Tumour control ({controlled_rule}) versus total lesion absorbed dose: {len(d)} "
            f"lesions in {n_pat} patients",
            pd.DataFrame(rows),
            "tcp_clustered",
            footnote="Logistic regression of lesion control on total lesion absorbed dose (odds "
            "ratio per 10 Gy, Wald 95 % CI with z = 1.959964). The same estimate with two "
            "standard errors: model-based (every lesion independent) and cluster-robust "
            f"sandwich by patient (CR0, {n_pat} clusters), which allows for lesions of one "
            "patient responding alike.",
        )
    )
    study.text(
        f"Several lesions come from one patient ({len(d)} lesions in {n_pat} patients) and "
        "tend to respond alike, so they are not independent observations; the patient-"
        "clustered (sandwich) standard error accounts for this, and when it exceeds the "
        "model-based one the lesion-level analysis overstated its precision."
    )
    study.glance(
        f"Tumour control versus total lesion dose ({len(d)} lesions, {n_pat} patients): OR "
        f"{_steps._fmt(float(r['or']), 2)} per 10 Gy (95 % CI {_steps._fmt(float(r['lower']), 2)}"
        f"–{_steps._fmt(float(r['upper']), 2)}, patient-clustered SE; p "
        f"{_steps._p_phrase(float(r['p']))})."
    )
