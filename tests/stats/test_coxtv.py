"""Counting-process Cox (delayed entry, time-varying covariates, weights, cluster-robust SE)
against R survival 3.5.3 coxph (tests/reference/stats_coxtv_reference.R / .Rout)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from prrt.stats.coxtv import cox_counting

REF = Path(__file__).parents[1] / "reference" / "data"
HEART = ["age", "surgery", "transplant"]
CGD = ["treat", "sex", "age", "inherit", "steroids"]


@pytest.fixture(scope="module")
def heart() -> pd.DataFrame:
    return pd.read_csv(REF / "heart.csv")


@pytest.fixture(scope="module")
def cgd() -> pd.DataFrame:
    return pd.read_csv(REF / "cgd.csv")


@pytest.fixture(scope="module")
def lung() -> pd.DataFrame:
    d = pd.read_csv(REF / "lung.csv").assign(dead=lambda x: (x["status"] == 2).astype(int))
    return d.assign(w=np.where(d["age"] >= 65, 2.0, 1.0) + (d["sex"] == 2) * 0.5)


def _check(fit, coef, se, se_model=None) -> None:  # type: ignore[no-untyped-def]
    np.testing.assert_allclose(fit.table["coef"], coef, atol=1e-4, rtol=1e-4)
    np.testing.assert_allclose(fit.table["se"], se, rtol=1e-3)
    if se_model is not None:
        np.testing.assert_allclose(fit.table["se_model"], se_model, rtol=1e-3)


# coxph(Surv(start, stop, event) ~ age + surgery + transplant, heart): coef, se, loglik, LR, score, Wald
R_HEART = {
    "breslow": ([0.03053221055, -0.7716099958, 0.01441961661],
                [0.01389812973, 0.3596750676, 0.3085158061],
                (-298.3256067, -292.9839548), (10.68330378, 9.969068821, 9.646039265)),
    "efron": ([0.03053631491, -0.7733276453, 0.0160956053],
              [0.01389278663, 0.3596679881, 0.3085858042],
              (-298.1213557, -292.7620255), (10.71866028, 10.00228214, 9.676795515)),
}  # fmt: skip
# ... + cluster(id): robust se, robust Wald
R_HEART_CL = {
    "breslow": ([0.01430693787, 0.3326482066, 0.3080432099], 10.81152945),
    "efron": ([0.0143280673, 0.3332410723, 0.3093096926], 10.80353421),
}


@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_heart_time_varying_transplant(heart: pd.DataFrame, ties: str) -> None:
    coef, se, (ll0, ll), (lr, score, wald) = R_HEART[ties]
    fit = cox_counting(heart, "stop", "event", HEART, start="start", ties=ties)  # type: ignore[arg-type]
    _check(fit, coef, se)
    assert (fit.loglik_null, fit.loglik) == pytest.approx((ll0, ll), rel=1e-7)
    assert fit.lr_test[0] == pytest.approx(lr, rel=1e-5)
    assert fit.score_test[0] == pytest.approx(score, rel=1e-5)
    assert fit.wald_test[0] == pytest.approx(wald, rel=1e-5)
    assert (fit.n_rows, fit.n_events, fit.robust) == (172, 75, False)
    rse, rwald = R_HEART_CL[ties]
    cl = cox_counting(heart, "stop", "event", HEART, start="start", ties=ties, cluster="id")  # type: ignore[arg-type]
    _check(cl, coef, rse, se)
    assert cl.wald_test[0] == pytest.approx(rwald, rel=1e-4)
    assert cl.robust and cl.n_clusters == 103


R_CGD = {
    "breslow": ([-1.096924026, -0.680885129, -0.03936483558, 0.6446022019, 1.404892487],
                [0.3147151452, 0.4622699728, 0.01487302365, 0.3981184431, 0.6904108705],
                [0.2638689328, 0.3902105522, 0.01384258319, 0.2764986399, 0.5567162201]),
    "efron": ([-1.09535177, -0.6765830336, -0.03941271036, 0.6428057471, 1.40356166],
              [0.3155469997, 0.4652680488, 0.01490437362, 0.3984992507, 0.6918045213],
              [0.2638111596, 0.3903600467, 0.01384756446, 0.276527794, 0.5565858334]),
}  # fmt: skip


@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_cgd_recurrent_events_andersen_gill(cgd: pd.DataFrame, ties: str) -> None:
    fit = cox_counting(cgd, "tstop", "status", CGD, start="tstart", ties=ties, cluster="id")  # type: ignore[arg-type]
    _check(fit, *R_CGD[ties])


def test_cgd_stratified_efron_cluster(cgd: pd.DataFrame) -> None:
    fit = cox_counting(
        cgd, "tstop", "status", ["treat", "age", "steroids"], start="tstart", ties="efron",
        cluster="id", strata="hos.cat",
    )  # fmt: skip
    _check(fit, [-1.140932451, -0.03045497975, 1.195925395],
           [0.3145514891, 0.01539620959, 0.6648019952], [0.2654526079, 0.01446895941, 0.5706688547])  # fmt: skip
    assert fit.wald_test[0] == pytest.approx(17.15140164, rel=1e-4)


def test_case_weights(lung: pd.DataFrame) -> None:
    # coxph(..., weights = w): model-based and robust variance
    fit = cox_counting(lung, "time", "dead", ["age", "sex", "ph.ecog"], weights="w")
    _check(fit, [0.01163381452, -0.6066098655, 0.383916885],
           [0.007610778628, 0.1268074054, 0.08886910569])  # fmt: skip
    assert fit.loglik == pytest.approx(-1332.439948, rel=1e-7)
    rob = cox_counting(
        lung, "time", "dead", ["age", "sex", "ph.ecog"], weights="w", ties="efron", robust=True
    )
    _check(rob, [0.0116758709, -0.607539217, 0.3848073325],
           [0.01010819207, 0.1776292672, 0.1309787068], [0.00761127532, 0.1268030202, 0.08887623831])  # fmt: skip


def test_edge_clusters_of_size_one(lung: pd.DataFrame) -> None:
    # robust = TRUE without cluster(): every row its own cluster
    fit = cox_counting(lung, "time", "dead", ["age", "sex", "ph.ecog"], robust=True)
    _check(fit, [0.01104113635, -0.5518895698, 0.4629470406],
           [0.009861406193, 0.1644835494, 0.1239634528], [0.009266770114, 0.167742448, 0.1135740521])  # fmt: skip
    by_id = cox_counting(lung.assign(row=np.arange(len(lung))), "time", "dead",
                         ["age", "sex", "ph.ecog"], cluster="row")  # fmt: skip
    np.testing.assert_allclose(by_id.table["se"], fit.table["se"], rtol=1e-12)
    inst = cox_counting(lung, "time", "dead", ["age", "sex"], cluster="inst")
    _check(inst, [0.01700004507, -0.5109965871], [0.007304807664, 0.1279591626])


def test_edge_stratum_without_events_with_delayed_entry(heart: pd.DataFrame) -> None:
    h2 = heart.assign(grp=np.where(heart["id"] % 5 == 0, "none", "rest"))
    h2.loc[h2["grp"] == "none", "event"] = 0
    fit = cox_counting(h2, "stop", "event", ["age", "transplant"], start="start", strata="grp")
    _check(fit, [0.0337093174, -0.2753989987], [0.01610383262, 0.3509567534])
    assert fit.n_events == 59


def test_row_order_does_not_matter_and_validation(heart: pd.DataFrame) -> None:
    a = cox_counting(heart, "stop", "event", HEART, start="start", ties="efron", cluster="id")
    b = cox_counting(heart.sample(frac=1.0, random_state=5), "stop", "event", HEART,
                     start="start", ties="efron", cluster="id")  # fmt: skip
    np.testing.assert_allclose(a.table.to_numpy(), b.table.to_numpy(), rtol=1e-10)
    with pytest.raises(ValueError, match="start < stop"):
        cox_counting(heart.assign(start=heart["stop"]), "stop", "event", HEART, start="start")
    with pytest.raises(ValueError, match="weights"):
        cox_counting(heart.assign(w=-1.0), "stop", "event", HEART, weights="w")


def test_case_weights_second_dataset_heart(heart: pd.DataFrame) -> None:
    # coxph(Surv(start, stop, event) ~ age + transplant, weights = w) with and without cluster(id)
    h = heart.assign(w=1.0 + heart["surgery"] + 0.5 * (heart["age"] > 0))
    fit = cox_counting(h, "stop", "event", ["age", "transplant"], start="start", weights="w")
    _check(fit, [0.03796666833, -0.003028110895], [0.01410457749, 0.2825741354])
    assert (fit.loglik_null, fit.loglik) == pytest.approx((-444.9891351, -440.7621427), rel=1e-8)
    cl = cox_counting(h, "stop", "event", ["age", "transplant"], start="start", weights="w",
                      ties="efron", cluster="id")  # fmt: skip
    _check(cl, [0.03796783501, -0.002219037548], [0.0169584977, 0.3296153699],
           [0.014098885, 0.2826177666])  # fmt: skip
    assert cl.wald_test[0] == pytest.approx(5.051192088, rel=1e-4)
