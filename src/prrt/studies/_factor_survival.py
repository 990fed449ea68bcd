"""Prognostic-factor table in the layout of Fröss-Baron et al. 2021, Table 3.

Per factor level: number of patients and the Kaplan–Meier median PFS and OS (95 % CI); per factor:
the log-rank p (univariate analysis); factors with log-rank p below the screen threshold enter a
multivariable Cox model per endpoint, whose hazard ratio (95 % CI) and Wald p are shown beside
the factor. Source: Fröss-Baron et al., Neuroendocrinology 2021;111:330–343, Statistical Methods
("Variables showing a trend for an effect in the univariate analysis (p < 0.1) were further
analyzed in a multivariate analysis (Cox proportional hazards model)") and Table 3.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from prrt import stats
from prrt.report import ReportTable, figures
from prrt.studies._base import NotComputable, StudyRun
from prrt.studies._steps import ENDPOINT_LABELS, _fmt, _median_text, endpoint_frame, estimable

SHORT = {"pfs": "PFS", "os": "OS"}


@dataclass(frozen=True)
class Factor:
    """A two-level prognostic factor coded 0/1 (1 = the level whose hazard ratio is shown).

    Attributes
    ----------
    column : str
        0/1 (or boolean) column of the analysis data.
    label : str
        Display label of the factor, in words with units.
    levels : tuple of str
        Display labels of level 0 and level 1, in this order.

    Examples
    --------
    >>> Factor("age_gt65", "Age", ("≤ 65 years", "> 65 years")).levels[1]
    '> 65 years'
    """

    column: str
    label: str
    levels: tuple[str, str]


@dataclass(frozen=True)
class FactorSurvival:
    """What :func:`factor_survival_table` computed, per endpoint."""

    screens: dict[str, Any]
    """Endpoint → :class:`prrt.stats.ScreenResult` (log-rank screen and multivariable Cox)."""
    used: list[str]
    """Factor columns with two levels with data (the others are listed as not analysed)."""


def _binary(data: pd.DataFrame, column: str) -> pd.Series:
    return pd.to_numeric(data[column].astype("Float64"), errors="coerce").astype(float)


def factor_survival_table(
    run: StudyRun,
    data: pd.DataFrame,
    factors: Sequence[Factor],
    *,
    threshold: float,
    name: str,
    endpoints: Sequence[str] = ("pfs", "os"),
    notes: str = "",
) -> FactorSurvival:
    """Add the Table-3 style tables (``{name}_pfs``, ``{name}_os``) and a forest plot per
    multivariable model to ``run``; ``notes`` is appended to the footnotes (factor definitions).

    Each factor is analysed on the patients with the factor recorded (its ``n``); the log-rank
    test compares the two levels; factors with log-rank p < ``threshold`` enter one multivariable
    Cox model per endpoint (Breslow ties, Wald CI and p) fitted on the complete cases of the
    entered factors. Recorded numbers: ``{name}_median[{endpoint}:{column}={0|1}]``,
    ``{name}_logrank_p[{endpoint}:{column}]``, ``{name}_hr[{endpoint}:{column}]`` and
    ``{name}_hr_ci[...]``.
    """
    d0 = data.copy()
    present = [f for f in factors if f.column in d0.columns]
    for f in factors:
        if f.column not in d0.columns or d0[f.column].isna().all():
            run.skip(f"Prognostic factor: {f.label}", "no data for this factor in the cohort")
    for f in present:
        d0[f.column] = _binary(d0, f.column)
    used = [f for f in present if d0[f.column].dropna().nunique() == 2]
    for f in present:
        if f not in used and d0[f.column].notna().any():
            run.text(
                f"Prognostic factor {f.label}: not analysed, the same value for every patient."
            )
    if not used:
        raise NotComputable("no prognostic factor has two levels with data")
    cols = [f.column for f in used]
    cells: dict[tuple[str, str], str] = {}
    raw: dict[tuple[str, str], tuple[float, ...]] = {}
    for f in used:
        counts = d0[f.column].value_counts()
        cells[("n", f.column)] = str(int(counts.sum()))
        for code in (0, 1):
            cells[("n", f"{f.column}={code}")] = str(int(counts.get(float(code), 0)))
    screens: dict[str, Any] = {}
    for ep in endpoints:
        d = endpoint_frame(d0, ep)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            screen = stats.logrank_screen(d, "time_months", "event", cols, threshold=threshold)
        if any(issubclass(w.category, stats.MonotoneLikelihoodWarning) for w in caught):
            run.text(
                f"Note ({SHORT[ep]}): for at least one factor the Cox likelihood is monotone (a "
                "group without events); its hazard ratio is not estimable and is shown as NE."
            )
        run.uses(screen, tests=["log-rank test", "Cox proportional-hazards regression"])
        screens[ep] = screen
        screen_p = screen.univariable.groupby("covariate", sort=False)["screen_p"].first()
        multi = estimable(screen.multivariable.table) if screen.multivariable is not None else None
        for f in used:
            sub = d.dropna(subset=[f.column])
            fits = stats.kaplan_meier_grouped(sub["time_months"], sub["event"], sub[f.column])
            for level, fit in fits.items():
                code = int(level)
                cells[(ep, f"{f.column}={code}")] = _median_text(fit)
                med = fit.median if fit.median_estimable else np.nan
                raw[(ep, f"{f.column}={code}")] = (med, *fit.median_ci)
                run.number(f"{name}_median[{ep}:{f.column}={code}]", fit.median)
                run.number(f"{name}_median_ci[{ep}:{f.column}={code}]", fit.median_ci)
            p = float(screen_p.get(f.column, np.nan))
            cells[(f"{ep}_p", f.column)] = stats.format_p(p) if np.isfinite(p) else "NE"
            run.number(f"{name}_logrank_p[{ep}:{f.column}]", p)
            raw[(f"{ep}_p", f.column)] = (p,)
            if multi is not None and f.column in multi.index:
                row = multi.loc[f.column]
                cells[(f"{ep}_hr", f.column)] = (
                    f"{_fmt(row['hr'], 2)} ({_fmt(row['lower'], 2)}–{_fmt(row['upper'], 2)})"
                )
                cells[(f"{ep}_hr_p", f.column)] = stats.format_p(float(row["p"]))
                run.number(f"{name}_hr[{ep}:{f.column}]", float(row["hr"]))
                raw[(f"{ep}_hr", f.column)] = tuple(
                    float(row[k]) for k in ("hr", "lower", "upper", "p")
                )
                run.number(
                    f"{name}_hr_ci[{ep}:{f.column}]", (float(row["lower"]), float(row["upper"]))
                )
    for ep in endpoints:
        s = SHORT[ep]
        rows = []
        numbers = []
        nan4 = (np.nan,) * 4
        for f in used:
            hr = raw.get((f"{ep}_hr", f.column), nan4)
            p_lr = raw.get((f"{ep}_p", f.column), (np.nan,))[0]
            numbers.append(
                [f.label, float(cells["n", f.column]), np.nan, np.nan, np.nan, p_lr, *hr]
            )
            rows.append(
                [
                    f.label,
                    cells.get(("n", f.column), ""),
                    "",
                    cells.get((f"{ep}_p", f.column), ""),
                    cells.get((f"{ep}_hr", f.column), "—"),
                    cells.get((f"{ep}_hr_p", f.column), "—"),
                ]
            )
            for code, level in enumerate(f.levels):
                med3 = raw.get((ep, f"{f.column}={code}"), (np.nan,) * 3)
                numbers.append(
                    [level, float(cells.get(("n", f"{f.column}={code}"), 0)), *med3] + [np.nan] * 5
                )
                rows.append(
                    [
                        f"  {level}",
                        cells.get(("n", f"{f.column}={code}"), "0"),
                        cells.get((ep, f"{f.column}={code}"), "NE"),
                        "",
                        "",
                        "",
                    ]
                )
        sc = screens[ep]
        model = (
            f"No factor had log-rank p < {threshold}: no multivariable model."
            if sc.multivariable is None
            else f"Multivariable model: {len(sc.selected)} factors entered; complete cases "
            f"n = {sc.n}, events = {sc.n_events}."
        )
        run.table(
            ReportTable(
                f"Prognostic factors for {ENDPOINT_LABELS[ep].lower()}: Kaplan–Meier median per "
                "factor level with the log-rank test (univariate), and the multivariable Cox model",
                pd.DataFrame(
                    rows,
                    columns=[
                        "Factor",
                        "n",
                        f"Median {s}, months (95 % CI)",
                        "Log-rank p",
                        "Multivariable HR (95 % CI)",
                        "Multivariable p",
                    ],
                ),
                f"{name}_{ep}",
                numbers=pd.DataFrame(
                    numbers,
                    columns=[
                        "Factor",
                        "n",
                        f"Median {s} (months)",
                        "Median: 95 % CI lower",
                        "Median: 95 % CI upper",
                        "Log-rank p",
                        "Multivariable HR",
                        "HR: 95 % CI lower",
                        "HR: 95 % CI upper",
                        "Multivariable p",
                    ],
                ),
                footnote=(
                    "n, patients with the factor recorded (per level: patients in that level). "
                    "Median with Brookmeyer–Crowley 95 % CI (log-log); NE, not estimable. "
                    f"Factors with log-rank p < {threshold} entered one Cox proportional-hazards "
                    "model (Breslow ties, Wald 95 % CI and p); the hazard ratio compares the "
                    "second level with the first; '—', factor not entered. "
                    + model
                    + (f" {notes}" if notes else "")
                    + " The source paper printed the multivariable hazard ratio of its "
                    "significant factors only; all entered factors are shown here."
                ),
            )
        )
    labels = {f.column: f"{f.label}: {f.levels[1]} vs {f.levels[0]}" for f in used}
    for ep in endpoints:
        mv = screens[ep].multivariable
        if mv is None:
            continue
        tab = estimable(mv.table)
        run.figure(
            figures.forest_figure(tab.rename(index=lambda t: labels.get(t, t)), effect="HR"),
            f"forest_{name}_{ep}",
            f"Multivariable Cox model for {ENDPOINT_LABELS[ep].lower()}: hazard ratios with "
            f"95 % CI of the factors with log-rank p < {threshold} (n = {mv.n}, "
            f"events = {mv.n_events}).",
        )
    return FactorSurvival(screens, [f.column for f in used])


def level_names(factor: Factor) -> Mapping[float, str]:
    """Map 0/1 codes of ``factor`` to its level labels (for Kaplan–Meier figure legends).

    Examples
    --------
    >>> level_names(Factor("x", "X", ("No", "Yes")))[1.0]
    'Yes'
    """
    return {0.0: factor.levels[0], 1.0: factor.levels[1]}
