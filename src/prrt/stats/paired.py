"""Paired comparisons: Wilcoxon signed-rank (with Hodges–Lehmann estimate and CI), McNemar
and Bowker's test of symmetry.

Pre/post laboratory values (platelets, eGFR before and after PRRT) and grade shifts (CTCAE
grade at baseline vs. worst grade) are paired: each patient is compared with themself.

Conventions: two-sided. Signed-rank as R ``wilcox.test(paired = TRUE, conf.int = TRUE)``:
zero differences dropped; exact distribution when n < 50 and there are no ties (R's rule,
overridable), else the normal approximation with tie correction and the 0.5 continuity
correction (SAS UNIVARIATE uses an exact/t approximation for its "Signed Rank" S; the
numbers here are R's). McNemar without continuity correction (SAS PROC FREQ ``AGREE``;
R's default corrects, an option here); Bowker's statistic over the pairs of cells
(i, j), i < j, with ``n_ij + n_ji > 0``: empty pairs carry no information and are left out
of the sum and of the degrees of freedom (R ``mcnemar.test`` returns NaN for them).

Examples
--------
>>> r = wilcoxon_signed_rank([7.1, 6.8, 9.0, 5.2, 8.4, 7.7], [6.0, 6.9, 7.1, 4.4, 6.2, 5.0])
>>> r.statistic, round(r.p_value, 4), r.exact
(20.0, 0.0625, True)
>>> m = mcnemar([[30, 12], [4, 20]])
>>> round(m.statistic, 3), m.df
(4.0, 1)
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import optimize
from scipy import stats as sps

from prrt.stats._result import ResultMixin, z_quantile

__all__ = ["SignedRankResult", "SymmetryResult", "bowker", "mcnemar", "wilcoxon_signed_rank"]

FloatArray = npt.NDArray[np.float64]


@dataclasses.dataclass(frozen=True)
class SignedRankResult(ResultMixin):
    """Wilcoxon signed-rank test of paired differences (x - y - mu).

    Attributes
    ----------
    statistic : float
        V = sum of the ranks of the positive differences (R's ``V``).
    p_value : float
    estimate : float
        Hodges–Lehmann estimate (pseudo-median of the differences).
    ci : tuple of float
        Confidence interval of the pseudo-median.
    achieved_level : float
        Exact coverage of the exact interval (NaN for the normal approximation).
    n : int
        Non-zero differences used; ``n_zero`` dropped zeros.
    exact : bool
    method : str
    conventions : dict
    """

    statistic: float
    p_value: float
    estimate: float
    ci: tuple[float, float]
    achieved_level: float
    n: int
    n_zero: int
    exact: bool
    method: str
    conventions: dict[str, Any]


def _signrank_pmf(n: int) -> FloatArray:
    """Exact null distribution of V for n untied non-zero differences (counts / 2^n)."""
    counts = np.zeros(n * (n + 1) // 2 + 1)
    counts[0] = 1.0
    top = 0
    for k in range(1, n + 1):
        counts[k : top + k + 1] += counts[: top + 1].copy()
        top += k
    return counts / 2.0**n


def _walsh(d: FloatArray) -> FloatArray:
    i, j = np.triu_indices(d.size)
    return np.sort((d[i] + d[j]) / 2.0)


def wilcoxon_signed_rank(
    x: Any,
    y: Any = None,
    *,
    mu: float = 0.0,
    exact: bool | None = None,
    correction: bool = True,
    alpha: float = 0.05,
) -> SignedRankResult:
    """Wilcoxon signed-rank test with the Hodges–Lehmann estimate and its CI.

    Parameters
    ----------
    x, y : array_like
        Paired values (``x - y`` is tested) or, with ``y`` None, the differences themselves.
        Pairs with a missing value are dropped.
    mu : float
        Null value of the pseudo-median.
    exact : bool, optional
        Exact distribution; default: n < 50 and no ties among |differences| (R). With ties
        or zeros an exact request falls back to the normal approximation (as R).
    correction : bool
        Continuity correction of the normal approximation (R default).
    alpha : float
        1 - confidence level.

    Returns
    -------
    SignedRankResult

    Notes
    -----
    Exact: ``p = min(1, 2 min(P(V <= v), P(V >= v)))``; CI ``(W_(q), W_(N + 1 - q))`` over the
    sorted Walsh averages W, ``q`` the ``alpha/2`` quantile of V (at least 1), N = n(n+1)/2
    (Hollander, Wolfe & Chicken 2014, §3.2-3.3; R ``wilcox.test``). Normal approximation:
    ``z = (V - n(n+1)/4 - 0.5 sign) / sqrt(n(n+1)(2n+1)/24 - sum(t^3 - t)/48)``; the estimate
    and limits solve ``z(d) = 0`` (without continuity correction) and ``z(d) = ±z_(alpha/2)``
    for the shifted data x - d by Brent's method with R's tolerance 1e-4, as R ``wilcox.test``
    (Bauer 1972, JASA 67:687-690): the limits are the Walsh averages where z(d) jumps across
    the quantile, to within 1e-4.
    """
    xa = np.asarray(x, dtype=float).ravel()
    d_all = xa - np.asarray(y, dtype=float).ravel() if y is not None else xa
    d_all = d_all[~np.isnan(d_all)]
    if d_all.size == 0:
        raise ValueError("no complete pairs")
    d = d_all - mu
    n_zero = int((d == 0).sum())
    d = d[d != 0]
    n = d.size
    if n == 0:
        raise ValueError("all differences equal mu: the signed-rank test is undefined")
    ranks = sps.rankdata(np.abs(d))
    v = float(ranks[d > 0].sum())
    ties = np.unique(ranks).size < n
    use_exact = (n < 50) if exact is None else exact
    use_exact = use_exact and not ties and n_zero == 0
    shifted = d + mu  # non-zero differences on the original scale (R drops zeros first)
    level = 1.0 - alpha
    if use_exact:
        pmf = _signrank_pmf(n)
        cdf = np.cumsum(pmf)
        vi = round(v)
        p = min(1.0, 2.0 * min(cdf[vi], 1.0 - (cdf[vi - 1] if vi > 0 else 0.0)))
        walsh = _walsh(shifted)
        q = int(np.searchsorted(cdf, alpha / 2.0 - 1e-12))  # smallest q with F(q) >= alpha/2
        q = max(q, 1)
        big_n = n * (n + 1) // 2
        ci = (float(walsh[q - 1]), float(walsh[big_n - q]))
        achieved = 1.0 - 2.0 * float(cdf[q - 1])
        est = float(np.median(walsh))
        method = "Wilcoxon signed-rank test (exact)"
    else:
        sigma_fn = _normal_z(shifted, correction)
        z0 = v - n * (n + 1) / 4.0
        _, tcount = np.unique(ranks, return_counts=True)
        sigma = np.sqrt(n * (n + 1) * (2 * n + 1) / 24.0 - (tcount**3 - tcount).sum() / 48.0)
        corr = 0.5 * np.sign(z0) if correction else 0.0
        zstat = (z0 - corr) / sigma
        p = float(min(1.0, 2.0 * sps.norm.sf(abs(zstat))))
        zq = z_quantile(alpha)
        lo_b, hi_b = float(shifted.min()), float(shifted.max())
        est = _root(_normal_z(shifted, False), 0.0, lo_b, hi_b)  # R: estimate uncorrected
        ci = (_root(sigma_fn, zq, lo_b, hi_b), _root(sigma_fn, -zq, lo_b, hi_b))
        achieved = float("nan")
        method = "Wilcoxon signed-rank test (normal approximation)"
    return SignedRankResult(
        statistic=v,
        p_value=float(p),
        estimate=est,
        ci=ci,
        achieved_level=achieved if use_exact else float("nan"),
        n=n,
        n_zero=n_zero,
        exact=use_exact,
        method=method,
        conventions={
            "zeros": "dropped",
            "distribution": "exact" if use_exact else "normal, tie-corrected",
            "continuity_correction": bool(correction and not use_exact),
            "estimate": "Hodges-Lehmann pseudo-median",
            "ci_level": level,
            "mu": mu,
        },
    )


def _normal_z(data: FloatArray, correction: bool) -> Any:
    """z(d) of the signed-rank statistic for ``data - d`` (R ``wdiff`` without the quantile)."""

    def z_of(d: float) -> float:
        xd = data - d
        xd = xd[xd != 0]
        nx = xd.size
        if nx == 0:
            return 0.0
        dr = sps.rankdata(np.abs(xd))
        zd = dr[xd > 0].sum() - nx * (nx + 1) / 4.0
        _, t = np.unique(dr, return_counts=True)
        sig = np.sqrt(nx * (nx + 1) * (2 * nx + 1) / 24.0 - (t**3 - t).sum() / 48.0)
        if sig == 0:
            return 0.0
        corr = 0.5 * np.sign(zd) if correction else 0.0
        return float((zd - corr) / sig)

    return z_of


def _root(z_of: Any, zq: float, lo: float, hi: float) -> float:
    """d with ``z(d) = zq`` on [lo, hi] (a step function: its jump point), as R's ``root``."""
    f_lo, f_hi = z_of(lo) - zq, z_of(hi) - zq
    if f_lo <= 0:
        return lo
    if f_hi >= 0:
        return hi
    return float(optimize.brentq(lambda d: z_of(d) - zq, lo, hi, xtol=1e-4))


@dataclasses.dataclass(frozen=True)
class SymmetryResult(ResultMixin):
    """McNemar (2×2) or Bowker (r×r) test of symmetry of a paired table.

    ``statistic``, ``df``, ``p_value``; ``n_discordant`` off-diagonal count; ``pairs_used``
    the cell pairs (i, j) entering the statistic.
    """

    statistic: float
    df: int
    p_value: float
    n_discordant: int
    pairs_used: int
    method: str
    conventions: dict[str, Any]


def _square(table: Any) -> FloatArray:
    t = np.asarray(table, dtype=float)
    if t.ndim != 2 or t.shape[0] != t.shape[1] or t.shape[0] < 2:
        raise ValueError(f"expected a square table, got shape {t.shape}")
    if np.any(t < 0) or np.any(t != np.round(t)):
        raise ValueError("table cells must be non-negative integers")
    return t


def mcnemar(table: Any, *, correction: bool = False, exact: bool = False) -> SymmetryResult:
    """McNemar's test for a paired 2×2 table ``[[a, b], [c, d]]`` (rows = before).

    Parameters
    ----------
    correction : bool
        Continuity correction ``(|b - c| - 1)^2 / (b + c)`` (R default); off by default (SAS).
    exact : bool
        Exact conditional test: two-sided binomial test of b among b + c at 1/2.

    Examples
    --------
    >>> r = mcnemar([[30, 12], [4, 20]], exact=True)
    >>> round(r.p_value, 4)
    0.0768
    """
    t = _square(table)
    if t.shape != (2, 2):
        return bowker(t)
    b, c = int(t[0, 1]), int(t[1, 0])
    if b + c == 0:
        raise ValueError("no discordant pairs: McNemar's test is undefined")
    if exact:
        p = float(sps.binomtest(b, b + c, 0.5).pvalue)
        stat, method = float(b), "McNemar's exact test (binomial)"
    else:
        num = (abs(b - c) - 1.0) ** 2 if correction else float(b - c) ** 2
        stat = num / (b + c)
        p = float(sps.chi2.sf(stat, 1))
        method = "McNemar's test" + (" with continuity correction" if correction else "")
    return SymmetryResult(
        statistic=float(stat),
        df=1,
        p_value=p,
        n_discordant=b + c,
        pairs_used=1,
        method=method,
        conventions={"continuity_correction": correction, "exact": exact},
    )


def bowker(table: Any) -> SymmetryResult:
    """Bowker's test of symmetry for a paired r×r table (e.g. CTCAE grade before × after).

    Notes
    -----
    ``X² = Σ_{i<j, n_ij + n_ji > 0} (n_ij - n_ji)² / (n_ij + n_ji)`` on as many degrees of
    freedom as pairs used (Bowker 1948, JASA 43:572-574); for a 2×2 table it is McNemar's
    statistic without correction.

    Examples
    --------
    >>> r = bowker([[10, 4, 1], [1, 8, 3], [0, 0, 5]])
    >>> round(r.statistic, 4), r.df
    (5.8, 3)
    """
    t = _square(table)
    i, j = np.triu_indices(t.shape[0], k=1)
    up, lo = t[i, j], t[j, i]
    used = (up + lo) > 0
    if not used.any():
        raise ValueError("no discordant pairs: the symmetry test is undefined")
    stat = float((((up - lo) ** 2)[used] / (up + lo)[used]).sum())
    df = int(used.sum())
    return SymmetryResult(
        statistic=stat,
        df=df,
        p_value=float(sps.chi2.sf(stat, df)),
        n_discordant=int((up + lo).sum()),
        pairs_used=df,
        method="Bowker's test of symmetry",
        conventions={"empty_pairs": f"{int((~used).sum())} left out of the sum and the df"},
    )
