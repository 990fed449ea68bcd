"""Firth-penalised Cox regression (Heinze & Schemper 2001), as R ``coxphf``.

When a factor level has no events (monotone likelihood) the Cox estimate diverges and
:func:`prrt.stats.cox` warns; Firth's penalty ``0.5 log|I(beta)|`` gives finite estimates with
profile penalised-likelihood intervals.

Conventions (``coxphf`` defaults): Breslow ties; estimates maximise
``l*(beta) = l(beta) + 0.5 log det I(beta)``; CI by profile penalised likelihood
(``2 (l*(b) - max l*(beta_j = c)) = chi2_{1, 1 - alpha}``); p from the penalised
likelihood-ratio test of ``beta_j = 0``; HR = exp(coef).

Examples
--------
>>> import pandas as pd
>>> d = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6, 7, 8], "e": [1, 1, 1, 0, 0, 1, 0, 0],
...                   "x": [1, 1, 1, 1, 0, 0, 0, 0]})
>>> fit = firth_cox(d, "t", "e", ["x"])
>>> bool(fit.table.loc["x", "coef"] > 0 and fit.table.loc["x", "upper"] < float("inf"))
True

References
----------
Firth D (1993) Biometrika 80:27-38. Heinze G, Schemper M (2001). A solution to the problem of
monotone likelihood in Cox regression. Biometrics 57:114-119.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize
from scipy import stats as sps

from prrt.stats._coxfit import FloatArray, SortedData, loglik_score_info, prepare
from prrt.stats._result import ResultMixin
from prrt.stats.cox import design_matrix

__all__ = ["FirthCoxResult", "firth_cox"]


@dataclasses.dataclass(frozen=True)
class FirthCoxResult(ResultMixin):
    """Firth-penalised Cox model.

    Attributes
    ----------
    table : pandas.DataFrame
        Index = term; ``coef, se, hr, lower, upper, chisq, p`` (profile penalised-likelihood
        CI of the HR, penalised LR chi-square and p; ``se`` from the inverse information).
    n, n_events : int
    penalized_loglik : float
        ``l*`` at the estimate.
    converged : bool
    method : str
    conventions : dict
    """

    table: pd.DataFrame
    n: int
    n_events: int
    penalized_loglik: float
    converged: bool
    method: str
    conventions: dict[str, Any]

    def to_frame(self) -> pd.DataFrame:
        """The coefficient table with the term as a column."""
        return self.table.rename_axis("term").reset_index()


def _pen(beta: FloatArray, sd: SortedData) -> tuple[float, FloatArray, FloatArray]:
    """Penalised log likelihood, penalised score and information at ``beta``."""
    ll, u, info = loglik_score_info(beta, sd)
    sign, logdet = np.linalg.slogdet(info)
    if sign <= 0:
        return -np.inf, u, info
    inv = np.linalg.inv(info)
    p = beta.size
    grad = np.empty(p)
    for r in range(p):  # d log|I| / d beta_r = tr(I^-1 dI/dbeta_r), central differences
        h = 1e-5 * max(1.0, abs(beta[r]))
        e = np.zeros(p)
        e[r] = h
        i_plus = loglik_score_info(beta + e, sd)[2]
        i_minus = loglik_score_info(beta - e, sd)[2]
        grad[r] = np.trace(inv @ (i_plus - i_minus)) / (2 * h)
    return ll + 0.5 * logdet, u + 0.5 * grad, info


def _maximise(
    sd: SortedData, p: int, fixed: int | None = None, value: float = 0.0, max_iter: int = 100
) -> tuple[FloatArray, float, bool]:
    """Newton–Raphson on l* (information as the curvature, as coxphf), optionally with
    coefficient ``fixed`` held at ``value``."""
    free = np.array([j for j in range(p) if j != fixed], dtype=int)
    beta = np.zeros(p)
    if fixed is not None:
        beta[fixed] = value
    lp, u, info = _pen(beta, sd)
    converged = free.size == 0
    for _ in range(max_iter):
        if free.size == 0:
            break
        step = np.zeros(p)
        step[free] = np.linalg.solve(info[np.ix_(free, free)], u[free])
        step = np.clip(step, -5.0, 5.0)  # coxphf's maxstep
        for _ in range(30):
            lp_new, u_new, info_new = _pen(beta + step, sd)
            if np.isfinite(lp_new) and lp_new >= lp - 1e-10:
                break
            step = step / 2.0
        beta = beta + step
        lp, u, info = lp_new, u_new, info_new
        if np.max(np.abs(step)) < 1e-8 and np.max(np.abs(u[free])) < 1e-6:
            converged = True
            break
    return beta, lp, converged


def firth_cox(
    data: pd.DataFrame,
    duration: str,
    event: str,
    covariates: Sequence[str],
    *,
    categorical: Sequence[str] | None = None,
    reference: Mapping[str, Any] | None = None,
    alpha: float = 0.05,
) -> FirthCoxResult:
    """Fit a Firth-penalised Cox model (Breslow ties) on the complete cases.

    Parameters
    ----------
    data : pandas.DataFrame
    duration, event : str
    covariates : sequence of str
    categorical, reference
        As for :func:`prrt.stats.cox`.
    alpha : float
        Two-sided level of the profile intervals.

    Returns
    -------
    FirthCoxResult
    """
    missing = [c for c in [duration, event, *covariates] if c not in data.columns]
    if missing:
        raise ValueError(f"columns not in data: {missing}")
    data = data.reset_index(drop=True)
    X, _, levels = design_matrix(data, covariates, categorical, reference)
    x = X.to_numpy(dtype=float)
    t = pd.to_numeric(data[duration]).to_numpy(dtype=float)
    e = pd.to_numeric(data[event]).to_numpy(dtype=float)
    ok = ~(np.isnan(t) | np.isnan(e) | np.isnan(x).any(axis=1))
    t, e, x = t[ok], e[ok] == 1, x[ok]
    if not e.any():
        raise ValueError("no events among the complete cases")
    if np.any(~(x.std(axis=0) > 0)):
        raise ValueError(f"constant covariate(s) among the complete cases: {list(X.columns)}")
    sd = prepare(x - x.mean(axis=0), t, e, np.zeros(t.size, dtype=np.int64), "breslow")
    p = x.shape[1]
    beta, lp_max, converged = _maximise(sd, p)
    info = loglik_score_info(beta, sd)[2]
    se = np.sqrt(np.diag(np.linalg.inv(info)))
    crit = float(sps.chi2.ppf(1.0 - alpha, 1))
    rows = []
    for j in range(p):

        def dev(b: float, j: int = j) -> float:
            return 2.0 * (lp_max - _maximise(sd, p, fixed=j, value=b)[1]) - crit

        lo = _bracket_root(dev, beta[j], -se[j])
        hi = _bracket_root(dev, beta[j], se[j])
        lr = max(0.0, 2.0 * (lp_max - _maximise(sd, p, fixed=j, value=0.0)[1]))
        rows.append((float(np.exp(lo)), float(np.exp(hi)), lr, float(sps.chi2.sf(lr, 1))))
    lower, upper, chisq, pval = (np.array(c) for c in zip(*rows, strict=True))
    table = pd.DataFrame(
        {"coef": beta, "se": se, "hr": np.exp(beta), "lower": lower, "upper": upper,
         "chisq": chisq, "p": pval},
        index=pd.Index(list(X.columns), name="term"),
    )  # fmt: skip
    return FirthCoxResult(
        table=table,
        n=int(t.size),
        n_events=int(e.sum()),
        penalized_loglik=float(lp_max),
        converged=converged,
        method="Firth-penalised Cox regression (Breslow ties)",
        conventions={
            "penalty": "0.5 log det I(beta) (Heinze & Schemper 2001)",
            "ties": "breslow",
            "ci": "profile penalised likelihood",
            "p": "penalised likelihood ratio",
            "alpha": alpha,
            "reference_levels": {k: v[0] for k, v in levels.items()},
        },
    )


def _bracket_root(f: Any, start: float, step: float) -> float:
    """Root of ``f`` on the side of ``start`` given by the sign of ``step`` (expanding)."""
    a, fa = start, f(start)
    width = abs(step) if step != 0 else 1.0
    for _ in range(60):
        b = start + np.sign(step) * width
        fb = f(b)
        if fa * fb <= 0:
            return float(optimize.brentq(f, min(a, b), max(a, b), xtol=1e-9))
        a, fa = b, fb
        width *= 2.0
    return float(np.sign(step) * np.inf)
