"""Cleveland's LOESS (local polynomial regression) with pointwise confidence intervals.

A proper loess -- tricube neighbourhood weights, local linear or quadratic least squares --
not statsmodels' robust ``lowess`` smoother. Two surfaces, as R's ``loess.control(surface=)``:

* ``"direct"`` (the default here): the local fit is computed exactly at every point.
* ``"interpolate"`` (R's and ggplot's default): the local fit (value and slope) is computed
  only at the vertices of a k-d tree built on the predictor and the curve between vertices
  is the cubic Hermite interpolant (Cleveland & Grosse 1991, section 5). One predictor only.

Standard errors come from the linear operator ``L`` (``ŷ = L y``) of the surface actually
used; the residual scale and the t degrees of freedom use ``δ1 = tr((I-L)ᵀ(I-L))`` and
``δ2 = tr(((I-L)ᵀ(I-L))²)``, by default through Cleveland & Grosse's "lookup" approximation
from the exact ``tr(L)``, exactly as R's ``statistics = "approximate"`` (with
``trace.hat = "exact"``); ``statistics="exact"`` computes them from the full operator.

Conventions (``shared/spec/conventions.md``): degree 1 (SAS PROC LOESS) by default;
R/ggplot use degree 2, span 0.75 and the interpolated surface.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats as sps
from scipy.interpolate import CubicHermiteSpline

__all__ = ["LoessResult", "loess"]

_log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]

# ehg141 coefficients (netlib "dloess", W. S. Cleveland, E. Grosse, M.-J. Shyu; as shipped
# in R's src/library/stats/src/loessf.f): c1, c2, c3 per (degree, dimension) for δ1 then δ2.
_C = np.array(
    [
        [0.2971620, 0.3802660, 0.5886043], [0.4263766, 0.3346498, 0.6271053],
        [0.5241198, 0.3484836, 0.6687687], [0.6338795, 0.4076457, 0.7207693],
        [0.1611761, 0.3091323, 0.4401023], [0.2939609, 0.3580278, 0.5555741],
        [0.3972390, 0.4171278, 0.6293196], [0.4675173, 0.4699070, 0.6674802],
        [0.2848308, 0.2254512, 0.2914126], [0.5393624, 0.2517230, 0.3898970],
        [0.7603231, 0.2969113, 0.4740130], [0.9664956, 0.3629838, 0.5348889],
        [0.2075670, 0.2822574, 0.2369957], [0.3911566, 0.2981154, 0.3623232],
        [0.5508869, 0.3501989, 0.4371032], [0.7002667, 0.4291632, 0.4930370],
    ]
)  # fmt: skip
# ehg176: piecewise cubic Hermite correction c4(z) (knots, values, slopes), same source.
_KNOTS = [-0.005, 0.1204, 0.2017, 0.2815, 0.3705, 0.4536, 0.5591, 0.7132, 0.8751, 1.005]
_VALS = [-0.090572, 0.095807, 0.026152, -0.031926, -0.053718, -0.064170, -0.058387]
_VALS += [-0.020636, 0.040172, -0.010856]
_SLOPES = [4.4844, -0.7978, -0.7286, -0.4457, -0.3495, 0.032813, 0.1611, 0.3350, -0.041032]
_SLOPES += [-0.7736]
_EHG176 = CubicHermiteSpline(_KNOTS, _VALS, _SLOPES)


def _lookup_deltas(trl: float, n: int, degree: int, d: int = 1) -> tuple[float, float]:
    """δ1, δ2 approximated from tr(L) (R ``lowesa``/``ehg141``; one predictor)."""
    tau = {0: 1, 1: d + 1, 2: (d + 2) * (d + 1) // 2}[degree]

    def ehg141(deg: int) -> tuple[float, float]:
        corx = np.sqrt(tau / n)
        z = (np.sqrt(tau / trl) - corx) / (1 - corx)
        z = min(1.0, max(0.0, z))
        c4 = np.exp(float(_EHG176(z)))
        out = []
        for block in (0, 8):
            c1, c2, c3 = _C[block + (min(d, 4) - 1) + 4 * (deg - 1)]
            out.append(n - trl * np.exp(c1 * z**c2 * (1 - z) ** c3 * c4))
        return out[0], out[1]

    d1a, d2a = ehg141(1)
    d1b, d2b = ehg141(2)
    dka, dkb = d + 1, (d + 2) * (d + 1) // 2
    alpha = (tau - dka) / (dkb - dka)
    return (1 - alpha) * d1a + alpha * d1b, (1 - alpha) * d2a + alpha * d2b


def _local_rows(x: FloatArray, at: FloatArray, span: float, degree: int, k: int) -> FloatArray:
    """Rows of the first ``k`` local coefficients: ``coef_c(at) = out[c] @ y``.

    Shape ``(k, len(at), len(x))``; coefficient 0 is the local fit and coefficient 1 its
    slope (zero for degree 0, as R's ``ehg127``).
    """
    n = x.size
    q = min(n, int(np.floor(n * span)))
    out = np.zeros((k, at.size, n))
    for start in range(0, at.size, 256):
        a = at[start : start + 256]
        dx = x[None, :] - a[:, None]
        dist = np.abs(dx)
        h = np.partition(dist, q - 1, axis=1)[:, q - 1] * np.sqrt(max(1.0, span))
        if np.any(h <= 0):
            raise ValueError("span too small: zero-width neighbourhood (tied x values)")
        w = np.clip(1 - (dist / h[:, None]) ** 3, 0.0, None) ** 3
        basis = np.stack([dx**p for p in range(degree + 1)], axis=2)  # (m, n, p)
        xtwx = np.einsum("mn,mna,mnb->mab", w, basis, basis)
        for c in range(min(k, degree + 1)):
            e = np.zeros((a.size, degree + 1, 1))
            e[:, c, 0] = 1.0
            sol = np.linalg.solve(xtwx, e)[:, :, 0]  # (m, p) = row c of the inverse
            out[c, start : start + a.size] = w * np.einsum("mp,mnp->mn", sol, basis)
    return out


def _operator(x: FloatArray, at: FloatArray, span: float, degree: int) -> FloatArray:
    """Rows of the loess operator: ``fit(at) = L @ y`` (shape ``(len(at), len(x))``)."""
    return _local_rows(x, at, span, degree, 1)[0]


def _kd_vertices(x: FloatArray, span: float, cell: float) -> FloatArray:
    """Sorted vertices of R's one-predictor k-d tree (``ehg126``, ``ehg124``, ``ehg125``).

    The bounding box is the data range widened by 0.5 % on each side; cells are visited in
    creation order and a cell is split at the median of its points while it holds more
    than ``fc = floor(n · span · cell)`` points. With ties at the median the split moves to
    the nearest position (tried at offsets 0, +1, -1, +2, -2, ...) where consecutive order
    statistics differ, so that all tied points go to the same side; a split value equal to
    a cell bound makes the cell a leaf. R caps the tree at ``max(200, n)`` vertices and
    cells (``nvmax``, ``ncmax``), checked the same way here.
    """
    xs = np.sort(x)
    n = xs.size
    lo, hi = float(xs[0]), float(xs[-1])
    mu = 0.005 * max(hi - lo, 1e-10 * max(abs(lo), abs(hi)) + 1e-30)
    fc = int(np.floor(n * (span * cell)))
    nvmax = max(200, n)
    cells = [(0, n - 1, lo - mu, hi + mu)]  # sorted positions l..u and the cell's bounds
    verts = {lo - mu, hi + mu}
    p = 0
    while p < len(cells):
        left, right, vlo, vhi = cells[p]
        p += 1
        if right - left + 1 <= fc:
            continue
        if nvmax < len(cells) + 2 or nvmax < len(verts) + 1:
            _log.warning("loess k-d tree limited to %d cells/vertices (as R)", nvmax)
            break
        m = (left + right) // 2
        offset = 0
        while left <= m + offset < right:
            if xs[m + offset] == xs[m + offset + 1]:
                offset = -offset + (1 if offset <= 0 else 0)
            else:
                m += offset
                break
        split = float(xs[m])
        if split in (vlo, vhi):
            continue
        cells += [(left, m, vlo, split), (m + 1, right, split, vhi)]
        verts.add(split)
    return np.array(sorted(verts))


def _hermite_weights(
    x: FloatArray, at: FloatArray, verts: FloatArray
) -> tuple[npt.NDArray[np.intp], FloatArray]:
    """Enclosing cell ``j`` (vertices ``j``, ``j+1``) and the cubic Hermite weights.

    ``fit(at) = w0·g(v_j) + w1·g(v_j+1) + w2·g'(v_j) + w3·g'(v_j+1)`` with the Hermite basis
    of R's ``ehg128`` (one predictor); NaN weights outside the data range (R gives NA).
    """
    j = np.clip(np.searchsorted(verts, at, side="left") - 1, 0, verts.size - 2)
    width = verts[j + 1] - verts[j]
    h = (at - verts[j]) / width
    phi0, phi1 = (1 - h) ** 2 * (1 + 2 * h), h**2 * (3 - 2 * h)
    psi0, psi1 = h * (1 - h) ** 2 * width, h**2 * (h - 1) * width
    wts = np.column_stack([phi0, phi1, psi0, psi1])
    wts[(at < x.min()) | (at > x.max()) | np.isnan(at)] = np.nan
    return j, wts


def _combine(vv: FloatArray, j: npt.NDArray[np.intp], wts: FloatArray) -> FloatArray:
    """Hermite combination of vertex quantities ``vv[0]`` (fits) and ``vv[1]`` (slopes).

    ``vv`` has shape ``(2, nv)`` (vertex fits and slopes) or ``(2, nv, n)`` (their operator
    rows); the result has one entry (row) per evaluation point.
    """
    w = wts.reshape(wts.shape + (1,) * (vv.ndim - 2))
    out: FloatArray = w[:, 0] * vv[0, j] + w[:, 1] * vv[0, j + 1]
    return out + w[:, 2] * vv[1, j] + w[:, 3] * vv[1, j + 1]


@dataclasses.dataclass(frozen=True)
class LoessResult:
    """Fitted loess curve; ``predict(x_new)`` (alias ``fit``) gives fit, se and the CI.

    Attributes
    ----------
    x, y, fitted, residuals : numpy.ndarray
        Complete-case data (input order) and the fit at the data.
    span : float
    degree : int
    enp : float
        Equivalent number of parameters ``tr(L)``.
    one_delta, two_delta : float
        δ1 and δ2 (lookup approximation or exact, per ``conventions['statistics']``).
    residual_scale : float
        ``s = sqrt(Σ r² / δ1)``.
    df : float
        "Lookup degrees of freedom" ``δ1² / δ2`` for the t quantile.
    method : str
    conventions : dict
    surface : {"direct", "interpolate"}
    vertices : numpy.ndarray or None
        k-d tree vertices (sorted) of the interpolated surface; None for "direct".
    """

    x: FloatArray
    y: FloatArray
    fitted: FloatArray
    residuals: FloatArray
    span: float
    degree: int
    enp: float
    one_delta: float
    two_delta: float
    residual_scale: float
    df: float
    method: str
    conventions: dict[str, Any]
    surface: str = "direct"
    vertices: FloatArray | None = None

    def _fit_se(self, at: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Fit and ``sqrt(Σ_j L_ij²)`` at ``at`` (interpolate: operator rows in blocks)."""
        if self.vertices is None:
            op = _operator(self.x, at, self.span, self.degree)
            return op @ self.y, np.sqrt((op**2).sum(axis=1))
        vrows = _local_rows(self.x, self.vertices, self.span, self.degree, 2)
        j, wts = _hermite_weights(self.x, at, self.vertices)
        block = max(1, 2**21 // self.x.size)  # about 16 MB of operator rows at a time
        norm = np.empty(at.size)
        for i in range(0, at.size, block):
            rows = _combine(vrows, j[i : i + block], wts[i : i + block])
            norm[i : i + block] = np.sqrt((rows**2).sum(axis=1))
        return _combine(vrows @ self.y, j, wts), norm

    def predict(self, x_new: Any = None, *, alpha: float = 0.05) -> pd.DataFrame:
        """Fit, standard error and pointwise ``1 - alpha`` interval at ``x_new``.

        ``se = s · sqrt(Σ_j L_ij²)``; interval ``fit ± t_{δ1²/δ2, 1-α/2} · se`` (R
        ``predict.loess(se = TRUE)``). ``x_new=None`` predicts at the sorted data. With
        ``surface="interpolate"`` ``L`` is the exact operator of the interpolated surface
        (as R's ``lowesl``) and points outside the data range give NaN (R gives NA).

        Returns
        -------
        pandas.DataFrame
            ``x, fit, se, lower, upper``.
        """
        at = np.unique(self.x) if x_new is None else np.asarray(x_new, dtype=float).ravel()
        fit, norm = self._fit_se(at)
        se = self.residual_scale * norm
        tq = float(sps.t.ppf(1 - alpha / 2, self.df))
        return pd.DataFrame(
            {"x": at, "fit": fit, "se": se, "lower": fit - tq * se, "upper": fit + tq * se}
        )

    def fit(self, x_new: Any = None, *, alpha: float = 0.05) -> pd.DataFrame:
        """Alias of :meth:`predict`."""
        return self.predict(x_new, alpha=alpha)

    def to_frame(self) -> pd.DataFrame:
        """The fit at the sorted distinct data values with 95 % pointwise intervals."""
        return self.predict()


def loess(
    x: Any,
    y: Any,
    *,
    degree: int = 1,
    span: float = 0.75,
    family: str = "gaussian",
    statistics: str = "approximate",
    surface: str = "direct",
    cell: float = 0.2,
) -> LoessResult:
    """Fit a one-predictor loess curve (Cleveland 1979; Cleveland & Devlin 1988).

    Parameters
    ----------
    x, y : array_like
        Predictor and response; pairs with a missing value are dropped.
    degree : {0, 1, 2}
        Degree of the local polynomial (1 = SAS default; R's default is 2).
    span : float
        Fraction of points in each neighbourhood, ``q = floor(n · span)``; for ``span > 1``
        the neighbourhood radius is the maximal distance times ``sqrt(span)`` (as R's
        ``ehg127``, which scales squared distances by the span).
    family : {"gaussian"}
        Only least squares is implemented (no robustness iterations).
    statistics : {"approximate", "exact"}
        δ1/δ2 from the lookup approximation (R default) or exactly from the operator.
    surface : {"direct", "interpolate"}
        ``"direct"`` (default): local fit at every point. ``"interpolate"`` (R's default):
        local fit and slope at the vertices of a k-d tree, cubic Hermite in between.
    cell : float
        k-d tree cell size (R ``loess.control(cell = 0.2)``): a cell is split while it holds
        more than ``floor(n · span · cell)`` points. Used only with ``"interpolate"``.

    Raises
    ------
    ValueError
        Unknown option, too few points, or ``x`` with more than one column (one
        predictor only; R's two-predictor k-d tree blending is not implemented).

    Notes
    -----
    Weights ``w_j = (1 - (|x_j - x0| / h)³)³`` for ``|x_j - x0| < h``, ``h`` the distance to
    the q-th nearest neighbour; local fit by weighted least squares, computed directly at
    every point (R ``surface = "direct"``). Cleveland WS, Grosse E. Computational methods for
    local regression. Statistics and Computing 1991;1:47-62 (δ approximations; section 5:
    k-d tree and vertex interpolation, as in the netlib ``dloess`` code shipped with R).

    With ``surface="interpolate"`` everything R reports is reproduced, not approximated:
    the fitted values are the Hermite interpolant of the vertex fits, ``tr(L)`` is the
    exact trace of that interpolated operator (R ``trace.hat = "exact"``), δ1/δ2 come from
    the same lookup as for ``"direct"`` (or exactly, ``statistics="exact"``), and standard
    errors use the exact rows of the interpolated operator (R ``predict(se = TRUE)``).
    Checked against R 4.2 on ``cars``, ``faithful`` and ``airquality`` (tests). Unlike
    ``"direct"``, the interpolated fit never forms the ``n × n`` operator (only for
    ``statistics="exact"``), so it suits large cohorts as R recommends.

    Examples
    --------
    >>> xs = np.arange(10.0)
    >>> r = loess(xs, 2 * xs + 1, degree=1, span=0.5)
    >>> np.allclose(r.fitted, 2 * xs + 1)  # local linear fits reproduce a line exactly
    True

    R's default surface, interpolated between k-d tree vertices (``cars``, first rows):

    >>> speed = [4, 4, 7, 7, 8, 9, 10, 10, 10, 11, 11, 12, 12, 12, 12, 13, 13, 13, 13, 14]
    >>> dist = [2, 10, 4, 22, 16, 10, 18, 26, 34, 17, 28, 14, 20, 24, 28, 26, 34, 34, 46, 26]
    >>> ri = loess(speed, dist, degree=2, surface="interpolate")
    >>> ri.vertices.tolist()  # R: sort(c(fit$kd$vert, fit$kd$xi[fit$kd$a != 0]))
    [3.95, 4.0, 7.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.05]
    >>> ri.fitted[:3].round(4).tolist()  # R: fitted(loess(dist ~ speed, cars[1:20, ]))
    [6.1387, 6.1387, 11.97]
    >>> ri.conventions["surface"]
    'interpolate'
    """
    if family != "gaussian":
        raise ValueError("only family='gaussian' is implemented")
    if degree not in (0, 1, 2):
        raise ValueError("degree must be 0, 1 or 2")
    if statistics not in ("approximate", "exact"):
        raise ValueError("statistics must be 'approximate' or 'exact'")
    if surface not in ("direct", "interpolate"):
        raise ValueError("surface must be 'direct' or 'interpolate'")
    if not cell > 0:
        raise ValueError("cell must be positive")
    xa = np.asarray(x, dtype=float)
    if xa.ndim > 1 and xa.shape[1] > 1:
        raise ValueError(
            f"loess(surface={surface!r}) takes one predictor; x has {xa.shape[1]} columns "
            "(two-predictor k-d tree interpolation is not implemented)"
        )
    xa = xa.ravel()
    ya = np.asarray(y, dtype=float).ravel()
    if xa.shape != ya.shape:
        raise ValueError("x and y differ in length")
    ok = ~(np.isnan(xa) | np.isnan(ya))
    xa, ya = xa[ok], ya[ok]
    n = xa.size
    if n * span < degree + 1 or n < degree + 2:
        raise ValueError(f"too few points (n={n}) for span={span} and degree={degree}")
    verts = _kd_vertices(xa, span, cell) if surface == "interpolate" else None
    if verts is None:
        op = _operator(xa, xa, span, degree)
        fitted, trl = op @ ya, float(np.trace(op))
    else:  # n x n operator formed only for exact statistics (as R's lowesl)
        vrows = _local_rows(xa, verts, span, degree, 2)
        j, wts = _hermite_weights(xa, xa, verts)
        fitted = _combine(vrows @ ya, j, wts)
        i = np.arange(n)  # diagonal of the interpolated operator, L_ii
        diag = wts[:, 0] * vrows[0, j, i] + wts[:, 1] * vrows[0, j + 1, i]
        trl = float((diag + wts[:, 2] * vrows[1, j, i] + wts[:, 3] * vrows[1, j + 1, i]).sum())
        if statistics == "exact":
            op = _combine(vrows, j, wts)
    resid = ya - fitted
    if statistics == "exact":
        m = np.eye(n) - op
        mm = m.T @ m
        one, two = float(np.trace(mm)), float((mm * mm.T).sum())
    else:
        one, two = _lookup_deltas(trl, n, degree)
    s = float(np.sqrt((resid**2).sum() / one))
    return LoessResult(
        x=xa,
        y=ya,
        fitted=fitted,
        residuals=resid,
        span=span,
        degree=degree,
        enp=trl,
        one_delta=one,
        two_delta=two,
        residual_scale=s,
        df=one**2 / two,
        method="loess (direct computation)"
        if verts is None
        else "loess (k-d tree vertices, cubic Hermite interpolation)",
        conventions={
            "degree": degree,
            "span": span,
            "kernel": "tricube",
            "surface": surface,
            "surface_default": "direct (exact local fit at every point); R and ggplot "
            "default to 'interpolate'",
            "cell": cell if verts is not None else None,
            "statistics": statistics,
            "ci": "pointwise, t with lookup df δ1²/δ2",
            "reference_software": f"R loess(surface = '{surface}')",
        },
        surface=surface,
        vertices=verts,
    )
