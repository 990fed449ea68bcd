"""2×2 odds ratios, Fisher's exact test and chi-square against R (stats_binary_reference.R/.Rout),
analytic formulas and scipy's noncentral hypergeometric distribution."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from prrt.stats.tables2x2 import chi_square, fisher_exact, odds_ratio, two_by_two

# R fisher.test / chisq.test (correct = FALSE, TRUE) on [[a, b], [c, d]] (byrow)
R_FISHER = {
    "omis": ([[5, 0], [3, 39]], 3.65073187395e-05, np.inf, 7.13891479645),
    "spleen": ([[3, 3], [5, 35]], 0.0559188770489, 6.565676673, 0.690668491937),
    "idpc": ([[7, 12], [1, 27]], 0.00472701723964, 14.818212302, 1.62571629513),
    "pelvic": ([[5, 7], [3, 32]], 0.0183224604012, 7.18647445764, 1.10914417033),
    "ebrt": ([[3, 4], [5, 35]], 0.0840873899348, 4.99377296151, 0.566624381798),
    "small": ([[3, 1], [1, 3]], 0.485714285714, 6.40830886701, 0.211732915306),
}
R_CHISQ = {
    "omis": (27.2767857143, 1.76315576065e-07, 21.0985309829, 4.36262440792e-06),
    "spleen": (5.10690789474, 0.0238307560619, 2.83023574561, 0.0925047795103),
    "idpc": (8.87111408329, 0.00289718279058, 6.67188253085, 0.00979456784986),
    "small": (2.0, 0.15729920705, 0.5, 0.479500122187),
}


@pytest.mark.parametrize("name", list(R_FISHER))
def test_fisher_p_and_conditional_or_match_r(name: str) -> None:
    table, p, cond, lower = R_FISHER[name]
    r = fisher_exact(table, odds_ratio="conditional")
    assert r.p_value == pytest.approx(p, rel=1e-9)
    # R's uniroot default tolerance (~1.2e-4 on its search scale) limits R's own precision
    assert r.estimate == pytest.approx(cond, rel=2e-3)
    assert r.ci[0] == pytest.approx(lower, rel=2e-3)
    assert r.conventions["odds_ratio"] == "conditional MLE"


@pytest.mark.parametrize("name", ["spleen", "idpc", "pelvic", "ebrt", "small"])
def test_conditional_limits_solve_exact_tail_equations(name: str) -> None:
    # definition (Cornfield 1956): P(X >= a; psi_L) = P(X <= a; psi_U) = alpha/2 under the
    # noncentral hypergeometric (scipy's independent nchypergeom_fisher); the MLE has E[X] = a
    t = np.array(R_FISHER[name][0])
    r = fisher_exact(t, odds_ratio="conditional")
    total, m, k, a = t.sum(), t[:, 0].sum(), t[0].sum(), t[0, 0]
    assert sps.nchypergeom_fisher(total, m, k, r.ci[0]).sf(a - 1) == pytest.approx(0.025, rel=1e-6)
    assert sps.nchypergeom_fisher(total, m, k, r.ci[1]).cdf(a) == pytest.approx(0.025, rel=1e-6)
    assert sps.nchypergeom_fisher(total, m, k, r.estimate).mean() == pytest.approx(a, rel=1e-8)


def test_fisher_sample_or_default_is_labelled() -> None:
    r = fisher_exact([[3, 3], [5, 35]])
    assert r.estimate == pytest.approx(7.0)
    assert r.conventions["odds_ratio"] == "sample ad/bc"


def test_conditional_or_zero_cell_bounds() -> None:
    r = odds_ratio([[5, 0], [3, 39]], method="conditional")
    assert r.estimate == np.inf and r.ci[1] == np.inf
    r0 = fisher_exact([[0, 5], [39, 3]], odds_ratio="conditional")
    assert r0.estimate == 0.0 and r0.ci[0] == 0.0


def test_fisher_rxc_matches_r() -> None:
    assert fisher_exact([[3, 1, 4], [1, 5, 9]]).p_value == pytest.approx(0.241127114461, rel=1e-8)
    m33 = [[2, 7, 1], [5, 1, 4], [0, 3, 6]]
    assert fisher_exact(m33).p_value == pytest.approx(0.00637000824702, rel=1e-8)


@pytest.mark.parametrize("name", list(R_CHISQ))
def test_chi_square_matches_r(name: str) -> None:
    stat, p, yates, p_yates = R_CHISQ[name]
    table = R_FISHER[name][0]
    r = chi_square(table)
    assert (r.statistic, r.p_value, r.df) == (pytest.approx(stat), pytest.approx(p), 1)
    ry = chi_square(table, correction=True)
    assert (ry.statistic, ry.p_value) == (pytest.approx(yates), pytest.approx(p_yates))


def test_chi_square_rxc_matches_r() -> None:
    r = chi_square([[2, 7, 1], [5, 1, 4], [0, 3, 6]])
    assert r.statistic == pytest.approx(13.8597402597) and r.df == 4
    assert r.p_value == pytest.approx(0.00775642713607)
    assert r.min_expected < 5


def test_chi_square_empty_margin_error() -> None:
    with pytest.raises(ValueError, match="sums to 0"):
        chi_square([[0, 0], [3, 4]])


def test_wald_or_woolf_formula() -> None:
    # analytic: OR = ad/bc, se = sqrt(1/a+1/b+1/c+1/d), z = 1.959964 (conventions.md)
    r = odds_ratio([[3, 4], [5, 35]])
    se = np.sqrt(1 / 3 + 1 / 4 + 1 / 5 + 1 / 35)
    assert r.estimate == pytest.approx(5.25)
    assert r.ci[0] == pytest.approx(5.25 * np.exp(-1.959963984540054 * se))
    assert r.p_value == pytest.approx(2 * sps.norm.sf(np.log(5.25) / se))
    assert not r.corrected


def test_wald_zero_cell_not_estimable_but_modified_wald_is() -> None:
    r = odds_ratio([[5, 0], [3, 39]])
    assert r.estimate == np.inf and np.isnan(r.ci[0]) and np.isnan(r.p_value)
    m = odds_ratio([[5, 0], [3, 39]], method="modified_wald")
    assert m.corrected
    assert m.estimate == pytest.approx(5.5 * 39.5 / (0.5 * 3.5))


def test_modified_wald_without_zero_cell_is_plain_wald() -> None:
    a = odds_ratio([[3, 4], [5, 35]], method="modified_wald")
    b = odds_ratio([[3, 4], [5, 35]])
    assert a.estimate == b.estimate and a.ci == b.ci and not a.corrected


def test_two_by_two_and_bad_tables() -> None:
    assert two_by_two(3, 7, 5, 40).tolist() == [[3, 4], [5, 35]]
    with pytest.raises(ValueError):
        two_by_two(8, 7, 5, 40)
    with pytest.raises(ValueError):
        odds_ratio([[1, 2, 3], [4, 5, 6]])
    with pytest.raises(ValueError):
        odds_ratio([[1, -2], [4, 5]])
    with pytest.raises(ValueError):
        odds_ratio([[1, 2], [4, 5]], method="exact")


# R fisher.test(tb, workspace = 2e8) (tests/reference/stats_defects_reference.R / .Rout):
# issue 12 defect 2, tables the size Table 1 produces (n = 100 and more)
R_FISHER_RXC = {
    "3x4-n100": ([[12, 5, 9, 7], [8, 10, 6, 9], [3, 11, 12, 8]], 0.114712576538),
    "3x5-n100": ([[10, 4, 6, 8, 2], [7, 9, 3, 5, 6], [3, 8, 12, 4, 13]], 0.00979864467163),
    "4x5-n100": (
        [[5, 3, 8, 2, 6], [4, 9, 1, 7, 3], [6, 2, 5, 8, 4], [2, 7, 3, 6, 9]],
        0.0365261384187,
    ),
    "2x6-n152": ([[14, 9, 20, 6, 11, 15], [21, 12, 9, 17, 8, 10]], 0.0257142005297),
    "3x4-n160": ([[12, 17, 11, 9], [15, 11, 14, 20], [10, 13, 16, 12]], 0.369325394789),
    "3x3-sparse-zeros": ([[0, 3, 1], [4, 0, 2], [1, 5, 0]], 0.0127372627373),
    "4x4-job-satisfaction": (
        [[1, 3, 10, 6], [2, 3, 10, 7], [1, 6, 14, 12], [0, 1, 9, 11]],
        0.782684938966,
    ),
}


@pytest.mark.parametrize("name", list(R_FISHER_RXC))
def test_fisher_rxc_exact_matches_r_in_both_orientations(name: str) -> None:
    table, want = R_FISHER_RXC[name]
    orientations = [np.array(table)] if name == "4x5-n100" else [np.array(table), np.array(table).T]
    for t in orientations:  # 4x5: one orientation only (about 5 s each)
        r = fisher_exact(t)
        assert r.exact
        assert r.p_value == pytest.approx(want, rel=1e-8)
        assert r.conventions["p"].startswith("exact")


def test_fisher_rxc_too_large_is_labelled_not_exact() -> None:
    t = [[12, 17, 11, 9], [15, 11, 14, 20], [10, 13, 16, 12]]
    a = fisher_exact(t, max_work=1000)
    b = fisher_exact(np.array(t).T, max_work=1000)
    assert not a.exact
    assert a.p_value == b.p_value  # fixed seed and one orientation: reproducible
    assert a.conventions["p"].startswith("NOT EXACT: Monte Carlo")
    assert "Monte Carlo" in a.method and "exact test (r" not in a.method
    assert a.p_value == pytest.approx(0.369325394789, abs=0.01)
