"""RMST difference and ratio against R survival 3.5.3 print(survfit, rmean = tau) per group
(tests/reference/stats_more_reference.R / .Rout); the contrast follows survRM2's formulas."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from prrt.stats.rmst import rmst_difference

REF = Path(__file__).parents[1] / "reference" / "data"
Z = 1.959963984540054

R_RMST = {
    ("lung", 365): ((241.495085192, 10.3582264911), (297.465409532, 10.7913239788)),
    ("lung", 730): ((311.117765899, 19.3017187936), (434.705208027, 27.2475953219)),
    ("aml", 40): ((28.8977272727, 3.46757767889), (21.9305555556, 3.83564116318)),
    ("aml", 45): ((30.7386363636, 4.11408624001), (22.7083333333, 4.18094198103)),
}


def _data(name: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    if name == "lung":
        d = pd.read_csv(REF / "lung.csv")
        return d["time"], (d["status"] == 2).astype(int), d["sex"]
    d = pd.read_csv(REF / "aml.csv")
    return d["time"], d["status"], d["x"]


@pytest.mark.parametrize("key", list(R_RMST), ids=lambda k: f"{k[0]}-tau{k[1]}")
def test_rmst_difference_and_ratio(key: tuple[str, int]) -> None:
    (m0, s0), (m1, s1) = R_RMST[key]
    t, e, g = _data(key[0])
    r = rmst_difference(t, e, g, tau=key[1])
    np.testing.assert_allclose(r.table["rmst"], [m0, m1], rtol=1e-9)
    np.testing.assert_allclose(r.table["se"], [s0, s1], rtol=1e-8)
    se_d = np.hypot(s0, s1)
    assert r.estimate == pytest.approx(m1 - m0, rel=1e-9)
    assert r.ci == pytest.approx((m1 - m0 - Z * se_d, m1 - m0 + Z * se_d), rel=1e-8)
    se_r = np.hypot(s0 / m0, s1 / m1)
    assert r.ratio == pytest.approx(m1 / m0, rel=1e-9)
    assert r.ratio_ci == pytest.approx(
        (m1 / m0 * np.exp(-Z * se_r), m1 / m0 * np.exp(Z * se_r)), rel=1e-8
    )
    assert list(r.to_frame()["measure"]) == ["difference", "ratio"]


def test_edge_tau_at_the_last_follow_up_of_a_group() -> None:
    # aml: the Nonmaintained group ends at 45 (a censored time); tau = 45 is allowed, 46 is not
    t, e, g = _data("aml")
    assert rmst_difference(t, e, g, tau=45).tau == 45
    with pytest.raises(ValueError, match="exceeds the largest follow-up"):
        rmst_difference(t, e, g, tau=46)


def test_edge_reference_and_group_count() -> None:
    t, e, g = _data("aml")
    r = rmst_difference(t, e, g, tau=40, reference="Nonmaintained")
    assert r.reference == "Nonmaintained" and r.estimate == pytest.approx(
        28.8977272727 - 21.9305555556, rel=1e-9
    )
    with pytest.raises(ValueError, match="exactly two groups"):
        rmst_difference([1, 2, 3], [1, 0, 1], ["a", "b", "c"], tau=2)
