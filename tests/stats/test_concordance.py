"""Harrell's C against R survival 3.5.3 concordance() (tests/reference/stats_more_reference.R)."""

from pathlib import Path

import pandas as pd
import pytest

from prrt.stats.concordance import concordance, harrell_c
from prrt.stats.cox import cox

REF = Path(__file__).parents[1] / "reference" / "data"


def _counts(r) -> list[int]:  # type: ignore[no-untyped-def]
    return [r.concordant, r.discordant, r.tied_score, r.tied_time, r.tied_both]


def test_lung_cox_model() -> None:
    # concordance(coxph(Surv(time, status) ~ age + sex + ph.ecog, lung))
    lung = pd.read_csv(REF / "lung.csv").assign(dead=lambda d: (d["status"] == 2).astype(int))
    r = harrell_c(cox(lung, "time", "dead", ["age", "sex", "ph.ecog"], ties="efron"))
    assert r.estimate == pytest.approx(0.637135493, rel=1e-8)
    assert r.se == pytest.approx(0.0250679738531, rel=1e-8)
    assert _counts(r) == [12544, 7117, 126, 28, 0]


def test_lung_single_predictor_with_tied_scores() -> None:
    # concordance(Surv(time, status) ~ age, lung, reverse = TRUE): older = higher risk
    lung = pd.read_csv(REF / "lung.csv").assign(dead=lambda d: (d["status"] == 2).astype(int))
    r = concordance(lung["time"], lung["dead"], lung["age"])
    assert r.estimate == pytest.approx(0.550239832118, rel=1e-9)
    assert r.se == pytest.approx(0.0251421115943, rel=1e-9)
    assert _counts(r) == [10717, 8706, 591, 27, 1]
    rev = concordance(lung["time"], lung["dead"], -lung["age"], reverse=True)
    assert rev.estimate == pytest.approx(r.estimate)


def test_edge_binary_score_many_ties_aml() -> None:
    # concordance(coxph(Surv(time, status) ~ x, aml)): one binary covariate, most pairs tied
    aml = pd.read_csv(REF / "aml.csv")
    r = harrell_c(cox(aml, "time", "status", ["x"], ties="efron"))
    assert r.estimate == pytest.approx(0.619047619048, rel=1e-9)
    assert r.se == pytest.approx(0.0631849960441, rel=1e-9)
    assert _counts(r) == [81, 31, 98, 1, 2]


def test_edge_no_comparable_pairs() -> None:
    with pytest.raises(ValueError, match="no comparable pairs"):
        concordance([1.0, 2.0], [0, 0], [0.1, 0.2])
