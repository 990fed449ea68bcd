"""Data of the persistent-thrombocytopenia template (Ferrara et al., Front Endocrinol 2025) that
the derived tables do not hold: prior history per patient and the CTCAE grade of the two-month
platelet count (with the date of that sample, from the platelet engine rerun with the store's
derivation settings).
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd

from prrt.clinical import ctcae
from prrt.clinical.haematology import derive_platelet_dynamics
from prrt.clinical.settings import DerivationSettings
from prrt.studies._base import StudyRun


def derivation_settings(study: StudyRun) -> DerivationSettings:
    """The derivation settings recorded with the store's derived tables (``analysis_settings``).

    The two-month window and the PT threshold of the report are the ones the store used.
    """
    frame = study.read("analysis_settings")
    names = {f.name for f in dataclasses.fields(DerivationSettings)}
    values = {
        str(k): json.loads(str(v))
        for k, v in zip(frame["key"], frame["value"], strict=True)
        if str(k) in names
    }
    return DerivationSettings(**values)


def prior_history(study: StudyRun, patients: pd.Series) -> pd.DataFrame:
    """Per patient: any chemotherapy, targeted therapy, previous cancer and a therapy summary.

    ``previous_therapy`` abbreviates as Ferrara Table 2: CT (chemotherapy; CT° with an
    alkylating agent), TT (targeted therapy), EBRT (external-beam radiation therapy); "None".
    A store without prior-treatment records leaves the flags unknown ("Not recorded"), not
    false; likewise ``previous_cancer`` without the patients' ``prior_cancer``.
    """
    ids = patients.to_numpy()
    if not study.has_rows("prior_treatments"):
        out = pd.DataFrame({"patient_id": ids, "previous_therapy": "Not recorded"})
        out[["prior_chemotherapy", "prior_targeted"]] = pd.NA
        return _with_previous_cancer(study, out)
    prior = study.read("prior_treatments")
    prior = prior.loc[prior["patient_id"].isin(patients)]
    alk = prior["alkylating"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    flags = pd.DataFrame(
        {
            "patient_id": prior["patient_id"].to_numpy(),
            "chemo": (prior["modality"] == "chemotherapy").to_numpy(),
            "alk": (prior["modality"] == "chemotherapy").to_numpy() & alk,
            "tt": (prior["modality"] == "targeted").to_numpy(),
            "rt": (prior["modality"] == "radiotherapy").to_numpy(),
        }
    )
    per = flags.groupby("patient_id").any().reindex(patients.to_numpy(), fill_value=False)
    ct = np.where(per["alk"], "CT°", np.where(per["chemo"], "CT", ""))
    parts = pd.DataFrame(
        {"ct": ct, "tt": np.where(per["tt"], "TT", ""), "rt": np.where(per["rt"], "EBRT", "")}
    )
    text = (
        (parts["ct"] + ", " + parts["tt"] + ", " + parts["rt"])
        .str.replace(r"(, )+", ", ", regex=True)
        .str.strip(", ")
        .replace("", "None")
    )
    out = pd.DataFrame(
        {
            "patient_id": per.index,
            "prior_chemotherapy": per["chemo"].to_numpy(),
            "prior_targeted": per["tt"].to_numpy(),
            "previous_therapy": text.to_numpy(),
        }
    )
    return _with_previous_cancer(study, out)


def _with_previous_cancer(study: StudyRun, out: pd.DataFrame) -> pd.DataFrame:
    """``out`` with ``previous_cancer`` from ``patients.prior_cancer`` (unknown when absent)."""
    if study.has_rows("patients"):
        pats = study.read("patients")
        if "prior_cancer" in pats.columns:
            return out.merge(
                pats[["patient_id", "prior_cancer"]].rename(
                    columns={"prior_cancer": "previous_cancer"}
                ),
                on="patient_id",
                how="left",
            )
    return out.assign(previous_cancer=pd.NA)


def platelet_dynamics(
    study: StudyRun, data: pd.DataFrame, *, course_no: int, ctcae_version: str
) -> pd.DataFrame:
    """Nadir during PRRT, two-month value and date, and the CTCAE grade of the two-month value.

    The platelet engine (:func:`prrt.clinical.haematology.derive_platelet_dynamics`) is rerun
    with the store's derivation settings to recover the date of the two-month sample; that
    sample is graded with CTCAE (``ctcae_version``, term "Platelet count decreased")
    using its own laboratory's lower limit of normal, exactly as the during-PRRT grades: grade 1
    is < LLN – 75 × 10⁹/L (ctcae.md), so a count of 100–149 with LLN 150 is grade 1.
    """
    labs = study.read("analysis_labs")
    plt_ = labs.loc[(labs["test"] == "platelets") & labs["patient_id"].isin(data["patient_id"])]
    cycles = study.read("cycles")
    cycles = cycles.loc[cycles["patient_id"].isin(data["patient_id"])]
    dyn = derive_platelet_dynamics(
        plt_[["patient_id", "sample_date", "test", "value"]].assign(
            sample_date=lambda f: pd.to_datetime(f["sample_date"])
        ),
        cycles.assign(cycle_date=lambda f: pd.to_datetime(f["cycle_date"])),
        derivation_settings(study),
    )
    dyn = dyn.loc[dyn["course_no"] == course_no]
    limits = (
        plt_.assign(sample_date=pd.to_datetime(plt_["sample_date"]))[
            ["patient_id", "sample_date", "lln"]
        ]
        .dropna(subset=["lln"])
        .drop_duplicates(["patient_id", "sample_date"])
    )
    dyn = dyn.merge(
        limits.rename(columns={"sample_date": "platelets_2m_date", "lln": "platelets_2m_lln"}),
        on=["patient_id", "platelets_2m_date"],
        how="left",
    )
    graded = ctcae.grade_array(
        "platelets",
        dyn["platelets_2m"].to_numpy(dtype=float),
        version=ctcae_version,
        lln=dyn["platelets_2m_lln"].to_numpy(dtype=float),
    )
    dyn["grade_platelets_2m"] = graded.grade
    return dyn[
        [
            "patient_id",
            "platelets_nadir",
            "platelets_2m_date",
            "platelets_2m_lln",
            "grade_platelets_2m",
        ]
    ]
