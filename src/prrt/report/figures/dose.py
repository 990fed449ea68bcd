"""Dosimetry figures: dose per cycle (box plots), ΔV% versus lesion dose with a fitted curve and
CI band (Hebert et al. 2024, Fig. 3), tumour control probability (Fig. 4) and LOESS panels of
cumulative marrow/spleen dose versus change in blood counts (Fig. 5)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from prrt.report._format import fmt_num, fmt_p
from prrt.report.figures._common import PALETTE, new_figure


def dose_boxplot_figure(
    doses: pd.DataFrame,
    *,
    value: str = "dose_gy",
    structure: str = "structure",
    cycle: str = "cycle",
    structures: Sequence[str] | None = None,
    title: str | None = None,
) -> Figure:
    """One panel per structure, one box per cycle (median, IQR, whiskers 1.5 IQR, outliers)."""
    d = doses.dropna(subset=[value])
    order = list(structures) if structures is not None else list(dict.fromkeys(d[structure]))
    n = max(len(order), 1)
    ncol = min(n, 3)
    nrow = int(np.ceil(n / ncol))
    fig = new_figure(6.5, 2.4 * nrow + 0.4)
    axes = fig.subplots(nrow, ncol, squeeze=False)
    for k, ax in enumerate(axes.flat):
        if k >= len(order):
            ax.set_visible(False)
            continue
        ds = d[d[structure] == order[k]]
        cyc = sorted(ds[cycle].unique().tolist())
        data = [ds.loc[ds[cycle] == c, value].to_numpy(dtype=float) for c in cyc]
        ax.boxplot(
            data,
            tick_labels=[str(int(c)) if float(c).is_integer() else str(c) for c in cyc],
            widths=0.6,
            flierprops={"markersize": 3},
        )
        ax.set_title(str(order[k]).replace("_", " "), fontsize=9)
        ax.set_xlabel("Cycle")
        ax.set_ylabel("Absorbed dose (Gy)")
    if title:
        fig.suptitle(title)
    return fig


def dose_response_figure(
    dose: ArrayLike,
    delta_v: ArrayLike,
    fit: pd.DataFrame | None = None,
    *,
    thresholds: Sequence[float] = (20.0,),
    xlabel: str = "Total lesion absorbed dose (Gy)",
    title: str | None = None,
) -> Figure:
    """ΔV% (volume change at 3 months) against lesion dose, with the fitted model and its CI band.

    ``fit`` has columns ``x``, ``fit``, ``lower``, ``upper`` on a dose grid. Horizontal dotted lines
    at ``thresholds`` (Hebert: +20 %).
    """
    fig = new_figure(6.0, 4.2)
    ax = fig.add_subplot()
    ax.plot(
        np.asarray(dose, dtype=float),
        np.asarray(delta_v, dtype=float),
        "o",
        ms=3.5,
        color=PALETTE[0],
        alpha=0.7,
        label="Lesions",
    )
    if fit is not None and len(fit):
        ax.fill_between(
            fit["x"], fit["lower"], fit["upper"], color=PALETTE[0], alpha=0.18, lw=0, label="95% CI"
        )
        ax.plot(fit["x"], fit["fit"], color=PALETTE[1], lw=1.6, label="Fitted model")
    for t in thresholds:
        ax.axhline(t, color="0.3", ls=":", lw=0.9)
    ax.axhline(0, color="0.6", lw=0.6)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Lesion volume change ΔV (%)")
    ax.legend(
        loc="lower left",
        bbox_to_anchor=(0, 1.01),
        ncol=3,
        frameon=False,
        fontsize=8,
        borderaxespad=0,
    )
    if title:
        fig.suptitle(title)
    return fig


def tcp_figure(
    grid: ArrayLike,
    prob: ArrayLike,
    lower: ArrayLike,
    upper: ArrayLike,
    dose: ArrayLike | None = None,
    controlled: ArrayLike | None = None,
    *,
    xlabel: str = "Total lesion absorbed dose (Gy)",
    title: str | None = None,
) -> Figure:
    """Tumour control probability (logistic model) with its 95 % CI band and observed lesions as
    rug marks at 0 (not controlled) and 1 (controlled)."""
    fig = new_figure(6.0, 4.2)
    ax = fig.add_subplot()
    ax.fill_between(grid, lower, upper, color=PALETTE[0], alpha=0.18, lw=0, label="95% CI")
    ax.plot(grid, prob, color=PALETTE[0], lw=1.8, label="TCP")
    if dose is not None and controlled is not None:
        c = np.asarray(controlled, dtype=bool)
        ax.plot(
            np.asarray(dose, dtype=float),
            c.astype(float),
            "|",
            ms=8,
            color="0.3",
            label="Lesions (1 = controlled)",
        )
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Tumour control probability")
    ax.legend(
        loc="lower left",
        bbox_to_anchor=(0, 1.01),
        ncol=3,
        frameon=False,
        fontsize=8,
        borderaxespad=0,
    )
    if title:
        fig.suptitle(title)
    return fig


@dataclass(frozen=True, eq=False)
class LoessPanel:
    """One LOESS panel: points, the smooth with its CI, and the Spearman coefficient.

    ``fit`` has columns ``x``, ``fit``, ``lower``, ``upper``.
    """

    x: ArrayLike
    y: ArrayLike
    fit: pd.DataFrame | None
    xlabel: str
    ylabel: str
    title: str = ""
    rho: float | None = None
    p_value: float | None = None


def loess_panels(
    panels: Sequence[LoessPanel], *, ncol: int = 2, title: str | None = None
) -> Figure:
    """Grid of scatter + LOESS panels, each annotated with Spearman ρ and p (Hebert Fig. 5)."""
    n = max(len(panels), 1)
    ncol = min(ncol, n)
    nrow = int(np.ceil(n / ncol))
    fig = new_figure(6.5, 2.9 * nrow + 0.3)
    axes = fig.subplots(nrow, ncol, squeeze=False)
    for k, ax in enumerate(axes.flat):
        if k >= len(panels):
            ax.set_visible(False)
            continue
        p = panels[k]
        ax.plot(
            np.asarray(p.x, dtype=float),
            np.asarray(p.y, dtype=float),
            "o",
            ms=3,
            color=PALETTE[0],
            alpha=0.7,
        )
        if p.fit is not None and len(p.fit):
            ax.fill_between(
                p.fit["x"], p.fit["lower"], p.fit["upper"], color="0.6", alpha=0.3, lw=0
            )
            ax.plot(p.fit["x"], p.fit["fit"], color=PALETTE[1], lw=1.4)
        ax.set_xlabel(p.xlabel, fontsize=8)
        ax.set_ylabel(p.ylabel, fontsize=8)
        ax.tick_params(labelsize=7)
        head = p.title
        if p.rho is not None:
            stat = f"ρ = {fmt_num(p.rho, 2)}"
            if p.p_value is not None:
                pt = fmt_p(p.p_value)
                stat += f", p {pt}" if pt.startswith("<") else f", p = {pt}"
            head = f"{head}\n{stat}" if head else stat
        ax.set_title(head, fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


@dataclass(frozen=True, eq=False)
class HistogramPanel:
    """One histogram panel: the values, the x-axis label (with unit) and a panel title."""

    values: ArrayLike
    xlabel: str
    title: str = ""
    ylabel: str = "Number of lesions"


def histogram_panels(
    panels: Sequence[HistogramPanel], *, bins: int | Sequence[float] = 20, title: str | None = None
) -> Figure:
    """Side-by-side histograms with the median marked (Hebert et al. 2024, Fig. 2: lesion
    absorbed dose after cycle 1 and after the end of treatment).

    Examples
    --------
    >>> fig = histogram_panels([HistogramPanel([1.0, 2.0, 2.5], "Absorbed dose (Gy)", "A")])
    >>> [ax.get_xlabel() for ax in fig.axes]
    ['Absorbed dose (Gy)']
    """
    n = max(len(panels), 1)
    fig = new_figure(6.5, 2.9)
    axes = fig.subplots(1, n, squeeze=False)[0]
    for ax, p in zip(axes, panels, strict=False):
        v = np.asarray(p.values, dtype=float)
        v = v[np.isfinite(v)]
        ax.hist(v, bins=bins, color=PALETTE[0], alpha=0.8, edgecolor="white", lw=0.5)
        if v.size:
            med = float(np.median(v))
            ax.axvline(med, color=PALETTE[1], lw=1.2, ls="--")
            ax.text(
                0.97,
                0.95,
                f"median {fmt_num(med, 1)}\nn = {v.size}",
                transform=ax.transAxes,
                ha="right",
                va="top",
                fontsize=7,
            )
        ax.set_xlabel(p.xlabel, fontsize=8)
        ax.set_ylabel(p.ylabel, fontsize=8)
        ax.tick_params(labelsize=7)
        if p.title:
            ax.set_title(p.title, fontsize=9)
    if title:
        fig.suptitle(title)
    return fig
