"""RECIST 1.1 timepoint responses from lesion measurements.

References: Eisenhauer EA et al., New response evaluation criteria in solid tumours: revised
RECIST guideline (version 1.1), Eur J Cancer 2009;45:228-247 — §3.2 (nodal lesions measured in
short axis and included in the sum), §4.3.1 (target lesions: CR with nodes < 10 mm short axis;
PR ≥ 30 % decrease from the baseline sum; PD ≥ 20 % increase AND ≥ 5 mm absolute increase over
the smallest sum on study, the nadir, including baseline), §4.3.2 (non-target), §4.3.3 (new
lesions), §4.4.1 Tables 1–2 (overall response), §4.4.2 (missing assessments / NE), and the
"special notes on the assessment of target lesions" (a lesion present but too small to measure
is recorded as 5 mm). RECIST working group FAQ (recist.eortc.org, "Does a new lesion always
result in PD?") and Table 3 footnote a: after an overall CR, the reappearance of any lesion is
PD. Best overall response and the per-patient outcomes are in
:mod:`prrt.clinical.recist_bor`.

Examples
--------
>>> compute_target_response(sum_mm=70, baseline_mm=100, nadir_mm=100)
'PR'
>>> compute_target_response(sum_mm=12, baseline_mm=30, nadir_mm=10)   # +20 % but only +2 mm
'PR'
>>> compute_overall_response("SD", "NON-CR/NON-PD", new_lesions=True)
'PD'
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from prrt.clinical.courses import require_columns

__all__ = [
    "NON_CR_NON_PD",
    "RESPONSE_COLUMNS",
    "TOO_SMALL_DEFAULT_MM",
    "compute_lesion_size",
    "compute_overall_response",
    "compute_target_response",
    "derive_recist_timepoints",
]

_EPS = 1e-9
NON_CR_NON_PD = "NON-CR/NON-PD"
"""Non-target-only response that is neither CR nor PD (RECIST 1.1 Table 2 and its footnote:
preferred over "SD" when no lesion can be measured)."""
TOO_SMALL_DEFAULT_MM = 5.0
"""Diameter recorded for a lesion present but too small to measure (RECIST 1.1 §4.3, special
notes on the assessment of target lesions; RECIST FAQ "Lesions less than 5 mm")."""

RESPONSE_COLUMNS = (
    "patient_id",
    "course_no",
    "assessment_date",
    "target_sum_mm",
    "pct_change_baseline",
    "pct_change_nadir",
    "target_response",
    "non_target_response",
    "new_lesions",
    "overall_response",
    "source",
)


def compute_target_response(
    sum_mm: float,
    baseline_mm: float,
    nadir_mm: float,
    *,
    complete: bool = True,
    all_gone: bool = False,
) -> str:
    """Target-lesion response at one timepoint (RECIST 1.1 §4.3.1).

    Parameters
    ----------
    sum_mm
        Sum of diameters now (longest diameter; short axis for nodes), mm.
    baseline_mm, nadir_mm
        Baseline sum and smallest previous sum on study (including baseline), mm.
    complete
        Whether every target lesion was measured; if not, the response is NE unless the
        measured part already meets PD (§4.4.2).
    all_gone
        All non-nodal targets disappeared and every nodal target has short axis < 10 mm (CR).

    Examples
    --------
    >>> compute_target_response(69.9, 100, 80)
    'PR'
    >>> compute_target_response(12, 10, 10)       # +20 % but +2 mm from the nadir: not PD
    'SD'
    >>> compute_target_response(15, 20, 10)       # +50 % and +5 mm from the nadir
    'PD'
    >>> compute_target_response(8, 30, 8, all_gone=True)   # residual nodes < 10 mm
    'CR'
    >>> compute_target_response(20, 30, 25, complete=False)
    'NE'
    """
    inc = sum_mm - nadir_mm
    if inc >= 5 - _EPS and inc >= 0.2 * nadir_mm - _EPS:
        return "PD"
    if not complete:
        return "NE"
    if all_gone:
        return "CR"
    if baseline_mm > 0 and (sum_mm - baseline_mm) / baseline_mm * 100 <= -30 + _EPS:
        return "PR"
    return "SD"


def compute_lesion_size(
    diameter_mm: float | None, *, too_small: bool = False, default_mm: float = TOO_SMALL_DEFAULT_MM
) -> float:
    """Size of one lesion for the sum of diameters (RECIST 1.1 §4.3, special notes).

    A lesion flagged as present but too small to measure counts as ``default_mm`` (5 mm) unless a
    measurement was recorded ("if it is measurable, record the measurement; if you cannot
    measure, record it as 5 mm", RECIST FAQ). A lesion that has disappeared is 0 mm. Missing
    without the flag is NaN (not evaluated).

    Examples
    --------
    >>> compute_lesion_size(None, too_small=True)
    5.0
    >>> compute_lesion_size(3.0, too_small=True)     # a recorded measurement wins
    3.0
    >>> compute_lesion_size(None)
    nan
    """
    if diameter_mm is not None and not np.isnan(diameter_mm):
        return float(diameter_mm)
    return float(default_mm) if too_small else float("nan")


def compute_overall_response(
    target: str | None,
    non_target: str | None,
    new_lesions: bool,
    *,
    reappeared_after_cr: bool = False,
) -> str:
    """Overall timepoint response from RECIST 1.1 Table 1 (targets) or Table 2 (non-targets only).

    Parameters
    ----------
    target
        Target response CR/PR/SD/PD/NE (NE = not all evaluated), or ``None`` when the patient
        had no target lesions at baseline.
    non_target
        Non-target response CR, NON-CR/NON-PD, PD, NE (not all evaluated) or ``None`` when there
        were none at baseline.
    new_lesions
        Unequivocal new lesion(s).
    reappeared_after_cr
        A lesion is present again while the overall response at the previous assessment was CR:
        PD (RECIST FAQ "Does a new lesion always result in PD?").

    Examples
    --------
    >>> compute_overall_response("CR", "NON-CR/NON-PD", False)
    'PR'
    >>> compute_overall_response("CR", "NE", False)          # Table 1: non-target not evaluated
    'PR'
    >>> compute_overall_response(None, "NON-CR/NON-PD", False)
    'NON-CR/NON-PD'
    >>> compute_overall_response(None, "NE", False)          # Table 2: not all evaluated
    'NE'
    >>> compute_overall_response("PR", "NON-CR/NON-PD", False, reappeared_after_cr=True)
    'PD'
    """
    if new_lesions or target == "PD" or non_target == "PD" or reappeared_after_cr:
        return "PD"
    if target is None:  # Table 2
        if non_target is None:
            return "NE"
        return non_target
    if target == "CR":
        return "CR" if non_target in (None, "CR") else "PR"
    return target  # PR / SD / NE with non-target not PD


def derive_recist_timepoints(
    lesions: pd.DataFrame,
    lesion_measurements: pd.DataFrame,
    courses: pd.DataFrame,
    *,
    too_small_mm: float = TOO_SMALL_DEFAULT_MM,
) -> pd.DataFrame:
    """Per patient × course × assessment date RECIST 1.1 timepoint responses.

    For each course the baseline is the latest assessment on or before the course start;
    follow-up assessments are those after the start and before the next course's start.

    - Target lesions: every target lesion of the patient is expected at every assessment. The
      sum uses the longest diameter, or the short axis for nodal lesions (§3.2); a lesion
      flagged ``too_small_to_measure`` without a measurement counts as ``too_small_mm`` (5 mm,
      §4.3). A missing target measurement makes the sum incomplete: NE unless PD is already met
      (§4.4.2). The nadir is the smallest complete sum before the timepoint, baseline included.
    - Non-target lesions: the non-target lesions recorded (not as new) at the course's baseline
      assessment are expected at every follow-up, like target lesions. One without a record, or
      with status ``not_evaluated``, makes the non-target assessment "not all evaluated" (NE):
      Table 1 then gives PR for a target CR, Table 2 gives NE (non-target disease only).
      Records of other non-target lesions (not flagged new) count where they exist.
    - Memory: when the last evaluated (not NE) overall response of the course was CR, a target
      lesion present again (non-nodal > 0 mm, node ≥ 10 mm short axis) or a non-target lesion
      present again is PD (RECIST FAQ; Table 3 footnote a: after a true CR any disease seen
      later is PD). While the previous response was PR or SD, reappearance is judged on the
      sums as usual.
    - Patients with non-target disease only get NON-CR/NON-PD, never SD (Table 2 footnote).

    Returns
    -------
    DataFrame
        :data:`RESPONSE_COLUMNS` (``source`` = ``measurements``); the sum and its % changes are
        given for complete timepoints only. Courses without a baseline assessment give no rows.
    """
    require_columns(lesions, ["patient_id", "lesion_id", "target", "nodal"], "lesions")
    require_columns(
        lesion_measurements, ["patient_id", "lesion_id", "assessment_date"], "lesion_measurements"
    )
    require_columns(courses, ["patient_id", "course_no", "course_start"], "courses")
    lm = lesion_measurements.copy()
    for c in ("longest_diameter_mm", "short_axis_mm"):
        lm[c] = lm[c].astype(float) if c in lm else np.nan
    if "non_target_status" not in lm:
        lm["non_target_status"] = None
    for c in ("new_lesion", "too_small_to_measure"):
        lm[c] = _flag(lm[c]) if c in lm else False
    lm["assessment_date"] = pd.to_datetime(lm["assessment_date"])
    les = lesions[["patient_id", "lesion_id", "target", "nodal"]].copy()
    les["target"] = _flag(les["target"])
    les["nodal"] = _flag(les["nodal"])
    cd = _course_dates(lm, courses)
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in RESPONSE_COLUMNS})
    if cd.empty:
        return empty
    by = ["patient_id", "course_no"]
    keyd = [*by, "assessment_date"]
    tp = cd.merge(_target_sums(cd, les, lm, too_small_mm), on=keyd, how="left")
    tp["has_targets"] = tp["n_targets"].fillna(0) > 0
    tp["complete"] = tp["n_missing"].fillna(0) == 0
    tp = tp.sort_values(keyd, kind="stable")
    is_bl = tp["assessment_date"] == tp["baseline_date"]
    g2 = [tp["patient_id"], tp["course_no"]]
    tp["baseline_mm"] = (
        tp["target_sum_mm"].where(is_bl & tp["complete"]).groupby(g2).transform("max")
    )
    ok = tp["target_sum_mm"].where(tp["complete"])
    running = ok.groupby(g2).cummin().groupby(g2).ffill()
    tp["nadir_mm"] = running.groupby(g2).shift(1)
    tp = tp.merge(_non_target_status(cd, les, lm), on=keyd, how="left")
    new = lm[lm["new_lesion"]].groupby(["patient_id", "assessment_date"]).size().rename("n_new")
    tp = tp.merge(new.reset_index(), on=["patient_id", "assessment_date"], how="left")
    tp["new_lesions"] = tp["n_new"].fillna(0) > 0
    tp = tp[tp["assessment_date"] > tp["baseline_date"]].copy()
    if tp.empty:
        return empty
    # vectorised target response (§4.3.1)
    s, b, n = tp["target_sum_mm"], tp["baseline_mm"], tp["nadir_mm"]
    inc = s - n
    pd_ = (inc >= 5 - _EPS) & (inc >= 0.2 * n - _EPS)
    pct_b = 100 * (s - b) / b.where(b > 0)
    pct_n = 100 * (s - n) / n.where(n > 0)
    tr = np.select(
        [
            ~tp["has_targets"],
            b.isna(),
            pd_.fillna(False),
            ~tp["complete"],
            _flag(tp["all_gone"]),
            pct_b <= -30 + _EPS,
        ],
        ["", "NE", "PD", "NE", "CR", "PR"],
        default="SD",
    )
    has_nt = tp["nt_expected"].fillna(0).to_numpy() > 0
    ntr = np.select(
        [
            ~has_nt,
            _flag(tp["nt_pd"]),
            _flag(tp["nt_not_all"]),
            _flag(tp["nt_all_absent"]),
        ],
        ["", "PD", "NE", "CR"],
        default=NON_CR_NON_PD,
    )
    tp["target_response"] = pd.Series(tr, index=tp.index, dtype=object).replace("", None)
    tp["non_target_response"] = pd.Series(ntr, index=tp.index, dtype=object).replace("", None)
    overall = _overall_vectorised(
        tp["target_response"], tp["non_target_response"], tp["new_lesions"]
    )
    # memory: reappearance after an overall CR (RECIST FAQ; Table 3 footnote a). The state
    # before each timepoint is the last evaluated (not NE) overall response of the course; one
    # pass is exact because the rule only turns non-CR timepoints into PD.
    g2 = [tp["patient_id"], tp["course_no"]]
    evaluated = overall.where(overall.ne("NE"))
    before = evaluated.groupby(g2).shift(1).groupby(g2).ffill()
    present = _flag(tp["any_target_present"]) | _flag(tp["nt_any_present"])
    tp["overall_response"] = overall.mask(before.eq("CR").to_numpy(dtype=bool) & present, "PD")
    shown = tp["has_targets"] & tp["complete"]
    tp["target_sum_mm"] = s.where(shown).astype(float)
    tp["pct_change_baseline"] = pct_b.where(shown).astype(float)
    tp["pct_change_nadir"] = pct_n.where(shown).astype(float)
    tp["source"] = "measurements"
    tp["new_lesions"] = tp["new_lesions"].astype(bool)
    return tp[list(RESPONSE_COLUMNS)].reset_index(drop=True)


def _course_dates(lm: pd.DataFrame, courses: pd.DataFrame) -> pd.DataFrame:
    """Baseline and follow-up assessment dates per course (patient_id, course_no,
    assessment_date, baseline_date); courses without a baseline assessment are dropped."""
    keys = courses[["patient_id", "course_no", "course_start"]].copy()
    keys["course_start"] = pd.to_datetime(keys["course_start"])
    keys["next_course_start"] = (
        pd.to_datetime(courses["next_course_start"]) if "next_course_start" in courses else pd.NaT
    )
    dates = lm[["patient_id", "assessment_date"]].drop_duplicates()
    cd = keys.merge(dates, on="patient_id", how="inner")
    by = ["patient_id", "course_no"]
    before = cd[cd["assessment_date"] <= cd["course_start"]]
    bl = (
        before.groupby(by, as_index=False)["assessment_date"]
        .max()
        .rename(columns={"assessment_date": "baseline_date"})
    )
    cd = cd.merge(bl, on=by, how="inner")
    nxt = cd["next_course_start"]
    keep = (
        (cd["assessment_date"] >= cd["baseline_date"])
        & (
            (cd["assessment_date"] == cd["baseline_date"])
            | (cd["assessment_date"] > cd["course_start"])
        )
        & (nxt.isna() | (cd["assessment_date"] < nxt))
    )
    return cd.loc[keep, [*by, "assessment_date", "baseline_date"]]


def _target_sums(
    cd: pd.DataFrame, les: pd.DataFrame, lm: pd.DataFrame, too_small_mm: float
) -> pd.DataFrame:
    """Sum of target diameters per course × date with completeness, CR and presence flags."""
    tgt = les[les["target"]][["patient_id", "lesion_id", "nodal"]]
    grid = cd.merge(tgt, on="patient_id", how="inner")
    cols = ["longest_diameter_mm", "short_axis_mm", "too_small_to_measure"]
    grid = grid.merge(
        lm[["patient_id", "lesion_id", "assessment_date", *cols]],
        on=["patient_id", "lesion_id", "assessment_date"],
        how="left",
    )
    size = np.where(grid["nodal"], grid["short_axis_mm"], grid["longest_diameter_mm"])
    small = _flag(grid["too_small_to_measure"])
    size = np.where(np.isnan(size) & small, too_small_mm, size)
    missing = np.isnan(size)
    gone = np.where(grid["nodal"], size < 10, size == 0) & ~missing
    grid = grid.assign(size=size, missing=missing, gone=gone, present=~gone & ~missing)
    keyd = ["patient_id", "course_no", "assessment_date"]
    return (
        grid.groupby(keyd)
        .agg(
            target_sum_mm=("size", "sum"),
            n_missing=("missing", "sum"),
            all_gone=("gone", "all"),
            any_target_present=("present", "any"),
            n_targets=("lesion_id", "size"),
        )
        .reset_index()
    )


def _non_target_status(cd: pd.DataFrame, les: pd.DataFrame, lm: pd.DataFrame) -> pd.DataFrame:
    """Non-target assessment per course × date: the lesions recorded at the course baseline are
    expected at every date; a lesion without a record is not evaluated (Tables 1–2). Records of
    other (not new) non-target lesions count at the dates where they exist."""
    by = ["patient_id", "course_no"]
    keyd = [*by, "assessment_date"]
    nt_ids = les[~les["target"]][["patient_id", "lesion_id"]]
    nt = lm.loc[
        ~lm["new_lesion"], ["patient_id", "lesion_id", "assessment_date", "non_target_status"]
    ]
    nt = nt.merge(nt_ids, on=["patient_id", "lesion_id"], how="inner")
    bl_dates = cd[[*by, "baseline_date"]].drop_duplicates()
    expected = bl_dates.merge(
        nt[["patient_id", "lesion_id", "assessment_date"]].rename(
            columns={"assessment_date": "baseline_date"}
        ),
        on=["patient_id", "baseline_date"],
        how="inner",
    )[[*by, "lesion_id"]]
    grid = cd[keyd].merge(expected, on=by, how="inner")
    grid = grid.merge(nt, on=["patient_id", "lesion_id", "assessment_date"], how="left")
    # records of non-target lesions not recorded at baseline still count where they exist
    rec = cd[keyd].merge(nt, on=["patient_id", "assessment_date"], how="inner")
    rec = rec.merge(expected.assign(_exp=True), on=[*by, "lesion_id"], how="left")
    extra = rec[rec["_exp"].isna()].drop(columns="_exp")
    if len(extra):
        grid = pd.concat([grid, extra], ignore_index=True)
    st = grid["non_target_status"].fillna("not_evaluated")
    grid = grid.assign(
        pd_=st.eq("unequivocal_progression"),
        absent=st.eq("absent"),
        ne=st.eq("not_evaluated"),
        present=st.isin(["present", "unequivocal_progression"]),
    )
    return (
        grid.groupby(keyd)
        .agg(
            nt_pd=("pd_", "any"),
            nt_all_absent=("absent", "all"),
            nt_not_all=("ne", "any"),
            nt_any_present=("present", "any"),
            nt_expected=("lesion_id", "size"),
        )
        .reset_index()
    )


def _flag(x: pd.Series) -> np.ndarray:
    """Boolean array of a possibly object/nullable column, missing → False."""
    return x.astype("boolean").fillna(False).to_numpy(dtype=bool)


def _overall_vectorised(target: pd.Series, non_target: pd.Series, new: pd.Series) -> pd.Series:
    t, nt = target.astype(object), non_target.astype(object)
    t_none, nt_none = t.isna(), nt.isna()
    out = np.select(
        [
            new.astype(bool) | t.eq("PD") | nt.eq("PD"),
            t_none & nt_none,
            t_none,
            t.eq("CR") & (nt_none | nt.eq("CR")),
            t.eq("CR"),
        ],
        ["PD", "NE", nt.fillna("NE").astype(str), "CR", "PR"],
        default=t.fillna("NE").astype(str),
    )
    return pd.Series(out, index=target.index, dtype=object)
