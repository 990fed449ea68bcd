"""Study template: real-world outcomes of PRRT.

Recipe of Lazarenko et al., Acta Gastroenterol Belg 2026 (seed 002), in the paper's order: patient
flow (Figure 1); characteristics with metastatic sites and prior treatments (Table 1); cycles
completed and the reasons for not completing four (Results); RECIST 1.1 best overall response over
the evaluable patients with ORR and DCR and exact 95 % CIs; Kaplan–Meier PFS and OS (Figure 2) and
follow-up; adverse events grouped haematological / hepatic / renal / other with their denominators
(Table 2), Δ highest grade (Table 3), MDS/AML; univariable (p < 0.1) → multivariable Cox for PFS
and OS (Tables 4–5); Kaplan–Meier PFS and OS by the prognostic factors (Figures 3–4); retreatment
(PRRT-2 response, PFS and OS from the first PRRT-2 cycle; Figure 5) and PRRT-3.
Beyond the paper: PFS by four cycles completed and by objective response, each beside its landmark
analysis (immortal-time bias), four cycles completed as a time-dependent covariate, the cumulative
incidence of MDS/AML with death competing (Aalen–Johansen), a waterfall and a swimmer plot.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from prrt import stats
from prrt.cohort.store import Store
from prrt.report import ReportTable, figures, vocabulary
from prrt.studies import _competing, _derivation, _display, _figures, _rwo_parts, _steps
from prrt.studies._base import NotComputable, StudyOutput, StudyRun, subset
from prrt.studies._correspondence import PaperItem

PROGNOSTIC_FACTORS = (
    "who_grade",
    "primary_site",
    "functional",
    "cga_ge_1000",
    "alp_ge_130",
    "sodium_bl",
    "albumin_bl",
    "nlr_bl",
    "fdg_positive",
    "prior_modalities_gt3",
)
"""Candidate prognostic factors of Lazarenko Tables 4–5 (the same list for PFS and OS)."""


@dataclass(frozen=True)
class Settings:
    """Every choice of the real-world-outcomes template (printed in the report)."""

    name: str = "real-world-outcomes"
    title: str = "Real-world outcomes of [177Lu]Lu-DOTATATE PRRT"
    source: str = "Lazarenko et al., Acta Gastroenterol Belg 2026 (n = 110)"
    course_no: int = 1
    ctcae_version: str = "5.0"
    screen_threshold: float = 0.1
    pfs_candidates: tuple[str, ...] = PROGNOSTIC_FACTORS
    os_candidates: tuple[str, ...] = PROGNOSTIC_FACTORS
    categorical: tuple[str, ...] = ("who_grade", "primary_site")
    reference_levels: tuple[tuple[str, object], ...] = (
        ("who_grade", 1),
        ("primary_site", "small_intestine"),
    )
    """Reference level per categorical factor (Lazarenko Tables 4–5)."""
    response_ci: str = "clopper-pearson"
    """95 % CI of response rates: ``clopper-pearson`` (exact) or ``wilson``."""
    sodium_cutoff_mmol_l: float = 135.0
    """Kaplan–Meier by sodium: hyponatraemia < 135 mmol/L (Refardt 2022, cited by Lazarenko)."""
    albumin_cutoff_g_l: float = 35.0
    """Kaplan–Meier by albumin: < 35 g/L (inflammation-based index, Black 2019, cited by Lazarenko)."""
    nlr_cutoff: float = 3.0
    """Kaplan–Meier by NLR: ≥ 3 (the paper gives no cut-off for its Figure 4; a settings choice)."""
    landmark_cycles_months: float = 9.0
    """Landmark for "four cycles completed" (cycle 4 is due by ~8 months at 10–12-week intervals)."""
    landmark_response_months: float = 12.0
    """Landmark for "objective response" (first assessments within ~3 months of the last cycle)."""
    pfs_pet_rule: str = "lazarenko"
    """PET-only progression rule of PFS (``prrt.clinical.endpoints``); applied by the template
    when the store was derived with another."""
    pfs_rule: str = (
        "radiological (RECIST 1.1) or clinical progression or death; PET-only progression "
        "leading to a new treatment censored at that treatment's start"
    )
    statistics: str = (
        "Kaplan–Meier (log-log CI, Brookmeyer–Crowley median CI); Cox PH with Breslow ties, "
        "Wald CI; univariable Wald p < 0.1 → multivariable model on complete cases; response "
        "rates over evaluable patients with exact (Clopper–Pearson) 95 % CI; landmark analyses "
        "for groups defined after the start of PRRT, and four cycles completed as a "
        "time-dependent covariate (counting-process Cox); Aalen–Johansen cumulative incidence "
        "of MDS/AML with death as the competing event"
    )


SETTINGS = Settings()

LABELS = vocabulary.VARIABLES
"""Display labels: the one vocabulary (:mod:`prrt.report.vocabulary`); add new ones there."""

COX_FACTORS: dict[str, tuple[str, bool]] = {
    "who_grade": ("who_grade", True),
    "primary_site": ("primary_site", True),
    "functional": ("functional", True),
    "cga_ge_1000": ("cga_bl", True),
    "alp_ge_130": ("alp_bl", True),
    "sodium_bl": ("sodium_bl", False),
    "albumin_bl": ("albumin_bl", False),
    "nlr_bl": ("nlr_bl", False),
    "fdg_positive": ("fdg_status", True),
    "prior_modalities_gt3": ("n_prior_modalities", True),
}
"""Layout of Lazarenko Tables 4–5: covariate → (vocabulary key of the factor's heading, whether
it is shown as levels from :data:`prrt.report.vocabulary.LEVELS` with a reference row)."""


def _cox_layout() -> dict[str, tuple[str, dict[object, str] | None]]:
    """Heading and level labels of each factor (0/1 flags: their two levels, False then True)."""
    out: dict[str, tuple[str, dict[object, str] | None]] = {}
    for cov, (head, levels) in COX_FACTORS.items():
        if not levels:
            out[cov] = (vocabulary.label(head), None)
        elif cov in vocabulary.LEVELS:
            out[cov] = (vocabulary.label(head), dict(vocabulary.LEVELS[cov]))
        else:
            out[cov] = (
                vocabulary.label(head),
                {v: vocabulary.level_label(cov, v) for v in (False, True)},
            )
    return out


CORRESPONDENCE: tuple[PaperItem, ...] = (
    PaperItem("Figure 1", "Patient selection and flow", ("patient_flow",)),
    PaperItem(
        "Table 1",
        "Clinical and histopathological characteristics, metastatic sites, prior treatments",
        ("table1",),
    ),
    PaperItem("Results, PRRT-1", "Cycles completed", ("cycles",)),
    PaperItem("Results, PRRT-1", "Reasons for not completing four cycles", ("stop_reasons",)),
    PaperItem("Results, RECIST 1.1", "Best overall response, ORR and DCR", ("bor",)),
    PaperItem("Figure 2A", "Kaplan–Meier PFS after PRRT-1", ("km_pfs",)),
    PaperItem("Figure 2B", "Kaplan–Meier OS after PRRT-1", ("km_os",)),
    PaperItem(
        "Table 2", "Most common adverse events, grouped, any grade and grade 3", ("adverse_events",)
    ),
    PaperItem(
        "Table 3", "Distribution of Δ highest grade of haematological toxicity", ("delta_grade",)
    ),
    PaperItem(
        "Results, adverse events",
        "Myelodysplastic syndrome / acute myeloid leukaemia",
        ("mds_aml",),
    ),
    PaperItem(
        "Additional analysis",
        "Cumulative incidence of MDS/AML with death competing (Aalen–Johansen)",
        ("cuminc_mds_aml", "cuminc_mds_aml_at"),
    ),
    PaperItem(
        "Additional analysis",
        "Four cycles completed as a time-dependent covariate for PFS, beside naive and landmark",
        ("td_cox_pfs_four_cycles",),
    ),
    PaperItem("Table 4", "Univariate and multivariate Cox for PFS", ("cox_pfs", "forest_cox_pfs")),
    PaperItem("Table 5", "Univariate and multivariate Cox for OS", ("cox_os", "forest_cox_os")),
    PaperItem("Figure 3A", "PFS by grade", ("km_pfs_by_grade",)),
    PaperItem("Figure 3B", "PFS by chromogranin A", ("km_pfs_by_cga",)),
    PaperItem("Figure 3C", "PFS by sodium", ("km_pfs_by_sodium",)),
    PaperItem("Figure 3D", "PFS by albumin", ("km_pfs_by_albumin",)),
    PaperItem("Figure 4A", "OS by chromogranin A", ("km_os_by_cga",)),
    PaperItem("Figure 4B", "OS by neutrophil-to-lymphocyte ratio", ("km_os_by_nlr",)),
    PaperItem("Figure 4C", "OS by albumin", ("km_os_by_albumin",)),
    PaperItem("Results, PRRT-2", "Response after PRRT-2 (RECIST 1.1)", ("prrt2_bor",)),
    PaperItem("Figure 5A", "Kaplan–Meier PFS after PRRT-2", ("km_prrt2_pfs",)),
    PaperItem("Figure 5B", "Kaplan–Meier OS after PRRT-2", ("km_prrt2_os",)),
    PaperItem("Results, PRRT-3", "Outcome of a third course", ("prrt3",)),
)
"""Every table, figure and headline analysis of Lazarenko 2026 → the report items reproducing it.
The PRRT-3 item is a table; the Figure 3–4 factors are those significant in the paper's
multivariable models (grade, CgA, sodium, albumin for PFS; CgA, NLR, albumin for OS)."""


def _with_fdg(study: StudyRun, data: pd.DataFrame) -> pd.DataFrame:
    """Add ``fdg_positive``: baseline [18F]FDG-PET status (last exam on or before the start).

    Lazarenko Table 4 lists FDG-PET positivity as a candidate factor; it is not part of
    ``analysis_patient_course``, so it is taken from ``imaging_measurements``.
    """
    if "fdg_positive" in data.columns or not study.has_rows("imaging_measurements"):
        return data
    img = study.read("imaging_measurements")[["patient_id", "exam_date", "fdg_positive"]]
    img = img.dropna(subset=["fdg_positive"]).merge(
        data[["patient_id", "course_start"]], on="patient_id"
    )
    img = img.loc[pd.to_datetime(img["exam_date"]) <= pd.to_datetime(img["course_start"])]
    last = img.sort_values("exam_date").drop_duplicates("patient_id", keep="last")
    fdg = last.set_index("patient_id")["fdg_positive"].astype("boolean")
    return data.assign(fdg_positive=data["patient_id"].map(fdg).astype("boolean"))


def _population(study: StudyRun, settings: Settings) -> pd.DataFrame:
    courses = study.read("analysis_patient_course")
    data = _with_fdg(study, subset(courses, courses["course_no"] == settings.course_no))
    done = _rwo_parts.course_completion(data)
    n4 = int(done["completed"].sum())
    events = study.read("disease_events")
    start = pd.to_datetime(data.set_index("patient_id")["course_start"])
    on_course = pd.to_datetime(events["event_date"]) >= events["patient_id"].map(start)
    progressed = events.loc[
        events["patient_id"].isin(data["patient_id"])
        & events["event_type"].isin(_figures.PROGRESSION_EVENTS)
        & on_course,
        "patient_id",
    ].nunique()
    retreated = int(
        ((courses["course_no"] == 2) & courses["patient_id"].isin(data["patient_id"])).sum()
    )
    study.number("completed_4_cycles_n", n4)
    study.figure(
        figures.flow_diagram(
            [
                (
                    f"Patients treated with PRRT-{settings.course_no}\n"
                    f"({n4} completed four cycles)",
                    len(data),
                ),
                ("Progression after PRRT-1", progressed),
                ("Retreated (PRRT-2)", retreated),
            ],
            [
                ("No progression during follow-up", len(data) - progressed),
                ("Progressed, not retreated", progressed - retreated),
            ],
        ),
        "patient_flow",
        "Patient flow: PRRT-1 (four cycles completed or not), radiological or clinical "
        "progression, and retreatment (PRRT-2).",
    )
    return data


def _characteristics(study: StudyRun, data: pd.DataFrame) -> None:
    extra = []
    if study.has_rows("lesions"):
        extra.append(_rwo_parts.metastatic_sites(data, study.read("lesions")))
    if study.has_rows("prior_treatments"):
        extra.append(_rwo_parts.prior_treatments(data, study.read("prior_treatments")))
    d = pd.concat([data, *extra], axis=1)
    d["who_grade"] = d["who_grade"].map(lambda g: f"Grade {int(g)}" if pd.notna(g) else None)
    variables = [
        v
        for v in (
            "sex",
            "age_at_start",
            "who_grade",
            "ki67_pct",
            "primary_site",
            "functional",
            "ecog",
            *[f"mets_{k}" for k in _rwo_parts.SITE_CODES],
            *[f"prior_tx_{k}" for k in _rwo_parts.PRIOR_ROWS],
            "modalities_class",
            "cga_ge_1000",
            "alp_ge_130",
        )
        if v in d.columns and d[v].notna().any()
    ]
    study.table(
        _display.table_one_readable(
            d,
            variables,
            categorical=[v for v in variables if v not in ("age_at_start", "ki67_pct")],
            labels=LABELS,
            levels={"modalities_class": ["≤ 2", "3", "4", "≥ 5"]},
            title=f"Clinical and histopathological characteristics (n = {len(data)})",
        )
    )


def _cycles(study: StudyRun, data: pd.DataFrame) -> None:
    done = _rwo_parts.course_completion(data)
    n = len(data)
    groups = ["1", "2", "3", "4", "5 or more"]
    cyc = done["cycles_group"].value_counts().reindex(groups, fill_value=0)
    n4 = int(done["completed"].sum())
    study.table(
        ReportTable(
            f"Cycles received in PRRT-1 (n = {n})",
            pd.DataFrame(
                {
                    "Cycles received": groups,
                    "Patients, n (%)": [_rwo_parts.n_pct(int(v), n) for v in cyc.to_numpy()],
                }
            ),
            "cycles",
            footnote=f"Four cycles completed (four or more received): {_rwo_parts.n_pct(n4, n)} "
            f"patients; percentages of the {n} patients treated.",
        )
    )
    rsn = done["reason"].dropna().value_counts()
    rows = [
        {"Reason": str(k), "Patients, n (%)": _rwo_parts.n_pct(int(v), n - n4)}
        for k, v in rsn.items()
    ]
    rows.append({"Reason": "Total", "Patients, n (%)": _rwo_parts.n_pct(n - n4, n - n4)})
    study.table(
        ReportTable(
            f"Reasons for not completing four cycles ({n - n4} of {n} patients)",
            pd.DataFrame(rows),
            "stop_reasons",
            footnote="Percentages of the patients who received fewer than four cycles; the "
            "recorded reason the course ended.",
        )
    )
    study.number("completed_4_cycles_pct", 100.0 * n4 / n)


def _assessed(study: StudyRun, data: pd.DataFrame, course_no: int) -> pd.Series:
    """Whether each patient has at least one RECIST time point in the course (any response)."""
    if not study.has_rows("analysis_response"):
        return pd.Series(False, index=data.index)
    r = study.read("analysis_response")
    have = r.loc[(r["course_no"] == course_no) & r["overall_response"].notna(), "patient_id"]
    return data["patient_id"].isin(set(have))


def _adverse_events(study: StudyRun, data: pd.DataFrame, settings: Settings) -> None:
    labs = study.read("analysis_labs")
    grade_col = "grade_v" + settings.ctcae_version.replace(".", "_")
    lab = labs.loc[
        labs["patient_id"].isin(set(data["patient_id"]))
        & (labs["course_no"] == settings.course_no)
        & (labs["period"] == "on_treatment")
    ]
    ae = study.read("adverse_events")
    ae = ae.loc[ae["patient_id"].isin(set(data["patient_id"])), ["patient_id", "term", "grade"]]
    ae = ae.dropna(subset=["grade"]).astype({"grade": int})
    if lab.dropna(subset=[grade_col]).empty and ae.empty:
        raise NotComputable("no adverse event or graded laboratory toxicity recorded")
    table, counts = _rwo_parts.grouped_ae_table(
        lab, ae, len(data), grade_col, version=settings.ctcae_version
    )
    study.table(table)
    for term, (k_any, k3, n) in counts.items():
        study.number(f"ae_any[{term}]", (k_any, n))
        study.number(f"ae_grade3plus[{term}]", (k3, n))
        study.number(f"grade3plus_pct[{term}]", 100.0 * k3 / n)


def _mds_aml(study: StudyRun, data: pd.DataFrame) -> None:
    ev = study.read("disease_events")
    ev = ev.loc[
        ev["patient_id"].isin(set(data["patient_id"])) & ev["event_type"].isin(["mds", "aml"])
    ]
    ev = ev.merge(data[["patient_id", "course_start"]], on="patient_id")
    ev = ev.loc[pd.to_datetime(ev["event_date"]) >= pd.to_datetime(ev["course_start"])]
    first = ev.sort_values("event_date").drop_duplicates(["patient_id", "event_type"])
    months = (
        pd.to_datetime(first["event_date"]) - pd.to_datetime(first["course_start"])
    ).dt.days / _steps.DAYS_PER_MONTH
    n = len(data)
    rows = []
    for code, label in (("mds", "Myelodysplastic syndrome"), ("aml", "Acute myeloid leukaemia")):
        sel = first["event_type"] == code
        k = int(sel.sum())
        t = months[sel]
        rows.append(
            {
                "Haematological malignancy": label,
                "Patients, n (%)": _rwo_parts.n_pct(k, n),
                "Months from the first cycle to diagnosis, median (range)": (
                    f"{_steps._fmt(float(t.median()))} ({_steps._fmt(float(t.min()))}–"
                    f"{_steps._fmt(float(t.max()))})"
                    if k
                    else "—"
                ),
            }
        )
        study.number(f"{code}_n", k)
    study.table(
        ReportTable(
            f"Myelodysplastic syndrome and acute myeloid leukaemia after PRRT-1 (n = {n})",
            pd.DataFrame(rows),
            "mds_aml",
            footnote=f"Diagnoses on or after the first PRRT-1 cycle; percentages of all {n} patients.",
        )
    )


def _delta_grade(study: StudyRun, data: pd.DataFrame) -> None:
    table, raw = _rwo_parts.delta_grade_table(
        data, ("lymphocytes", "platelets", "haemoglobin", "leukocytes", "neutrophils")
    )
    if raw.empty:
        raise NotComputable("no Δ highest grade derived")
    study.table(table)
    for r in raw.itertuples():
        study.number(f"delta_grade_total[{r.term}]", int(r.total))
    if "delta_grade_albumin" in data.columns:
        d = data["delta_grade_albumin"].dropna().astype(int)
        d = d[d >= 1]
        study.text(
            f"Hypoalbuminaemia: Δ highest grade ≥ 1 in {len(d)} patients "
            + (
                "("
                + ", ".join(
                    f"Δ = {k} in {int(v)}" for k, v in d.value_counts().sort_index().items()
                )
                + ")."
                if len(d)
                else "."
            )
        )


def _cox(study: StudyRun, data: pd.DataFrame, endpoint: str, settings: Settings) -> None:
    """Univariable screen (Wald p < 0.1) → multivariable Cox, as Lazarenko Tables 4–5."""
    candidates = settings.pfs_candidates if endpoint == "pfs" else settings.os_candidates
    key = f"cox_{endpoint}"
    d = _steps.endpoint_frame(data, endpoint)
    present = [c for c in candidates if c in d.columns and d[c].notna().any()]
    usable = [c for c in present if d[c].dropna().nunique() > 1]
    for c in candidates:
        if c not in usable:
            study.skip_factor(f"Cox screen ({endpoint.upper()}): {LABELS.get(c, c)}", c in present)
    if not usable:
        raise NotComputable("no candidate prognostic factor has data")
    cat = [c for c in settings.categorical if c in usable]
    wanted = dict(settings.reference_levels)
    reference = {
        c: wanted[c] if wanted.get(c) in set(d[c].dropna()) else sorted(d[c].dropna().unique())[0]
        for c in cat
    }
    for c in usable:
        if c not in cat:
            d[c] = d[c].astype(float)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = stats.screen_then_fit(
            d, "time_months", "event", usable, threshold=settings.screen_threshold,
            categorical=cat, reference=reference,
        )  # fmt: skip
    if any(issubclass(w.category, stats.MonotoneLikelihoodWarning) for w in caught):
        study.text(
            "Note: for at least one factor the Cox likelihood is monotone (a group without "
            "events); its hazard ratio is not estimable and is shown as NE."
        )
    study.uses(fit, fit.multivariable, tests=["Cox proportional-hazards regression"])
    label = _steps.ENDPOINT_LABELS[endpoint]
    mv = fit.multivariable
    study.table(
        _rwo_parts.cox_paper_table(
            fit,
            _cox_layout(),
            reference,
            title=f"Prognostic factors for {label.lower()}: univariable and multivariable Cox models",
            name=key,
            footnote=(
                "Cox proportional hazards, Breslow ties; HR, hazard ratio with Wald 95 % CI; p, Wald "
                "test (for a factor: the joint Wald test of its levels on the factor's row). Factors "
                f"with univariable p < {settings.screen_threshold:g} entered the multivariable model "
                f"(complete cases: n = {mv.n if mv is not None else 0}, events = "
                f"{mv.n_events if mv is not None else 0})."
            ),
        )
    )
    if mv is None:
        return
    tab = _steps.estimable(mv.table)
    for term in tab.index:
        study.number(f"{key}_hr[{term}]", float(tab.loc[term, "hr"]))
        study.number(
            f"{key}_ci[{term}]", (float(tab.loc[term, "lower"]), float(tab.loc[term, "upper"]))
        )
        study.number(f"{key}_p[{term}]", float(tab.loc[term, "p"]))
    for cov in mv.type3.index:
        study.number(f"{key}_global_p[{cov}]", float(mv.type3.loc[cov, "p"]))
    names = _term_labels(tab.index)
    study.figure(
        figures.forest_figure(tab.rename(index=names), effect="HR"),
        f"forest_{key}",
        f"Multivariable Cox model for {label.lower()}: hazard ratios with 95 % CI "
        f"(n = {mv.n}, events = {mv.n_events}).",
    )


def _term_labels(terms: pd.Index) -> dict[str, str]:
    layout = _cox_layout()
    out = {}
    for t in map(str, terms):
        cov, _, level = t.partition("=")
        head, levels = layout.get(cov, (vocabulary.label(cov), None))
        if levels is None:
            out[t] = head
        else:
            target = level or "True"  # a 0/1 flag's term is the flag itself (level True)
            lv = next((v for k, v in levels.items() if str(k) == target), level)
            out[t] = f"{head}: {lv}"
    return out


def _km_by_factors(study: StudyRun, data: pd.DataFrame, settings: Settings) -> None:
    na, alb, nlr = settings.sodium_cutoff_mmol_l, settings.albumin_cutoff_g_l, settings.nlr_cutoff
    d = data.assign(
        sodium_low=data["sodium_bl"].lt(na).where(data["sodium_bl"].notna()),
        albumin_low=data["albumin_bl"].lt(alb).where(data["albumin_bl"].notna()),
        nlr_high=data["nlr_bl"].ge(nlr).where(data["nlr_bl"].notna()),
    )
    cga = {False: "< 1000 µg/L", True: "≥ 1000 µg/L"}
    plans = (
        ("pfs", "who_grade", "WHO grade", {1: "Grade 1", 2: "Grade 2", 3: "Grade 3"}, "grade"),
        ("pfs", "cga_ge_1000", "chromogranin A", cga, "cga"),
        ("pfs", "sodium_low", "sodium", {False: f"≥ {na:g} mmol/L", True: f"< {na:g} mmol/L"}, "sodium"),
        ("pfs", "albumin_low", "albumin", {False: f"≥ {alb:g} g/L", True: f"< {alb:g} g/L"}, "albumin"),
        ("os", "cga_ge_1000", "chromogranin A", cga, "cga"),
        ("os", "nlr_high", "neutrophil-to-lymphocyte ratio", {False: f"< {nlr:g}", True: f"≥ {nlr:g}"}, "nlr"),
        ("os", "albumin_low", "albumin", {False: f"≥ {alb:g} g/L", True: f"< {alb:g} g/L"}, "albumin"),
    )  # fmt: skip
    for endpoint, col, factor, levels, short in plans:
        title = f"{_steps.ENDPOINT_LABELS[endpoint]} by {factor}"
        with study.section(title):
            _steps.survival_by_levels(
                study, d, endpoint, col, factor, levels, f"{endpoint}_by_{short}"
            )


def _landmarks(study: StudyRun, data: pd.DataFrame, settings: Settings) -> None:
    """PFS by four cycles completed and by objective response: the paper-style comparison from the
    first cycle, then the landmark analysis by the status reached at the landmark."""
    with study.section("Progression-free survival by four cycles completed"):
        done = _rwo_parts.course_completion(data)["completed"]
        _steps.survival_by_levels(
            study, data.assign(four=done), "pfs", "four",
            "four cycles completed", {False: "Fewer than four cycles", True: "Four cycles or more"},
            "pfs_by_four_cycles",
        )  # fmt: skip
        lm = settings.landmark_cycles_months
        cy = study.read("cycles")
        cy = cy.loc[cy["course_no"] == settings.course_no].merge(
            data[["patient_id", "course_start"]], on="patient_id"
        )
        cy = cy.assign(
            month=(pd.to_datetime(cy["cycle_date"]) - pd.to_datetime(cy["course_start"])).dt.days
            / _steps.DAYS_PER_MONTH
        )
        by_lm = stats.accumulated_by(cy, "patient_id", "month", lm)
        status = data["patient_id"].map(by_lm).fillna(0).ge(_rwo_parts.FULL_COURSE_CYCLES)
        _steps.landmark_by(
            study, data, "pfs", at_months=lm, status=status, factor="four cycles completed",
            levels={False: "Fewer than four cycles", True: "Four cycles or more"},
            key="pfs_by_four_cycles_landmark",
            defined_by="the number of cycles received (cycle 4 is given 6–8 months after cycle 1)",
        )  # fmt: skip
    with study.section("Four cycles completed as a time-dependent covariate"):
        _competing.time_dependent_section(
            study, data, "pfs", cycles=_competing.cycle_days(study.read("cycles"), data, settings.course_no),
            final_status=done, landmark_status=status, landmark_months=lm,
            reached=lambda rows: rows["cycles_completed"].ge(_rwo_parts.FULL_COURSE_CYCLES),
            exposure="four cycles completed", key="td_cox_pfs_four_cycles",
        )  # fmt: skip
    with study.section("Progression-free survival by objective response"):
        ok = data["bor"].isin(_steps.RESPONSES)
        resp = data["bor"].isin(["CR", "PR"]).where(ok)
        _steps.survival_by_levels(
            study, data.assign(resp=resp), "pfs", "resp", "best overall response",
            {False: "SD or PD", True: "CR or PR"},
            "pfs_by_response",
        )  # fmt: skip
        lm = settings.landmark_response_months
        r = study.read("analysis_response").merge(
            data[["patient_id", "course_start"]], on="patient_id"
        )
        r = r.loc[r["course_no"] == settings.course_no].assign(
            month=lambda x: (
                (pd.to_datetime(x["assessment_date"]) - pd.to_datetime(x["course_start"])).dt.days
                / _steps.DAYS_PER_MONTH
            )
        )
        first_pd = r.loc[r["overall_response"] == "PD"].groupby("patient_id")["month"].min()
        before_pd = r["month"].le(r["patient_id"].map(first_pd).fillna(float("inf")))
        r = r.loc[before_pd].assign(hit=r["overall_response"].isin(["CR", "PR"]).astype(int))
        status = (
            data["patient_id"]
            .map(stats.accumulated_by(r, "patient_id", "month", lm, "hit"))
            .fillna(0)
            .gt(0)
        )
        _steps.landmark_by(
            study, data, "pfs", at_months=lm, status=status, factor="objective response",
            levels={False: "No response by then", True: "CR or PR by then"},
            key="pfs_by_response_landmark",
            defined_by="the best response (seen at the restaging scans)",
        )  # fmt: skip


def _no_evaluable_prrt2(study: StudyRun, re: pd.DataFrame) -> None:
    """The PRRT-2 response table when no retreated patient has an evaluable response: the
    patients by reason, and no rate (Lazarenko: "available for 13 patients")."""
    why = _steps.not_evaluable_reasons(re, assessed=_assessed(study, re, 2)).value_counts()
    n = len(re)
    study.table(
        ReportTable(
            f"Best overall response after PRRT-2 (RECIST 1.1): none of the {n} retreated "
            "patients is evaluable",
            pd.DataFrame(
                {
                    "Not evaluable": [f"{str(k)[:1].upper()}{str(k)[1:]}" for k in why.index],
                    "Patients, n (%)": [_rwo_parts.n_pct(int(v), n) for v in why.to_numpy()],
                }
            ),
            "prrt2_bor",
            footnote=f"Percentages of the {n} retreated patients. No RECIST 1.1 assessment during "
            "or after PRRT-2 is recorded, so response rates are not estimable.",
        )
    )
    study.number("prrt2_n_evaluable", 0)


def _retreatment(study: StudyRun, data: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    re = pd.DataFrame()
    with study.section("Retreatment (PRRT-2)"):
        courses = study.read("analysis_patient_course")
        re = subset(courses, courses["course_no"] == 2)
        if re.empty:
            raise NotComputable("no patient was retreated")
        re = _derivation.with_pet_rule(study, re, settings.pfs_pet_rule)
        study.number("prrt2_n", len(re))
        cyc = re["n_cycles"].astype(int).value_counts().sort_index()
        study.text(
            f"{len(re)} patients were retreated (PRRT-2): "
            + ", ".join(
                f"{int(v)} received {k} cycle{'s' if k > 1 else ''}" for k, v in cyc.items()
            )
            + f"; cumulative activity median {_steps._fmt(float(re['cumulative_activity_gbq'].median()))} GBq. "
            "PFS and OS after PRRT-2 are counted from the first cycle of PRRT-2 (time origin)."
        )
    with study.section("Response after PRRT-2 (RECIST 1.1)"):
        if re.empty:
            raise NotComputable("no patient was retreated")
        if not re["bor"].isin(_steps.RESPONSES).any():
            _no_evaluable_prrt2(study, re)
        else:
            _steps.response_table(
                study, re, name="prrt2_bor", key="prrt2", method=settings.response_ci,
                criteria="RECIST 1.1, PRRT-2", assessed=_assessed(study, re, 2),
            )  # fmt: skip
    for endpoint in ("pfs", "os"):
        with study.section(f"{_steps.ENDPOINT_LABELS[endpoint]} after PRRT-2"):
            if re.empty:
                raise NotComputable("no patient was retreated")
            fit = _steps.survival_overall(study, re, endpoint, f"prrt2_{endpoint}")
            study.text(f"Time origin: the first cycle of PRRT-2 ({fit.n} patients).")
    with study.section("Third course (PRRT-3)"):
        courses = study.read("analysis_patient_course")
        r3 = subset(courses, courses["course_no"] == 3)
        if r3.empty:
            raise NotComputable("no patient received a third course of PRRT in this cohort")
        study.table(
            ReportTable(
                f"Patients treated with a third course (PRRT-3, n = {len(r3)})",
                pd.DataFrame(
                    {
                        "Patient": [f"#{k}" for k in range(1, len(r3) + 1)],
                        "Cycles received": r3["n_cycles"].astype(int).astype(str).to_numpy(),
                        "Best overall response (RECIST 1.1)": r3["bor"]
                        .map(lambda b: _steps.RESPONSE_LABELS.get(b, "Not evaluable"))
                        .to_numpy(),
                    }
                ),
                "prrt3",
            )
        )
    return re


def _glance(study: StudyRun) -> None:
    kn = study.key_numbers

    def med(key: str) -> str:
        lo, hi = kn.get(f"{key}_median_ci", (float("nan"), float("nan")))
        return f"{_steps._fmt(kn.get(f'{key}_median_months', float('nan')))} months (95 % CI {_steps._fmt(lo)}–{_steps._fmt(hi)})"

    if "bor_orr_pct" in kn:
        n = kn["bor_n_evaluable"]
        for what, k in (("Objective response rate", "orr"), ("Disease control rate", "dcr")):
            lo, hi = kn[f"bor_{k}_ci"]
            study.glance(
                f"{what} (RECIST 1.1, {n} evaluable patients): {_steps._fmt(kn[f'bor_{k}_pct'])} % "
                f"(95 % CI {_steps._fmt(lo)}–{_steps._fmt(hi)})."
            )
    if "pfs_median_months" in kn:
        study.glance(f"Median progression-free survival after PRRT-1: {med('pfs')}.")
    if "os_median_months" in kn:
        study.glance(f"Median overall survival after PRRT-1: {med('os')}.")
    for endpoint in ("pfs", "os"):
        hr, ci = (
            kn.get(f"cox_{endpoint}_hr[cga_ge_1000]"),
            kn.get(f"cox_{endpoint}_ci[cga_ge_1000]"),
        )
        if hr is not None and ci is not None:
            study.glance(
                f"Chromogranin A ≥ 1000 µg/L, multivariable Cox for "
                f"{_steps.ENDPOINT_LABELS[endpoint].lower()}: HR {_steps._fmt(hr, 2)} "
                f"(95 % CI {_steps._fmt(ci[0], 2)}–{_steps._fmt(ci[1], 2)})."
            )
    if "prrt2_pfs_median_months" in kn:
        study.glance(
            f"Median progression-free survival after PRRT-2 (from its first cycle): {med('prrt2_pfs')}."
        )


def run(store: Store, out_dir: str | Path, settings: Settings = SETTINGS) -> StudyOutput:
    """Run the template on ``store`` and write the report to ``out_dir``."""
    study = StudyRun.start(store, settings)
    data = study.population(
        "Population",
        lambda: _derivation.with_pet_rule(
            study, _population(study, settings), settings.pfs_pet_rule
        ),
    )
    if data is None:
        return study.finish(out_dir)

    with study.section("Patient characteristics"):
        _characteristics(study, data)
    with study.section("Cycles completed"):
        _cycles(study, data)
    with study.section("Response (RECIST 1.1)"):
        r = _steps.response_table(
            study, data, name="bor", key="bor", method=settings.response_ci,
            assessed=_assessed(study, data, settings.course_no),
        )  # fmt: skip
        study.number("orr_pct", 100.0 * r.orr.estimate)
        study.number("dcr_pct", 100.0 * r.dcr.estimate)
    with study.section("Best change in target lesions (waterfall)"):
        _figures.waterfall(study, data, settings.course_no)

    with study.section("Progression-free survival"):
        _steps.survival_overall(study, data, "pfs", "pfs")
        study.text(f"Time origin: the first PRRT-1 cycle. PFS definition: {settings.pfs_rule}.")
    with study.section("Overall survival"):
        _steps.survival_overall(study, data, "os", "os")
        study.text(
            "Time origin: the first PRRT-1 cycle; death from any cause, censored at last contact."
        )
    with study.section("Follow-up"):
        _steps.follow_up(study, data)

    with study.section("Adverse events"):
        _adverse_events(study, data, settings)
    with study.section("Δ highest grade of haematological toxicity"):
        study.require_derivation("ctcae_version", settings.ctcae_version, "Δ highest grade")
        _delta_grade(study, data)
    with study.section("Myelodysplastic syndrome and acute myeloid leukaemia"):
        _mds_aml(study, data)
    with study.section(
        "Cumulative incidence of myelodysplastic syndrome or acute myeloid leukaemia"
    ):
        days = _competing.first_event_days(study.read("disease_events"), data, ["mds", "aml"])
        _competing.cumulative_incidence_section(
            study, _competing.competing_frame(data, days), event_label="MDS or AML",
            key="cuminc_mds_aml", population="All patients",
        )  # fmt: skip

    for endpoint in ("pfs", "os"):
        with study.section(f"Prognostic factors for {_steps.ENDPOINT_LABELS[endpoint].lower()}"):
            _cox(study, data, endpoint, settings)
    _km_by_factors(study, data, settings)
    _landmarks(study, data, settings)

    re = _retreatment(study, data, settings)
    with study.section("Retreated patients: timelines"):
        if re.empty:
            raise NotComputable("no patient was retreated")
        re1 = subset(data, data["patient_id"].isin(re["patient_id"]))
        _figures.swimmer(study, re1, "Patients retreated with PRRT-2")

    _glance(study)
    study.number("glance", list(study.report.glance))
    return study.finish(out_dir)
