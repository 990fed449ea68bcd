"""Real-world outcomes, issue 12: cumulative incidence of MDS/AML with death competing, and four
cycles completed as a time-dependent covariate for PFS (Lazarenko's PET-only rule).

Every number of the template is compared with the engine called on a frame built here straight
from the store tables (first MDS/AML date, death, cycle dates), not through the template's
helpers; 1 − Kaplan–Meier is computed by a product written out in the test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from prrt import stats
from prrt.studies import real_world_outcomes

from . import _i12_frames as f
from .conftest import Built, course1
from .test_real_world_outcomes import course1_pfs

S = real_world_outcomes.SETTINGS


def test_mds_aml_cumulative_incidence_is_aalen_johansen_with_death_competing(
    full: Built,
) -> None:
    kn = full.outputs["real-world-outcomes"].key_numbers
    frame = f.competing(full.store, course1(full.store), ["mds", "aml"])
    assert kn["cuminc_mds_aml_n_events"] == int((frame["status"] == 1).sum()) > 0
    assert kn["cuminc_mds_aml_n_competing"] == int((frame["status"] == 2).sum())
    res = stats.cumulative_incidence(frame["time_months"], frame["status"])
    at = res.at([24.0, 60.0]).query("cause == 1").reset_index(drop=True)
    for i, y in enumerate((2, 5)):
        got = np.asarray(kn[f"cuminc_mds_aml_{y}y"], dtype=float)
        want = at.loc[i, ["estimate", "lower", "upper"]].to_numpy(dtype=float)
        np.testing.assert_allclose(got, want, rtol=1e-10)  # NaN CI where the estimate is 0
        naive = f.one_minus_km(
            frame["time_months"].to_numpy(), frame["status"].to_numpy(), 12.0 * y
        )
        assert kn[f"cuminc_mds_aml_{y}y_one_minus_km"] == pytest.approx(naive, rel=1e-10)
        assert naive >= got[0] - 1e-12


def test_four_cycles_naive_landmark_and_time_dependent_cox(full: Built) -> None:
    kn = full.outputs["real-world-outcomes"].key_numbers
    data = course1_pfs(full).reset_index(drop=True)
    key = "td_cox_pfs_four_cycles"
    day = f.reached_day(full.store, data, S.course_no, cycles=4)
    d = data.dropna(subset=["pfs_days", "pfs_event"])
    naive = stats.cox(
        pd.DataFrame({"t": d["pfs_days"].astype(float) / f.MONTH,
                      "e": d["pfs_event"].astype(bool).astype(int),
                      "x": d["completed_4_cycles"].astype("boolean").fillna(False).astype(float)}),
        "t", "e", ["x"],
    )  # fmt: skip
    at = S.landmark_cycles_months
    landmark = stats.cox(f.landmark_frame(data, "pfs", at, (day / f.MONTH).le(at)), "time",
                         "event", ["x"])  # fmt: skip
    rows = f.switch_rows(data, "pfs", day)
    td = stats.cox_counting(rows, "stop", "event", ["x"], start="start", robust=False)
    for name, fit in (("naive", naive.table), ("landmark", landmark.table), ("td", td.table)):
        assert kn[f"{key}_{name}_hr"] == pytest.approx(float(fit.loc["x", "hr"]), rel=1e-6)
        np.testing.assert_allclose(
            kn[f"{key}_{name}_ci"], fit.loc["x", ["lower", "upper"]].to_numpy(float), rtol=1e-6
        )
        assert kn[f"{key}_{name}_p"] == pytest.approx(float(fit.loc["x", "p"]), rel=1e-5)
