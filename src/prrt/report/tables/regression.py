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


def _as_frame(x: Any) -> pd.DataFrame | None:
    """A result object (anything with a ``table``) or a frame, as the frame."""
    if x is None:
        return None
    return x.table if hasattr(x, "table") and not isinstance(x, pd.DataFrame) else x


def _n_covariates(frame: pd.DataFrame) -> int:
    """Distinct covariates of a model table (dummies ``factor=level`` count once)."""
    return len({str(t).split("=", 1)[0] for t in frame.index})


def regression_table(
    univariable: Any = None,
    multivariable: Any = None,
    effect: Literal["HR", "OR"] = "HR",
    *,
    labels: Mapping[str, str] | None = None,
    digits: int = 2,
    title: str | None = None,
    name: str = "regression",
    footnote: str | None = None,
) -> ReportTable:
    """Side-by-side table: covariate, univariable effect (95 % CI), p, multivariable effect, p.

    Either part may be omitted. A fitted model (a result object with a ``table``, such as
    ``prrt.stats.CoxResult``) with more than one covariate is multivariable and must be passed as
    ``multivariable``: its columns are then headed "Multivariable" (issue 9, defect 4: a
    multivariable Cox model shown under "Univariable" headers). Passing it as ``univariable``
    raises ``ValueError``.

    Examples
    --------
    >>> uni = pd.DataFrame({"hr": [2.384, 0.86], "lower": [1.466, 0.79], "upper": [3.851, 0.94],
    ...                     "p": [0.0004, 0.0005]}, index=["cga_ge_1000", "sodium_bl"])
    >>> multi = uni.iloc[[0]]
    >>> regression_table(uni, multi).rows()[1]
    ['Baseline sodium (mmol/L)', '0.86 (0.79–0.94)', '< 0.001', '—', '—']
    >>> regression_table(multivariable=uni).header()
    ['Variable', 'Multivariable HR (95% CI)', 'Multivariable p']
    """
    if univariable is None and multivariable is None:
        raise ValueError("regression_table needs a univariable or a multivariable table")
    if (
        univariable is not None
        and not isinstance(univariable, pd.DataFrame)
        and hasattr(univariable, "table")
        and _n_covariates(univariable.table) > 1
    ):
        raise ValueError(
            f"a model with {_n_covariates(univariable.table)} covariates is multivariable: "
            "pass it as multivariable="
        )
    labels = dict(labels or {})
    uni_frame, multi_frame = _as_frame(univariable), _as_frame(multivariable)
    parts = [
        (kind, _effect_columns(f, effect))
        for kind, f in (("Univariable", uni_frame), ("Multivariable", multi_frame))
        if f is not None
    ]
    order: list[Any] = []
    for _, part in parts:
        order += [i for i in part.index if i not in order]
    rows = []
    numbers = []
    for cov in order:
        shown = labels[str(cov)] if str(cov) in labels else vocabulary.term_label(str(cov))
        row: list[str] = [shown]
        num: dict[str, Any] = {"Variable": shown}
        for kind, part in parts:
            r = part.loc[cov] if cov in part.index else None
            row += list(_cells(r, digits))
            is_term = r is not None and r["row_type"] == "term"
            for col in ("est", "lower", "upper", "p"):
                head = f"{kind} {effect if col == 'est' else col}"
                value = r[col] if r is not None and (is_term or col == "p") else np.nan
                num[head] = float(value) if value is not None and not pd.isna(value) else np.nan
        rows.append(row)
        numbers.append(num)
    columns = ["Variable"]
    for kind, _ in parts:
        columns += [f"{kind} {effect} (95% CI)", f"{kind} p"]
    frame = pd.DataFrame(rows, columns=columns)
    what = "Hazard ratios" if effect == "HR" else "Odds ratios"
    kinds = " and ".join(kind.lower() for kind, _ in parts)
    return ReportTable(
        title or f"{what}: {kinds} analysis",
        frame,
        name,
        footnote=footnote,
        numbers=pd.DataFrame(numbers),
    )
