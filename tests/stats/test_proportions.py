"""proportion_ci against R 4.2.2 binom.test (Clopper–Pearson) and prop.test(correct = FALSE)
(Wilson) (tests/reference/stats_paired_reference.R / .Rout)."""

import pytest

from prrt.stats.proportions import proportion_ci

# x, n -> (CP lower, CP upper), (Wilson lower, Wilson upper)
R_PROP = {
    (7, 20): ((0.153909204785, 0.592188534533), (0.181191824101, 0.567145723315)),
    (0, 15): ((0.0, 0.218019360911), (0.0, 0.203883301036)),
    (15, 15): ((0.781980639089, 1.0), (0.796116698964, 1.0)),
    (1, 35): ((0.000723104376338, 0.149172079656432), (0.00506149185544, 0.14533087233614)),
    (41, 107): ((0.290835969455, 0.482159493265), (0.296629856766, 0.477822768939)),
    (12, 47): ((0.139449120018, 0.403495189972), (0.152531540351, 0.395081755304)),
}


@pytest.mark.parametrize("xn", list(R_PROP), ids=lambda xn: f"x{xn[0]}-n{xn[1]}")
def test_clopper_pearson_and_wilson_match_r(xn: tuple[int, int]) -> None:
    cp, wi = R_PROP[xn]
    r = proportion_ci(*xn)
    assert r.estimate == pytest.approx(xn[0] / xn[1])
    assert r.ci == pytest.approx(cp, rel=1e-9, abs=1e-12)
    assert proportion_ci(*xn, method="wilson").ci == pytest.approx(wi, rel=1e-9, abs=1e-12)


def test_90_percent_level() -> None:
    assert proportion_ci(7, 20, alpha=0.10).ci == pytest.approx(
        (0.177310917574, 0.558034511315), rel=1e-9
    )
    assert proportion_ci(7, 20, method="wilson", alpha=0.10).ci == pytest.approx(
        (0.202260040057, 0.533487311152), rel=1e-9
    )
