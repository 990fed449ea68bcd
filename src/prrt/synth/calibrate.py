"""Calibration of the latent progression hazard so that the PFS endpoint carries the TRUE effects.

In the joint disease model (:mod:`prrt.synth.latent`) PFS ends at progression or death,
whichever comes first, and OS has its own proportional-hazards model (exact). A hazard ratio
planted on the latent progression time alone is therefore not the hazard ratio of the PFS
endpoint (issue 11: the planted sodium effect was estimated at 0.96 instead of 0.84). The
progression hazard ratios ``survival.progression_hr`` are chosen by fixed-point iteration
``log γ ← log γ + (log HR_true − log HR_est)`` on a large latent cohort, where ``HR_est``
comes from the Cox model of the PFS endpoint on the planted PFS covariates and the population
indicators (:func:`pfs_estimates`), fitted with :func:`prrt.stats.cox` (Breslow ties) - the
model the truth report fits. Latent covariates (lesion uptake) are left out of that model, as
they are of the analysis tables, and keep their planted value on the progression hazard.
Run :func:`calibrate_progression` after changing ``parameters.toml`` and paste its result
into ``survival.progression_hr``.

Examples
--------
>>> from prrt.synth.calibrate import latent_cohort
>>> s = latent_cohort(200, seed=1)
>>> bool((s["tp"] > 0).all())
True
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from prrt import stats
from prrt.synth import effects, latent, lesions, patients, prior
from prrt.synth._params import load_parameters

_LOG = logging.getLogger(__name__)


def latent_cohort(n: int, seed: int, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """The generator's latent state up to the survival times (no tables; fast).

    Uses the same streams as :func:`prrt.synth.simulate` for the same ``(n, seed)``.
    """
    p = load_parameters(params)
    root = np.random.SeedSequence([int(seed), int(n)])
    streams = iter(np.random.default_rng(c) for c in root.spawn(16))
    s = patients.make_patients(next(streams), n, p)
    prior.prior_frame(next(streams), s, p)
    next(streams)  # imaging
    rng = next(streams)
    latent.baseline_labs(rng, s, p)
    latent.measured_baseline(rng, s, p)
    latent.organ_doses(rng, s, p)
    lesions.make_lesions(next(streams), s, p)
    latent.survival_times(next(streams), s, p)
    return s


def _design(s: dict[str, Any], p: dict[str, Any], endpoint: str) -> pd.DataFrame:
    cov = effects.state_covariates(s, p)
    pops = effects.populations_from_state(s)
    cols = {f"pop_{k}": pops[k].astype(float) for k in p["survival"][f"{endpoint}_population_hr"]}
    for name, spec in p["effects"][endpoint].items():
        if name not in effects.LATENT:
            cols[name] = cov[name] * pops[str(spec["population"])]
    return pd.DataFrame(cols)


def pfs_estimates(s: dict[str, Any], p: dict[str, Any]) -> pd.Series:
    """Cox log hazard ratios of the PFS endpoint on the planted PFS covariates (latent state)."""
    d = _design(s, p, "pfs")
    end = np.minimum(s["tp"], s["td"])
    d["time"] = np.minimum(end, s["tc"])
    d["event"] = (end <= s["tc"]).astype(int)
    names = [k for k in p["effects"]["pfs"] if k not in effects.LATENT]
    pops = [f"pop_{k}" for k in p["survival"]["pfs_population_hr"]]
    fit = stats.cox(d, "time", "event", [*names, *pops])
    return fit.table.loc[names, "coef"]


def calibrate_progression(
    n: int = 200_000, seed: int = 1, iterations: int = 6, params: dict[str, Any] | None = None
) -> dict[str, float]:
    """Progression hazard ratios that make the PFS endpoint's Cox estimates equal the truth.

    Returns
    -------
    dict
        Covariate → calibrated progression hazard ratio (for ``survival.progression_hr``).
    """
    p = load_parameters(params)
    truth = pd.Series(
        {
            k: np.log(float(v["hr"]))
            for k, v in p["effects"]["pfs"].items()
            if k not in effects.LATENT
        }
    )
    gamma = truth.copy()
    for it in range(iterations):
        over = {"survival": {"progression_hr": {k: float(np.exp(v)) for k, v in gamma.items()}}}
        q = load_parameters(params)
        q["survival"]["progression_hr"] = over["survival"]["progression_hr"]
        est = pfs_estimates(latent_cohort(n, seed, q), q)
        gap = truth - est
        _LOG.info("iteration %d: max |log HR gap| %.4f", it, float(gap.abs().max()))
        gamma = gamma + gap
    return {k: round(float(np.exp(v)), 4) for k, v in gamma.items()}
