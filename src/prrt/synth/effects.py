"""The planted effects: one definition per covariate, shared by the generator and the truth report.

Each TRUE effect in ``parameters.toml`` (tables ``effects.pfs`` and ``effects.os``) acts on a
covariate defined here twice: from the generator's latent state (:func:`state_covariates`,
with the *measured* baseline laboratory values, so that what is planted is what a study
sees) and from the product's derived analysis table ``analysis_patient_course``
(:func:`table_covariates`, the columns the study templates use). ``population`` restricts an
effect to pancreatic NETs (Fröss-Baron's PanNET subgroup) or to patients with bone metastases
(the skeletal-metastases study).

Examples
--------
>>> from prrt.synth.effects import planted
>>> e = planted()
>>> e.loc[(e["endpoint"] == "os") & (e["covariate"] == "male"), "population"].item()
'bone'
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from prrt.synth._params import load_parameters

ALP_ULN_U_L = 105.0
"""ALP upper reference limit written with every synthetic ALP value (``parameters.toml`` limits)."""

LATENT = ("lesion_uptake",)
"""Planted covariates without a column in the analysis tables (not re-estimated)."""

SCALES = {
    "who_grade_3": "grade 3 vs grade 1 (Ki-67 > 20 %)",
    "cga_ge_1000": "CgA ≥ 1000 µg/L vs lower",
    "cga_gt_uln": "CgA above the upper reference limit",
    "sodium": "per mmol/L of sodium",
    "albumin": "per g/L of albumin",
    "nlr": "per unit of neutrophil-to-lymphocyte ratio",
    "lesion_uptake": "per Gy/GBq of cycle-1 lesion dose (latent)",
    "ecog_ge1": "ECOG ≥ 1 vs 0",
    "hepatic_burden_gt50": "hepatic tumour burden > 50 %",
    "bone_metastases": "bone metastases",
    "chemo_lines_gt1": "> 1 line of chemotherapy",
    "surgery_primary": "surgery of the primary tumour",
    "alp_gt_2uln": "ALP > 2 × upper reference limit",
    "alp_gt_uln": "ALP above the upper reference limit",
    "male": "male vs female",
}
"""Plain-language scale of each planted covariate (for the truth report)."""


def planted(params: dict[str, Any] | None = None) -> pd.DataFrame:
    """The planted hazard ratios, one row per endpoint × covariate.

    Returns
    -------
    DataFrame
        Columns ``endpoint`` (``pfs``/``os``), ``covariate``, ``hazard_ratio``, ``population``,
        ``scale``, ``source``.
    """
    eff = load_parameters(params)["effects"]
    rows = [
        {
            "endpoint": endpoint,
            "covariate": name,
            "hazard_ratio": float(spec["hr"]),
            "population": str(spec["population"]),
            "scale": SCALES.get(name, name),
            "source": str(spec["source"]),
        }
        for endpoint in ("pfs", "os")
        for name, spec in eff[endpoint].items()
    ]
    return pd.DataFrame(rows)


def state_covariates(s: dict[str, Any], p: dict[str, Any]) -> dict[str, np.ndarray]:
    """Covariates (float arrays, centred where continuous) from the generator's latent state.

    Laboratory covariates use the measured baseline values (``obs_*``: true value × the
    baseline row's measurement noise, rounded as reported), the values the analysis table
    derives.
    """
    sv = p["survival"]
    nlr = s["obs_neutrophils"] / s["obs_lymphocytes"]
    alp = s["obs_alp"]
    cov = {
        "who_grade_3": s["grade"] == 3,
        "cga_ge_1000": s["bl_cga"] >= 1000,
        "cga_gt_uln": s["bl_cga"] > s["cga_uln"],
        "sodium": s["obs_sodium"] - sv["sodium_centre"],
        "albumin": s["obs_albumin"] - sv["albumin_centre"],
        "nlr": nlr - sv["nlr_centre"],
        "lesion_uptake": s["lesion_uptake"] - sv["lesion_uptake_centre"],
        "ecog_ge1": s["ecog"] >= 1,
        "hepatic_burden_gt50": s["hep_class"] >= 3,
        "bone_metastases": s["bone"],
        "chemo_lines_gt1": s["chemo_lines"] > 1,
        "surgery_primary": s["surgery_primary"],
        "alp_gt_2uln": alp > 2 * ALP_ULN_U_L,
        "alp_gt_uln": alp > ALP_ULN_U_L,
        "male": ~s["female"],
    }
    return {k: np.asarray(v, dtype=float) for k, v in cov.items()}


def populations_from_state(s: dict[str, Any]) -> dict[str, np.ndarray]:
    """Population indicators from the latent state.

    ``all``, ``pancreas``, ``bone`` (effect populations) and ``bone_not_pancreas`` (the
    population baseline of the skeletal subgroup, kept out of the PanNETs so that Fröss-Baron's
    bone-metastasis hazard ratio holds there as planted).
    """
    n = s["n"]
    return {
        "all": np.ones(n, dtype=bool),
        "pancreas": s["pancreas"],
        "bone": s["bone"],
        "bone_not_pancreas": s["bone"] & ~s["pancreas"],
    }


def linear_predictor(
    endpoint: str,
    cov: dict[str, np.ndarray],
    pops: dict[str, np.ndarray],
    p: dict[str, Any],
) -> np.ndarray:
    """``Σ log(HR) · x · 1[population]`` of the planted effects on ``endpoint``.

    ``endpoint`` is ``pfs``, ``os`` or ``progression``: the latent progression hazard uses the
    calibrated ``survival.progression_hr`` (see :mod:`prrt.synth.calibrate`), chosen so that the
    PFS endpoint (progression or death, whichever first) has the planted ``effects.pfs``.

    Includes the population baselines (``survival.<endpoint>_population_hr``): the hazard
    ratio of each subgroup's reference patient, a calibration of the subgroup medians.
    """
    lp = np.zeros(len(next(iter(pops.values()))))
    key = "pfs" if endpoint == "progression" else endpoint
    for pop, hr in p["survival"][f"{key}_population_hr"].items():
        lp += np.log(float(hr)) * pops[pop]
    calibrated = p["survival"]["progression_hr"] if endpoint == "progression" else {}
    for name, spec in p["effects"][key].items():
        hr = float(calibrated.get(name, spec["hr"]))
        lp += np.log(hr) * cov[name] * pops[str(spec["population"])]
    return lp


def table_covariates(
    data: pd.DataFrame,
    surgery: pd.Series | None = None,
    alp_above_uln: pd.Series | None = None,
    params: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """The planted covariates from ``analysis_patient_course`` rows (as the templates define them).

    Parameters
    ----------
    data
        Rows of ``analysis_patient_course``.
    surgery
        Per ``patient_id``: surgery of the primary before PRRT (from ``prior_treatments``);
        no analysis column carries it.
    alp_above_uln
        Per ``patient_id``: baseline ALP above the laboratory's own ULN (the skeletal template's
        definition, from ``analysis_labs``); ``alp_bl > 105 U/L`` when not given.
    params
        Parameter overrides (for the centres of continuous covariates).

    Returns
    -------
    DataFrame
        One float column per planted covariate (except :data:`LATENT`) plus the population
        indicators ``pop_pancreas``, ``pop_bone`` and ``pop_bone_not_pancreas``, indexed like
        ``data``.
    """
    sv = load_parameters(params)["survival"]
    pid = data["patient_id"]

    def flag(col: str) -> pd.Series:
        return data[col].astype("boolean").astype(float)

    alp = pd.to_numeric(data["alp_bl"], errors="coerce")
    out = pd.DataFrame(
        {
            "who_grade_3": (data["who_grade"] == 3).astype(float),
            "cga_ge_1000": flag("cga_ge_1000"),
            "cga_gt_uln": flag("cga_gt_uln"),
            "sodium": pd.to_numeric(data["sodium_bl"], errors="coerce") - sv["sodium_centre"],
            "albumin": pd.to_numeric(data["albumin_bl"], errors="coerce") - sv["albumin_centre"],
            "nlr": pd.to_numeric(data["nlr_bl"], errors="coerce") - sv["nlr_centre"],
            "ecog_ge1": (pd.to_numeric(data["ecog"], errors="coerce") >= 1).astype(float),
            "hepatic_burden_gt50": flag("hepatic_burden_gt50"),
            "bone_metastases": flag("bone_metastases"),
            "chemo_lines_gt1": (pd.to_numeric(data["chemo_lines"], errors="coerce") > 1).astype(
                float
            ),
            "surgery_primary": (
                pid.isin(surgery.index[surgery.astype(bool)]).astype(float)
                if surgery is not None
                else pd.Series(np.nan, index=data.index)
            ),
            "alp_gt_2uln": flag("alp_gt_2uln"),
            "alp_gt_uln": (
                pid.map(alp_above_uln).astype(float)
                if alp_above_uln is not None
                else (alp > ALP_ULN_U_L).astype(float).where(alp.notna())
            ),
            "male": (data["sex"] == "M").astype(float),
            "pop_pancreas": (data["primary_site"] == "pancreas").astype(float),
            "pop_bone": flag("bone_metastases"),
        },
        index=data.index,
    )
    out["pop_bone_not_pancreas"] = out["pop_bone"] * (1 - out["pop_pancreas"])
    return out
