"""Paired tests against R 4.2.2 stats: wilcox.test(paired = TRUE, conf.int = TRUE),
mcnemar.test, binom.test (tests/reference/stats_paired_reference.R / .Rout)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from prrt.stats.paired import bowker, mcnemar, wilcoxon_signed_rank

REF = Path(__file__).parents[1] / "reference" / "data"


@pytest.fixture(scope="module")
def anorexia() -> pd.DataFrame:
    return pd.read_csv(REF / "anorexia.csv")


# (group, kwargs) -> V, p, estimate, ci ; R wilcox.test(Postwt, Prewt, paired = TRUE, conf.int = TRUE, ...)
R_ANOREXIA = {
    ("FT", "default-exact"): ({}, 142, 0.000839233398438, 7.65, (3.45, 11.20)),
    ("FT", "normal-corrected"): ({"exact": False}, 142, 0.00209111474312, 7.65002099027,
                                 (3.45006684221, 11.19995448315)),
    ("FT", "normal-uncorrected"): ({"exact": False, "correction": False}, 142, 0.00193098993576,
                                   7.65002099027, (3.59995045431, 11.05002715120)),
    ("CBT", "ties-normal"): ({}, 303.5, 0.0644656393444, 1.64994097792,
                             (-0.0500285874654, 5.9500011179182)),
    ("CBT", "ties-normal-uncorrected"): ({"correction": False}, 303.5, 0.062919722626,
                                         1.64994097792, (-0.0500533438352, 5.9500254349474)),
    ("Cont", "zeros-and-ties"): ({}, 150, 0.746772830168, -0.500050109131,
                                 (-4.40001392678, 2.85002924525)),
}  # fmt: skip


@pytest.mark.parametrize("key", list(R_ANOREXIA), ids=lambda k: f"{k[0]}-{k[1]}")
def test_signed_rank_anorexia_matches_r(anorexia: pd.DataFrame, key: tuple[str, str]) -> None:
    kw, v, p, est, ci = R_ANOREXIA[key]
    d = anorexia[anorexia["Treat"] == key[0]]
    r = wilcoxon_signed_rank(d["Postwt"], d["Prewt"], **kw)
    assert r.statistic == v
    assert r.p_value == pytest.approx(p, rel=1e-6)
    assert r.estimate == pytest.approx(est, abs=1e-4)  # R's uniroot tolerance is 1e-4
    np.testing.assert_allclose(r.ci, ci, atol=1e-4)
    assert r.exact == (key[1] == "default-exact")


def test_signed_rank_immer_and_sleep_match_r() -> None:
    immer = pd.read_csv(REF / "immer.csv")
    r = wilcoxon_signed_rank(immer["Y1"], immer["Y2"])
    assert (r.statistic, r.exact) == (368.5, False)
    assert r.p_value == pytest.approx(0.00531847438755, rel=1e-6)
    assert r.estimate == pytest.approx(18.8999659069, abs=1e-4)
    np.testing.assert_allclose(r.ci, (5.90002906493, 27.49995532712), atol=1e-4)
    sleep = pd.read_csv(REF / "sleep.csv")
    s = wilcoxon_signed_rank(
        sleep.loc[sleep["group"] == 2, "extra"].to_numpy(),
        sleep.loc[sleep["group"] == 1, "extra"].to_numpy(),
    )
    assert (s.statistic, s.n, s.n_zero) == (45.0, 9, 1)
    assert s.p_value == pytest.approx(0.00909069801593, rel=1e-6)
    assert s.estimate == pytest.approx(1.40002084227, abs=1e-4)
    np.testing.assert_allclose(s.ci, (1.05001799066, 2.94992079954), atol=1e-4)


def test_signed_rank_exact_mu_and_90_percent(anorexia: pd.DataFrame) -> None:
    d = anorexia[anorexia["Treat"] == "FT"]
    r = wilcoxon_signed_rank(d["Postwt"], d["Prewt"], mu=2.0, alpha=0.10)
    assert r.statistic == 130 and r.exact
    assert r.p_value == pytest.approx(0.00933837890625, rel=1e-9)
    assert r.estimate == pytest.approx(7.65, abs=1e-9)
    np.testing.assert_allclose(r.ci, (4.05, 10.50), atol=1e-9)
    assert r.achieved_level >= 0.90


def test_signed_rank_edge_ties_at_a_single_value() -> None:
    # differences 1, 1, 1, 1, -2, 3: four tied at one value -> normal approximation
    r = wilcoxon_signed_rank([1, 1, 1, 1, -2, 3])
    assert (r.statistic, r.exact) == (16.0, False)
    assert r.p_value == pytest.approx(0.28088752532, rel=1e-6)
    assert r.estimate == pytest.approx(0.999943316853, abs=1e-4)
    np.testing.assert_allclose(r.ci, (-1.99994962225, 2.99994962225), atol=1e-4)


def test_signed_rank_edge_small_n_exact() -> None:
    r = wilcoxon_signed_rank([7.1, 6.8, 9.0, 5.2, 8.4, 7.7], [6.0, 6.9, 7.1, 4.4, 6.2, 5.0])
    assert (r.statistic, r.exact) == (20.0, True)
    assert r.p_value == pytest.approx(0.0625, rel=1e-12)
    assert r.estimate == pytest.approx(1.5, abs=1e-12)
    np.testing.assert_allclose(r.ci, (-0.1, 2.7), atol=1e-12)


def test_signed_rank_all_zero_differences_is_an_error() -> None:
    with pytest.raises(ValueError, match="all differences"):
        wilcoxon_signed_rank([1.0, 2.0], [1.0, 2.0])


def test_mcnemar_matches_r() -> None:
    t = [[30, 12], [4, 20]]
    assert mcnemar(t).statistic == pytest.approx(4.0)
    assert mcnemar(t).p_value == pytest.approx(0.0455002639, rel=1e-8)
    assert mcnemar(t, correction=True).statistic == pytest.approx(3.0625)
    assert mcnemar(t, correction=True).p_value == pytest.approx(0.0801183137, rel=1e-8)
    assert mcnemar(t, exact=True).p_value == pytest.approx(0.0768127441406, rel=1e-10)
    # Agresti (2002) Table 10.1, presidential approval
    a = [[794, 150], [86, 570]]
    assert mcnemar(a).statistic == pytest.approx(17.3559322, rel=1e-8)
    assert mcnemar(a).p_value == pytest.approx(3.09929344e-05, rel=1e-7)
    assert mcnemar(a, correction=True).statistic == pytest.approx(16.81779661, rel=1e-8)
    with pytest.raises(ValueError, match="no discordant"):
        mcnemar([[5, 0], [0, 7]])


def test_bowker_matches_r() -> None:
    r = bowker([[10, 4, 1], [1, 8, 3], [0, 0, 5]])
    assert (r.statistic, r.df) == (pytest.approx(5.8), 3)
    assert r.p_value == pytest.approx(0.12175662, rel=1e-7)
    g4 = np.array([[20, 6, 2, 1], [3, 14, 5, 2], [1, 2, 9, 4], [0, 1, 1, 3]])
    r4 = mcnemar(g4)  # r x r tables go to Bowker, as R mcnemar.test
    assert (r4.statistic, r4.df) == (pytest.approx(5.752380952, rel=1e-9), 6)
    assert r4.p_value == pytest.approx(0.451492349, rel=1e-7)


def test_bowker_edge_empty_pair_left_out() -> None:
    # cells (1, 3) and (3, 1) both 0: R returns NaN; here the pair is left out (df 2)
    r = bowker([[5, 3, 0], [0, 4, 2], [0, 0, 6]])
    assert r.df == 2 and r.pairs_used == 2
    assert r.statistic == pytest.approx(3.0 + 2.0)
    assert "1 left out" in r.conventions["empty_pairs"]
