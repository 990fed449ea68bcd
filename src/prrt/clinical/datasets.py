"""Analysis datasets: the study-ready tables written by ``prrt derive`` (contracts §3).

:func:`build_analysis_datasets` reads the cohort tables of a store and returns
``analysis_patient_course`` (one row per patient × course: baseline covariates, scores, toxicity
grades, responses and endpoints, plus the dosimetry area's ``analysis_dose_summary`` columns when
that table is in the store), ``analysis_labs`` (one row per lab value with course, period
and CTCAE grades), ``analysis_response`` (one row per patient × course × assessment) and
``analysis_settings``; :func:`derive` writes them in one transaction (idempotent: a re-run
replaces them). Every row carries patient_id (and course_no) so it traces back to its inputs.

Examples
--------
>>> import tempfile, os
>>> from prrt.cohort.store import Store, check_identifier
>>> with Store(os.path.join(tempfile.mkdtemp(), "d.duckdb")) as store:
...     out = derive(store)
...     sorted(out)
['analysis_labs', 'analysis_patient_course', 'analysis_response', 'analysis_settings']
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from prrt.clinical._lab_store import lab_parts_from_store, write_lab_frame
from prrt.clinical.courses import derive_courses
from prrt.clinical.endpoints import derive_endpoints
from prrt.clinical.haematology import derive_platelet_dynamics
from prrt.clinical.omis import derive_omis, derive_splenomegaly
from prrt.clinical.recist import RESPONSE_COLUMNS, derive_recist_timepoints
from prrt.clinical.recist_bor import derive_best_response, derive_response_outcomes
from prrt.clinical.response import (
    derive_biochemical_response,
    derive_bone_pain_response,
    derive_recorded_timepoints,
)
from prrt.clinical.scores import (
    BASELINE_LAB_TESTS,
    derive_baseline_labs,
    derive_baseline_markers,
    derive_imaging_scores,
    derive_patient_scores,
    derive_prior_treatment_summary,
)
from prrt.clinical.settings import DerivationSettings
from prrt.clinical.toxicity import GRADE_TERMS, derive_lab_dataset, derive_toxicity_grades
from prrt.cohort.schema import TABLES
from prrt.cohort.store import Store, check_identifier

__all__ = [
    "ANALYSIS_TABLES",
    "GRADE_TERMS",
    "LAB_COLUMNS",
    "PATIENT_COURSE_COLUMNS",
    "build_analysis_datasets",
    "derive",
]

_log = logging.getLogger(__name__)

ANALYSIS_TABLES = (
    "analysis_patient_course",
    "analysis_labs",
    "analysis_response",
    "analysis_settings",
)
LAB_COLUMNS = (
    "patient_id",
    "sample_date",
    "test",
    "value",
    "unit",
    "lln",
    "uln",
    "course_no",
    "day_from_course_start",
    "period",
    "grade_v3_0",
    "grade_v4_03",
    "grade_v5_0",
    "grade_reason",
)
_HAEM_COLUMNS = ("idpc_pct", "idpc_ge_30", "platelets_2m", "pt", "platelets_12m")
PATIENT_COURSE_COLUMNS: tuple[str, ...] = (
    "patient_id", "course_no", "course_start", "course_end", "n_cycles", "cumulative_activity_gbq",
    "cum_activity_ge_29_6", "completed_4_cycles", "stop_reason", "protocol", "age_at_start", "sex",
    "primary_site", "who_grade", "ki67_pct", "ki67_gt10", "ecog", "functional", "liver_metastases",
    "lymph_node_metastases", "bone_metastases", "peritoneal_metastases", "n_prior_modalities",
    "prior_modalities_gt3", "chemo_lines", "alkylating", "prior_radiotherapy", "platelets_bl",
    "haemoglobin_bl", "leukocytes_bl", "lymphocytes_bl", "neutrophils_bl", "albumin_bl", "alp_bl",
    "sodium_bl", "creatinine_bl", "egfr_bl", "nlr_bl", "cga_bl", "cga_ge_1000", "cga_gt_uln",
    "cga_gt_10uln", "alp_ge_130", "alp_gt_2uln", "spleen_length_mm", "splenomegaly", "splenectomy",
    "omis_pct", "omis_ge_30", "pelvic_bone_mets", "hepatic_tumour_burden", "hepatic_burden_gt50",
    "tumour_burden_score", "krenning_score", *_HAEM_COLUMNS,
    *(f"{k}_grade_{t}" for t in GRADE_TERMS for k in ("baseline", "worst", "delta")),
    "bor", "orr", "dcr", "time_to_bor_days", "bor_confirmed", "bor_unconfirmed", "response_date",
    "time_to_response_days", "dor_days", "dor_event", "best_pct_change_baseline", "biochemical_response", "mda_bor", "bone_pain_response",
    "pfs_days", "pfs_event", "os_days", "os_event", "os_from_diagnosis_days", "followup_days",
    "mds_aml", "sre",
)  # fmt: skip
"""Columns of ``analysis_patient_course`` (contracts §3), in order."""


def _read(store: Store, name: str) -> pd.DataFrame:
    if store.has_table(name):
        cols = [c for c in TABLES[name].column_names if c != "original_unit"]
        frame = store.read(name, cols)
    else:
        frame = pd.DataFrame({c: pd.Series(dtype=object) for c in TABLES[name].column_names})
    for col in TABLES[name].columns:
        if col.type == "date" and col.name in frame:
            frame[col.name] = pd.to_datetime(frame[col.name])
    return frame


def _read_coded(store: Store, con: Any, name: str, ids: np.ndarray) -> pd.DataFrame:
    """:func:`_read` with ``patient_id`` replaced by its position in the sorted ``ids`` (−1 when
    null), computed in DuckDB so that no identifier string is made per row."""
    if not store.has_table(name):
        frame = _read(store, name)
        frame["patient_id"] = pd.Index(ids).get_indexer(frame["patient_id"]).astype(np.int64)
        return frame
    cols = [c for c in TABLES[name].column_names if c != "original_unit"]
    texts = [c.name for c in TABLES[name].columns if c.type == "text" and c.name in cols]
    texts.remove("patient_id")
    sel = ", ".join(
        "COALESCE(p.code, -1)::BIGINT AS patient_id" if c == "patient_id" else f"t.{c}"
        for c in cols
        if c not in texts
    )
    con.register("_prrt_ids", pd.DataFrame({"patient_id": ids, "code": np.arange(len(ids))}))
    try:
        frame = store.query(
            f"SELECT {sel} FROM {name} t LEFT JOIN _prrt_ids p ON t.patient_id = p.patient_id "
            "ORDER BY t.rowid"
        )
    finally:
        con.unregister("_prrt_ids")
    if texts:
        # text columns through Arrow: equal strings share one Python object
        arrow = con.sql(f"SELECT {', '.join(texts)} FROM {name} ORDER BY rowid").arrow()
        for c, values in zip(texts, arrow.read_all().columns, strict=True):
            frame[c] = values.to_pandas(deduplicate_objects=True).to_numpy(dtype=object)
        frame = frame[cols]
    for col in TABLES[name].columns:
        if col.type == "date" and col.name in frame:
            frame[col.name] = pd.to_datetime(frame[col.name])
    return frame


def _age(patients: pd.DataFrame, base: pd.DataFrame) -> pd.Series:
    p = patients.set_index("patient_id")
    start = pd.to_datetime(base["course_start"])
    age = pd.Series(np.nan, index=base.index)
    if "birth_date" in p:
        bd = pd.to_datetime(base["patient_id"].map(p["birth_date"]))
        years = start.dt.year - bd.dt.year
        before_bday = (start.dt.month < bd.dt.month) | (
            (start.dt.month == bd.dt.month) & (start.dt.day < bd.dt.day)
        )
        age = (years - before_bday.astype(int)).astype(float)
    if "birth_year" in p:
        by = pd.to_numeric(base["patient_id"].map(p["birth_year"]), errors="coerce")
        age = age.fillna(start.dt.year - by)
    return age


def _haematology(labs: pd.DataFrame, cycles: pd.DataFrame, s: DerivationSettings) -> pd.DataFrame:
    # only platelet rows are used by derive_platelet_dynamics; passing them alone saves copies
    out = derive_platelet_dynamics(labs[labs["test"] == "platelets"], cycles, s)
    return out[["patient_id", "course_no", *[c for c in _HAEM_COLUMNS if c in out]]]


def _response(
    tables: dict[str, pd.DataFrame], courses: pd.DataFrame, s: DerivationSettings
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Timepoints, RECIST outcomes (prrt.clinical.recist_bor) and the MDA best response."""
    meas = derive_recist_timepoints(tables["lesions"], tables["lesion_measurements"], courses)
    rec = derive_recorded_timepoints(
        tables["response_assessments"], courses, criteria=("recist_1_1", "investigator")
    )
    by = ["patient_id", "course_no"]
    if s.response_source == "measurements":
        tp = meas
    elif s.response_source == "recorded":
        tp = rec
    elif s.response_source == "measurements_then_recorded":
        have = meas[by].drop_duplicates()
        rec_only = rec.merge(have, on=by, how="left", indicator=True)
        rec_only = rec_only[rec_only["_merge"] == "left_only"].drop(columns="_merge")
        if meas.empty:
            tp = rec_only
        elif rec_only.empty:
            tp = meas
        else:
            tp = pd.concat([meas, rec_only], ignore_index=True)
    else:
        raise ValueError(f"unknown response_source {s.response_source!r}")
    for c in RESPONSE_COLUMNS:
        if c not in tp:
            tp[c] = None
    tp = (
        tp[list(RESPONSE_COLUMNS)]
        .sort_values(["patient_id", "course_no", "assessment_date"])
        .reset_index(drop=True)
    )
    ev = tables["disease_events"]
    ev = ev.loc[
        ev["event_type"].isin(["radiological_progression", "death"]),
        ["patient_id", "event_date", "event_type"],
    ].dropna(subset=["event_date"])
    radiological = ev.loc[ev["event_type"] == "radiological_progression"]
    kw: dict[str, Any] = {
        "confirm": s.recist_confirm,
        "ref_confirm": s.recist_confirm_days,
        "min_sd_days": s.recist_min_sd_days or None,
        "max_nr_ne": s.recist_max_nr_ne,
        "accept_sd": s.recist_accept_sd,
        "after_cr": s.recist_after_cr,
        "dcr_includes_non_cr_non_pd": s.recist_dcr_non_cr_non_pd,
        "progression": (
            radiological.rename(columns={"event_date": "progression_date"})
            if s.recist_cut_at_recorded_progression
            else None
        ),
    }
    bor = derive_response_outcomes(tp, courses, end_events=ev, **kw)
    mda_tp = derive_recorded_timepoints(tables["response_assessments"], courses, criteria=("mda",))
    mda = derive_best_response(mda_tp, courses, **kw)
    mda = mda[by].assign(mda_bor=mda["bor"].where(mda["orr"].notna()))
    return tp, bor, mda


def build_analysis_datasets(
    store: Store,
    settings: DerivationSettings | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> dict[str, pd.DataFrame]:
    """Build the analysis datasets from the cohort tables of ``store`` (nothing is written).

    ``progress`` (optional) is called with the name of each step. Optional tables may be
    empty: the columns are then present with null values.

    This is the reference (all-pandas) implementation; :func:`derive` computes the same
    tables with the long lab table kept in DuckDB / numpy (``tests/clinical/test_derive_fast.py``
    compares the two).
    """
    s = settings or DerivationSettings()
    step = progress or (lambda _name: None)
    step("reading tables")
    tables = {name: _read(store, name) for name in TABLES if name not in _SKIP}

    def lab_parts(courses: pd.DataFrame) -> _LabInputs:
        labs, cycles, patients = tables["labs"], tables["cycles"], tables["patients"]
        analysis_labs = derive_lab_dataset(labs, cycles, patients, s)
        grades = derive_toxicity_grades(analysis_labs, version=s.ctcae_version, terms=GRADE_TERMS)
        # baseline labs from analysis_labs, so that eGFR derived from creatinine has one too
        return analysis_labs, grades, analysis_labs, labs[labs["test"] == "platelets"]

    frames = _assemble(tables, s, step, lab_parts, decode=None)
    frames["analysis_patient_course"] = _with_dose_summary(store, frames["analysis_patient_course"])
    return frames


_SKIP = {"dosimetry_acquisitions", "absorbed_doses", "adverse_events"}  # not used here
_LabInputs = tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]


def _assemble(
    tables: dict[str, pd.DataFrame],
    s: DerivationSettings,
    step: Callable[[str], None],
    lab_parts: Callable[[pd.DataFrame], _LabInputs],
    *,
    decode: Callable[[pd.Series], np.ndarray] | None,
) -> dict[str, pd.DataFrame]:
    """Every step after reading; ``lab_parts(courses)`` gives (analysis_labs, toxicity grades,
    baseline-lab input rows, platelet rows). ``decode`` maps coded patient ids back."""
    patients, cycles = tables["patients"], tables["cycles"]
    step("courses")
    courses = derive_courses(
        cycles, tables["courses"], cumulative_cutoff_gbq=s.cumulative_activity_cutoff_gbq
    )
    by = ["patient_id", "course_no"]
    base = courses.copy()
    step("patient covariates")
    pcols = ["sex", "primary_site", "ecog", "functional", "liver_metastases", "lymph_node_metastases",
             "bone_metastases", "peritoneal_metastases", "splenectomy"]  # fmt: skip
    base = base.merge(patients[["patient_id", *pcols]], on="patient_id", how="left")
    base["age_at_start"] = _age(patients, base)
    base = base.merge(
        derive_patient_scores(patients, ki67_cutoff_pct=s.ki67_cutoff_pct),
        on="patient_id",
        how="left",
    )
    base = base.merge(
        derive_prior_treatment_summary(
            tables["prior_treatments"],
            patients["patient_id"].tolist(),
            modalities_cutoff=s.modalities_cutoff,
        ),
        on="patient_id",
        how="left",
    )
    # responses and endpoints first, so that their (large) input tables are released
    # before the lab step; merged below in the usual order
    timepoints, bor, mda = _response(tables, courses, s)
    biochemical = derive_biochemical_response(
        tables["tumour_markers"],
        courses,
        baseline_window_days=s.baseline_window_days,
        decrease_pct=s.biochemical_decrease_pct,
    )
    bone_pain = derive_bone_pain_response(tables.pop("symptom_responses"), courses)
    pd_tp = (
        timepoints[timepoints["overall_response"] == "PD"] if s.pfs_include_derived_recist else None
    )
    ep = derive_endpoints(
        tables.pop("disease_events"),
        courses,
        patients,
        pet_rule=s.pfs_pet_rule,
        recist_progression=pd_tp,
    )
    for name in ("lesions", "lesion_measurements", "response_assessments"):
        del tables[name]
    step("laboratory dataset and grades")
    analysis_labs, grades, bl_rows, platelets = lab_parts(courses)
    base = base.merge(grades, on=by, how="left")
    step("baseline labs and markers")
    bl = derive_baseline_labs(
        bl_rows,
        courses,
        window_days=s.baseline_window_days,
        alp_cutoff_u_l=s.alp_cutoff_u_l,
    )
    base = base.merge(bl, on=by, how="left")
    base = base.merge(
        derive_baseline_markers(
            tables.pop("tumour_markers"),
            courses,
            window_days=s.baseline_window_days,
            cga_cutoff_ug_l=s.cga_cutoff_ug_l,
        ),
        on=by,
        how="left",
    )
    step("imaging, spleen and OMIS")
    base = base.merge(
        derive_splenomegaly(
            tables["imaging_measurements"],
            courses,
            window_days=s.spleen_window_days,
            cutoff_mm=s.splenomegaly_cutoff_mm,
        ),
        on=by,
        how="left",
    )
    base = base.merge(
        derive_imaging_scores(
            tables.pop("imaging_measurements"), courses, window_days=s.baseline_window_days
        ),
        on=by,
        how="left",
    )
    omis = derive_omis(
        tables.pop("bone_involvement"), courses, scan=s.omis_scan, cutoff_pct=s.omis_cutoff_pct
    )
    base = base.merge(omis.drop(columns=["omis_scan_date", "n_bones_involved"]), on=by, how="left")
    no_bone = (
        base["bone_metastases"].astype("boolean").eq(False).fillna(False).to_numpy(dtype=bool)
        & base["omis_pct"].isna().to_numpy()
    )
    base.loc[no_bone, "omis_pct"] = 0.0
    base.loc[no_bone, "omis_ge_30"] = False
    base.loc[no_bone, "pelvic_bone_mets"] = False
    step("platelet dynamics")
    base = base.merge(_haematology(platelets, cycles, s), on=by, how="left")
    del platelets, bl_rows
    step("responses")
    base = base.merge(bor.drop(columns=["bor_date"]), on=by, how="left").merge(
        mda, on=by, how="left"
    )
    base = base.merge(biochemical, on=by, how="left")
    base = base.merge(bone_pain, on=by, how="left")
    step("endpoints")
    base = base.merge(ep.drop(columns=["pfs_event_type"]), on=by, how="left")
    for c in PATIENT_COURSE_COLUMNS:
        if c not in base:
            base[c] = pd.Series(pd.NA, index=base.index, dtype=object)
    apc = base[list(PATIENT_COURSE_COLUMNS)].sort_values(by).reset_index(drop=True)
    if decode is not None:
        apc["patient_id"] = decode(apc["patient_id"])
        timepoints = timepoints.assign(patient_id=decode(timepoints["patient_id"]))
    apc = _normalise_types(apc)
    labs_out = analysis_labs
    for c in LAB_COLUMNS:
        if c not in labs_out:
            labs_out[c] = None
    labs_out = labs_out[list(LAB_COLUMNS)]
    settings_frame = pd.DataFrame(
        {
            "key": [*s.to_dict(), "settings_hash"],
            "value": [json.dumps(v) for v in s.to_dict().values()]
            + [json.dumps(s.settings_hash())],
        }
    )
    settings_frame["settings_hash"] = s.settings_hash()
    return {
        "analysis_patient_course": apc,
        "analysis_labs": labs_out,
        "analysis_response": timepoints,
        "analysis_settings": settings_frame,
    }


def _with_dose_summary(store: Store, apc: pd.DataFrame) -> pd.DataFrame:
    """Append the dosimetry area's ``analysis_dose_summary`` columns (contracts §4) if present.

    Read from the store (no import of :mod:`prrt.dosimetry`: layering); absent → unchanged.
    """
    if not store.has_table("analysis_dose_summary"):
        return apc
    dose = store.read("analysis_dose_summary")
    if not {"patient_id", "course_no"} <= set(dose.columns):
        return apc
    extra = [c for c in dose.columns if c not in apc.columns]
    dose = dose[["patient_id", "course_no", *extra]].astype({"course_no": "int64"})
    out = apc.astype({"course_no": "int64"}).merge(dose, on=["patient_id", "course_no"], how="left")
    out["course_no"] = out["course_no"].astype("Int64")
    return out


def _normalise_types(frame: pd.DataFrame) -> pd.DataFrame:
    """Give all-null object columns a definite type so DuckDB can store them."""
    bools = {"cum_activity_ge_29_6", "completed_4_cycles", "ki67_gt10", "functional", "liver_metastases",
             "lymph_node_metastases", "bone_metastases", "peritoneal_metastases", "prior_modalities_gt3",
             "alkylating", "prior_radiotherapy", "cga_ge_1000", "cga_gt_uln", "cga_gt_10uln", "alp_ge_130",
             "alp_gt_2uln", "splenomegaly", "splenectomy", "omis_ge_30", "pelvic_bone_mets",
             "hepatic_burden_gt50", "idpc_ge_30", "pt", "orr", "dcr", "dor_event", "biochemical_response",
             "pfs_event", "os_event", "mds_aml", "sre"}  # fmt: skip
    ints = {"course_no", "n_cycles", "who_grade", "ecog", "n_prior_modalities", "chemo_lines",
            "tumour_burden_score", "krenning_score", "time_to_bor_days", "time_to_response_days",
            "dor_days", "pfs_days", "os_days",
            "os_from_diagnosis_days", "followup_days"}  # fmt: skip
    texts = {"patient_id", "stop_reason", "protocol", "sex", "primary_site", "hepatic_tumour_burden",
             "bor", "bor_confirmed", "bor_unconfirmed", "mda_bor", "bone_pain_response"}  # fmt: skip
    out = frame.copy()
    for c in out.columns:
        if c in bools:
            out[c] = out[c].astype("boolean")
        elif c in ints or (c.endswith("_grade_" + c.rsplit("_grade_", 1)[-1]) and "_grade_" in c):
            out[c] = pd.to_numeric(out[c], errors="coerce").astype("Int64")
        elif c in texts:
            out[c] = out[c].astype(object).where(out[c].notna(), None)
        elif c in ("course_start", "course_end", "response_date"):
            out[c] = pd.to_datetime(out[c])
        else:
            out[c] = pd.to_numeric(out[c], errors="coerce").astype(float)
    return out


def derive(
    store: Store,
    settings: DerivationSettings | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> dict[str, pd.DataFrame]:
    """Build the analysis datasets and write them into ``store`` in one transaction.

    Idempotent: the tables are replaced, so a re-run with the same inputs and settings gives
    identical tables. Returns the frames written.

    The tables are those of :func:`build_analysis_datasets`, computed for registries of
    millions of lab rows: the lab table is read from DuckDB column by column with its strings
    dictionary-encoded, processed one test at a time and written back from categorical
    columns (:mod:`prrt.clinical._lab_store`), and the patient-level steps run on integer
    patient codes. In the returned frames, ``analysis_labs`` therefore has ``category``
    string columns and ``Int8`` grade columns (the stored table has VARCHAR and BIGINT, as
    before).
    """
    s = settings or DerivationSettings()
    step = progress or (lambda _name: None)
    # analysis_labs is written into a staging table by a second connection while the
    # patient-level steps run (DuckDB works outside the GIL); the staging table becomes
    # analysis_labs in the one transaction that writes the other tables.
    staging = check_identifier("analysis_labs_staging")
    writes: list[Future[None]] = []
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:

            def write(frame: pd.DataFrame) -> None:
                cursor = store.con.cursor()
                try:
                    write_lab_frame(cursor, staging, frame, n_store=n_store[0])
                finally:
                    cursor.close()

            def on_labs(frame: pd.DataFrame) -> None:
                writes.append(pool.submit(write, frame))

            n_store = store.con.execute("SELECT count(*) FROM labs").fetchall()[0]
            frames = _build_from_store(store, store.con, s, step, on_labs)
            if progress:
                progress("writing")
            for w in writes:
                w.result()
        with store.transaction() as con:
            con.execute("DROP TABLE IF EXISTS analysis_labs")
            con.execute(f"ALTER TABLE {staging} RENAME TO analysis_labs")
            for name in ANALYSIS_TABLES:
                if name != "analysis_labs":
                    store.write_frame(name, frames[name], con=con)
    finally:
        store.con.execute(f"DROP TABLE IF EXISTS {staging}")
    _log.info("derive: %s", {name: len(frames[name]) for name in ANALYSIS_TABLES})
    return frames


def _build_from_store(
    store: Store,
    con: Any,
    s: DerivationSettings,
    step: Callable[[str], None],
    on_labs: Callable[[pd.DataFrame], None],
) -> dict[str, pd.DataFrame]:
    """:func:`build_analysis_datasets` with the lab table kept out of pandas (see :func:`derive`)."""
    step("reading tables")
    names = [n for n in TABLES if n not in _SKIP and store.has_table(n)]
    union = " UNION ".join(f"SELECT DISTINCT patient_id FROM {n}" for n in names)
    found = con.execute(union).fetchnumpy()["patient_id"] if names else np.empty(0, object)
    ids = np.sort(np.asarray([v for v in np.ma.filled(found, None) if isinstance(v, str)], object))
    pid = pd.Index(ids)
    coded = {n: _read_coded(store, con, n, ids) for n in TABLES if n not in _SKIP | {"labs"}}

    def decode(codes: pd.Series) -> np.ndarray:
        return np.concatenate([ids, np.asarray([None], dtype=object)])[
            codes.to_numpy(dtype=np.int64)
        ]

    def lab_parts(courses: pd.DataFrame) -> _LabInputs:
        parts = lab_parts_from_store(
            con, coded["cycles"], coded["patients"], courses, s,
            terms=GRADE_TERMS, baseline_tests=BASELINE_LAB_TESTS, patient_index=pid,
        )  # fmt: skip
        on_labs(parts.analysis_labs)
        return parts.analysis_labs, parts.grades, parts.baseline_rows, parts.platelets

    frames = _assemble(coded, s, step, lab_parts, decode=decode)
    frames["analysis_patient_course"] = _with_dose_summary(store, frames["analysis_patient_course"])
    return frames
