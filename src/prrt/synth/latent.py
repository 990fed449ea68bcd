"""Latent baseline state: laboratory baselines, CgA, organ doses, survival times.

Survival times come from the joint disease model of ``parameters.toml`` table ``survival``:
two proportional-hazards Weibull times ``T = scale · (−ln U / exp(lp))^(1/shape)`` (PFS and
OS) whose linear predictors ``lp`` sum the TRUE log hazard ratios of tables ``effects.pfs``
and ``effects.os`` (:mod:`prrt.synth.effects`), coupled by a Gaussian copula.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import ndtr

from prrt.synth import effects
from prrt.synth._common import day_number, lognormal, normal


def baseline_labs(rng: np.random.Generator, s: dict[str, Any], p: dict[str, Any]) -> None:
    """Baseline (true) laboratory values in canonical units, ``s['bl_<test>']``."""
    lp = p["labs"]
    n, f = s["n"], s["female"]
    s["bl_platelets"] = np.clip(lognormal(rng, lp["platelets"], n), 95, 700)
    leuk = np.clip(lognormal(rng, lp["leukocytes"], n), 2.5, 15)
    lym = np.clip(leuk * lognormal(rng, lp["lymphocyte_fraction"], n), 0.4, 5)
    s["bl_lymphocytes"] = lym
    s["bl_neutrophils"] = np.clip(leuk * lp["neutrophil_fraction"], 1.0, 12)
    s["bl_other_wbc"] = 0.12 * leuk
    hb = np.where(
        f, normal(rng, lp["haemoglobin_female"], n), normal(rng, lp["haemoglobin_male"], n)
    )
    s["bl_haemoglobin"] = np.clip(hb, 88, 180)
    cr = np.where(
        f, lognormal(rng, lp["creatinine_female"], n), lognormal(rng, lp["creatinine_male"], n)
    )
    s["bl_creatinine"] = np.clip(cr, 35, 200)
    for t in ("alt", "ast", "ggt", "bilirubin", "crp"):
        s[f"bl_{t}"] = lognormal(rng, lp[t], n)
    alp = lognormal(rng, lp["alp"], n)
    s["bl_alp"] = np.where(s["bone"], alp * lp["alp_bone_factor"], alp)
    s["bl_albumin"] = np.clip(normal(rng, lp["albumin"], n), 26, 52)
    s["bl_sodium"] = np.clip(normal(rng, lp["sodium"], n), 128, 148)
    s["bl_prothrombin"] = np.clip(normal(rng, lp["prothrombin"], n), 45, 130)
    cg = p["cga"]
    s["bl_cga"] = np.round(np.clip(lognormal(rng, [cg["median"], cg["sdlog"]], n), 20, 2e5), 0)


def organ_doses(rng: np.random.Generator, s: dict[str, Any], p: dict[str, Any]) -> None:
    """Per-GBq absorbed doses (Gy/GBq) per patient: kidneys, spleen, liver, bone marrow."""
    d = p["dosimetry"]
    n = s["n"]
    s["gy_kidneys"] = lognormal(rng, d["kidney_gy_per_gbq"], n)
    s["gy_spleen"] = lognormal(rng, d["spleen_gy_per_gbq"], n)
    s["gy_liver"] = lognormal(rng, d["liver_gy_per_gbq"], n)
    # marrow dose rises with marrow invasion (OMIS): bone metastases take up the tracer
    s["gy_bone_marrow"] = lognormal(rng, d["marrow_gy_per_gbq"], n) * (1 + s["omis"] / 60)


def measured_baseline(rng: np.random.Generator, s: dict[str, Any], p: dict[str, Any]) -> None:
    """Baseline measurement noise of the tests that carry planted effects (``s['z_bl']``).

    The baseline row of ``labs`` uses these draws (:mod:`prrt.synth.labs`), so the planted
    effects act on the values the derivation reads: ``s['obs_<test>']`` is the true value
    times the noise, rounded as reported in canonical units.
    """
    lp = p["labs"]
    n = s["n"]
    s["z_bl"] = {}
    for test, digits in MEASURED.items():
        z = rng.standard_normal(n)
        s["z_bl"][test] = z
        s[f"obs_{test}"] = np.round(s[f"bl_{test}"] * np.exp(lp["noise_cv"][test] * z), digits)
    s["obs_lymphocytes"] = np.maximum(s["obs_lymphocytes"], 0.01)
    s["cga_uln"] = np.where(rng.random(n) < 0.7, p["cga"]["uln"], 98.0)


MEASURED = {"sodium": 0, "albumin": 1, "alp": 0, "neutrophils": 2, "lymphocytes": 2}
"""Tests whose measured baseline carries a planted effect, with their reported decimals."""


def survival_times(rng: np.random.Generator, s: dict[str, Any], p: dict[str, Any]) -> None:
    """Progression time ``tp``, death time ``td`` and censoring time ``tc`` (days from PRRT-1).

    The joint disease model of ``parameters.toml`` ``survival``: latent PFS and OS times from
    proportional-hazards Weibull models (linear predictors from :mod:`prrt.synth.effects`)
    coupled by a Gaussian copula. ``tp`` is the progression time when it precedes death
    (otherwise the patient dies without documented progression, ``tp = inf``).
    """
    sv = p["survival"]
    n = s["n"]
    s["nlr"] = s["obs_neutrophils"] / s["obs_lymphocytes"]
    cov = effects.state_covariates(s, p)
    pops = effects.populations_from_state(s)
    lp_prog = effects.linear_predictor("progression", cov, pops, p)
    lp_os = effects.linear_predictor("os", cov, pops, p)
    s["lp_pfs"], s["lp_os"] = lp_prog, lp_os
    rho = sv["copula_rho"]
    z_p = rng.standard_normal(n)
    z_o = rho * z_p + np.sqrt(1 - rho**2) * rng.standard_normal(n)
    # U = Phi(-z) is the survival probability at the event: large z -> small U -> late event
    t_prog = weibull_time(ndtr(-z_p), lp_prog, sv["pfs_shape"], sv["pfs_scale_days"])
    t_os = weibull_time(ndtr(-z_o), lp_os, sv["os_shape"], sv["os_scale_days"])
    s["td"] = t_os
    # death before the latent progression: a NET-related decline is often documented as
    # clinical progression shortly before death; the rest die without documented progression
    lo, hi = (float(v) for v in sv["documented_before_death_days"])
    lead = rng.uniform(lo, hi, n)
    doc = (t_os <= t_prog) & (rng.random(n) < sv["documented_before_death"]) & (t_os - lead > lo)
    s["doc_before_death"] = doc
    s["tp"] = np.where(t_prog < t_os, t_prog, np.where(doc, np.floor(t_os - lead), np.inf))
    # best response shares the PFS draw (responders progress later); see lesions.lesion_response
    s["z_pfs"] = z_p
    r = sv["response_pfs_rho"]
    # (u > 0 is growth: a late progression, large z, goes with shrinkage, u < 0)
    s["resp_u"] = p["lesions"]["patient_sd"] * (-r * z_p + np.sqrt(1 - r**2) * s["resp_eps"])
    cal = p["calendar"]
    admin = day_number(cal["data_cutoff"]) - s["t0"]
    loss = 365 + rng.exponential(365.25 / cal["loss_to_followup_rate_per_year"], n)
    s["tc"] = np.floor(np.minimum(admin, loss))
    s["dead"] = s["td"] <= s["tc"]
    s["tend"] = np.where(s["dead"], s["td"], s["tc"])
    s["progressed"] = s["tp"] < s["tend"]


def weibull_time(u: np.ndarray, lp: np.ndarray, shape: float, scale: float) -> np.ndarray:
    """Whole-day event time with survival ``exp(-(t/scale)^shape · e^lp)`` at probability ``u``.

    Examples
    --------
    >>> float(weibull_time(np.array([0.5]), np.array([0.0]), 1.0, 100.0)[0])
    70.0
    """
    u = np.clip(u, 1e-300, 1.0)
    return np.maximum(np.ceil(scale * (-np.log(u) / np.exp(lp)) ** (1 / shape)), 1.0)
