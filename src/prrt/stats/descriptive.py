"""Descriptive statistics for "Table 1", group comparisons, and display rounding.

Conventions (``shared/spec/conventions.md``): quartiles use SAS PCTLDEF=5 (numpy
``method="averaged_inverted_cdf"``); categorical comparisons use Pearson's chi-square, or
Fisher's exact test when any expected count is below 5; continuous comparisons use the
Wilcoxon rank-sum test (Kruskal–Wallis for more than two groups; t test as an option); display
rounding is half away from zero (``decimal.ROUND_HALF_UP``), never Python's ``round``.
"""

from __future__ import annotations

import dataclasses
import decimal
from typing import Any

import numpy as np
import pandas as pd

from prrt.stats._result import ResultMixin
from prrt.stats.comparisons import kruskal_wallis, t_test, wilcoxon_rank_sum
from prrt.stats.tables2x2 import chi_square, fisher_exact

__all__ = [
    "CategoricalSummary",
    "ContinuousSummary",
    "GroupComparison",
    "compare_groups",
    "describe_categorical",
    "describe_continuous",
    "format_estimate",
    "format_p",
    "round_half_up",
]


def round_half_up(x: float, digits: int = 0) -> float:
    """Round half away from zero at ``digits`` decimals (SAS ``ROUND``; not IEC 60559).

    The value is first reduced to 12 significant digits (a relative fuzz of about 1e-12,
    like SAS's ``ROUND`` function, which treats values within its fuzz of a half as the
    half), then rounded half-up in decimal: ``2.675`` becomes ``2.68`` and an OR computed as
    ``5.249999999999999`` (floating-point noise for 5.25) becomes ``5.3``; Python's
    ``round(2.675, 2)`` gives ``2.67`` (binary representation, half-to-even).

    Examples
    --------
    >>> round_half_up(2.5), round_half_up(-2.5), round_half_up(2.675, 2), round_half_up(15.75, 1)
    (3.0, -3.0, 2.68, 15.8)
    >>> round_half_up(5.249999999999999, 1)
    5.3
    >>> round_half_up(1e300, 2)
    1e+300
    """
    if x is None or not np.isfinite(x):
        return float("nan") if x is None else float(x)
    if abs(x) >= 1e15:
        # beyond 15 significant digits a double has no decimals left to round
        return float(x)
    ctx = decimal.Context(prec=12, rounding=decimal.ROUND_HALF_EVEN)
    fuzzed = ctx.create_decimal(repr(float(x)))
    q = decimal.Decimal(1).scaleb(-digits)
    return float(fuzzed.quantize(q, rounding=decimal.ROUND_HALF_UP))


def _fmt(x: float, digits: int) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "NE"
    if np.isinf(x):
        return "∞" if x > 0 else "-∞"
    return f"{round_half_up(x, digits):.{digits}f}"


def format_estimate(
    estimate: float, ci: tuple[float, float] | None = None, digits: int = 1, sep: str = "–"
) -> str:
    """``"7.6 [1.5–39.6]"`` with half-up rounding; NaN prints as ``NE`` (not estimable).

    Examples
    --------
    >>> format_estimate(7.619, (1.4654, 39.613))
    '7.6 [1.5–39.6]'
    >>> format_estimate(float("nan"))
    'NE'
    """
    text = _fmt(estimate, digits)
    if ci is not None:
        text += f" [{_fmt(ci[0], digits)}{sep}{_fmt(ci[1], digits)}]"
    return text


def format_p(p: float, digits: int = 3, threshold: float = 0.001) -> str:
    """p value for display: ``"< 0.001"`` below ``threshold``, else half-up rounded.

    Examples
    --------
    >>> format_p(0.0000365), format_p(0.06572), format_p(float("nan"))
    ('< 0.001', '0.066', 'NE')
    """
    if p is None or np.isnan(p):
        return "NE"
    if p < threshold:
        return f"< {threshold:g}"
    return _fmt(p, digits)


@dataclasses.dataclass(frozen=True)
class ContinuousSummary(ResultMixin):
    """n, missing, mean, sd, median, q1, q3 (SAS PCTLDEF=5), min, max of a variable."""

    n: int
    missing: int
    mean: float
    sd: float
    median: float
    q1: float
    q3: float
    min: float
    max: float
    method: str
    conventions: dict[str, Any]

    def median_range(self, digits: int = 1) -> str:
        """``"68 (25–84)"``-style text: median (range)."""
        return f"{_fmt(self.median, digits)} ({_fmt(self.min, digits)}–{_fmt(self.max, digits)})"

    def median_iqr(self, digits: int = 1) -> str:
        """median (q1–q3)."""
        return f"{_fmt(self.median, digits)} ({_fmt(self.q1, digits)}–{_fmt(self.q3, digits)})"

    def mean_sd(self, digits: int = 1) -> str:
        """mean (SD)."""
        return f"{_fmt(self.mean, digits)} ({_fmt(self.sd, digits)})"


def describe_continuous(x: Any) -> ContinuousSummary:
    """Summary of a continuous variable for Table 1.

    Examples
    --------
    >>> s = describe_continuous([1, 2, 3, 4, np.nan])
    >>> s.n, s.missing, s.median, s.q1, s.q3  # PCTLDEF=5: q1 = (1+2)/2
    (4, 1, 2.5, 1.5, 3.5)
    """
    a = np.asarray(pd.to_numeric(pd.Series(np.asarray(x).ravel()), errors="coerce"), dtype=float)
    v = a[~np.isnan(a)]
    n = int(v.size)
    conventions = {"percentiles": "SAS PCTLDEF=5 (averaged_inverted_cdf)", "sd": "n - 1"}
    if n == 0:
        nan = float("nan")
        return ContinuousSummary(0, int(a.size), nan, nan, nan, nan, nan, nan, nan, "", conventions)
    q1, med, q3 = np.percentile(v, [25, 50, 75], method="averaged_inverted_cdf")
    return ContinuousSummary(
        n=n,
        missing=int(a.size - n),
        mean=float(v.mean()),
        sd=float(v.std(ddof=1)) if n > 1 else float("nan"),
        median=float(med),
        q1=float(q1),
        q3=float(q3),
        min=float(v.min()),
        max=float(v.max()),
        method="descriptive statistics",
        conventions=conventions,
    )


@dataclasses.dataclass(frozen=True)
class CategoricalSummary(ResultMixin):
    """Counts and percentages (of non-missing values) per level.

    ``table`` columns: ``level, n, pct, text`` (``"25 (53.2)"``).
    """

    table: pd.DataFrame
    n: int
    missing: int
    method: str
    conventions: dict[str, Any]

    def to_frame(self) -> pd.DataFrame:
        """The per-level table (copy)."""
        return self.table.copy()


def describe_categorical(
    x: Any, *, levels: list[Any] | None = None, digits: int = 1
) -> CategoricalSummary:
    """n (%) per level; percentages of the non-missing values, half-up rounded in ``text``.

    Examples
    --------
    >>> describe_categorical(["F", "M", "F", None]).table["text"].tolist()
    ['2 (66.7)', '1 (33.3)']
    """
    s = pd.Series(np.asarray(x, dtype=object).ravel())
    present = s[s.notna()]
    counts = present.value_counts()
    order = levels if levels is not None else sorted(counts.index.tolist(), key=str)
    n = int(present.size)
    cnt = np.array([int(counts.get(lev, 0)) for lev in order])
    pct = 100.0 * cnt / n if n else np.full(len(order), np.nan)
    table = pd.DataFrame({"level": order, "n": cnt, "pct": pct})
    table["text"] = [f"{c} ({_fmt(p, digits)})" for c, p in zip(cnt, pct, strict=True)]
    return CategoricalSummary(
        table=table,
        n=n,
        missing=int(s.size - n),
        method="frequency table",
        conventions={"percent_of": "non-missing", "rounding": "half up"},
    )


@dataclasses.dataclass(frozen=True)
class GroupComparison(ResultMixin):
    """Comparison of one variable between groups: the test chosen and why.

    ``summary`` has one row per group (continuous: n, median, q1, q3, min, max, mean, sd;
    categorical: a level × group count table). ``test`` names the test, ``reason`` says why.
    """

    variable: str
    kind: str
    test: str
    reason: str
    statistic: float
    p_value: float
    summary: pd.DataFrame
    method: str
    conventions: dict[str, Any]


def compare_groups(
    data: pd.DataFrame,
    variable: str,
    group: str,
    *,
    kind: str | None = None,
    continuous_test: str = "wilcoxon",
) -> GroupComparison:
    """Compare ``variable`` across the levels of ``group`` with the conventional test.

    Parameters
    ----------
    data : pandas.DataFrame
    variable, group : str
    kind : {"categorical", "continuous"}, optional
        Inferred when omitted: numeric with more than 2 distinct values = continuous.
    continuous_test : {"wilcoxon", "t"}
        For two groups: Wilcoxon rank-sum (default) or pooled t test. More than two groups
        always use Kruskal–Wallis.

    Returns
    -------
    GroupComparison
        Categorical: Pearson chi-square (no correction), or Fisher's exact test when any
        expected count < 5 (Cochran's rule). Rows with a missing value or group are dropped.

    Examples
    --------
    >>> df = pd.DataFrame({"pt": [1, 1, 0, 0, 0, 0], "sex": ["M", "M", "F", "M", "F", "F"]})
    >>> compare_groups(df, "sex", "pt").test
    "Fisher's exact test"
    """
    sub = data[[variable, group]].dropna()
    groups = sorted(pd.unique(sub[group]).tolist(), key=str)
    if len(groups) < 2:
        raise ValueError(f"{group!r} has fewer than two groups among complete rows")
    col = sub[variable]
    if kind is None:
        numeric = pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)
        kind = "continuous" if numeric and col.nunique() > 2 else "categorical"
    if kind == "categorical":
        table = pd.crosstab(sub[variable], sub[group]).reindex(columns=groups, fill_value=0)
        counts = table.to_numpy()
        if counts.shape[0] < 2:
            return GroupComparison(
                variable, kind, "none", "variable is constant", np.nan, np.nan, table, "", {}
            )
        chi = chi_square(counts)
        if chi.min_expected < 5:
            fr = fisher_exact(counts)
            # a table too large for the exact computation is named as what it is (Monte Carlo)
            test = "Fisher's exact test" if fr.exact else fr.method
            stat, p = np.nan, fr.p_value
            reason = f"minimum expected count {chi.min_expected:.2f} < 5"
        else:
            test, stat, p = "Pearson chi-square", chi.statistic, chi.p_value
            reason = "all expected counts >= 5"
        return GroupComparison(
            variable, kind, test, reason, float(stat), float(p), table, test, {"rule": "Cochran"}
        )
    if kind != "continuous":
        raise ValueError("kind must be 'categorical' or 'continuous'")
    vals = [sub.loc[sub[group] == g, variable].astype(float).to_numpy() for g in groups]
    rows = []
    for g, v in zip(groups, vals, strict=True):
        d = describe_continuous(v)
        rows.append({"group": g, "n": d.n, "median": d.median, "q1": d.q1, "q3": d.q3,
                     "min": d.min, "max": d.max, "mean": d.mean, "sd": d.sd})  # fmt: skip
    summary = pd.DataFrame(rows)
    if len(groups) > 2:
        kr = kruskal_wallis(*vals)
        test, reason, stat, p = "Kruskal-Wallis", "more than two groups", kr.statistic, kr.p_value
    elif continuous_test == "t":
        tt = t_test(vals[1], vals[0])
        test, reason, stat, p = tt.method, "t test requested", tt.statistic, tt.p_value
    elif continuous_test == "wilcoxon":
        wr = wilcoxon_rank_sum(vals[1], vals[0])
        test, reason, stat, p = "Wilcoxon rank-sum", "continuous, two groups", wr.z, wr.p_value
    else:
        raise ValueError("continuous_test must be 'wilcoxon' or 't'")
    return GroupComparison(
        variable, kind, test, reason, float(stat), float(p), summary, test,
        {"order": f"{groups[1]!r} vs {groups[0]!r}"},
    )  # fmt: skip
