"""Table 1: baseline characteristics by group.

Counts are ``n (%)`` with the percentage of patients with a known value (missing values are
counted on a separate "Missing" row and excluded from the denominator, as in Hebert et al. 2024,
"Statistical Analysis"); continuous variables are median (range), median (IQR) or mean (SD).
Quartiles follow SAS PCTLDEF=5 (``/work/shared/spec/conventions.md``). P-values are not computed
here: pass them (and the test names) from the statistics engine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from prrt.report import vocabulary
from prrt.report._format import EN_DASH, fmt_n_pct, fmt_num, fmt_p, sas_percentile
from prrt.report.tables.base import ReportTable

Stat = Literal["median_range", "median_iqr", "mean_sd"]

_STAT_LABEL = {
    "median_range": "median (range)",
    "median_iqr": "median (IQR)",
    "mean_sd": "mean (SD)",
}


def summarise_continuous(x: Any, stat: Stat = "median_range", digits: int = 1) -> str:
    """One cell of a continuous variable.

    Examples
    --------
    >>> summarise_continuous([1, 2, 3, 4], "median_iqr", 1)
    '2.5 (1.5–3.5)'
    >>> summarise_continuous([1, 2, 3, 4], "mean_sd", 2)
    '2.50 (1.29)'
    """
    arr = np.asarray(pd.to_numeric(pd.Series(x), errors="coerce"), dtype=float)
    arr = arr[~np.isnan(arr)]
    if arr.size == 0:
        return "NE"
    if stat == "mean_sd":
        sd = float(np.std(arr, ddof=1)) if arr.size > 1 else float("nan")
        return f"{fmt_num(float(arr.mean()), digits)} ({fmt_num(sd, digits)})"
    med = sas_percentile(arr, 50)
    if stat == "median_iqr":
        lo, hi = sas_percentile(arr, 25), sas_percentile(arr, 75)
    elif stat == "median_range":
        lo, hi = float(arr.min()), float(arr.max())
    else:
        raise ValueError(f"unknown stat {stat!r}")
    return f"{fmt_num(med, digits)} ({fmt_num(lo, digits)}{EN_DASH}{fmt_num(hi, digits)})"


def _kind(
    series: pd.Series, var: str, categorical: set[str], continuous: set[str], binary: set[str]
) -> str:
    if var in categorical:
        return "categorical"
    if var in binary:
        return "binary"
    if var in continuous:
        return "continuous"
    if pd.api.types.is_integer_dtype(series) and set(series.dropna().unique()) <= {0, 1}:
        return "binary"
    if pd.api.types.is_bool_dtype(series) or (
        series.dtype == object and series.dropna().map(type).eq(bool).all() and series.notna().any()
    ):
        return "binary"
    if pd.api.types.is_numeric_dtype(series):
        return "continuous"
    return "categorical"


_TRUE_TEXT = {"true", "yes", "y", "1"}


def _truthy(known: pd.Series) -> pd.Series:
    """Booleans/0-1 as they are; text true/yes/y/1 (any case) counts as true."""
    if known.dtype == object and known.map(lambda v: isinstance(v, str)).any():
        return known.map(lambda v: str(v).strip().lower() in _TRUE_TEXT).astype(bool)
    return known.astype(bool)


def _levels(series: pd.Series, order: Sequence[Any] | None = None) -> list[Any]:
    if order is not None:
        return list(order)
    if isinstance(series.dtype, pd.CategoricalDtype):
        return list(series.cat.categories)
    return sorted(series.dropna().unique().tolist(), key=lambda v: (str(type(v)), v))


def table_one(
    data: pd.DataFrame,
    variables: Sequence[str],
    group: str | None = None,
    *,
    categorical: Sequence[str] = (),
    continuous: Sequence[str] = (),
    binary: Sequence[str] = (),
    levels: Mapping[str, Sequence[Any]] | None = None,
    labels: Mapping[str, str] | None = None,
    stats: Stat | Mapping[str, Stat] = "median_range",
    digits: int | Mapping[str, int] = 1,
    pct_digits: int = 1,
    p_values: Mapping[str, float | None] | None = None,
    tests: Mapping[str, str] | None = None,
    overall: bool = True,
    title: str = "Baseline characteristics",
    name: str = "table1",
    footnote: str | None = None,
) -> ReportTable:
    """Build a baseline-characteristics table.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per patient (or per patient × course).
    variables : sequence of str
        Columns to show, in order.
    group : str, optional
        Column whose levels become columns (an "Overall" column is added when ``overall``).
    categorical, continuous, binary : sequence of str
        Force a variable's kind; otherwise booleans and integer 0/1 columns are binary (one row
        ``n (%)`` of True/1), other numbers are continuous, anything else categorical (one
        sub-row per level).
    levels : mapping, optional
        Order (and selection) of a categorical variable's levels; default sorted.
    labels : mapping, optional
        Display label of a variable (and of a categorical level as ``"var=level"``) where it
        differs from :mod:`prrt.report.vocabulary` (the default; a variable without a label
        raises :class:`~prrt.report.vocabulary.UnknownLabelError`).
    stats : {"median_range", "median_iqr", "mean_sd"} or mapping
        Summary of continuous variables (one for all, or per variable).
    digits : int or mapping
        Decimals of continuous summaries (default 1).
    pct_digits : int
        Decimals of percentages (default 1), rounded half up.
    p_values, tests : mapping, optional
        Precomputed p-value and test name per variable (shown in "p-value"/"Test" columns).

    Returns
    -------
    ReportTable

    Examples
    --------
    >>> df = pd.DataFrame({"age_at_start": [25, 68, 84], "sex": ["F", "M", "F"]})
    >>> table_one(df, ["age_at_start", "sex"], digits=0).rows()
    [['Age (years), median (range)', '68 (25–84)'], ['Sex', ''], ['  Female', '2 (66.7)'], ['  Male', '1 (33.3)']]
    """
    labels = dict(labels or {})
    cat_set, cont_set, bin_set = set(categorical), set(continuous), set(binary)
    levels = dict(levels or {})
    missing_cols = [v for v in [*variables, *([group] if group else [])] if v not in data.columns]
    if missing_cols:
        raise KeyError(f"table_one: columns not in data: {missing_cols}")

    subsets: list[tuple[str, pd.DataFrame]] = []
    if group is not None:
        for level in _levels(data[group]):
            sub = data[data[group] == level]
            shown = labels.get(f"{group}={level}") or vocabulary.level_label(group, level)
            subsets.append((f"{shown} (n = {len(sub)})", sub))
    if group is None or overall:
        subsets.append((f"{'Overall' if group else 'All patients'} (n = {len(data)})", data))

    rows: list[list[str]] = []
    p_col: list[str] = []
    test_col: list[str] = []

    def add(label: str, cells: list[str], var: str | None) -> None:
        rows.append([label, *cells])
        p_col.append(
            fmt_p(p_values[var]) if (p_values and var is not None and var in p_values) else ""
        )
        test_col.append(tests.get(var, "") if (tests and var is not None) else "")

    for var in variables:
        series = data[var]
        kind = _kind(series, var, cat_set, cont_set, bin_set)
        label = labels[var] if var in labels else vocabulary.label(var)
        if kind == "continuous":
            stat = stats if isinstance(stats, str) else stats.get(var, "median_range")
            dig = digits if isinstance(digits, int) else digits.get(var, 1)
            cells = [summarise_continuous(s[var], stat, dig) for _, s in subsets]  # type: ignore[arg-type]
            add(f"{label}, {_STAT_LABEL[stat]}", cells, var)
        elif kind == "binary":
            cells = []
            for _, s in subsets:
                known = _truthy(s[var].dropna())
                cells.append(fmt_n_pct(int(known.sum()), len(known), pct_digits))
            add(label, cells, var)
        else:
            add(label, ["" for _ in subsets], var)
            for level in _levels(series, levels.get(var)):
                cells = []
                for _, s in subsets:
                    known = s[var].dropna()
                    cells.append(fmt_n_pct(int((known == level).sum()), len(known), pct_digits))
                shown = labels.get(f"{var}={level}") or vocabulary.level_label(var, level)
                add(f"  {shown}", cells, None)
        if series.isna().any():
            add("  Missing", [str(int(s[var].isna().sum())) for _, s in subsets], None)

    columns = ["Characteristic", *[c for c, _ in subsets]]
    frame = pd.DataFrame(rows, columns=columns)
    if p_values:
        frame["p-value"] = p_col
    if tests:
        frame["Test"] = test_col
    return ReportTable(title, frame, name, footnote=footnote)
