"""Adverse-event tables (Lazarenko et al. 2025, Tables 2–3; CTCAE grades 0–5).

Input is long: one row per patient × term (or per assessment; the worst grade per patient and term
is taken) with an integer ``grade``. Counts are patients; percentages use ``n_patients``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from prrt.report import vocabulary
from prrt.report._format import EN_DASH, fmt_n_pct
from prrt.report.tables.base import ReportTable


def _worst(frame: pd.DataFrame, patient: str, term: str, grade: str) -> pd.DataFrame:
    missing = [c for c in (patient, term, grade) if c not in frame.columns]
    if missing:
        raise KeyError(f"adverse-event frame lacks columns {missing}")
    g = frame.dropna(subset=[grade])
    return g.groupby([term, patient], sort=False, observed=True)[grade].max().reset_index()


def ae_table(
    grades: pd.DataFrame,
    *,
    n_patients: int | None = None,
    terms: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    severe_min: int = 3,
    severe_max: int | None = None,
    patient: str = "patient_id",
    term: str = "term",
    grade: str = "grade",
    pct_digits: int = 1,
    title: str = "Adverse events (worst grade per patient)",
    name: str = "adverse_events",
    footnote: str | None = None,
) -> ReportTable:
    """Term, any grade n (%), grade ≥ ``severe_min`` (up to ``severe_max``) n (%).

    Examples
    --------
    >>> g = pd.DataFrame({"patient_id": [1, 1, 2, 3], "term": ["platelets"] * 4,
    ...                   "grade": [1, 3, 0, 2]})
    >>> ae_table(g, n_patients=4).rows()
    [['Platelet count decreased', '2 (50.0)', '1 (25.0)']]
    """
    labels = dict(labels or {})
    worst = _worst(grades, patient, term, grade)
    n = int(n_patients if n_patients is not None else grades[patient].nunique())
    hi = worst[grade] >= severe_min
    if severe_max is not None:
        hi &= worst[grade] <= severe_max
    any_n = worst[worst[grade] >= 1].groupby(term, observed=True)[patient].nunique()
    hi_n = worst[hi].groupby(term, observed=True)[patient].nunique()
    order = list(terms) if terms is not None else list(any_n.sort_values(ascending=False).index)
    rows = [
        [
            labels[t] if t in labels else vocabulary.ae_term(t),
            fmt_n_pct(int(any_n.get(t, 0)), n, pct_digits),
            fmt_n_pct(int(hi_n.get(t, 0)), n, pct_digits),
        ]
        for t in order
    ]
    hi_label = (
        f"Grade ≥ {severe_min}"
        if severe_max is None
        else f"Grade {severe_min}{EN_DASH}{severe_max}"
    )
    frame = pd.DataFrame(rows, columns=["Adverse event", "Any grade, n (%)", f"{hi_label}, n (%)"])
    note = f"Percentages of {n} patients."
    return ReportTable(title, frame, name, footnote=f"{footnote} {note}" if footnote else note)


def grade_distribution_table(
    grades: pd.DataFrame,
    *,
    grade_levels: Sequence[int] = (1, 2, 3, 4),
    terms: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    patient: str = "patient_id",
    term: str = "term",
    grade: str = "grade",
    pct_digits: int = 1,
    title: str = "Distribution of grades",
    name: str = "grade_distribution",
    footnote: str | None = None,
) -> ReportTable:
    """Per term, n (%) of patients at each grade among those with a grade in ``grade_levels``.

    Used for "Δ highest grade" (Lazarenko Table 3: percentages of the row total) and platelet grade
    tables.

    Examples
    --------
    >>> g = pd.DataFrame({"patient_id": [1, 2, 3, 4], "term": ["anaemia"] * 4, "grade": [1, 1, 2, 0]})
    >>> grade_distribution_table(g, grade_levels=(1, 2)).rows()
    [['Anaemia', '2 (66.7)', '1 (33.3)', '3']]
    """
    labels = dict(labels or {})
    worst = _worst(grades, patient, term, grade)
    worst = worst[worst[grade].isin(list(grade_levels))]
    counts = pd.crosstab(worst[term], worst[grade]).reindex(
        columns=list(grade_levels), fill_value=0
    )
    order = list(terms) if terms is not None else list(counts.index)
    counts = counts.reindex(order, fill_value=0)
    totals = counts.sum(axis=1)
    rows = [
        [
            labels[t] if t in labels else vocabulary.ae_term(t),
            *[fmt_n_pct(int(counts.loc[t, g]), int(totals[t]), pct_digits) for g in grade_levels],
            str(int(totals[t])),
        ]
        for t in order
    ]
    frame = pd.DataFrame(rows, columns=["Term", *[f"Grade {g}" for g in grade_levels], "Total"])
    return ReportTable(title, frame, name, footnote=footnote)
