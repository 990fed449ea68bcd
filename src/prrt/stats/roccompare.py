"""Paired comparison of two ROC curves measured on the same subjects (DeLong's test).

Which marker predicts better (e.g. baseline platelets vs. bone-marrow dose for persistent
thrombocytopenia) is a paired question: both markers are measured on the same patients, so
their AUCs are correlated and DeLong's covariance must be used (pROC ``roc.test(method =
"delong", paired = TRUE)``).

Conventions: each marker has its own stated ``direction`` (never flipped automatically);
subjects missing either marker are dropped (paired complete cases); z = (AUC1 - AUC2)/SE,
two-sided p, Wald CI of the difference with z = 1.959964.

Examples
--------
>>> y = [0, 0, 1, 1, 0, 1, 0, 1]
>>> r = roc_compare(y, [0.1, 0.4, 0.35, 0.8, 0.2, 0.9, 0.3, 0.7], [1, 3, 2, 4, 2, 3, 1, 2])
>>> round(r.auc1, 4), round(r.auc2, 4)
(0.9375, 0.7812)

References
----------
DeLong ER, DeLong DM, Clarke-Pearson DL (1988). Comparing the areas under two or more
correlated receiver operating characteristic curves: a nonparametric approach. Biometrics
44:837-845. Robin X et al. (2011) BMC Bioinformatics 12:77 (pROC).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats as sps

from prrt.stats._result import ResultMixin, z_quantile

__all__ = ["RocCompareResult", "roc_compare"]

FloatArray = npt.NDArray[np.float64]


@dataclasses.dataclass(frozen=True)
class RocCompareResult(ResultMixin):
    """DeLong test of two correlated AUCs.

    Attributes
    ----------
    auc1, auc2 : float
    estimate : float
        auc1 - auc2; ``ci`` its Wald interval.
    se : float
        SE of the difference; ``var1``, ``var2``, ``cov`` the DeLong (co)variances.
    statistic, p_value : float
        z and two-sided p.
    n_cases, n_controls : int
    method : str
    conventions : dict
    """

    auc1: float
    auc2: float
    estimate: float
    ci: tuple[float, float]
    se: float
    var1: float
    var2: float
    cov: float
    statistic: float
    p_value: float
    n_cases: int
    n_controls: int
    method: str
    conventions: dict[str, Any]


def _placements(cases: FloatArray, controls: FloatArray) -> tuple[FloatArray, FloatArray]:
    """DeLong placement values V10 (per case) and V01 (per control) from midranks."""
    m, n = cases.size, controls.size
    r_all = sps.rankdata(np.concatenate([cases, controls]))
    v10 = (r_all[:m] - sps.rankdata(cases)) / n
    v01 = 1.0 - (r_all[m:] - sps.rankdata(controls)) / m
    return v10, v01


def roc_compare(
    y: Any,
    score1: Any,
    score2: Any,
    *,
    direction1: str = "<",
    direction2: str = "<",
    alpha: float = 0.05,
) -> RocCompareResult:
    """DeLong's test for two paired ROC curves.

    Parameters
    ----------
    y : array_like
        Binary outcome (1 = case).
    score1, score2 : array_like
        The two markers, on the same subjects.
    direction1, direction2 : {"<", ">"}
        ``"<"``: higher value = case; ``">"``: lower value = case.
    alpha : float

    Returns
    -------
    RocCompareResult

    Notes
    -----
    With placement values of both markers, ``S10`` (cases) and ``S01`` (controls) their 2×2
    sample covariance matrices: ``Var(AUC1 - AUC2) = c' (S10/m + S01/n) c``, ``c = (1, -1)``
    (DeLong et al. 1988, §3).
    """
    yy = np.asarray(y, dtype=float).ravel()
    s1 = np.asarray(score1, dtype=float).ravel()
    s2 = np.asarray(score2, dtype=float).ravel()
    if not (yy.shape == s1.shape == s2.shape):
        raise ValueError("y, score1 and score2 differ in length")
    ok = ~(np.isnan(yy) | np.isnan(s1) | np.isnan(s2))
    yy, s1, s2 = yy[ok], s1[ok], s2[ok]
    if not np.all((yy == 0) | (yy == 1)):
        raise ValueError("y must be coded 0/1 (or False/True)")
    for d in (direction1, direction2):
        if d not in ("<", ">"):
            raise ValueError("direction must be '<' (higher score = case) or '>'")
    case = yy == 1
    m, n = int(case.sum()), int((~case).sum())
    if m < 2 or n < 2:
        raise ValueError("need at least two cases and two controls")
    v10s, v01s = [], []
    for s, d in ((s1, direction1), (s2, direction2)):
        sign = 1.0 if d == "<" else -1.0
        v10, v01 = _placements(sign * s[case], sign * s[~case])
        v10s.append(v10)
        v01s.append(v01)
    auc = np.array([v.mean() for v in v10s])
    cov = np.cov(np.vstack(v10s)) / m + np.cov(np.vstack(v01s)) / n
    diff = float(auc[0] - auc[1])
    var = float(cov[0, 0] + cov[1, 1] - 2.0 * cov[0, 1])
    se = float(np.sqrt(var)) if var > 0 else 0.0
    z = z_quantile(alpha)
    stat = diff / se if se > 0 else np.nan
    return RocCompareResult(
        auc1=float(auc[0]),
        auc2=float(auc[1]),
        estimate=diff,
        ci=(diff - z * se, diff + z * se),
        se=se,
        var1=float(cov[0, 0]),
        var2=float(cov[1, 1]),
        cov=float(cov[0, 1]),
        statistic=float(stat),
        p_value=float(2 * sps.norm.sf(abs(stat))) if se > 0 else np.nan,
        n_cases=m,
        n_controls=n,
        method="DeLong's test for two correlated ROC curves",
        conventions={
            "directions": (direction1, direction2),
            "auto_flip": False,
            "missing": "subjects missing either marker dropped",
            "ci": "Wald on the AUC difference",
            "z": round(z, 6),
        },
    )
