"""Competing risks: Aalen–Johansen cumulative incidence with variance and CI, Gray's test.

Late toxicity after PRRT (MDS/AML, skeletal-related events, persistent cytopenia) is analysed
with death as a competing event: 1 - Kaplan–Meier with deaths censored overestimates the
incidence. The cumulative incidence of cause k is the Aalen–Johansen estimator

    F_k(t) = sum_{t_j <= t} S(t_j-) d_kj / n_j,

with S the all-cause Kaplan–Meier, d_kj the cause-k events and n_j the number at risk at
t_j (Kalbfleisch & Prentice 1980, §7.2; Aalen & Johansen 1978). Tied times need no jitter:
all events at a time are counted together and censorings at that time stay in the risk set.

Conventions: event codes are integers, ``0`` = censored (``censor_code``); the variance is
the one of R ``cmprsk::cuminc`` (Gray's delta-method estimator, reported at the cause-k event
times and carried forward); the 95 % CI is log(-log) transformed by default (SAS PROC LIFETEST
``CONFTYPE=LOGLOG``), ``"plain"`` as an option, z = 1.959964. Gray's test compares the
cumulative incidence of a cause between groups (weight ``(1 - F(t-))^rho``, rho = 0 default,
optionally stratified), as ``cmprsk::cuminc``.

Examples
--------
>>> import numpy as np
>>> t = np.array([5, 5, 5, 5, 8, 9, 10, 12, 12, 15])
>>> e = np.array([1, 1, 2, 0, 1, 0, 2, 1, 0, 0])
>>> g = np.array([1, 2, 1, 2, 1, 2, 1, 2, 1, 2])
>>> res = cumulative_incidence(t, e, g)
>>> res.at([8]).query("cause == 1")["estimate"].round(3).tolist()  # groups 1, 2
[0.4, 0.2]
>>> round(float(res.tests.loc[2, "p"]), 4)
0.2007

References
----------
Gray RJ (1988). A class of K-sample tests for comparing the cumulative incidence of a
competing risk. Ann Stat 16:1141-1154. Aalen OO, Johansen S (1978) Scand J Stat 5:141-150.
R package cmprsk 2.2-11 (``cuminc``): estimates, variances and tests reproduced to 1e-8 in
``tests/stats/test_competing.py`` (``tests/reference/stats_competing_reference.R``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats as sps

from prrt.stats._result import ResultMixin, z_quantile

__all__ = ["CumulativeIncidenceResult", "cumulative_incidence", "gray_test"]

FloatArray = npt.NDArray[np.float64]
ConfType = Literal["log-log", "plain"]


@dataclasses.dataclass(frozen=True)
class CumulativeIncidenceResult(ResultMixin):
    """Cumulative incidence curves per group and cause, and Gray's test per cause.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per group, cause and distinct time: ``group, cause, time, n_risk, n_event``
        (events of this cause), ``n_competing`` (events of other causes), ``n_censor``,
        ``estimate``, ``variance``, ``se``, ``lower``, ``upper`` (values just after ``time``).
    tests : pandas.DataFrame or None
        Gray's test per cause (index cause; ``statistic, df, p``); None for one group.
    causes, groups : list
    conf_type, method : str
    conventions : dict
    """

    table: pd.DataFrame
    tests: pd.DataFrame | None
    causes: list[Any]
    groups: list[Any]
    conf_type: str
    method: str
    conventions: dict[str, Any]

    def to_frame(self) -> pd.DataFrame:
        """The curve table (one row per group, cause and time)."""
        return self.table.copy()

    def at(self, times: Sequence[float] | FloatArray) -> pd.DataFrame:
        """Step-function values at ``times`` for every group and cause (0 before the first).

        Examples
        --------
        >>> r = cumulative_incidence([1, 2, 3], [1, 2, 0])
        >>> r.at([0.5, 2]).query("cause == 1")["estimate"].round(4).tolist()
        [0.0, 0.3333]
        """
        rows = []
        tq = np.asarray(times, dtype=float)
        for (grp, cause), sub in self.table.groupby(["group", "cause"], sort=False):
            idx = np.searchsorted(sub["time"].to_numpy(), tq, side="right") - 1
            for col_t, i in zip(tq, idx, strict=True):
                if i < 0:
                    vals = {"estimate": 0.0, "se": 0.0, "lower": np.nan, "upper": np.nan}
                else:
                    r = sub.iloc[i]
                    vals = {k: float(r[k]) for k in ("estimate", "se", "lower", "upper")}
                rows.append({"group": grp, "cause": cause, "time": col_t, **vals})
        return pd.DataFrame(rows)


def _codes(values: Any) -> tuple[npt.NDArray[np.int64], list[Any]]:
    codes, uniq = pd.factorize(np.asarray(values), sort=True)
    return codes.astype(np.int64), list(np.asarray(uniq).tolist())


def _prepare(
    time: Any, event: Any, censor_code: int
) -> tuple[FloatArray, npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    t = np.asarray(time, dtype=float).ravel()
    e = np.asarray(event, dtype=float).ravel()
    if t.shape != e.shape:
        raise ValueError(f"time and event differ in length: {t.size} != {e.size}")
    keep = ~(np.isnan(t) | np.isnan(e))
    if np.any(t[keep] < 0) or np.any(e[keep] != np.round(e[keep])):
        raise ValueError("times must be non-negative and event codes integers")
    e_int = np.where(keep, e, censor_code).astype(np.int64)
    return t, e_int, keep


def _curve(
    t: FloatArray, e: npt.NDArray[np.int64], cause: int, censor_code: int
) -> dict[str, npt.NDArray[Any]]:
    """Aalen–Johansen estimate and cmprsk variance of one cause in one group."""
    utime, inv = np.unique(t, return_inverse=True)
    n_tot = np.bincount(inv, minlength=utime.size).astype(float)
    d1 = np.bincount(inv, weights=(e == cause).astype(float), minlength=utime.size).astype(float)
    d_all = np.bincount(inv, weights=(e != censor_code).astype(float), minlength=utime.size).astype(
        float
    )
    d2 = d_all - d1
    n = np.cumsum(n_tot[::-1])[::-1]
    s_right = np.cumprod(1.0 - d_all / n)
    fk = np.concatenate([[1.0], s_right[:-1]])  # all-cause KM just before t
    fkn = s_right
    f = np.cumsum(fk * d1 / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        # Gray's variance (cmprsk cuminc): accumulate v1, v2, v3 at each time
        def _tie(dd: FloatArray) -> FloatArray:
            return np.where(dd > 1, 1.0 - (dd - 1.0) / (n - 1.0), 1.0)

        inv_fkn = np.where(fkn > 0, 1.0 / fkn, 0.0)
        # other causes (only while the all-cause KM stays positive)
        t6o = np.where((d2 > 0) & (fkn > 0), fk**2 * _tie(d2) * d2 / n**2, 0.0)
        t4o = f * inv_fkn
        # cause of interest
        t6c = np.where(d1 > 0, fk**2 * _tie(d1) * d1 / n**2, 0.0)
        t4c = 1.0 + inv_fkn * f
        v1 = np.cumsum(t4o**2 * t6o + t4c**2 * t6c)
        v2 = np.cumsum(inv_fkn * t4o * t6o + inv_fkn * t4c * t6c)
        v3 = np.cumsum(inv_fkn**2 * t6o + inv_fkn**2 * t6c)
    var_at = v1 + f**2 * v3 - 2.0 * f * v2
    # cuminc refreshes the variance at cause-k event times only; carry it forward
    last = np.maximum.accumulate(np.where(d1 > 0, np.arange(utime.size), -1))
    var = np.where(last >= 0, var_at[np.maximum(last, 0)], 0.0)
    return {
        "time": utime,
        "n_risk": n.astype(np.int64),
        "n_event": d1.astype(np.int64),
        "n_competing": d2.astype(np.int64),
        "n_censor": (n_tot - d_all).astype(np.int64),
        "estimate": f,
        "variance": np.maximum(var, 0.0),
    }


def _ci(est: FloatArray, se: FloatArray, z: float, conf_type: str) -> tuple[FloatArray, FloatArray]:
    if conf_type == "plain":
        return np.clip(est - z * se, 0.0, 1.0), np.clip(est + z * se, 0.0, 1.0)
    if conf_type != "log-log":
        raise ValueError("conf_type must be 'log-log' or 'plain'")
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = (est > 0) & (est < 1)
        k = np.where(ok, z * se / np.abs(est * np.log(est)), np.nan)
        return np.where(ok, est ** np.exp(k), np.nan), np.where(ok, est ** np.exp(-k), np.nan)


def cumulative_incidence(
    time: Any,
    event: Any,
    group: Any = None,
    *,
    causes: Sequence[int] | None = None,
    censor_code: int = 0,
    conf_type: ConfType = "log-log",
    alpha: float = 0.05,
    rho: float = 0.0,
    strata: Any = None,
) -> CumulativeIncidenceResult:
    """Aalen–Johansen cumulative incidence per group and cause, with Gray's test.

    Parameters
    ----------
    time : array_like
        Time to the first event or censoring (any unit, >= 0).
    event : array_like of int
        Cause of the event; ``censor_code`` (0) = censored.
    group : array_like, optional
        Groups to compare (Gray's test per cause when there are two or more).
    causes : sequence of int, optional
        Causes to report (default: every code other than ``censor_code`` present).
    censor_code : int
        Code of censored observations.
    conf_type : {"log-log", "plain"}
        Pointwise CI: ``F^exp(±z se / |F log F|)`` (default) or ``F ± z se`` clipped to [0, 1].
    alpha : float
        Two-sided level (z = 1.959964 for 0.05).
    rho : float
        Power of the weight ``(1 - F(t-))^rho`` in Gray's test (0 = cmprsk default).
    strata : array_like, optional
        Strata for Gray's test (curves are per group, not per stratum).

    Returns
    -------
    CumulativeIncidenceResult

    Notes
    -----
    Variance (cmprsk ``cinc``; Gray 1988; Marubini & Valsecchi 1995, §10.2): with S the
    all-cause KM, ``V(t) = v1 + F^2 v3 - 2 F v2`` where v1, v2, v3 accumulate, for other-cause
    events, ``(F/S)^2 w, F/S^2 w, w/S^2`` and, for cause-k events, ``(1 + F/S)^2 w,
    (1 + F/S) w / S, w / S^2`` with ``w = S(t-)^2 d (1 - (d - 1)/(n - 1)) / n^2`` (S, F just
    after t). Rows with no one at risk are never produced; a cause with no events in a group
    (an "empty cause") gives a curve that stays at 0 with variance 0 and no CI.
    """
    t, e, keep = _prepare(time, event, censor_code)
    g_raw = np.zeros(t.size) if group is None else np.asarray(group).ravel()
    if group is not None:
        keep &= ~pd.isna(g_raw)
    t, e = t[keep], e[keep]
    g_codes, groups = _codes(np.asarray(g_raw)[keep])
    present = sorted(int(c) for c in np.unique(e) if c != censor_code)
    cause_list = list(causes) if causes is not None else present
    if not cause_list:
        raise ValueError("no events of any cause")
    z = z_quantile(alpha)
    parts: list[dict[str, npt.NDArray[Any]]] = []
    labels: list[tuple[Any, int, int]] = []
    for gi, grp in enumerate(groups):
        m = g_codes == gi
        for cause in cause_list:
            cur = _curve(t[m], e[m], cause, censor_code)
            cur["se"] = np.sqrt(cur["variance"])
            cur["lower"], cur["upper"] = _ci(cur["estimate"], cur["se"], z, conf_type)
            parts.append(cur)
            labels.append((grp, cause, cur["time"].size))
    cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    sizes = [lb[2] for lb in labels]
    grp_col = pd.Series(np.repeat(np.array([lb[0] for lb in labels], dtype=object), sizes))
    table = pd.DataFrame(
        {
            "group": grp_col.infer_objects(),
            "cause": np.repeat([lb[1] for lb in labels], sizes),
            **cols,
        }
    )
    tests = None
    if len(groups) > 1:
        s_raw = None if strata is None else np.asarray(strata, dtype=object).ravel()[keep]
        rows = []
        for cause in cause_list:
            res = _gray(t, e, g_codes, len(groups), cause, censor_code, rho, s_raw)
            rows.append({"cause": cause, **res})
        tests = pd.DataFrame(rows).set_index("cause")
    return CumulativeIncidenceResult(
        table=table,
        tests=tests,
        causes=cause_list,
        groups=groups,
        conf_type=conf_type,
        method="Aalen-Johansen cumulative incidence; Gray's test",
        conventions={
            "censor_code": censor_code,
            "variance": "Gray (cmprsk cuminc)",
            "ci": conf_type,
            "z": round(z, 6),
            "gray_rho": rho,
            "ties": "all events at a time counted together; censorings at that time at risk",
        },
    )


def gray_test(
    time: Any,
    event: Any,
    group: Any,
    *,
    cause: int = 1,
    censor_code: int = 0,
    rho: float = 0.0,
    strata: Any = None,
) -> tuple[float, int, float]:
    """Gray's K-sample test for the cumulative incidence of ``cause``: (statistic, df, p).

    Examples
    --------
    >>> gray_test([5, 5, 5, 5, 8, 9, 10, 12, 12, 15], [1, 1, 2, 0, 1, 0, 2, 1, 0, 0],
    ...           [1, 2, 1, 2, 1, 2, 1, 2, 1, 2], cause=1)[1]
    1
    """
    res = cumulative_incidence(
        time, event, group, causes=[cause], censor_code=censor_code, rho=rho, strata=strata
    )
    if res.tests is None:
        raise ValueError("Gray's test needs at least two groups")
    row = res.tests.loc[cause]
    return float(row["statistic"]), int(row["df"]), float(row["p"])


def _gray(
    t: FloatArray,
    e: npt.NDArray[np.int64],
    g: npt.NDArray[np.int64],
    n_groups: int,
    cause: int,
    censor_code: int,
    rho: float,
    strata: Any,
) -> dict[str, float]:
    """Gray (1988) score and variance, summed over strata; chi-square on K - 1 df."""
    s_codes = np.zeros(t.size, dtype=np.int64) if strata is None else _codes(strata)[0]
    k1 = n_groups - 1
    score = np.zeros(k1)
    var = np.zeros((k1, k1))
    for s in np.unique(s_codes):
        m = s_codes == s
        sc, vv = _gray_stratum(t[m], e[m], g[m], n_groups, cause, censor_code, rho)
        score += sc
        var += vv
    stat = float(score @ np.linalg.pinv(var) @ score)
    return {"statistic": stat, "df": k1, "p": float(sps.chi2.sf(stat, k1))}


def _gray_stratum(
    t: FloatArray,
    e: npt.NDArray[np.int64],
    g: npt.NDArray[np.int64],
    n_groups: int,
    cause: int,
    censor_code: int,
    rho: float,
) -> tuple[FloatArray, FloatArray]:
    """Score of the first K-1 groups and its variance in one stratum (Gray 1988, §2-3).

    Arrays are (distinct event times) x (groups); all quantities are the left-continuous
    (``..m``) or right-continuous group-wise KM and cumulative incidence of Gray's paper.
    """
    utime, inv = np.unique(t, return_inverse=True)
    nt = utime.size
    is1 = (e == cause).astype(float)
    is2 = ((e != cause) & (e != censor_code)).astype(float)
    flat = inv.ravel() * n_groups + g
    size = nt * n_groups
    tot = np.bincount(flat, minlength=size).astype(float).reshape(nt, n_groups)
    d1 = np.bincount(flat, weights=is1, minlength=size).reshape(nt, n_groups)
    d2 = np.bincount(flat, weights=is2, minlength=size).reshape(nt, n_groups)
    n = np.cumsum(tot[::-1], axis=0)[::-1]
    ev = (d1 + d2).sum(axis=1) > 0
    n, d1, d2 = n[ev], d1[ev], d2[ev]
    at = n > 0
    safe_n = np.where(at, n, 1.0)
    step = np.where(at, 1.0 - (d1 + d2) / safe_n, 1.0)
    skm = np.cumprod(step, axis=0)
    skmm = np.vstack([np.ones((1, n_groups)), skm[:-1]])
    f1 = np.cumsum(np.where(at, skmm * d1 / safe_n, 0.0), axis=0)
    f1m = np.vstack([np.zeros((1, n_groups)), f1[:-1]])
    t1 = np.where(at, n / skmm, 0.0)
    tr = t1.sum(axis=1)
    tq = np.where(at, n * (1.0 - f1m) / skmm, 0.0).sum(axis=1)
    nd1 = d1.sum(axis=1)
    f = np.cumsum(nd1 / tr)
    fm = np.concatenate([[0.0], f[:-1]])
    fb = (1.0 - fm) ** rho
    # a[t] = fb (diag(t1) - t1 t1' / tr); c = cumulative sum of a nd1 / (tr (1 - fm))
    a = fb[:, None, None] * (
        np.einsum("ti,ij->tij", t1, np.eye(n_groups))
        - t1[:, :, None] * t1[:, None, :] / tr[:, None, None]
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        inc = np.where((1.0 - fm) > 0, nd1 / (tr * (1.0 - fm)), 0.0)
    c = np.cumsum(a * inc[:, None, None], axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        sc_t = np.where(
            at, fb[:, None] * (d1 - nd1[:, None] * n * (1.0 - f1m) / (skmm * tq[:, None])), 0.0
        )
    score = sc_t.sum(axis=0)[: n_groups - 1]
    # cause-k events: per group k at risk
    with np.errstate(divide="ignore", invalid="ignore"):
        t4 = np.where(skm > 0, 1.0 - (1.0 - f[:, None]) / skm, 1.0)
        t5 = np.where(
            nd1[:, None] > 1, 1.0 - (nd1[:, None] - 1.0) / (tr[:, None] * skmm - 1.0), 1.0
        )
        t3 = np.where(
            at & (nd1[:, None] > 0), t5 * skmm * nd1[:, None] / (tr[:, None] * safe_n), 0.0
        )
    b = a - t4[:, None, :] * c  # (t, i, k)
    v3 = (t4**2 * t3).sum(axis=0)
    v2 = np.einsum("tik,tk->ik", b, t4 * t3)
    v = np.einsum("tik,tjk,tk->ij", b, b, t3)
    # other-cause events: per group k with skm > 0 and d2 > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        ok2 = (skm > 0) & (d2 > 0)
        u4 = np.where(ok2, (1.0 - f[:, None]) / np.where(skm > 0, skm, 1.0), 0.0)
        u5 = np.where(d2 > 1, 1.0 - (d2 - 1.0) / (safe_n - 1.0), 1.0)
        u3 = np.where(ok2, u5 * skmm**2 * d2 / safe_n**2, 0.0)
    v3 += (u4**2 * u3).sum(axis=0)
    v2 -= np.einsum("tik,tk->ik", c, u4**2 * u3)
    v += np.einsum("tik,tjk,tk->ij", c, c, u4**2 * u3)
    cf = c[-1]
    v += (cf * v3[None, :]) @ cf.T + cf @ v2.T + v2 @ cf.T
    k1 = n_groups - 1
    return score, v[:k1, :k1]
