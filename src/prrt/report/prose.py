"""Methods in prose, generated from the study settings, the derivation settings and the
statistical conventions of the results (issue 9, defect 9).

The paragraphs follow the order a journal expects: population and data, definitions (with their
sources), endpoints and censoring, statistical analysis (each method with its convention), and
software. Raw settings are not dumped here: the report prints them in an appendix table.

Sources cited in the text: CTCAE v3.0 (2006), v4.03 (2010), v5.0 (2017), National Cancer
Institute; RECIST 1.1 (Eisenhauer et al., Eur J Cancer 2009;45:228–47); CKD-EPI 2009 (Levey et
al., Ann Intern Med 2009) and 2021 (Inker et al., N Engl J Med 2021); reverse Kaplan–Meier
follow-up (Schemper & Smith, Control Clin Trials 1996); Brookmeyer & Crowley (Biometrics 1982);
the conventions of ``/work/shared/spec/conventions.md`` (SAS 9.4 defaults).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from prrt.report import vocabulary

CTCAE_YEAR = {"3.0": 2006, "4.03": 2010, "5.0": 2017}
"""Publication year of each CTCAE version (National Cancer Institute)."""

PET_RULE_TEXT = {
    "ignore": "progression seen on PET only was not an event",
    "event": "progression seen on PET only was an event",
    "lazarenko": (
        "a patient whose progression was seen on PET only and led to a new treatment was "
        "censored at the start of that treatment (Lazarenko et al. 2026)"
    ),
}

_STUDY_DEFINITIONS = {
    "pt_definition": "Persistent thrombocytopenia (Ferrara et al. 2025): {v}.",
    "marrow_toxicity": "Bone-marrow toxicity (Fröss-Baron et al. 2021): {v}.",
    "tcp_controlled": "A lesion counted as controlled for the tumour-control probability when "
    "{v} (Hebert et al. 2024).",
}

_FACTOR_LISTS = (
    "candidates",
    "pfs_candidates",
    "os_candidates",
    "binary_factors",
    "continuous_factors",
    "cox_covariates",
    "marrow_covariates",
)

_CONVENTION_TEXT = {
    "conf_type": "Kaplan–Meier pointwise 95 % confidence intervals used the {v} transform with "
    "Greenwood's variance",
    "km_conf_type": "Kaplan–Meier pointwise 95 % confidence intervals used the {v} transform "
    "with Greenwood's variance",
    "median_ci": "confidence intervals of the median survival followed Brookmeyer and Crowley "
    "({v})",
    "ties": "Cox proportional-hazards models handled tied event times by the {v} method and give "
    "hazard ratios with Wald 95 % confidence intervals and Wald p values",
    "screen": "factors were screened by {v}",
    "threshold": "those with {v} entered the multivariable model",
    "multivariable": "the multivariable model used {v}",
    "logistic_ci": "odds ratio confidence intervals: {v}",
    "wilcoxon": "Wilcoxon rank-sum test: {v}",
    "t_test": "t tests: {v}",
    "rule": "Pearson's χ² test was replaced by Fisher's exact test by {v}'s rule (an expected "
    "count below 5)",
    "percentile_definition": "percentiles and interquartile ranges: {v}",
    "roc_ci": "ROC AUC confidence intervals: {v}",
    "loess": "LOESS smoothing: {v}",
    "z": "95 % Wald intervals use z = {v}",
}


_NAMES = {"breslow": "Breslow", "efron": "Efron", "exact": "exact", "log-log": "log-log"}
"""Method names as they are written in prose (results record them in lower case)."""


def _text(v: Any) -> str:
    if isinstance(v, list | tuple):
        return ", ".join(_text(x) for x in v)
    if isinstance(v, bool):
        return "yes" if v else "no"
    return _NAMES.get(str(v).lower(), str(v))


def lead_in(paragraph: str) -> tuple[str, str]:
    """A methods paragraph split into its run-in heading and its text (for bold run-in heads).

    Examples
    --------
    >>> lead_in("Definitions. Grades follow CTCAE.")
    ('Definitions.', 'Grades follow CTCAE.')
    >>> lead_in("No heading here")
    ('', 'No heading here')
    """
    head, sep, rest = paragraph.partition(". ")
    if sep and head in _HEADS:
        return head + ".", rest
    return "", paragraph


_HEADS = (
    "Population and data",
    "Definitions",
    "Endpoints and censoring",
    "Statistical analysis",
    "Software",
)


def _factor_labels(codes: Sequence[Any]) -> str:
    shown = []
    for c in codes:
        try:
            shown.append(vocabulary.in_sentence(vocabulary.label(str(c))))
        except vocabulary.UnknownLabelError:
            shown.append(str(c).replace("_", " "))
    return ", ".join(shown)


def _population(settings: Mapping[str, Any]) -> str:
    parts = []
    source = settings.get("source")
    if source:
        parts.append(f"This report applies the analysis of {source} to the cohort in the store.")
    else:
        parts.append("This report describes the cohort in the store.")
    who = "Patients treated with [177Lu]Lu-DOTATATE"
    site = settings.get("primary_site")
    if site:
        who += f" for a {vocabulary.in_sentence(vocabulary.level_label('primary_site', site))} "
        who += "primary tumour"
    if settings.get("min_chemo_lines"):
        who += f" after at least {settings['min_chemo_lines']} line(s) of chemotherapy"
    if settings.get("min_cycles"):
        who += f" who received at least {settings['min_cycles']} cycles"
    course = settings.get("course_no")
    if course == 1:
        who += "; each patient's first PRRT course (PRRT-1) is analysed"
    elif course:
        who += f"; PRRT course {course} is analysed"
    parts.append(who + ". The population section below gives the numbers included and excluded.")
    return "Population and data. " + " ".join(parts)


def _definitions(settings: Mapping[str, Any], derivation: Mapping[str, Any]) -> str:
    out = []
    version = str(settings.get("ctcae_version") or derivation.get("ctcae_version") or "")
    if version:
        year = CTCAE_YEAR.get(version)
        src = f" (National Cancer Institute, {year})" if year else ""
        text = (
            f"Laboratory adverse events were graded with the Common Terminology Criteria for "
            f"Adverse Events (CTCAE) version {version}{src} against each laboratory's limits of "
            f"normal"
        )
        if derivation:
            text += (
                f"; the baseline value is the last within {derivation['baseline_window_days']} "
                f"days before the first cycle and the worst grade is taken from the first cycle "
                f"to {derivation['ae_window_days']} days after the last"
            )
        out.append(text + ".")
    for key, template in _STUDY_DEFINITIONS.items():
        if settings.get(key):
            out.append(template.format(v=_text(settings[key])))
    if "month3_target_days" in settings:
        out.append(
            f"The lesion volume change ΔV % was measured on the CT closest to day "
            f"{settings['month3_target_days']} after the last cycle (± "
            f"{settings.get('month3_window_days', '')} days)."
        )
    if derivation:
        confirm = (
            f" with confirmation of responses after at least {derivation['recist_confirm_days']} "
            "days"
            if derivation.get("recist_confirm")
            else " without confirmation of responses"
        )
        out.append(
            "Tumour response followed RECIST 1.1 (Eisenhauer et al., Eur J Cancer 2009)"
            + confirm
            + "; the objective response rate counts complete and partial responses, the disease "
            "control rate also stable disease, among the patients with an evaluable response."
        )
        equation = derivation.get("egfr_equation")
        if equation:
            ref = "Levey et al. 2009" if str(equation) == "2009" else "Inker et al. 2021"
            out.append(f"The eGFR was computed with the CKD-EPI {equation} equation ({ref}).")
        out.append(
            "Dichotomised factors used the cut-offs of the source papers: Ki-67 > "
            f"{derivation['ki67_cutoff_pct']:g} %, CgA ≥ {derivation['cga_cutoff_ug_l']:g} µg/L, "
            f"ALP ≥ {derivation['alp_cutoff_u_l']:g} U/L, OMIS ≥ "
            f"{derivation['omis_cutoff_pct']:g} %, spleen length ≥ "
            f"{derivation['splenomegaly_cutoff_mm']:g} mm, IDPC ≥ "
            f"{derivation['idpc_cutoff_pct']:g} %, cumulative activity ≥ "
            f"{derivation['cumulative_activity_cutoff_gbq']:g} GBq, more than "
            f"{derivation['modalities_cutoff']} treatment modalities before PRRT."
        )
    if not out:
        return ""
    return "Definitions. " + " ".join(out)


def _endpoints(derivation: Mapping[str, Any], tests: Sequence[str]) -> str:
    if not derivation:
        return ""
    rule = str(derivation.get("pfs_pet_rule", "ignore"))
    pfs = (
        "Progression-free survival (PFS) ran from the first cycle to radiological (RECIST 1.1) "
        "or clinical progression or death, whichever came first, and was censored at the last "
        f"contact; {PET_RULE_TEXT.get(rule, rule)}"
    )
    if derivation.get("pfs_include_derived_recist", True):
        pfs += "; progression includes RECIST progression derived from the lesion measurements"
    text = (
        "Endpoints and censoring. "
        + pfs
        + ". Overall survival (OS) ran from the first cycle to death from any cause and was "
        "censored at the last contact."
    )
    if any("follow-up" in t.lower() for t in tests):
        text += (
            " Follow-up was estimated by the reverse Kaplan–Meier method (Schemper & Smith 1996)."
        )
    return text


def _statistics(
    settings: Mapping[str, Any], conventions: Mapping[str, Any], tests: Sequence[str]
) -> str:
    parts = []
    if tests:
        parts.append("Methods used: " + ", ".join(dict.fromkeys(tests)) + ".")
    clauses = []
    seen: set[str] = set()
    for key, value in conventions.items():
        template = _CONVENTION_TEXT.get(key)
        if template and value not in (None, "", [], {}):
            clause = template.format(v=_text(value))
            if clause not in seen:
                seen.add(clause)
                clauses.append(clause)
    plan = settings.get("statistics")
    if plan:
        parts.append(f"Analysis plan of this template: {_text(plan).rstrip('.')}.")
    if clauses:
        parts.append("; ".join(clauses)[:1].upper() + "; ".join(clauses)[1:] + ".")
    for key in _FACTOR_LISTS:
        if settings.get(key):
            what = {
                "pfs_candidates": "Candidate prognostic factors for PFS",
                "os_candidates": "Candidate prognostic factors for OS",
                "marrow_covariates": "Covariates of the bone-marrow toxicity model",
                "cox_covariates": "Covariates of the Cox models",
                "binary_factors": "Binary candidate factors",
                "continuous_factors": "Continuous candidate factors",
            }.get(key, "Candidate factors")
            parts.append(f"{what}: {_factor_labels(settings[key])}.")
    refs = settings.get("reference_levels")
    if refs:
        shown = "; ".join(
            f"{vocabulary.in_sentence(vocabulary.label(str(var)))}: "
            f"{vocabulary.in_sentence(vocabulary.level_label(str(var), level))}"
            for var, level in refs
        )
        parts.append(f"Reference levels: {shown}.")
    parts.append(
        "Statistical choices that differ between SAS 9.4 and R follow SAS defaults. Tests are "
        "two-sided; displayed numbers are rounded half away from zero, p values below 0.001 are "
        "shown as < 0.001, and NE denotes not estimable."
    )
    return "Statistical analysis. " + " ".join(parts)


def methods_paragraphs(
    settings: Mapping[str, Any],
    conventions: Mapping[str, Any] | None = None,
    *,
    tests: Sequence[str] = (),
    derivation: Mapping[str, Any] | None = None,
    software: Mapping[str, str] | None = None,
) -> list[str]:
    """The Methods section as paragraphs of prose.

    Parameters
    ----------
    settings : mapping
        The study's settings (``source``, ``course_no``, ``ctcae_version``, definitions, factor
        lists ...).
    conventions : mapping, optional
        Statistical conventions of the results used (``ties``, ``conf_type`` ...).
    tests : sequence of str
        Names of the statistical methods used.
    derivation : mapping, optional
        Settings of ``prrt derive`` in force for this report (windows, cut-offs, PFS rule).
    software : mapping, optional
        Package → version (``prrt``, ``python``, numpy ...).

    Examples
    --------
    >>> paras = methods_paragraphs({"ctcae_version": "5.0"}, {"ties": "Breslow"},
    ...                            tests=["Cox proportional-hazards regression"])
    >>> paras[1][:80]
    'Definitions. Laboratory adverse events were graded with the Common Terminology C'
    >>> "(CTCAE) version 5.0 (National Cancer Institute, 2017)" in paras[1]
    True
    >>> "Breslow method" in paras[2]
    True
    """
    derivation = dict(derivation or {})
    paras = [
        _population(settings),
        _definitions(settings, derivation),
        _endpoints(derivation, tests),
        _statistics(settings, dict(conventions or {}), tests),
    ]
    if software:
        libs = ", ".join(f"{k} {v}" for k, v in software.items() if k not in ("prrt", "python"))
        paras.append(
            f"Software. Analyses were run with PRRT Workbench {software.get('prrt', '')} on "
            f"Python {software.get('python', '')} ({libs}); the settings of this analysis and of "
            "the data derivation are listed in the appendix, and their hash in the provenance."
        )
    return [p for p in paras if p]
