"""PH test against R survival 3.5.3 cox.zph(fit, transform, terms)
(tests/reference/survival_reference.R / .Rout), lung, age + sex + ph.ecog."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from prrt.stats.cox import cox
from prrt.stats.ph import ph_test

REF = Path(__file__).parents[1] / "reference" / "data"

R_ZPH = {
    ("breslow", "km"): [0.1880856612, 2.2971973549, 2.0517086117, 4.4510123338],
    ("breslow", "identity"): [0.1521491343, 2.4846004874, 1.5772581717, 4.1097342369],
    ("efron", "km"): [0.1879876737, 2.3054372274, 2.0542487741, 4.4636575888],
    ("efron", "identity"): [0.1523503173, 2.4919132171, 1.5782352384, 4.1193829515],
}


@pytest.mark.parametrize(("ties", "transform"), list(R_ZPH))
def test_cox_zph_matches_r(ties: str, transform: str) -> None:
    lung = pd.read_csv(REF / "lung.csv").assign(dead=lambda d: (d["status"] == 2).astype(int))
    fit = cox(lung, "time", "dead", ["age", "sex", "ph.ecog"], ties=ties)
    res = ph_test(fit, transform=transform)
    assert res.table.index.tolist() == ["age", "sex", "ph.ecog", "GLOBAL"]
    np.testing.assert_allclose(res.table["chisq"], R_ZPH[(ties, transform)], rtol=1e-6)
    assert res.table.loc["GLOBAL", "df"] == 3
    assert len(res.residuals) == fit.n_events
    # scaled Schoenfeld residuals average to beta-hat (Grambsch & Therneau 1994)
    np.testing.assert_allclose(
        res.residuals[["age", "sex", "ph.ecog"]].mean(), fit.table["coef"], atol=1e-8
    )


def test_cox_zph_stratified_and_factor() -> None:
    # R: cox.zph(coxph(~ age + sex + strata(ph.ecog), ties = "breslow"), "km", terms = FALSE) and
    #    cox.zph(coxph(~ age + ecog, ties = "efron"), "identity", terms = FALSE), ecog ref = 1
    lung = pd.read_csv(REF / "lung.csv").assign(
        dead=lambda d: (d["status"] == 2).astype(int), ecog=lambda d: np.minimum(d["ph.ecog"], 2)
    )
    res = ph_test(cox(lung, "time", "dead", ["age", "sex"], strata="ph.ecog"))
    np.testing.assert_allclose(
        res.table["chisq"], [0.01576323958, 2.29967448101, 2.3136576663], rtol=1e-6
    )
    fit = cox(
        lung,
        "time",
        "dead",
        ["age", "ecog"],
        ties="efron",
        categorical=["ecog"],
        reference={"ecog": 1},
    )
    res = ph_test(fit, transform="identity", terms=False)
    assert res.table.index.tolist() == ["age", "ecog=0", "ecog=2", "GLOBAL"]
    np.testing.assert_allclose(
        res.table["chisq"], [0.2453386365, 0.4440199141, 1.6632880332, 1.7796088305], rtol=1e-6
    )
    # R: cox.zph(fit, "identity", terms = TRUE): joint 2-df test for the factor
    res = ph_test(fit, transform="identity")
    assert res.table.index.tolist() == ["age", "ecog", "GLOBAL"]
    np.testing.assert_allclose(
        res.table["chisq"], [0.2453386365, 1.7350994373, 1.7796088305], rtol=1e-6
    )
    assert res.table["df"].tolist() == [1, 2, 3]


@pytest.mark.parametrize(
    ("strata", "transform", "file", "terms"),
    [
        (None, "identity", "zph_lung_efron.csv", ["age", "sex", "ph.ecog"]),
        ("ph.ecog", "km", "zph_lung_efron_strata.csv", ["age", "sex"]),
    ],
    ids=["efron-ties-lung", "efron-ties-lung-strata"],
)
def test_efron_scaled_residuals_match_r_and_ignore_row_order(
    strata: str | None, transform: str, file: str, terms: list[str]
) -> None:
    # issue 12 defect 3: R cox.zph(coxph(..., ties = "efron"), transform, terms = FALSE)$y
    # (stats_defects_reference.R); 26 tied death times in lung
    lung = pd.read_csv(REF / "lung.csv").assign(dead=lambda d: (d["status"] == 2).astype(int))
    covs = ["age", "sex"] if strata else ["age", "sex", "ph.ecog"]
    want = pd.read_csv(REF / file).sort_values(["time", "age"]).reset_index(drop=True)
    for seed in (0, 1):
        shuffled = lung.sample(frac=1.0, random_state=seed)
        res = ph_test(
            cox(shuffled, "time", "dead", covs, ties="efron", strata=strata), transform=transform
        )  # type: ignore[arg-type]
        got = res.residuals.sort_values(["time", "age"]).reset_index(drop=True)
        np.testing.assert_allclose(got["time"], want["time"])
        np.testing.assert_allclose(got[terms], want[terms], atol=1e-6)
