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
from matplotlib.ticker import MaxNLocator
from numpy.typing import ArrayLike

from prrt.report._format import fmt_p
from prrt.report.figures._common import PALETTE, new_figure
from prrt.report.figures.km import numbers_at_risk

__all__ = ["cumulative_incidence_figure"]

_REQUIRED = ("time", "n_risk", "estimate")


def _step(table: pd.DataFrame, col: str) -> tuple[np.ndarray, np.ndarray]:
    t = np.concatenate([[0.0], np.asarray(table["time"], dtype=float)])
    y = np.concatenate([[0.0], np.asarray(table[col], dtype=float)])
    return t, y


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
    tmax = max(float(np.nanmax(tab["time"])) if len(tab) else 0.0 for tab in curves.values())
    tmax = tmax if tmax > 0 else 1.0
    if at_risk_times is None:
        locator = MaxNLocator(nbins=7, steps=[1, 2, 2.5, 3, 5, 6, 10])
        ticks = np.asarray(locator.tick_values(0, tmax), dtype=float)
        ticks = ticks[(ticks >= 0) & (ticks <= tmax * 1.0001)]
    else:
        ticks = np.asarray(at_risk_times, dtype=float)
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
    fig = new_figure(width_in, 3.9 + 0.22 * n_groups + 0.45)
    gs = fig.add_gridspec(2, 1, height_ratios=[3.9, 0.22 * n_groups + 0.45])
    ax = fig.add_subplot(gs[0])
    ax_risk = fig.add_subplot(gs[1], sharex=ax)
    for k, (label, tab) in enumerate(curves.items()):
        colour = PALETTE[k % len(PALETTE)]
        tab = tab.sort_values("time", kind="stable")
        t, f = _step(tab, "estimate")
        ax.step(t, f, where="post", color=colour, lw=1.6, label=str(label))
        if ci and {"lower", "upper"} <= set(tab.columns):
            _, lo = _step(tab, "lower")
            _, hi = _step(tab, "upper")
            ok = np.isfinite(lo) & np.isfinite(hi)
            ax.fill_between(
                t, np.where(ok, lo, np.nan), np.where(ok, hi, np.nan),
                step="post", color=colour, alpha=0.15, lw=0,
            )  # fmt: skip
        if "n_censor" in tab.columns:
            cens = tab[tab["n_censor"] > 0]
            ax.plot(
                cens["time"], cens["estimate"], ls="none", marker="|", ms=7, mew=1.2, color=colour
            )
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
    if n_groups > 1 or gray_p is not None:
        ptitle = None if gray_p is None else f"Gray's test p {_p_text(gray_p)}"
        leg = ax.legend(
            loc="lower left", bbox_to_anchor=(0.0, 1.01), ncol=min(n_groups, 3), frameon=False,
            title=ptitle, fontsize=8, title_fontsize=8, alignment="left", borderaxespad=0.0,
        )  # fmt: skip
        leg.set_in_layout(True)
    ax_risk.set_ylim(-0.5, n_groups - 0.5)
    ax_risk.invert_yaxis()
    ax_risk.set_yticks(range(n_groups))
    ax_risk.set_yticklabels([str(g) for g in curves], fontsize=8)
    for k, lab in enumerate(ax_risk.get_yticklabels()):
        lab.set_color(PALETTE[k % len(PALETTE)])
    for k, tab in enumerate(curves.values()):
        for x, n in zip(ticks, numbers_at_risk(tab, ticks), strict=True):
            ax_risk.text(
                x, k, str(int(n)), ha="center", va="center", fontsize=8, gid="at_risk",
                color=PALETTE[k % len(PALETTE)],
            )  # fmt: skip
    ax_risk.tick_params(axis="x", which="both", bottom=False, labelbottom=False)
    ax_risk.tick_params(axis="y", which="both", left=False, pad=14)
    for spine in ax_risk.spines.values():
        spine.set_visible(False)
    ax_risk.set_title("Number at risk", fontsize=8, loc="left")
    return fig


def _p_text(p: float) -> str:
    text = fmt_p(p)
    return text if text.startswith("<") else f"= {text}"
