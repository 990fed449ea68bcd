"""Per-cycle exposure as time-varying covariates: (start, stop] rows for counting-process Cox.

Cumulative administered activity, cycles completed and response accrue during PRRT; entered
as baseline covariates they carry immortal-time bias (a patient must survive to receive a
fourth cycle). This module splits each patient's follow-up at the cycle days (and at the
response day) so that each row holds the exposure known at its start, as R ``survival::tmerge``
with ``cumtdc`` / ``tdc`` (Therneau, Crowson & Atkinson, *Using time dependent covariates and
time dependent coefficients in the Cox model*, survival vignette, §2).

Conventions: times are days from the time origin (first cycle = day 0); a cycle given on day
c changes the covariates from the interval starting at c, i.e. for event times t > c; a cycle
given on day 0 is part of the baseline; cycles and responses on or after the end of
follow-up are ignored; the event indicator sits on the last row only.

Examples
--------
>>> import pandas as pd
>>> fu = pd.DataFrame({"patient_id": [1, 2], "time": [300, 100], "event": [1, 0]})
>>> cyc = pd.DataFrame({"patient_id": [1, 1, 1, 2, 2], "day": [0, 56, 112, 0, 120],
...                     "activity_gbq": [7.4, 7.4, 3.7, 7.4, 7.4]})
>>> exposure_intervals(fu, cyc).to_dict("list")  # doctest: +NORMALIZE_WHITESPACE
{'patient_id': [1, 1, 1, 2], 'start': [0.0, 56.0, 112.0, 0.0], 'stop': [56.0, 112.0, 300.0, 100.0],
 'event': [0, 0, 1, 0], 'cycles_completed': [1, 2, 3, 1],
 'cumulative_activity_gbq': [7.4, 14.8, 18.5, 7.4]}
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["exposure_intervals"]


def exposure_intervals(
    followup: pd.DataFrame,
    cycles: pd.DataFrame,
    *,
    response: pd.DataFrame | None = None,
    id_col: str = "patient_id",
    time: str = "time",
    event: str = "event",
    cycle_day: str = "day",
    activity: str = "activity_gbq",
    response_day: str = "response_day",
) -> pd.DataFrame:
    """Split follow-up at cycle (and response) days into (start, stop] rows.

    Parameters
    ----------
    followup : pandas.DataFrame
        One row per patient: ``id_col``, ``time`` (end of follow-up, days) and ``event`` (0/1).
    cycles : pandas.DataFrame
        One row per administered cycle: ``id_col``, ``cycle_day`` (days from the origin) and
        ``activity`` (GBq).
    response : pandas.DataFrame, optional
        ``id_col`` and ``response_day``: the day a response was first documented (patients
        without a row never respond); adds the 0/1 column ``responded``.
    id_col, time, event, cycle_day, activity, response_day : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        ``id_col, start, stop, event, cycles_completed, cumulative_activity_gbq`` (and
        ``responded``), sorted by patient and start; the inputs are not modified.

    Raises
    ------
    ValueError
        Missing columns, a negative or missing time, a patient without follow-up or a
        duplicated patient in ``followup``.
    """
    for frame, cols, name in (
        (followup, [id_col, time, event], "followup"),
        (cycles, [id_col, cycle_day, activity], "cycles"),
        *(((response, [id_col, response_day], "response"),) if response is not None else ()),
    ):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise ValueError(f"{name} lacks columns {missing}")
    fu = followup[[id_col, time, event]].rename(columns={time: "_end", event: "_ev"})
    if fu[id_col].duplicated().any():
        raise ValueError("followup must have one row per patient")
    if fu["_end"].isna().any() or (fu["_end"] <= 0).any():
        raise ValueError("follow-up times must be present and positive")
    cyc = cycles[[id_col, cycle_day, activity]].rename(columns={cycle_day: "_t", activity: "_a"})
    if cyc["_t"].isna().any() or (cyc["_t"] < 0).any():
        raise ValueError("cycle days must be present and non-negative")
    cyc = cyc.astype({"_t": float}).merge(fu[[id_col, "_end"]], on=id_col, how="inner")
    cyc = cyc[cyc["_t"] < cyc["_end"]]
    cuts = [cyc[[id_col, "_t"]]]
    resp = None
    if response is not None:
        resp = response[[id_col, response_day]].rename(columns={response_day: "_t"}).dropna()
        resp = resp.merge(fu[[id_col, "_end"]], on=id_col, how="inner")
        resp = resp[resp["_t"] < resp["_end"]]
        cuts.append(resp[[id_col, "_t"]])
    starts = pd.concat([fu[[id_col]].assign(_t=0.0), *cuts], ignore_index=True)
    starts["_t"] = starts["_t"].astype(float)
    starts = starts.drop_duplicates().sort_values([id_col, "_t"], kind="stable")
    starts = starts.merge(fu, on=id_col, how="left")
    nxt = starts.groupby(id_col, sort=False)["_t"].shift(-1)
    out = pd.DataFrame(
        {
            id_col: starts[id_col].to_numpy(),
            "start": starts["_t"].to_numpy(dtype=float),
            "stop": nxt.fillna(starts["_end"]).to_numpy(dtype=float),
            "event": np.where(nxt.isna(), starts["_ev"], 0).astype(int),
        }
    )
    # exposure known at the start of each row: cycles on or before the start
    agg = cyc.sort_values([id_col, "_t"], kind="stable")
    agg = agg.groupby([id_col, "_t"], as_index=False, sort=False)["_a"].agg(["size", "sum"])
    agg["cycles_completed"] = agg.groupby(id_col)["size"].cumsum()
    agg["cumulative_activity_gbq"] = agg.groupby(id_col)["sum"].cumsum()
    left = out.sort_values("start", kind="stable")
    merged = pd.merge_asof(
        left, agg.rename(columns={"_t": "start"}).sort_values("start")[
            [id_col, "start", "cycles_completed", "cumulative_activity_gbq"]
        ],
        on="start", by=id_col, direction="backward",
    )  # fmt: skip
    merged["cycles_completed"] = merged["cycles_completed"].fillna(0).astype(int)
    merged["cumulative_activity_gbq"] = merged["cumulative_activity_gbq"].fillna(0.0).round(10)
    if resp is not None:
        first = resp.groupby(id_col)["_t"].min()
        merged["responded"] = (merged["start"] >= merged[id_col].map(first)).astype(int)
    return merged.sort_values([id_col, "start"], kind="stable").reset_index(drop=True)
