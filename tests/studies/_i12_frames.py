"""Frames for the issue-12 template checks, built straight from the store tables (not through the
templates' helpers), so that each template number can be compared with the engine called on them."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from prrt.cohort.store import Store

MONTH = 30.4375


def competing(store: Store, data: pd.DataFrame, types: Sequence[str]) -> pd.DataFrame:
    """``time_months, status`` (1 = first event of ``types`` on/after the start, 2 = death
    first, 0 = censored) for the patients of ``data``, written out row by row."""
    ev = store.read("disease_events")
    start = dict(zip(data["patient_id"], pd.to_datetime(data["course_start"]), strict=True))
    first: dict[str, int] = {}
    for pid, date, kind in ev[["patient_id", "event_date", "event_type"]].itertuples(index=False):
        if kind not in types or pid not in start:
            continue
        days = (pd.Timestamp(date) - start[pid]).days
        if days >= 0 and days < first.get(pid, 10**9):
            first[pid] = days
    rows = []
    for r in data.dropna(subset=["os_days", "os_event"]).itertuples(index=False):
        if r.patient_id in first:
            rows.append((first[r.patient_id], 1))
        else:
            rows.append((float(r.os_days), 2 if bool(r.os_event) else 0))
    out = pd.DataFrame(rows, columns=["days", "status"])
    return out.assign(time_months=out["days"] / MONTH)


def one_minus_km(time: np.ndarray, event: np.ndarray, t: float) -> float:
    """1 − product-limit estimate at ``t`` (deaths censored), computed directly."""
    s = 1.0
    for u in np.unique(time[(event == 1) & (time <= t)]):
        s *= 1.0 - np.sum((time == u) & (event == 1)) / np.sum(time >= u)
    return 1.0 - s


def reached_day(
    store: Store, data: pd.DataFrame, course_no: int, *, gbq: float | None = None, cycles: int = 0
) -> pd.Series:
    """Day (from the start) on which cumulative activity first reaches ``gbq`` or the
    ``cycles``-th cycle is given; NaN when never."""
    cy = store.read("cycles")
    cy = cy.loc[cy["course_no"] == course_no].merge(data[["patient_id", "course_start"]])
    cy = cy.assign(
        day=(pd.to_datetime(cy["cycle_date"]) - pd.to_datetime(cy["course_start"])).dt.days
    )
    cy = cy.sort_values(["patient_id", "day"])
    cy["cum"] = cy.groupby("patient_id")["activity_gbq"].cumsum()
    cy["n"] = cy.groupby("patient_id").cumcount() + 1
    hit = cy.loc[cy["cum"] >= gbq - 1e-9] if gbq is not None else cy.loc[cy["n"] >= cycles]
    return data["patient_id"].map(hit.groupby("patient_id")["day"].min()).astype(float)


def switch_rows(data: pd.DataFrame, endpoint: str, day: pd.Series) -> pd.DataFrame:
    """Two (start, stop] rows at most per patient: before the exposure is reached (x = 0) and
    from that day (x = 1); follow-up of 0 days left out."""
    rows = []
    for pid, t, e, d in zip(
        data["patient_id"], data[f"{endpoint}_days"], data[f"{endpoint}_event"], day, strict=True
    ):
        if pd.isna(t) or pd.isna(e) or float(t) <= 0:
            continue
        t, e = float(t), int(bool(e))
        if pd.isna(d) or d >= t:
            rows.append((pid, 0.0, t, e, 0.0))
        elif d <= 0:
            rows.append((pid, 0.0, t, e, 1.0))
        else:
            rows += [(pid, 0.0, float(d), 0, 0.0), (pid, float(d), t, e, 1.0)]
    return pd.DataFrame(rows, columns=["patient_id", "start", "stop", "event", "x"])


def landmark_frame(
    data: pd.DataFrame, endpoint: str, at_months: float, status: pd.Series
) -> pd.DataFrame:
    """Patients followed beyond ``at_months``; time from the landmark; ``x`` = status then."""
    t = data[f"{endpoint}_days"].astype(float) / MONTH
    keep = t.gt(at_months) & data[f"{endpoint}_event"].notna()
    return pd.DataFrame(
        {
            "time": t[keep] - at_months,
            "event": data.loc[keep, f"{endpoint}_event"].astype(bool).astype(int),
            "x": status[keep].astype(float),
        }
    )
