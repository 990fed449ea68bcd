"""Landmark analysis: compare groups defined by what happened up to a fixed time, from that time on.

A group defined by something that happens *after* time zero (cumulative activity reached, four
cycles completed, a response) is biased in favour of that group when survival is counted from time
zero: a patient must survive event-free long enough to get into it ("immortal time"; Anderson, Cain
& Gelber 1983). The landmark method fixes a time ``L`` before looking, keeps the patients still
event-free and under follow-up at ``L``, classifies them by their status at ``L`` (what had happened
by then), and counts time from ``L``.

Two functions:

* :func:`landmark` -- the landmark population: rows with follow-up beyond ``L``, their time reset
  to ``time - L``, and the counts excluded (event, or censoring, at or before ``L``);
* :func:`accumulated_by` -- status at the landmark from dated exposures: the sum (or count) of an
  exposure given on or before ``L`` (cumulative activity, cycles received).

The Kaplan–Meier curves, log-rank test and Cox model from the landmark are then the ordinary ones
(:func:`prrt.stats.kaplan_meier_grouped`, :func:`prrt.stats.logrank`, :func:`prrt.stats.cox`) on the
returned frame.

References
----------
Anderson JR, Cain KC, Gelber RD. Analysis of survival by tumor response. J Clin Oncol
1983;1:710-719. Dafni U. Landmark analysis at the 25-year landmark point. Circ Cardiovasc Qual
Outcomes 2011;4:363-371. Suissa S. Immortal time bias in pharmaco-epidemiology. Am J Epidemiol
2008;167:492-499.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from prrt.stats._result import ResultMixin

__all__ = ["LandmarkResult", "accumulated_by", "landmark"]

_RULE = (
    "landmark population: event-free and under follow-up beyond the landmark (time > L); "
    "an event or censoring at or before L excludes; time reset to time − L"
)


@dataclasses.dataclass(frozen=True)
class LandmarkResult(ResultMixin):
    """The landmark population and what was excluded to get it.

    Attributes
    ----------
    data : pandas.DataFrame
        Copy of the rows with ``time > landmark``; the time column holds the time from the
        landmark (``time - landmark``), the original time is kept in ``<time>_from_origin``.
    landmark : float
        The landmark, in the units of the time column.
    n_total : int
        Rows with a time and an event indicator.
    n_event_before : int
        Rows with the event at or before the landmark (excluded).
    n_censored_before : int
        Rows censored at or before the landmark (excluded).
    n_missing : int
        Rows without time or event (excluded, not counted in ``n_total``).
    method : str
        The rule applied, in words.
    conventions : dict
        The choices made (landmark, rule).
    """

    data: pd.DataFrame
    landmark: float
    n_total: int
    n_event_before: int
    n_censored_before: int
    n_missing: int
    method: str = _RULE
    conventions: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def n(self) -> int:
        """Patients in the landmark population."""
        return len(self.data)

    @property
    def n_excluded(self) -> int:
        """Rows excluded because of an event or censoring at or before the landmark."""
        return self.n_event_before + self.n_censored_before


def landmark(frame: pd.DataFrame, time: str, event: str, at: float) -> LandmarkResult:
    """Landmark population at ``at``: follow-up beyond it, time counted from it.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per patient (not modified).
    time : str
        Column of follow-up times from time zero (non-negative), any unit.
    event : str
        Column of event indicators (1/True = event, 0/False = censored).
    at : float
        The landmark, in the unit of ``time`` (non-negative, declared before looking at the data).

    Returns
    -------
    LandmarkResult
        ``data`` holds the rows with ``time > at``, with ``time`` replaced by ``time - at`` and
        the original kept in ``<time>_from_origin``.

    Notes
    -----
    A patient enters the landmark population when event-free and still under follow-up just
    after ``L``: ``time > L``. An event at exactly ``L`` means the patient was not event-free at
    ``L`` (the Kaplan–Meier estimate is right-continuous, S(L) already includes it); a censoring at
    exactly ``L`` leaves no follow-up after it. Both exclude. Anderson, Cain & Gelber (1983), J Clin
    Oncol 1:710, "landmark method"; Dafni (2011) Circ Cardiovasc Qual Outcomes 4:363, Box 1.

    Examples
    --------
    Five patients, landmark at 3 months: patient 1 died at 2 months and patient 2 was censored
    at 3 months (both excluded); the others are followed from month 3 on.

    >>> d = pd.DataFrame({"t": [2.0, 3.0, 4.0, 7.5, 12.0], "e": [1, 0, 1, 0, 1]})
    >>> lm = landmark(d, "t", "e", 3.0)
    >>> lm.data["t"].tolist(), lm.n_event_before, lm.n_censored_before
    ([1.0, 4.5, 9.0], 1, 1)
    >>> lm.data["t_from_origin"].tolist()
    [4.0, 7.5, 12.0]
    """
    for col in (time, event):
        if col not in frame.columns:
            raise ValueError(f"landmark: the data have no column {col!r}")
    at_f = float(at)
    if not np.isfinite(at_f) or at_f < 0:
        raise ValueError(f"the landmark must be a non-negative number, got {at!r}")
    t = pd.to_numeric(frame[time], errors="coerce").astype(float)
    e_raw = frame[event]
    ok = t.notna() & e_raw.notna()
    if (t[ok] < 0).any():
        raise ValueError(f"landmark: negative times in {time!r}")
    e = e_raw.where(ok, 0).astype(float).astype(bool)
    before = ok & (t <= at_f)
    keep = ok & (t > at_f)
    out = frame.loc[keep].copy()
    out[f"{time}_from_origin"] = t[keep]
    out[time] = t[keep] - at_f
    return LandmarkResult(
        data=out,
        landmark=at_f,
        n_total=int(ok.sum()),
        n_event_before=int((before & e).sum()),
        n_censored_before=int((before & ~e).sum()),
        n_missing=int((~ok).sum()),
        conventions={"landmark": f"{at_f:g}", "landmark rule": _RULE},
    )


def accumulated_by(
    exposures: pd.DataFrame,
    by: str,
    time: str,
    at: float,
    value: str | None = None,
) -> pd.Series:
    """Status at the landmark from dated exposures: the sum (or count) given on or before ``at``.

    Parameters
    ----------
    exposures : pandas.DataFrame
        One row per exposure (a cycle, a dose), not modified.
    by : str
        Patient identifier column (the index of the result).
    time : str
        Time of each exposure from time zero (same unit as the landmark).
    at : float
        The landmark; exposures with ``time <= at`` count (given by the landmark).
    value : str, optional
        Column to sum (administered activity in GBq, ...); ``None`` counts the exposures.

    Returns
    -------
    pandas.Series
        Indexed by ``by`` (every patient with at least one exposure row, 0 when none by ``at``).

    Examples
    --------
    Cycles of 7.4 GBq on days 0, 56, 112 and 168 (patient A) and 0, 70 (patient B); landmark at
    day 112:

    >>> cy = pd.DataFrame({"id": ["A"] * 4 + ["B"] * 2, "day": [0, 56, 112, 168, 0, 70],
    ...                    "gbq": [7.4] * 6})
    >>> accumulated_by(cy, "id", "day", 112, "gbq").round(1).to_dict()
    {'A': 22.2, 'B': 14.8}
    >>> accumulated_by(cy, "id", "day", 112).to_dict()
    {'A': 3, 'B': 2}
    """
    cols = [by, time] + ([value] if value is not None else [])
    missing = [c for c in cols if c not in exposures.columns]
    if missing:
        raise ValueError(f"accumulated_by: the data have no column(s) {', '.join(missing)}")
    t = pd.to_numeric(exposures[time], errors="coerce").astype(float)
    given = t.le(float(at))
    if value is None:
        amount = given.astype(int)
    else:
        amount = pd.to_numeric(exposures[value], errors="coerce").astype(float).where(given, 0.0)
    return amount.groupby(exposures[by], sort=True).sum()
