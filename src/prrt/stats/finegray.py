"""Regression for competing risks: Fine–Gray subdistribution hazards and cause-specific Cox.

The Fine–Gray model relates covariates to the cumulative incidence of one cause:
``lambda_1(t | x) = lambda_10(t) exp(x' beta)`` for the subdistribution hazard, in which a
subject who failed from another cause stays in the risk set with the weight
``G(t-) / G(T_j-)`` (G = Kaplan–Meier of the censoring distribution). ``exp(beta)`` is a
subdistribution hazard ratio (SHR). The cause-specific Cox model (other causes censored)
answers the aetiological question; report both when death competes (Latouche et al. 2013).

Conventions: as R ``cmprsk::crr`` (Breslow-type handling of tied cause-k times, censoring
weights from one KM of the censoring times, evaluated just before each time); sandwich
variance of Fine & Gray (1999) including the term for the estimated censoring distribution;
Wald CI with z = 1.959964; complete cases.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"t": [5, 5, 5, 5, 8, 9, 10, 12, 12, 15],
...                    "e": [1, 1, 2, 0, 1, 0, 2, 1, 0, 0],
...                    "g": [0, 1, 0, 1, 0, 1, 0, 1, 0, 1]})
>>> fit = fine_gray(df, "t", "e", ["g"], cause=1)
>>> round(float(fit.table.loc["g", "coef"]), 4), round(float(fit.table.loc["g", "se"]), 4)
(0.1425, 0.8859)

References
----------
Fine JP, Gray RJ (1999). A proportional hazards model for the subdistribution of a competing
risk. JASA 94:496-509 (estimating equation (2), variance §3). Latouche A, Allignol A, Beyersmann
J, Labopin M, Fine JP (2013) J Clin Epidemiol 66:648-653. R cmprsk 2.2-11 ``crr``: reproduced in
``tests/stats/test_finegray.py`` (``tests/reference/stats_competing_reference.R``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from prrt.stats._result import ResultMixin, wald_ratio_table, z_quantile
from prrt.stats.cox import CoxResult, cox, design_matrix

__all__ = ["FineGrayResult", "cause_specific_cox", "fine_gray"]

FloatArray = npt.NDArray[np.float64]


@dataclasses.dataclass(frozen=True)
class FineGrayResult(ResultMixin):
    """Fitted Fine–Gray model.

    Attributes
    ----------
    table : pandas.DataFrame
        Index = term; ``coef, se, shr, lower, upper, z, p`` (SHR = exp(coef), Wald CI and p
        from the Fine–Gray sandwich variance).
    n, n_events, n_competing, n_censored : int
    loglik, loglik_null : float
        Log pseudo-likelihood at the estimate and at 0.
    lr_test : tuple of (statistic, df, p)
        Pseudo likelihood-ratio test (as crr's summary; not a valid LR test under weighting).
    vcov : pandas.DataFrame
    converged : bool
    cause : int
    method : str
    conventions : dict
    """

    table: pd.DataFrame
    n: int
    n_events: int
    n_competing: int
    n_censored: int
    loglik: float
    loglik_null: float
    lr_test: tuple[float, int, float]
    vcov: pd.DataFrame
    converged: bool
    cause: int
    method: str
    conventions: dict[str, Any]

    def to_frame(self) -> pd.DataFrame:
        """The coefficient table with the term as a column."""
        return self.table.rename_axis("term").reset_index()


@dataclasses.dataclass(frozen=True)
class _Data:
    t: FloatArray  # sorted times
    c: npt.NDArray[np.int64]  # 1 = cause of interest, 2 = other cause, 0 = censored
    x: FloatArray  # (n, p), centred
    g_minus: FloatArray  # G(T_i-) per subject
    tk: FloatArray  # distinct cause-1 times
    dk: FloatArray  # cause-1 events at tk
    gk: FloatArray  # G(tk-)
    lo_k: npt.NDArray[np.int64]  # first subject index with T >= tk


def _censoring_km_left(t: FloatArray, cens: npt.NDArray[np.bool_], at: FloatArray) -> FloatArray:
    """KM of the censoring distribution just before each of ``at`` (censoring as the event)."""
    ut, inv = np.unique(t, return_inverse=True)
    n_tot = np.bincount(inv, minlength=ut.size).astype(float)
    dc = np.bincount(inv, weights=cens.astype(float), minlength=ut.size)
    n_risk = np.cumsum(n_tot[::-1])[::-1]
    g = np.cumprod(1.0 - dc / n_risk)
    g_left = np.concatenate([[1.0], g])
    return g_left[np.searchsorted(ut, at, side="left")]


def _sums(
    beta: FloatArray, d: _Data, order2: bool
) -> tuple[FloatArray, FloatArray, FloatArray | None]:
    """Weighted risk-set sums S0, S1 (and S2) at each distinct cause-1 time."""
    r = np.exp(d.x @ beta)
    other = (d.c == 2).astype(float)

    def at_k(v: FloatArray) -> FloatArray:
        # sum over T_j >= tk of v_j + G(tk-) * sum over other-cause T_j < tk of v_j / G(T_j-)
        tail = np.concatenate([np.cumsum(v[::-1], axis=0)[::-1], np.zeros((1, *v.shape[1:]))])
        w2 = v * (other / d.g_minus).reshape(-1, *([1] * (v.ndim - 1)))
        head = np.concatenate([np.zeros((1, *v.shape[1:])), np.cumsum(w2, axis=0)])
        gk = d.gk.reshape(-1, *([1] * (v.ndim - 1)))
        return np.asarray(tail[d.lo_k] + gk * head[d.lo_k], dtype=float)

    s0 = at_k(r)
    s1 = at_k(r[:, None] * d.x)
    s2 = at_k(r[:, None, None] * d.x[:, :, None] * d.x[:, None, :]) if order2 else None
    return s0, s1, s2


def _loglik_score_info(beta: FloatArray, d: _Data) -> tuple[float, FloatArray, FloatArray]:
    s0, s1, s2 = _sums(beta, d, order2=True)
    assert s2 is not None
    ev = d.c == 1
    xbar = s1 / s0[:, None]
    ll = float((d.x[ev] @ beta).sum() - d.dk @ np.log(s0))
    score = d.x[ev].sum(axis=0) - d.dk @ xbar
    info = np.einsum(
        "k,kij->ij", d.dk, s2 / s0[:, None, None] - xbar[:, :, None] * xbar[:, None, :]
    )
    return ll, score, info


def _newton(d: _Data, p: int, max_iter: int) -> tuple[FloatArray, bool, int]:
    beta = np.zeros(p)
    ll, u, info = _loglik_score_info(beta, d)
    for it in range(1, max_iter + 1):
        step = np.linalg.solve(info, u)
        for _ in range(30):
            ll_new, u_new, info_new = _loglik_score_info(beta + step, d)
            if np.isfinite(ll_new) and ll_new >= ll - 1e-12:
                break
            step = step / 2.0
        beta = beta + step
        converged = np.max(np.abs(step)) < 1e-10 * (1.0 + np.max(np.abs(beta)))
        ll, u, info = ll_new, u_new, info_new
        if converged:
            return beta, True, it
    return beta, False, max_iter


def _sandwich(beta: FloatArray, d: _Data, info: FloatArray) -> FloatArray:
    """Fine & Gray (1999) §3: Omega^-1 (sum_i (eta_i + psi_i)^2) Omega^-1."""
    s0, s1, _ = _sums(beta, d, order2=False)
    xbar = s1 / s0[:, None]
    r = np.exp(d.x @ beta)
    n = d.t.size
    a0, a1 = d.dk / s0, d.dk[:, None] * xbar / s0[:, None]  # d Lambda and xbar d Lambda
    pre0 = np.concatenate([[0.0], np.cumsum(a0)])
    pre1 = np.concatenate([np.zeros((1, xbar.shape[1])), np.cumsum(a1, axis=0)])
    q0, q1 = d.gk * a0, d.gk[:, None] * a1
    suf0 = np.concatenate([np.cumsum(q0[::-1])[::-1], [0.0]])
    suf1 = np.concatenate([np.cumsum(q1[::-1], axis=0)[::-1], np.zeros((1, xbar.shape[1]))])
    k_i = np.searchsorted(d.tk, d.t, side="right")  # cause-1 times <= T_i
    other = d.c == 2
    big_a = pre0[k_i] + np.where(other, suf0[k_i] / d.g_minus, 0.0)
    big_b = pre1[k_i] + np.where(other[:, None], suf1[k_i] / d.g_minus[:, None], 0.0)
    eta = -r[:, None] * (d.x * big_a[:, None] - big_b)
    ev = d.c == 1
    own_k = np.searchsorted(d.tk, d.t[ev], side="left")
    eta[ev] += d.x[ev] - xbar[own_k]
    # psi: censoring-martingale term; q(u) at each distinct censoring time u
    cens = d.c == 0
    psi = np.zeros_like(eta)
    if cens.any():
        uc, dc = np.unique(d.t[cens], return_counts=True)
        lo_u = np.searchsorted(d.t, uc, side="left")
        pi_u = (n - lo_u).astype(float)
        w = np.where(other, r / d.g_minus, 0.0)
        c0 = np.concatenate([[0.0], np.cumsum(w)])[lo_u]  # other-cause T_j < u
        c1 = np.concatenate([np.zeros((1, d.x.shape[1])), np.cumsum(w[:, None] * d.x, axis=0)])[
            lo_u
        ]
        k_u = np.searchsorted(d.tk, uc, side="left")  # cause-1 times >= u
        q = c1 * suf0[k_u][:, None] - c0[:, None] * suf1[k_u]
        cum = np.cumsum(q * (dc / pi_u**2)[:, None], axis=0)
        m_i = np.searchsorted(uc, d.t, side="right") - 1  # censoring times <= T_i
        psi = -np.where((m_i >= 0)[:, None], cum[np.maximum(m_i, 0)], 0.0)
        own = np.searchsorted(uc, d.t[cens])
        psi[cens] += q[own] / pi_u[own][:, None]
    s = eta + psi
    h = np.linalg.inv(info)
    return np.asarray(h @ (s.T @ s) @ h.T, dtype=float)


def fine_gray(
    data: pd.DataFrame,
    duration: str,
    event: str,
    covariates: Sequence[str],
    *,
    cause: int = 1,
    censor_code: int = 0,
    categorical: Sequence[str] | None = None,
    reference: Mapping[str, Any] | None = None,
    alpha: float = 0.05,
    max_iter: int = 50,
) -> FineGrayResult:
    """Fit the Fine–Gray subdistribution hazards model for ``cause`` (as R ``cmprsk::crr``).

    Parameters
    ----------
    data : pandas.DataFrame
    duration : str
        Time to the first event or censoring.
    event : str
        Integer cause codes; ``censor_code`` = censored, any other code a competing cause.
    covariates : sequence of str
        Numeric columns or factors (treatment coding, see :func:`prrt.stats.design_matrix`).
    cause : int
        The cause of interest.
    censor_code : int
    categorical, reference
        As for :func:`prrt.stats.cox`.
    alpha : float
        Two-sided level of the Wald CI.
    max_iter : int

    Returns
    -------
    FineGrayResult

    Notes
    -----
    Pseudo partial likelihood (Fine & Gray 1999, eq. 2) with risk-set weights ``w_j(t) = 1``
    while ``T_j >= t`` and ``G(t-)/G(T_j-)`` after a competing event; tied cause-k times
    enter together (Breslow). Variance ``Omega^-1 Sigma Omega^-1`` with ``Sigma = sum (eta_i +
    psi_i)(eta_i + psi_i)'``: ``eta_i`` the weighted score residual and ``psi_i`` the
    contribution of the estimated censoring distribution (Fine & Gray 1999, §3).
    Everything is computed with cumulative sums after one sort: O(n log n).
    """
    cols = [duration, event, *covariates]
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise ValueError(f"columns not in data: {missing}")
    data = data.reset_index(drop=True)
    X, terms, levels = design_matrix(data, covariates, categorical, reference)
    x_all = X.to_numpy(dtype=float)
    t_all = pd.to_numeric(data[duration]).to_numpy(dtype=float)
    e_all = pd.to_numeric(data[event]).to_numpy(dtype=float)
    complete = ~(np.isnan(t_all) | np.isnan(e_all) | np.isnan(x_all).any(axis=1))
    t, e, x = t_all[complete], e_all[complete].astype(np.int64), x_all[complete]
    if np.any(t < 0):
        raise ValueError("durations must be non-negative")
    c = np.where(e == cause, 1, np.where(e == censor_code, 0, 2)).astype(np.int64)
    if not (c == 1).any():
        raise ValueError(f"no events of cause {cause} among the complete cases")
    if np.any(~(x.std(axis=0) > 0)):
        raise ValueError(f"constant covariate(s) among the complete cases: {list(X.columns)}")
    order = np.argsort(t, kind="stable")
    t, c, x = t[order], c[order], x[order]
    x = x - x.mean(axis=0)
    tk, dk = np.unique(t[c == 1], return_counts=True)
    d = _Data(
        t=t,
        c=c,
        x=x,
        g_minus=_censoring_km_left(t, c == 0, t),
        tk=tk,
        dk=dk.astype(float),
        gk=_censoring_km_left(t, c == 0, tk),
        lo_k=np.searchsorted(t, tk, side="left").astype(np.int64),
    )
    p = x.shape[1]
    beta, converged, _ = _newton(d, p, max_iter)
    ll, _, info = _loglik_score_info(beta, d)
    ll0 = _loglik_score_info(np.zeros(p), d)[0]
    vcov = _sandwich(beta, d, info)
    se = np.sqrt(np.diag(vcov))
    z = z_quantile(alpha)
    names = list(X.columns)
    table = wald_ratio_table(beta, se, names, alpha=alpha, ratio="shr")
    lr = 2.0 * (ll - ll0)
    return FineGrayResult(
        table=table,
        n=int(t.size),
        n_events=int((c == 1).sum()),
        n_competing=int((c == 2).sum()),
        n_censored=int((c == 0).sum()),
        loglik=ll,
        loglik_null=ll0,
        lr_test=(float(lr), p, float(special.chdtrc(p, lr))),
        vcov=pd.DataFrame(vcov, index=names, columns=names),
        converged=converged,
        cause=cause,
        method="Fine-Gray subdistribution hazards (cmprsk crr)",
        conventions={
            "cause": cause,
            "censor_code": censor_code,
            "variance": "Fine-Gray sandwich with censoring term",
            "ties": "Breslow",
            "ci": "Wald",
            "z": round(z, 6),
            "reference_levels": {k: v[0] for k, v in levels.items()},
            "complete_cases": f"{int(complete.sum())} of {len(data)}",
            "terms": terms,
        },
    )


def cause_specific_cox(
    data: pd.DataFrame,
    duration: str,
    event: str,
    covariates: Sequence[str],
    *,
    cause: int = 1,
    censor_code: int = 0,
    **kwargs: Any,
) -> CoxResult:
    """Cause-specific Cox model: events of other causes are censored at their time.

    Keyword arguments go to :func:`prrt.stats.cox` (``ties``, ``strata``, ...).

    Examples
    --------
    >>> df = pd.DataFrame({"t": [2, 3, 4, 5, 6, 7, 8, 9], "e": [1, 2, 1, 0, 2, 1, 1, 0],
    ...                    "x": [1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0]})
    >>> cause_specific_cox(df, "t", "e", ["x"], cause=1).n_events
    4
    """
    if event not in data.columns:
        raise ValueError(f"column not in data: {event!r}")
    codes = pd.to_numeric(data[event])
    if censor_code == cause:
        raise ValueError("cause and censor_code must differ")
    indicator = (codes == cause).astype(float).where(codes.notna())
    fit = cox(data.assign(**{event: indicator}), duration, event, covariates, **kwargs)
    conv = {**fit.conventions, "cause_specific": f"cause {cause}; other causes censored"}
    return dataclasses.replace(fit, conventions=conv, method=f"cause-specific {fit.method}")
