"""Paired ROC comparison against R pROC 1.18 roc.test(method = "delong", paired = TRUE)
(tests/reference/stats_more_reference.R / .Rout)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from prrt.stats.roccompare import roc_compare

REF = Path(__file__).parents[1] / "reference"

# aSAH (pROC): auc1, auc2, z, p, var1, var2, cov
R_ASAH = {
    ("s100b", "ndka"): (0.731368563686, 0.61195799458, 1.39077002574, 0.164295175223,
                        0.00266868245717, 0.00319081054939, -0.000756164938057),
    ("s100b", "wfns"): (0.731368563686, 0.823678861789, -2.20898359144, 0.0271757822292,
                        0.00266868245717, 0.00146991470882, 0.00119615567377),
    ("ndka", "wfns"): (0.61195799458, 0.823678861789, -2.79777591869, 0.00514557970691,
                       0.00319081054939, 0.00146991470882, -0.000532967856762),
}  # fmt: skip


@pytest.mark.parametrize("pair", list(R_ASAH), ids=lambda p: f"{p[0]}-vs-{p[1]}")
def test_asah_pairs_match_proc(pair: tuple[str, str]) -> None:
    a = pd.read_csv(REF / "stats_asah.csv")
    auc1, auc2, z, p, v1, v2, c = R_ASAH[pair]
    r = roc_compare(a["poor"], a[pair[0]], a[pair[1]])
    assert (r.auc1, r.auc2) == (pytest.approx(auc1, rel=1e-10), pytest.approx(auc2, rel=1e-10))
    assert r.statistic == pytest.approx(z, rel=1e-9)
    assert r.p_value == pytest.approx(p, rel=1e-9)
    np.testing.assert_allclose([r.var1, r.var2, r.cov], [v1, v2, c], rtol=1e-9)


def test_lung_one_year_death_age_vs_karnofsky() -> None:
    # roc(d1y, age, "<") vs roc(d1y, -ph.karno, "<"): here ph.karno with direction ">"
    lung = pd.read_csv(REF / "data" / "lung.csv").assign(dead=lambda d: d["status"] == 2)
    d = lung[lung["ph.karno"].notna() & ((lung["time"] > 365) | lung["dead"])].copy()
    d["d1y"] = ((d["time"] <= 365) & d["dead"]).astype(int)
    r = roc_compare(d["d1y"], d["age"], d["ph.karno"], direction2=">")
    assert r.n_cases + r.n_controls == 185
    assert (r.auc1, r.auc2) == (pytest.approx(0.539551282051), pytest.approx(0.604871794872))
    assert r.statistic == pytest.approx(-1.1735772463, rel=1e-9)
    assert r.p_value == pytest.approx(0.240564399496, rel=1e-9)


def test_edge_identical_markers_and_ties_at_a_single_value() -> None:
    y = [0, 0, 0, 1, 1, 1]
    same = roc_compare(y, [1, 2, 3, 2, 3, 4], [1, 2, 3, 2, 3, 4])
    assert same.estimate == 0.0 and same.se == 0.0 and np.isnan(same.p_value)
    tied = roc_compare(y, [5, 5, 5, 5, 5, 5], [1, 2, 3, 2, 3, 4])
    assert tied.auc1 == 0.5  # all tied: every pair counts 1/2
    with pytest.raises(ValueError, match="two cases"):
        roc_compare([0, 0, 1], [1, 2, 3], [3, 2, 1])
