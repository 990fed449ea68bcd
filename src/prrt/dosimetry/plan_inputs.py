"""Planner inputs from the store: a patient's measured doses per GBq and doses delivered so far.

Examples
--------
>>> import pandas as pd
>>> doses = pd.DataFrame({"patient_id": ["p", "p"], "course_no": [1, 1], "cycle_no": [1, 2],
...     "structure": ["kidneys"] * 2, "lesion_id": [None, None], "dose_gy": [3.7, 3.7],
...     "dose_sd_gy": [0.37, 0.37], "method": ["led_multi_tp"] * 2})
>>> cycles = pd.DataFrame({"patient_id": ["p", "p"], "course_no": [1, 1], "cycle_no": [1, 2],
...     "activity_gbq": [7.4, 7.4]})
>>> per, delivered, course = plan_inputs_from_frames(doses, cycles, "p")
>>> per["kidneys"][0], round(delivered["kidneys"], 6), course
(0.5, 7.4, 1)
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from prrt.cohort.store import Store
from prrt.dosimetry.settings import DosimetrySettings
from prrt.dosimetry.summary import select_dose_estimates

PLAN_STRUCTURES = ("kidneys", "bone_marrow", "spleen", "liver", "lesion")


def plan_inputs_from_frames(
    doses: pd.DataFrame,
    cycles: pd.DataFrame,
    patient_id: str,
    *,
    course_no: int | None = None,
    settings: DosimetrySettings | None = None,
) -> tuple[dict[str, tuple[float, float]], dict[str, float], int]:
    """Per-GBq doses (mean, SD) and delivered doses of one patient's course.

    Notes
    -----
    Per-GBq dose of a cycle = cycle dose / cycle activity. Mean over the measured cycles; SD =
    the larger of the between-cycle SD and the root-mean-square of the per-cycle measurement
    SDs (dose SD / activity). ``lesion`` uses the mean over the patient's lesions per cycle.
    Delivered = sum of the course's cycle doses.
    """
    d = doses[doses["patient_id"].eq(patient_id)]
    if d.empty:
        raise KeyError(f"no absorbed doses for patient {patient_id!r}")
    if course_no is None:
        course_no = int(d["course_no"].max())
    d = select_dose_estimates(d[d["course_no"].eq(course_no)], settings)
    d = d[d["structure"].isin(PLAN_STRUCTURES)]
    c = cycles[cycles["patient_id"].eq(patient_id) & cycles["course_no"].eq(course_no)]
    d = d.merge(c[["cycle_no", "activity_gbq"]], on="cycle_no", how="left")
    d = d.groupby(["structure", "cycle_no"], as_index=False).agg(
        dose_gy=("dose_gy", "mean"),
        dose_sd_gy=("dose_sd_gy", "mean"),
        activity_gbq=("activity_gbq", "first"),
    )
    d["per"] = d["dose_gy"] / d["activity_gbq"]
    d["per_sd"] = d["dose_sd_gy"] / d["activity_gbq"]
    per: dict[str, tuple[float, float]] = {}
    delivered: dict[str, float] = {}
    for s, g in d.groupby("structure"):
        vals = g["per"].dropna().to_numpy()
        if vals.size == 0:
            continue
        between = float(np.std(vals, ddof=1)) if vals.size > 1 else 0.0
        meas = float(np.sqrt(np.nanmean(np.square(g["per_sd"].to_numpy(dtype=float)))))
        sd = max(between, meas if math.isfinite(meas) else 0.0)
        per[str(s)] = (float(vals.mean()), sd)
        delivered[str(s)] = float(g["dose_gy"].sum())
    return per, delivered, course_no


def plan_inputs(
    store: Store,
    patient_id: str,
    *,
    course_no: int | None = None,
    settings: DosimetrySettings | None = None,
) -> tuple[dict[str, tuple[float, float]], dict[str, float], int]:
    """:func:`plan_inputs_from_frames` on the store's ``absorbed_doses`` and ``cycles``."""
    doses = store.query(
        "SELECT patient_id, course_no, cycle_no, structure, lesion_id, dose_gy, dose_sd_gy, method "
        "FROM absorbed_doses WHERE patient_id = ?",
        [patient_id],
    )
    cycles = store.query(
        "SELECT patient_id, course_no, cycle_no, activity_gbq FROM cycles WHERE patient_id = ?",
        [patient_id],
    )
    return plan_inputs_from_frames(
        doses, cycles, patient_id, course_no=course_no, settings=settings
    )
