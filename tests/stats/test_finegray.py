"""Fine–Gray regression against R cmprsk 2.2-11 ``crr`` and cause-specific Cox against survival
3.5.3 ``coxph`` (tests/reference/stats_competing_reference.R / .Rout)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from prrt.stats.finegray import cause_specific_cox, fine_gray

REF = Path(__file__).parents[1] / "reference" / "data"


@pytest.fixture(scope="module")
def mgus2() -> pd.DataFrame:
    m = pd.read_csv(REF / "mgus2.csv").assign(male=lambda d: (d["sex"] == "M").astype(int))
    return m.dropna(subset=["age", "hgb"])


@pytest.fixture(scope="module")
def pbc() -> pd.DataFrame:
    return pd.read_csv(REF / "pbc.csv").assign(lbili=lambda d: np.log(d["bili"]))


# crr(ftime, fstatus, cov1, failcode, cencode = 0): coef, se, loglik, loglik.null
R_CRR = {
    "mgus2-pcm": (
        1,
        [-0.01761509662, -0.2416499999, -0.009545902366],
        [0.005817309285, 0.1881681327, 0.04494692901],
        (-782.1950864, -785.7803684),
    ),
    "mgus2-death": (
        2,
        [0.05201350442, 0.4813325482, -0.1202576755],
        [0.00385812086, 0.06999620811, 0.02173970074],
        (-5479.485345, -5661.154172),
    ),
}


@pytest.mark.parametrize("name", list(R_CRR))
def test_fine_gray_mgus2_matches_crr(mgus2: pd.DataFrame, name: str) -> None:
    cause, coef, se, (ll, ll0) = R_CRR[name]
    fit = fine_gray(mgus2, "etime", "event", ["age", "male", "hgb"], cause=cause)
    np.testing.assert_allclose(fit.table["coef"], coef, atol=1e-4, rtol=1e-4)
    np.testing.assert_allclose(fit.table["se"], se, rtol=1e-3)
    assert fit.loglik == pytest.approx(ll, rel=1e-6)
    assert fit.loglik_null == pytest.approx(ll0, rel=1e-6)
    assert fit.n == 1371 and fit.converged


def test_fine_gray_pbc_death_matches_crr(pbc: pd.DataFrame) -> None:
    fit = fine_gray(pbc, "time", "status", ["age", "lbili", "trt"], cause=2)
    np.testing.assert_allclose(
        fit.table["coef"], [0.04607955601, 1.017742842, 0.1283814973], atol=1e-4
    )
    np.testing.assert_allclose(
        fit.table["se"], [0.009962031447, 0.09642095587, 0.187456855], rtol=1e-3
    )
    assert fit.loglik == pytest.approx(-573.1244912, rel=1e-6)
    assert fit.to_frame().columns.tolist()[:4] == ["term", "coef", "se", "shr"]


def test_fine_gray_edge_ties_at_a_single_time_and_row_order() -> None:
    # crr(tt, ee, cbind(g), failcode = 1): 4 subjects at t = 5 (two cause 1, one cause 2, one censored)
    df = pd.DataFrame(
        {
            "t": [5, 5, 5, 5, 8, 9, 10, 12, 12, 15],
            "e": [1, 1, 2, 0, 1, 0, 2, 1, 0, 0],
            "g": [0, 1, 0, 1, 0, 1, 0, 1, 0, 1],
        }
    )
    for seed in (0, 1):
        fit = fine_gray(df.sample(frac=1.0, random_state=seed), "t", "e", ["g"], cause=1)
        assert fit.table.loc["g", "coef"] == pytest.approx(0.142453193, abs=1e-4)
        assert fit.table.loc["g", "se"] == pytest.approx(0.8858737777, rel=1e-3)
        assert fit.loglik == pytest.approx(-8.078414268, rel=1e-6)


def test_fine_gray_edge_no_event_of_the_cause() -> None:
    df = pd.DataFrame({"t": [1.0, 2.0, 3.0], "e": [2, 0, 2], "x": [0.0, 1.0, 2.0]})
    with pytest.raises(ValueError, match="no events of cause 1"):
        fine_gray(df, "t", "e", ["x"])


R_CS = {
    "mgus2-pcm": (1, [0.009954483277, 0.1225025145, -0.128431382],
                  [0.008261407747, 0.197104885, 0.05205043449], 114),
    "mgus2-death": (2, [0.05758396269, 0.5168086552, -0.1465604541],
                    [0.003621927858, 0.07149984599, 0.01831702257], 855),
}  # fmt: skip


@pytest.mark.parametrize("name", list(R_CS))
def test_cause_specific_cox_matches_coxph(mgus2: pd.DataFrame, name: str) -> None:
    # coxph(Surv(etime, event == k) ~ age + male + hgb, ties = "breslow")
    cause, coef, se, nevent = R_CS[name]
    fit = cause_specific_cox(mgus2, "etime", "event", ["age", "male", "hgb"], cause=cause)
    np.testing.assert_allclose(fit.table["coef"], coef, atol=1e-4)
    np.testing.assert_allclose(fit.table["se"], se, rtol=1e-3)
    assert fit.n_events == nevent
    assert fit.method.startswith("cause-specific")


def test_cause_specific_cox_pbc_death(pbc: pd.DataFrame) -> None:
    fit = cause_specific_cox(pbc, "time", "status", ["age", "lbili", "trt"], cause=2)
    np.testing.assert_allclose(
        fit.table["coef"], [0.03976851645, 1.075386412, 0.1135619648], atol=1e-4
    )
    np.testing.assert_allclose(
        fit.table["se"], [0.00849843191, 0.09168956726, 0.1864508218], rtol=1e-3
    )
