"""Counting-process Cox regression: time-varying covariates, delayed entry, case weights and
cluster-robust (sandwich) variance, as R ``coxph(Surv(start, stop, event) ~ ... +
cluster(id), weights = w)``.

Exposure that accrues during PRRT (cumulative activity, cycles completed, response) must not
be analysed as a baseline covariate: patients who live longer receive more cycles
(immortal-time bias). Split each patient's follow-up at the cycle dates with
:func:`prrt.stats.exposure_intervals` and fit :func:`cox_counting` on the (start, stop] rows,
with ``cluster`` = patient so the variance accounts for the rows of one patient. The same
function gives patient-clustered SE for lesion-level survival outcomes.

Conventions: Breslow ties by default (SAS PHREG), Efron as an option (R); the robust variance
is R's / SAS PHREG ``COVS(AGGREGATE)``: ``D'D`` with ``D`` the weighted dfbeta residuals summed
within clusters, no small-sample factor; Wald CI and p use it; the LR and score tests are
model-based (as R prints them). z = 1.959964.

Examples
--------
>>> import pandas as pd
>>> d = pd.DataFrame({"id": [1, 1, 2, 3, 3, 4, 5, 6], "start": [0, 4, 0, 0, 6, 0, 0, 0],
...                   "stop": [4, 9, 7, 6, 11, 3, 10, 5], "event": [0, 1, 1, 0, 1, 1, 0, 1],
...                   "x": [0, 1, 0, 0, 1, 1, 0, 1]})
>>> fit = cox_counting(d, "stop", "event", ["x"], start="start", cluster="id")
>>> fit.n_rows, fit.n_clusters, fit.n_events
(8, 6, 5)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special

from prrt.stats._coxcp import newton, prepare, score_residuals
from prrt.stats._result import ResultMixin, wald_ratio_table, z_quantile
from prrt.stats.cox import design_matrix

__all__ = ["CoxCountingResult", "cox_counting"]


@dataclasses.dataclass(frozen=True)
class CoxCountingResult(ResultMixin):
    """Fitted counting-process Cox model.

    Attributes
    ----------
    table : pandas.DataFrame
        Index = term; ``coef, se, hr, lower, upper, z, p`` (robust SE when ``robust``) and
        ``se_model`` (inverse information).
    n_rows, n_clusters, n_events : int
        Rows used, clusters (subjects; rows when no cluster is given) and events.
    weighted_events : float
        Sum of the case weights of the events.
    loglik, loglik_null : float
    lr_test, score_test, wald_test : tuple of (statistic, df, p)
        LR and score model-based; Wald with the variance in ``vcov``.
    vcov, vcov_model : pandas.DataFrame
        Variance used (robust or model-based) and the model-based one.
    robust, converged : bool
    ties, method : str
    conventions : dict
    """

    table: pd.DataFrame
    n_rows: int
    n_clusters: int
    n_events: int
    weighted_events: float
    loglik: float
    loglik_null: float
    lr_test: tuple[float, int, float]
    score_test: tuple[float, int, float]
    wald_test: tuple[float, int, float]
    vcov: pd.DataFrame
    vcov_model: pd.DataFrame
    robust: bool
    converged: bool
    ties: str
    method: str
    conventions: dict[str, Any]

    def to_frame(self) -> pd.DataFrame:
        """The coefficient table with the term as a column."""
        return self.table.rename_axis("term").reset_index()


def _test(stat: float, df: int) -> tuple[float, int, float]:
    return float(stat), int(df), float(special.chdtrc(df, stat))


def cox_counting(
    data: pd.DataFrame,
    stop: str,
    event: str,
    covariates: Sequence[str],
    *,
    start: str | None = None,
    weights: str | None = None,
    cluster: str | None = None,
    robust: bool | None = None,
    strata: str | Sequence[str] | None = None,
    ties: Literal["breslow", "efron"] = "breslow",
    categorical: Sequence[str] | None = None,
    reference: Mapping[str, Any] | None = None,
    alpha: float = 0.05,
    max_iter: int = 50,
) -> CoxCountingResult:
    """Cox model on (start, stop] rows with optional weights, strata and clusters.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per interval (or per subject without ``start``).
    stop, event : str
        End of the interval and the 0/1 event indicator at its end.
    covariates : sequence of str
        Covariates, constant within each row (time-varying across rows).
    start : str, optional
        Start of the interval (entry time; default 0 for every row). Delayed entry: a
        subject enters the risk sets only after ``start``.
    weights : str, optional
        Non-negative case weights (as R ``weights=``).
    cluster : str, optional
        Cluster identifier (patient); implies the robust variance.
    robust : bool, optional
        Robust variance; default True when ``cluster`` is given. Without a cluster each row
        is its own cluster (R ``robust = TRUE``).
    strata, ties, categorical, reference, alpha, max_iter
        As for :func:`prrt.stats.cox`.

    Returns
    -------
    CoxCountingResult

    Notes
    -----
    Risk set at an event time t: rows of the stratum with ``start < t <= stop``. Robust
    variance ``V = D'D`` with ``D_c = sum_{i in c} w_i U_i I^-1`` (U: score residuals), Lin &
    Wei (1989); Therneau & Grambsch (2000), §7.2.
    """
    strata_cols = [strata] if isinstance(strata, str) else list(strata or [])
    extra = [c for c in (start, weights, cluster) if c is not None]
    needed = [stop, event, *covariates, *strata_cols, *extra]
    missing = [c for c in needed if c not in data.columns]
    if missing:
        raise ValueError(f"columns not in data: {missing}")
    data = data.reset_index(drop=True)
    X, _, levels = design_matrix(data, covariates, categorical, reference)
    x_all = X.to_numpy(dtype=float)
    num = {c: pd.to_numeric(data[c]).to_numpy(dtype=float) for c in [stop, event, *([start] if start else []), *([weights] if weights else [])]}  # fmt: skip
    complete = ~np.isnan(x_all).any(axis=1)
    for v in num.values():
        complete &= ~np.isnan(v)
    for c in [*strata_cols, *([cluster] if cluster else [])]:
        complete &= data[c].notna().to_numpy()
    if not complete.any():
        raise ValueError("no complete cases")
    sp = num[stop][complete]
    st = num[start][complete] if start else np.zeros(sp.size)
    ev_raw = num[event][complete]
    w = num[weights][complete] if weights else np.ones(sp.size)
    x = x_all[complete]
    if np.any((ev_raw != 0) & (ev_raw != 1)) or np.any(w < 0):
        raise ValueError("event must be coded 0/1 and weights non-negative")
    if np.any(st >= sp):
        raise ValueError("every row needs start < stop")
    ev = ev_raw == 1
    if not ev.any():
        raise ValueError("no events among the complete cases")
    if np.any(~(x.std(axis=0) > 0)):
        raise ValueError(f"constant covariate(s) among the complete cases: {list(X.columns)}")
    sub = data.loc[complete].reset_index(drop=True)
    s_codes = (
        sub.groupby(strata_cols, sort=True).ngroup().to_numpy(dtype=np.int64)
        if strata_cols
        else np.zeros(sp.size, dtype=np.int64)
    )
    cp = prepare(x - x.mean(axis=0), st, sp, ev, w, s_codes, ties)
    fit = newton(cp, max_iter=max_iter)
    beta = fit.beta
    v_model = np.linalg.pinv(fit.info)
    use_robust = robust if robust is not None else cluster is not None
    if use_robust:
        dfb = (w[:, None] * score_residuals(beta, cp)) @ v_model
        if cluster is not None:
            codes = pd.factorize(sub[cluster])[0]
            dfb = np.asarray(pd.DataFrame(dfb).groupby(codes).sum(), dtype=float)
        vcov = dfb.T @ dfb
    else:
        vcov = v_model
    se = np.sqrt(np.diag(vcov))
    z = z_quantile(alpha)
    names = list(X.columns)
    table = wald_ratio_table(beta, se, names, alpha=alpha)
    table["se_model"] = np.sqrt(np.diag(v_model))
    p = len(names)
    n_clusters = int(sub[cluster].nunique()) if cluster else int(sp.size)
    return CoxCountingResult(
        table=table,
        n_rows=int(sp.size),
        n_clusters=n_clusters,
        n_events=int(ev.sum()),
        weighted_events=float(w[ev].sum()),
        loglik=fit.loglik,
        loglik_null=fit.loglik_null,
        lr_test=_test(2.0 * (fit.loglik - fit.loglik_null), p),
        score_test=_test(float(fit.score_null @ np.linalg.pinv(fit.info_null) @ fit.score_null), p),
        wald_test=_test(float(beta @ np.linalg.pinv(vcov) @ beta), p),
        vcov=pd.DataFrame(vcov, index=names, columns=names),
        vcov_model=pd.DataFrame(v_model, index=names, columns=names),
        robust=bool(use_robust),
        converged=fit.converged,
        ties=ties,
        method=f"Cox proportional hazards, counting process ({ties.capitalize()} ties)"
        + (", robust variance" if use_robust else ""),
        conventions={
            "ties": ties,
            "ci": "Wald" + (" (robust variance)" if use_robust else ""),
            "variance": (
                f"robust sandwich, clusters = {cluster or 'rows'}, no small-sample factor"
                if use_robust
                else "inverse information"
            ),
            "weights": weights or "none",
            "entry": f"delayed entry at {start!r}" if start else "time 0",
            "z": round(z, 6),
            "reference_levels": {k: v[0] for k, v in levels.items()},
            "strata": strata_cols,
            "complete_cases": f"{int(complete.sum())} of {len(data)} rows",
        },
    )
