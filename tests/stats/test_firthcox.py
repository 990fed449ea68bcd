"""Firth-penalised Cox against an independent R computation of Heinze & Schemper's penalised
likelihood with survival 3.5.3 (coxph at fixed beta) + optim/uniroot
(tests/reference/stats_firthcox_reference.R / .Rout); coxphf itself is not installed."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from prrt.stats.firthcox import firth_cox

REF = Path(__file__).parents[1] / "reference" / "data"


def _check(fit, rows, lp) -> None:  # type: ignore[no-untyped-def]
    coef, se, lower, upper, chisq, p = (np.array(c) for c in zip(*rows, strict=True))
    np.testing.assert_allclose(fit.table["coef"], coef, atol=1e-4, rtol=1e-4)
    np.testing.assert_allclose(fit.table["se"], se, rtol=1e-3)
    np.testing.assert_allclose(fit.table["lower"], lower, rtol=1e-3)
    np.testing.assert_allclose(fit.table["upper"], upper, rtol=1e-3)
    np.testing.assert_allclose(fit.table["chisq"], chisq, rtol=1e-3)
    np.testing.assert_allclose(fit.table["p"], p, rtol=1e-3)
    assert fit.penalized_loglik == pytest.approx(lp, rel=1e-7)


@pytest.fixture(scope="module")
def aml() -> pd.DataFrame:
    a = pd.read_csv(REF / "aml.csv")
    return a.assign(
        maint=(a["x"] == "Maintained").astype(int),
        late=((a["status"] == 0) & (a["time"] > 30)).astype(int),
    )


def test_edge_monotone_likelihood_gets_finite_estimates(aml: pd.DataFrame) -> None:
    # 'late' has no events: ordinary Cox diverges, Firth gives finite coef and profile CI
    fit = firth_cox(aml, "time", "status", ["maint", "late"])
    _check(
        fit,
        [(-0.4290498212, 0.5105596461, 0.2331634977, 1.669484024, 0.7828187408, 0.3762804526),
         (-2.293006282, 1.554462662, 0.0007709658765, 0.8641969158, 4.53498867, 0.03320867666)],
        -38.07809999,
    )  # fmt: skip
    assert fit.converged


def test_single_binary_covariate(aml: pd.DataFrame) -> None:
    fit = firth_cox(aml, "time", "status", ["maint"])
    _check(fit, [(-0.8687879324, 0.5097211001, 0.1491462377, 1.081185806, 3.228844822,
                  0.0723517082)], -40.57862299)  # fmt: skip


def test_lung_without_separation() -> None:
    lung = pd.read_csv(REF / "lung.csv").assign(dead=lambda d: (d["status"] == 2).astype(int))
    fit = firth_cox(lung, "time", "dead", ["age", "sex"])
    _check(
        fit,
        [(0.01684537644, 0.009218550553, 0.9989934402, 1.035748705, 3.416129721, 0.0645622088),
         (-0.507612834, 0.1673117505, 0.4310503689, 0.8301537617, 9.734048117, 0.001808856656)],
        -736.6043181,
    )  # fmt: skip


def test_edge_no_events() -> None:
    d = pd.DataFrame({"t": [1.0, 2.0, 3.0], "e": [0, 0, 0], "x": [0.0, 1.0, 0.0]})
    with pytest.raises(ValueError, match="no events"):
        firth_cox(d, "t", "e", ["x"])
