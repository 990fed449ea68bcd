"""Cumulative incidence and Gray's test against R cmprsk 2.2-11 ``cuminc`` and survival 3.5.3
multi-state ``survfit`` (tests/reference/stats_competing_reference.R / .Rout)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from prrt.stats.competing import cumulative_incidence, gray_test

REF = Path(__file__).parents[1] / "reference" / "data"
TIES_T = [5, 5, 5, 5, 8, 9, 10, 12, 12, 15]
TIES_E = [1, 1, 2, 0, 1, 0, 2, 1, 0, 0]
TIES_G = [1, 2, 1, 2, 1, 2, 1, 2, 1, 2]


@pytest.fixture(scope="module")
def mgus2() -> pd.DataFrame:
    return pd.read_csv(REF / "mgus2.csv")


@pytest.fixture(scope="module")
def pbc() -> pd.DataFrame:
    return pd.read_csv(REF / "pbc.csv")


def _curve_vs_r(res, group, cause, file) -> None:  # type: ignore[no-untyped-def]
    want = pd.read_csv(REF / file)
    got = res.table.query("group == @group and cause == @cause and n_event > 0")
    np.testing.assert_allclose(got["time"], want["time"])
    np.testing.assert_allclose(got["estimate"], want["estimate"], atol=1e-8)
    np.testing.assert_allclose(got["variance"], want["variance"], rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(got["lower"], want["lower"], rtol=1e-6)
    np.testing.assert_allclose(got["upper"], want["upper"], rtol=1e-6)


@pytest.mark.parametrize(("group", "cause"), [("F", 1), ("M", 1), ("F", 2), ("M", 2)])
def test_cuminc_mgus2_by_sex_curves(mgus2: pd.DataFrame, group: str, cause: int) -> None:
    res = cumulative_incidence(mgus2["etime"], mgus2["event"], mgus2["sex"])
    _curve_vs_r(res, group, cause, f"cuminc_mgus2_{group}_{cause}.csv")


@pytest.mark.parametrize(("group", "cause"), [(1, 1), (2, 1), (1, 2), (2, 2)])
def test_cuminc_pbc_by_trt_curves(pbc: pd.DataFrame, group: int, cause: int) -> None:
    res = cumulative_incidence(pbc["time"], pbc["status"], pbc["trt"])
    _curve_vs_r(res, group, cause, f"cuminc_pbc_{group}_{cause}.csv")


def test_aalen_johansen_equals_survfit_multistate(mgus2: pd.DataFrame) -> None:
    # summary(survfit(Surv(etime, factor(event)) ~ 1), times = c(60, 120, 240))$pstate
    res = cumulative_incidence(mgus2["etime"], mgus2["event"])
    at = res.at([60, 120, 240])
    np.testing.assert_allclose(
        at.query("cause == 1")["estimate"], [0.03410371297, 0.06372216801, 0.09981371594], atol=1e-9
    )
    np.testing.assert_allclose(
        at.query("cause == 2")["estimate"], [0.3203670103, 0.5318177041, 0.7240279761], atol=1e-9
    )
    # timepoints(cuminc(etime, event), c(60, 120, 240))$var
    np.testing.assert_allclose(
        at.query("cause == 1")["se"] ** 2,
        [2.392021284e-05, 4.623250461e-05, 9.615988462e-05],
        rtol=1e-6,
    )
    _curve_vs_r(res, 0.0, 1, "cuminc_mgus2_all_1.csv")
    _curve_vs_r(res, 0.0, 2, "cuminc_mgus2_all_2.csv")


R_GRAY = {
    "mgus2-sex": ("mgus2", "sex", None, 0.0, [1.194507825, 11.651259012], 1),
    "mgus2-sex-rho1": ("mgus2", "sex", None, 1.0, [1.229358834, 13.930509715], 1),
    "mgus2-sex-strata-age70": ("mgus2", "sex", "age70", 0.0, [1.737305399, 23.471984502], 1),
    "pbc-trt": ("pbc", "trt", None, 0.0, [0.01942747553, 0.06659373536], 1),
    "pbc-stage-4-groups": ("pbc", "stage", None, 0.0, [1.972687127, 46.997780244], 3),
}


@pytest.mark.parametrize("name", list(R_GRAY))
def test_gray_test_matches_r(name: str, mgus2: pd.DataFrame, pbc: pd.DataFrame) -> None:
    data, grp, strata, rho, stats, df = R_GRAY[name]
    d = (mgus2 if data == "mgus2" else pbc).assign(age70=lambda x: x["age"] >= 70)
    if data == "mgus2":
        t, e = d["etime"], d["event"]
    else:
        t, e = d["time"], d["status"]
    res = cumulative_incidence(t, e, d[grp], rho=rho, strata=None if strata is None else d[strata])
    assert res.tests is not None
    np.testing.assert_allclose(res.tests["statistic"], stats, rtol=1e-6)
    assert res.tests["df"].tolist() == [df, df]


def test_edge_ties_at_a_single_time() -> None:
    # four subjects at t = 5 (two cause 1, one cause 2, one censored); cuminc(tt, ee, gg)
    res = cumulative_incidence(TIES_T, TIES_E, TIES_G)
    at = res.at([5, 8, 12]).set_index(["group", "cause", "time"])
    np.testing.assert_allclose(at.loc[(1, 1), "estimate"], [0.2, 0.4, 0.4], atol=1e-12)
    np.testing.assert_allclose(at.loc[(2, 1), "estimate"], [0.2, 0.2, 0.6], atol=1e-12)
    np.testing.assert_allclose(
        at.loc[(1, 1), "se"] ** 2, [0.04, 0.06222222222, 0.06222222222], rtol=1e-8
    )
    np.testing.assert_allclose(at.loc[(2, 1), "se"] ** 2, [0.04, 0.04, 0.17], rtol=1e-8)
    assert res.tests is not None
    np.testing.assert_allclose(res.tests["statistic"], [0.03132775218, 1.63700886171], rtol=1e-6)
    # shuffling rows changes nothing (no jitter, deterministic ties)
    perm = np.random.default_rng(3).permutation(len(TIES_T))
    res2 = cumulative_incidence(
        np.array(TIES_T)[perm], np.array(TIES_E)[perm], np.array(TIES_G)[perm]
    )
    pd.testing.assert_frame_equal(res.table, res2.table)


def test_edge_empty_cause_in_one_group() -> None:
    # no cause-2 event in group 2: its curve stays at 0 with variance 0 (R cuminc)
    e2 = [1, 1, 2, 0, 2, 0, 2, 1, 2, 0]
    res = cumulative_incidence(TIES_T, e2, TIES_G)
    at = res.at([5, 8, 12]).set_index(["group", "cause", "time"])
    np.testing.assert_allclose(at.loc[(2, 2), "estimate"], [0.0, 0.0, 0.0])
    np.testing.assert_allclose(at.loc[(2, 2), "se"], [0.0, 0.0, 0.0])
    assert at.loc[(2, 2), "lower"].isna().all()
    np.testing.assert_allclose(at.loc[(1, 2), "estimate"], [0.2, 0.4, 0.8], atol=1e-12)
    np.testing.assert_allclose(at.loc[(1, 2), "se"] ** 2, [0.04, 0.06222222222, 0.08], rtol=1e-8)
    stat, df, p = gray_test(TIES_T, e2, TIES_G, cause=2)
    assert stat == pytest.approx(4.3692782970, rel=1e-6) and df == 1
    assert p == pytest.approx(0.03659248689, rel=1e-5)
    assert gray_test(TIES_T, e2, TIES_G, cause=1)[0] == pytest.approx(0.6192397537, rel=1e-6)


def test_plain_ci_and_validation() -> None:
    res = cumulative_incidence(TIES_T, TIES_E, conf_type="plain")
    row = res.at([8]).query("cause == 1").iloc[0]
    assert row["lower"] == pytest.approx(max(0.0, row["estimate"] - 1.959964 * row["se"]), rel=1e-6)
    with pytest.raises(ValueError, match="conf_type"):
        cumulative_incidence(TIES_T, TIES_E, conf_type="log")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="two groups"):
        gray_test(TIES_T, TIES_E, [1] * 10)
