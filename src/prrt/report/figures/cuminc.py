"""Cumulative incidence curves (competing risks) with CI bands and numbers at risk.

Input curves are per-group slices of ``prrt.stats.cumulative_incidence(...).table`` for one
cause (columns ``time, n_risk, estimate`` and optionally ``lower, upper, n_censor``), in the
caller's time unit. The layout follows :func:`prrt.report.figures.km_figure` (same palette,
at-risk table under the x axis, test p as the legend title), but curves rise from 0 and the
y axis is the cumulative incidence, never 1 - Kaplan–Meier.

Numbers at risk at ``t`` are the subjects still event-free and under observation (time ≥ t),
as in the KM figure: the ``n_risk`` of the first row with ``time ≥ t``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from prrt.report.figures._curves import curve_axes, draw_curves, legend, risk_table, time_ticks

__all__ = ["cumulative_incidence_figure"]

_REQUIRED = ("time", "n_risk", "estimate")


def cumulative_incidence_figure(
    curves: Mapping[str, pd.DataFrame],
    *,
    event_label: str,
    time_unit: str = "months",
    at_risk_times: ArrayLike | None = None,
    gray_p: float | None = None,
    ci: bool = True,
    title: str | None = None,
    xlabel: str | None = None,
    ymax: float | None = None,
    time_divisor: float = 1.0,
    width_in: float = 6.5,
) -> Figure:
    """Cumulative incidence plot with the numbers-at-risk table under the x axis.

    Parameters
    ----------
    curves : mapping of str to DataFrame
        Group label -> curve table of one cause (``time, n_risk, estimate`` and optionally
        ``lower, upper, n_censor``), e.g. from :func:`prrt.stats.cumulative_incidence`.
    event_label : str
        Display name of the event ("MDS or AML"); the y axis reads "Cumulative incidence of
        <event_label> (probability)" (on two lines when long).
    time_unit : str
        Unit of the displayed time ("Time (months)").
    at_risk_times : sequence of float, optional
        x ticks where numbers at risk are shown (default: up to 8 round ticks).
    gray_p : float, optional
        Gray's test p, shown as the legend title ("Gray's test p = …").
    ci : bool
        Draw the pointwise confidence band.
    ymax : float, optional
        Upper y limit (default: 1, or a round value above the highest upper limit when all
        curves stay below 0.5, so that rare events stay readable).
    time_divisor : float
        Times are divided by this before plotting (``30.4375``: days shown as months).

    Returns
    -------
    matplotlib.figure.Figure
        Axes 0 is the plot; axes 1 the at-risk table (its texts have ``gid`` ``"at_risk"``).

    Examples
    --------
    >>> from prrt.stats import cumulative_incidence
    >>> res = cumulative_incidence([3, 5, 5, 8, 9, 12], [1, 2, 1, 0, 1, 0], ["a", "a", "b", "b", "a", "b"])
    >>> tab = res.table.query("cause == 1")
    >>> fig = cumulative_incidence_figure(
    ...     {str(g): sub for g, sub in tab.groupby("group")}, event_label="MDS or AML",
    ...     time_unit="months", gray_p=float(res.tests.loc[1, "p"]))
    >>> [t.get_text() for t in fig.axes[1].texts if t.get_gid() == "at_risk"][:2]
    ['3', '3']
    """
    if not curves:
        raise ValueError("cumulative_incidence_figure needs at least one curve")
    if time_divisor <= 0:
        raise ValueError("time_divisor must be positive")
    curves = {k: v.assign(time=v["time"] / time_divisor) for k, v in curves.items()}
    for label, tab in curves.items():
        missing = [c for c in _REQUIRED if c not in tab.columns]
        if missing:
            raise KeyError(f"cumulative incidence table {label!r} lacks columns {missing}")
    tmax, ticks = time_ticks(curves, at_risk_times)
    if ymax is None:
        cols = ["upper"] if ci else []
        top = max(
            float(
                np.nanmax(tab[[c for c in ["estimate", *cols] if c in tab]].to_numpy(), initial=0.0)
            )
            for tab in curves.values()
        )
        ymax = 1.0 if top >= 0.5 else float(np.ceil((top * 1.1 + 1e-9) * 10) / 10)
    n_groups = len(curves)
    fig, ax, ax_risk = curve_axes(width_in, n_groups)
    draw_curves(ax, curves, "estimate", 0.0, ci)
    ax.set_xlim(0, max(tmax, float(ticks.max()) if ticks.size else tmax) * 1.02)
    ax.set_ylim(0, ymax)
    ax.set_xticks(ticks)
    ax.tick_params(labelbottom=True)
    ax.set_xlabel(xlabel or f"Time ({time_unit})")
    ylabel = f"Cumulative incidence of {event_label} (probability)"
    if len(ylabel) > 40:  # two lines rather than a label longer than the axis
        ylabel = f"Cumulative incidence of\n{event_label} (probability)"
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.25, lw=0.5)
    if title:
        fig.suptitle(title)
    legend(ax, n_groups, "Gray's test", gray_p)
    risk_table(ax_risk, curves, ticks)
    return fig
