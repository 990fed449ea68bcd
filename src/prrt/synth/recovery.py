"""True vs estimated: every planted effect re-estimated by the product's own pipeline and engines.

A cohort is synthesised, written in the import format, imported and derived exactly as
``prrt demo`` does (:func:`analysis_tables`); the planted hazard ratios are then estimated
with :func:`prrt.stats.cox` (Breslow ties, Wald 95 % CI, conventions.md) on the derived table
``analysis_patient_course`` (:func:`recover`).

Which model. Each paper's effects are estimated in the population of the matching study
template, on the columns the template uses (``src/prrt/studies``):

* Lazarenko (real-world outcomes): all PRRT-1 patients; grade as a factor with grade 1 as
  reference (the template's coding); CgA ≥ 1000 µg/L, sodium, albumin, NLR.
* Fröss-Baron (PanNET after chemotherapy): pancreatic primary with ≥ 1 chemotherapy line;
  ECOG ≥ 1, hepatic burden > 50 %, bone metastases, > 1 chemotherapy line, CgA > ULN,
  ALP > 2 × ULN, and surgery of the primary - a factor the template does not carry, taken
  from ``prior_treatments`` (modality ``surgery``) with the paper's definition.
* Skeletal metastases: patients with bone metastases; ALP above the laboratory's ULN (the
  template's definition, from ``analysis_labs``) and male sex. Cumulative activity ≥ 29.6 GBq
  is not planted (its association arises from early stops) and is not in this model.

The planted hazard ratios are conditional on every other planted covariate acting in that
population, so the model adjusts for them (column ``model``: "adjusted"); the estimate from the
paper's covariates alone is shown beside it ("paper covariates only"), which is what a
template's multivariable model approaches; it is attenuated towards 1 by the omitted effects
(non-collapsibility of the hazard ratio) but never reversed.

Examples
--------
>>> from prrt.synth.recovery import MODELS
>>> sorted(MODELS)
['froess_baron', 'lazarenko', 'skeletal']
"""

from __future__ import annotations

import logging
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from prrt import stats
from prrt.synth import effects
from prrt.synth._params import load_parameters

_LOG = logging.getLogger(__name__)

DAYS_PER_MONTH = 30.4375
"""Display months = days / 30.4375 (conventions.md, Units)."""


@dataclass(frozen=True)
class Model:
    """The population and paper of one group of planted effects."""

    paper: str
    template: str
    population: str
    effect_population: str


MODELS = {
    "lazarenko": Model(
        "Lazarenko et al. 2026, Tables 4-5",
        "real-world-outcomes",
        "all PRRT-1 patients",
        "all",
    ),
    "froess_baron": Model(
        "Fröss-Baron et al. 2021, Table 3",
        "pannet-chemotherapy",
        "pancreatic primary, ≥ 1 chemotherapy line",
        "pancreas",
    ),
    "skeletal": Model(
        "J Nucl Med 2025, skeletal metastases",
        "skeletal-metastases",
        "patients with bone metastases",
        "bone",
    ),
}
"""Planted-effect groups: paper, study template, template population, effect population."""

_GROUP_OF_POPULATION = {"all": "lazarenko", "pancreas": "froess_baron", "bone": "skeletal"}


def analysis_tables(
    n_patients: int, seed: int, params: dict[str, Any] | None = None
) -> dict[str, pd.DataFrame]:
    """Synthesise → CSV → import → derive (the demo's path) and return what recovery needs.

    Returns
    -------
    dict
        ``courses`` (``analysis_patient_course``, all courses), ``surgery`` (patient_id →
        surgery of the primary before PRRT) and ``alp_above_uln`` (patient_id → baseline ALP
        above the laboratory's ULN, PRRT-1).
    """
    from prrt.clinical.datasets import derive
    from prrt.cohort.importer import import_path
    from prrt.cohort.store import Store
    from prrt.synth.generator import generate
    from prrt.synth.io import write

    frames = generate(n_patients, seed, params=params)
    frames["labs"] = frames["labs"].dropna(subset=["value"])
    with tempfile.TemporaryDirectory(prefix="prrt-truth-") as tmp:
        root = Path(tmp)
        write(frames, root / "source", "csv")
        with Store(root / "cohort.duckdb") as store:
            import_path(root / "source", store, mode="replace", key_file=root / "k.key")
            derive(store)
            courses = store.read("analysis_patient_course")
            prior = store.read("prior_treatments")
            labs = store.read("analysis_labs")
    surgery = prior.loc[prior["modality"] == "surgery", "patient_id"].drop_duplicates()
    alp = labs.loc[
        (labs["test"] == "alp")
        & (labs["course_no"] == 1)
        & (labs["period"] == "baseline")
        & labs["uln"].notna()
    ].sort_values(["patient_id", "day_from_course_start"])
    last = alp.drop_duplicates("patient_id", keep="last").set_index("patient_id")
    return {
        "courses": courses,
        "surgery": pd.Series(True, index=pd.Index(surgery, name="patient_id")),
        "alp_above_uln": (last["value"] > last["uln"]).astype(float),
    }


def _population(cov: pd.DataFrame, data: pd.DataFrame, group: str) -> pd.Series:
    if group == "froess_baron":
        lines = pd.to_numeric(data["chemo_lines"], errors="coerce").fillna(0)
        return (cov["pop_pancreas"] == 1) & (lines >= 1)
    if group == "skeletal":
        return cov["pop_bone"] == 1
    return pd.Series(True, index=cov.index)


def _design(
    cov: pd.DataFrame, data: pd.DataFrame, endpoint: str, group: str, p: dict[str, Any]
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Model frame, the paper's terms and the adjustment terms for one group and endpoint."""
    rows = _population(cov, data, group)
    d = cov.loc[rows].copy()
    paper: list[str] = []
    adjust: list[str] = []
    for name, spec in p["effects"][endpoint].items():
        if name in effects.LATENT:
            continue
        pop = str(spec["population"])
        term = f"{name}|{pop}"
        d[term] = d[name] * (1.0 if pop == "all" else d[f"pop_{pop}"])
        (paper if pop == MODELS[group].effect_population else adjust).append(term)
    if group == "lazarenko" and "who_grade_3|all" in paper:
        # the template's coding: grade as a factor, grade 1 the reference
        d["who_grade_2"] = (data.loc[rows, "who_grade"] == 2).astype(float)
        adjust.append("who_grade_2")
    for pop in p["survival"][f"{endpoint}_population_hr"]:
        adjust.append(f"pop_{pop}")
    # drop adjustment terms that are constant or linearly dependent on the terms already in
    # the model (e.g. bone metastases among pancreatic NETs = the bone-metastases population)
    kept: list[str] = []
    for t in adjust:
        x = d[[*paper, *kept, t]].dropna().to_numpy(dtype=float)
        x = np.column_stack([np.ones(len(x)), x])
        if np.linalg.matrix_rank(x) == x.shape[1]:
            kept.append(t)
    adjust = kept
    ep = data.loc[rows]
    d["time"] = pd.to_numeric(ep[f"{endpoint}_days"], errors="coerce") / DAYS_PER_MONTH
    d["event"] = ep[f"{endpoint}_event"].astype("boolean").astype(float)
    return d, paper, adjust


def recover(tables: dict[str, pd.DataFrame], params: dict[str, Any] | None = None) -> pd.DataFrame:
    """Every planted hazard ratio beside its estimate (95 % CI) from :func:`prrt.stats.cox`.

    Returns
    -------
    DataFrame
        One row per planted effect: ``endpoint, covariate, paper, template, population,
        true_hr, hr, lower, upper, p, covered, estimable, hr_paper_only, lower_paper_only,
        upper_paper_only, n, events, source`` (NaN estimates: the model could not be
        estimated in this cohort).
    """
    p = load_parameters(params)
    courses = tables["courses"]
    data = courses.loc[courses["course_no"] == 1].reset_index(drop=True)
    cov = effects.table_covariates(data, tables["surgery"], tables["alp_above_uln"], params)
    truth = effects.planted(params)
    out = []
    for endpoint in ("pfs", "os"):
        for group, model in MODELS.items():
            d, paper, adjust = _design(cov, data, endpoint, group, p)
            if not paper:
                continue
            full = _fit(d, [*paper, *adjust])
            alone = _fit(d, paper)
            for term in paper:
                name = term.split("|")[0]
                t = truth.loc[(truth["endpoint"] == endpoint) & (truth["covariate"] == name)]
                t = t.loc[t["population"] == model.effect_population].iloc[0]
                est, only = full.table.loc[term], alone.table.loc[term]
                out.append(
                    {
                        "endpoint": endpoint,
                        "covariate": name,
                        "scale": t["scale"],
                        "paper": model.paper,
                        "template": model.template,
                        "population": model.population,
                        "true_hr": float(t["hazard_ratio"]),
                        "hr": float(est["hr"]),
                        "lower": float(est["lower"]),
                        "upper": float(est["upper"]),
                        "p": float(est["p"]),
                        "covered": bool(est["lower"] <= t["hazard_ratio"] <= est["upper"]),
                        "estimable": bool(np.isfinite(est["hr"])),
                        "hr_paper_only": float(only["hr"]),
                        "lower_paper_only": float(only["lower"]),
                        "upper_paper_only": float(only["upper"]),
                        "n": int(full.n),
                        "events": int(full.n_events),
                        "source": t["source"],
                    }
                )
    return pd.DataFrame(out)


def _fit(d: pd.DataFrame, terms: list[str]) -> Any:
    """Cox fit, or a table of NaN when a small cohort cannot support the model (a value)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = stats.cox(d, "time", "event", terms)
        if fit.monotone_likelihood or not np.isfinite(fit.table["hr"]).all():
            raise ValueError("monotone likelihood")
        return fit
    except (ValueError, np.linalg.LinAlgError) as exc:
        _LOG.info("Cox model not estimable (%s): %s", ", ".join(terms), exc)
        nan = pd.DataFrame(np.nan, index=terms, columns=["hr", "lower", "upper", "p"])
        ok = d.dropna(subset=[*terms, "time", "event"])
        return _Failed(nan, len(ok), int(ok["event"].sum()))


@dataclass(frozen=True)
class _Failed:
    """A Cox model that could not be estimated (too few patients or events for its terms)."""

    table: pd.DataFrame
    n: int
    n_events: int


def story(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Headline figures of the joint disease model beside their published targets.

    Returns
    -------
    DataFrame
        ``quantity, value, target, source`` (medians in months, shares in %).
    """
    courses = tables["courses"]
    c1 = courses.loc[courses["course_no"] == 1]
    c2 = courses.loc[courses["course_no"] == 2]
    n = len(c1)

    def median(d: pd.DataFrame, endpoint: str) -> float:
        t = pd.to_numeric(d[f"{endpoint}_days"], errors="coerce") / DAYS_PER_MONTH
        e = d[f"{endpoint}_event"].astype("boolean").astype(float)
        ok = t.notna() & e.notna()
        if ok.sum() < 2:
            return float("nan")
        return float(stats.kaplan_meier(t[ok], e[ok]).median)

    dead = c1["os_event"].astype("boolean").fillna(False)
    pfs_ev = c1["pfs_event"].astype("boolean").fillna(False)
    same = pd.to_numeric(c1["pfs_days"]) == pd.to_numeric(c1["os_days"])
    without = int((dead & pfs_ev & same).sum())
    retreated = courses.groupby("patient_id")["course_no"].max()
    rows = [
        ("Median PFS after PRRT-1 (months)", median(c1, "pfs"), "22-30", "Lazarenko 22.5"),
        ("Median OS after PRRT-1 (months)", median(c1, "os"), "42-57", "Lazarenko 42.3"),
        (
            "Deaths without prior documented progression (% of deaths)",
            100.0 * without / max(int(dead.sum()), 1),
            "≤ 25",
            "real-world PRRT series",
        ),
        ("PRRT-2 (% of patients)", 100.0 * float((retreated >= 2).mean()), "~15", "Lazarenko"),
        ("PRRT-3 (% of patients)", 100.0 * float((retreated >= 3).mean()), "~2", "Lazarenko"),
        ("Median PFS after PRRT-2 (months)", median(c2, "pfs"), "~12 (9-16)", "Lazarenko 12.2"),
        ("Median OS after PRRT-2 (months)", median(c2, "os"), "~28", "Lazarenko 28.2"),
        (
            "MDS/AML (% of patients)",
            100.0 * float(c1["mds_aml"].astype("boolean").fillna(False).mean()),
            "1-2",
            "Lazarenko, Fröss-Baron",
        ),
        (
            "Grade ≥ 3 lymphopenia (% of patients)",
            100.0 * float((pd.to_numeric(c1["worst_grade_lymphocytes"]) >= 3).sum() / n),
            "~50",
            "Lazarenko",
        ),
    ]
    return pd.DataFrame(rows, columns=["quantity", "value", "target", "source"])


def truth_report(
    sizes: tuple[int, ...], seed: int, params: dict[str, Any] | None = None
) -> dict[int, dict[str, pd.DataFrame]]:
    """:func:`recover` and :func:`story` for each cohort size (one pipeline run per size)."""
    out = {}
    for n in sizes:
        tables = analysis_tables(n, seed, params)
        out[n] = {"effects": recover(tables, params), "story": story(tables)}
        _LOG.info("truth report: %d patients done", n)
    return out


def _ci(hr: float, lo: float, hi: float) -> str:
    if not all(np.isfinite([hr, lo, hi])):
        return "not estimable"
    return f"{hr:.2f} ({lo:.2f}–{hi:.2f})"


def format_effects(df: pd.DataFrame) -> pd.DataFrame:
    """Readable table: words and units, no column codes."""
    return pd.DataFrame(
        {
            "Endpoint": df["endpoint"].map({"pfs": "PFS", "os": "OS"}),
            "Effect": df["scale"],
            "Paper (template population)": df["paper"] + " (" + df["population"] + ")",
            "True HR": df["true_hr"].map(lambda v: f"{v:.2f}"),
            "Estimate, adjusted (95 % CI)": [
                _ci(a, b, c) for a, b, c in zip(df["hr"], df["lower"], df["upper"], strict=True)
            ],
            "Truth inside CI": df["covered"].map({True: "yes", False: "no"}),
            "Paper covariates only (95 % CI)": [
                _ci(a, b, c)
                for a, b, c in zip(
                    df["hr_paper_only"], df["lower_paper_only"], df["upper_paper_only"], strict=True
                )
            ],
        }
    )
