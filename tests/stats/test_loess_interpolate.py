"""loess ``surface="interpolate"`` against R's default ``loess()`` (k-d tree, cell 0.2,
cubic Hermite interpolation between vertex fits) on ``cars``, ``faithful``, ``airquality``
and a tied design: tests/reference/stats_loess_interpolate.R / .Rout / *.csv."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.interpolate import CubicHermiteSpline

from prrt.stats.loess import _local_rows, loess

REF = Path(__file__).resolve().parents[1] / "reference"
DATA = pd.read_csv(REF / "stats_loess_interpolate_data.csv")
FITS = pd.read_csv(REF / "stats_loess_interpolate_fit.csv")
SUMMARY = pd.read_csv(REF / "stats_loess_interpolate_summary.csv", keep_default_na=False)
Key = tuple[str, int, float, str, float]  # dataset, degree, span, statistics, cell
CASES: list[Key] = [
    (str(r.dataset), int(r.degree), float(r.span), str(r.statistics), float(r.cell))
    for r in SUMMARY.itertuples()
]


def _data(name: str) -> tuple[np.ndarray, np.ndarray]:
    d = DATA[DATA["dataset"] == name]
    return d["x"].to_numpy(float), d["y"].to_numpy(float)


def _select(frame: pd.DataFrame, key: Key) -> pd.Series:
    cols = ["dataset", "degree", "span", "statistics", "cell"]
    return (frame[cols] == pd.Series(dict(zip(cols, key, strict=True)))).all(axis=1)


def _case(key: Key) -> tuple[pd.Series, pd.DataFrame, pd.DataFrame]:
    sel = _select(FITS, key)
    summ = SUMMARY[_select(SUMMARY, key)].iloc[0]
    return summ, FITS[sel & (FITS["kind"] == "fitted")], FITS[sel & (FITS["kind"] == "grid")]


@pytest.mark.parametrize(
    "key", CASES, ids=lambda k: f"{k[0]}-deg{k[1]}-span{k[2]}-{k[3]}-cell{k[4]}"
)
def test_interpolate_matches_r(key: Key) -> None:
    summ, fitted, grid = _case(key)
    x, y = _data(key[0])
    r = loess(
        x, y, degree=key[1], span=key[2], statistics=key[3], cell=key[4], surface="interpolate"
    )
    # k-d tree: same vertices as R's kd$vert (bounding box) and kd$xi (split values)
    splits = [float(v) for v in str(summ["split_values"]).split(";") if v]
    expected = np.sort([summ["vert_lo"], summ["vert_hi"], *splits])
    np.testing.assert_allclose(r.vertices, expected, rtol=1e-12)
    # fitted values (tolerance 1e-4) and the statistics
    np.testing.assert_allclose(r.fitted, fitted["fit"], rtol=0, atol=1e-4)
    assert r.enp == pytest.approx(summ["trace_hat"], rel=1e-6)
    assert r.one_delta == pytest.approx(summ["one_delta"], rel=1e-6)
    assert r.two_delta == pytest.approx(summ["two_delta"], rel=1e-6)
    assert r.residual_scale == pytest.approx(summ["s"], rel=1e-6)
    assert r.df == pytest.approx(summ["df"], rel=1e-6)
    # predictions and standard errors (tolerance 1e-3) at a grid and at the data;
    # outside the data range R gives NA and so do we (NaN)
    for ref in (grid, fitted):
        p = r.predict(ref["x"])
        np.testing.assert_allclose(p["fit"], ref["fit"], rtol=0, atol=1e-4)
        np.testing.assert_allclose(p["se"], ref["se"], rtol=0, atol=1e-3)
    assert grid["fit"].isna().sum() == 2


def test_fitted_agree_with_r_much_closer_than_tolerance() -> None:
    # the algorithm is R's, not an approximation of it: agreement to rounding error
    _, fitted, grid = _case(("faithful", 2, 0.4, "approximate", 0.2))
    x, y = _data("faithful")
    r = loess(x, y, degree=2, span=0.4, surface="interpolate")
    np.testing.assert_allclose(r.fitted, fitted["fit"], rtol=1e-9)
    np.testing.assert_allclose(r.predict(grid["x"][:7])["se"], grid["se"][:7], rtol=1e-8)


def test_edge_ties_at_split_value_go_to_one_side() -> None:
    # x = 1..4, 5 (five times), 6..10; n = 14, fc = floor(14 * 0.75 * 0.2) = 2. The root's
    # median x(7) = 5 is tied with x(8), x(9) and x(6): the split moves to the nearest
    # position where order statistics differ (x(9) = 5 < x(10) = 6) and all ties go left.
    # R: kd$xi = 5, 4, 8, 2, 7 (tests/reference/stats_loess_interpolate.Rout).
    x, y = _data("ties")
    r = loess(x, y, degree=1, span=0.75, surface="interpolate")
    np.testing.assert_allclose(r.vertices, [0.955, 2, 4, 5, 7, 8, 10.045])
    _, fitted, _ = _case(("ties", 1, 0.75, "approximate", 0.2))
    np.testing.assert_allclose(r.fitted, fitted["fit"], atol=1e-4)
    assert np.ptp(r.fitted[x == 5]) == 0  # tied x, one fitted value


def test_edge_no_split_is_single_cell_hermite() -> None:
    # span 5 on cars: fc = floor(50 * 5 * 0.2) = 50 = n, the root is a leaf; the surface is
    # the one cubic Hermite piece between the bounding-box vertices (range ± 0.5 %).
    x, y = _data("cars")
    for degree in (1, 2):
        r = loess(x, y, degree=degree, span=5, surface="interpolate")
        assert r.vertices is not None
        np.testing.assert_allclose(r.vertices, [3.895, 25.105])
        rows = _local_rows(x, r.vertices, 5, degree, 2) @ y  # value and slope at vertices
        single = CubicHermiteSpline(r.vertices, rows[0], rows[1])
        np.testing.assert_allclose(r.fitted, single(x), rtol=1e-12)
        _, fitted, _ = _case(("cars", degree, 5.0, "approximate", 0.2))
        np.testing.assert_allclose(r.fitted, fitted["fit"], atol=1e-4)  # and R agrees


def test_edge_tree_capped_at_r_nvmax() -> None:
    # n = 400, cell 0.005: fc = 0 would split down to single points; R stops at
    # ncmax = max(200, n) = 400 cells, i.e. 200 leaves and 201 vertices ("k-d tree limited by
    # memory"), and the capped tree (not the full one) is what R interpolates.
    x, y = _data("capped")
    r = loess(x, y, degree=2, span=0.3, cell=0.005, surface="interpolate")
    assert r.vertices is not None and r.vertices.size == 201


def test_interpolation_reproduces_lines_and_passes_through_vertex_fits() -> None:
    x = np.linspace(0, 10, 60)
    line = loess(x, 3 - 2 * x, surface="interpolate", span=0.3)
    assert np.allclose(line.fitted, 3 - 2 * x)  # cubic Hermite of a line's values/slopes
    rng = np.random.default_rng(12)
    y = np.sin(x) + rng.normal(0, 0.2, x.size)
    interp = loess(x, y, degree=2, span=0.3, surface="interpolate")
    direct = loess(x, y, degree=2, span=0.3)
    assert interp.vertices is not None
    inner = interp.vertices[1:-1]
    np.testing.assert_allclose(interp.predict(inner)["fit"], direct.predict(inner)["fit"])


def test_exact_statistics_use_the_interpolated_operator() -> None:
    x, y = _data("cars")
    r = loess(x, y, degree=2, surface="interpolate", statistics="exact")
    assert r.vertices is not None
    vrows = _local_rows(x, r.vertices, r.span, 2, 2)  # vertex fit and slope rows
    op = np.stack(
        [CubicHermiteSpline(r.vertices, vrows[0][:, i], vrows[1][:, i])(x) for i in range(x.size)],
        axis=1,
    )
    m = np.eye(x.size) - op
    assert r.enp == pytest.approx(np.trace(op))
    assert r.one_delta == pytest.approx(np.trace(m.T @ m))


def test_defaults_and_conventions() -> None:
    x, y = _data("cars")
    assert loess(x, y).conventions["surface"] == "direct"
    assert loess(x, y).vertices is None
    r = loess(x, y, surface="interpolate")
    assert r.conventions["surface"] == "interpolate" and r.conventions["cell"] == 0.2
    assert "Hermite" in r.method


def test_interpolate_errors() -> None:
    x, y = _data("cars")
    with pytest.raises(ValueError, match="one predictor"):
        loess(np.column_stack([x, x**2]), y, surface="interpolate")
    with pytest.raises(ValueError, match="surface must be"):
        loess(x, y, surface="kd")
    with pytest.raises(ValueError, match="cell must be positive"):
        loess(x, y, surface="interpolate", cell=0)
