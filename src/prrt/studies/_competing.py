"""Shared study steps for late events and exposure that accrues during treatment (issue 12).

- :func:`competing_frame` / :func:`cumulative_incidence_section`: time to a late event (MDS/AML,
  skeletal-related event) with death without that event as the competing event; Aalen–Johansen
  cumulative incidence with 95 % CI and numbers at risk, and its value at 2 and 5 years beside
  1 − Kaplan–Meier (which treats deaths as censored and so overstates the incidence; Gooley et
  al., Stat Med 1999; Putter, Fiocco & Geskus, Stat Med 2007).
- :func:`time_dependent_section`: the same exposure (four cycles completed, cumulative activity ≥
  a threshold) compared three ways — status at the end of treatment from the first cycle
  (naive, immortal-time bias), status at a landmark with time from the landmark, and a
  time-varying covariate on (start, stop] rows split at the cycle days (counting-process Cox;
  Andersen & Gill 1982; Therneau & Grambsch 2000, §3.7).

Time origin: the first cycle of the course (``course_start``); days converted to months with
30.4375 days per month.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from prrt import stats
from prrt.report import ReportTable, vocabulary
from prrt.report.figures.cuminc import cumulative_incidence_figure
from prrt.studies import _steps
from prrt.studies._base import NotComputable, StudyRun

AT_YEARS = (2, 5)
"""Years at which the cumulative incidence is tabulated."""

EVENT, COMPETING, CENSORED = 1, 2, 0
"""Status codes of :func:`competing_frame`."""


def first_event_days(
    events: pd.DataFrame, data: pd.DataFrame, event_types: Sequence[str]
) -> pd.Series:
    """Days from ``course_start`` to the first event of ``event_types`` on or after it.

    ``events`` is ``disease_events`` (``patient_id, event_date, event_type``); the result is
    aligned with ``data`` (NaN for a patient without such an event).
    """
    ev = events.loc[events["event_type"].isin(list(event_types)), ["patient_id", "event_date"]]
    ev = ev.merge(data[["patient_id", "course_start"]], on="patient_id")
    days = (pd.to_datetime(ev["event_date"]) - pd.to_datetime(ev["course_start"])).dt.days
    first = days[days >= 0].groupby(ev.loc[days >= 0, "patient_id"]).min()
    return data["patient_id"].map(first).astype(float)


def competing_frame(data: pd.DataFrame, event_days: pd.Series) -> pd.DataFrame:
    """Time (months) and status: 1 = the event, 2 = death without the event, 0 = censored.

    A patient with the event is followed to the event; otherwise to death or last contact
    (``os_days``, ``os_event``). Patients without an overall-survival time are left out.

    Examples
    --------
    >>> d = pd.DataFrame({"patient_id": ["a", "b", "c"], "os_days": [100, 200, 300],
    ...                   "os_event": [1, 1, 0]})
    >>> competing_frame(d, pd.Series([50.0, None, None]))["status"].tolist()
    [1, 2, 0]
    """
    d = data.assign(_ev_days=event_days).dropna(subset=["os_days", "os_event"])
    has = d["_ev_days"].notna()
    days = np.where(has, d["_ev_days"], d["os_days"].astype(float))
    died = d["os_event"].astype(float).astype(int).eq(1)
    status = np.select([has, died], [EVENT, COMPETING], CENSORED)
    return pd.DataFrame(
        {"patient_id": d["patient_id"].to_numpy(), "time_months": days / _steps.DAYS_PER_MONTH,
         "status": status.astype(int)},
        index=d.index,
    )  # fmt: skip


def _ci_text(est: float, lo: float, hi: float) -> str:
    if not np.isfinite(lo) or not np.isfinite(hi):
        return f"{_steps._fmt(100 * est)} %"
    return f"{_steps._fmt(100 * est)} % ({_steps._fmt(100 * lo)}–{_steps._fmt(100 * hi)})"


def cumulative_incidence_section(
    run: StudyRun,
    frame: pd.DataFrame,
    *,
    event_label: str,
    key: str,
    population: str,
) -> stats.CumulativeIncidenceResult:
    """Aalen–Johansen cumulative incidence of ``event_label`` with death competing.

    ``frame`` comes from :func:`competing_frame`. Adds a figure (95 % CI band, numbers at risk),
    a table at :data:`AT_YEARS` with the competing death and 1 − Kaplan–Meier beside it, and
    records ``<key>_<y>y`` = (estimate, lower, upper) and the event counts.
    """
    n_ev = int((frame["status"] == EVENT).sum())
    n_cr = int((frame["status"] == COMPETING).sum())
    run.number(f"{key}_n_events", n_ev)
    run.number(f"{key}_n_competing", n_cr)
    if n_ev == 0:
        raise NotComputable(f"no patient had {event_label}")
    res = stats.cumulative_incidence(
        frame["time_months"], frame["status"], causes=[EVENT, COMPETING]
    )
    km = stats.kaplan_meier(frame["time_months"], frame["status"].eq(EVENT).astype(int))
    run.uses(res, km, tests=["Aalen–Johansen cumulative incidence with competing risks"])
    curve = res.table.loc[res.table["cause"] == EVENT]
    run.figure(
        cumulative_incidence_figure({population: curve}, event_label=event_label),
        key,
        f"Cumulative incidence of {event_label} after the first cycle "
        f"({vocabulary.in_sentence(population)}, n = "
        f"{len(frame)}; {n_ev} with {event_label}, {n_cr} died without it): Aalen–Johansen "
        "estimate with death as the competing event, pointwise 95 % CI (log-log); numbers at "
        "risk under the axis.",
    )
    months = [12.0 * y for y in AT_YEARS]
    at = res.at(months)
    rows = []
    for y, m in zip(AT_YEARS, months, strict=True):
        ev = at.loc[(at["cause"] == EVENT) & (at["time"] == m)].iloc[0]
        cr = at.loc[(at["cause"] == COMPETING) & (at["time"] == m)].iloc[0]
        naive = _one_minus_km(km, m)
        run.number(f"{key}_{y}y", (float(ev["estimate"]), float(ev["lower"]), float(ev["upper"])))
        run.number(f"{key}_{y}y_one_minus_km", naive)
        rows.append(
            {
                "Time after the first cycle": f"{y} years",
                f"Cumulative incidence of {event_label}, % (95 % CI)": _ci_text(
                    float(ev["estimate"]), float(ev["lower"]), float(ev["upper"])
                ),
                f"Death without {event_label}, %": f"{_steps._fmt(100 * float(cr['estimate']))} %",
                "1 − Kaplan–Meier (deaths censored), %": f"{_steps._fmt(100 * naive)} %",
            }
        )
    run.table(
        ReportTable(
            f"Cumulative incidence of {event_label} at {AT_YEARS[0]} and {AT_YEARS[1]} years "
            f"(n = {len(frame)})",
            pd.DataFrame(rows),
            f"{key}_at",
            footnote="Aalen–Johansen estimator with death without the event as the competing "
            "event; variance as cmprsk (Gray 1988), log-log 95 % CI. The last column, 1 − "
            "Kaplan–Meier with deaths censored, estimates the risk in a world without death "
            "and overstates the cumulative incidence whenever patients die first.",
        )
    )
    est, lo, hi = run.key_numbers[f"{key}_{AT_YEARS[-1]}y"]
    run.glance(
        f"Cumulative incidence of {event_label} at {AT_YEARS[-1]} years after the first cycle, "
        f"death competing (Aalen–Johansen): {_ci_text(est, lo, hi).replace(' (', ' (95 % CI ')}."
    )
    run.text(
        f"Patients who die before {event_label} can no longer develop it, so death is a "
        "competing event: 1 − Kaplan–Meier, which treats those deaths as censored, would "
        f"overstate the incidence of {event_label}; the Aalen–Johansen estimate does not."
    )
    return res


def _one_minus_km(km: stats.KaplanMeierResult, t: float) -> float:
    tab = km.table
    idx = int(np.searchsorted(tab["time"].to_numpy(dtype=float), t, side="right")) - 1
    return 0.0 if idx < 0 else 1.0 - float(tab["survival"].iloc[idx])


def cycle_days(cycles: pd.DataFrame, data: pd.DataFrame, course_no: int) -> pd.DataFrame:
    """Cycles of ``course_no`` as ``patient_id, day`` (from ``course_start``), ``activity_gbq``."""
    cy = cycles.loc[cycles["course_no"] == course_no].merge(
        data[["patient_id", "course_start"]], on="patient_id"
    )
    day = (pd.to_datetime(cy["cycle_date"]) - pd.to_datetime(cy["course_start"])).dt.days
    return pd.DataFrame(
        {"patient_id": cy["patient_id"].to_numpy(), "day": day.to_numpy(dtype=float),
         "activity_gbq": cy["activity_gbq"].astype(float).to_numpy()}
    )  # fmt: skip


def exposure_rows(data: pd.DataFrame, endpoint: str, cycles: pd.DataFrame) -> pd.DataFrame:
    """(start, stop] rows in days for ``endpoint``, split at the cycle days.

    Patients with a follow-up time of 0 days are left out (an interval must have length).
    """
    tcol, ecol = f"{endpoint}_days", f"{endpoint}_event"
    fu = data.dropna(subset=[tcol, ecol])
    fu = pd.DataFrame(
        {"patient_id": fu["patient_id"].to_numpy(), "time": fu[tcol].astype(float).to_numpy(),
         "event": fu[ecol].astype(float).astype(int).to_numpy()}
    )  # fmt: skip
    fu = fu.loc[fu["time"] > 0]
    cy = cycles.loc[cycles["patient_id"].isin(set(fu["patient_id"]))].dropna()
    return stats.exposure_intervals(fu, cy)


def _hr_row(what: str, table: pd.DataFrame, term: str, n: int, events: int) -> dict[str, str]:
    r = table.loc[term]
    return {
        "Analysis": what,
        "HR (95 % CI)": f"{_steps._fmt(float(r['hr']), 2)} ({_steps._fmt(float(r['lower']), 2)}–"
        f"{_steps._fmt(float(r['upper']), 2)})",
        "p": stats.format_p(float(r["p"])),
        "Patients": str(n),
        "Events": str(events),
    }


def time_dependent_section(
    run: StudyRun,
    data: pd.DataFrame,
    endpoint: str,
    *,
    cycles: pd.DataFrame,
    final_status: pd.Series,
    landmark_status: pd.Series,
    landmark_months: float,
    reached: Callable[[pd.DataFrame], pd.Series],
    exposure: str,
    key: str,
) -> None:
    """Naive, landmark and time-dependent Cox for one exposure reached during treatment.

    ``final_status`` is the status at the end of treatment and ``landmark_status`` the status at
    the landmark (both aligned with ``data``, bool); ``reached(rows)`` gives, for each (start,
    stop] row of :func:`exposure_rows`, whether the exposure had been reached by its start.
    Univariable Cox models (Breslow ties, Wald CI); the time-dependent model uses the
    counting-process form with the model-based variance (one patient's rows do not overlap).
    """
    label = _steps.ENDPOINT_LABELS[endpoint]
    d = _steps.endpoint_frame(data, endpoint).assign(x=final_status.astype(float))
    d = d.dropna(subset=["x"])
    naive = stats.cox(d, "time_months", "event", ["x"])
    lm = stats.landmark(d, "time_months", "event", landmark_months)
    lmd = lm.data.assign(x=landmark_status.reindex(lm.data.index).astype(float))
    rows = exposure_rows(data, endpoint, cycles)
    rows = rows.assign(x=reached(rows).astype(float))
    if rows["x"].nunique() < 2 or lmd["x"].nunique() < 2 or d["x"].nunique() < 2:
        raise NotComputable(f"every patient has the same status for {exposure}")
    lmfit = stats.cox(lmd, "time_months", "event", ["x"])
    tv = stats.cox_counting(
        rows, "stop", "event", ["x"], start="start", cluster="patient_id", robust=False
    )
    run.uses(naive, lm, tv, tests=["Cox regression with a time-dependent covariate"])
    out = [
        _hr_row("From the first cycle, by the status at the end of treatment (naive)",
                naive.table, "x", naive.n, naive.n_events),
        _hr_row(f"From the {landmark_months:g}-month landmark, by the status at the landmark",
                lmfit.table, "x", lmfit.n, lmfit.n_events),
        _hr_row("From the first cycle, status updated at each cycle (time-dependent)",
                tv.table, "x", tv.n_clusters, tv.n_events),
    ]  # fmt: skip
    for name, fit in (("naive", naive.table), ("landmark", lmfit.table), ("td", tv.table)):
        r = fit.loc["x"]
        run.number(f"{key}_{name}_hr", float(r["hr"]))
        run.number(f"{key}_{name}_ci", (float(r["lower"]), float(r["upper"])))
        run.number(f"{key}_{name}_p", float(r["p"]))
    run.table(
        ReportTable(
            f"{label}: {exposure}, naive, landmark and time-dependent Cox models",
            pd.DataFrame(out),
            key,
            footnote=f"Hazard ratio of {exposure} versus not (univariable Cox, Breslow ties, "
            "Wald 95 % CI). Time-dependent: counting-process Cox on (start, stop] intervals "
            f"split at each cycle day ({len(rows)} intervals), the covariate switching on the "
            "day the exposure is reached; model-based variance.",
        )
    )
    td = tv.table.loc["x"]
    run.glance(
        f"{exposure[:1].upper()}{exposure[1:]} as a time-dependent covariate for "
        f"{label.lower()}: HR {_steps._fmt(float(td['hr']), 2)} (95 % CI "
        f"{_steps._fmt(float(td['lower']), 2)}–{_steps._fmt(float(td['upper']), 2)}; p "
        f"{_steps._p_phrase(float(td['p']))}), against {_steps._fmt(float(naive.table.loc['x', 'hr']), 2)} "
        "in the naive comparison from the first cycle."
    )
    run.text(
        f"The naive comparison counts, in the group with {exposure}, the months before it was "
        "reached, during which these patients could not progress or die without losing their "
        "place in the group (immortal time), which biases the hazard ratio in its favour. The "
        "landmark analysis avoids this by comparing patients event-free at the landmark by "
        "their status then; the time-dependent model keeps every patient from the first cycle "
        f"and moves a patient into the group with {exposure} only on the day it is reached. "
        f"Hazard ratios: naive {_steps._fmt(float(naive.table.loc['x', 'hr']), 2)}, landmark "
        f"{_steps._fmt(float(lmfit.table.loc['x', 'hr']), 2)}, time-dependent "
        f"{_steps._fmt(float(tv.table.loc['x', 'hr']), 2)}."
    )
