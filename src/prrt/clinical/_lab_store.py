"""Laboratory part of ``prrt derive`` computed over the store's ``labs`` table.

Same definitions and the same numpy kernels as :func:`prrt.clinical.toxicity.derive_lab_dataset`
(course, period and baseline per row: :func:`~prrt.clinical.toxicity._period_core`; grades:
:func:`~prrt.clinical.ctcae.grade_codes_versions`; derived eGFR: :func:`~prrt.clinical.renal.
egfr_rows`), but built for registries of millions of lab rows:

- the lab table is read column by column from DuckDB with the strings (patient id, test,
  unit) dictionary-encoded by Arrow, so no Python string object is made per row;
- the rows are processed one test at a time (courses are per row; the baseline is per patient
  × course × test, so a test's rows are self-contained), which bounds the temporary arrays;
- ``analysis_labs`` is written from categorical columns (DuckDB casts the ENUMs back to
  VARCHAR), in the row order of the pandas implementation (store order, then derived eGFR);
- the per patient × course results the analysis dataset needs (baseline / worst / Δ grades,
  the baseline-window rows of :func:`~prrt.clinical.scores.derive_baseline_labs`, the
  platelet rows of :func:`~prrt.clinical.haematology.derive_platelet_dynamics`) are taken from
  the same arrays.

``tests/clinical/test_derive_fast.py`` checks that ``prrt derive`` writes the same tables as the
pandas path (:func:`prrt.clinical.datasets.build_analysis_datasets`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow.compute as pc

from prrt.clinical.ctcae import grade_codes_versions
from prrt.clinical.renal import egfr_rows
from prrt.clinical.settings import DerivationSettings
from prrt.clinical.toxicity import (
    _combo_texts,
    _int_array,
    _period_core,
    _reason_combos,
    baseline_range,
    course_windows,
    grade_column,
)
from prrt.cohort.schema import LAB_GRADE_VERSIONS

__all__ = ["LabParts", "lab_parts_from_store", "write_lab_frame"]

_PERIOD_NAMES = ["baseline", "on_treatment", "after"]
_LAB_FRAME_COLUMNS = ("patient_id", "sample_date", "test", "value", "unit", "lln", "uln")


@dataclass(frozen=True)
class LabParts:
    """Results of :func:`lab_parts_from_store`.

    Attributes
    ----------
    analysis_labs
        The ``analysis_labs`` rows (contract columns; strings as ``category``, grades
        ``Int8``), as written to the store.
    grades
        ``patient_id, course_no`` and ``baseline_grade_<term>``, ``worst_grade_<term>``,
        ``delta_grade_<term>`` (as :func:`~prrt.clinical.toxicity.derive_toxicity_grades`).
    baseline_rows
        ``analysis_labs`` rows that can be baseline values of a course (input of
        :func:`~prrt.clinical.scores.derive_baseline_labs`).
    platelets
        Platelet rows of the store's ``labs`` table (input of
        :func:`~prrt.clinical.haematology.derive_platelet_dynamics`).
    """

    analysis_labs: pd.DataFrame
    grades: pd.DataFrame
    baseline_rows: pd.DataFrame
    platelets: pd.DataFrame


def _encode(con: duckdb.DuckDBPyConnection, column: str) -> tuple[np.ndarray, np.ndarray]:
    """Codes (``int32``, −1 = null) and sorted distinct values of a VARCHAR column of ``labs``."""
    arr = con.sql(f"SELECT {column} FROM labs").arrow().read_all().column(0)
    uniq = pc.unique(arr).drop_null()
    uniq = uniq.take(pc.array_sort_indices(uniq))
    codes = pc.index_in(arr, value_set=uniq).fill_null(-1).to_numpy().astype(np.int32)
    return codes, np.asarray(uniq.to_pylist(), dtype=object)


def _fetch(con: duckdb.DuckDBPyConnection, column: str, missing: Any) -> np.ndarray:
    """One column of ``labs`` as a numpy array (nulls → ``missing``), one column at a time."""
    return np.ma.filled(con.execute(f"SELECT {column} FROM labs").fetchnumpy()[column], missing)


def _code_of(dictionary: np.ndarray, value: str) -> tuple[np.ndarray, int]:
    """Code of ``value`` in ``dictionary`` (appended when absent)."""
    hit = np.flatnonzero(dictionary == value)
    if hit.size:
        return dictionary, int(hit[0])
    return np.append(dictionary, np.asarray([value], dtype=object)), len(dictionary)


def _small_int(n_categories: int) -> type[np.signedinteger]:
    """Smallest code dtype pandas uses for ``n_categories`` categories (no copy in from_codes)."""
    return np.int8 if n_categories < 127 else np.int16 if n_categories < 32767 else np.int32


def _patient_codes(codes: np.ndarray, n_pat: int) -> np.ndarray:
    """Patient codes as ``int64`` for :func:`_period_core` (null id → ``n_pat − 1``: no course)."""
    return np.where(codes >= 0, codes, n_pat - 1).astype(np.int64)


def _with_null(dictionary: np.ndarray) -> np.ndarray:
    """``dictionary`` with ``None`` appended, so that code −1 picks ``None``."""
    return np.concatenate([dictionary, np.asarray([None], dtype=object)])


def _categorical(codes: np.ndarray, dictionary: np.ndarray) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, categories=pd.Index(dictionary))


def lab_parts_from_store(
    con: duckdb.DuckDBPyConnection,
    cycles: pd.DataFrame,
    patients: pd.DataFrame,
    courses: pd.DataFrame,
    settings: DerivationSettings,
    *,
    terms: Sequence[str],
    baseline_tests: Sequence[str],
    patient_index: pd.Index | None = None,
) -> LabParts:
    """Compute the laboratory parts of the analysis dataset from the store's ``labs`` table.

    Parameters
    ----------
    con
        Connection of the store (the ``labs`` table is read, nothing is written).
    cycles, patients, courses
        Store ``cycles`` and ``patients`` and :func:`~prrt.clinical.courses.derive_courses`
        output, with the same patient identifiers as ``labs`` (or ``patient_index`` codes).
    settings
        Windows, eGFR equation and CTCAE version.
    terms
        Terms of the baseline / worst / Δ grade columns.
    baseline_tests
        Tests of :func:`~prrt.clinical.scores.derive_baseline_labs`.
    patient_index
        When given, ``cycles``, ``patients`` and ``courses`` carry integer codes into this
        (sorted) index instead of identifiers, and so do ``grades``, ``baseline_rows`` and
        ``platelets``; ``analysis_labs`` always carries the identifiers.
    """
    s = settings
    window = int(s.baseline_window_days)
    p_codes, p_dict = _encode(con, "patient_id")
    t_codes, t_dict = _encode(con, "test")
    u_codes, u_dict = _encode(con, "unit")
    if max(len(t_dict), len(u_dict)) < 32000:  # few distinct tests and units: 2-byte codes
        t_codes, u_codes = t_codes.astype(np.int16), u_codes.astype(np.int16)
    sample = _fetch(con, "sample_date", np.datetime64("NaT")).astype("datetime64[ns]")
    value, lln, uln = (
        _fetch(con, c, np.nan).astype(float, copy=False) for c in ("value", "lln", "uln")
    )
    n_store = p_codes.size
    ids = pd.Index(p_dict)

    def _ids(codes: np.ndarray) -> np.ndarray:
        return _with_null(p_dict)[codes]

    key_of_code = (
        _with_null(p_dict) if patient_index is None
        else np.append(patient_index.get_indexer(p_dict).astype(np.int64), -1)
    )  # fmt: skip

    def _keys(codes: np.ndarray) -> np.ndarray:
        """Patient column of the small frames: identifiers or codes into ``patient_index``."""
        return key_of_code[codes]

    def _pid_strings(values: pd.Series) -> np.ndarray:
        if patient_index is None:
            return values.to_numpy(dtype=object)
        return _with_null(patient_index.to_numpy(dtype=object))[values.to_numpy(dtype=np.int64)]

    # derived eGFR rows (CKD-EPI), appended after the store rows as in derive_lab_dataset
    crea_code = np.flatnonzero(t_dict == "creatinine")
    egfr_code = np.flatnonzero(t_dict == "egfr")
    sel = np.flatnonzero(np.isin(t_codes, np.concatenate([crea_code, egfr_code])))
    if n_store and sel.size:
        sub = pd.DataFrame(
            {
                "patient_id": _ids(p_codes[sel]),
                "sample_date": sample[sel],
                "test": _with_null(t_dict)[t_codes[sel]],
                "value": value[sel],
            }
        )
        pt = patients.assign(patient_id=_pid_strings(patients["patient_id"]))
        extra = egfr_rows(sub, pt, equation=s.egfr_equation)
        del sub
    else:
        extra = pd.DataFrame()
    if len(extra):
        t_dict, e_test = _code_of(t_dict, "egfr")
        u_dict, e_unit = _code_of(u_dict, str(extra["unit"].iloc[0]))
        e_pat = ids.get_indexer(extra["patient_id"].to_numpy(dtype=object)).astype(np.int32)
        m = len(extra)
        p_codes = np.concatenate([p_codes, e_pat])
        t_codes = np.concatenate([t_codes, np.full(m, e_test, dtype=t_codes.dtype)])
        u_codes = np.concatenate([u_codes, np.full(m, e_unit, dtype=u_codes.dtype)])
        e_date = pd.to_datetime(extra["sample_date"]).to_numpy(dtype="datetime64[ns]")
        sample = np.concatenate([sample, e_date])
        value = np.concatenate([value, extra["value"].to_numpy(dtype=float)])
        lln = np.concatenate([lln, extra["lln"].to_numpy(dtype=float)])
        uln = np.concatenate([uln, np.full(m, np.nan)])
    n = p_codes.size

    # courses on the same patient codes (patients without labs get codes after the labs' ones)
    cw = course_windows(cycles)
    cw_ids = _pid_strings(cw["patient_id"]) if len(cw) else np.empty(0, dtype=object)
    c_pat = ids.get_indexer(cw_ids).astype(np.int64)
    missing = c_pat < 0
    if missing.any():
        _, extra_codes = np.unique(cw_ids[missing].astype(str), return_inverse=True)
        c_pat[missing] = len(p_dict) + extra_codes
    n_pat = int(c_pat.max()) + 2 if c_pat.size else 2
    n_pat = max(n_pat, len(p_dict) + 1)

    course_no, day = np.zeros(n, dtype=np.int32), np.zeros(n, dtype=np.int32)
    course_na, day_na = np.ones(n, dtype=bool), np.ones(n, dtype=bool)
    period = np.zeros(n, dtype=np.int8)
    grades = {v: np.full(n, -1, dtype=np.int8) for v in LAB_GRADE_VERSIONS}
    combo = np.zeros(n, dtype=np.int16)
    n_cw = len(cw)
    present = np.zeros(n_cw, dtype=bool)
    tox = {t: (np.full(n_cw, np.nan), np.full(n_cw, np.nan)) for t in terms}
    bl_rows: list[np.ndarray] = []
    bl_codes = set(np.flatnonzero(np.isin(t_dict, list(baseline_tests))).tolist())
    c_key = _course_keys(courses, ids, _pid_strings)
    unit_cat = pd.Index(u_dict)
    for k in np.unique(t_codes):
        idx = np.flatnonzero(t_codes == k)
        name = t_dict[k] if k >= 0 else None
        per = _period_core(
            c_pat, _patient_codes(p_codes[idx], n_pat), n_pat, cw, sample[idx], np.zeros(idx.size, np.int64), 1,
            value[idx], s,
        )  # fmt: skip
        for values, na, key in (
            (course_no, course_na, "course_no"),
            (day, day_na, "day_from_course_start"),
        ):
            f = np.asarray(per[key], dtype=float)
            missing = np.isnan(f)
            values[idx] = np.where(missing, 0, f).astype(np.int32)
            na[idx] = missing
        code = np.asarray(per["period_code"])
        period[idx] = code
        cidx = np.asarray(per["course_idx"])
        has = cidx >= 0
        present[cidx[has]] = True
        graded = grade_codes_versions(
            {
                "test": pd.Categorical.from_codes(np.zeros(idx.size, np.int8), [name])
                if name is not None
                else np.full(idx.size, None, dtype=object),
                "value": value[idx],
                "unit": pd.Categorical.from_codes(u_codes[idx], categories=unit_cat),
                "lln": lln[idx],
                "uln": uln[idx],
                "_bl": np.asarray(per["baseline_value"], dtype=float),
                # the baseline sample's own ULN (CTCAE v5.0 "if baseline was abnormal")
                "_bl_uln": baseline_range(per["baseline_row"], lln[idx], uln[idx])[1],
            },
            versions=LAB_GRADE_VERSIONS,
            baseline_col="_bl",
            baseline_uln_col="_bl_uln",
        )
        for v in LAB_GRADE_VERSIONS:
            g = graded[v][0]
            grades[v][idx] = np.where(np.isnan(g), -1, g).astype(np.int8)
        combo[idx] = _reason_combos({v: graded[v][1] for v in LAB_GRADE_VERSIONS})[0]
        if name in tox:
            g = graded[s.ctcae_version][0]
            isb = np.asarray(per["is_baseline"]) & has
            tox[name][0][cidx[isb]] = g[isb]
            on = (code == 2) & has
            np.fmax.at(tox[name][1], cidx[on], g[on])
        if int(k) in bl_codes:
            bl_rows.append(idx[_in_baseline_window(c_key, p_codes[idx], sample[idx], window)])
        del per, graded, idx, code, cidx, has

    texts = _combo_texts(np.flatnonzero(np.bincount(combo, minlength=1)))
    reason_cats = pd.unique(pd.Series(texts).dropna())
    reason_code = pd.Index(reason_cats).get_indexer(texts).astype(_small_int(len(reason_cats)))
    gcols = {
        grade_column(v): pd.arrays.IntegerArray(np.maximum(grades[v], 0), grades[v] < 0)
        for v in LAB_GRADE_VERSIONS
    }
    labs_frame = pd.DataFrame(
        {
            "patient_id": _categorical(p_codes, p_dict),
            "sample_date": sample,
            "test": _categorical(t_codes.astype(_small_int(len(t_dict))), t_dict),
            "value": value,
            "unit": _categorical(u_codes.astype(_small_int(len(u_dict))), u_dict),
            "lln": lln,
            "uln": uln,
            "course_no": pd.arrays.IntegerArray(course_no, course_na),
            "day_from_course_start": pd.arrays.IntegerArray(day, day_na),
            "period": pd.Categorical.from_codes(period - np.int8(1), _PERIOD_NAMES),
            **gcols,
            "grade_reason": pd.Categorical.from_codes(reason_code[combo], reason_cats),
        },
        copy=False,
    )

    # baseline / worst / Δ grades per patient × course (derive_toxicity_grades)
    rows = np.flatnonzero(present)
    out: dict[str, object] = {
        "patient_id": cw["patient_id"].to_numpy()[rows],
        "course_no": _int_array(cw["course_no"].to_numpy(dtype=float)[rows]),
    }
    for term in terms:
        b, w = tox[term][0][rows], tox[term][1][rows]
        for kind, vals in (("baseline", b), ("worst", w), ("delta", w - b)):
            out[f"{kind}_grade_{term}"] = _int_array(vals)
    grades_frame = pd.DataFrame(out).sort_values(["patient_id", "course_no"], kind="stable")
    grades_frame = grades_frame.reset_index(drop=True)

    # rows inside some course's baseline window (superset; derive_baseline_labs decides)
    baseline_rows = np.sort(np.concatenate(bl_rows)) if bl_rows else np.empty(0, dtype=np.int64)
    bl = pd.DataFrame(
        {
            "patient_id": _keys(p_codes[baseline_rows]),
            "sample_date": sample[baseline_rows],
            "test": _with_null(t_dict)[t_codes[baseline_rows]],
            "value": value[baseline_rows],
            "uln": uln[baseline_rows],
        }
    )
    plt = np.flatnonzero(t_dict == "platelets")
    prow = np.flatnonzero(np.isin(t_codes[:n_store], plt))
    platelets = pd.DataFrame(
        {
            "patient_id": _keys(p_codes[prow]),
            "sample_date": sample[prow],
            "test": _with_null(t_dict)[t_codes[prow]],
            "value": value[prow],
            "unit": _with_null(u_dict)[u_codes[prow]],
            "lln": lln[prow],
            "uln": uln[prow],
        }
    )
    return LabParts(labs_frame, grades_frame, bl, platelets)


_SHIFT = np.int64(1 << 31)


def _course_keys(courses: pd.DataFrame, ids: pd.Index, pid_strings: object) -> np.ndarray:
    """Sorted ``(patient code << 32) + first-cycle day`` keys of ``courses``."""
    if not len(courses):
        return np.empty(0, dtype=np.int64)
    start = pd.to_datetime(courses["course_start"]).to_numpy(dtype="datetime64[ns]")
    cpat = ids.get_indexer(pid_strings(courses["patient_id"]))  # type: ignore[operator]
    ok = (cpat >= 0) & ~np.isnat(start)
    key = (cpat[ok].astype(np.int64) << np.int64(32)) + (
        start[ok].astype("datetime64[D]").astype(np.int64) + _SHIFT
    )
    return np.sort(key)


def _in_baseline_window(
    c_key: np.ndarray, p_codes: np.ndarray, sample: np.ndarray, window_days: int
) -> np.ndarray:
    """Rows with a course of their patient starting 0 … ``window_days`` (+1) days later."""
    ok = (p_codes >= 0) & ~np.isnat(sample)
    if not c_key.size:
        return np.zeros(p_codes.size, dtype=bool)
    l_day = sample.astype("datetime64[D]").astype(np.int64)
    l_key = (p_codes.astype(np.int64) << np.int64(32)) + (l_day + _SHIFT)
    pos = np.searchsorted(c_key, l_key, side="left")
    nxt = c_key[np.minimum(pos, c_key.size - 1)]
    same = (nxt >> np.int64(32)) == p_codes
    return ok & (pos < c_key.size) & same & (nxt - l_key <= window_days + 1)


def write_lab_frame(
    con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame, *, n_store: int | None = None
) -> None:
    """Write ``analysis_labs`` (categorical strings → VARCHAR, grades → BIGINT).

    With ``n_store`` (the first ``n_store`` rows of ``frame`` are the store's ``labs`` rows in
    table order), the columns copied from ``labs`` are taken from that table by position and
    only the derived columns are scanned from ``frame``: less memory than converting the
    whole frame.
    """
    casts = {
        "patient_id": "VARCHAR", "test": "VARCHAR", "unit": "VARCHAR", "period": "VARCHAR",
        "grade_reason": "VARCHAR", "course_no": "BIGINT", "day_from_course_start": "BIGINT",
        **{grade_column(v): "BIGINT" for v in LAB_GRADE_VERSIONS},
    }  # fmt: skip

    def select(columns: list[str], source: dict[str, str]) -> str:
        return ", ".join(
            f"CAST({source.get(c, 'f.')}{c} AS {casts.get(c, _SOURCE_TYPES.get(c, 'DOUBLE'))}) "
            f"AS {c}"
            for c in columns
        )

    cols = list(frame.columns)
    if n_store is None:
        con.register("_prrt_labs", frame)
        try:
            con.execute(
                f"CREATE OR REPLACE TABLE {name} AS SELECT {select(cols, {})} FROM _prrt_labs f"
            )
        finally:
            con.unregister("_prrt_labs")
        return
    copied = [c for c in _LAB_FRAME_COLUMNS if c in cols]
    derived = [c for c in cols if c not in copied]
    head = pd.DataFrame({c: frame[c].array[:n_store] for c in derived}, copy=False)
    tail = pd.DataFrame({c: frame[c].array[n_store:] for c in cols}, copy=False)
    from_labs = dict.fromkeys(copied, "l.")
    con.register("_prrt_labs", head)
    try:
        con.execute(
            f"CREATE OR REPLACE TABLE {name} AS SELECT {select(cols, from_labs)} FROM "
            f"(SELECT {', '.join(copied)} FROM labs) l POSITIONAL JOIN _prrt_labs f"
        )
    finally:
        con.unregister("_prrt_labs")
    if len(tail):
        con.register("_prrt_labs", tail)
        try:
            con.execute(f"INSERT INTO {name} SELECT {select(cols, {})} FROM _prrt_labs f")
        finally:
            con.unregister("_prrt_labs")


_SOURCE_TYPES = {"sample_date": "TIMESTAMP_NS"}
