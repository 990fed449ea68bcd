"""RECIST 1.1 best overall response (BOR), confirmation, and per-patient response outcomes.

Rules and sources:

- RECIST 1.1 (Eisenhauer et al., Eur J Cancer 2009;45:228-247) §4.4.1: the BOR is the best
  response recorded from the start of treatment until disease progression; SD must be met at
  least once at a minimum interval after the start (``min_sd_days``). Table 3 (confirmation of
  CR and PR required): CR then CR → CR; CR then PR → SD, PD or PR (footnote a); CR then SD → SD
  if the minimum SD duration is met, otherwise PD; CR or PR then PD → SD if met, otherwise PD;
  CR or PR then NE → SD if met, otherwise NE; PR then CR or PR → PR; PR then SD → SD; NE, NE →
  NE. Footnote a: after a true CR any disease seen later is PD (``after_cr="pd"``), or the CR
  is re-read as PR when small lesions were likely still present (``after_cr="pr"``).
- Table 2 footnote: NON-CR/NON-PD (non-target disease only) is kept as its own category, ranked
  between SD and PD; it is not SD, so by default it does not count in the disease control rate
  (``dcr_includes_non_cr_non_pd``).
- Confirmation windows follow pharmaverse admiralonco ``derive_param_confirmed_bor`` /
  ``derive_param_confirmed_resp`` (argument names kept): a CR is confirmed by the first CR at
  least ``ref_confirm`` days later with only CR or NE between (at most ``max_nr_ne`` NE); a PR
  by the first CR or PR at least ``ref_confirm`` days later with only CR, PR, SD or NE between,
  at most ``max_nr_ne`` NE, at most one SD when ``accept_sd`` (none otherwise) and no PR after a
  CR. Unconfirmed CR/PR count as SD when late enough for SD, otherwise NE. An external
  progression date (``progression``, admiralonco ``source_pd``) cuts the assessment window
  (assessments on that date are kept).
- Outcomes (RECIST 1.1 §4.5): date of first response (first CR/PR date, confirmed when
  ``confirm``), time to response, duration of response (from the first response to the first
  documented PD or death; otherwise censored at the last evaluable assessment, as admiralonco's
  ADTTE template does with ``pd_event``, ``death_event`` and ``lasta_censor``), depth of
  response (best % change of the target sum from baseline within the assessment window).
  Times are whole days ``date − start`` (no +1; the project's convention, see
  :mod:`prrt.clinical.endpoints`; admiral's ``derive_vars_duration`` adds one day).

Examples
--------
>>> best_overall_response(["2020-03-01", "2020-04-01", "2020-05-01", "2020-06-01"],
...                       ["PR", "SD", "SD", "PR"], "2020-01-01", confirm=True)[0]
'SD'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from prrt.clinical.courses import nullable_bool, require_columns

__all__ = [
    "AFTER_CR_RULES",
    "BOR_COLUMNS",
    "BOR_ORDER",
    "OUTCOME_COLUMNS",
    "best_overall_response",
    "derive_best_response",
    "derive_response_outcomes",
]

BOR_ORDER = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE")
"""Best-first order of best overall responses (RECIST 1.1 §4.4.1; admiralonco ``aval_resp``)."""
AFTER_CR_RULES = ("pd", "pr", "as_recorded")
"""Handling of PR/SD/NON-CR/NON-PD after a CR (Table 3 footnote a): ``pd`` (disease seen after a
true CR is PD), ``pr`` (a CR followed by PR is re-read as PR; other disease after CR is PD),
``as_recorded`` (no re-reading, as admiralonco)."""
BOR_COLUMNS = ("patient_id", "course_no", "bor", "bor_date", "time_to_bor_days", "orr", "dcr")
OUTCOME_COLUMNS = (
    *BOR_COLUMNS,
    "bor_unconfirmed",
    "bor_confirmed",
    "response_date",
    "time_to_response_days",
    "dor_days",
    "dor_event",
    "best_pct_change_baseline",
)
"""Columns of :func:`derive_response_outcomes`."""

_CODE = {k: i for i, k in enumerate(BOR_ORDER)}
_CR, _PR, _SD, _NON, _PD, _NE = range(6)


def best_overall_response(
    dates: Sequence[Any] | pd.Series,
    responses: Sequence[Any] | pd.Series,
    start: object,
    **rules: Any,
) -> tuple[str, object]:
    """Best overall response of one patient's timepoints: ``(bor, date)``.

    ``rules`` are the keyword options of :func:`derive_best_response`; ``progression`` may be a
    single date here.

    Examples
    --------
    >>> best_overall_response(["2020-03-01", "2020-05-01", "2020-07-01"], ["SD", "PD", "PR"],
    ...                       "2020-01-01")[0]        # PR after PD does not count
    'SD'
    >>> best_overall_response(["2020-03-01", "2020-03-20"], ["PR", "PR"], "2020-01-01",
    ...                       confirm=True)[0]       # second PR only 19 days later
    'SD'
    """
    tp = pd.DataFrame(
        {
            "patient_id": "x",
            "course_no": 1,
            "assessment_date": pd.to_datetime(pd.Series(list(dates), dtype=object)),
            "overall_response": list(responses),
        }
    )
    courses = pd.DataFrame(
        {"patient_id": ["x"], "course_no": [1], "course_start": [pd.Timestamp(start)]}
    )
    prog = rules.pop("progression", None)
    if prog is not None and not isinstance(prog, pd.DataFrame):
        prog = pd.DataFrame({"patient_id": ["x"], "progression_date": [pd.Timestamp(prog)]})
    r = derive_best_response(tp, courses, progression=prog, **rules)
    return str(r["bor"].iloc[0]), r["bor_date"].iloc[0]


def derive_best_response(
    timepoints: pd.DataFrame,
    courses: pd.DataFrame,
    *,
    confirm: bool = False,
    ref_confirm: int = 28,
    max_nr_ne: int = 1,
    accept_sd: bool = False,
    min_sd_days: int | None = None,
    progression: pd.DataFrame | None = None,
    stop_at_first_pd: bool = True,
    after_cr: str = "pd",
    dcr_includes_non_cr_non_pd: bool = False,
) -> pd.DataFrame:
    """Best overall response per patient × course from timepoint responses (module notes).

    Parameters
    ----------
    timepoints
        patient_id, course_no, assessment_date, overall_response (CR, PR, SD, NON-CR/NON-PD,
        PD, NE; null rows are ignored).
    courses
        patient_id, course_no, course_start (the reference date).
    confirm
        Require confirmation of CR and PR (Table 3); otherwise the best timepoint counts.
    ref_confirm
        Minimum days between a response and its confirmation (RECIST: 4 weeks).
    max_nr_ne, accept_sd
        NE assessments allowed between a response and its confirmation; one SD allowed between
        a PR and its confirmation.
    min_sd_days
        SD and NON-CR/NON-PD (and unconfirmed CR/PR counted as SD) count only on or after this
        many days from the course start (admiralonco ``ref_start_window``); earlier they are NE.
    progression
        Optional patient_id, progression_date (optionally course_no): assessments after the
        first such date on or after the course start are ignored.
    stop_at_first_pd
        Ignore assessments after the first PD timepoint (RECIST §4.4.1; admiralonco without
        ``source_pd`` keeps them).
    after_cr
        One of :data:`AFTER_CR_RULES`.
    dcr_includes_non_cr_non_pd
        Count NON-CR/NON-PD in the disease control rate (default no, Table 2 footnote).

    Returns
    -------
    DataFrame
        :data:`BOR_COLUMNS`; ``time_to_bor_days`` runs from the course start to the first
        timepoint giving the BOR. ORR = CR or PR; DCR = CR, PR or SD. Courses without
        timepoints get NE with null ORR/DCR.
    """
    prep = _prepare(timepoints, courses, progression, stop_at_first_pd, after_cr)
    rank = _rank(prep, confirm, ref_confirm, max_nr_ne, accept_sd, min_sd_days)
    return _best(prep, rank, dcr_includes_non_cr_non_pd)[list(BOR_COLUMNS)]


def derive_response_outcomes(
    timepoints: pd.DataFrame,
    courses: pd.DataFrame,
    *,
    confirm: bool = False,
    end_events: pd.DataFrame | None = None,
    **rules: Any,
) -> pd.DataFrame:
    """Per patient × course RECIST outcomes that trials report (module notes).

    ``rules`` are the options of :func:`derive_best_response`. The duration of response ends at
    the first PD timepoint, the ``progression`` date, or the first of ``end_events``
    (patient_id, event_date: death, recorded radiological progression) on or after the first
    response; ``end_events`` do not cut the assessment window.

    Returns
    -------
    DataFrame
        :data:`OUTCOME_COLUMNS`: ``bor`` (confirmed when ``confirm``), both variants,
        ``response_date`` and ``time_to_response_days`` (first CR/PR, confirmed when
        ``confirm``), ``dor_days``/``dor_event`` (responders only) and
        ``best_pct_change_baseline`` (depth of response, %; patients with target lesions).
    """
    dcr_opt = bool(rules.pop("dcr_includes_non_cr_non_pd", False))
    conf = {
        k: rules.pop(k)
        for k in ("ref_confirm", "max_nr_ne", "accept_sd", "min_sd_days")
        if k in rules
    }
    prep = _prepare(
        timepoints,
        courses,
        rules.pop("progression", None),
        rules.pop("stop_at_first_pd", True),
        rules.pop("after_cr", "pd"),
    )
    if rules:
        raise TypeError(f"unknown option(s): {', '.join(sorted(rules))}")
    r_unc = _rank(prep, False, **conf)
    r_con = _rank(prep, True, **conf)
    unc = _best(prep, r_unc, dcr_opt)
    con = _best(prep, r_con, dcr_opt)
    out = (con if confirm else unc).copy()
    out["bor_unconfirmed"] = unc["bor"].to_numpy()
    out["bor_confirmed"] = con["bor"].to_numpy()
    t = prep["tp"]
    by = ["patient_id", "course_no"]
    resp = t[(r_con if confirm else r_unc) <= _PR]
    first = resp.groupby(by)["assessment_date"].min().rename("response_date")
    out = out.merge(first.reset_index(), on=by, how="left")
    out["time_to_response_days"] = _days(out["response_date"] - out["course_start"])
    out = _duration_of_response(out, t, prep["progression"], end_events)
    if "pct_change_baseline" in t:
        depth = t.groupby(by)["pct_change_baseline"].min().rename("best_pct_change_baseline")
        out = out.merge(depth.reset_index(), on=by, how="left")
    out["best_pct_change_baseline"] = (
        out["best_pct_change_baseline"].astype(float)
        if "best_pct_change_baseline" in out
        else np.nan
    )
    return out[list(OUTCOME_COLUMNS)]


def _duration_of_response(
    out: pd.DataFrame,
    t: pd.DataFrame,
    progression: pd.DataFrame | None,
    end_events: pd.DataFrame | None,
) -> pd.DataFrame:
    """Add ``dor_days`` and ``dor_event``: from ``response_date`` to the first PD timepoint,
    progression date or end event on or after it; otherwise censored at the last evaluable
    (not NE) assessment (RECIST 1.1 §4.5)."""
    by = ["patient_id", "course_no"]
    ends = [t.loc[t["code"] == _PD, [*by, "assessment_date"]]]
    for extra, col in ((progression, "progression_date"), (end_events, "event_date")):
        if extra is not None and len(extra):
            require_columns(extra, ["patient_id", col], "end_events")
            e = out[[*by, "course_start"]].merge(
                extra[["patient_id", col]].dropna(), on="patient_id", how="inner"
            )
            e = e[pd.to_datetime(e[col]) >= e["course_start"]]
            ends.append(e.assign(assessment_date=pd.to_datetime(e[col]))[[*by, "assessment_date"]])
    ends = [e for e in ends if len(e)] or ends[:1]
    ev = pd.concat(ends, ignore_index=True).merge(out[[*by, "response_date"]], on=by)
    ev = ev[ev["assessment_date"] >= ev["response_date"]]
    ev_date = ev.groupby(by)["assessment_date"].min().rename("dor_end")
    ok = t[t["code"] != _NE].merge(out[[*by, "response_date"]], on=by)
    ok = ok[ok["assessment_date"] >= ok["response_date"]]
    last = ok.groupby(by)["assessment_date"].max().rename("last_assessment")
    out = out.merge(ev_date.reset_index(), on=by, how="left").merge(
        last.reset_index(), on=by, how="left"
    )
    responder = out["response_date"].notna()
    end = out["dor_end"].fillna(out["last_assessment"]).where(responder)
    out["dor_days"] = _days(end - out["response_date"])
    out["dor_event"] = nullable_bool(out["dor_end"].notna(), ~responder.to_numpy())
    return out


def _days(delta: pd.Series) -> pd.Series:
    return delta.dt.days.astype("Int64")


def _prepare(
    timepoints: pd.DataFrame,
    courses: pd.DataFrame,
    progression: pd.DataFrame | None,
    stop_at_first_pd: bool,
    after_cr: str,
) -> dict[str, Any]:
    """Timepoints sorted per course, cut at progression, with Table 3 footnote a applied."""
    if after_cr not in AFTER_CR_RULES:
        raise ValueError(f"after_cr must be one of {AFTER_CR_RULES}, got {after_cr!r}")
    require_columns(
        timepoints, ["patient_id", "course_no", "assessment_date", "overall_response"], "timepoints"
    )
    require_columns(courses, ["patient_id", "course_no", "course_start"], "courses")
    by = ["patient_id", "course_no"]
    keys = courses[[*by, "course_start"]].copy()
    keys["course_start"] = pd.to_datetime(keys["course_start"])
    extra = [c for c in ("pct_change_baseline",) if c in timepoints]
    tp = timepoints[[*by, "assessment_date", "overall_response", *extra]].dropna(
        subset=["overall_response"]
    )
    tp = tp.merge(keys, on=by, how="inner")
    tp["assessment_date"] = pd.to_datetime(tp["assessment_date"])
    code = tp["overall_response"].map(_CODE)
    if code.isna().any():
        bad = sorted(set(tp.loc[code.isna(), "overall_response"].astype(str)))
        raise ValueError(f"unknown timepoint response(s) {bad}; expected one of {BOR_ORDER}")
    tp["code"] = code.astype(np.int8)
    if progression is not None and len(progression):
        require_columns(progression, ["patient_id", "progression_date"], "progression")
        pcols = [c for c in ("patient_id", "course_no") if c in progression]
        p = keys.merge(progression[[*pcols, "progression_date"]].dropna(), on=pcols, how="inner")
        p["progression_date"] = pd.to_datetime(p["progression_date"])
        p = p[p["progression_date"] >= p["course_start"]]
        cut = p.groupby(by)["progression_date"].min().rename("_cut")
        tp = tp.merge(cut.reset_index(), on=by, how="left")
        tp = tp[tp["_cut"].isna() | (tp["assessment_date"] <= tp["_cut"])].drop(columns="_cut")
    tp = tp.sort_values([*by, "assessment_date"], kind="stable").reset_index(drop=True)
    grp = [tp["patient_id"], tp["course_no"]]
    c = tp["code"]
    if after_cr != "as_recorded":
        is_cr = (c == _CR).astype(int)
        earlier_cr = is_cr.groupby(grp).cumsum() - is_cr > 0
        if after_cr == "pr":
            is_pd = (c == _PD).astype(int)
            before_pd = is_pd.groupby(grp).cumsum() == 0
            pr = ((c == _PR) & before_pd).astype(int)
            later_pr = pr.groupby(grp).transform("sum") - pr.groupby(grp).cumsum() > 0
            c = c.mask((c == _CR) & later_pr, _PR)
            is_cr = (c == _CR).astype(int)
            earlier_cr = is_cr.groupby(grp).cumsum() - is_cr > 0
        c = c.mask(c.isin([_PR, _SD, _NON]) & earlier_cr, _PD)
    tp["code"] = c.astype(np.int8)
    if stop_at_first_pd:
        is_pd = (tp["code"] == _PD).astype(int)
        after_pd = is_pd.groupby(grp).cumsum() - is_pd > 0
        tp = tp[~after_pd].reset_index(drop=True)
    return {"tp": tp, "keys": keys, "progression": progression}


def _rank(
    prep: dict[str, Any],
    confirm: bool,
    ref_confirm: int = 28,
    max_nr_ne: int = 1,
    accept_sd: bool = False,
    min_sd_days: int | None = None,
) -> np.ndarray:
    """Best response each timepoint can stand for (index into :data:`BOR_ORDER`)."""
    tp = prep["tp"]
    c = tp["code"].to_numpy()
    days = (tp["assessment_date"] - tp["course_start"]).dt.days.to_numpy()
    late = days >= (min_sd_days or 0)
    cr_ok = pr_ok = np.ones(len(c), dtype=bool)
    if confirm:
        cr_ok, pr_ok = _confirmed(tp, c, ref_confirm, max_nr_ne, 1 if accept_sd else 0)
    return np.select(
        [
            (c == _CR) & cr_ok,
            (c == _PR) & pr_ok,
            np.isin(c, [_CR, _PR, _SD]) & late,
            (c == _NON) & late,
            c == _PD,
        ],
        [_CR, _PR, _SD, _NON, _PD],
        default=_NE,
    )


def _confirmed(
    tp: pd.DataFrame, c: np.ndarray, ref_confirm: int, max_nr_ne: int, max_nr_sd: int
) -> tuple[np.ndarray, np.ndarray]:
    """Whether each CR / PR timepoint is confirmed (admiralonco rules, module notes).

    Vectorised over all courses: rows are sorted by course and date; for row ``i`` the
    confirmatory row ``j`` is the first CR (or CR/PR) on or after ``date_i + ref_confirm`` in
    the same course, and the window is the rows ``i+1 … j``, counted with cumulative sums.
    """
    n = len(c)
    if n == 0:
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=bool)
    g = tp.groupby(["patient_id", "course_no"], sort=False).ngroup().to_numpy().astype(np.int64)
    d = (tp["assessment_date"] - tp["assessment_date"].min()).dt.days.to_numpy().astype(np.int64)
    span = int(d.max()) + int(ref_confirm) + 2
    key = g * span + d
    idx = np.arange(n)
    k = np.searchsorted(key, g * span + d + int(ref_confirm), side="left")
    k = np.maximum(k, idx + 1)

    def next_of(mask: np.ndarray) -> np.ndarray:
        pos = np.where(mask, idx, n)
        out = np.minimum.accumulate(pos[::-1])[::-1]
        return np.append(out, n)

    def prev_of(mask: np.ndarray) -> np.ndarray:
        pos = np.where(mask, idx, -1)
        return np.maximum.accumulate(pos)

    def count(mask: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        cs = np.concatenate([[0], np.cumsum(mask)])
        return cs[hi + 1] - cs[lo + 1]

    g_ext = np.append(g, -1)
    is_cr, is_pr, is_sd, is_ne = c == _CR, c == _PR, c == _SD, c == _NE
    # CR confirmed by CR
    j = next_of(is_cr)[k]
    ok = g_ext[j] == g
    jj = np.where(ok, j, idx)
    other = ~(is_cr | is_ne)
    cr_ok = is_cr & ok & (count(other, idx, jj) == 0) & (count(is_ne, idx, jj) <= max_nr_ne)
    # PR confirmed by CR or PR
    j = next_of(is_cr | is_pr)[k]
    ok = g_ext[j] == g
    jj = np.where(ok, j, idx)
    other = ~(is_cr | is_pr | is_sd | is_ne)
    first_cr = next_of(is_cr)[np.minimum(idx + 1, n)]
    last_pr = prev_of(is_pr)[jj]
    n_cr = count(is_cr, idx, jj)
    n_pr = count(is_pr, idx, jj)
    no_pr_after_cr = (n_cr == 0) | (n_pr == 0) | (first_cr > last_pr)
    pr_ok = (
        is_pr
        & ok
        & (count(other, idx, jj) == 0)
        & (count(is_ne, idx, jj) <= max_nr_ne)
        & (count(is_sd, idx, jj) <= max_nr_sd)
        & no_pr_after_cr
    )
    return cr_ok, pr_ok


def _best(prep: dict[str, Any], rank: np.ndarray, dcr_non_cr_non_pd: bool) -> pd.DataFrame:
    """Per course: the best rank and the first date with it; ORR and DCR."""
    by = ["patient_id", "course_no"]
    tp = prep["tp"][[*by, "assessment_date"]].assign(rank=rank)
    best = tp.sort_values([*by, "rank", "assessment_date"], kind="stable").drop_duplicates(by)
    out = prep["keys"].merge(best, on=by, how="left")
    evaluable = out["rank"].notna()
    codes = out["rank"].fillna(_NE).astype(int).to_numpy()
    out["bor"] = np.asarray(BOR_ORDER, dtype=object)[codes]
    out["bor_date"] = out["assessment_date"].where(out["bor"] != "NE")
    out["time_to_bor_days"] = _days(out["bor_date"] - out["course_start"])
    control = ["CR", "PR", "SD", *(["NON-CR/NON-PD"] if dcr_non_cr_non_pd else [])]
    out["orr"] = nullable_bool(out["bor"].isin(["CR", "PR"]), ~evaluable)
    out["dcr"] = nullable_bool(out["bor"].isin(control), ~evaluable)
    return out.drop(columns=["assessment_date", "rank"])
