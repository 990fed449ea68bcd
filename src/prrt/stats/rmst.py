"""Restricted mean survival time (RMST): difference and ratio between two groups.

RMST up to ``tau`` is the area under the Kaplan–Meier curve from 0 to ``tau`` (mean
event-free time over the first ``tau`` days); unlike the hazard ratio it needs no
proportional hazards and reads in time units ("3.1 months more progression-free time over
two years").

Conventions: the comparison group minus (or over) the reference group, the reference being
the first level in sorted order unless given; SE of each RMST from the Greenwood-type formula
(R ``print(survfit(...), rmean = tau)``, Klein & Moeschberger 2003 eq. 4.5.2); difference
with a Wald CI, ratio with a Wald CI on the log scale (delta method), as R ``survRM2::rmst2``
(Uno et al. 2014); z = 1.959964. ``tau`` must not exceed the largest follow-up time of either
group (the curve is not defined beyond it).

Examples
--------
>>> r = rmst_difference([2, 4, 5, 7, 9, 3, 6, 8, 10, 12], [1, 1, 0, 1, 0, 1, 0, 1, 1, 0],
...                     ["a"] * 5 + ["b"] * 5, tau=9)
>>> r.table["rmst"].round(3).tolist(), round(r.estimate, 3)  # areas under the two KM curves
([6.0, 7.533], 1.533)
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from prrt.stats._result import ResultMixin, z_quantile
from prrt.stats.km import kaplan_meier

__all__ = ["RmstResult", "rmst_difference"]


@dataclasses.dataclass(frozen=True)
class RmstResult(ResultMixin):
    """RMST per group and their difference and ratio.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per group: ``group, n, events, rmst, se, lower, upper``.
    estimate, ci, p_value : float, tuple, float
        Difference (comparison - reference), its Wald CI and two-sided p.
    ratio, ratio_ci, ratio_p_value : float, tuple, float
        Ratio (comparison / reference), CI and p on the log scale.
    tau : float
    reference, comparison : object
    method : str
    conventions : dict
    """

    table: pd.DataFrame
    estimate: float
    ci: tuple[float, float]
    p_value: float
    ratio: float
    ratio_ci: tuple[float, float]
    ratio_p_value: float
    tau: float
    reference: Any
    comparison: Any
    method: str
    conventions: dict[str, Any]

    def to_frame(self) -> pd.DataFrame:
        """Two rows: the difference and the ratio (estimate, lower, upper, p)."""
        return pd.DataFrame(
            [
                {"measure": "difference", "estimate": self.estimate, "lower": self.ci[0],
                 "upper": self.ci[1], "p": self.p_value},
                {"measure": "ratio", "estimate": self.ratio, "lower": self.ratio_ci[0],
                 "upper": self.ratio_ci[1], "p": self.ratio_p_value},
            ]
        )  # fmt: skip


def rmst_difference(
    time: Any,
    event: Any,
    group: Any,
    *,
    tau: float,
    reference: Any = None,
    alpha: float = 0.05,
) -> RmstResult:
    """RMST of two groups up to ``tau`` with their difference and ratio.

    Parameters
    ----------
    time, event : array_like
        Follow-up time and 0/1 event indicator.
    group : array_like
        Exactly two groups.
    tau : float
        Truncation time, in the unit of ``time``.
    reference : object, optional
        Reference group (default: the first in sorted order).
    alpha : float
        Two-sided level.

    Returns
    -------
    RmstResult

    Raises
    ------
    ValueError
        Not exactly two groups, or ``tau`` beyond a group's largest follow-up time.
    """
    t = np.asarray(time, dtype=float).ravel()
    e = np.asarray(event, dtype=float).ravel()
    g = pd.Series(np.asarray(group, dtype=object).ravel())
    keep = ~(np.isnan(t) | np.isnan(e)) & g.notna().to_numpy()
    t, e, g = t[keep], e[keep], g[keep].reset_index(drop=True)
    levels = sorted(g.unique().tolist())
    if len(levels) != 2:
        raise ValueError(f"RMST comparison needs exactly two groups, got {levels}")
    ref = levels[0] if reference is None else reference
    if ref not in levels:
        raise ValueError(f"reference {ref!r} not among the groups {levels}")
    comp = levels[1] if ref == levels[0] else levels[0]
    z = z_quantile(alpha)
    rows = []
    for lev in (ref, comp):
        m = (g == lev).to_numpy()
        if tau > t[m].max():
            raise ValueError(
                f"tau = {tau} exceeds the largest follow-up time of group {lev!r} ({t[m].max()})"
            )
        est, se = kaplan_meier(t[m], e[m]).rmst(tau)
        rows.append({"group": lev, "n": int(m.sum()), "events": int(e[m].sum()), "rmst": est,
                     "se": se, "lower": est - z * se, "upper": est + z * se})  # fmt: skip
    table = pd.DataFrame(rows)
    (m0, s0), (m1, s1) = table[["rmst", "se"]].to_numpy()
    diff = m1 - m0
    se_d = float(np.hypot(s0, s1))
    log_r = float(np.log(m1 / m0))
    se_r = float(np.hypot(s0 / m0, s1 / m1))
    return RmstResult(
        table=table,
        estimate=float(diff),
        ci=(float(diff - z * se_d), float(diff + z * se_d)),
        p_value=float(2 * sps.norm.sf(abs(diff / se_d))) if se_d > 0 else float("nan"),
        ratio=float(np.exp(log_r)),
        ratio_ci=(float(np.exp(log_r - z * se_r)), float(np.exp(log_r + z * se_r))),
        ratio_p_value=float(2 * sps.norm.sf(abs(log_r / se_r))) if se_r > 0 else float("nan"),
        tau=float(tau),
        reference=ref,
        comparison=comp,
        method="restricted mean survival time, difference and ratio",
        conventions={
            "tau": tau,
            "se": "Greenwood-type (Klein & Moeschberger eq. 4.5.2)",
            "ci": "Wald; ratio on the log scale",
            "contrast": f"{comp} vs {ref}",
            "z": round(z, 6),
        },
    )
