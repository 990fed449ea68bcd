"""Univariable and multivariable regression results side by side (Lazarenko et al. 2025, Tables 4–5).

Each input frame is indexed by covariate and carries the effect (``hr``/``or``/``estimate``, or
``coef`` which is exponentiated), ``lower``, ``upper`` (95 % CI on the effect scale) and ``p``
(or ``p_value``) — the layout of ``CoxResult.table`` in ``prrt.stats``. An optional ``row_type``
column marks ``"header"`` rows (a factor's joint test: only p shown) and ``"reference"`` rows
(shown as "Reference"). Covariates that did not enter the multivariable model show "—".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from prrt.report import vocabulary
from prrt.report._format import NOT_ENTERED, fmt_estimate_ci, fmt_p
from prrt.report.tables.base import ReportTable


def _effect_columns(frame: pd.DataFrame, effect: str) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for col in (effect.lower(), "estimate"):
        if col in frame.columns:
            out["est"] = frame[col].astype(float)
            break
    else:
        if "coef" not in frame.columns:
            raise KeyError(
                f"regression frame needs a '{effect.lower()}', 'estimate' or 'coef' column"
            )
        out["est"] = np.exp(frame["coef"].astype(float))
    for a, b in (("lower", "lower"), ("upper", "upper")):
        out[a] = frame[b].astype(float) if b in frame.columns else np.nan
    pcol = "p" if "p" in frame.columns else "p_value" if "p_value" in frame.columns else None
    out["p"] = frame[pcol].astype(float) if pcol else np.nan
    out["row_type"] = frame["row_type"] if "row_type" in frame.columns else "term"
    return out


def _cells(row: Any, digits: int) -> tuple[str, str]:
    if row is None:
        return NOT_ENTERED, NOT_ENTERED
    if row["row_type"] == "reference":
        return "Reference", ""
    p = fmt_p(row["p"]) if not pd.isna(row["p"]) else ""
    if row["row_type"] == "header":
        return "", p
    return fmt_estimate_ci(row["est"], row["lower"], row["upper"], digits), p or "NE"


def regression_table(
    univariable: pd.DataFrame,
    multivariable: pd.DataFrame | None = None,
    effect: Literal["HR", "OR"] = "HR",
    *,
    labels: Mapping[str, str] | None = None,
    digits: int = 2,
    title: str | None = None,
    name: str = "regression",
    footnote: str | None = None,
) -> ReportTable:
    """Side-by-side table: covariate, univariable effect (95 % CI), p, multivariable effect, p.

    Examples
    --------
    >>> uni = pd.DataFrame({"hr": [2.384, 0.86], "lower": [1.466, 0.79], "upper": [3.851, 0.94],
    ...                     "p": [0.0004, 0.0005]}, index=["cga_ge_1000", "sodium_bl"])
    >>> multi = uni.iloc[[0]]
    >>> regression_table(uni, multi).rows()[1]
    ['Baseline sodium (mmol/L)', '0.86 (0.79–0.94)', '< 0.001', '—', '—']
    """
    labels = dict(labels or {})
    uni = _effect_columns(univariable, effect)
    multi = _effect_columns(multivariable, effect) if multivariable is not None else None
    order = list(uni.index)
    if multi is not None:
        order += [i for i in multi.index if i not in uni.index]
    rows = []
    for cov in order:
        u = _cells(uni.loc[cov] if cov in uni.index else None, digits)
        shown = labels[str(cov)] if str(cov) in labels else vocabulary.term_label(str(cov))
        row = [shown, *u]
        if multi is not None:
            row += list(_cells(multi.loc[cov] if cov in multi.index else None, digits))
        rows.append(row)
    columns = ["Variable", f"Univariable {effect} (95% CI)", "Univariable p"]
    if multi is not None:
        columns += [f"Multivariable {effect} (95% CI)", "Multivariable p"]
    frame = pd.DataFrame(rows, columns=columns)
    what = "Hazard ratios" if effect == "HR" else "Odds ratios"
    return ReportTable(
        title or f"{what}: univariable and multivariable analysis", frame, name, footnote=footnote
    )
