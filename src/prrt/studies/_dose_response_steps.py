"""Steps of the dose–response template (Hebert et al., J Nucl Med 2024) built on one dose
estimate per patient × cycle × structure (× lesion).

Every aggregation of absorbed doses here goes through :func:`selected_doses`, which applies the
dosimetry settings' method preference (one estimate per cycle: the multi-time-point dose for
cycles 1–2, one single-time-point method for cycles ≥ 3), so per-cycle, total, per-lesion and
per-patient figures all add the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from scipy import stats as sps

from prrt import stats
from prrt.report import ReportTable
from prrt.studies import _doses, _steps
from prrt.studies._base import NotComputable, StudyRun

TREND_CYCLES = (1, 2, 3, 4)
"""Cycles compared by the trend test (Hebert: the four standard cycles)."""

STRUCTURE_ORDER = ("liver", "spleen", "kidneys", "bone_marrow", "lesion")
"""Rows of Hebert Table 5 in the paper's order."""

INDEX_LABELS = {
    "mean": "Mean total lesion absorbed dose",
    "min": "Minimum total lesion absorbed dose",
    "max": "Maximum total lesion absorbed dose",
}
"""Hebert Table 6 dosimetric indices per patient."""


def selected_doses(
    study: StudyRun, patients: pd.Series, preference: Sequence[str], course_no: int = 1
) -> pd.DataFrame:
    """Absorbed doses of ``patients`` for one course, one estimate per cycle × structure × lesion.

    The selection is :func:`prrt.dosimetry.select_dose_estimates` with the study's declared
    method preference (by default the one the derived dose summary and ``prrt plan`` use).
    """
    doses = study.read("absorbed_doses")
    doses = doses.loc[doses["patient_id"].isin(set(patients)) & (doses["course_no"] == course_no)]
    if doses.empty:
        raise NotComputable("no absorbed doses in the store")
    return _doses.selected_doses(doses, preference).rename(columns={"cycle_no": "cycle"})


def included_lesion_doses(study: StudyRun, doses: pd.DataFrame, course_no: int = 1) -> pd.DataFrame:
    """Per-cycle selected doses of the lesions retained for dose–response (Hebert selection:
    ≥ 2 cm³, ≤ 5 per site, no bone lesions; ``analysis_lesion_dose.included``)."""
    if not study.has_rows("analysis_lesion_dose"):
        return doses.iloc[0:0].astype({"lesion_id": str})
    les = study.read("analysis_lesion_dose")
    les = les.loc[(les["course_no"] == course_no) & les["included"].astype("boolean").fillna(False)]
    keep = les[["patient_id", "lesion_id"]].astype(str).drop_duplicates()
    d = doses.loc[doses["structure"] == "lesion"].astype({"lesion_id": str})
    return d.merge(keep, on=["patient_id", "lesion_id"], how="inner")


def lesion_totals(lesion_doses: pd.DataFrame) -> pd.DataFrame:
    """Total absorbed dose per lesion = Σ of its selected cycle doses (Hebert: total AD)."""
    return lesion_doses.groupby(["patient_id", "lesion_id"], as_index=False)["dose_gy"].sum()


def dosimetric_indices(totals: pd.DataFrame) -> pd.DataFrame:
    """Per patient: mean, minimum and maximum total lesion dose and the number of lesions.

    Hebert 2024, Table 6: mean total AD = mean of the total ADs of all lesions of a patient;
    min (max) total AD = lowest (highest) total AD among them.
    """
    g = totals.groupby("patient_id")["dose_gy"]
    return pd.DataFrame(
        {"mean": g.mean(), "min": g.min(), "max": g.max(), "n_lesions": g.size()}
    ).reset_index()


def indices_table(indices: pd.DataFrame) -> ReportTable:
    """Hebert Table 6: median (range) of each dosimetric index over the patients."""
    row = {
        INDEX_LABELS[k]: stats.describe_continuous(indices[k]).median_range(2)
        for k in ("mean", "min", "max")
    }
    return ReportTable(
        f"Dosimetric indices of the target lesions (Gy) in patients (n = {len(indices)})",
        pd.DataFrame([row]),
        "dosimetric_indices",
        footnote="Mean total absorbed dose = mean of the total absorbed doses of all target "
        "lesions of one patient; minimum (maximum) = the lowest (highest) total lesion absorbed "
        f"dose of one patient ({int(indices['n_lesions'].sum())} lesions). Values are median "
        "(range) over patients. One dose estimate per lesion and cycle.",
    )


def trend_table(doses: pd.DataFrame, labels: dict[str, str]) -> tuple[ReportTable, pd.DataFrame]:
    """Change of absorbed dose across cycles 1–4 per structure: Friedman and Page trend tests.

    Complete blocks only (an organ or lesion dosed in all four cycles). Friedman's χ² tests any
    difference between cycles (Friedman 1937); Page's L tests an ordered decrease from cycle 1
    to cycle 4 (Page 1963, exact/normal approximation as ``scipy.stats.page_trend_test``).
    """
    rows, numbers = [], []
    unit = doses["patient_id"].astype(str) + "/" + doses["lesion_id"].fillna("").astype(str)
    d = doses.assign(unit=unit).loc[doses["cycle"].isin(TREND_CYCLES)]
    for s in [x for x in STRUCTURE_ORDER if x in set(d["structure"])]:
        wide = (
            d.loc[d["structure"] == s]
            .pivot_table(index="unit", columns="cycle", values="dose_gy", aggfunc="first")
            .reindex(columns=list(TREND_CYCLES))
            .dropna()
        )
        if len(wide) < 3:
            continue
        fr = sps.friedmanchisquare(*(wide[c].to_numpy() for c in TREND_CYCLES))
        page = sps.page_trend_test(wide.to_numpy(), predicted_ranks=[4, 3, 2, 1])
        med = wide.median()
        rows.append(
            {
                "Structure": labels.get(s, s),
                "Complete series, n": len(wide),
                "Median cycle 1 → 4 (Gy)": " → ".join(_steps._fmt(float(v), 2) for v in med),
                "Friedman χ² (3 df)": _steps._fmt(float(fr.statistic), 2),
                "Friedman p": stats.format_p(float(fr.pvalue)),
                "Page trend p (decrease)": stats.format_p(float(page.pvalue)),
            }
        )
        numbers.append(
            {
                "structure": s,
                "n": len(wide),
                "friedman_p": float(fr.pvalue),
                "page_p": float(page.pvalue),
                "median_first": float(med.iloc[0]),
                "median_last": float(med.iloc[-1]),
            }
        )
    if not rows:
        raise NotComputable("no structure has doses in all of cycles 1–4")
    table = ReportTable(
        "Absorbed dose across cycles 1 to 4",
        pd.DataFrame(rows),
        "dose_trend",
        footnote="Organs and lesions with a dose estimate in each of cycles 1–4 (one estimate "
        "per cycle). Friedman test: any difference between cycles; Page's L test: ordered "
        "decrease from cycle 1 to cycle 4 (one-sided). Lesions are the target lesions.",
    )
    return table, pd.DataFrame(numbers)


def lab_toxicity_table(
    labs: pd.DataFrame, tests: Sequence[str], version: str, terms: dict[str, str]
) -> ReportTable:
    """Hebert Table 3: worst on-treatment CTCAE grade per patient, n (%) of patients graded.

    The denominator of each row is the number of patients with at least one graded value on
    treatment; the grade columns add up to it. "At least one grade ≥ k" (the paper's columns)
    is the sum of the columns k to 4.
    """
    col = "grade_v" + version.replace(".", "_")
    on = labs.loc[(labs["period"] == "on_treatment") & labs["test"].isin(tests)].dropna(
        subset=[col]
    )
    worst = on.groupby(["test", "patient_id"])[col].max().astype(int)
    counts = worst.groupby(level="test").value_counts().unstack(fill_value=0)
    counts = counts.reindex(index=list(tests), columns=range(5), fill_value=0)
    rows = []
    for t in tests:
        n = int(counts.loc[t].sum())
        cells = {
            f"Grade {g}, n (%)": f"{int(counts.loc[t, g])} ({_steps._fmt(100 * counts.loc[t, g] / n) if n else 'NE'})"
            for g in range(5)
        }
        rows.append({"Term": terms[t], "Patients graded, n": n, **cells})
    return ReportTable(
        f"Laboratory toxicity during PRRT: worst grade per patient (CTCAE v{version})",
        pd.DataFrame(rows),
        "lab_toxicity",
        footnote="n (%) of the patients with at least one graded value on treatment (row "
        "denominator). The paper's 'at least one grade ≥ k' is the sum of the grade columns k "
        "to 4. eGFR (CKD-EPI) decrease is graded as CTCAE 'Chronic kidney disease'.",
    )


PRIOR_GROUPS = {
    "prior_chemotherapy": ("chemotherapy",),
    "prior_targeted": ("targeted",),
    "prior_locoregional_liver": ("embolisation", "rfa"),
    "prior_ssa": ("ssa",),
    "prior_surgery": ("surgery",),
}
"""Hebert Table 1 'Treatment before [177Lu]Lu-DOTATATE' rows: modalities of ``prior_treatments``
(locoregional liver therapy = embolisation or radiofrequency ablation)."""


def prior_treatment_flags(prior: pd.DataFrame, patients: pd.Series) -> pd.DataFrame:
    """Per patient: one flag per :data:`PRIOR_GROUPS` row and ``prior_any`` (≥ 1 treatment)."""
    p = prior.loc[prior["patient_id"].isin(set(patients))]
    hits = pd.DataFrame(
        {k: p["modality"].isin(v).to_numpy() for k, v in PRIOR_GROUPS.items()},
        index=p["patient_id"].to_numpy(),
    )
    flags = hits.groupby(level=0).any().reindex(patients.to_numpy(), fill_value=False)
    flags["prior_any"] = flags.any(axis=1)
    return flags.rename_axis("patient_id").reset_index()
