"""Kendall's tau and Spearman's exact / AS 89 p against R 4.2.2 cor.test
(tests/reference/stats_more_reference.R / .Rout)."""

import numpy as np
import pytest

from prrt.stats.rankcorr import kendall_tau, prho, spearman_exact

X10 = [4.1, 2.7, 5.3, 1.2, 3.3, 6.8, 0.4, 2.2, 7.9, 5.0]
Y10 = [3.9, 1.6, 4.4, 2.5, 2.9, 7.7, 1.1, 0.7, 6.0, 5.5]
X25 = [*X10, 8.3, 9.1, 0.9, 3.8, 4.6, 6.1, 7.2, 1.9, 2.9, 5.8, 9.6, 0.1, 3.5, 6.5, 8.8]
Y25 = [*Y10, 6.6, 8.1, 2.2, 1.9, 5.1, 4.0, 8.4, 3.1, 3.3, 4.7, 7.5, 0.6, 5.9, 6.9, 9.3]
# mtcars mpg, wt (datasets::mtcars)
MPG = [
    21,
    21,
    22.8,
    21.4,
    18.7,
    18.1,
    14.3,
    24.4,
    22.8,
    19.2,
    17.8,
    16.4,
    17.3,
    15.2,
    10.4,
    10.4,
    14.7,
    32.4,
    30.4,
    33.9,
    21.5,
    15.5,
    15.2,
    13.3,
    19.2,
    27.3,
    26,
    30.4,
    15.8,
    19.7,
    15,
    21.4,
]
WT = [2.62, 2.875, 2.32, 3.215, 3.44, 3.46, 3.57, 3.19, 3.15, 3.44, 3.44, 4.07, 3.73, 3.78, 5.25,
      5.424, 5.345, 2.2, 1.615, 1.835, 2.465, 3.52, 3.435, 3.84, 3.845, 1.935, 2.14, 1.513, 3.17,
      2.77, 3.57, 2.78]  # fmt: skip

R_SPEARMAN = {
    "n10-edgeworth": (X10, Y10, 0.915151515152, 14, 0.000466722165549),
    "n7-exact": (X10[:7], Y10[:7], 0.964285714286, 2, 0.00277777777778),
    "n9-exact": (list(range(1, 10)), [2, 1, 4, 3, 6, 5, 9, 7, 8], 0.9, 12, 0.00202821869489),
    "n25-edgeworth": (X25, Y25, 0.9, 260, 2.0799692444e-06),
    "n15-negative": (X25[:15], Y25[:15][::-1], -0.246428571429, 698, 0.374824758196),
}


@pytest.mark.parametrize("name", list(R_SPEARMAN))
def test_spearman_exact_matches_cor_test(name: str) -> None:
    x, y, rho, s, p = R_SPEARMAN[name]
    r = spearman_exact(x, y)
    assert r.estimate == pytest.approx(rho, rel=1e-10)
    assert r.statistic == pytest.approx(s, abs=1e-8)
    assert r.p_value == pytest.approx(p, rel=1e-8)


# R: .Call(stats:::C_pRho, q, n, FALSE) = P(S >= q)
R_PRHO = {
    4: ([2, 6, 11, 16], [0.958333333333, 0.791666666667, 0.458333333333, 0.208333333333]),
    9: ([24, 72, 132, 192], [0.9946152998236, 0.8652088844797, 0.4049906305115, 0.0483989197531]),
    10: ([33, 99, 182, 264], [0.9962493888363, 0.8800879905831, 0.3925090519881, 0.0365599375196]),
    30: ([899, 2697, 4944, 7192],
         [0.999999381141841, 0.985423456771876, 0.299062345287085, 0.000293021480919]),
    50: ([4165, 12495, 22908, 33320], [1.0, 0.997875125279, 0.244164562931, 3.25963294189e-06]),
}  # fmt: skip


@pytest.mark.parametrize("n", list(R_PRHO), ids=lambda n: f"n{n}-{'exact' if n <= 9 else 'as89'}")
def test_prho_matches_r(n: int) -> None:
    qs, want = R_PRHO[n]
    np.testing.assert_allclose([prho(n, q, False) for q in qs], want, rtol=1e-9)


def test_kendall_matches_cor_test() -> None:
    r = kendall_tau(X10, Y10)  # no ties, n = 10: exact
    assert (r.estimate, r.statistic) == (pytest.approx(0.777777777778), 40)
    assert r.p_value == pytest.approx(0.000946318342152, rel=1e-9)
    t = kendall_tau(MPG, WT)  # ties: normal approximation
    assert t.estimate == pytest.approx(-0.727832149528, rel=1e-10)
    assert t.statistic == pytest.approx(-5.79813189498, rel=1e-10)
    assert t.p_value == pytest.approx(6.7057704056e-09, rel=1e-8)


def test_edge_ties_force_normal_approximation() -> None:
    # exact requested with ties: R falls back to the normal approximation, and so do we
    r = kendall_tau(MPG, WT, exact=True)
    assert r.conventions["p"].startswith("normal")
    s = spearman_exact([1, 2, 2, 3, 4], [2, 1, 3, 5, 4])
    assert s.conventions["p"].startswith("t approximation")
