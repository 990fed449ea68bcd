"""Cumulative incidence figure (issue 12): layout checks and numbers at risk against the data."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from prrt.report.figures import png_bytes, text_outside, text_overlaps
from prrt.report.figures.cuminc import cumulative_incidence_figure
from prrt.stats.competing import cumulative_incidence

REF = Path(__file__).parents[1] / "reference" / "data"


def _curves() -> tuple[dict[str, pd.DataFrame], float, pd.DataFrame]:
    m = pd.read_csv(REF / "mgus2.csv")
    res = cumulative_incidence(m["etime"], m["event"], m["sex"].map({"F": "Women", "M": "Men"}))
    tab = res.table.query("cause == 1")
    assert res.tests is not None
    return {str(g): s for g, s in tab.groupby("group")}, float(res.tests.loc[1, "p"]), m


def test_cuminc_figure_layout_and_numbers_at_risk() -> None:
    curves, p, m = _curves()
    fig = cumulative_incidence_figure(
        curves, event_label="plasma-cell malignancy", gray_p=p, at_risk_times=[0, 100, 200, 300]
    )
    assert text_overlaps(fig) == []
    assert text_outside(fig) == []
    texts = [t.get_text() for t in fig.axes[1].texts if t.get_gid() == "at_risk"]
    # subjects with follow-up >= t, counted directly from the data
    want = [
        int(((m["sex"] == s) & (m["etime"] >= t)).sum())
        for s in ("M", "F")
        for t in (0, 100, 200, 300)
    ]
    assert texts == [str(w) for w in want]
    ax = fig.axes[0]
    assert ax.get_ylabel() == "Cumulative incidence of\nplasma-cell malignancy (probability)"
    assert ax.get_ylim()[1] == pytest.approx(0.4)  # rare event: axis zoomed to a round value
    assert ax.get_legend().get_title().get_text().startswith("Gray's test p = 0.27")
    assert png_bytes(fig, dpi=50)[:4] == b"\x89PNG"


def test_cuminc_figure_curve_starts_at_zero_and_requires_columns() -> None:
    curves, _, _ = _curves()
    fig = cumulative_incidence_figure(curves, event_label="PCM", ymax=1.0, ci=False)
    line = fig.axes[0].get_lines()[0]
    assert np.asarray(line.get_ydata())[0] == 0.0
    with pytest.raises(KeyError, match="lacks columns"):
        cumulative_incidence_figure({"a": pd.DataFrame({"time": [1.0]})}, event_label="x")
    with pytest.raises(ValueError, match="at least one curve"):
        cumulative_incidence_figure({}, event_label="x")
