"""Landmark analysis: boundary truth table by hand, and the KM / log-rank / Cox from the landmark
against R survival on the Stanford heart transplant data (tests/reference/landmark_reference.R and
.Rout; data/jasa.csv written by that script)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from prrt import stats
from prrt.stats.landmark import accumulated_by, landmark

REF = Path(__file__).parents[1] / "reference" / "data"


# -- boundary truth table (hand computed) -----------------------------------------------------
@pytest.mark.parametrize(
    ("time", "event", "kept", "reset", "why"),
    [
        (2.9, 1, False, None, "event"),
        (3.0, 1, False, None, "event"),
        (3.0, 0, False, None, "censored"),
        (2.0, 0, False, None, "censored"),
        (3.0001, 1, True, 0.0001, ""),
        (3.0001, 0, True, 0.0001, ""),
        (10.0, 0, True, 7.0, ""),
    ],
    ids=[
        "landmark-event-before-excluded",
        "landmark-event-at-L-excluded",
        "landmark-censored-at-L-excluded",
        "landmark-censored-before-excluded",
        "landmark-event-just-after-kept",
        "landmark-censored-just-after-kept",
        "landmark-time-reset",
    ],
)
def test_landmark_boundary(
    time: float, event: int, kept: bool, reset: float | None, why: str
) -> None:
    d = pd.DataFrame({"t": [time], "e": [event]})
    lm = landmark(d, "t", "e", 3.0)
    assert (lm.n == 1) is kept
    if kept:
        assert lm.data["t"].iloc[0] == pytest.approx(reset, abs=1e-12)
        assert lm.data["t_from_origin"].iloc[0] == time
        assert lm.n_excluded == 0
    else:
        assert lm.n_event_before == (why == "event")
        assert lm.n_censored_before == (why == "censored")


def test_landmark_counts_and_input_untouched() -> None:
    d = pd.DataFrame(
        {
            "t": [1.0, 2.0, 5.0, np.nan, 8.0, 3.0],
            "e": [1, 0, 1, 1, None, 1],
            "g": list("abcdef"),
        }
    )
    before = d.copy()
    lm = landmark(d, "t", "e", 3.0)
    pd.testing.assert_frame_equal(d, before)
    assert lm.n_total == 4 and lm.n_missing == 2
    assert (lm.n_event_before, lm.n_censored_before, lm.n) == (2, 1, 1)
    assert lm.data["g"].tolist() == ["c"] and lm.data["t"].tolist() == [2.0]
    assert lm.n_total == lm.n + lm.n_excluded


def test_landmark_zero_keeps_everyone_with_positive_time() -> None:
    d = pd.DataFrame({"t": [0.0, 1.0, 2.0], "e": [1, 1, 0]})
    lm = landmark(d, "t", "e", 0.0)
    assert lm.n == 2 and lm.n_event_before == 1


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf")])
def test_landmark_rejects_bad_landmark(bad: float) -> None:
    with pytest.raises(ValueError, match="landmark"):
        landmark(pd.DataFrame({"t": [1.0], "e": [1]}), "t", "e", bad)


def test_landmark_names_missing_column() -> None:
    with pytest.raises(ValueError, match="'e'"):
        landmark(pd.DataFrame({"t": [1.0]}), "t", "e", 1.0)


def test_accumulated_by_hand() -> None:
    """Cycles on days 0/56/112/168 (A), 0/70 (B), 120 only (C); landmark day 112 (inclusive)."""
    cy = pd.DataFrame(
        {
            "id": ["A"] * 4 + ["B"] * 2 + ["C"],
            "day": [0, 56, 112, 168, 0, 70, 120],
            "gbq": [7.4, 7.4, 7.4, 7.4, 7.4, 5.2, 7.4],
        }
    )
    gbq = accumulated_by(cy, "id", "day", 112, "gbq")
    assert gbq.to_dict() == pytest.approx({"A": 22.2, "B": 12.6, "C": 0.0})
    n = accumulated_by(cy, "id", "day", 112)
    assert n.to_dict() == {"A": 3, "B": 2, "C": 0}
    assert accumulated_by(cy, "id", "day", 111.9).to_dict() == {"A": 2, "B": 2, "C": 0}


# -- against R survival (landmark_reference.Rout) ---------------------------------------------
def _jasa_landmark(at: float) -> pd.DataFrame:
    d = pd.read_csv(REF / "jasa.csv")
    lm = landmark(d, "futime", "fustat", at)
    assert lm.n_total == 103
    return lm.data.assign(tx=lm.data["wait_time"].le(at))


@pytest.mark.parametrize(
    ("at", "excluded", "n", "events", "n_tx"),
    [(30, (23, 2), 78, 52, 35), (90, (49, 3), 51, 26, 40)],
    ids=["jasa-landmark-30", "jasa-landmark-90"],
)
def test_landmark_population_matches_r(
    at: float, excluded: tuple[int, int], n: int, events: int, n_tx: int
) -> None:
    d = pd.read_csv(REF / "jasa.csv")
    lm = landmark(d, "futime", "fustat", at)
    assert (lm.n_event_before, lm.n_censored_before) == excluded
    assert lm.n == n and int(lm.data["fustat"].sum()) == events
    assert int(lm.data["wait_time"].le(at).sum()) == n_tx


# R: summary(survfit(Surv(t, fustat) ~ tx, conf.type = "log-log"), times = c(100, 365))
KM_R = {
    (30, False): [(100, 0.620074, 0.456325, 0.747421), (365, 0.372045, 0.227853, 0.516351)],
    (30, True): [(100, 0.6000, 0.420019, 0.740215), (365, 0.4725, 0.298184, 0.628444)],
    (90, False): [(100, 0.707071, 0.337329, 0.895330), (365, 0.404040, 0.124632, 0.674092)],
    (90, True): [(100, 0.847138, 0.690775, 0.928309), (365, 0.683887, 0.510173, 0.806931)],
}
MEDIAN_R = {(30, False): 188, (30, True): 312, (90, False): 249, (90, True): 889}


@pytest.mark.parametrize(("at", "tx"), list(KM_R))
def test_km_from_landmark_matches_r(at: int, tx: bool) -> None:
    d = _jasa_landmark(at)
    g = d.loc[d["tx"] == tx]
    fit = stats.kaplan_meier(g["futime"], g["fustat"])
    got = fit.at([t for t, *_ in KM_R[(at, tx)]])
    for (_, s, lo, hi), (_, row) in zip(KM_R[(at, tx)], got.iterrows(), strict=True):
        assert row["survival"] == pytest.approx(s, abs=1e-6)
        assert row["lower"] == pytest.approx(lo, abs=1e-6)
        assert row["upper"] == pytest.approx(hi, abs=1e-6)
    assert fit.median == MEDIAN_R[(at, tx)]


@pytest.mark.parametrize(
    ("at", "chisq", "hr", "ci"),
    [
        (30, 0.09799619698, 0.9157899264, (0.5274297945, 1.590109619)),
        (90, 1.431621395, 0.5723360647, (0.2265822474, 1.445693891)),
    ],
)
def test_logrank_and_cox_from_landmark_match_r(
    at: int, chisq: float, hr: float, ci: tuple[float, float]
) -> None:
    d = _jasa_landmark(at)
    lr = stats.logrank(d["futime"], d["fustat"], d["tx"])
    assert lr.statistic == pytest.approx(chisq, rel=1e-6)
    fit = stats.cox(d.assign(tx=d["tx"].astype(float)), "futime", "fustat", ["tx"])
    assert fit.table.loc["tx", "hr"] == pytest.approx(hr, rel=1e-6)
    assert fit.table.loc["tx", "lower"] == pytest.approx(ci[0], rel=1e-5)
    assert fit.table.loc["tx", "upper"] == pytest.approx(ci[1], rel=1e-5)


def test_naive_comparison_is_the_biased_one() -> None:
    """From time zero, 'ever transplanted' looks protective (R: chisq 33.24); from the 30-day
    landmark it does not (0.098) -- the immortal-time bias the landmark removes."""
    d = pd.read_csv(REF / "jasa.csv")
    naive = stats.logrank(d["futime"], d["fustat"], d["transplant"])
    assert naive.statistic == pytest.approx(33.24199282, rel=1e-6)
