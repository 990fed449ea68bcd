"""Confidence intervals for a single binomial proportion (response and toxicity rates).

Two methods:

* ``"clopper-pearson"`` (default) -- the exact interval from the beta distribution, as R's
  ``binom.test`` and SAS PROC FREQ ``BINOMIAL(EXACT)``; conservative (coverage ≥ nominal).
* ``"wilson"`` -- the score interval without continuity correction, as R's
  ``prop.test(correct = FALSE)`` and SAS ``BINOMIAL(WILSON)``.

References
----------
Clopper CJ, Pearson ES. The use of confidence or fiducial limits illustrated in the case of the
binomial. Biometrika 1934;26:404-413. Wilson EB. Probable inference, the law of succession, and
statistical inference. J Am Stat Assoc 1927;22:209-212. Brown LD, Cai TT, DasGupta A. Interval
estimation for a binomial proportion. Stat Sci 2001;16:101-133.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Literal

from scipy import stats as _sps

from prrt.stats._result import ResultMixin, z_quantile

__all__ = ["ProportionResult", "proportion_ci"]

ProportionMethod = Literal["clopper-pearson", "wilson"]

_METHOD_NAMES = {
    "clopper-pearson": "Clopper–Pearson exact interval",
    "wilson": "Wilson score interval",
}


@dataclasses.dataclass(frozen=True)
class ProportionResult(ResultMixin):
    """A proportion ``x / n`` with its two-sided confidence interval.

    Attributes
    ----------
    estimate : float
        ``x / n``.
    ci : tuple of float
        ``(lower, upper)`` confidence limits on the 0–1 scale.
    x, n : int
        Number of patients with the outcome and the denominator.
    method : str
        ``"Clopper–Pearson exact interval"`` or ``"Wilson score interval"``.
    conventions : dict
        The choices made (method, confidence level).
    """

    estimate: float
    ci: tuple[float, float]
    x: int
    n: int
    method: str
    conventions: dict[str, Any] = dataclasses.field(default_factory=dict)


def proportion_ci(
    x: int, n: int, *, method: ProportionMethod = "clopper-pearson", alpha: float = 0.05
) -> ProportionResult:
    """Proportion ``x / n`` with a two-sided ``1 - alpha`` confidence interval.

    Parameters
    ----------
    x : int
        Number of events (0 ≤ x ≤ n).
    n : int
        Denominator (n ≥ 1).
    method : {"clopper-pearson", "wilson"}
        Interval method; Clopper–Pearson (exact) by default.
    alpha : float
        Two-sided error level (0.05 for a 95 % interval).

    Returns
    -------
    ProportionResult

    Notes
    -----
    Clopper–Pearson: lower = Beta⁻¹(α/2; x, n − x + 1), upper = Beta⁻¹(1 − α/2; x + 1, n − x),
    with lower = 0 when x = 0 and upper = 1 when x = n.
    Wilson: (p̂ + z²/2n ± z √(p̂(1 − p̂)/n + z²/4n²)) / (1 + z²/n).

    Examples
    --------
    R ``binom.test(7, 20)$conf.int`` is 0.1539092 0.5921885:

    >>> r = proportion_ci(7, 20)
    >>> round(r.estimate, 2), round(r.ci[0], 7), round(r.ci[1], 7)
    (0.35, 0.1539092, 0.5921885)
    >>> w = proportion_ci(7, 20, method="wilson")
    >>> round(w.ci[0], 7), round(w.ci[1], 7)
    (0.1811918, 0.5671457)
    """
    x_i, n_i = int(x), int(n)
    if x_i != x or n_i != n:
        raise ValueError(f"x and n must be whole numbers, got x={x!r}, n={n!r}")
    if n_i < 1:
        raise ValueError(f"the denominator must be at least 1, got n={n_i}")
    if not 0 <= x_i <= n_i:
        raise ValueError(f"x must lie in 0..n, got x={x_i}, n={n_i}")
    if method not in _METHOD_NAMES:
        raise ValueError(f"unknown method {method!r}; use 'clopper-pearson' or 'wilson'")
    p = x_i / n_i
    if method == "clopper-pearson":
        lower = 0.0 if x_i == 0 else float(_sps.beta.ppf(alpha / 2.0, x_i, n_i - x_i + 1))
        upper = 1.0 if x_i == n_i else float(_sps.beta.ppf(1.0 - alpha / 2.0, x_i + 1, n_i - x_i))
    else:
        z = z_quantile(alpha)
        denom = 1.0 + z * z / n_i
        centre = p + z * z / (2.0 * n_i)
        half = z * math.sqrt(p * (1.0 - p) / n_i + z * z / (4.0 * n_i * n_i))
        lower = max(0.0, (centre - half) / denom)
        upper = min(1.0, (centre + half) / denom)
    level = f"{100 * (1 - alpha):g} %"
    return ProportionResult(
        estimate=p,
        ci=(lower, upper),
        x=x_i,
        n=n_i,
        method=_METHOD_NAMES[method],
        conventions={"interval": _METHOD_NAMES[method], "level": level},
    )
