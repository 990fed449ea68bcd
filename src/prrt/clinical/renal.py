"""Renal function: CKD-EPI eGFR (2009, 2021), MDRD eGFR and Cockcroft–Gault clearance.

Creatinine is taken in µmol/L (canonical unit) and converted to mg/dL by dividing by 88.42
(``conventions.md``, Units).

References
----------
Levey AS, Stevens LA, Schmid CH, et al. A new equation to estimate glomerular filtration
rate. Ann Intern Med 2009;150:604–612 (CKD-EPI 2009, Table 2).
Inker LA, Eneanya ND, Coresh J, et al. New creatinine- and cystatin C-based equations to
estimate GFR without race. N Engl J Med 2021;385:1737–1749 (CKD-EPI 2021, Table 2).
Cockcroft DW, Gault MH. Prediction of creatinine clearance from serum creatinine.
Nephron 1976;16:31–41.
Levey AS, Coresh J, Greene T, et al. Using standardized serum creatinine values in the
Modification of Diet in Renal Disease study equation for estimating glomerular filtration
rate. Ann Intern Med 2006;145:247–254; and Clin Chem 2007;53:766–772 (MDRD re-expressed for
IDMS-traceable creatinine: factor 175).
KDIGO 2012 Clinical Practice Guideline for CKD, Kidney Int Suppl 2013;3:1–150 (GFR
category G1: ≥ 90 mL/min/1.73 m², used as the LLN of derived eGFR).

Examples
--------
>>> from prrt.clinical.renal import egfr_ckd_epi
>>> round(float(egfr_ckd_epi(88.42, 50, "F", equation="2021")), 1)
68.6
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "CREATININE_UMOL_PER_MG_DL",
    "EGFR_LLN",
    "creatinine_clearance_cockcroft_gault",
    "derive_egfr",
    "egfr_ckd_epi",
    "egfr_mdrd",
    "egfr_rows",
]

CREATININE_UMOL_PER_MG_DL = 88.42
"""µmol/L per mg/dL of creatinine (``conventions.md``)."""

EGFR_LLN = 90.0
"""Lower limit of normal given to derived eGFR rows (KDIGO 2012 GFR category G1, ≥ 90)."""

# Coefficients: (multiplier, age base, female factor, kappa F, kappa M, alpha F, alpha M, exponent > kappa)
_CKD_EPI = {
    "2009": (141.0, 0.993, 1.018, 0.7, 0.9, -0.329, -0.411, -1.209),
    "2021": (142.0, 0.9938, 1.012, 0.7, 0.9, -0.241, -0.302, -1.200),
}


def _female(sex: object) -> np.ndarray:
    s = pd.Series(np.ravel(np.asarray(sex, dtype=object)), dtype=object)
    text = s.astype("string").str.strip().str.upper()
    female = text.isin(["F", "FEMALE"]).to_numpy(dtype=bool)
    known = text.isin(["F", "FEMALE", "M", "MALE"]).to_numpy(dtype=bool)
    return np.where(known, female.astype(float), np.nan)


def egfr_ckd_epi(
    creatinine_umol_l: object,
    age: object,
    sex: object,
    equation: str = "2009",
    *,
    black: object = False,
) -> np.ndarray:
    """Estimated GFR by the CKD-EPI creatinine equation, mL/min/1.73 m².

    Parameters
    ----------
    creatinine_umol_l
        Serum creatinine, µmol/L (array or scalar).
    age
        Age in years at the sample.
    sex
        ``"F"`` or ``"M"`` (also ``female``/``male``); anything else gives NaN.
    equation
        ``"2009"`` (Levey 2009; used by the source studies) or ``"2021"`` (race-free).
    black
        2009 equation only: apply the 1.159 race coefficient. Ignored for 2021.

    Returns
    -------
    numpy.ndarray
        eGFR (NaN where an input is missing or creatinine ≤ 0).

    Notes
    -----
    ``eGFR = A × min(Scr/κ, 1)^α × max(Scr/κ, 1)^β × c^age × f [female]`` with Scr in mg/dL,
    κ = 0.7 (F) / 0.9 (M). 2009: A = 141, α = −0.329 (F) / −0.411 (M), β = −1.209,
    c = 0.993, f = 1.018 (× 1.159 if black). 2021: A = 142, α = −0.241 / −0.302, β = −1.200,
    c = 0.9938, f = 1.012.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(egfr_ckd_epi([88.42, 88.42], [50, 50], ["F", "M"]), 1)
    array([65.6, 87.4])
    """
    if equation not in _CKD_EPI:
        raise ValueError(f"equation must be '2009' or '2021', got {equation!r}")
    a, c, f_fem, k_f, k_m, al_f, al_m, beta = _CKD_EPI[equation]
    scr = np.asarray(creatinine_umol_l, dtype=float) / CREATININE_UMOL_PER_MG_DL
    age_arr = np.asarray(age, dtype=float)
    fem = _female(sex)
    if fem.size == 1:
        fem = fem.reshape(())
    kappa = np.where(fem == 1, k_f, k_m)
    alpha = np.where(fem == 1, al_f, al_m)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(scr > 0, scr / kappa, np.nan)
        egfr = (
            a
            * np.minimum(ratio, 1.0) ** alpha
            * np.maximum(ratio, 1.0) ** beta
            * c**age_arr
            * np.where(fem == 1, f_fem, 1.0)
        )
    if equation == "2009":
        egfr = egfr * np.where(np.asarray(black, dtype=bool), 1.159, 1.0)
    return np.where(np.isnan(fem), np.nan, egfr)


def egfr_mdrd(
    creatinine_umol_l: object, age: object, sex: object, *, black: object = False
) -> np.ndarray:
    """Estimated GFR by the 4-variable MDRD Study equation (IDMS-traceable), mL/min/1.73 m².

    Parameters
    ----------
    creatinine_umol_l
        Serum creatinine from an IDMS-traceable assay, µmol/L (array or scalar).
    age
        Age in years at the sample.
    sex
        ``"F"`` or ``"M"`` (also ``female``/``male``); anything else gives NaN.
    black
        Apply the 1.212 race coefficient.

    Returns
    -------
    numpy.ndarray
        eGFR (NaN where an input is missing, creatinine ≤ 0 or age ≤ 0).

    Notes
    -----
    ``eGFR = 175 × Scr^−1.154 × age^−0.203 × 0.742 [female] × 1.212 [black]`` with Scr in
    mg/dL (= µmol/L / 88.42). The factor 175 is the re-expression for standardised (IDMS)
    creatinine of the original 186 (Levey 2006, Levey 2007); use it only with IDMS-traceable
    creatinine.

    Examples
    --------
    >>> round(float(egfr_mdrd(88.42, 50, "M")), 2)
    79.09
    """
    scr = np.asarray(creatinine_umol_l, dtype=float) / CREATININE_UMOL_PER_MG_DL
    age_arr = np.asarray(age, dtype=float)
    fem = _female(sex)
    if fem.size == 1:
        fem = fem.reshape(())
    with np.errstate(invalid="ignore", divide="ignore"):
        egfr = (
            175.0
            * np.where(scr > 0, scr, np.nan) ** -1.154
            * np.where(age_arr > 0, age_arr, np.nan) ** -0.203
            * np.where(fem == 1, 0.742, 1.0)
            * np.where(np.asarray(black, dtype=bool), 1.212, 1.0)
        )
    return np.where(np.isnan(fem), np.nan, egfr)


def creatinine_clearance_cockcroft_gault(
    creatinine_umol_l: object, age: object, weight_kg: object, sex: object
) -> np.ndarray:
    """Creatinine clearance by Cockcroft–Gault, mL/min (not normalised to body surface).

    Notes
    -----
    ``CrCl = (140 − age) × weight / (72 × Scr[mg/dL])``, × 0.85 for women (Cockcroft 1976).

    Examples
    --------
    >>> round(float(creatinine_clearance_cockcroft_gault(88.42, 60, 72, "M")), 1)
    80.0
    >>> round(float(creatinine_clearance_cockcroft_gault(88.42, 60, 72, "F")), 1)
    68.0
    """
    scr = np.asarray(creatinine_umol_l, dtype=float) / CREATININE_UMOL_PER_MG_DL
    fem = _female(sex)
    if fem.size == 1:
        fem = fem.reshape(())
    with np.errstate(invalid="ignore", divide="ignore"):
        crcl = (
            (140.0 - np.asarray(age, dtype=float))
            * np.asarray(weight_kg, dtype=float)
            / (72.0 * np.where(scr > 0, scr, np.nan))
        )
    return np.where(np.isnan(fem), np.nan, crcl * np.where(fem == 1, 0.85, 1.0))


def _age_at(sample_date: pd.Series, patients: pd.DataFrame) -> pd.Series:
    """Age in years at each sample: from birth_date (days / 365.25) else birth_year."""
    age = pd.Series(np.nan, index=sample_date.index)
    if "birth_date" in patients.columns:
        bd = pd.to_datetime(patients["birth_date"], errors="coerce").astype("datetime64[ns]")
        age = (sample_date - bd).dt.days / 365.25
    if "birth_year" in patients.columns:
        by = pd.to_numeric(patients["birth_year"], errors="coerce")
        # birth year only: age at the mid-year birthday (± 0.5 year)
        approx = sample_date.dt.year + (sample_date.dt.dayofyear - 182.5) / 365.25 - by
        age = age.fillna(approx)
    return age


def derive_egfr(
    labs: pd.DataFrame,
    patients: pd.DataFrame,
    *,
    equation: str = "2009",
    lln: float = EGFR_LLN,
) -> pd.DataFrame:
    """Add eGFR rows (CKD-EPI) computed from the creatinine rows of a long lab frame.

    Parameters
    ----------
    labs
        Long lab frame with ``patient_id``, ``sample_date``, ``test``, ``value`` (creatinine in
        µmol/L); other columns are carried.
    patients
        ``patient_id``, ``sex`` and ``birth_date`` and/or ``birth_year``.
    equation
        ``"2009"`` or ``"2021"``.
    lln
        LLN given to the derived rows (default 90, KDIGO G1), used by CTCAE CKD grading.

    Returns
    -------
    pandas.DataFrame
        ``labs`` plus one ``egfr`` row per creatinine row (unit ``mL/min/1.73m2``) where no
        measured eGFR exists for that patient and date; a boolean ``derived`` column marks the
        added rows (``False`` for the input rows). The input is not modified.

    Examples
    --------
    >>> import pandas as pd
    >>> labs = pd.DataFrame({"patient_id": ["p1"], "sample_date": [pd.Timestamp("2020-01-01")],
    ...                      "test": ["creatinine"], "value": [88.42], "unit": ["umol/L"]})
    >>> pts = pd.DataFrame({"patient_id": ["p1"], "sex": ["M"],
    ...                     "birth_date": [pd.Timestamp("1970-01-01")]})
    >>> out = derive_egfr(labs, pts, equation="2021")
    >>> out.loc[out.test == "egfr", "value"].round(1).tolist()
    [91.7]
    """
    new = egfr_rows(labs, patients, equation=equation, lln=lln)
    out = labs.copy()
    out["derived"] = False
    if "lln" not in out.columns:
        out["lln"] = np.nan
    if new.empty:
        return out
    if "unit" not in labs.columns:
        new = new.drop(columns="unit")
    return pd.concat([out, new.reindex(columns=out.columns)], ignore_index=True)


def egfr_rows(
    labs: pd.DataFrame,
    patients: pd.DataFrame,
    *,
    equation: str = "2009",
    lln: float = EGFR_LLN,
) -> pd.DataFrame:
    """The eGFR rows :func:`derive_egfr` adds (without the input rows).

    Returns
    -------
    pandas.DataFrame
        ``patient_id, sample_date, test ("egfr"), value, unit, lln, derived (True)``, one row
        per creatinine row without a measured eGFR that day.
    """
    for name, frame, cols in (
        ("labs", labs, ("patient_id", "sample_date", "test", "value")),
        ("patients", patients, ("patient_id", "sex")),
    ):
        absent = [c for c in cols if c not in frame.columns]
        if absent:
            raise KeyError(f"derive_egfr: {name} is missing required column(s) {absent}")
    if "birth_date" not in patients.columns and "birth_year" not in patients.columns:
        raise KeyError(
            "derive_egfr: patients is missing required column 'birth_date' or 'birth_year'"
        )
    crea = labs.loc[labs["test"] == "creatinine", ["patient_id", "sample_date", "value"]]
    pcols = [c for c in ("patient_id", "sex", "birth_date", "birth_year") if c in patients.columns]
    merged = crea.merge(patients[pcols], on="patient_id", how="left")
    dates = merged["sample_date"]
    if not pd.api.types.is_datetime64_dtype(dates.dtype):
        dates = pd.to_datetime(dates, errors="coerce")
    dates = dates.astype("datetime64[ns]")
    age = _age_at(dates, merged)
    egfr = egfr_ckd_epi(
        merged["value"].to_numpy(dtype=float, na_value=np.nan),
        age.to_numpy(),
        merged["sex"].to_numpy(),
        equation,
    )
    new = pd.DataFrame(
        {
            "patient_id": merged["patient_id"].to_numpy(),
            "sample_date": merged["sample_date"].to_numpy(),
            "test": "egfr",
            "value": egfr,
            "unit": "mL/min/1.73m2",
            "lln": lln,
            "derived": True,
        }
    )
    measured = labs.loc[labs["test"] == "egfr", ["patient_id", "sample_date"]].assign(_m=True)
    new = new.merge(measured, on=["patient_id", "sample_date"], how="left")
    return new.loc[new["_m"].isna()].drop(columns="_m").reset_index(drop=True)
