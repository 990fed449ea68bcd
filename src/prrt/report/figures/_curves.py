"""Shared layout of the time-to-event figures: step curves over a numbers-at-risk table.

Used by the Kaplan–Meier figure (:mod:`prrt.report.figures.km`) and the cumulative-incidence
figure (:mod:`prrt.report.figures.cuminc`): the same x ticks, plot/at-risk grid, curve drawing
(step line, pointwise band, censoring marks), legend with the test's p value and at-risk rows.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from numpy.typing import ArrayLike

from prrt.report._format import fmt_p
from prrt.report.figures._common import PALETTE, new_figure


def numbers_at_risk(table: pd.DataFrame, times: ArrayLike) -> np.ndarray:
    """Subjects at risk (follow-up time ≥ t) at each of ``times``, from a KM table.

    Examples
    --------
    >>> km = pd.DataFrame({"time": [2.0, 5.0, 9.0], "n_risk": [5, 3, 1], "survival": [.8, .5, .5]})
    >>> numbers_at_risk(km, [0, 2, 3, 9, 10]).tolist()
    [5, 5, 3, 1, 0]
    """
    t = np.asarray(table["time"], dtype=float)
    n = np.asarray(table["n_risk"], dtype=int)
    order = np.argsort(t, kind="stable")
    t, n = t[order], n[order]
    idx = np.searchsorted(t, np.asarray(times, dtype=float), side="left")
    padded = np.append(n, 0)
    return padded[idx]


def time_ticks(curves: Mapping[str, pd.DataFrame], at_risk_times: ArrayLike | None) -> tuple:
    """``(tmax, ticks)``: the longest time and the x ticks (up to 8 round ones by default)."""
    tmax = max(float(np.nanmax(tab["time"])) if len(tab) else 0.0 for tab in curves.values())
    tmax = tmax if tmax > 0 else 1.0
    ticks: np.ndarray
    if at_risk_times is None:
        locator = MaxNLocator(nbins=7, steps=[1, 2, 2.5, 3, 5, 6, 10])
        ticks = np.asarray(locator.tick_values(0, tmax), dtype=float)
        ticks = ticks[(ticks >= 0) & (ticks <= tmax * 1.0001)]
    else:
        ticks = np.asarray(at_risk_times, dtype=float)
    return tmax, ticks


def curve_axes(width_in: float, n_groups: int) -> tuple[Figure, Axes, Axes]:
    """Figure with the plot axes above the at-risk table axes (shared x)."""
    fig = new_figure(width_in, 3.9 + 0.22 * n_groups + 0.45)
    gs = fig.add_gridspec(2, 1, height_ratios=[3.9, 0.22 * n_groups + 0.45])
    ax = fig.add_subplot(gs[0])
    ax_risk = fig.add_subplot(gs[1], sharex=ax)
    return fig, ax, ax_risk


def draw_curves(
    ax: Axes, curves: Mapping[str, pd.DataFrame], column: str, start: float, ci: bool
) -> None:
    """Step curve of ``column`` per group from ``(0, start)``, band and censoring marks."""

    def step(tab: pd.DataFrame, col: str) -> tuple[np.ndarray, np.ndarray]:
        t = np.concatenate([[0.0], np.asarray(tab["time"], dtype=float)])
        return t, np.concatenate([[start], np.asarray(tab[col], dtype=float)])

    for k, (label, tab) in enumerate(curves.items()):
        colour = PALETTE[k % len(PALETTE)]
        tab = tab.sort_values("time", kind="stable")
        t, y = step(tab, column)
        ax.step(t, y, where="post", color=colour, lw=1.6, label=str(label))
        if ci and {"lower", "upper"} <= set(tab.columns):
            _, lo = step(tab, "lower")
            _, hi = step(tab, "upper")
            ok = np.isfinite(lo) & np.isfinite(hi)
            ax.fill_between(
                t, np.where(ok, lo, np.nan), np.where(ok, hi, np.nan),
                step="post", color=colour, alpha=0.15, lw=0,
            )  # fmt: skip
        if "n_censor" in tab.columns:
            cens = tab[tab["n_censor"] > 0]
            ax.plot(cens["time"], cens[column], ls="none", marker="|", ms=7, mew=1.2, color=colour)


def legend(ax: Axes, n_groups: int, test: str, p: float | None) -> None:
    """Group legend above the plot, titled with the test's p value (``"Log-rank p = 0.03"``)."""
    if n_groups > 1 or p is not None:
        title = None if p is None else f"{test} p {p_text(p)}"
        leg = ax.legend(
            loc="lower left", bbox_to_anchor=(0.0, 1.01), ncol=min(n_groups, 3), frameon=False,
            title=title, fontsize=8, title_fontsize=8, alignment="left", borderaxespad=0.0,
        )  # fmt: skip
        leg.set_in_layout(True)


def risk_table(ax_risk: Axes, curves: Mapping[str, pd.DataFrame], ticks: np.ndarray) -> None:
    """Numbers-at-risk rows, one per group, texts (``gid`` ``"at_risk"``) at the x ticks."""
    n_groups = len(curves)
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


def p_text(p: float) -> str:
    """``"= 0.031"`` or ``"< 0.001"`` for a legend title."""
    text = fmt_p(p)
    return text if text.startswith("<") else f"= {text}"
