"""Kaplan–Meier curves with CI bands, censoring marks, numbers at risk and the log-rank p.

Input curves are the ``.table`` frames of ``prrt.stats.kaplan_meier`` (columns ``time, n_risk,
n_event, n_censor, survival, lower, upper``), one per group, in the caller's time unit.

Numbers at risk at time ``t`` are the subjects with follow-up time ≥ ``t`` (still under
observation just before ``t``), the convention of R ``survminer`` and SAS ``PROC LIFETEST``
plots. From a KM table: the ``n_risk`` of the first row with ``time ≥ t`` (0 when there is none);
no subject has a time below the first row's time, so this is exact.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from prrt.report.figures._curves import (
    curve_axes,
    draw_curves,
    legend,
    risk_table,
    time_ticks,
)

_REQUIRED = ("time", "n_risk", "survival")


def km_figure(
    curves: Mapping[str, pd.DataFrame],
    *,
    time_unit: str = "months",
    at_risk_times: ArrayLike | None = None,
    logrank_p: float | None = None,
    ci: bool = True,
    title: str | None = None,
    ylabel: str = "Progression-free survival",
    xlabel: str | None = None,
    time_divisor: float = 1.0,
    width_in: float = 6.5,
) -> Figure:
    """Kaplan–Meier plot with the numbers-at-risk table under the x axis.

    Parameters
    ----------
    curves : mapping of str to DataFrame
        Group label -> KM table (``time, n_risk, n_event, n_censor, survival, lower, upper``).
    time_unit : str
        Unit of ``time`` (axis label "Time (months)").
    at_risk_times : sequence of float, optional
        x ticks where numbers at risk are shown (default: up to 8 round ticks over the range).
    logrank_p : float, optional
        Shown as the legend title ("Log-rank p = …").
    ci : bool
        Draw the pointwise confidence band (``lower``/``upper`` columns).
    ylabel : str
        Endpoint label, shown as "<ylabel> (probability)".
    time_divisor : float
        Times are divided by this before plotting, e.g. ``30.4375`` to show days as months
        (conventions.md, "Clinical times"); ``at_risk_times`` are in the displayed unit.

    Returns
    -------
    matplotlib.figure.Figure
        Axes 0 is the plot; axes 1 the at-risk table (its texts have ``gid`` ``"at_risk"``).
    """
    if not curves:
        raise ValueError("km_figure needs at least one curve")
    if time_divisor <= 0:
        raise ValueError("time_divisor must be positive")
    curves = {
        k: v.assign(time=v["time"] / time_divisor) if "time" in v else v for k, v in curves.items()
    }
    for label, tab in curves.items():
        missing = [c for c in _REQUIRED if c not in tab.columns]
        if missing:
            raise KeyError(f"KM table {label!r} lacks columns {missing}")
    tmax, ticks = time_ticks(curves, at_risk_times)
    n_groups = len(curves)
    fig, ax, ax_risk = curve_axes(width_in, n_groups)
    draw_curves(ax, curves, "survival", 1.0, ci)
    ax.set_xlim(0, max(tmax, float(ticks.max()) if ticks.size else tmax) * 1.02)
    ax.set_ylim(0, 1.03)
    ax.set_xticks(ticks)
    ax.tick_params(labelbottom=True)
    ax.set_xlabel(xlabel or f"Time ({time_unit})")
    ax.set_ylabel(f"{ylabel} (probability)")
    ax.grid(alpha=0.25, lw=0.5)
    if title:
        fig.suptitle(title)
    legend(ax, n_groups, "Log-rank", logrank_p)
    risk_table(ax_risk, curves, ticks)
    return fig
