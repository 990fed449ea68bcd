"""Per-cycle exposure -> (start, stop] rows against R survival 3.5.3 tmerge(cumtdc, tdc), and a
counting-process Cox fit on them against coxph (tests/reference/stats_coxtv_reference.R)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from prrt.stats.coxtv import cox_counting
from prrt.stats.timevarying import exposure_intervals

REF = Path(__file__).parents[1] / "reference" / "data"


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    fu = pd.read_csv(REF / "exposure_followup.csv")
    cyc = pd.read_csv(REF / "exposure_cycles.csv")
    resp = pd.read_csv(REF / "exposure_response.csv")
    before = (fu.copy(), cyc.copy())
    out = exposure_intervals(
        fu, cyc, response=resp, id_col="id", event="status", response_day="resp_day"
    )
    pd.testing.assert_frame_equal(fu, before[0])  # inputs not mutated
    pd.testing.assert_frame_equal(cyc, before[1])
    return out


def test_rows_match_tmerge(rows: pd.DataFrame) -> None:
    want = pd.read_csv(REF / "exposure_tmerge.csv")
    assert len(rows) == len(want) == 213
    np.testing.assert_array_equal(rows["id"], want["id"])
    for ours, theirs in [("start", "tstart"), ("stop", "tstop"), ("event", "event"),
                         ("cycles_completed", "cycles_completed"), ("responded", "responded"),
                         ("cumulative_activity_gbq", "cumulative_activity_gbq")]:  # fmt: skip
        np.testing.assert_allclose(rows[ours], want[theirs], atol=1e-9, err_msg=ours)


def test_cox_on_exposure_rows_matches_coxph(rows: pd.DataFrame) -> None:
    # coxph(Surv(tstart, tstop, event) ~ cumulative_activity_gbq + responded + cluster(id))
    fit = cox_counting(rows, "stop", "event", ["cumulative_activity_gbq", "responded"],
                       start="start", cluster="id")  # fmt: skip
    np.testing.assert_allclose(fit.table["coef"], [0.006151289173, 0.3853996463], atol=1e-4)
    np.testing.assert_allclose(fit.table["se"], [0.02448089242, 0.2978871257], rtol=1e-3)
    np.testing.assert_allclose(fit.table["se_model"], [0.02307306789, 0.3114769887], rtol=1e-3)


@pytest.mark.parametrize(
    ("day", "rows_expected"),
    [(0.0, 1), (50.0, 2), (99.999, 2), (100.0, 1), (150.0, 1)],
    ids=["cycle-at-origin-is-baseline", "cycle-inside-splits", "just-before-end-splits",
         "cycle-on-last-day-ignored", "cycle-after-end-ignored"],
)  # fmt: skip
def test_boundaries_of_the_split(day: float, rows_expected: int) -> None:
    fu = pd.DataFrame({"patient_id": [1], "time": [100.0], "event": [1]})
    cyc = pd.DataFrame({"patient_id": [1, 1], "day": [0.0, day], "activity_gbq": [7.4, 7.4]})
    out = exposure_intervals(fu, cyc.drop_duplicates("day"))
    assert len(out) == rows_expected
    assert out["event"].tolist()[-1] == 1 and out["event"].sum() == 1
    assert out["stop"].iloc[-1] == 100.0


def test_validation() -> None:
    fu = pd.DataFrame({"patient_id": [1, 1], "time": [100.0, 90.0], "event": [1, 0]})
    cyc = pd.DataFrame({"patient_id": [1], "day": [0.0], "activity_gbq": [7.4]})
    with pytest.raises(ValueError, match="one row per patient"):
        exposure_intervals(fu, cyc)
    with pytest.raises(ValueError, match="lacks columns"):
        exposure_intervals(fu.iloc[:1], cyc.drop(columns="day"))
