"""Linear mixed models for repeated laboratory values (platelet, eGFR trajectories over cycles).

Thin wrapper of :class:`statsmodels.regression.mixed_linear_model.MixedLM` with our
conventions: complete cases, a random intercept per patient (optionally a random slope with an
unstructured 2×2 covariance), REML by default (SAS PROC MIXED and R ``nlme::lme`` default),
fixed effects with Wald z intervals and p (z = 1.959964; PROC MIXED and ``lme`` use t with
approximate denominator df, which differs little with the patient numbers of PRRT cohorts),
and the variance components in the result.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(1)
>>> pid = np.repeat(np.arange(12), 4)
>>> cycle = np.tile(np.arange(4), 12)
>>> plt = 250 - 12 * cycle + rng.normal(0, 20, 12)[pid] + rng.normal(0, 8, 48)
>>> fit = mixed_model(pd.DataFrame({"plt": plt, "cycle": cycle, "pid": pid}), "plt", ["cycle"], "pid")
>>> fit.n_obs, fit.n_groups, list(fit.table.index)
(48, 12, ['(Intercept)', 'cycle'])
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps
from statsmodels.regression.mixed_linear_model import MixedLM

from prrt.stats._result import ResultMixin, z_quantile
from prrt.stats.cox import design_matrix

__all__ = ["MixedModelResult", "mixed_model"]


@dataclasses.dataclass(frozen=True)
class MixedModelResult(ResultMixin):
    """Fitted linear mixed model.

    Attributes
    ----------
    table : pandas.DataFrame
        Fixed effects: index = term (``(Intercept)`` first); ``coef, se, lower, upper, z, p``.
    random_cov : pandas.DataFrame
        Covariance matrix of the random effects (intercept, and slope when fitted).
    residual_variance : float
    loglik : float
        Restricted (REML) or full (ML) log likelihood, as R ``logLik(lme)``.
    n_obs, n_groups : int
    reml, converged : bool
    method : str
    conventions : dict
    """

    table: pd.DataFrame
    random_cov: pd.DataFrame
    residual_variance: float
    loglik: float
    n_obs: int
    n_groups: int
    reml: bool
    converged: bool
    method: str
    conventions: dict[str, Any]

    def to_frame(self) -> pd.DataFrame:
        """The fixed-effects table with the term as a column."""
        return self.table.rename_axis("term").reset_index()


def mixed_model(
    data: pd.DataFrame,
    outcome: str,
    fixed: Sequence[str],
    group: str,
    *,
    random_slope: str | None = None,
    reml: bool = True,
    categorical: Sequence[str] | None = None,
    reference: Mapping[str, Any] | None = None,
    alpha: float = 0.05,
) -> MixedModelResult:
    """Linear mixed model ``outcome ~ fixed + (1 [+ random_slope] | group)``.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per measurement.
    outcome : str
        Continuous outcome (e.g. ``platelets_1e9_l``).
    fixed : sequence of str
        Fixed-effect covariates (numeric or factors, treatment coding).
    group : str
        Grouping column (patient).
    random_slope : str, optional
        Numeric column with a random slope per group (e.g. ``cycle`` or months); its
        covariance with the intercept is estimated (unstructured).
    reml : bool
        REML (default) or maximum likelihood (needed to compare fixed effects by LR).
    categorical, reference
        As for :func:`prrt.stats.cox`.
    alpha : float

    Returns
    -------
    MixedModelResult

    Notes
    -----
    Laird & Ware (1982) Biometrics 38:963-974; estimation by statsmodels (Lindstrom & Bates
    1988 profiled likelihood). Checked against R ``nlme::lme`` in
    ``tests/stats/test_mixed.py``. A group with a single measurement is allowed (it informs
    the fixed effects and the between-group variance).
    """
    cols = [outcome, *fixed, group, *([random_slope] if random_slope else [])]
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise ValueError(f"columns not in data: {missing}")
    sub = data.loc[data[list(dict.fromkeys(cols))].notna().all(axis=1)].reset_index(drop=True)
    if sub.empty:
        raise ValueError("no complete cases")
    X, _, levels = design_matrix(sub, fixed, categorical, reference)
    exog = np.column_stack([np.ones(len(sub)), X.to_numpy(dtype=float)])
    names = ["(Intercept)", *X.columns]
    re_names = ["(Intercept)"]
    exog_re = np.ones((len(sub), 1))
    if random_slope:
        exog_re = np.column_stack([exog_re, pd.to_numeric(sub[random_slope]).to_numpy(float)])
        re_names.append(random_slope)
    y = pd.to_numeric(sub[outcome]).to_numpy(dtype=float)
    model = MixedLM(y, exog, groups=sub[group].to_numpy(), exog_re=exog_re)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels convergence chatter; reported below
        res = model.fit(reml=reml, method=["lbfgs", "bfgs"], maxiter=500)
    beta = np.asarray(res.fe_params, dtype=float)
    se = np.asarray(res.bse_fe, dtype=float)
    z = z_quantile(alpha)
    zs = beta / se
    table = pd.DataFrame(
        {"coef": beta, "se": se, "lower": beta - z * se, "upper": beta + z * se, "z": zs,
         "p": 2 * sps.norm.sf(np.abs(zs))},
        index=pd.Index(names, name="term"),
    )  # fmt: skip
    cov_re = np.asarray(res.cov_re, dtype=float)
    return MixedModelResult(
        table=table,
        random_cov=pd.DataFrame(cov_re, index=re_names, columns=re_names),
        residual_variance=float(res.scale),
        loglik=float(res.llf),
        n_obs=len(sub),
        n_groups=int(sub[group].nunique()),
        reml=reml,
        converged=bool(res.converged),
        method="linear mixed model (" + ("REML" if reml else "ML") + ", statsmodels MixedLM)",
        conventions={
            "estimation": "REML" if reml else "ML",
            "random_effects": "intercept"
            + (f" + slope on {random_slope}, unstructured" if random_slope else ""),
            "inference": "Wald z (no denominator-df approximation)",
            "z": round(z, 6),
            "reference_levels": {k: v[0] for k, v in levels.items()},
            "complete_cases": f"{len(sub)} of {len(data)} rows",
        },
    )
