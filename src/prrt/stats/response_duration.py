"""Kaplan–Meier summary of the duration of response (RECIST 1.1 §4.5).

The per-patient durations come from :func:`prrt.clinical.derive_response_outcomes`
(``dor_days``, ``dor_event``: from the first CR/PR to documented progression or death, otherwise
censored at the last evaluable assessment). Only responders have a duration; the estimate is
over responders, as trials report it.

Examples
--------
>>> fit = duration_of_response([184, 61, 120, None], [1, 0, 1, None], days_per_unit=1)
>>> fit.n, fit.n_events                 # the non-responder (no duration) is left out
(3, 2)
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from prrt.stats.km import KaplanMeierResult, kaplan_meier

__all__ = ["DAYS_PER_MONTH", "duration_of_response"]

DAYS_PER_MONTH = 30.4375
"""Days per month for display (``shared/spec/conventions.md``, units)."""


def duration_of_response(
    dor_days: Any,
    dor_event: Any,
    *,
    days_per_unit: float = DAYS_PER_MONTH,
    **km_options: Any,
) -> KaplanMeierResult:
    """Kaplan–Meier estimate of the duration of response among responders.

    Parameters
    ----------
    dor_days, dor_event : array-like
        Duration in days and event flag (progression or death) per patient; rows where either
        is missing (non-responders) are left out.
    days_per_unit : float
        Time unit of the result: months (30.4375 days, default) or 1 for days.
    **km_options
        Passed to :func:`prrt.stats.kaplan_meier` (``conf_type``, ``alpha``, ``median_rule``).

    Returns
    -------
    KaplanMeierResult
        With ``method`` naming the endpoint and ``conventions`` the population and time unit.

    References
    ----------
    Eisenhauer EA et al., Eur J Cancer 2009;45:228-247, §4.5 (duration of overall response).
    """
    t = pd.to_numeric(pd.Series(np.asarray(dor_days, dtype=object)), errors="coerce")
    e = pd.to_numeric(pd.Series(np.asarray(dor_event, dtype=object)), errors="coerce")
    keep = t.notna() & e.notna()
    fit = kaplan_meier(
        t[keep].to_numpy(dtype=float) / days_per_unit, e[keep].to_numpy(dtype=float), **km_options
    )
    unit = "days" if days_per_unit == 1 else f"units of {days_per_unit:g} days"
    if days_per_unit == DAYS_PER_MONTH:
        unit = "months"
    return dataclasses.replace(
        fit,
        method=f"Duration of response (RECIST 1.1 §4.5), {fit.method}",
        conventions={
            **fit.conventions,
            "population": "responders (CR or PR)",
            "time_unit": unit,
            "event": "documented progression or death; censored at the last evaluable assessment",
        },
    )
