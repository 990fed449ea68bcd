"""Shared pieces of every ``prrt.stats`` result object.

Every statistical function of :mod:`prrt.stats` returns a small frozen dataclass.
This module holds what they share:

* :data:`Z975` -- the exact 97.5 % standard-normal quantile (never 1.96;
  ``shared/spec/conventions.md``, row "z for 95 %");
* :func:`z_quantile` -- the two-sided normal quantile for a given ``alpha``;
* :class:`ResultMixin` -- ``to_frame()`` and ``conventions_text()`` for any frozen
  dataclass whose fields follow the agreed names (``estimate``, ``ci``,
  ``statistic``, ``p_value``, ``method``, ``conventions``);
* :class:`StatResult` -- a ready-made frozen result for simple tests.

Examples
--------
>>> round(Z975, 6)
1.959964
>>> r = StatResult(estimate=2.0, ci=(1.0, 4.0), statistic=3.1, p_value=0.002,
...                method="Wald", conventions={"z": "1.959964"})
>>> r.to_frame().columns.tolist()
['estimate', 'lower', 'upper', 'statistic', 'df', 'p_value', 'method']
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import special
from scipy import stats as _sps

__all__ = [
    "Z975",
    "ResultMixin",
    "StatResult",
    "freeze_conventions",
    "wald_ratio_table",
    "z_quantile",
]

#: Exact standard-normal 0.975 quantile, 1.959963984540054 (scipy ``norm.ppf(0.975)``).
Z975: float = float(_sps.norm.ppf(0.975))

_SCALAR_TYPES = (int, float, bool, str, np.integer, np.floating, np.bool_)


def z_quantile(alpha: float = 0.05) -> float:
    """Two-sided standard-normal quantile ``z_{1 - alpha/2}``.

    Parameters
    ----------
    alpha : float
        Two-sided error level, ``0 < alpha < 1``.

    Returns
    -------
    float
        ``scipy.stats.norm.ppf(1 - alpha / 2)``; exactly :data:`Z975` for ``alpha=0.05``.

    Examples
    --------
    >>> z_quantile(0.05) == Z975
    True
    >>> round(z_quantile(0.10), 6)
    1.644854
    """
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha!r}")
    if alpha == 0.05:
        return Z975
    return float(_sps.norm.ppf(1.0 - alpha / 2.0))


def wald_ratio_table(
    beta: Any, se: Any, names: list[str], *, alpha: float = 0.05, ratio: str = "hr"
) -> pd.DataFrame:
    """Coefficient table of a log-ratio model: coef, se, ratio, Wald CI, z and two-sided p.

    ``ratio`` names the exponentiated column (``"hr"``, ``"shr"`` ...); the CI is
    ``exp(coef ± z_{1-α/2} se)`` and ``p = 2 Φ(-|coef / se|)`` (conventions.md, Wald CIs).

    Examples
    --------
    >>> t = wald_ratio_table([0.0], [1.0], ["x"])
    >>> t.loc["x", ["hr", "p"]].tolist()
    [1.0, 1.0]
    """
    beta = np.asarray(beta, dtype=float)
    se = np.asarray(se, dtype=float)
    z = z_quantile(alpha)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        return pd.DataFrame(
            {
                "coef": beta,
                "se": se,
                ratio: np.exp(beta),
                "lower": np.exp(beta - z * se),
                "upper": np.exp(beta + z * se),
                "z": beta / se,
                "p": 2.0 * special.ndtr(-np.abs(beta / se)),
            },
            index=pd.Index(names, name="term"),
        )


def freeze_conventions(conventions: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return a plain ``dict`` copy of ``conventions`` (empty when ``None``).

    Examples
    --------
    >>> freeze_conventions(None)
    {}
    """
    return dict(conventions or {})


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, _SCALAR_TYPES)


class ResultMixin:
    """Behaviour shared by all frozen result dataclasses.

    ``to_frame()`` gives a one-row :class:`pandas.DataFrame` of the scalar fields in
    declaration order; a 2-tuple field named ``ci`` becomes ``lower`` and ``upper``
    columns, and a field named ``table`` (a DataFrame) is returned as is when present
    and the subclass does not override ``to_frame``. Fields holding dicts, arrays or
    frames (and ``conventions``) are left out of the one-row frame.
    """

    def to_frame(self) -> pd.DataFrame:
        """One-row summary frame of the scalar fields (``ci`` split into lower/upper)."""
        if not dataclasses.is_dataclass(self):
            raise TypeError("ResultMixin is meant for dataclasses")
        row: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "conventions":
                continue
            if f.name == "ci":
                lower, upper = (np.nan, np.nan) if value is None else value
                row["lower"] = lower
                row["upper"] = upper
            elif _is_scalar(value):
                row[f.name] = value
        return pd.DataFrame([row])

    def conventions_text(self) -> str:
        """``key=value`` pairs of ``conventions`` joined by ``"; "`` (for footnotes)."""
        conv = getattr(self, "conventions", None) or {}
        return "; ".join(f"{k}={v}" for k, v in conv.items())


@dataclasses.dataclass(frozen=True)
class StatResult(ResultMixin):
    """Generic result of a test or estimate.

    Attributes
    ----------
    estimate : float
        Point estimate (NaN where not applicable).
    ci : tuple of float
        ``(lower, upper)`` confidence limits (NaN where not applicable).
    statistic : float
        Test statistic.
    p_value : float
        Two-sided p value unless ``method`` says otherwise.
    method : str
        Human-readable name of the method.
    conventions : dict
        The choices made (e.g. ``{"correction": "none"}``).
    df : float
        Degrees of freedom, NaN where not applicable.
    """

    estimate: float = float("nan")
    ci: tuple[float, float] = (float("nan"), float("nan"))
    statistic: float = float("nan")
    p_value: float = float("nan")
    method: str = ""
    conventions: dict[str, Any] = dataclasses.field(default_factory=dict)
    df: float = float("nan")

    def to_frame(self) -> pd.DataFrame:
        """One row: estimate, lower, upper, statistic, df, p_value, method."""
        return pd.DataFrame(
            [
                {
                    "estimate": self.estimate,
                    "lower": self.ci[0],
                    "upper": self.ci[1],
                    "statistic": self.statistic,
                    "df": self.df,
                    "p_value": self.p_value,
                    "method": self.method,
                }
            ]
        )
