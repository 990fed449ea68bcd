"""Linear mixed models against R nlme::lme (tests/reference/stats_mixed_reference.R / .Rout)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from prrt.stats.mixed import mixed_model

REF = Path(__file__).parents[1] / "reference" / "data"


@pytest.fixture(scope="module")
def ort() -> pd.DataFrame:
    return pd.read_csv(REF / "orthodont.csv")


@pytest.fixture(scope="module")
def sleep() -> pd.DataFrame:
    return pd.read_csv(REF / "sleepstudy.csv")


def test_orthodont_random_intercept_reml_and_ml(ort: pd.DataFrame) -> None:
    fit = mixed_model(ort, "distance", ["age", "male"], "Subject")
    np.testing.assert_allclose(
        fit.table["coef"], [15.3856902357, 0.660185185185, 2.32102272727], rtol=1e-4
    )
    np.testing.assert_allclose(
        fit.table["se"], [0.895984845912, 0.0616059162953, 0.761416848739], rtol=1e-3
    )
    assert fit.loglik == pytest.approx(-218.756253914, rel=1e-6)
    assert fit.random_cov.iloc[0, 0] == pytest.approx(3.26678372462, rel=1e-3)
    assert fit.residual_variance == pytest.approx(2.04945601820, rel=1e-3)
    ml = mixed_model(ort, "distance", ["age", "male"], "Subject", reml=False)
    np.testing.assert_allclose(
        ml.table["se"], [0.878447797039, 0.0612244518479, 0.732673704213], rtol=1e-3
    )
    assert ml.loglik == pytest.approx(-217.428242547, rel=1e-6)
    assert ml.random_cov.iloc[0, 0] == pytest.approx(2.99317233638, rel=1e-3)


def test_sleepstudy_random_slope_unstructured(sleep: pd.DataFrame) -> None:
    fit = mixed_model(sleep, "Reaction", ["Days"], "Subject", random_slope="Days")
    np.testing.assert_allclose(fit.table["coef"], [251.405104848, 10.4672859596], rtol=1e-4)
    np.testing.assert_allclose(fit.table["se"], [6.82451602451, 1.54578275018], rtol=1e-3)
    assert fit.loglik == pytest.approx(-871.814135981, rel=1e-6)
    np.testing.assert_allclose(
        fit.random_cov.to_numpy(),
        [[612.07951112963, 9.60603602633], [9.60603602633, 35.07130179308]],
        rtol=1e-3,
    )
    assert fit.residual_variance == pytest.approx(654.9424035279, rel=1e-3)
    ri = mixed_model(sleep, "Reaction", ["Days"], "Subject")
    np.testing.assert_allclose(ri.table["se"], [9.74671625421, 0.804221429099], rtol=1e-3)
    assert ri.random_cov.iloc[0, 0] == pytest.approx(1378.178508418, rel=1e-3)


def test_edge_group_with_a_single_observation(ort: pd.DataFrame) -> None:
    o2 = ort[~((ort["Subject"] == "M01") & (ort["age"] > 8))]
    fit = mixed_model(o2, "distance", ["age", "male"], "Subject")
    np.testing.assert_allclose(
        fit.table["coef"], [15.5831742447, 0.642232093461, 2.27676450416], rtol=1e-4
    )
    np.testing.assert_allclose(
        fit.table["se"], [0.899525420845, 0.0626131782585, 0.754536570374], rtol=1e-3
    )
    assert fit.n_obs == 105 and fit.n_groups == 27


def test_edge_missing_values_dropped(ort: pd.DataFrame) -> None:
    d = ort.copy()
    d.loc[[0, 5], "distance"] = np.nan
    fit = mixed_model(d, "distance", ["age", "male"], "Subject")
    assert fit.n_obs == len(ort) - 2
    assert fit.conventions["complete_cases"] == f"{len(ort) - 2} of {len(ort)} rows"
