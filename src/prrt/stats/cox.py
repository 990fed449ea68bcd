"""Cox proportional-hazards regression (Breslow default as SAS PHREG, Efron as R ``coxph``).

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"t": [5, 8, 12, 20, 25, 30, 41, 50], "e": [1, 1, 1, 0, 1, 1, 0, 1],
...                    "x": [2.0, 1.5, 0.3, 1.0, 0.1, 0.9, 0.0, 0.2]})
>>> fit = cox(df, "t", "e", ["x"])
>>> fit.n, fit.n_events
(8, 6)
>>> list(fit.table.columns)
['coef', 'se', 'hr', 'lower', 'upper', 'z', 'p']
"""

from __future__ import annotations

import dataclasses
import logging
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from prrt.stats._coxfit import SortedData, loglik_score_info, newton, prepare
from prrt.stats._result import ResultMixin, wald_ratio_table, z_quantile

__all__ = ["AliasedTermWarning", "CoxResult", "MonotoneLikelihoodWarning", "cox", "design_matrix"]

_log = logging.getLogger(__name__)
Ties = Literal["breslow", "efron"]


class MonotoneLikelihoodWarning(UserWarning):
    """The partial likelihood seems monotone (a coefficient drifts to +-infinity)."""


class AliasedTermWarning(UserWarning):
    """A design column is constant within every stratum or a linear combination of others."""


#: Relative pivot tolerance of R survival's ``cholesky2`` (``coxph.control()$toler.chol``).
_TOLER_CHOL = float(np.finfo(float).eps ** 0.75)


def _aliased_columns(sd: SortedData, scale: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """Columns whose pivot in a Cholesky decomposition of the information at beta = 0 is zero.

    Mirrors R survival's ``cholesky2``: columns are taken in model order, a column whose
    pivot falls below ``toler.chol`` times the largest diagonal element is aliased (its
    coefficient is NA) and the rank of the information matrix is the number of the others.
    The information is a sum of within-risk-set covariances, so a covariate constant within
    every stratum, or a linear combination of earlier columns, has a zero pivot. Columns are
    scaled by their standard deviation first (R scales by the mean absolute deviation).
    """
    p = sd.x.shape[1]
    if p == 0:
        return np.zeros(0, dtype=bool)
    s = np.where(scale > 0, scale, 1.0)
    _, _, info = loglik_score_info(np.zeros(p), sd)
    m = info / np.outer(s, s)
    diag_max = float(np.max(np.diag(m), initial=0.0))
    eps = _TOLER_CHOL * diag_max if diag_max > 0 else _TOLER_CHOL
    aliased = np.zeros(p, dtype=bool)
    m = m.copy()
    for i in range(p):
        pivot = m[i, i]
        if not np.isfinite(pivot) or pivot < eps:
            aliased[i] = True
            m[i:, i] = 0.0
            m[i, i:] = 0.0
            continue
        col = m[i + 1 :, i] / pivot
        m[i + 1 :, i + 1 :] -= np.outer(col, m[i, i + 1 :])
    return aliased


@dataclasses.dataclass(frozen=True)
class CoxResult(ResultMixin):
    """Fitted Cox model.

    Attributes
    ----------
    table : pandas.DataFrame
        Index = model term (``age``, ``ecog=2`` for a factor level); columns
        ``coef, se, hr, lower, upper, z, p`` (Wald CI and p).
    n, n_events : int
        Complete cases and events used.
    loglik, loglik_null : float
        Log partial likelihood at the estimate and at beta = 0.
    lr_test, wald_test, score_test : tuple of (statistic, df, p)
        Global tests of beta = 0.
    type3 : pandas.DataFrame
        Joint Wald test per covariate (index covariate; ``statistic, df, p``); a factor's
        levels are tested together (SAS PHREG "Type 3 Tests").
    vcov : pandas.DataFrame
        Inverse information.
    converged : bool
    n_iter : int
    monotone_likelihood : bool
        True when a coefficient seems infinite (separation-like data).
    ties, method : str
    conventions : dict
    levels : dict
        Factor -> (reference level, non-reference levels).
    terms : dict
        Covariate -> its design columns (rows of ``table``).
    aliased : list of str
        Design columns without a coefficient (NaN row in ``table`` and ``vcov``): constant
        within every stratum or a linear combination of earlier columns (R: NA).
    """

    table: pd.DataFrame
    n: int
    n_events: int
    loglik: float
    loglik_null: float
    lr_test: tuple[float, int, float]
    wald_test: tuple[float, int, float]
    score_test: tuple[float, int, float]
    type3: pd.DataFrame
    vcov: pd.DataFrame
    converged: bool
    n_iter: int
    monotone_likelihood: bool
    ties: str
    method: str
    conventions: dict[str, Any]
    levels: dict[str, tuple[Any, list[Any]]]
    terms: dict[str, list[str]]
    fit_data: SortedData = dataclasses.field(repr=False, compare=False)
    aliased: list[str] = dataclasses.field(default_factory=list)

    @property
    def statistic(self) -> float:
        """Likelihood-ratio statistic (alias of ``lr_test[0]``)."""
        return self.lr_test[0]

    @property
    def p_value(self) -> float:
        """Likelihood-ratio p value (alias of ``lr_test[2]``)."""
        return self.lr_test[2]

    def to_frame(self) -> pd.DataFrame:
        """The coefficient table with the term as a column."""
        return self.table.rename_axis("term").reset_index()


def design_matrix(
    data: pd.DataFrame,
    covariates: Sequence[str],
    categorical: Sequence[str] | None = None,
    reference: Mapping[str, Any] | None = None,
) -> tuple[pd.DataFrame, dict[str, list[str]], dict[str, tuple[Any, list[Any]]]]:
    """Numeric design matrix with treatment (dummy) coding of factors.

    A covariate is a factor when listed in ``categorical`` or when its dtype is object,
    category or bool-like strings. Reference level: ``reference[col]`` if given, else the
    first level in sorted order (R's default). Columns are named ``"<col>=<level>"``.

    Returns
    -------
    (X, terms, levels)
        ``terms`` maps each covariate to its design columns; ``levels`` maps each factor to
        (reference, other levels).

    Examples
    --------
    >>> X, terms, levels = design_matrix(pd.DataFrame({"g": ["a", "b", "c", "a"]}), ["g"],
    ...                                  reference={"g": "b"})
    >>> list(X.columns), levels["g"][0]
    (['g=a', 'g=c'], 'b')
    """
    categorical = list(categorical or [])
    reference = dict(reference or {})
    cols: dict[str, Any] = {}
    terms: dict[str, list[str]] = {}
    levels: dict[str, tuple[Any, list[Any]]] = {}
    for name in covariates:
        s = data[name]
        is_factor = (
            name in categorical
            or name in reference
            or s.dtype == object
            or isinstance(s.dtype, pd.CategoricalDtype)
            or pd.api.types.is_string_dtype(s.dtype)
        )
        if not is_factor:
            cols[name] = pd.to_numeric(s, errors="raise").astype(float)
            terms[name] = [name]
            continue
        if isinstance(s.dtype, pd.CategoricalDtype):
            present = [lv for lv in s.cat.categories if (s == lv).any()]
        else:
            present = sorted(s.dropna().unique().tolist())
        ref = reference.get(name, present[0] if present else None)
        if ref not in present:
            raise ValueError(f"reference level {ref!r} of {name!r} not among levels {present}")
        others = [lv for lv in present if lv != ref]
        levels[name] = (ref, others)
        terms[name] = []
        for lv in others:
            col = f"{name}={_fmt_level(lv)}"
            cols[col] = (s == lv).astype(float).where(s.notna())
            terms[name].append(col)
    return pd.DataFrame(cols, index=data.index), terms, levels


def _fmt_level(level: Any) -> str:
    """Level label: integral floats without ``.0`` (``ecog=2``, not ``ecog=2.0``)."""
    if isinstance(level, float | np.floating) and float(level).is_integer():
        return str(int(level))
    return str(level)


def _test(stat: float, df: int) -> tuple[float, int, float]:
    return float(stat), int(df), float(special.chdtrc(df, stat))


def cox(
    data: pd.DataFrame,
    duration: str,
    event: str,
    covariates: Sequence[str],
    *,
    ties: Ties = "breslow",
    strata: str | Sequence[str] | None = None,
    categorical: Sequence[str] | None = None,
    reference: Mapping[str, Any] | None = None,
    alpha: float = 0.05,
    max_iter: int = 50,
) -> CoxResult:
    """Fit a Cox proportional-hazards model on the complete cases.

    Parameters
    ----------
    data : pandas.DataFrame
    duration, event : str
        Column names of the time and the 0/1 event indicator.
    covariates : sequence of str
        Model covariates (numeric, or factors; see :func:`design_matrix`).
    ties : {"breslow", "efron"}
        Tie handling; Breslow is the SAS PHREG default, Efron the R default.
    strata : str or sequence of str, optional
        Stratification columns (separate baseline hazards).
    categorical : sequence of str, optional
        Numeric columns to treat as factors.
    reference : mapping, optional
        Reference level per factor (default: the first sorted level).
    alpha : float
        Two-sided level of the Wald intervals (z = 1.959964 for 0.05).
    max_iter : int
        Newton–Raphson iterations (with step halving).

    Returns
    -------
    CoxResult

    Raises
    ------
    ValueError
        No complete cases, no events, or no estimable column at all (every covariate
        constant within every stratum).

    Warns
    -----
    AliasedTermWarning
        When a design column is constant within every stratum or collinear with earlier
        columns: its coefficient is NaN (R's NA), it is listed in ``aliased`` and the global
        tests use the rank of the information matrix as degrees of freedom.
    MonotoneLikelihoodWarning
        When a coefficient diverges (monotone likelihood, e.g. no events in one level).

    Notes
    -----
    Wald CI exp(b +- z se); LR = 2 (l(b) - l(0)); score = U(0)' I(0)^-1 U(0); Wald =
    b' I(b) b (Therneau & Grambsch 2000, §3.4; SAS PHREG "Testing Global Null
    Hypothesis"). Type 3 = b_f' V_ff^-1 b_f per covariate (over its non-aliased columns).
    Aliased columns: sequential pivoting of the information matrix at beta = 0, as R
    survival's ``cholesky2`` (tolerance ``eps^0.75``, ``coxph.control``).
    """
    strata_cols = [strata] if isinstance(strata, str) else list(strata or [])
    needed = [duration, event, *covariates, *strata_cols]
    missing = [c for c in needed if c not in data.columns]
    if missing:
        raise ValueError(f"columns not in data: {missing}")
    data = data.reset_index(drop=True)
    X, terms, levels = design_matrix(data, covariates, categorical, reference)
    x_all = X.to_numpy(dtype=float)
    t_all = pd.to_numeric(data[duration]).to_numpy(dtype=float)
    e_all = pd.to_numeric(data[event]).to_numpy(dtype=float)
    complete = ~(np.isnan(t_all) | np.isnan(e_all) | np.isnan(x_all).any(axis=1))
    if strata_cols:
        complete &= data[strata_cols].notna().all(axis=1).to_numpy()
    if not complete.any():
        raise ValueError("no complete cases")
    t, e_raw, x = t_all[complete], e_all[complete], x_all[complete]
    if np.any(t < 0) or np.any((e_raw != 0) & (e_raw != 1)):
        raise ValueError("durations must be non-negative and event coded 0/1")
    e = e_raw == 1
    if not e.any():
        raise ValueError("no events among the complete cases: the Cox model cannot be fitted")
    s_codes = (
        data.loc[complete, strata_cols]
        .groupby(strata_cols, sort=True)
        .ngroup()
        .to_numpy(dtype=np.int64)
        if strata_cols
        else np.zeros(t.size, dtype=np.int64)
    )
    all_names = list(X.columns)
    sd_x = x.std(axis=0)
    x_c = x - x.mean(axis=0)
    aliased = _aliased_columns(prepare(x_c, t, e, s_codes, ties), sd_x)
    if aliased.all():
        raise ValueError(
            f"constant covariate(s) among the complete cases (within every stratum): {all_names}"
        )
    if aliased.any():
        warnings.warn(
            "Cox model: design matrix singular; aliased term(s) "
            f"{[c for c, a in zip(all_names, aliased, strict=True) if a]} get no coefficient "
            "(NA, as R coxph)",
            AliasedTermWarning,
            stacklevel=2,
        )
    keep = ~aliased
    sd = prepare(x_c[:, keep], t, e, s_codes, ties)
    fit = newton(sd, max_iter=max_iter)
    beta, info = fit.beta, fit.info
    vcov = np.linalg.pinv(info)
    se = np.sqrt(np.diag(vcov))
    monotone = (not fit.converged) or bool(np.any(np.abs(beta) * sd_x[keep] > 15.0))
    if monotone:
        warnings.warn(
            f"Cox model: monotone likelihood suspected (converged={fit.converged}, "
            f"coefficients {np.round(beta, 3).tolist()}); estimates may be infinite - "
            "consider Firth's penalised likelihood",
            MonotoneLikelihoodWarning,
            stacklevel=2,
        )
    z = z_quantile(alpha)
    names = [c for c, k in zip(all_names, keep, strict=True) if k]
    table = wald_ratio_table(beta, se, names, alpha=alpha).reindex(pd.Index(all_names, name="term"))
    rank = len(names)
    lr = _test(2.0 * (fit.loglik - fit.loglik_null), rank)
    wald = _test(float(beta @ info @ beta), rank)
    score = _test(float(fit.score_null @ np.linalg.pinv(fit.info_null) @ fit.score_null), rank)
    rows = []
    for cov, cols in terms.items():
        idx = [names.index(c) for c in cols if c in names]
        b = beta[idx]
        stat = float(b @ np.linalg.pinv(vcov[np.ix_(idx, idx)]) @ b) if idx else float("nan")
        rows.append((cov, *_test(stat, len(idx))))
    type3 = pd.DataFrame(rows, columns=["covariate", "statistic", "df", "p"]).set_index("covariate")
    vcov_frame = pd.DataFrame(vcov, index=names, columns=names).reindex(
        index=all_names, columns=all_names
    )
    conventions = {
        "ties": ties,
        "ci": "Wald",
        "z": round(z, 6),
        "reference_levels": {k: v[0] for k, v in levels.items()},
        "strata": strata_cols,
        "complete_cases": f"{int(complete.sum())} of {len(data)}",
        "aliased": [c for c, a in zip(all_names, aliased, strict=True) if a],
        "df": "rank of the information matrix (aliased terms excluded, as R coxph)",
    }
    return CoxResult(
        table=table,
        n=int(t.size),
        n_events=int(e.sum()),
        loglik=fit.loglik,
        loglik_null=fit.loglik_null,
        lr_test=lr,
        wald_test=wald,
        score_test=score,
        type3=type3,
        vcov=vcov_frame,
        converged=fit.converged,
        n_iter=fit.n_iter,
        monotone_likelihood=monotone,
        ties=ties,
        method=f"Cox proportional hazards ({ties.capitalize()} ties)",
        conventions=conventions,
        levels=levels,
        terms=terms,
        fit_data=sd,
        aliased=[c for c, a in zip(all_names, aliased, strict=True) if a],
    )
