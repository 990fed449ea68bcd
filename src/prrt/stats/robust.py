"""Cluster-robust (sandwich) standard errors for logistic regression.

Lesions are clustered within patients (146 lesions in 35 studies in Hebert 2024): a
lesion-level dose–response model that treats lesions as independent understates its SE.
:func:`logistic_cluster` fits the ordinary logistic model and replaces the model-based
variance by the cluster-robust sandwich. (For Cox models use ``prrt.stats.cox_counting`` with
``cluster=``.)

Conventions: CR0, the empirical ("sandwich") variance of SAS PROC GENMOD ``REPEATED`` /
GEE with an independence working correlation and of R ``sandwich::vcovCL(type = "HC0",
cadjust = FALSE)``: ``B^-1 (sum_c U_c U_c') B^-1`` with ``U_c`` the score summed within
cluster c and ``B`` the Fisher information; the factor ``G/(G - 1)`` (G clusters; R's
``cadjust = TRUE``, one part of Stata's default) is an option. Wald CI and p with
z = 1.959964.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"y": [1, 0, 1, 0, 0, 0, 1, 0, 1, 1], "x": [1, 1, 1, 1, 0, 0, 0, 0, 0, 1],
...                    "patient": [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]})
>>> r = logistic_cluster(df, "y", "x", "patient")
>>> r.conventions["variance"]
'cluster-robust sandwich (CR0), 5 clusters of patient'

References
----------
Liang KY, Zeger SL (1986) Biometrika 73:13-22; White H (1980) Econometrica 48:817-838;
Zeileis A, Köll S, Graham N (2020) J Stat Softw 95(1) (R ``sandwich::vcovCL``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps
from scipy.special import expit

from prrt.stats._logit import coef_table, design
from prrt.stats._result import z_quantile
from prrt.stats.logistic import LogisticResult, logistic

__all__ = ["logistic_cluster"]


def logistic_cluster(
    data: pd.DataFrame,
    outcome: str,
    covariates: str | Sequence[str],
    cluster: str,
    *,
    small_sample: bool = False,
    categorical: Sequence[str] | None = None,
    reference: Mapping[str, Any] | None = None,
    alpha: float = 0.05,
) -> LogisticResult:
    """Logistic regression with cluster-robust standard errors.

    Parameters
    ----------
    data : pandas.DataFrame
    outcome, covariates
        As for :func:`prrt.stats.logistic`.
    cluster : str
        Cluster identifier (e.g. patient for lesion-level rows). A cluster of size one
        contributes its own score (each row its own cluster gives White's HC0).
    small_sample : bool
        Multiply the variance by ``G/(G - 1)``.
    categorical, reference, alpha
        As for :func:`prrt.stats.logistic`.

    Returns
    -------
    LogisticResult
        ``table`` holds the robust ``se``, Wald ``lower``/``upper``, ``statistic`` (z) and
        ``p``, plus ``se_model`` (inverse information).
    """
    covs = [covariates] if isinstance(covariates, str) else list(covariates)
    if cluster not in data.columns:
        raise KeyError(f"column not in data: {cluster!r}")
    sub = data.loc[data[[outcome, *covs, cluster]].notna().all(axis=1)]
    fit = logistic(sub, outcome, covs, categorical=categorical, reference=reference, alpha=alpha)
    if fit.separation:
        raise ValueError("separated data: the ML estimates do not exist; use firth_logistic")
    y, X, names, _ = design(sub, outcome, covs, categorical, reference)
    beta = fit.table["coef"].to_numpy(dtype=float)
    p = expit(X @ beta)
    bread = np.linalg.inv(X.T @ (X * (p * (1.0 - p))[:, None]))
    scores = X * (y - p)[:, None]
    codes = pd.factorize(sub[cluster])[0]
    n_clusters = int(codes.max()) + 1
    u = np.zeros((n_clusters, X.shape[1]))
    np.add.at(u, codes, scores)
    vcov = bread @ (u.T @ u) @ bread
    if small_sample:
        if n_clusters < 2:
            raise ValueError("the small-sample factor needs at least two clusters")
        vcov *= n_clusters / (n_clusters - 1.0)
    se = np.sqrt(np.diag(vcov))
    z = z_quantile(alpha)
    zstat = beta / se
    table = coef_table(
        names, beta, se, beta - z * se, beta + z * se, zstat, 2 * sps.norm.sf(np.abs(zstat))
    )
    table["se_model"] = np.sqrt(np.diag(bread))
    label = "CR0 x G/(G-1)" if small_sample else "CR0"
    conventions = {
        **fit.conventions,
        "ci": "Wald (robust variance)",
        "variance": f"cluster-robust sandwich ({label}), {n_clusters} clusters of {cluster}",
    }
    return dataclasses.replace(
        fit,
        table=table,
        method="logistic regression, cluster-robust standard errors",
        conventions=conventions,
    )
