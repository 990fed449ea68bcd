"""Rank correlations with the p values of R ``cor.test``: Kendall's tau and Spearman's rho with
the exact / AS 89 null distribution for small samples.

:func:`prrt.stats.spearman` gives the SAS PROC CORR p value (t approximation on n - 2 df);
for small samples without ties R's ``cor.test(method = "spearman")`` uses the exact permutation
distribution of S = sum d^2 (n <= 9) or the Edgeworth series of algorithm AS 89 (n <= 1290),
reproduced by :func:`spearman_exact`. :func:`kendall_tau` is tau-b, with the exact null
distribution when n < 50 and there are no ties, else the normal approximation with the
tie-corrected variance of S (R ``cor.test(method = "kendall")``, no continuity correction).

Examples
--------
>>> x = [4.1, 2.7, 5.3, 1.2, 3.3, 6.8, 0.4, 2.2, 7.9, 5.0]
>>> y = [3.9, 1.6, 4.4, 2.5, 2.9, 7.7, 1.1, 0.7, 6.0, 5.5]
>>> round(kendall_tau(x, y).p_value, 6), round(spearman_exact(x, y).p_value, 6)
(0.000946, 0.000467)

References
----------
Best DJ, Roberts DE (1975). Algorithm AS 89: the upper tail probabilities of Spearman's rho.
Appl Stat 24:377-379. Kendall MG (1970) *Rank Correlation Methods*, 4th ed., ch. 4 (variance
of S with ties). Hollander, Wolfe & Chicken (2014) *Nonparametric Statistical Methods*, §8.1.
"""

from __future__ import annotations

import itertools
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats as sps

from prrt.stats.comparisons import CorrelationResult, _pairs

__all__ = ["kendall_tau", "spearman_exact"]

FloatArray = npt.NDArray[np.float64]

# AS 89 Edgeworth-series coefficients (Best & Roberts 1975)
_C = (
    0.2274,
    0.2531,
    0.1745,
    0.0758,
    0.1033,
    0.3932,
    0.0879,
    0.0151,
    0.0072,
    0.0831,
    0.0131,
    4.6e-4,
)


@lru_cache(maxsize=16)
def _s_distribution(n: int) -> FloatArray:
    """Sorted values of S = sum (i - p_i)^2 over all n! permutations (n <= 9)."""
    perms = np.array(list(itertools.permutations(range(n))), dtype=np.int64)
    return np.sort(((perms - np.arange(n)) ** 2).sum(axis=1).astype(float))


def prho(n: int, s: float, lower_tail: bool) -> float:
    """AS 89: ``P(S >= s)`` (upper) or ``P(S < s)`` (lower) under independence."""
    pv = 0.0 if lower_tail else 1.0
    if n <= 1 or s <= 0:
        return pv
    n3 = n * (n * n - 1) / 3.0
    if s > n3:
        return 1.0 - pv
    if n <= 9:
        dist = _s_distribution(n)
        upper = (dist.size - np.searchsorted(dist, s, side="left")) / dist.size
        return float(1.0 - upper if lower_tail else upper)
    c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12 = _C
    b = 1.0 / n
    x = (6.0 * (s - 1) * b / (n * n - 1.0) - 1.0) * np.sqrt(n - 1.0)
    y = x * x
    u = x * b * (c1 + b * (c2 + c3 * b) + y * (-c4 + b * (c5 + c6 * b)
                 - y * b * (c7 + c8 * b - y * (c9 - c10 * b + y * b * (c11 - c12 * y)))))  # fmt: skip
    corr = u / np.exp(y / 2.0)
    pv = (-corr + sps.norm.cdf(x)) if lower_tail else (corr + sps.norm.sf(x))
    return float(min(1.0, max(0.0, pv)))


def spearman_exact(x: Any, y: Any) -> CorrelationResult:
    """Spearman's rho with R ``cor.test``'s p value (exact / AS 89 without ties).

    With ties (or n > 1290) the p value is R's t approximation, as :func:`prrt.stats.spearman`.

    Returns
    -------
    CorrelationResult
        ``statistic`` is S = (n^3 - n)(1 - rho)/6; ``ci`` is NaN (R gives none).
    """
    a, b = _pairs(x, y)
    n = a.size
    ra, rb = sps.rankdata(a), sps.rankdata(b)
    r = float(np.corrcoef(ra, rb)[0, 1])
    q = (n**3 - n) * (1.0 - r) / 6.0
    ties = np.unique(a).size < n or np.unique(b).size < n
    if not ties and n <= 1290:
        lower = q <= (n**3 - n) / 6.0
        p1 = prho(n, round(q) + 2 * lower, lower)
        p = min(1.0, 2.0 * p1)
        how = "exact permutation distribution" if n <= 9 else "AS 89 Edgeworth series"
    else:
        t = r / np.sqrt((1 - r * r) / (n - 2))
        p = float(2 * sps.t.sf(abs(t), n - 2))
        how = "t approximation (ties)"
    return CorrelationResult(
        estimate=r,
        ci=(np.nan, np.nan),
        statistic=float(q),
        df=n - 2,
        p_value=float(p),
        n=n,
        method="Spearman rank correlation",
        conventions={"p": how, "statistic": "S = sum of squared rank differences"},
    )


def _tie_sums(v: FloatArray) -> tuple[float, float, float]:
    _, t = np.unique(v, return_counts=True)
    t = t.astype(float)
    return (
        float((t * (t - 1)).sum()),
        float((t * (t - 1) * (2 * t + 5)).sum()),
        float((t * (t - 1) * (t - 2)).sum()),
    )


def kendall_tau(x: Any, y: Any, *, exact: bool | None = None) -> CorrelationResult:
    """Kendall's tau-b with R ``cor.test(method = "kendall")``'s p value.

    Parameters
    ----------
    x, y : array_like
        Pairs with a missing value are dropped.
    exact : bool, optional
        Exact null distribution; default when n < 50 and there are no ties (R's rule).

    Returns
    -------
    CorrelationResult
        ``statistic``: T = number of concordant pairs (exact) or z (normal approximation).

    Notes
    -----
    ``Var(S) = [n(n-1)(2n+5) - sum t(t-1)(2t+5) - sum u(u-1)(2u+5)] / 18 + sum t(t-1) sum u(u-1)
    / (2n(n-1)) + sum t(t-1)(t-2) sum u(u-1)(u-2) / (9n(n-1)(n-2))`` with tie lengths t, u
    (Kendall 1970, eq. 4.4); ``z = S / sqrt(Var S)``, ``S = tau_b sqrt((T0 - T1)(T0 - T2))``.
    """
    a, b = _pairs(x, y)
    n = a.size
    res = sps.kendalltau(a, b, variant="b", method="asymptotic")
    tau = float(res.statistic)
    ties = np.unique(a).size < n or np.unique(b).size < n
    use_exact = (n < 50 and not ties) if exact is None else (exact and not ties)
    if use_exact:
        p = float(sps.kendalltau(a, b, method="exact").pvalue)
        stat = float(round((tau + 1.0) * n * (n - 1) / 4.0))  # concordant pairs T
        how = "exact null distribution"
    else:
        t0 = n * (n - 1) / 2.0
        x1, xv, x2 = _tie_sums(a)
        y1, yv, y2 = _tie_sums(b)
        s = tau * np.sqrt((t0 - x1 / 2.0) * (t0 - y1 / 2.0))
        var = (n * (n - 1) * (2 * n + 5) - xv - yv) / 18.0 + x1 * y1 / (2.0 * n * (n - 1))
        var += x2 * y2 / (9.0 * n * (n - 1) * (n - 2))
        stat = float(s / np.sqrt(var))
        p = float(2 * sps.norm.sf(abs(stat)))
        how = "normal approximation, tie-corrected variance, no continuity correction"
    return CorrelationResult(
        estimate=tau,
        ci=(np.nan, np.nan),
        statistic=float(stat),
        df=n - 2,
        p_value=p,
        n=n,
        method="Kendall's tau-b",
        conventions={"p": how},
    )
