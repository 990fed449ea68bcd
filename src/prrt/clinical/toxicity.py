"""Laboratory toxicity: lab periods and baselines, graded lab dataset, worst and Δ grades, AE tables.

Definitions (``shared/spec/ctcae.md`` "Rules around the table"; ``domain.md`` §3 and §5):

- a lab sample belongs to the latest course whose first cycle is on or before its date
  (samples before the first course belong to course 1);
- period ``baseline``: on or before the course's first cycle day and at most
  ``baseline_window_days`` before it; ``on_treatment``: after the first cycle day up to the last
  cycle + ``ae_window_days``; ``after``: later; null for samples older than the baseline window;
- baseline value = last value of the baseline period (per patient × course × test);
- worst grade per patient × course × term × period; Δ highest grade = worst on-treatment grade −
  baseline grade, signed (Lazarenko);
- AE summary: patients with any grade / grade ≥ 3 per term, from clinical adverse events
  (``adverse_events``) with onset in the on-treatment window and from lab grades.

Examples
--------
>>> import pandas as pd
>>> from prrt.clinical.toxicity import course_windows
>>> cycles = pd.DataFrame({"patient_id": ["p", "p"], "course_no": [1, 1], "cycle_no": [1, 2],
...                        "cycle_date": pd.to_datetime(["2020-01-01", "2020-03-01"])})
>>> w = course_windows(cycles)
>>> str(w.course_start[0].date()), str(w.course_end[0].date()), int(w.n_cycles[0])
('2020-01-01', '2020-03-01', 2)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from prrt.clinical.ctcae import REASONS, grade_codes_versions
from prrt.clinical.renal import egfr_rows
from prrt.clinical.settings import DerivationSettings
from prrt.cohort.schema import LAB_GRADE_VERSIONS

__all__ = [
    "GRADE_TERMS",
    "ae_summary",
    "baseline_range",
    "course_windows",
    "delta_grade_table",
    "derive_lab_dataset",
    "derive_lab_periods",
    "derive_toxicity_grades",
    "grade_column",
    "worst_grades",
]

GRADE_TERMS = (
    "platelets",
    "haemoglobin",
    "leukocytes",
    "lymphocytes",
    "neutrophils",
    "alt",
    "ast",
    "alp",
    "bilirubin",
    "creatinine",
    "albumin",
    "egfr",
)
"""Terms with baseline/worst/Δ grade columns in ``analysis_patient_course`` (contracts §3)."""

_LAB_REQUIRED = ("patient_id", "sample_date", "test", "value")
_CYCLE_REQUIRED = ("patient_id", "course_no", "cycle_date")


def _ns(values: object) -> pd.Series:
    """Dates as ``datetime64[ns]`` (store reads and generators may give s/us/ms units)."""
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    if not pd.api.types.is_datetime64_dtype(s.dtype):
        s = pd.Series(pd.to_datetime(s), index=s.index)
    return s.astype("datetime64[ns]")


def grade_column(version: str) -> str:
    """Name of the grade column of a CTCAE version in ``analysis_labs`` (``grade_v5_0``)."""
    if version not in LAB_GRADE_VERSIONS:
        raise ValueError(f"unknown CTCAE version {version!r}; known: {LAB_GRADE_VERSIONS}")
    return "grade_v" + version.replace(".", "_")


def _require(frame: pd.DataFrame, cols: tuple[str, ...], what: str, fn: str) -> None:
    absent = [c for c in cols if c not in frame.columns]
    if absent:
        raise KeyError(f"{fn}: {what} is missing required column(s) {absent}")


def course_windows(cycles: pd.DataFrame) -> pd.DataFrame:
    """One row per patient × course: first and last cycle dates, cycle count, next course start.

    Parameters
    ----------
    cycles
        ``patient_id``, ``course_no``, ``cycle_date`` (``cycle_no`` optional).

    Returns
    -------
    pandas.DataFrame
        ``patient_id, course_no, course_start, course_end, n_cycles, second_cycle_date,
        next_course_start`` (dates as ``datetime64``; NaT where absent).
    """
    _require(cycles, _CYCLE_REQUIRED, "cycles", "course_windows")
    c = cycles[list(_CYCLE_REQUIRED)].copy()
    c["cycle_date"] = _ns(c["cycle_date"])
    c = c.dropna(subset=["patient_id", "course_no", "cycle_date"])
    c = c.sort_values(["patient_id", "course_no", "cycle_date"], kind="stable")
    keys = ["patient_id", "course_no"]
    g = c.groupby(keys, sort=True)["cycle_date"]
    second = c[c.groupby(keys).cumcount() == 1].set_index(keys)["cycle_date"]
    out = pd.DataFrame(
        {"course_start": g.min(), "course_end": g.max(), "n_cycles": g.size().astype("int64")}
    )
    out["second_cycle_date"] = second.reindex(out.index)
    out = out.reset_index()
    out["second_cycle_date"] = _ns(out["second_cycle_date"]).to_numpy()
    out = out.sort_values(["patient_id", "course_start"], kind="stable")
    out["next_course_start"] = out.groupby("patient_id")["course_start"].shift(-1)
    return out.reset_index(drop=True)


def derive_lab_periods(
    labs: pd.DataFrame, cycles: pd.DataFrame, settings: DerivationSettings | None = None
) -> pd.DataFrame:
    """Attach course, study day, period and baseline to every lab row (vectorised).

    Returns
    -------
    pandas.DataFrame
        ``labs`` (same row order) plus ``course_no`` (Int64), ``day_from_course_start``
        (Int64, day 0 = first cycle), ``period`` (``baseline`` / ``on_treatment`` / ``after`` /
        null), ``is_baseline`` (the row used as baseline of its patient × course × test),
        ``baseline_value``, ``baseline_date`` and the baseline sample's own reference range
        ``baseline_lln``, ``baseline_uln`` (NaN without ``lln`` / ``uln`` columns).

    Notes
    -----
    A sample taken on a cycle day is a pre-infusion sample: on the first cycle day of a course
    it is baseline (``ctcae.md``: "last value on or before the first cycle").
    """
    s = settings or DerivationSettings()
    _require(labs, _LAB_REQUIRED, "labs", "derive_lab_periods")
    cols = _period_arrays(
        labs["patient_id"].to_numpy(),
        _ns(labs["sample_date"]).to_numpy(),
        labs["test"].to_numpy(),
        pd.to_numeric(labs["value"], errors="coerce").to_numpy(dtype=float, na_value=np.nan),
        cycles,
        s,
    )
    out = labs.copy()
    out["sample_date"] = _ns(out["sample_date"])
    row = cols.pop("baseline_row")
    for name, values in cols.items():
        out[name] = values
    limits = [
        pd.to_numeric(labs[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        if c in labs.columns
        else np.full(len(labs), np.nan)
        for c in ("lln", "uln")
    ]
    out["baseline_lln"], out["baseline_uln"] = baseline_range(row, *limits)
    return out


def _int_array(values: np.ndarray) -> pd.arrays.IntegerArray:
    """Nullable Int64 array from floats (NaN → NA), without pandas' slow coercion path."""
    v = np.asarray(values, dtype=float)
    missing = np.isnan(v)
    return pd.arrays.IntegerArray(np.where(missing, 0, v).astype(np.int64), missing)


def _period_arrays(
    patient_id: np.ndarray,
    sample: np.ndarray,
    test: np.ndarray,
    value: np.ndarray,
    cycles: pd.DataFrame,
    s: DerivationSettings,
) -> dict[str, object]:
    """Course, day, period and baseline per lab row (arrays aligned with the input rows).

    Pure numpy on integer keys: patients are factorised together with the courses, and a row
    finds its course by ``searchsorted`` on ``(patient, first cycle day)``.
    """
    cw = course_windows(cycles)
    codes, uniques = pd.factorize(
        pd.Series(np.concatenate([cw["patient_id"].to_numpy(dtype=object), patient_id]))
    )
    c_pat, l_pat = codes[: len(cw)].astype(np.int64), codes[len(cw) :].astype(np.int64)
    t_codes, t_uniques = pd.factorize(pd.Series(test, dtype=object))
    out = _period_core(c_pat, l_pat, len(uniques), cw, sample, t_codes, len(t_uniques), value, s)
    out["course_no"] = _int_array(out["course_no"])  # type: ignore[arg-type]
    out["day_from_course_start"] = _int_array(out["day_from_course_start"])  # type: ignore[arg-type]
    out["period"] = _PERIODS[np.asarray(out["period_code"])]
    keys = ("course_no", "day_from_course_start", "period", "is_baseline", "baseline_value")
    return {k: out[k] for k in (*keys, "baseline_date", "baseline_row")}


_PERIODS = np.asarray([None, "baseline", "on_treatment", "after"], dtype=object)


def _period_core(
    c_pat: np.ndarray,
    l_pat: np.ndarray,
    n_pat: int,
    cw: pd.DataFrame,
    sample: np.ndarray,
    t_codes: np.ndarray,
    n_tests: int,
    value: np.ndarray,
    s: DerivationSettings,
) -> dict[str, object]:
    """:func:`_period_arrays` on integer codes.

    ``c_pat`` / ``l_pat``: patient codes (``0 … n_pat − 1``) of the rows of ``cw``
    (:func:`course_windows`) and of the lab rows; ``t_codes``: test codes (``-1`` = missing,
    ``< n_tests``). ``period_code``: 0 = null, 1 = baseline, 2 = on_treatment, 3 = after.
    ``baseline_row``: index of the row whose value is the baseline (−1 = none), so that the
    baseline sample's own reference range can be carried beside its value.
    """
    n = l_pat.size
    sample_ns = sample.astype("datetime64[ns]")
    l_day = sample_ns.astype("datetime64[D]").astype(np.int64)
    c_start = cw["course_start"].to_numpy(dtype="datetime64[ns]")
    c_end = cw["course_end"].to_numpy(dtype="datetime64[ns]")
    c_day = c_start.astype("datetime64[D]").astype(np.int64)
    shift = np.int64(1 << 31)
    c_key = (c_pat << np.int64(32)) + (c_day + shift)
    order = np.argsort(c_key, kind="stable")
    c_key_sorted = c_key[order]
    l_key = (l_pat << np.int64(32)) + (l_day + shift)
    pos = np.searchsorted(c_key_sorted, l_key, side="right") - 1
    cand = order[np.clip(pos, 0, None)] if len(cw) else np.zeros(n, dtype=np.int64)
    matched = (pos >= 0) & (c_pat[cand] == l_pat) if len(cw) else np.zeros(n, dtype=bool)
    # samples before the first course belong to the patient's first course
    first = np.full(n_pat, -1, dtype=np.int64)
    first_rows = order[np.r_[True, c_pat[order][1:] != c_pat[order][:-1]]] if len(cw) else order
    first[c_pat[first_rows]] = first_rows
    course_idx = np.where(matched, cand, first[l_pat] if n else cand)
    course_idx = np.where(np.isnat(sample_ns), -1, course_idx)
    has = course_idx >= 0
    safe = np.where(has, course_idx, 0)
    course_no = np.where(
        has, cw["course_no"].to_numpy(dtype=float)[safe] if len(cw) else np.nan, np.nan
    )
    start = np.where(has, c_start[safe] if len(cw) else sample_ns, np.datetime64("NaT"))
    end = np.where(has, c_end[safe] if len(cw) else sample_ns, np.datetime64("NaT"))
    day = (sample_ns - start) / np.timedelta64(1, "D")
    after_end = (sample_ns - end) / np.timedelta64(1, "D")
    with np.errstate(invalid="ignore"):
        code = np.select(
            [
                np.isnan(day),
                (day <= 0) & (day >= -s.baseline_window_days),
                day <= 0,
                after_end <= s.ae_window_days,
            ],
            [0, 1, 0, 2],
            default=3,
        )
    # baseline = last non-missing value of the baseline period per patient × course × test
    gid = (np.where(has, course_idx, len(cw)).astype(np.int64) * (n_tests + 1)) + (
        t_codes.astype(np.int64) + 1
    )
    cand_rows = np.flatnonzero((code == 1) & ~np.isnan(value))
    o = np.lexsort((cand_rows, sample_ns[cand_rows], gid[cand_rows]))
    cand_rows = cand_rows[o]
    g = gid[cand_rows]
    last = cand_rows[np.r_[g[1:] != g[:-1], True]] if cand_rows.size else cand_rows
    last_keys = gid[last]  # sorted, unique
    if last_keys.size:
        hit = np.minimum(np.searchsorted(last_keys, gid), last_keys.size - 1)
        hit_ok = last_keys[hit] == gid
        br = np.where(hit_ok, last[hit], 0)
    else:
        hit_ok = np.zeros(n, dtype=bool)
        br = np.zeros(n, dtype=np.int64)
    is_baseline = np.zeros(n, dtype=bool)
    is_baseline[last] = True
    return {
        "course_no": course_no,
        "day_from_course_start": day,
        "period_code": code.astype(np.int8),
        "is_baseline": is_baseline,
        "course_idx": course_idx,
        "baseline_row": np.where(hit_ok, br, -1) if n else np.zeros(0, dtype=np.int64),
        "baseline_value": np.where(hit_ok, value[br], np.nan) if n else value,
        "baseline_date": np.where(hit_ok, sample_ns[br], np.datetime64("NaT")) if n else sample_ns,
    }


def baseline_range(
    baseline_row: object, lln: np.ndarray, uln: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """LLN and ULN of each row's baseline sample (NaN where there is no baseline).

    Parameters
    ----------
    baseline_row
        Index of the baseline row of each row, −1 where none (``_period_arrays``).
    lln, uln
        Reference limits of every row.

    Examples
    --------
    >>> import numpy as np
    >>> lo, hi = baseline_range(np.array([0, 0, -1]), np.array([1.0, 2.0, 3.0]),
    ...                         np.array([40.0, 50.0, 60.0]))
    >>> hi.tolist()
    [40.0, 40.0, nan]
    """
    row = np.asarray(baseline_row, dtype=np.int64)
    has = row >= 0
    safe = np.where(has, row, 0)
    if not row.size:
        return np.full(0, np.nan), np.full(0, np.nan)
    return np.where(has, lln[safe], np.nan), np.where(has, uln[safe], np.nan)


def _combine_reasons(codes: dict[str, np.ndarray]) -> np.ndarray:
    """One reason per row: null if all graded, the common reason, else per-version reasons.

    Works on the ``int8`` reason codes of :func:`prrt.clinical.ctcae.grade_codes`; the text of
    each distinct code combination is built once.
    """
    combo, texts = _reason_combos(codes)
    return texts[combo]


def _reason_combos(codes: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Combination code per row and the text of every combination present (null = graded)."""
    k = len(REASONS)
    c = [codes[v].astype(np.int64) for v in LAB_GRADE_VERSIONS]
    combo = (c[0] * k + c[1]) * k + c[2]
    present = np.flatnonzero(np.bincount(combo, minlength=k**3)) if combo.size else np.empty(0, int)
    return combo, _combo_texts(present)


def _combo_texts(present: np.ndarray) -> np.ndarray:
    """Reason text per combination code (array of length ``len(REASONS) ** 3``, filled at
    ``present``; null = graded in every version)."""
    k = len(REASONS)
    texts = np.full(k**3, None, dtype=object)
    for u in present:
        parts = [int(u) // (k * k), (int(u) // k) % k, int(u) % k]
        if parts[0] == parts[1] == parts[2]:
            texts[u] = REASONS[parts[0]]
        else:
            texts[u] = "; ".join(
                f"v{v}: {REASONS[p]}" for v, p in zip(LAB_GRADE_VERSIONS, parts, strict=True) if p
            )
    return texts


def derive_lab_dataset(
    labs: pd.DataFrame,
    cycles: pd.DataFrame,
    patients: pd.DataFrame | None = None,
    settings: DerivationSettings | None = None,
    *,
    add_egfr: bool = True,
) -> pd.DataFrame:
    """Build ``analysis_labs``: one row per lab value with course, period and CTCAE grades.

    Parameters
    ----------
    labs
        Store ``labs`` table (canonical units).
    cycles
        Store ``cycles`` table.
    patients
        Store ``patients`` table; needed to derive eGFR (CKD-EPI, ``settings.egfr_equation``)
        from creatinine when ``add_egfr`` (rows flagged ``derived``).
    settings
        Windows (baseline, AE window).
    add_egfr
        Add derived eGFR rows where no measured eGFR exists that day.

    Returns
    -------
    pandas.DataFrame
        Contract columns (contracts §3) ``patient_id, sample_date, test, value, unit, lln, uln,
        course_no, day_from_course_start, period, grade_v3_0, grade_v4_03, grade_v5_0,
        grade_reason`` plus ``is_baseline, baseline_value, baseline_date, baseline_lln,
        baseline_uln, derived``. ``baseline_lln`` / ``baseline_uln`` are the reference range
        of the baseline sample itself: CTCAE v5.0 "if baseline was abnormal" (and v4.03
        haemoglobin increased) compares the baseline with this range, never with the range of
        the graded sample (``missing_baseline_uln`` where the baseline sample has no ULN).
        ``grade_reason`` is null where all three versions graded; the common reason where
        they agree; otherwise ``v3.0: …; v4.03: …; v5.0: …``.
    """
    s = settings or DerivationSettings()
    _require(labs, _LAB_REQUIRED, "labs", "derive_lab_dataset")
    _require(cycles, _CYCLE_REQUIRED, "cycles", "derive_lab_dataset")
    n = len(labs)

    def column(name: str, kind: str) -> np.ndarray:
        if name not in labs.columns:
            return np.full(n, np.nan) if kind == "f" else np.full(n, None, dtype=object)
        if kind == "f":
            return pd.to_numeric(labs[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        return labs[name].to_numpy(dtype=object)

    data: dict[str, np.ndarray] = {
        "patient_id": labs["patient_id"].to_numpy(dtype=object),
        "sample_date": _ns(labs["sample_date"]).to_numpy(dtype="datetime64[ns]"),
        "test": labs["test"].to_numpy(dtype=object),
        "value": column("value", "f"),
        "unit": column("unit", "o"),
        "lln": column("lln", "f"),
        "uln": column("uln", "f"),
        "derived": np.zeros(n, dtype=bool),
    }
    if add_egfr and patients is not None and n:
        extra = egfr_rows(labs, patients, equation=s.egfr_equation)
        if len(extra):
            add = {
                "patient_id": extra["patient_id"].to_numpy(dtype=object),
                "sample_date": _ns(extra["sample_date"]).to_numpy(dtype="datetime64[ns]"),
                "test": extra["test"].to_numpy(dtype=object),
                "value": extra["value"].to_numpy(dtype=float),
                "unit": extra["unit"].to_numpy(dtype=object),
                "lln": extra["lln"].to_numpy(dtype=float),
                "uln": np.full(len(extra), np.nan),
                "derived": np.ones(len(extra), dtype=bool),
            }
            data = {k: np.concatenate([data[k], add[k]]) for k in data}
    per = _period_arrays(
        data["patient_id"], data["sample_date"], data["test"], data["value"], cycles, s
    )
    base_lln, base_uln = baseline_range(per["baseline_row"], data["lln"], data["uln"])
    out = pd.DataFrame(
        {
            "patient_id": data["patient_id"],
            "sample_date": data["sample_date"],
            "test": data["test"],
            "value": data["value"],
            "unit": data["unit"],
            "lln": data["lln"],
            "uln": data["uln"],
            "course_no": per["course_no"],
            "day_from_course_start": per["day_from_course_start"],
            "period": per["period"],
        }
    )
    graded = grade_codes_versions(
        {k: data[k] for k in ("test", "value", "unit", "lln", "uln")}
        | {"_bl": np.asarray(per["baseline_value"], dtype=float), "_bl_uln": base_uln},
        versions=LAB_GRADE_VERSIONS,
        baseline_col="_bl",
        baseline_uln_col="_bl_uln",
    )
    for version in LAB_GRADE_VERSIONS:
        out[grade_column(version)] = _int_array(graded[version][0])
    out["grade_reason"] = _combine_reasons({v: graded[v][1] for v in LAB_GRADE_VERSIONS})
    out["is_baseline"] = per["is_baseline"]
    out["baseline_value"] = per["baseline_value"]
    out["baseline_date"] = per["baseline_date"]
    out["baseline_lln"] = base_lln
    out["baseline_uln"] = base_uln
    out["derived"] = data["derived"]
    return out


def worst_grades(analysis_labs: pd.DataFrame, *, version: str = "5.0") -> pd.DataFrame:
    """Worst CTCAE grade per patient × course × test × period.

    Parameters
    ----------
    analysis_labs
        Output of :func:`derive_lab_dataset` (``patient_id, course_no, test, period`` and the
        grade column of ``version``).
    version
        CTCAE version whose grades are used.

    Returns
    -------
    pandas.DataFrame
        ``patient_id, course_no, test, period, worst_grade`` (Int64, null when no value of the
        group could be graded), ``n_values``, ``n_graded``.
    """
    gcol = grade_column(version)
    _require(
        analysis_labs, ("patient_id", "course_no", "test", "period", gcol), "analysis_labs",
        "worst_grades",
    )  # fmt: skip
    keys = ["patient_id", "course_no", "test", "period"]
    lb = analysis_labs[[*keys, gcol]].dropna(subset=["course_no", "period"])
    g = lb.assign(_g=pd.to_numeric(lb[gcol], errors="coerce")).groupby(keys, sort=True)["_g"]
    out = pd.DataFrame({"worst_grade": g.max(), "n_values": g.size(), "n_graded": g.count()})
    out["worst_grade"] = pd.array(out["worst_grade"].to_numpy(), dtype="Float64").astype("Int64")
    return out.reset_index()


def derive_toxicity_grades(
    analysis_labs: pd.DataFrame,
    *,
    version: str = "5.0",
    terms: tuple[str, ...] = GRADE_TERMS,
) -> pd.DataFrame:
    """Baseline, worst on-treatment and signed Δ grade per patient × course (wide).

    Baseline grade = grade of the baseline row (``is_baseline``; without that column, the last
    row of the baseline period); worst = highest on-treatment grade; Δ = worst − baseline
    (Lazarenko "Δ highest grade"; null when either is null).

    Returns
    -------
    pandas.DataFrame
        ``patient_id, course_no`` and ``baseline_grade_<term>``, ``worst_grade_<term>``,
        ``delta_grade_<term>`` (Int64) for each term, one row per patient × course present in
        ``analysis_labs``.

    Examples
    --------
    >>> import pandas as pd
    >>> lab = pd.DataFrame({"patient_id": ["p"] * 3, "course_no": [1] * 3,
    ...     "test": ["platelets"] * 3, "period": ["baseline", "on_treatment", "on_treatment"],
    ...     "sample_date": pd.to_datetime(["2020-01-01", "2020-02-01", "2020-03-01"]),
    ...     "grade_v5_0": pd.array([1, 3, 2], dtype="Int64")})
    >>> t = derive_toxicity_grades(lab, terms=("platelets",))
    >>> t[["baseline_grade_platelets", "worst_grade_platelets", "delta_grade_platelets"]].iloc[0].tolist()
    [1, 3, 2]
    """
    gcol = grade_column(version)
    need = ("patient_id", "course_no", "test", "period", "sample_date", gcol)
    _require(analysis_labs, need, "analysis_labs", "derive_toxicity_grades")
    keys = ["patient_id", "course_no"]
    cols = [*need] + (["is_baseline"] if "is_baseline" in analysis_labs.columns else [])
    lb = analysis_labs[cols].dropna(subset=["course_no"])
    units = lb[keys].drop_duplicates().set_index(keys).sort_index()
    lb = lb[lb["test"].isin(terms)].assign(_g=pd.to_numeric(lb[gcol], errors="coerce"))
    if "is_baseline" in lb.columns:
        base = lb[lb["is_baseline"].fillna(False).astype(bool)]
    else:
        base = lb[lb["period"] == "baseline"].sort_values([*keys, "test", "sample_date"])
    base = base.drop_duplicates([*keys, "test"], keep="last").set_index([*keys, "test"])["_g"]
    worst = lb[lb["period"] == "on_treatment"].groupby([*keys, "test"])["_g"].max()
    t = pd.DataFrame({"baseline": base, "worst": worst})
    t["delta"] = t["worst"] - t["baseline"]
    wide = t.unstack("test") if len(t) else t
    out = units.copy()
    for term in terms:
        for kind in ("baseline", "worst", "delta"):
            col = wide[(kind, term)] if (kind, term) in wide.columns else None
            values = col.reindex(out.index) if col is not None else pd.Series(np.nan, out.index)
            out[f"{kind}_grade_{term}"] = pd.array(
                values.to_numpy(dtype=float), dtype="Float64"
            ).astype("Int64")
    return out.reset_index()


def ae_summary(
    adverse_events: pd.DataFrame | None,
    analysis_labs: pd.DataFrame | None,
    cycles: pd.DataFrame,
    settings: DerivationSettings | None = None,
    *,
    course_no: int | None = 1,
    version: str | None = None,
) -> pd.DataFrame:
    """Adverse-event table: patients with any grade and with grade ≥ 3, per term.

    Parameters
    ----------
    adverse_events
        Store ``adverse_events`` (``patient_id, term, onset_date, grade``) or ``None``. Events
        count when their onset lies from the first cycle day to the last cycle +
        ``ae_window_days``.
    analysis_labs
        Output of :func:`derive_lab_dataset` or ``None``; on-treatment lab grades count.
    cycles
        Store ``cycles``: defines the population (patients treated in ``course_no``) and windows.
    settings
        ``ae_window_days`` and, unless ``version`` is given, ``ctcae_version``.
    course_no
        Course to summarise (``None`` = every course; a patient counts once, with the worst
        grade over courses).
    version
        CTCAE version of the lab grades.

    Returns
    -------
    pandas.DataFrame
        ``source`` (``clinical``/``laboratory``), ``term``, ``n_patients`` (denominator),
        ``n_any``, ``pct_any``, ``n_grade_3_4``, ``n_ge3``, ``pct_ge3``, ``n_grade_1`` …
        ``n_grade_5``; percentages of ``n_patients``.
    """
    s = settings or DerivationSettings()
    v = version or s.ctcae_version
    cw = course_windows(cycles)
    if course_no is not None:
        cw = cw[cw["course_no"] == course_no]
    n_pat = int(cw["patient_id"].nunique())
    worst = []
    if adverse_events is not None and len(adverse_events):
        _require(adverse_events, ("patient_id", "term", "onset_date", "grade"), "adverse_events",
                 "ae_summary")  # fmt: skip
        ae = adverse_events[["patient_id", "term", "onset_date", "grade"]].merge(
            cw[["patient_id", "course_start", "course_end"]], on="patient_id"
        )
        onset = _ns(ae["onset_date"])
        in_window = (onset >= ae["course_start"]) & (
            onset <= ae["course_end"] + pd.to_timedelta(s.ae_window_days, unit="D")
        )
        ae = ae[in_window].assign(source="clinical", grade=pd.to_numeric(ae["grade"]))
        worst.append(ae.groupby(["source", "term", "patient_id"])["grade"].max())
    if analysis_labs is not None and len(analysis_labs):
        gcol = grade_column(v)
        _require(analysis_labs, ("patient_id", "course_no", "test", "period", gcol),
                 "analysis_labs", "ae_summary")  # fmt: skip
        lb = analysis_labs[analysis_labs["period"] == "on_treatment"]
        lb = lb.merge(cw[["patient_id", "course_no"]], on=["patient_id", "course_no"])
        lb = lb.assign(source="laboratory", term=lb["test"], grade=pd.to_numeric(lb[gcol]))
        lb = lb.dropna(subset=["grade"])
        worst.append(lb.groupby(["source", "term", "patient_id"])["grade"].max())
    cols = ["source", "term", "n_patients", "n_any", "pct_any", "n_grade_3_4", "n_ge3", "pct_ge3"]
    cols += [f"n_grade_{g}" for g in range(1, 6)]
    if not worst:
        return pd.DataFrame(columns=cols)
    w = pd.concat(worst).reset_index()
    w = w[w["grade"] >= 1]
    counts = pd.crosstab([w["source"], w["term"]], w["grade"].astype(int))
    counts = counts.reindex(columns=range(1, 6), fill_value=0)
    out = pd.DataFrame(index=counts.index)
    out["n_patients"] = n_pat
    out["n_any"] = counts.sum(axis=1)
    out["n_grade_3_4"] = counts[3] + counts[4]
    out["n_ge3"] = counts[[3, 4, 5]].sum(axis=1)
    denom = n_pat if n_pat else np.nan
    out["pct_any"] = 100.0 * out["n_any"] / denom
    out["pct_ge3"] = 100.0 * out["n_ge3"] / denom
    for g in range(1, 6):
        out[f"n_grade_{g}"] = counts[g]
    return out.reset_index()[cols].sort_values(["source", "term"]).reset_index(drop=True)


def delta_grade_table(
    toxicity_grades: pd.DataFrame, terms: tuple[str, ...] = GRADE_TERMS
) -> pd.DataFrame:
    """Distribution of the signed Δ highest grade per term (Lazarenko table).

    Parameters
    ----------
    toxicity_grades
        Output of :func:`derive_toxicity_grades` (``delta_grade_<term>`` columns).
    terms
        Terms to tabulate (those without a column are skipped).

    Returns
    -------
    pandas.DataFrame
        ``term, delta (−4 … 4), n, pct, n_evaluable`` where ``pct`` is of the patients with a
        non-null Δ for the term.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"delta_grade_platelets": pd.array([0, 1, 1, None], dtype="Int64")})
    >>> d = delta_grade_table(t, ("platelets",))
    >>> row = d[d.delta == 1].iloc[0]
    >>> int(row.n), round(float(row.pct), 1), int(row.n_evaluable)
    (2, 66.7, 3)
    """
    rows = []
    deltas = np.arange(-4, 5)
    for term in terms:
        col = f"delta_grade_{term}"
        if col not in toxicity_grades.columns:
            continue
        d = pd.to_numeric(toxicity_grades[col], errors="coerce").dropna().astype(int)
        counts = d.value_counts().reindex(deltas, fill_value=0)
        n_eval = int(d.size)
        rows.append(
            pd.DataFrame(
                {
                    "term": term,
                    "delta": deltas,
                    "n": counts.to_numpy(),
                    "pct": 100.0 * counts.to_numpy() / n_eval if n_eval else np.nan,
                    "n_evaluable": n_eval,
                }
            )
        )
    if not rows:
        return pd.DataFrame(columns=["term", "delta", "n", "pct", "n_evaluable"])
    return pd.concat(rows, ignore_index=True)
