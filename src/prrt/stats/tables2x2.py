"""Contingency tables: 2×2 odds ratios, Fisher's exact test (2×2 and r×c), chi-square.

Conventions (``shared/spec/conventions.md``): for a single 2×2 table with a zero cell the
"modified Wald" OR (Haldane–Anscombe: 0.5 added to every cell) is used, z = 1.959964;
Fisher's exact test is two-sided and the OR shown is labelled; the 2×2 chi-square is
Pearson's without continuity correction.

Tables are oriented ``[[a, b], [c, d]]`` with rows = groups (exposed first) and columns =
outcome (event first), so the odds ratio is ``a d / (b c)`` (odds of the event in row 1 over
row 2). :func:`two_by_two` builds such a table from event counts.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import optimize
from scipy import stats as sps

from prrt.stats._fisher_rxc import fisher_rxc_network
from prrt.stats._result import ResultMixin, z_quantile

__all__ = [
    "ChiSquareResult",
    "FisherResult",
    "OddsRatioResult",
    "chi_square",
    "fisher_exact",
    "odds_ratio",
    "two_by_two",
]

FloatArray = npt.NDArray[np.float64]


def two_by_two(events_1: int, n_1: int, events_2: int, n_2: int) -> npt.NDArray[np.int64]:
    """2×2 table ``[[e1, n1-e1], [e2, n2-e2]]`` from event counts (group 1 = exposed).

    Examples
    --------
    >>> two_by_two(5, 12, 3, 35).tolist()
    [[5, 7], [3, 32]]
    """
    if not (0 <= events_1 <= n_1 and 0 <= events_2 <= n_2):
        raise ValueError("need 0 <= events <= n in each group")
    return np.array([[events_1, n_1 - events_1], [events_2, n_2 - events_2]], dtype=np.int64)


def _table(table: Any, *, square2: bool = True) -> npt.NDArray[np.float64]:
    t = np.asarray(table, dtype=float)
    if t.ndim != 2 or (square2 and t.shape != (2, 2)):
        raise ValueError(f"expected a 2×2 table, got shape {t.shape}")
    if np.any(t < 0) or np.any(t != np.round(t)):
        raise ValueError("table cells must be non-negative integers")
    return t


@dataclasses.dataclass(frozen=True)
class OddsRatioResult(ResultMixin):
    """Odds ratio of a 2×2 table ``[[a, b], [c, d]]`` = ``a d / (b c)``.

    ``statistic`` is the Wald z of log OR (NaN for the conditional method), ``p_value`` the
    Wald p (Fisher's exact p for the conditional method), ``corrected`` whether 0.5 was added.
    """

    estimate: float
    ci: tuple[float, float]
    statistic: float
    p_value: float
    se_log: float
    corrected: bool
    method: str
    conventions: dict[str, Any]


def odds_ratio(table: Any, *, method: str = "wald", alpha: float = 0.05) -> OddsRatioResult:
    """Odds ratio with confidence interval for a 2×2 table.

    Parameters
    ----------
    table : array_like, shape (2, 2)
        ``[[a, b], [c, d]]``: rows = groups (exposed first), columns = outcome (event first).
    method : {"wald", "modified_wald", "conditional"}
        ``"wald"``: sample OR ``ad/bc`` and Wald CI on log OR (not estimable when a cell is 0:
        NaN with the CI NaN); ``"modified_wald"``: Haldane–Anscombe, 0.5 added to every cell
        when any cell is 0, then Wald; ``"conditional"``: conditional maximum-likelihood OR
        with the exact conditional CI, as R ``fisher.test``.
    alpha : float
        Two-sided level; 0.05 uses z = 1.959964.

    Returns
    -------
    OddsRatioResult

    Notes
    -----
    ``se(log OR) = sqrt(1/a + 1/b + 1/c + 1/d)`` (Woolf 1955); Haldane (1956) and Anscombe
    (1956) 0.5 correction. The conditional estimate solves ``E[a | margins; ψ] = a`` in the
    noncentral hypergeometric distribution; its limits invert the two one-sided exact tests
    at ``α/2`` each (Cornfield 1956; R ``fisher.test``).

    Examples
    --------
    >>> r = odds_ratio([[5, 0], [3, 39]], method="modified_wald")  # Ferrara 2025, OMIS >= 30 %
    >>> round(r.estimate, 1), round(r.ci[0], 1)
    (124.1, 5.6)
    """
    t = _table(table)
    z = z_quantile(alpha)
    conventions: dict[str, Any] = {"alpha": alpha, "orientation": "rows=groups, cols=event/no"}
    if method == "conditional":
        fr = fisher_exact(t, alpha=alpha, odds_ratio="conditional")
        conventions["ci"] = "exact conditional (R fisher.test)"
        return OddsRatioResult(
            estimate=fr.estimate,
            ci=fr.ci,
            statistic=np.nan,
            p_value=fr.p_value,
            se_log=np.nan,
            corrected=False,
            method="conditional maximum-likelihood odds ratio",
            conventions=conventions,
        )
    if method not in ("wald", "modified_wald"):
        raise ValueError("method must be 'wald', 'modified_wald' or 'conditional'")
    corrected = method == "modified_wald" and bool(np.any(t == 0))
    if corrected:
        t = t + 0.5
    a, b, c, d = t.ravel()
    conventions["ci"] = "Wald on log OR"
    conventions["z"] = round(z, 6)
    conventions["zero_cell_correction"] = "0.5 added to every cell" if corrected else "none"
    if np.any(t == 0):
        with np.errstate(divide="ignore"):
            est = (a * d) / (b * c) if b * c > 0 else (np.inf if a * d > 0 else np.nan)
        return OddsRatioResult(
            estimate=float(est),
            ci=(np.nan, np.nan),
            statistic=np.nan,
            p_value=np.nan,
            se_log=np.nan,
            corrected=False,
            method="Wald odds ratio (not estimable: zero cell)",
            conventions=conventions,
        )
    log_or = np.log(a * d / (b * c))
    se = float(np.sqrt(1 / a + 1 / b + 1 / c + 1 / d))
    zs = log_or / se
    return OddsRatioResult(
        estimate=float(np.exp(log_or)),
        ci=(float(np.exp(log_or - z * se)), float(np.exp(log_or + z * se))),
        statistic=float(zs),
        p_value=float(2 * sps.norm.sf(abs(zs))),
        se_log=se,
        corrected=corrected,
        method="modified Wald odds ratio (Haldane-Anscombe)" if corrected else "Wald odds ratio",
        conventions=conventions,
    )


# noncentral hypergeometric pieces (R fisher.test, stats/R/fisher.test.R)
def _nhyper(t: FloatArray) -> tuple[FloatArray, FloatArray, int, int, int]:
    m, n, k = t[:, 0].sum(), t[:, 1].sum(), t[0, :].sum()
    lo, hi = int(max(0, k - n)), int(min(k, m))
    support = np.arange(lo, hi + 1, dtype=float)
    logdc = sps.hypergeom.logpmf(support, m + n, m, k)
    return support, logdc, lo, hi, int(t[0, 0])


def _dnhyper(support: FloatArray, logdc: FloatArray, log_psi: float) -> FloatArray:
    d = logdc + log_psi * support
    d = np.exp(d - d.max())
    return d / d.sum()


def _conditional_or(t: FloatArray, alpha: float) -> tuple[float, tuple[float, float]]:
    support, logdc, lo, hi, x = _nhyper(t)

    def mean(lp: float) -> float:
        return float(support @ _dnhyper(support, logdc, lp))

    def tail(lp: float, upper: bool) -> float:
        d = _dnhyper(support, logdc, lp)
        return float(d[support >= x].sum() if upper else d[support <= x].sum())

    def root(f: Any) -> float:
        a, b = -1.0, 1.0
        while f(a) * f(b) > 0 and b < 800:
            a, b = 2 * a, 2 * b
        return float(np.exp(optimize.brentq(f, a, b, xtol=1e-12)))

    est = 0.0 if x == lo else np.inf if x == hi else root(lambda lp: mean(lp) - x)
    a2 = alpha / 2
    lower = 0.0 if x == lo else root(lambda lp: tail(lp, True) - a2)
    upper = np.inf if x == hi else root(lambda lp: tail(lp, False) - a2)
    return est, (lower, upper)


@dataclasses.dataclass(frozen=True)
class FisherResult(ResultMixin):
    """Fisher's exact test: two-sided ``p_value``; for 2×2 tables an OR ``estimate``
    (sample ``ad/bc`` or conditional MLE, per ``conventions['odds_ratio']``) and the exact
    conditional ``ci``; NaN for r×c tables. ``exact`` is False only when an r×c table was too
    large for the exact computation and ``p_value`` is a Monte Carlo estimate (``method`` and
    ``conventions['p']`` say so)."""

    estimate: float
    ci: tuple[float, float]
    p_value: float
    method: str
    conventions: dict[str, Any]
    exact: bool = True


def fisher_exact(
    table: Any, *, alpha: float = 0.05, odds_ratio: str = "sample", max_work: int = 500_000_000
) -> FisherResult:
    """Fisher's exact test for a 2×2 or r×c table (two-sided).

    Parameters
    ----------
    table : array_like
        Counts; 2×2 oriented as in :func:`odds_ratio`.
    alpha : float
        Level of the conditional CI (2×2 only).
    odds_ratio : {"sample", "conditional"}
        OR reported for a 2×2 table: the sample OR ``ad/bc`` (SAS) or the conditional MLE
        (R). The CI is always the exact conditional interval (R ``fisher.test``).
    max_work : int
        r×c tables: the most (partial table, column) steps of the network algorithm before
        giving up on the exact p (then a Monte Carlo estimate, labelled, ``exact=False``).
        The default is enough for 4×5 tables with n = 100 (about 5 s); strongly associated
        3×4 tables with n >= 200 can exceed it (R's ``fisher.test`` with its default
        workspace fails on those too) and then cost about 100 s before the fallback.

    Notes
    -----
    Two-sided p = sum of the probabilities of all tables with the observed margins that are
    no more probable than the observed one (with R's relative tolerance 1e-7). 2×2:
    :func:`scipy.stats.fisher_exact`; r×c: the network algorithm of Mehta & Patel (1983),
    as R ``fisher.test`` (FEXACT), exact and independent of the table's orientation.

    Examples
    --------
    >>> fisher_exact([[5, 0], [3, 39]]).p_value < 0.001  # Ferrara 2025, OMIS >= 30 %
    True
    """
    t = _table(table, square2=False)
    if t.shape == (2, 2):
        p = float(sps.fisher_exact(t.astype(np.int64)).pvalue)
        cond, ci = _conditional_or(t, alpha)
        a, b, c, d = t.ravel()
        if odds_ratio == "conditional":
            est = cond
        elif odds_ratio == "sample":
            with np.errstate(divide="ignore", invalid="ignore"):
                est = float(a * d / (b * c)) if b * c > 0 else (np.inf if a * d > 0 else np.nan)
        else:
            raise ValueError("odds_ratio must be 'sample' or 'conditional'")
        return FisherResult(
            estimate=est,
            ci=ci,
            p_value=p,
            method="Fisher's exact test",
            conventions={
                "sided": "two-sided",
                "odds_ratio": "sample ad/bc" if odds_ratio == "sample" else "conditional MLE",
                "ci": "exact conditional (R fisher.test)",
                "alpha": alpha,
            },
        )
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    if min(t.shape) < 2:
        return FisherResult(np.nan, (np.nan, np.nan), 1.0, "Fisher's exact test", {})
    if t.shape[0] > t.shape[1]:
        t = t.T  # one orientation, so that a Monte Carlo fallback does not depend on it
    p_exact = fisher_rxc_network(t.astype(np.int64), max_work=max_work)
    conventions: dict[str, Any] = {"sided": "two-sided", "table": f"{t.shape[0]}×{t.shape[1]}"}
    if p_exact is None:
        mc = sps.MonteCarloMethod(n_resamples=100_000, rng=np.random.default_rng(20240611))
        p = float(sps.fisher_exact(t.astype(np.int64), method=mc).pvalue)
        conventions["p"] = (
            "NOT EXACT: Monte Carlo estimate (100,000 random tables, seed 20240611) because "
            f"the exact computation needs more than {max_work:,} steps"
        )
        method = "Fisher's test (r×c), Monte Carlo p value: table too large for the exact test"
    else:
        p = p_exact
        conventions["p"] = "exact (network algorithm, Mehta & Patel 1983)"
        method = "Fisher's exact test (r×c)"
    return FisherResult(
        estimate=np.nan,
        ci=(np.nan, np.nan),
        p_value=p,
        method=method,
        conventions=conventions,
        exact=p_exact is not None,
    )


@dataclasses.dataclass(frozen=True)
class ChiSquareResult(ResultMixin):
    """Pearson chi-square test of independence; ``expected`` counts and their minimum."""

    statistic: float
    df: int
    p_value: float
    min_expected: float
    expected: FloatArray
    method: str
    conventions: dict[str, Any]


def chi_square(table: Any, correction: bool = False) -> ChiSquareResult:
    """Pearson chi-square test for an r×c table (no continuity correction by default).

    Parameters
    ----------
    table : array_like
    correction : bool
        Yates' continuity correction for 2×2 tables (R ``chisq.test`` default); SAS's
        default "Chi-Square" row is uncorrected.

    Examples
    --------
    >>> r = chi_square([[12, 5], [7, 9]])
    >>> round(r.statistic, 4), r.df
    (2.4306, 1)
    """
    t = _table(table, square2=False)
    if np.any(t.sum(axis=0) == 0) or np.any(t.sum(axis=1) == 0):
        raise ValueError("a row or column of the table sums to 0: chi-square undefined")
    stat, p, df, expected = sps.chi2_contingency(t, correction=correction)
    return ChiSquareResult(
        statistic=float(stat),
        df=int(df),
        p_value=float(p),
        min_expected=float(np.min(expected)),
        expected=np.asarray(expected, dtype=float),
        method="Pearson chi-square" + (" with Yates correction" if correction and df == 1 else ""),
        conventions={"continuity_correction": bool(correction and df == 1)},
    )
