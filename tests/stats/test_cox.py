"""Cox model against R survival 3.5.3 coxph (tests/reference/survival_reference.R / .Rout)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from prrt.stats.cox import MonotoneLikelihoodWarning, cox

REF = Path(__file__).parents[1] / "reference" / "data"

# coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung, ties = ...): coef, se, loglik, LR, Wald, score
R_MAIN = {
    "breslow": (
        [0.01104113635, -0.5518895698, 0.4629470406],
        [0.009266770114, 0.167742448, 0.1135740521],
        (-744.6928193, -729.4887052),
        (30.40822818, 29.83900084, 30.40640692),
    ),
    "efron": (
        [0.01106676456, -0.5526123957, 0.4637284754],
        [0.009267411014, 0.1677390538, 0.1135772662],
        (-744.4804558, -729.2301214),
        (30.50066877, 29.92925121, 30.4999227),
    ),
}
# coxph(Surv(time, status) ~ age + sex + strata(ph.ecog), data = lung, ties = ...)
R_STRATA = {
    "breslow": (
        [0.01076390399, -0.5527414169],
        [0.009250850518, 0.1708825659],
        (12.43076051, 11.87326467, 12.12942262),
    ),
    "efron": (
        [0.01077216112, -0.5535169258],
        [0.00925380366, 0.1708728132],
        (12.46501788, 11.90494614, 12.16267902),
    ),
}


@pytest.fixture(scope="module")
def lung() -> pd.DataFrame:
    d = pd.read_csv(REF / "lung.csv")
    d["dead"] = (d["status"] == 2).astype(int)
    return d


@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_cox_lung_matches_r(lung: pd.DataFrame, ties: str) -> None:
    coef, se, loglik, tests = R_MAIN[ties]
    fit = cox(lung, "time", "dead", ["age", "sex", "ph.ecog"], ties=ties)
    np.testing.assert_allclose(fit.table["coef"], coef, rtol=1e-6)
    np.testing.assert_allclose(fit.table["se"], se, rtol=1e-6)
    assert (fit.loglik_null, fit.loglik) == pytest.approx(loglik, rel=1e-9)
    assert fit.lr_test[0] == pytest.approx(tests[0], rel=1e-7)
    assert fit.wald_test[0] == pytest.approx(tests[1], rel=1e-6)
    assert fit.score_test[0] == pytest.approx(tests[2], rel=1e-7)
    assert (fit.n, fit.n_events) == (227, 164) and fit.converged
    assert fit.table.loc["sex", "hr"] == pytest.approx(np.exp(coef[1]), rel=1e-6)
    z = 1.959963984540054
    assert fit.table.loc["sex", "lower"] == pytest.approx(np.exp(coef[1] - z * se[1]), rel=1e-6)


@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_cox_stratified_matches_r(lung: pd.DataFrame, ties: str) -> None:
    coef, se, tests = R_STRATA[ties]
    fit = cox(lung, "time", "dead", ["age", "sex"], ties=ties, strata="ph.ecog")
    np.testing.assert_allclose(fit.table["coef"], coef, rtol=1e-6)
    np.testing.assert_allclose(fit.table["se"], se, rtol=1e-6)
    assert (fit.lr_test[0], fit.wald_test[0], fit.score_test[0]) == pytest.approx(tests, rel=1e-6)


def test_factor_with_reference_level_and_type3(lung: pd.DataFrame) -> None:
    # R: ecog <- relevel(factor(pmin(ph.ecog, 2)), ref = "1"); coxph(~ age + ecog, ties = "breslow")
    d = lung.assign(ecog=np.minimum(lung["ph.ecog"], 2))
    fit = cox(d, "time", "dead", ["age", "ecog"], categorical=["ecog"], reference={"ecog": 1})
    assert list(fit.table.index) == ["age", "ecog=0", "ecog=2"]
    np.testing.assert_allclose(
        fit.table["coef"], [0.01099665021, -0.3575420523, 0.5108120989], rtol=1e-6
    )
    np.testing.assert_allclose(
        fit.table["se"], [0.009379254887, 0.1988404903, 0.190986218], rtol=1e-6
    )
    assert fit.lr_test[0] == pytest.approx(18.66593548, rel=1e-7)
    assert fit.score_test[0] == pytest.approx(20.29125853, rel=1e-7)
    # joint Wald for the factor: t(b) solve(V) b over the ecog coefficients
    assert fit.type3.loc["ecog", "statistic"] == pytest.approx(14.75718447, rel=1e-6)
    assert fit.type3.loc["ecog", "df"] == 2
    assert fit.type3.loc["ecog", "p"] == pytest.approx(0.0006244793888, rel=1e-5)
    assert fit.levels["ecog"][0] == 1


def test_string_factor_aml_efron() -> None:
    # coxph(Surv(time, status) ~ x, data = aml) (Efron)
    aml = pd.read_csv(REF / "aml.csv")
    fit = cox(aml, "time", "status", ["x"], ties="efron")
    assert fit.table.index.tolist() == ["x=Nonmaintained"]
    assert fit.table["coef"].item() == pytest.approx(0.915532575, rel=1e-7)
    assert fit.table["se"].item() == pytest.approx(0.5119342752, rel=1e-7)
    assert fit.lr_test[0] == pytest.approx(3.384447333, rel=1e-7)
    assert fit.score_test[0] == pytest.approx(3.416734396, rel=1e-7)


def test_no_events_is_a_clear_error() -> None:
    d = pd.DataFrame({"t": [1, 2, 3], "e": [0, 0, 0], "x": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="no events"):
        cox(d, "t", "e", ["x"])


def test_monotone_likelihood_warns() -> None:
    # every event in group x=1, x=1 subjects leave first: the MLE of beta is +infinity
    d = pd.DataFrame(
        {
            "t": [1, 2, 3, 4, 5, 6, 7, 8],
            "e": [1, 1, 1, 0, 0, 0, 0, 0],
            "x": [1, 1, 1, 1, 0, 0, 0, 0],
        }
    )
    with pytest.warns(MonotoneLikelihoodWarning):
        fit = cox(d, "t", "e", ["x"])
    assert fit.monotone_likelihood


def test_complete_cases_and_to_frame(lung: pd.DataFrame) -> None:
    fit = cox(lung, "time", "dead", ["age", "wt.loss"])
    assert fit.n == lung[["age", "wt.loss"]].dropna().shape[0]
    frame = fit.to_frame()
    assert frame.columns[0] == "term" and "hr" in frame.columns
    assert fit.conventions["ties"] == "breslow"


def test_large_tied_data_fast_path_equals_general_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # n >= 10,000 with whole-day times uses hashing + a radix sort; the general lexsort path
    # (R-verified above) must give the same fit
    import prrt.stats._coxfit as coxfit

    rng = np.random.default_rng(5)
    n = 12_000
    d = pd.DataFrame({"a": rng.normal(size=n), "b": rng.integers(0, 2, n).astype(float)})
    d["t"] = np.ceil(rng.exponential(200, n) * np.exp(-0.3 * d["a"]))
    d["e"] = (rng.random(n) < 0.7).astype(int)
    d["s"] = rng.integers(0, 3, n)
    fast = {
        ties: cox(d, "t", "e", ["a", "b"], ties=ties, strata="s") for ties in ("breslow", "efron")
    }
    monkeypatch.setattr(coxfit, "distinct_index", lambda *a, **k: None)
    for ties, fit in fast.items():
        slow = cox(d, "t", "e", ["a", "b"], ties=ties, strata="s")
        np.testing.assert_allclose(fit.table.to_numpy(), slow.table.to_numpy(), rtol=1e-9)
        assert fit.loglik == pytest.approx(slow.loglik, rel=1e-12)
