"""Cox with aliased terms (issue 12, defect 1) against R survival 3.5.3 coxph
(tests/reference/stats_defects_reference.R / .Rout): a covariate constant within every
stratum or collinear with other columns gets NA, and the global tests use df = rank."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from prrt.stats.cox import AliasedTermWarning, cox
from prrt.stats.ph import ph_test

REF = Path(__file__).parents[1] / "reference" / "data"


@pytest.fixture(scope="module")
def lung() -> pd.DataFrame:
    return pd.read_csv(REF / "lung.csv").assign(dead=lambda d: (d["status"] == 2).astype(int))


@pytest.fixture(scope="module")
def pbc() -> pd.DataFrame:
    return pd.read_csv(REF / "pbc.csv").assign(
        dead=lambda d: (d["status"] == 2).astype(int),
        lbili=lambda d: np.log(d["bili"]),
        edema_any=lambda d: (d["edema"] > 0).astype(int),
    )


def _check(fit, coef, se, lr, wald, score, df) -> None:  # type: ignore[no-untyped-def]
    np.testing.assert_allclose(fit.table["coef"], coef, atol=1e-4, equal_nan=True)
    np.testing.assert_allclose(fit.table["se"], se, rtol=1e-3, equal_nan=True)
    assert fit.lr_test[0] == pytest.approx(lr, rel=1e-4)
    assert fit.wald_test[0] == pytest.approx(wald, rel=1e-4)
    assert fit.score_test[0] == pytest.approx(score, rel=1e-4)
    assert fit.lr_test[1] == fit.wald_test[1] == fit.score_test[1] == df


def test_constant_within_strata_lung_breslow(lung: pd.DataFrame) -> None:
    # coxph(Surv(time, dead) ~ age + ecog_high + sex + strata(ph.ecog), ties = "breslow")
    d = lung.assign(ecog_high=(lung["ph.ecog"] >= 2).astype(float).where(lung["ph.ecog"].notna()))
    with pytest.warns(AliasedTermWarning, match="ecog_high"):
        fit = cox(d, "time", "dead", ["age", "ecog_high", "sex"], strata="ph.ecog")
    assert fit.aliased == ["ecog_high"]
    _check(fit, [0.01076390399, np.nan, -0.5527414169], [0.009250850518, np.nan, 0.1708825659],
           12.43076051, 11.87326467, 12.12942262, 2)  # fmt: skip
    assert fit.lr_test[2] == pytest.approx(0.001998456286, rel=1e-3)
    assert fit.type3.loc["ecog_high", "df"] == 0
    assert np.isnan(fit.vcov.loc["ecog_high", "age"])


def test_constant_within_strata_pbc_efron(pbc: pd.DataFrame) -> None:
    # coxph(Surv(time, dead) ~ age + log(bili) + edema_any + strata(edema), ties = "efron")
    with pytest.warns(AliasedTermWarning):
        fit = cox(pbc, "time", "dead", ["age", "lbili", "edema_any"], strata="edema", ties="efron")
    _check(fit, [0.03913389151, 0.9498835915, np.nan], [0.008705202265, 0.09674358971, np.nan],
           109.549116, 114.9992507, 119.0369543, 2)  # fmt: skip
    assert fit.n == 312 and fit.n_events == 125
    # the PH test runs on the estimable terms only
    assert ph_test(fit).table.index.tolist() == ["age", "lbili", "GLOBAL"]


def test_collinear_column_is_aliased(lung: pd.DataFrame) -> None:
    # coxph(Surv(time, dead) ~ age + sex + age2, age2 = 2 * age + 1): age2 NA
    with pytest.warns(AliasedTermWarning, match="age2"):
        fit = cox(lung.assign(age2=2 * lung["age"] + 1), "time", "dead", ["age", "sex", "age2"])
    _check(fit, [0.0170128892, -0.5125647915, np.nan], [0.009221953685, 0.1674620631, np.nan],
           14.08472939, 13.43743751, 13.68529938, 2)  # fmt: skip


def test_constant_column_is_aliased(lung: pd.DataFrame) -> None:
    # edge case: coxph(Surv(time, dead) ~ age + k, k = 1): k NA, df 1
    with pytest.warns(AliasedTermWarning):
        fit = cox(lung.assign(k=1.0), "time", "dead", ["age", "k"])
    _check(fit, [0.01869138458, np.nan], [0.009198035803, np.nan], 4.228721566, 4.129455164,
           4.142119634, 1)  # fmt: skip


def test_only_constant_covariates_is_an_error(lung: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="constant covariate"):
        cox(lung.assign(k=1.0), "time", "dead", ["k"])


def test_stratum_without_events(lung: pd.DataFrame) -> None:
    # edge case: stratum "none" (ph.ecog = 3) has no events; it contributes nothing
    d = lung.dropna(subset=["ph.ecog"]).copy()
    d["grp"] = np.where(d["ph.ecog"] == 3, "none", np.where(d["ph.ecog"] >= 2, "hi", "lo"))
    d.loc[d["grp"] == "none", "dead"] = 0
    fit = cox(d, "time", "dead", ["age", "sex"], strata="grp")
    assert fit.aliased == []
    _check(fit, [0.01198140172, -0.5297209557], [0.009366173846, 0.168549078], 12.07413428,
           11.54398224, 11.78938971, 2)  # fmt: skip
