"""Duration-of-response Kaplan–Meier summary against R survival (recipe and output:
tests/reference/recist_dor_km.R and .Rout; survfit(conf.type = "log-log"), quantile())."""

from __future__ import annotations

import numpy as np
import pytest

from prrt.stats import duration_of_response

DOR_DAYS = [184, 61, 120, 300, 90, 45, 210, 150, None, None]
DOR_EVENT = [1, 0, 1, 1, 0, 1, 0, 1, None, None]


def test_against_r_survfit():
    fit = duration_of_response(
        DOR_DAYS, DOR_EVENT, days_per_unit=1, conf_type="log-log", median_rule="r"
    )
    assert (fit.n, fit.n_events) == (8, 5)  # R: n 8, events 5 (non-responders left out)
    assert fit.median == pytest.approx(184.0, abs=1e-9)  # R: median 184
    assert fit.median_ci[0] == pytest.approx(45.0, abs=1e-9)  # R: 0.95LCL 45
    assert np.isnan(fit.median_ci[1])  # R: 0.95UCL NA
    tab = fit.table.set_index("time")
    # R summary(fit): survival and log-log limits at the event times
    assert tab.loc[45.0, "survival"] == pytest.approx(0.875, abs=1e-3)
    assert tab.loc[150.0, "survival"] == pytest.approx(0.525, abs=1e-3)
    assert tab.loc[150.0, "lower"] == pytest.approx(0.1221, abs=1e-3)
    assert tab.loc[150.0, "upper"] == pytest.approx(0.821, abs=1e-3)


def test_months_and_conventions():
    fit = duration_of_response(DOR_DAYS, DOR_EVENT)
    assert fit.median == pytest.approx(184 / 30.4375, abs=1e-9)
    assert fit.conventions["time_unit"] == "months"
    assert fit.conventions["population"].startswith("responders")
