"""Skeletal metastases, issue 12: cumulative incidence of skeletal-related events with death
competing, and cumulative activity ≥ 29.6 GBq as a time-dependent covariate.

Every number of the template is compared with the engine called on a frame built here straight
from the store tables (first SRE date, death, cycle dates and activities), not through the
template's helpers; 1 − Kaplan–Meier is computed by a product written out in the test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from prrt import stats
from prrt.studies import skeletal_metastases

from . import _i12_frames as f
from .conftest import Built, course1

S = skeletal_metastases.SETTINGS


@pytest.fixture(scope="module")
def skel(full: Built) -> tuple[pd.DataFrame, dict]:
    data = course1(full.store)
    data = data.loc[data["bone_metastases"].astype("boolean").fillna(False)].reset_index(drop=True)
    return data, full.outputs["skeletal-metastases"].key_numbers


def test_sre_cumulative_incidence_is_aalen_johansen_with_death_competing(full: Built, skel) -> None:
    data, kn = skel
    frame = f.competing(full.store, data, ["skeletal_related_event"])
    assert kn["cuminc_sre_n_events"] == int((frame["status"] == 1).sum()) > 0
    assert kn["cuminc_sre_n_competing"] == int((frame["status"] == 2).sum())
    res = stats.cumulative_incidence(frame["time_months"], frame["status"])
    at = res.at([24.0, 60.0]).query("cause == 1").reset_index(drop=True)
    for i, y in enumerate((2, 5)):
        got = kn[f"cuminc_sre_{y}y"]
        want = at.loc[i, ["estimate", "lower", "upper"]].to_numpy(dtype=float)
        np.testing.assert_allclose(got, want, rtol=1e-10)
        naive = f.one_minus_km(
            frame["time_months"].to_numpy(), frame["status"].to_numpy(), 12.0 * y
        )
        assert kn[f"cuminc_sre_{y}y_one_minus_km"] == pytest.approx(naive, rel=1e-10)
        # the competing deaths make 1 − KM overstate the incidence (never understate it)
        assert naive >= got[0] - 1e-12


@pytest.mark.parametrize("endpoint", ["pfs", "os"])
def test_cumulative_activity_naive_landmark_and_time_dependent_cox(
    full: Built, skel, endpoint: str
) -> None:
    data, kn = skel
    key = f"td_cox_{endpoint}"
    cut = S.cumulative_activity_cutoff_gbq
    day = f.reached_day(full.store, data, S.course_no, gbq=cut)
    # naive: status at the end of treatment (the store's flag), time from the first cycle
    d = data.dropna(subset=[f"{endpoint}_days", f"{endpoint}_event", "cum_activity_ge_29_6"])
    naive = stats.cox(
        pd.DataFrame({"t": d[f"{endpoint}_days"].astype(float) / f.MONTH,
                      "e": d[f"{endpoint}_event"].astype(bool).astype(int),
                      "x": d["cum_activity_ge_29_6"].astype(bool).astype(float)}),
        "t", "e", ["x"],
    )  # fmt: skip
    lm = f.landmark_frame(data, endpoint, S.landmark_months, (day / f.MONTH).le(S.landmark_months))
    landmark = stats.cox(lm, "time", "event", ["x"])
    rows = f.switch_rows(data, endpoint, day)
    td = stats.cox_counting(rows, "stop", "event", ["x"], start="start", robust=False)
    for name, fit in (("naive", naive.table), ("landmark", landmark.table), ("td", td.table)):
        assert kn[f"{key}_{name}_hr"] == pytest.approx(float(fit.loc["x", "hr"]), rel=1e-6)
        np.testing.assert_allclose(
            kn[f"{key}_{name}_ci"], fit.loc["x", ["lower", "upper"]].to_numpy(float), rtol=1e-6
        )
        assert kn[f"{key}_{name}_p"] == pytest.approx(float(fit.loc["x", "p"]), rel=1e-5)
