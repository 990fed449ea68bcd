"""Treatments before PRRT as a journal table: modalities, chemotherapy regimens and lines.

The ``prior_treatments`` table holds one row per treatment line or procedure with its modality
(closed vocabulary) and the agent or procedure as free text. Regimens are recognised from that
text by the declared patterns of :data:`CHEMO_REGIMENS` and :data:`PROCEDURES` (case-insensitive
regular expressions, first match wins), so the classification is data, stated in the footnote and
tested row by row. The layout follows Fröss-Baron et al., Neuroendocrinology 2021, Table 2
("Patient characteristics – treatments before PRRT").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from prrt.report import ReportTable
from prrt.stats import round_half_up

CHEMO_REGIMENS: tuple[tuple[str, str, str], ...] = (
    ("stz_5fu", "Streptozotocin + 5-fluorouracil", r"streptozo"),
    (
        "tem_cap",
        "Temozolomide + capecitabine",
        r"temozolomide.*capecitabine|capecitabine.*temozolomide|capte?m",
    ),
    ("tem", "Temozolomide", r"temozolomide"),
    ("platinum", "Platinum-based", r"platin|folfox|xelox"),
)
"""Chemotherapy regimen classes of Fröss-Baron Table 2: (code, label, pattern on the agent text).

Patterns are tried in order (temozolomide + capecitabine before temozolomide alone); FOLFOX and
XELOX contain oxaliplatin and count as platinum-based. A chemotherapy row matching none is
"Other chemotherapy"."""

OTHER_CHEMO = ("other_chemo", "Other chemotherapy")

PROCEDURES: dict[str, str] = {
    "surgery_primary": r"primary|pancreat|whipple",
    "surgery_liver": r"liver|hepat",
    "chemoembolisation": r"tace|chemo",
}
"""Patterns on the agent text of surgery and embolisation rows: resection of the primary tumour,
liver surgery, and chemoembolisation (any other embolisation counts as particle embolisation)."""


def classify_regimen(agent: pd.Series) -> pd.Series:
    """Regimen code of each chemotherapy agent text (:data:`CHEMO_REGIMENS`, else other).

    Examples
    --------
    >>> classify_regimen(pd.Series(["streptozotocin+5-FU", "capecitabine+temozolomide",
    ...                             "Temozolomide", "FOLFOX", "cisplatin+etoposide", None])).tolist()
    ['stz_5fu', 'tem_cap', 'tem', 'platinum', 'platinum', 'other_chemo']
    """
    text = agent.fillna("").astype(str).str.lower()
    conditions = [text.str.contains(p, regex=True) for _, _, p in CHEMO_REGIMENS]
    codes = [c for c, _, _ in CHEMO_REGIMENS]
    return pd.Series(
        np.select(conditions, codes, default=OTHER_CHEMO[0]), index=agent.index, dtype=object
    )


def treatment_flags(prior: pd.DataFrame, patients: pd.Series) -> pd.DataFrame:
    """One row per patient of ``patients``: a 0/1 column per treatment class of Table 2.

    Columns: ``surgery``, ``surgery_primary``, ``surgery_liver``, ``chemotherapy``, one per
    regimen code, ``targeted``, ``biotherapy``, ``ssa``, ``interferon``, ``embolisation``,
    ``chemoembolisation``, ``particle_embolisation``, ``rfa``, ``radiotherapy``; and
    ``first_regimen`` (regimen of the lowest chemotherapy line) and ``alkylating_months``
    (summed duration of the alkylating lines with start and end dates, in months).

    Examples
    --------
    >>> prior = pd.DataFrame({"patient_id": ["a", "a", "b"],
    ...     "modality": ["surgery", "chemotherapy", "chemotherapy"],
    ...     "agent": ["resection of primary", "streptozotocin+5-FU", "temozolomide"],
    ...     "line_number": [None, 1, 1], "alkylating": [None, True, True],
    ...     "start_date": [None, "2010-01-01", None], "end_date": [None, "2010-07-02", None]})
    >>> f = treatment_flags(prior, pd.Series(["a", "b", "c"]))
    >>> f[["surgery_primary", "stz_5fu", "tem"]].to_numpy().tolist()
    [[1, 1, 0], [0, 0, 1], [0, 0, 0]]
    >>> f["first_regimen"].tolist(), round(float(f.loc["a", "alkylating_months"]), 1)
    (['stz_5fu', 'tem', None], 6.0)
    """
    ids = pd.Index(patients.astype(str).unique(), name="patient_id")
    p = prior.loc[prior["patient_id"].astype(str).isin(ids)].copy()
    p["patient_id"] = p["patient_id"].astype(str)
    mod = p["modality"].astype(str)
    text = p["agent"].fillna("").astype(str).str.lower()
    chemo = mod.eq("chemotherapy")
    regimen = classify_regimen(p["agent"]).where(chemo)
    embol = mod.eq("embolisation")
    chemoembol = embol & text.str.contains(PROCEDURES["chemoembolisation"], regex=True)
    masks = {
        "surgery": mod.eq("surgery"),
        "surgery_primary": mod.eq("surgery")
        & text.str.contains(PROCEDURES["surgery_primary"], regex=True),
        "surgery_liver": mod.eq("surgery")
        & text.str.contains(PROCEDURES["surgery_liver"], regex=True),
        "chemotherapy": chemo,
        **{code: regimen.eq(code) for code in [*(c for c, _, _ in CHEMO_REGIMENS), OTHER_CHEMO[0]]},
        "targeted": mod.eq("targeted"),
        "biotherapy": mod.isin(["ssa", "interferon"]),
        "ssa": mod.eq("ssa"),
        "interferon": mod.eq("interferon"),
        "embolisation": embol,
        "chemoembolisation": chemoembol,
        "particle_embolisation": embol & ~chemoembol,
        "rfa": mod.eq("rfa"),
        "radiotherapy": mod.eq("radiotherapy"),
    }
    flags = pd.DataFrame({k: v.astype(int) for k, v in masks.items()}).assign(
        patient_id=p["patient_id"]
    )
    out = flags.groupby("patient_id").max().reindex(ids, fill_value=0).astype(int)
    lines = p.loc[chemo].assign(regimen=regimen[chemo], line=p.loc[chemo, "line_number"])
    first = lines.sort_values(["patient_id", "line"]).drop_duplicates("patient_id")
    out["first_regimen"] = first.set_index("patient_id")["regimen"].reindex(ids)
    out["first_regimen"] = (
        out["first_regimen"].astype(object).where(out["first_regimen"].notna(), None)
    )
    alk = p.loc[chemo & p["alkylating"].astype("boolean").fillna(False).astype(bool)]
    days = (pd.to_datetime(alk["end_date"]) - pd.to_datetime(alk["start_date"])).dt.days
    months = (days / 30.4375).groupby(alk["patient_id"]).sum(min_count=1)
    out["alkylating_months"] = months.reindex(ids).astype(float)
    return out


def _row(label: str, n: int, total: int) -> dict[str, str]:
    pct = round_half_up(100.0 * n / total, 1) if total else float("nan")
    return {"Treatment": label, "Patients, n (%)": f"{n} ({pct:.1f})"}


def prior_treatment_table(flags: pd.DataFrame, chemo_lines: pd.Series) -> ReportTable:
    """Fröss-Baron Table 2 from :func:`treatment_flags` and the number of chemotherapy lines.

    ``chemo_lines`` is indexed like ``flags`` (patient_id). Percentages use all patients of the
    population as denominator (stated in the caption); regimens of the patients with one line
    use that subgroup as denominator, as in the paper.
    """
    n = len(flags)
    lines = chemo_lines.reindex(flags.index)
    rows = [_row("Surgery (any)", int(flags["surgery"].sum()), n)]
    rows += [
        _row("  Resection of the primary tumour", int(flags["surgery_primary"].sum()), n),
        _row("  Liver surgery", int(flags["surgery_liver"].sum()), n),
        _row("Chemotherapy (any)", int(flags["chemotherapy"].sum()), n),
    ]
    for code, label in [*((c, lab) for c, lab, _ in CHEMO_REGIMENS), OTHER_CHEMO]:
        if code != OTHER_CHEMO[0] or flags[code].sum() > 0:
            rows.append(_row(f"  {label}", int(flags[code].sum()), n))
    one = lines.eq(1)
    n_one = int(one.sum())
    rows.append({"Treatment": "Lines of chemotherapy", "Patients, n (%)": ""})
    rows.append(_row("  One line", n_one, n))
    first = flags.loc[one, "first_regimen"].value_counts()
    for code, label in [*((c, lab) for c, lab, _ in CHEMO_REGIMENS), OTHER_CHEMO]:
        if int(first.get(code, 0)) > 0:
            rows.append(_row(f"    {label} (% of one line)", int(first.get(code, 0)), n_one))
    rows.append(_row("  Two lines", int(lines.eq(2).sum()), n))
    rows.append(_row("  Three or more lines", int(lines.ge(3).sum()), n))
    rows += [
        _row("Targeted therapy (everolimus, sunitinib)", int(flags["targeted"].sum()), n),
        _row("Biotherapy (any)", int(flags["biotherapy"].sum()), n),
        _row("  Somatostatin analogue", int(flags["ssa"].sum()), n),
        _row("  Interferon", int(flags["interferon"].sum()), n),
        _row("Liver embolisation (any)", int(flags["embolisation"].sum()), n),
        _row("  Particle embolisation", int(flags["particle_embolisation"].sum()), n),
        _row("  Chemoembolisation", int(flags["chemoembolisation"].sum()), n),
        _row("Radiofrequency ablation", int(flags["rfa"].sum()), n),
        _row("Radiotherapy", int(flags["radiotherapy"].sum()), n),
    ]
    dur = flags["alkylating_months"].dropna()
    if len(dur):
        med = round_half_up(float(dur.median()), 1)
        lo, hi = round_half_up(float(dur.min()), 1), round_half_up(float(dur.max()), 1)
        rows.append(
            {
                "Treatment": f"Duration of alkylating chemotherapy, months, median (range); "
                f"n = {len(dur)}",
                "Patients, n (%)": f"{med:.1f} ({lo:.1f}–{hi:.1f})",
            }
        )
    return ReportTable(
        f"Treatments before PRRT (n = {n})",
        pd.DataFrame(rows),
        "prior_treatments",
        footnote=(
            "Patients with at least one treatment of the class, n (% of all patients; regimens "
            "under 'One line' as % of the patients with one line). Regimens recognised from the "
            "recorded agent: streptozotocin-containing, temozolomide with capecitabine, "
            "temozolomide alone, platinum-based (cisplatin, carboplatin, oxaliplatin, FOLFOX), "
            "otherwise other chemotherapy. Chemoembolisation: embolisation recorded as TACE or "
            "chemoembolisation. Duration of alkylating chemotherapy: summed start-to-end time of "
            "the alkylating lines with both dates recorded."
        ),
    )
