"""Pieces of the real-world-outcomes template (Lazarenko et al. 2026, seed 002) kept out of the recipe.

Course completion and the reasons for stopping (one derivation for the flow diagram and Tables 2
and 3), baseline rows of Table 1 from the lesions and prior-treatment tables, the adverse-event
table grouped as in Lazarenko Table 2, the Δ highest grade table (Table 3) and the Cox tables laid
out as Tables 4–5 (per-factor global p, reference rows).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from prrt import stats
from prrt.report import ReportTable, vocabulary
from prrt.studies import _display
from prrt.studies._steps import _fmt

FULL_COURSE_CYCLES = 4
"""Standard protocol: four cycles (Lazarenko Methods; ``completed_4_cycles`` of the store)."""

NOT_RECORDED = vocabulary.level_label("stop_reason", "not recorded")


def course_completion(data: pd.DataFrame) -> pd.DataFrame:
    """The one derivation of "completed four cycles" and of the reason for not completing.

    ``completed`` is the store's ``completed_4_cycles`` (≥ 4 cycles received in the course);
    ``cycles_group`` is 1, 2, 3, 4 or "5 or more"; ``reason`` is the recorded stop reason in words
    for the patients who did not complete four cycles (null for those who did). The flow diagram,
    the cycles table and the reasons table all count from this frame, so they agree.

    Examples
    --------
    >>> d = pd.DataFrame({"n_cycles": [4, 5, 2, 1], "completed_4_cycles": [True, True, False, False],
    ...                   "stop_reason": ["completed", "dose_limit", "death", None]})
    >>> course_completion(d)[["completed", "cycles_group", "reason"]].values.tolist()
    [[True, '4', None], [True, '5 or more', None], [False, '2', 'Death'], [False, '1', 'Not recorded']]
    """
    completed = data["completed_4_cycles"].astype("boolean").fillna(False).astype(bool)
    n = data["n_cycles"].astype(int)
    group = n.astype(str).where(n <= FULL_COURSE_CYCLES, f"{FULL_COURSE_CYCLES + 1} or more")
    reason = (
        data["stop_reason"].map(
            lambda c: vocabulary.level_label("stop_reason", c) if isinstance(c, str) else None
        )
        if "stop_reason" in data.columns
        else pd.Series(None, index=data.index, dtype=object)
    )
    reason = reason.astype(object).where(reason.notna(), NOT_RECORDED).where(~completed, None)
    return pd.DataFrame({"completed": completed, "cycles_group": group, "reason": reason})


def n_pct(k: int, n: int) -> str:
    """``"12 (10.9)"``; ``"0 (0.0)"`` for an empty numerator, ``"—"`` without a denominator."""
    return f"{int(k)} ({_fmt(100.0 * k / n)})" if n else "—"


# -- Table 1: metastatic sites and prior treatments -------------------------------------------
SITE_CODES = (
    "liver",
    "lymph_node",
    "bone",
    "peritoneum",
    "lung",
    "pancreas",
    "small_intestine",
    "other",
)
"""``lesions.site`` codes, in the order of Lazarenko Table 1 (labels: ``mets_<code>`` in the
vocabulary)."""

PRIOR_ROWS = {
    "ssa": ("modality", "ssa"),
    "surgery": ("modality", "surgery"),
    "chemotherapy": ("modality", "chemotherapy"),
    "radiotherapy": ("modality", "radiotherapy"),
    "embolisation": ("modality", "embolisation"),
    "everolimus": ("agent", "everolimus"),
    "sunitinib": ("agent", "sunitinib"),
    "rfa": ("modality", "rfa"),
    "interferon": ("modality", "interferon"),
}
"""Prior-treatment rows of Lazarenko Table 1: column and value (modality, or agent for targeted
drugs); labels ``prior_tx_<row>`` in the vocabulary."""


def metastatic_sites(data: pd.DataFrame, lesions: pd.DataFrame) -> pd.DataFrame:
    """One 0/1 column per metastatic site (``mets_<code>``) from the lesions table.

    Liver, lymph-node and bone involvement come from the derived flags where the course table has
    them (``liver_metastases`` …; bone also from ``bone_involvement``); other sites from any lesion
    recorded at that site.
    """
    have = lesions.loc[lesions["patient_id"].isin(data["patient_id"])]
    by_site = pd.crosstab(have["patient_id"], have["site"]).gt(0)
    out = pd.DataFrame(index=data.index)
    flags = {
        "liver": "liver_metastases",
        "lymph_node": "lymph_node_metastases",
        "bone": "bone_metastases",
        "peritoneum": "peritoneal_metastases",
    }
    for code in SITE_CODES:
        col = flags.get(code)
        if col is not None and col in data.columns:
            v = data[col].astype("boolean")
        elif code in by_site.columns:
            v = data["patient_id"].map(by_site[code]).astype("boolean").fillna(False)
        else:
            continue
        out[f"mets_{code}"] = v.astype("Float64")
    return out


def prior_treatments(data: pd.DataFrame, prior: pd.DataFrame) -> pd.DataFrame:
    """0/1 columns ``prior_tx_<row>`` (treatments started before the course) and the count class.

    ``modalities_class`` classes the number of distinct modalities before PRRT as Lazarenko
    Table 1 does: ≤ 2, 3, 4, ≥ 5 (``n_prior_modalities`` of the store).
    """
    p = prior.merge(data[["patient_id", "course_start"]], on="patient_id", how="inner")
    start = pd.to_datetime(p["start_date"])
    p = p.loc[start.isna() | (start <= pd.to_datetime(p["course_start"]))]
    out = pd.DataFrame(index=data.index)
    for key, (col, value) in PRIOR_ROWS.items():
        hit = p.loc[p[col].astype(str).str.lower() == value, "patient_id"].unique()
        out[f"prior_tx_{key}"] = data["patient_id"].isin(hit).astype(float)
    if "n_prior_modalities" in data.columns:
        k = data["n_prior_modalities"].astype(float)
        out["modalities_class"] = pd.Series(
            np.select([k <= 2, k == 3, k == 4, k >= 5], ["≤ 2", "3", "4", "≥ 5"], ""),
            index=data.index,
        ).replace("", None)
    return out


# -- Table 2: adverse events grouped ------------------------------------------------------------
AE_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Haematological toxicity",
        ("lymphocytes", "platelets", "haemoglobin", "leukocytes", "neutrophils"),
    ),
    ("Hepatic toxicity", ("ast", "alt", "ggt", "alp", "bilirubin", "albumin")),
    ("Renal toxicity", ("creatinine", "egfr")),
)
"""Laboratory groups of Lazarenko Table 2 (haematological, hepatic) plus renal function."""


def grouped_ae_table(
    labs: pd.DataFrame,
    clinical: pd.DataFrame,
    n_patients: int,
    grade_col: str,
    *,
    version: str,
) -> tuple[ReportTable, dict[str, tuple[int, int, int]]]:
    """Lazarenko Table 2: any grade and grade ≥ 3 by term, in groups with their own denominators.

    ``labs`` are the on-treatment rows of ``analysis_labs`` of the population; the denominator of
    a laboratory group is the patients with at least one graded on-treatment value of that
    group's tests; for clinical adverse events ("Other") it is the whole population. Returns the
    table and, per term label, (patients any grade, patients grade ≥ 3, denominator).
    """
    rows: list[dict[str, str]] = []
    counts: dict[str, tuple[int, int, int]] = {}
    graded = labs.dropna(subset=[grade_col])
    for group, tests in AE_GROUPS:
        g = graded.loc[graded["test"].isin(tests)]
        n = int(g["patient_id"].nunique())
        if n == 0:
            continue
        worst = g.groupby(["test", "patient_id"])[grade_col].max()
        rows.append(
            {"Adverse event": f"{group} (n = {n})", "Any grade, n (%)": "", "Grade ≥ 3, n (%)": ""}
        )
        terms = []
        for t in tests:
            if t not in worst.index.get_level_values(0):
                continue
            w = worst.loc[t]
            terms.append((t, int((w >= 1).sum()), int((w >= 3).sum())))
        for t, k_any, k3 in sorted(terms, key=lambda r: -r[1]):
            label = _display.term(t)
            rows.append(
                {
                    "Adverse event": f"  {label}",
                    "Any grade, n (%)": n_pct(k_any, n),
                    "Grade ≥ 3, n (%)": n_pct(k3, n),
                }
            )
            counts[label] = (k_any, k3, n)
    if not clinical.empty:
        rows.append(
            {
                "Adverse event": f"Other (n = {n_patients})",
                "Any grade, n (%)": "",
                "Grade ≥ 3, n (%)": "",
            }
        )
        worst = clinical.groupby(["term", "patient_id"])["grade"].max()
        terms = []
        for t in worst.index.get_level_values(0).unique():
            w = worst.loc[t]
            terms.append((t, int((w >= 1).sum()), int((w >= 3).sum())))
        for t, k_any, k3 in sorted(terms, key=lambda r: -r[1]):
            label = _display.term(t)
            rows.append(
                {
                    "Adverse event": f"  {label}",
                    "Any grade, n (%)": n_pct(k_any, n_patients),
                    "Grade ≥ 3, n (%)": n_pct(k3, n_patients),
                }
            )
            counts[label] = (k_any, k3, n_patients)
    table = ReportTable(
        f"Adverse events during PRRT-1 and up to the end of the adverse-event window (worst grade "
        f"per patient, CTCAE v{version})",
        pd.DataFrame(rows),
        "adverse_events",
        footnote=(
            "Percentages of the group's denominator (n in the group heading): patients with at least "
            "one graded on-treatment laboratory value of that group; clinical adverse events over all "
            f"{n_patients} patients. Grades from laboratory values by CTCAE v{version}; ALT, alanine "
            "aminotransferase; AST, aspartate aminotransferase; GGT, gamma-glutamyl transferase."
        ),
    )
    return table, counts


def delta_grade_table(data: pd.DataFrame, terms: Sequence[str]) -> tuple[ReportTable, pd.DataFrame]:
    """Lazarenko Table 3: patients with Δ highest grade 1, 2, 3, 4 (% of the row total) and the total.

    Δ highest grade = worst on-treatment grade − baseline grade (Lazarenko Methods, after Mileva
    2024); the row total is the patients with Δ ≥ 1 for that term.
    """
    rows, raw = [], []
    for t in terms:
        col = f"delta_grade_{t}"
        if col not in data.columns:
            continue
        d = data[col].dropna().astype(int)
        k = {g: int((d == g).sum()) for g in (1, 2, 3, 4)}
        total = sum(k.values())
        row: dict[str, object] = {"Toxicity": _display.term(t)}
        for g in (1, 2, 3, 4):
            row[f"Δ = {g}, n (%)"] = n_pct(k[g], total) if total else "0"
        row["Total (Δ ≥ 1), n"] = str(total)
        rows.append(row)
        raw.append({"term": t, **{f"d{g}": k[g] for g in (1, 2, 3, 4)}, "total": total})
    table = ReportTable(
        "Distribution of the Δ highest grade of haematological toxicity",
        pd.DataFrame(rows),
        "delta_grade",
        footnote=(
            "Δ highest grade = worst on-treatment grade − baseline grade (same CTCAE term and version). "
            "Patients with Δ ≥ 1; percentages of the row total."
        ),
    )
    return table, pd.DataFrame(raw)


# -- Tables 4–5: Cox tables with per-factor global p and reference rows ----------------------
def cox_paper_table(
    fit: Any,
    factors: Mapping[str, tuple[str, Mapping[Any, str] | None]],
    reference: Mapping[str, Any],
    *,
    title: str,
    name: str,
    footnote: str,
) -> ReportTable:
    """Univariable and multivariable Cox side by side, laid out as Lazarenko Tables 4–5.

    A factor with levels gets a heading row with its global p (univariable: the joint Wald test of
    its levels, SAS PHREG type 3; multivariable: the type 3 test in the model), a "Reference" row for
    its reference level and one row per other level; a continuous factor is one row (HR per unit).
    ``factors`` maps each covariate to (label, level labels or None for continuous).
    """
    uni = fit.univariable
    multi = fit.multivariable
    mtab = multi.table if multi is not None else pd.DataFrame()
    mtype3 = multi.type3 if multi is not None else pd.DataFrame()
    cols = [
        "Factor",
        "Univariable HR (95 % CI)",
        "Univariable p",
        "Multivariable HR (95 % CI)",
        "Multivariable p",
    ]

    def hr(row: Any) -> str:
        if row is None or not np.isfinite(float(row["hr"])) or not (1e-6 < float(row["hr"]) < 1e6):
            return "NE"
        return f"{_fmt(row['hr'], 2)} ({_fmt(row['lower'], 2)}–{_fmt(row['upper'], 2)})"

    rows: list[list[str]] = []
    nums: list[list[Any]] = []

    def est(row: Any) -> list[float]:
        if row is None:
            return [np.nan] * 3
        v = [float(row["hr"]), float(row["lower"]), float(row["upper"])]
        return v if np.isfinite(v[0]) and 1e-6 < v[0] < 1e6 else [np.nan] * 3

    def add(label: str, u: Any, up: float, m: Any, mp: float, *, ref: bool = False) -> None:
        in_m = m is not None or np.isfinite(mp)
        rows.append(
            [
                label,
                "Reference" if ref else (hr(u) if u is not None else ""),
                stats.format_p(up) if np.isfinite(up) else "",
                ("Reference" if ref and in_m else "") if ref or m is None else hr(m),
                stats.format_p(mp) if np.isfinite(mp) else "",
            ]
        )
        nums.append([label.strip(), *est(u), up, *est(m), mp])

    nan = float("nan")
    for cov in uni["covariate"].unique():
        label, levels = factors.get(cov, (cov, None))
        u = uni.loc[uni["covariate"] == cov]
        in_multi = cov in mtype3.index
        if levels is None:
            r = u.iloc[0]
            m = mtab.loc[cov] if cov in mtab.index else None
            add(label, r, float(r["p"]), m, float(m["p"]) if m is not None else nan)
            continue
        jp = float(u["joint_p"].iloc[0]) if "joint_p" in u.columns else float(u["p"].iloc[0])
        mp = float(mtype3.loc[cov, "p"]) if in_multi else nan
        add(label, None, jp, None, mp)
        ref = reference.get(cov, 0)
        rows.append(
            [f"  {levels.get(ref, ref)}", "Reference", "", "Reference" if in_multi else "", ""]
        )
        nums.append([str(levels.get(ref, ref)), *[nan] * 8])
        for _, r in u.iterrows():
            term = str(r["term"])
            level = term.split("=", 1)[1] if "=" in term else "True"  # 0/1 flag: level True
            text = next((v for k, v in levels.items() if str(k) == level), level)
            if text == levels.get(ref):
                continue
            m = mtab.loc[term] if term in mtab.index else None
            add(f"  {text}", r, float(r["p"]), m, float(m["p"]) if m is not None else nan)
    numbers = pd.DataFrame(
        nums,
        columns=[
            "Factor",
            "Univariable HR",
            "Univariable HR: lower",
            "Univariable HR: upper",
            "Univariable p (global p on a factor's row)",
            "Multivariable HR",
            "Multivariable HR: lower",
            "Multivariable HR: upper",
            "Multivariable p (global p on a factor's row)",
        ],
    )
    return ReportTable(
        title, pd.DataFrame(rows, columns=cols), name, footnote=footnote, numbers=numbers
    )
