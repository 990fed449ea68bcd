"""Reusable study steps: survival by endpoint, Cox screening, univariate binary analysis.

Each function adds tables/figures to a :class:`~prrt.studies._base.StudyRun` and records
headline numbers. They raise :class:`~prrt.studies._base.NotComputable` (or ``ValueError``
from the statistics engine) when the data cannot support the step.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from prrt import stats
from prrt.report import ReportTable, figures, vocabulary
from prrt.report.tables import regression_table
from prrt.studies._base import NotComputable, StudyRun

DAYS_PER_MONTH = 30.4375
"""Display months = days / 30.4375 (``conventions.md``, Units)."""

ENDPOINT_LABELS = {"pfs": "Progression-free survival", "os": "Overall survival"}


def _fmt(x: float, digits: int = 1) -> str:
    """Half-up rounded display of ``x`` (``NE`` when missing or infinite)."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "NE"
    if not np.isfinite(v) or abs(v) >= 1e12:
        # ≥ 1e12 only arises from a diverging (not estimable) ratio.
        return "NE"
    return f"{stats.round_half_up(v, digits):.{digits}f}"


def _p_phrase(p: float) -> str:
    """``= 0.034`` or ``< 0.001`` (for running text)."""
    text = stats.format_p(p)
    return text if text.startswith(("<", ">")) else f"= {text}"


def _label(labels: Mapping[str, str], key: str) -> str:
    """A study's own label of ``key`` where it sets one, else the vocabulary's (never the code)."""
    return labels[key] if key in labels else vocabulary.label(key)


def _median_text(fit: Any) -> str:
    if not fit.median_estimable or not np.isfinite(fit.median):
        med = "NE"
    else:
        med = _fmt(fit.median)
    lo, hi = fit.median_ci
    lo_s = _fmt(lo) if np.isfinite(lo) else "NE"
    hi_s = _fmt(hi) if np.isfinite(hi) else "NE"
    return f"{med} ({lo_s}–{hi_s})"


RESPONSES = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD")
"""Evaluable RECIST 1.1 / MDA best overall responses, best first (NE = not evaluable;
NON-CR/NON-PD: non-target disease only, RECIST 1.1 Table 2)."""


def evaluable_responses(data: pd.DataFrame, column: str = "bor") -> pd.DataFrame:
    """Rows of ``data`` with an evaluable best response; NotComputable when there are none.

    A cohort without lesion measurements or response assessments derives ``NE`` (or nothing)
    for every patient: the response sections then say so instead of reporting an ORR of 0 %.
    """
    StudyRun.require(data, [column], "best overall response")
    ok = data.loc[data[column].isin(RESPONSES)]
    if ok.empty:
        raise NotComputable(
            "no patient has an evaluable response (no lesion measurements or response "
            "assessments in the store)"
        )
    return ok


RESPONSE_LABELS = {
    **{k: f"{v} ({k})" for k, v in vocabulary.LEVELS["bor"].items() if k != "NE"},
    "NON-CR/NON-PD": "Non-CR/non-PD (non-target disease only)",
}
"""Display labels of the best-response categories, from the vocabulary (RECIST 1.1 §4.3 and
Table 2; modified MD Anderson)."""

DISEASE_CONTROL = ("CR", "PR", "SD")
"""Best responses counted as disease control. Non-CR/non-PD (non-target disease only) is added
only when the store was derived with ``recist_dcr_non_cr_non_pd`` (RECIST 1.1 Table 2 footnote:
it is not SD; :func:`dcr_includes_non_cr_non_pd`), so the reports and the derived ``dcr`` column
follow one rule."""


def dcr_includes_non_cr_non_pd(run: StudyRun) -> bool:
    """Whether the store's derivation counts non-CR/non-PD as disease control (default no)."""
    return bool((run.derivation or {}).get("recist_dcr_non_cr_non_pd", False))


CI_METHODS = {"clopper-pearson": "exact (Clopper–Pearson)", "wilson": "Wilson score"}
"""Settings values of ``response_ci`` and how the methods text names them."""


@dataclass(frozen=True)
class ResponseRates:
    """Best-response counts over the evaluable patients, with ORR and DCR and their CIs.

    Attributes
    ----------
    counts : pandas.Series
        Patients per category, index :data:`RESPONSES`; the sum is ``n_evaluable``.
    n_total, n_evaluable : int
        Patients in the population and patients with an evaluable best response.
    not_evaluable : pandas.Series
        Patients without an evaluable response, by reason (the sum is ``n_total − n_evaluable``).
    orr, dcr : ProportionResult
        CR + PR and CR + PR + SD (+ non-CR/non-PD) over ``n_evaluable`` with their 95 % CI.
    """

    counts: pd.Series
    n_total: int
    n_evaluable: int
    not_evaluable: pd.Series
    orr: Any
    dcr: Any

    def not_evaluable_text(self) -> str:
        """``"42 not evaluable: 38 died before any response assessment, …"`` (empty if none)."""
        n_ne = self.n_total - self.n_evaluable
        if n_ne == 0:
            return "every patient was evaluable"
        why = ", ".join(f"{int(v)} {k}" for k, v in self.not_evaluable.items() if v > 0)
        return f"{n_ne} not evaluable ({why})"


def not_evaluable_reasons(
    data: pd.DataFrame, column: str = "bor", assessed: pd.Series | None = None
) -> pd.Series:
    """Why each patient of ``data`` has no evaluable best response (NaN for evaluable rows).

    Reasons, in this order: any assessment recorded but none evaluable (``assessed`` true:
    the patient has at least one response time point); no assessment and the patient died
    (``os_event``); no assessment, alive at last contact.

    Examples
    --------
    >>> d = pd.DataFrame({"bor": ["PR", "NE", "NE", None], "os_event": [0, 1, 0, 0]})
    >>> not_evaluable_reasons(d).tolist()[1:]
    ['died before any response assessment', 'no response assessment recorded (alive at last contact)', 'no response assessment recorded (alive at last contact)']
    """
    ne = ~data[column].isin(RESPONSES)
    died = (
        data["os_event"].astype("boolean").fillna(False).astype(bool)
        if "os_event" in data.columns
        else pd.Series(False, index=data.index)
    )
    had = (
        assessed.reindex(data.index).fillna(False).astype(bool)
        if assessed is not None
        else pd.Series(False, index=data.index)
    )
    reason = np.select(
        [had, died],
        ["assessments recorded, none evaluable", "died before any response assessment"],
        "no response assessment recorded (alive at last contact)",
    )
    return pd.Series(reason, index=data.index, dtype=object).where(ne)


def response_rates(
    data: pd.DataFrame,
    column: str = "bor",
    *,
    method: str = "clopper-pearson",
    assessed: pd.Series | None = None,
    non_cr_non_pd_control: bool = False,
) -> ResponseRates:
    """Best-response distribution, ORR and DCR over the **evaluable** patients (RECIST 1.1 §4.4).

    The denominator is the patients with a best response of CR, PR, SD, non-CR/non-PD or PD; the
    others are counted by reason (:func:`not_evaluable_reasons`). ORR = CR + PR, DCR = CR + PR +
    SD (+ non-CR/non-PD when ``non_cr_non_pd_control``), each with a two-sided 95 % CI by :func:`prrt.stats.proportion_ci`
    (``method``: exact Clopper–Pearson by default, ``"wilson"`` as an option).

    Examples
    --------
    >>> d = pd.DataFrame({"bor": ["CR", "PR", "SD", "PD", "NE"], "os_event": [0, 0, 0, 1, 1]})
    >>> r = response_rates(d)
    >>> r.n_evaluable, r.orr.x, r.orr.n, round(r.orr.ci[1], 4)
    (4, 2, 4, 0.9324)
    """
    ok = evaluable_responses(data, column)
    counts = ok[column].value_counts().reindex(list(RESPONSES), fill_value=0).astype(int)
    n = int(counts.sum())
    reasons = not_evaluable_reasons(data, column, assessed).dropna().value_counts()
    control = list(DISEASE_CONTROL) + (["NON-CR/NON-PD"] if non_cr_non_pd_control else [])
    return ResponseRates(
        counts=counts,
        n_total=len(data),
        n_evaluable=n,
        not_evaluable=reasons,
        orr=stats.proportion_ci(int(counts["CR"] + counts["PR"]), n, method=method),  # type: ignore[arg-type]
        dcr=stats.proportion_ci(
            int(counts[control].sum()),
            n,
            method=method,  # type: ignore[arg-type]
        ),
    )


def pct_ci_text(p: Any, digits: int = 1) -> str:
    """``"22.5 (15.0–31.6)"``: a proportion result in % with its CI limits."""
    lo, hi = p.ci
    return f"{_fmt(100 * p.estimate, digits)} ({_fmt(100 * lo, digits)}–{_fmt(100 * hi, digits)})"


def response_table(
    run: StudyRun,
    data: pd.DataFrame,
    *,
    column: str = "bor",
    criteria: str = "RECIST 1.1",
    name: str,
    key: str,
    method: str = "clopper-pearson",
    assessed: pd.Series | None = None,
) -> ResponseRates:
    """Table of best overall response over the evaluable patients, ORR and DCR with 95 % CI.

    Rows CR, PR, SD, PD (and non-CR/non-PD when present; n, % of evaluable), then ORR and DCR with
    the CI; the caption gives the
    denominator and the footnote says how many patients were not evaluable and why.
    """
    in_dcr = dcr_includes_non_cr_non_pd(run)
    r = response_rates(data, column, method=method, assessed=assessed, non_cr_non_pd_control=in_dcr)
    run.uses(r.orr, tests=[f"{CI_METHODS.get(method, method)} confidence interval for proportions"])
    pct = 100.0 * r.counts / r.n_evaluable
    rows = [
        {
            "Best overall response": RESPONSE_LABELS[k],
            "Patients, n": str(int(r.counts[k])),
            "% of evaluable (95 % CI)": _fmt(float(pct[k])),
        }
        for k in RESPONSES
        if k != "NON-CR/NON-PD" or r.counts[k] > 0
    ]
    non_cr = " + non-CR/non-PD" if in_dcr and r.counts["NON-CR/NON-PD"] > 0 else ""
    for label, p in (
        ("Objective response (CR + PR)", r.orr),
        (f"Disease control (CR + PR + SD{non_cr})", r.dcr),
    ):
        rows.append(
            {
                "Best overall response": label,
                "Patients, n": str(p.x),
                "% of evaluable (95 % CI)": pct_ci_text(p),
            }
        )
    run.table(
        ReportTable(
            f"Best overall response ({criteria}) of the {r.n_evaluable} evaluable patients",
            pd.DataFrame(rows),
            name,
            footnote=(
                f"Denominator: {r.n_evaluable} evaluable patients of {r.n_total}; "
                f"{r.not_evaluable_text()}. 95 % CI: {CI_METHODS.get(method, method)}."
            ),
        )
    )
    run.number(f"{key}_n_evaluable", r.n_evaluable)
    run.number(f"{key}_orr_pct", 100.0 * r.orr.estimate)
    run.number(f"{key}_orr_ci", (100.0 * r.orr.ci[0], 100.0 * r.orr.ci[1]))
    run.number(f"{key}_dcr_pct", 100.0 * r.dcr.estimate)
    run.number(f"{key}_dcr_ci", (100.0 * r.dcr.ci[0], 100.0 * r.dcr.ci[1]))
    return r


_DIRECTION_WORDS = {"<": "higher predicts (<)", ">": "lower predicts (>)"}
"""ROC direction in words, with pROC's symbol."""

ESTIMABLE_RANGE = (1e-6, 1e6)
"""Ratios outside this range come from a monotone likelihood: shown as not estimable (NE)."""


def estimable(
    table: pd.DataFrame, columns: Sequence[str] = ("hr", "lower", "upper")
) -> pd.DataFrame:
    """Copy of a regression table with non-finite or absurd ratios set to NaN (shown as NE).

    A group without events gives a monotone Cox likelihood (Heinze & Schemper 2001): the
    estimate diverges (e.g. HR ≈ 1e300) and is not estimable, whatever number the optimiser
    stopped at.
    """
    out = table.copy()
    lo, hi = ESTIMABLE_RANGE
    for c in columns:
        if c in out.columns:
            v = pd.to_numeric(out[c], errors="coerce").astype(float)
            out[c] = v.where(np.isfinite(v) & (v > lo) & (v < hi))
    return out


def endpoint_frame(data: pd.DataFrame, endpoint: str) -> pd.DataFrame:
    """Time in months and 0/1 event for ``endpoint`` (``pfs`` or ``os``), complete rows only."""
    tcol, ecol = f"{endpoint}_days", f"{endpoint}_event"
    StudyRun.require(data, [tcol, ecol], ENDPOINT_LABELS.get(endpoint, endpoint))
    out = data.dropna(subset=[tcol, ecol]).copy()
    out["time_months"] = out[tcol].astype(float) / DAYS_PER_MONTH
    out["event"] = out[ecol].astype(float).astype(int)
    return out


def survival_overall(run: StudyRun, data: pd.DataFrame, endpoint: str, key: str) -> Any:
    """KM curve of one endpoint for the whole population, median (95 % CI) and figure."""
    d = endpoint_frame(data, endpoint)
    fit = stats.kaplan_meier(d["time_months"], d["event"])
    run.uses(fit, tests=["Kaplan–Meier estimator"])
    label = ENDPOINT_LABELS.get(endpoint, endpoint)
    run.text(
        f"{label}: {fit.n_events} events in {fit.n} patients; median {_median_text(fit)} months "
        f"(Kaplan–Meier, {fit.conf_type} confidence interval, Brookmeyer–Crowley median CI)."
    )
    run.number(f"{key}_median_months", fit.median)
    run.number(f"{key}_median_ci", fit.median_ci)
    run.number(f"{key}_events", fit.n_events)
    fig = figures.km_figure({"All patients": fit.table}, ylabel=label, time_unit="months")
    run.figure(fig, f"km_{key}", f"Kaplan–Meier estimate of {label.lower()} (95 % CI band).")
    return fit


def survival_by(
    run: StudyRun,
    data: pd.DataFrame,
    endpoint: str,
    group: str,
    group_label: str,
    key: str,
    *,
    levels: Mapping[Any, str] | None = None,
) -> None:
    """KM curves of ``endpoint`` by ``group``, log-rank test, medians table and figure."""
    d = endpoint_frame(data, endpoint)
    d = d.dropna(subset=[group])
    if d[group].nunique() < 2:
        raise NotComputable(f"{group_label}: fewer than two groups with data")
    names = d[group].map(levels) if levels else d[group].astype(str)
    fits = stats.kaplan_meier_grouped(d["time_months"], d["event"], names)
    if levels:  # the declared level order (e.g. "≤ 50 %" before "> 50 %"), not alphabetical
        order = [str(v) for v in levels.values()]
        fits = {
            g: fits[g]
            for g in sorted(fits, key=lambda g: order.index(g) if g in order else len(order))
        }
    lr = stats.logrank(d["time_months"], d["event"], names)
    run.uses(lr, *fits.values(), tests=["log-rank test"])
    label = ENDPOINT_LABELS.get(endpoint, endpoint)
    rows = [
        {
            group_label: str(g),
            "n": f.n,
            "events": f.n_events,
            "median, months (95 % CI)": _median_text(f),
        }
        for g, f in fits.items()
    ]
    numbers = pd.DataFrame(
        [
            {
                group_label: str(g),
                "n": f.n,
                "events": f.n_events,
                "median (months)": f.median if f.median_estimable else np.nan,
                "median: 95 % CI lower": f.median_ci[0],
                "median: 95 % CI upper": f.median_ci[1],
            }
            for g, f in fits.items()
        ]
    )
    run.table(
        ReportTable(
            f"{label} by {vocabulary.in_sentence(group_label)}",
            pd.DataFrame(rows),
            f"{key}_table",
            numbers=numbers,
            footnote=f"Log-rank test: χ² = {_fmt(lr.statistic, 2)}, df = {lr.df}, "
            f"p {_p_phrase(lr.p_value)}. CI: Brookmeyer–Crowley (log-log). NE, not estimable.",
        )
    )
    run.number(f"{key}_logrank_p", lr.p_value)
    fig = figures.km_figure(
        {str(g): f.table for g, f in fits.items()},
        ylabel=label,
        time_unit="months",
        logrank_p=lr.p_value,
    )
    levels_text = ", ".join(str(g) for g in fits)
    run.figure(
        fig,
        f"km_{key}",
        f"{label} by {vocabulary.in_sentence(group_label)} ({levels_text}; Kaplan–Meier, "
        f"log-rank p {_p_phrase(lr.p_value)}).",
    )


def km_compare(
    run: StudyRun,
    frame: pd.DataFrame,
    group: pd.Series,
    *,
    endpoint: str,
    factor: str,
    title: str,
    caption: str,
    key: str,
    xlabel: str | None = None,
    footnote: str = "",
) -> Any:
    """KM curves by ``group`` (display labels aligned with ``frame``), log-rank, table and figure.

    ``frame`` has ``time_months`` and ``event`` (:func:`endpoint_frame`); rows without a group
    are left out. ``factor`` heads the group column; ``title`` and ``caption`` are used as given
    (they name the factor and its levels). Returns the log-rank result.
    """
    g = group.reindex(frame.index)
    d = frame.loc[g.notna()]
    g = g.loc[d.index].astype(str)
    if g.nunique() < 2:
        raise NotComputable(f"{factor}: fewer than two groups with data")
    fits = stats.kaplan_meier_grouped(d["time_months"], d["event"], g)
    lr = stats.logrank(d["time_months"], d["event"], g)
    run.uses(lr, *fits.values(), tests=["log-rank test"])
    label = ENDPOINT_LABELS.get(endpoint, endpoint)
    rows = [
        {
            f"{factor[:1].upper()}{factor[1:]}": str(k),
            "Patients, n": f.n,
            "Events, n": f.n_events,
            "Median, months (95 % CI)": _median_text(f),
        }
        for k, f in fits.items()
    ]
    run.table(
        ReportTable(
            title,
            pd.DataFrame(rows),
            f"{key}_table",
            footnote=(f"{footnote} " if footnote else "")
            + f"Log-rank test: χ² = {_fmt(lr.statistic, 2)}, {lr.df} degree(s) of freedom, "
            f"p {_p_phrase(lr.p_value)}. Median CI: Brookmeyer–Crowley (log-log). "
            "NE, not estimable.",
        )
    )
    run.number(f"{key}_logrank_p", lr.p_value)
    for k, f in fits.items():
        run.number(f"{key}_median_months[{k}]", f.median)
        run.number(f"{key}_n[{k}]", f.n)
    fig = figures.km_figure(
        {str(k): f.table for k, f in fits.items()},
        ylabel=label,
        time_unit="months",
        xlabel=xlabel,
        logrank_p=lr.p_value,
    )
    run.figure(fig, f"km_{key}", caption)
    return lr


def survival_by_levels(
    run: StudyRun,
    data: pd.DataFrame,
    endpoint: str,
    column: str,
    factor: str,
    levels: Mapping[Any, str],
    key: str,
) -> Any:
    """KM of ``endpoint`` from the first cycle by the levels of ``column`` (labels in ``levels``).

    Title and caption name the factor and every level (``Overall survival by chromogranin A:
    < 1000 µg/L vs ≥ 1000 µg/L``).
    """
    d = endpoint_frame(data, endpoint)
    label = ENDPOINT_LABELS.get(endpoint, endpoint)
    present = [v for k, v in levels.items() if (d[column] == k).any()]
    names = " vs ".join(present)
    return km_compare(
        run,
        d,
        d[column].map(dict(levels)),
        endpoint=endpoint,
        factor=factor,
        title=f"{label} by {factor}: {names}",
        caption=f"{label} by {factor} ({names}); Kaplan–Meier from the first cycle, log-rank p.",
        key=key,
    )


def landmark_by(
    run: StudyRun,
    data: pd.DataFrame,
    endpoint: str,
    *,
    at_months: float,
    status: pd.Series,
    factor: str,
    levels: Mapping[Any, str],
    key: str,
    defined_by: str,
) -> Any:
    """Landmark analysis of ``endpoint`` at ``at_months`` by the patient's status at the landmark.

    ``status`` (aligned with ``data``) must be the status *at the landmark* (what had happened by
    then, e.g. cumulative activity given by month L). Patients with an event or censoring at or
    before the landmark are left out (:func:`prrt.stats.landmark`); time is counted from the
    landmark. A caveat sentence names the immortal-time bias of the comparison from time zero.
    """
    d = endpoint_frame(data, endpoint)
    lm = stats.landmark(d, "time_months", "event", at_months)
    if lm.n == 0:
        raise NotComputable(f"no patient is event-free and followed beyond month {at_months:g}")
    run.uses(lm)
    label = ENDPOINT_LABELS.get(endpoint, endpoint)
    group = status.reindex(lm.data.index).map(dict(levels))
    present = [v for v in levels.values() if (group == v).any()]
    names = " vs ".join(present)
    run.text(
        f"Caveat: the groups above are defined by {defined_by}, known only after the start of "
        "PRRT; a patient must remain alive and event-free long enough to join the favourable "
        "group, so comparing them from the first cycle favours it (immortal-time bias; Anderson, "
        f"Cain & Gelber, J Clin Oncol 1983). The landmark analysis at {at_months:g} months "
        "counts time from the landmark, among patients event-free and followed beyond it, grouped "
        f"by their status at the landmark ({lm.n} of {lm.n_total} patients; "
        f"{lm.n_event_before} with an event and {lm.n_censored_before} censored at or before "
        "the landmark were left out)."
    )
    run.number(f"{key}_landmark_n", lm.n)
    run.number(f"{key}_landmark_excluded", (lm.n_event_before, lm.n_censored_before))
    return km_compare(
        run,
        lm.data,
        group,
        endpoint=endpoint,
        factor=f"{factor[:1].upper()}{factor[1:]} at the landmark",
        title=f"{label} from the {at_months:g}-month landmark by {factor} at the landmark: {names}",
        caption=f"Landmark analysis: {label.lower()} from month {at_months:g} by "
        f"{factor} at the landmark ({names}); patients event-free and followed beyond the "
        "landmark; Kaplan–Meier, log-rank p.",
        key=key,
        xlabel=f"Time from the {at_months:g}-month landmark (months)",
        footnote=f"Landmark population: {lm.n} of {lm.n_total} patients (event or censoring at or "
        f"before month {at_months:g}: {lm.n_event_before} and {lm.n_censored_before} "
        "left out); time from the landmark.",
    )


def follow_up(run: StudyRun, data: pd.DataFrame) -> None:
    """Median follow-up by reverse Kaplan–Meier (OS censoring reversed), with observed range."""
    d = endpoint_frame(data, "os")
    fu = stats.followup(d["time_months"], d["event"])
    run.uses(fu, tests=["reverse Kaplan–Meier follow-up"])
    lo, hi = fu.ci
    run.text(
        f"Median follow-up (reverse Kaplan–Meier): {_fmt(fu.estimate)} months "
        f"(95 % CI {_fmt(lo) if np.isfinite(lo) else 'NE'}–{_fmt(hi) if np.isfinite(hi) else 'NE'}); "
        f"observed follow-up median {_fmt(fu.observed_median)} months "
        f"(range {_fmt(fu.observed_min)}–{_fmt(fu.observed_max)})."
    )
    run.number("followup_median_months", fu.estimate)


def _level_labels(
    terms: Any, labels: Mapping[str, str], reference: Mapping[str, Any]
) -> dict[str, str]:
    """Display labels of dummy terms ``variable=level``: the level against its reference
    (``Grade 2 (vs grade 1)``), from :func:`prrt.report.vocabulary.term_label`."""
    return {
        t: labels[t] if t in labels else vocabulary.term_label(t, reference)
        for t in map(str, terms)
        if "=" in t
    }


def _reference_text(reference: Mapping[str, Any], labels: Mapping[str, str]) -> str:
    """Footnote sentence naming the reference level of each categorical factor."""
    if not reference:
        return ""
    parts = [
        f"{_label(labels, c)}: {vocabulary.in_sentence(vocabulary.level_label(c, level))}"
        for c, level in reference.items()
    ]
    return " Reference levels: " + "; ".join(parts) + "."


def cox_screen(
    run: StudyRun,
    data: pd.DataFrame,
    endpoint: str,
    candidates: Sequence[str],
    *,
    labels: Mapping[str, str],
    categorical: Sequence[str] = (),
    reference_levels: Mapping[str, Any] | None = None,
    key: str,
    threshold: float = 0.1,
    screen: str = "cox",
) -> Any:
    """Univariable screen (Wald p < threshold, or log-rank) then a multivariable Cox model."""
    d = endpoint_frame(data, endpoint)
    present = [c for c in candidates if c in d.columns and d[c].notna().any()]
    usable = [c for c in present if d[c].dropna().nunique() > 1]
    for c in candidates:
        if c not in usable:
            run.skip_factor(f"Cox screen ({endpoint.upper()}): {_label(labels, c)}", c in present)
    if not usable:
        raise NotComputable("no candidate prognostic factor has data")
    cat = [c for c in categorical if c in usable]
    # the study's reference level where it names one and it occurs, else the first sorted level
    # (R's choice); passed explicitly and printed
    wanted = dict(reference_levels or {})
    reference = {
        c: wanted[c] if wanted.get(c) in set(d[c].dropna()) else sorted(d[c].dropna().unique())[0]
        for c in cat
    }
    for c in usable:
        if d[c].dtype == bool or str(d[c].dtype) == "boolean":
            d[c] = d[c].astype(float)
    screener = stats.logrank_screen if screen == "logrank" else stats.screen_then_fit
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = screener(
            d,
            "time_months",
            "event",
            usable,
            threshold=threshold,
            categorical=cat,
            reference=reference,
        )
    if any(issubclass(w.category, stats.MonotoneLikelihoodWarning) for w in caught):
        run.text(
            "Note: for at least one factor the Cox likelihood is monotone (a group without "
            "events); its hazard ratio is not estimable and is shown as such."
        )
    run.uses(fit, fit.multivariable, tests=["Cox proportional-hazards regression"])
    terms = [str(t) for t in fit.univariable["term"]]
    labels = {
        **{t: _label(labels, t) for t in terms if "=" not in t},
        **_level_labels(terms, labels, reference),
    }
    label = ENDPOINT_LABELS.get(endpoint, endpoint)
    multi = estimable(fit.multivariable.table) if fit.multivariable is not None else None
    run.table(
        regression_table(
            estimable(fit.univariable.set_index("term")),
            multi,
            "HR",
            labels=labels,
            title=f"Prognostic factors for {label.lower()}: univariable and multivariable Cox",
            name=f"cox_{key}",
            footnote=(
                f"Cox proportional hazards, Breslow ties, Wald 95 % CI and p. Factors with "
                f"{'log-rank' if screen == 'logrank' else 'univariable Wald'} p < {threshold} "
                f"entered the multivariable model (complete cases: "
                f"n = {fit.multivariable.n if fit.multivariable is not None else 0}, "
                f"events = {fit.multivariable.n_events if fit.multivariable is not None else 0})."
                + _reference_text(reference, labels)
            ),
        )
    )
    if fit.multivariable is not None:
        tab = estimable(fit.multivariable.table)
        for term in tab.index:
            run.number(f"{key}_hr[{term}]", float(tab.loc[term, "hr"]))
            run.number(
                f"{key}_ci[{term}]", (float(tab.loc[term, "lower"]), float(tab.loc[term, "upper"]))
            )
        fig = figures.forest_figure(
            tab.rename(index=lambda t: labels.get(t) or vocabulary.term_label(str(t), reference)),
            effect="HR",
        )
        run.figure(
            fig, f"forest_{key}", f"Multivariable Cox model for {label.lower()} (HR, 95 % CI)."
        )
    return fit


def binary_univariate(
    run: StudyRun,
    data: pd.DataFrame,
    outcome: str,
    binary: Sequence[str],
    continuous: Sequence[str],
    *,
    labels: Mapping[str, str],
    key: str,
    directions: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Ferrara-style univariate table for a binary outcome.

    Binary factors: events/n per level, logistic OR with Wald CI and Wald p; when the OR is
    not estimable (a zero cell) Fisher's exact p with the modified-Wald (Haldane–Anscombe)
    OR. Continuous factors: OR per unit (logistic, Wald), median (IQR) with and without the
    outcome beside the Wilcoxon rank-sum p, and ROC AUC with DeLong CI in the direction
    declared in ``directions`` (pROC's notation: ``"<"`` higher values predict the outcome,
    ``">"`` lower values do; default ``"<"``), never flipped after seeing the data
    (conventions.md, ROC).

    Returns
    -------
    pandas.DataFrame
        ``Factor`` (continuous ones suffixed "(per unit)") and the numeric ``or_estimate,
        or_lower, or_upper, p_value`` of every factor analysed (for a forest plot and headline
        numbers); the two report tables (categorical, continuous) hold the display text.
    """
    directions = dict(directions or {})
    d = data.dropna(subset=[outcome]).copy()
    y = d[outcome].astype(float).astype(int)
    if y.sum() == 0 or y.sum() == len(y):
        raise NotComputable(f"{_label(labels, outcome)}: no variation in the outcome")
    rows: list[dict[str, Any]] = []
    cont: list[dict[str, Any]] = []
    for f in binary:
        if f not in d.columns or d[f].dropna().nunique() < 2:
            run.skip_factor(
                f"Univariate analysis: {_label(labels, f)}",
                f in d.columns and bool(d[f].notna().any()),
            )
            continue
        sub = d.dropna(subset=[f])
        x = sub[f].astype(float).astype(int)
        yy = sub[outcome].astype(float).astype(int)
        a = int(((x == 1) & (yy == 1)).sum())
        b = int(((x == 1) & (yy == 0)).sum())
        c = int(((x == 0) & (yy == 1)).sum())
        e = int(((x == 0) & (yy == 0)).sum())
        table = np.array([[a, b], [c, e]])
        if min(a, b, c, e) == 0:
            orr = stats.odds_ratio(table, method="modified_wald")
            p = stats.fisher_exact(table).p_value
            method = "Modified-Wald OR; Fisher exact p"
        else:
            fit = stats.logistic(sub.assign(**{outcome: yy, f: x}), outcome, [f])
            row = fit.table.loc[f]
            orr = None
            est, lo, hi, p = (
                float(row["or"]),
                float(row["lower"]),
                float(row["upper"]),
                float(row["p"]),
            )
            method = "Logistic regression, Wald CI and p"
        if orr is not None:
            est, (lo, hi) = orr.estimate, orr.ci
        rows.append(
            {
                "Factor": _label(labels, f),
                "Events / n (no)": f"{c}/{c + e} ({_fmt(100 * c / max(c + e, 1))} %)",
                "Events / n (yes)": f"{a}/{a + b} ({_fmt(100 * a / max(a + b, 1))} %)",
                "OR (95 % CI)": f"{_fmt(est, 2)} ({_fmt(lo, 2)}–{_fmt(hi, 2)})",
                "p": stats.format_p(p),
                "Method": method,
                "or_estimate": est,
                "or_lower": lo,
                "or_upper": hi,
                "p_value": p,
            }
        )
        run.number(f"{key}_or[{f}]", est)
        run.number(f"{key}_p[{f}]", p)
    for f in continuous:
        if f not in d.columns or d[f].dropna().nunique() < 2:
            run.skip_factor(
                f"Univariate analysis: {_label(labels, f)}",
                f in d.columns and bool(d[f].notna().any()),
            )
            continue
        sub = d.dropna(subset=[f])
        yy = sub[outcome].astype(float).astype(int)
        if yy.nunique() < 2:
            run.skip(
                f"Univariate analysis: {_label(labels, f)}",
                f"{int(yy.sum())} events among the {len(sub)} patients with this factor recorded",
            )
            continue
        fit = stats.logistic(sub.assign(**{outcome: yy, f: sub[f].astype(float)}), outcome, [f])
        row = fit.table.loc[f]
        w = stats.wilcoxon_rank_sum(
            sub.loc[yy == 1, f].astype(float), sub.loc[yy == 0, f].astype(float)
        )
        direction = directions.get(f, "<")
        auc = stats.roc_auc(yy, sub[f].astype(float), direction=direction)
        with_, without = (
            stats.describe_continuous(sub.loc[yy == v, f].astype(float)) for v in (1, 0)
        )
        label = vocabulary.in_sentence(_label(labels, outcome))
        cont.append(
            {
                "Factor": _label(labels, f),
                f"With {label}, median (IQR)": with_.median_iqr(),
                f"Without {label}, median (IQR)": without.median_iqr(),
                "Wilcoxon p": stats.format_p(w.p_value),
                "OR per unit (95 % CI)": f"{_fmt(float(row['or']), 2)} "
                f"({_fmt(float(row['lower']), 2)}–{_fmt(float(row['upper']), 2)})",
                "Wald p": stats.format_p(float(row["p"])),
                "AUC (95 % CI)": f"{_fmt(auc.estimate, 2)} ({_fmt(auc.ci[0], 2)}–"
                f"{_fmt(auc.ci[1], 2)})",
                "ROC direction": _DIRECTION_WORDS[direction],
                "or_estimate": float(row["or"]),
                "or_lower": float(row["lower"]),
                "or_upper": float(row["upper"]),
                "p_value": float(row["p"]),
            }
        )
        run.number(f"{key}_or[{f}]", float(row["or"]))
        run.number(f"{key}_auc[{f}]", auc.estimate)
        run.number(f"{key}_auc_ci[{f}]", auc.ci)
        run.number(f"{key}_auc_direction[{f}]", direction)
        run.number(f"{key}_wilcoxon_p[{f}]", w.p_value)
    run.uses(
        tests=[
            "logistic regression (Wald)",
            "Fisher's exact test",
            "Wilcoxon rank-sum test",
            "ROC AUC (DeLong)",
        ]
    )
    if not rows and not cont:
        raise NotComputable("no candidate factor has data in two categories")
    numeric = ["or_estimate", "or_lower", "or_upper", "p_value"]
    label = vocabulary.in_sentence(_label(labels, outcome))
    if rows:
        run.table(
            ReportTable(
                f"Univariate analysis of {label}: categorical factors",
                pd.DataFrame(rows).drop(columns=numeric),
                f"univariate_{key}",
                footnote="Events / n: patients with the outcome among those without (no) and "
                "with (yes) the factor. OR, odds ratio; CI, bilateral Wald confidence interval; p "
                "from the Wald test of the univariate logistic model, or Fisher's exact test when "
                "the OR is not estimable (then the modified-Wald OR, 0.5 added to every cell).",
            )
        )
    if cont:
        run.table(
            ReportTable(
                f"Univariate analysis of {label}: continuous factors",
                pd.DataFrame(cont).drop(columns=numeric),
                f"univariate_{key}_continuous",
                footnote="Median (IQR, SAS PCTLDEF=5) in patients with and without the outcome; "
                "Wilcoxon rank-sum test (normal approximation, continuity correction). OR per "
                "unit of the factor, univariate logistic model, Wald CI and p. ROC AUC with "
                "DeLong CI in the direction declared before the analysis (pROC 'direction': "
                "'<' higher values predict the outcome, '>' lower values do), never flipped.",
            )
        )
    frame = pd.concat(
        [
            pd.DataFrame(rows, columns=["Factor", *numeric]),
            pd.DataFrame(cont, columns=["Factor", *numeric]).assign(
                Factor=lambda f: f["Factor"] + " (per unit)"
            ),
        ],
        ignore_index=True,
    )
    return frame


def rate_text(x: int, n: int, *, method: str = "clopper-pearson") -> str:
    """``x/n (p %; 95 % CI lo–hi %)`` with an exact (Clopper–Pearson) or Wilson interval.

    Examples
    --------
    >>> rate_text(7, 20)
    '7/20 (35.0 %; 95 % CI 15.4–59.2 %)'
    """
    r = stats.proportion_ci(int(x), int(n), method=method)  # type: ignore[arg-type]
    lo, hi = r.ci
    return f"{int(x)}/{int(n)} ({_fmt(100 * r.estimate)} %; 95 % CI {_fmt(100 * lo)}–{_fmt(100 * hi)} %)"


def rate_numbers(
    x: int | None, n: int | None, *, method: str = "clopper-pearson"
) -> dict[str, Any]:
    """The numbers of :func:`rate_text` in their own columns (for the spreadsheet export).

    Examples
    --------
    >>> {k: round(v, 2) for k, v in rate_numbers(7, 20).items()}
    {'events': 7, 'N': 20, '%': 35.0, '95 % CI lower (%)': 15.39, '95 % CI upper (%)': 59.22}
    """
    if x is None or not n:
        return dict.fromkeys(("events", "N", "%", "95 % CI lower (%)", "95 % CI upper (%)"))
    r = stats.proportion_ci(int(x), int(n), method=method)  # type: ignore[arg-type]
    return {
        "events": int(x),
        "N": int(n),
        "%": 100 * r.estimate,
        "95 % CI lower (%)": 100 * r.ci[0],
        "95 % CI upper (%)": 100 * r.ci[1],
    }


def rate_frames(rows: Sequence[Mapping[str, Any]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Display frame and numbers frame of a table whose rows carry a rate.

    Each row is a mapping of display columns plus ``"_rate": (x, n)`` (or ``None``). The display
    frame drops the ``_rate`` key; the numbers frame keeps text and numeric display columns and
    puts the rate's events, N, % and exact CI in their own numeric columns (full precision).

    Examples
    --------
    >>> shown, numbers = rate_frames([{"Term": "Anaemia", "Rate": "1/4", "_rate": (1, 4)}])
    >>> list(shown.columns), list(numbers.columns)[:3]
    (['Term', 'Rate'], ['Term', 'events', 'N'])
    """
    shown = pd.DataFrame([{k: v for k, v in r.items() if not k.startswith("_")} for r in rows])
    numeric = []
    for r in rows:
        rate = r.get("_rate")
        row = {
            k: v
            for k, v in r.items()
            if not k.startswith("_") and (isinstance(v, int | float) or k == shown.columns[0])
        }
        numeric.append({**row, **rate_numbers(*(rate or (None, None)))})
    return shown, pd.DataFrame(numeric)


@contextmanager
def _without_separation_advice() -> Iterator[None]:
    """Drop the logistic engine's separation log record (the caller states it in words)."""
    logger = logging.getLogger("prrt.stats.logistic")

    def _drop(record: logging.LogRecord) -> bool:
        return "separation" not in record.getMessage()

    logger.addFilter(_drop)
    try:
        yield
    finally:
        logger.removeFilter(_drop)


def multivariable_logistic(
    run: StudyRun,
    data: pd.DataFrame,
    outcome: str,
    covariates: Sequence[str],
    *,
    labels: Mapping[str, str],
    key: str,
    title: str,
    units: Mapping[str, str] | None = None,
) -> Any:
    """Multivariable logistic model of a binary outcome on the complete cases of ``covariates``.

    Maximum likelihood with Wald CI and p (SAS PROC LOGISTIC default, ``conventions.md``); when the
    engine detects complete or quasi-complete separation (the ML estimates do not exist), the model
    is refitted by Firth's penalised likelihood (Heinze & Schemper 2002, Stat Med 21:2409; R
    ``logistf``: profile penalised-likelihood CI, penalised likelihood-ratio p) and the table says
    so. Covariates with one value only are left out and named. Returns the fitted result.
    """
    units = dict(units or {})
    StudyRun.require(data, [outcome], _label(labels, outcome))
    present = [c for c in covariates if c in data.columns and data[c].notna().any()]
    for c in covariates:
        if c not in present:
            run.skip(f"Multivariable model: {_label(labels, c)}", "no data for this factor")
    d = data.dropna(subset=[outcome, *present]).copy()
    usable = [c for c in present if d[c].nunique() > 1]
    for c in present:
        if c not in usable:
            run.text(
                f"Multivariable model: {_label(labels, c)} left out, the same value for every "
                "patient with complete data."
            )
    if not usable:
        raise NotComputable("no covariate varies among the patients with complete data")
    y = d[outcome].astype(float).astype(int)
    if y.nunique() < 2:
        known = data[outcome].notna()
        coverage = "; ".join(
            f"{_label(labels, c)} recorded in {int(data.loc[known, c].notna().sum())} of "
            f"{int(known.sum())}"
            for c in present
            if data.loc[known, c].isna().any()
        )
        raise NotComputable(
            f"{_label(labels, outcome)}: {int(y.sum())} events among the {len(d)} patients "
            "with every factor recorded, so the model cannot be estimated"
            + (f" ({coverage})" if coverage else "")
        )
    frame = d.assign(**{outcome: y}, **{c: d[c].astype(float) for c in usable})
    with _without_separation_advice():
        fit = stats.logistic(frame, outcome, usable)
    firth = bool(fit.separation)
    if firth:
        fit = stats.firth_logistic(frame, outcome, usable)
        run.uses(fit, tests=["Firth penalised-likelihood logistic regression"])
    else:
        run.uses(fit, tests=["logistic regression (Wald)"])
    tab = estimable(fit.table, ("or", "lower", "upper"))
    rows = []
    for c in usable:
        r = tab.loc[c]
        shown = _label(labels, c)
        if c in units:  # "Cumulative activity (GBq)" → "Cumulative activity (per GBq)"
            u = units[c]
            stem = shown[: -len(f" ({u})")] if shown.endswith(f" ({u})") else shown
            shown = f"{stem} (per {u})"
        rows.append(
            {
                "Factor": shown,
                "Multivariable OR (95 % CI)": f"{_fmt(r['or'], 2)} ({_fmt(r['lower'], 2)}–"
                f"{_fmt(r['upper'], 2)})",
                "Multivariable p": stats.format_p(float(r["p"])),
            }
        )
        run.number(f"{key}_or[{c}]", float(r["or"]))
        run.number(f"{key}_or_ci[{c}]", (float(r["lower"]), float(r["upper"])))
        run.number(f"{key}_p[{c}]", float(r["p"]))
    method = (
        "Firth's penalised-likelihood logistic regression (the data are separated, so the "
        "maximum-likelihood estimates do not exist); profile penalised-likelihood 95 % CI and "
        "penalised likelihood-ratio p"
        if firth
        else "maximum-likelihood logistic regression; Wald 95 % CI and p"
    )
    run.table(
        ReportTable(
            title,
            pd.DataFrame(rows),
            f"multivariable_{key}",
            footnote=f"Multivariable model with all listed factors together: {method}. Complete "
            f"cases n = {fit.n}, events = {fit.n_events}. OR, odds ratio; NE, not estimable.",
        )
    )
    run.number(f"{key}_firth", firth)
    run.number(f"{key}_n", fit.n)
    run.number(f"{key}_events", fit.n_events)
    return fit
