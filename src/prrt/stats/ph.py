"""Proportional-hazards check: score test for beta(t) = beta + gamma g(t), as R ``cox.zph``.

Examples
--------
>>> import pandas as pd
>>> from prrt.stats.cox import cox
>>> df = pd.DataFrame({"t": [5, 8, 12, 20, 25, 30, 41, 50], "e": [1, 1, 1, 0, 1, 1, 0, 1],
...                    "x": [2.0, 1.5, 0.3, 1.0, 0.1, 0.9, 0.0, 0.2]})
>>> res = ph_test(cox(df, "t", "e", ["x"]))
>>> res.table.index.tolist()
['x', 'GLOBAL']
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats as sps

from prrt.stats._coxfit import FloatArray, SortedData, _add_rows, _risk_sums
from prrt.stats._result import ResultMixin
from prrt.stats.cox import CoxResult

__all__ = ["PHTestResult", "ph_test"]

Transform = Literal["km", "identity", "rank", "log"]


@dataclasses.dataclass(frozen=True)
class PHTestResult(ResultMixin):
    """Test of proportional hazards.

    Attributes
    ----------
    table : pandas.DataFrame
        Index = model term and ``GLOBAL``; columns ``chisq, df, p``.
    residuals : pandas.DataFrame
        One row per event: ``time``, ``g`` (transformed time) and the scaled Schoenfeld
        residual of each term (Grambsch & Therneau 1994) for plotting beta(t). With Efron
        ties the deaths of a tied group share the group's mean Efron average, as R's
        ``cox.zph``/``coxph.detail``, so the residuals do not depend on row order.
    statistic, p_value : float
        The global test.
    transform, method : str
    conventions : dict
    """

    table: pd.DataFrame
    residuals: pd.DataFrame
    statistic: float
    p_value: float
    transform: str
    method: str
    conventions: dict[str, Any]

    def to_frame(self) -> pd.DataFrame:
        """The test table with the term as a column."""
        return self.table.rename_axis("term").reset_index()


def _transform_time(sd: SortedData, transform: str) -> FloatArray:
    """g(t) for every subject (sorted order), as R ``cox.zph``."""
    t = sd.time
    if transform == "identity":
        return t.copy()
    if transform == "log":
        return np.log(t)
    if transform == "rank":
        return np.asarray(sps.rankdata(t), dtype=float)
    if transform == "km":
        # overall KM (strata ignored); g = 1 - S(t-)
        _, inv = np.unique(t, return_inverse=True)
        n_tot = np.bincount(inv)
        d = np.bincount(inv, weights=sd.event.astype(float))
        at_risk = np.cumsum(n_tot[::-1])[::-1]
        surv = np.cumprod(1.0 - d / at_risk)
        s_left = np.concatenate([[1.0], surv[:-1]])
        return 1.0 - s_left[inv]
    raise ValueError(f"transform must be 'km', 'identity', 'rank' or 'log', got {transform!r}")


def _scale_residuals(
    resid: FloatArray, info: FloatArray, beta: FloatArray, sd: SortedData
) -> FloatArray:
    """Scaled Schoenfeld residuals as R survival >= 3 ``cox.zph``: ``beta + V_s^-1 r``.

    ``used[s, k]`` = deaths of stratum s when column k varies within s, else 0; ``V`` =
    information / ``sum_s min(used[s, j], used[s, k])``; a death of stratum s is scaled on
    the columns used in s (NaN on the others; unscaled when s uses none, as R).
    """
    x, di = sd.x, sd.death_idx
    starts = np.unique(np.concatenate([[0], sd.strat_end[:-1]]))
    starts = starts[starts < x.shape[0]]
    varies = np.maximum.reduceat(x, starts, axis=0) > np.minimum.reduceat(x, starts, axis=0)
    s_of_death = np.searchsorted(starts, di, side="right") - 1
    d_per = np.bincount(s_of_death, minlength=starts.size).astype(float)
    used = varies * d_per[:, None]
    wt = np.minimum(used[:, :, None], used[:, None, :]).sum(axis=0)
    vmean = info / np.where(wt == 0, 1.0, wt)
    out = resid.copy()
    for s in np.flatnonzero(d_per > 0):
        k = np.flatnonzero(used[s] > 0)
        rows = s_of_death == s
        if k.size == 0:
            continue
        block = out[rows]
        block[:, k] = np.linalg.solve(vmean[np.ix_(k, k)], resid[rows][:, k].T).T
        block[:, used[s] == 0] = np.nan
        out[rows] = block
    return out + beta


def ph_test(result: CoxResult, *, transform: Transform = "km", terms: bool = True) -> PHTestResult:
    """Score test of proportional hazards per covariate (or design column) and globally.

    Parameters
    ----------
    result : CoxResult
        A fitted model (Breslow or Efron; strata allowed).
    transform : {"km", "identity", "rank", "log"}
        Time scale g(t); ``"km"`` (1 - KM(t-)) is R's default.
    terms : bool
        True (R's default): one joint test per covariate (a factor's levels together);
        False: one test per design column.

    Returns
    -------
    PHTestResult

    Notes
    -----
    Reproduces R survival >= 3.0 ``cox.zph(fit, transform, terms)``: the score test
    at (beta-hat, gamma = 0) of the expanded model with covariates X and X * (g(t) - mean g
    over events), using the full 2p x 2p information (Therneau, survival vignette
    "Validation"; Grambsch & Therneau 1994, Biometrika 81:515-526). The older
    approximation (survival < 3.0, SAS ``ZPH`` macro) gives slightly different numbers.
    """
    sd = result.fit_data
    names = [c for c in result.table.index if c not in result.aliased]
    beta = result.table.loc[names, "coef"].to_numpy(dtype=float)
    x = sd.x
    p = x.shape[1]
    g_all = _transform_time(sd, transform)
    di = sd.death_idx
    g_death = g_all[di] - g_all[di].mean()
    dg = sd.grp[di]
    n_grp = sd.grp_first.size
    eta = x @ beta
    w = np.exp(eta - eta.max())
    wx = w[:, None] * x
    s0_g, s1_g = _risk_sums(w, sd), _risk_sums(wx, sd)
    d0_g = np.bincount(dg, weights=w[di], minlength=n_grp)
    d1_g = np.zeros((n_grp, p))
    _add_rows(d1_g, dg, wx[di])
    f = sd.death_frac
    s0_r = s0_g[dg] - f * d0_g[dg]
    a_r = (s1_g[dg] - f[:, None] * d1_g[dg]) / s0_r[:, None]
    # Schoenfeld residuals; with Efron ties every death of a tied group gets the mean of the
    # group's d Efron-weighted averages (R coxph.detail / cox.zph), independent of row order
    a_bar = np.zeros((n_grp, p))
    _add_rows(a_bar, dg, a_r)
    a_bar /= np.where(sd.d_grp > 0, sd.d_grp, 1.0)[:, None]
    resid = x[di] - a_bar[dg]
    inv_s0 = 1.0 / s0_r
    g_grp = np.zeros(n_grp)
    g_grp[dg] = g_death
    blocks = []
    for k in range(3):  # sum over deaths of g^k V_i, V_i = S2/S0 - a a'
        gk = g_death**k
        c_g = np.bincount(dg, weights=inv_s0 * gk, minlength=n_grp)
        e_g = np.bincount(dg, weights=f * inv_s0 * gk, minlength=n_grp)
        cum_c = np.cumsum(c_g)
        base = np.concatenate([[0.0], cum_c])[sd.grp_strat_first]
        weight = w * (cum_c - base)[sd.grp]
        weight[di] -= w[di] * e_g[dg]
        blocks.append((x * weight[:, None]).T @ x - (a_r * gk[:, None]).T @ a_r)
    imat = np.block([[blocks[0], blocks[1]], [blocks[1], blocks[2]]])
    u = np.concatenate([np.zeros(p), (g_death[:, None] * resid).sum(axis=0)])
    rows = []
    groups = (
        [
            (cov, [names.index(c) for c in cols if c in names])
            for cov, cols in result.terms.items()
            if any(c in names for c in cols)
        ]
        if terms
        else [(name, [j]) for j, name in enumerate(names)]
    )
    for label, cols in groups:
        kk = [*range(p), *(p + j for j in cols)]
        uj = u[kk]
        stat = float(uj @ np.linalg.solve(imat[np.ix_(kk, kk)], uj))
        rows.append((label, stat, len(cols), float(sps.chi2.sf(stat, len(cols)))))
    glob = float(u @ np.linalg.solve(imat, u))
    rows.append(("GLOBAL", glob, p, float(sps.chi2.sf(glob, p))))
    table = pd.DataFrame(rows, columns=["term", "chisq", "df", "p"]).set_index("term")
    scaled = _scale_residuals(resid, blocks[0], beta, sd)
    residuals = pd.DataFrame(scaled, columns=names)
    residuals.insert(0, "g", g_all[di])
    residuals.insert(0, "time", sd.time[di])
    return PHTestResult(
        table=table,
        residuals=residuals,
        statistic=glob,
        p_value=float(sps.chi2.sf(glob, p)),
        transform=transform,
        method="score test for time-varying coefficients (R survival >= 3 cox.zph)",
        conventions={
            "transform": transform,
            "ties": result.ties,
            "terms": "one per covariate" if terms else "one per design column",
        },
    )
