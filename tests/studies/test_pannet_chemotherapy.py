"""PanNET-after-chemotherapy template (Fröss-Baron et al. 2021) against independent sources.

Kaplan–Meier medians and log-rank p are checked against lifelines, median CIs against statsmodels
(Brookmeyer–Crowley, log-log, as SAS), multivariable Cox hazard ratios against statsmodels PHReg
with Breslow ties, exact CIs against scipy's Clopper–Pearson interval, and counts against pandas
recounts of the store. Nothing is compared with a number the template printed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from lifelines.statistics import logrank_test
from scipy.stats import binomtest
from statsmodels.duration.hazard_regression import PHReg
from statsmodels.duration.survfunc import SurvfuncRight

from prrt import stats
from prrt.report.tables.base import ReportTable
from prrt.studies import pannet_chemotherapy as pannet
from prrt.studies._base import StudyOutput, StudyRun
from prrt.studies._pannet_sections import pd_at_baseline

from .conftest import Built, course1

MONTH = 30.4375


@dataclass
class Ran:
    """A pannet run with its StudyRun (report blocks) and the population recomputed here."""

    out: StudyOutput
    run: StudyRun
    pop: pd.DataFrame


def capture(module: Any, built: Built, out: Path) -> tuple[StudyOutput, StudyRun]:
    """Run ``module`` on the built store and keep its StudyRun for inspection."""
    kept: dict[str, StudyRun] = {}
    original = StudyRun.finish

    def finish(self: StudyRun, out_dir: str | Path) -> StudyOutput:
        kept["run"] = self
        return original(self, out_dir)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(StudyRun, "finish", finish)
        result = module.run(built.store, out)
    return result, kept["run"]


@pytest.fixture(scope="module")
def ran(full: Built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ran]:
    out, run = capture(pannet, full, tmp_path_factory.mktemp("pannet"))
    c = course1(full.store)
    pop = c.loc[(c["primary_site"] == "pancreas") & (c["chemo_lines"].fillna(0) >= 1)].copy()
    yield Ran(out, run, pop)


def table(ran: Ran, name: str) -> ReportTable:
    found = [b.table for b in ran.run.report.tables if b.table.name == name]
    assert found, f"no table {name!r}"
    return found[0]


def cell(t: ReportTable, row_label: str, column: str, start: int = 0) -> str:
    """Cell of the first row at or after ``start`` whose first column is ``row_label``."""
    frame = t.frame.reset_index(drop=True)
    first = frame.columns[0]
    rows = frame.index[(frame[first].astype(str).str.strip() == row_label) & (frame.index >= start)]
    assert len(rows), f"no row {row_label!r} in {t.name}"
    return str(frame.loc[rows[0], column])


def fmt1(x: float) -> str:
    return f"{stats.round_half_up(x, 1):.1f}"


def km_median(time: pd.Series, event: pd.Series) -> float:
    """Kaplan–Meier median from lifelines' curve with the SAS/R rule for a flat stretch at 0.5.

    lifelines returns the first time with S(t) ≤ 0.5; when S(t) is exactly 0.5 up to a later event,
    SAS LIFETEST and R ``print.survfit`` take the midpoint of that stretch (``conventions.md``).
    """
    kmf = KaplanMeierFitter().fit(time, event)
    sf = kmf.survival_function_.iloc[:, 0]
    at = sf[sf <= 0.5 + 1e-12]
    if at.empty:
        return float("nan")
    t0 = float(at.index[0])
    if abs(float(at.iloc[0]) - 0.5) < 1e-12:
        below = sf[sf < 0.5 - 1e-12]
        return (t0 + float(below.index[0])) / 2 if len(below) else float("nan")
    return t0


def exact_ci(x: int, n: int) -> tuple[float, float]:
    ci = binomtest(x, n).proportion_ci(method="exact")
    return float(ci.low), float(ci.high)


# --- Table 3 -----------------------------------------------------------------------------------


def _factor_frame(ran: Ran) -> pd.DataFrame:
    """The Table-3 factors recomputed from the analysis dataset (as the paper defines them)."""
    p = ran.pop
    burden = p["hepatic_tumour_burden"]
    liver = burden.notna() & burden.ne("none")
    return pd.DataFrame(
        {
            "age_gt65": (p["age_at_start"] > 65).astype(float),
            "ecog_ge1": (p["ecog"] >= 1).astype(float).where(p["ecog"].notna()),
            "ki67_gt10": p["ki67_gt10"].astype("Float64").astype(float),
            "hepatic_burden_gt50_liver": burden.isin(["gt50", "gt50_enlarged"])
            .astype(float)
            .where(liver),
            "chemo_lines_gt1": (p["chemo_lines"] > 1).astype(float),
            "bone_metastases": p["bone_metastases"].astype("Float64").astype(float),
            "cga_gt_10uln": p["cga_gt_10uln"].astype("Float64").astype(float),
            "pfs": p["pfs_days"] / MONTH,
            "pfs_e": p["pfs_event"].astype(float),
            "os": p["os_days"] / MONTH,
            "os_e": p["os_event"].astype(float),
        }
    )


@pytest.mark.parametrize("endpoint", ["pfs", "os"])
@pytest.mark.parametrize(
    "factor", ["age_gt65", "ecog_ge1", "hepatic_burden_gt50_liver", "chemo_lines_gt1"]
)
def test_table3_medians_and_logrank_against_lifelines(ran: Ran, endpoint: str, factor: str) -> None:
    f = _factor_frame(ran).dropna(subset=[factor, endpoint])
    keys = ran.out.key_numbers
    for code in (0, 1):
        g = f.loc[f[factor] == code]
        expected = km_median(g[endpoint], g[f"{endpoint}_e"])
        got = keys[f"prognostic_factors_median[{endpoint}:{factor}={code}]"]
        if np.isfinite(expected):
            assert got == pytest.approx(expected, abs=1e-9)
            sf = SurvfuncRight(g[endpoint].to_numpy(), g[f"{endpoint}_e"].to_numpy())
            lo, hi = sf.quantile_ci(0.5, method="cloglog")
            ci = keys[f"prognostic_factors_median_ci[{endpoint}:{factor}={code}]"]
            assert ci[0] == pytest.approx(lo, abs=1e-9)
            if np.isfinite(hi):
                assert ci[1] == pytest.approx(hi, abs=1e-9)
        else:
            assert not np.isfinite(got)
    lr = logrank_test(
        f.loc[f[factor] == 0, endpoint],
        f.loc[f[factor] == 1, endpoint],
        f.loc[f[factor] == 0, f"{endpoint}_e"],
        f.loc[f[factor] == 1, f"{endpoint}_e"],
    )
    p = keys[f"prognostic_factors_logrank_p[{endpoint}:{factor}]"]
    assert p == pytest.approx(lr.p_value, rel=1e-6)
    t = table(ran, f"prognostic_factors_{endpoint}")
    label = pannet.FACTORS[factor].label
    col = "Log-rank p"
    assert cell(t, label, col) == stats.format_p(lr.p_value)
    level0 = pannet.FACTORS[factor].levels[0]
    median_col = f"Median {endpoint.upper()}, months (95 % CI)"
    start = int(t.frame.index[t.frame["Factor"] == label][0])
    text = cell(t, level0, median_col, start)
    g0 = f.loc[f[factor] == 0]
    exp0 = km_median(g0[endpoint], g0[f"{endpoint}_e"])
    assert text.startswith(fmt1(exp0) if np.isfinite(exp0) else "NE")


@pytest.mark.parametrize("endpoint", ["pfs", "os"])
def test_table3_multivariable_hr_against_statsmodels_breslow(ran: Ran, endpoint: str) -> None:
    keys = ran.out.key_numbers
    entered = [
        c
        for c in pannet.SETTINGS.candidates
        if keys.get(f"prognostic_factors_logrank_p[{endpoint}:{c}]", np.nan) < 0.1
    ]
    t = table(ran, f"prognostic_factors_{endpoint}")
    if not entered:
        assert "No factor had log-rank p < 0.1" in (t.footnote or "")
        return
    d = ran.pop.copy()
    # recompute the entered factors independently of the template's derivation
    burden = d["hepatic_tumour_burden"]
    derived = {
        "age_gt65": (d["age_at_start"] > 65).astype(float),
        "ecog_ge1": (d["ecog"] >= 1).astype(float).where(d["ecog"].notna()),
        "krenning_4": (d["krenning_score"] == 4).astype(float).where(d["krenning_score"].notna()),
        "chemo_lines_gt1": (d["chemo_lines"] > 1).astype(float),
        "hepatic_burden_gt50_liver": burden.isin(["gt50", "gt50_enlarged"])
        .astype(float)
        .where(burden.notna() & burden.ne("none")),
    }
    prior = ran.run.store.read("prior_treatments")
    prim = prior.loc[
        prior["modality"].eq("surgery")
        & prior["agent"].fillna("").str.lower().str.contains("primary"),
        "patient_id",
    ]
    derived["surgery_primary"] = d["patient_id"].isin(set(prim)).astype(float)
    x = pd.DataFrame(
        {c: derived[c] if c in derived else d[c].astype("Float64").astype(float) for c in entered}
    ).assign(t=d[f"{endpoint}_days"] / MONTH, e=d[f"{endpoint}_event"].astype(float))
    x = x.dropna()
    monotone = [
        c for c in entered if not np.isfinite(keys[f"prognostic_factors_hr[{endpoint}:{c}]"])
    ]
    for c in monotone:  # shown as NE: a level without events (monotone likelihood)
        events = x.groupby(c)["e"].sum()
        assert (events == 0).any() or (events == x.groupby(c).size()).any() or len(events) < 2
        assert cell(t, pannet.FACTORS[c].label, "Multivariable HR (95 % CI)")
    if monotone:
        return  # the other estimates of a diverging fit are checked in test_factor_survival_table
    fit = PHReg(x["t"], x[entered], status=x["e"], ties="breslow").fit()
    hr = np.exp(fit.params)
    ci = np.exp(fit.conf_int())
    for i, c in enumerate(entered):
        assert keys[f"prognostic_factors_hr[{endpoint}:{c}]"] == pytest.approx(hr[i], rel=1e-4)
        lo, hi = keys[f"prognostic_factors_hr_ci[{endpoint}:{c}]"]
        assert lo == pytest.approx(ci[i, 0], rel=1e-3)
        assert hi == pytest.approx(ci[i, 1], rel=1e-3)
    assert any("multivariable" in str(h).lower() for h in t.header())
    assert "multivariable" in t.title.lower()
    # factors not entered show a dash in the multivariable columns
    not_entered = [c for c in pannet.SETTINGS.candidates if c not in entered]
    for c in not_entered:
        label = pannet.FACTORS[c].label
        if (t.frame["Factor"] == label).any():
            assert cell(t, label, "Multivariable HR (95 % CI)") == "—"


# --- KM figures, follow-up ---------------------------------------------------------------------


def test_km_by_liver_lines_response_biochemical_present(ran: Ran) -> None:
    names = {f.name for f in ran.run.report.figures}
    for key in ("liver", "lines", "response", "biochemical"):
        for ep in ("pfs", "os"):
            assert f"km_{ep}_by_{key}" in names


def test_km_by_lines_logrank_against_lifelines(ran: Ran) -> None:
    p = ran.pop
    g = p["chemo_lines"] > 1
    lr = logrank_test(
        p.loc[~g, "os_days"], p.loc[g, "os_days"], p.loc[~g, "os_event"], p.loc[g, "os_event"]
    )
    assert ran.out.key_numbers["os_by_lines_logrank_p"] == pytest.approx(lr.p_value, rel=1e-6)


def test_median_followup_is_reverse_km(ran: Ran) -> None:
    p = ran.pop
    expected = km_median(p["os_days"] / MONTH, 1 - p["os_event"].astype(float))
    assert ran.out.key_numbers["followup_median_months"] == pytest.approx(expected, abs=1e-9)
    t = table(ran, "survival_summary")
    assert cell(t, "Follow-up (reverse Kaplan–Meier)", "Median, months (95 % CI)").startswith(
        fmt1(expected)
    )


def test_os_from_diagnosis_median(ran: Ran) -> None:
    p = ran.pop
    expected = km_median(p["os_from_diagnosis_days"] / MONTH, p["os_event"].astype(float))
    assert ran.out.key_numbers["os_dx_median_months"] == pytest.approx(expected, abs=1e-9)


# --- toxicity ----------------------------------------------------------------------------------


def test_composite_marrow_toxicity_and_exact_ci(ran: Ran) -> None:
    labs = ran.run.store.read("analysis_labs")
    on = labs.loc[
        labs["patient_id"].isin(set(ran.pop["patient_id"]))
        & (labs["period"] == "on_treatment")
        & (labs["course_no"] == 1)
        & labs["test"].isin(["platelets", "haemoglobin", "leukocytes", "neutrophils"])
    ].dropna(subset=["grade_v3_0"])
    worst = on.groupby("patient_id")["grade_v3_0"].max()
    x, n = int((worst >= 3).sum()), len(worst)
    keys = ran.out.key_numbers
    assert keys["marrow_toxicity_n"] == x
    assert keys["marrow_toxicity_denominator"] == n
    lo, hi = exact_ci(x, n)
    assert keys["marrow_toxicity_ci"] == pytest.approx((lo, hi), abs=1e-9)
    t = table(ran, "toxicity")
    text = cell(
        t,
        "Bone-marrow toxicity (any of the four blood counts)",
        "Grade 3–4, n/N (%; 95 % CI)",
    )
    assert text.startswith(f"{x}/{n} ")
    assert f"95 % CI {fmt1(100 * lo)}–{fmt1(100 * hi)} %" in text


def test_aml_mds_row_counts_disease_events(ran: Ran) -> None:
    ev = ran.run.store.read("disease_events")
    start = ran.pop.set_index("patient_id")["course_start"]
    ev = ev.loc[ev["event_type"].isin(["aml", "mds"]) & ev["patient_id"].isin(start.index)]
    after = pd.to_datetime(ev["event_date"]) >= pd.to_datetime(ev["patient_id"].map(start))
    x = ev.loc[after, "patient_id"].nunique()
    assert ran.out.key_numbers["mds_aml_n"] == x
    t = table(ran, "toxicity")
    label = "Acute myeloid leukaemia or myelodysplastic syndrome (any time after PRRT start)"
    assert cell(t, label, "Grade 3–4, n/N (%; 95 % CI)").startswith(f"{x}/{len(ran.pop)} ")


def test_toxicity_uses_ctcae_v3(ran: Ran) -> None:
    t = table(ran, "toxicity")
    assert "CTCAE v3.0" in t.title


# --- response ----------------------------------------------------------------------------------


def test_response_denominator_and_exact_ci(ran: Ran) -> None:
    bor = ran.pop["bor"]
    ev = bor[bor.isin(["CR", "PR", "SD", "PD"])]
    n = len(ev)
    t = table(ran, "response")
    parts = [
        cell(t, label, "n/N (%; 95 % CI)")
        for label in (
            "Complete response",
            "Partial response",
            "Stable disease",
            "Progressive disease",
        )
    ]
    counts = [int(s.split("/")[0]) for s in parts]
    assert all(s.split("/")[1].startswith(f"{n} ") for s in parts)
    assert sum(counts) == n
    x = int(ev.isin(["CR", "PR"]).sum())
    lo, hi = exact_ci(x, n)
    assert ran.out.key_numbers["orr_ci"] == pytest.approx((lo, hi), abs=1e-9)
    assert f"{len(ran.pop) - n} of {len(ran.pop)}" in (t.footnote or "")


# --- Table 1 and Table 2 -----------------------------------------------------------------------


def test_table1_rows(ran: Ran) -> None:
    t = table(ran, "table1")
    labels = [str(v).strip() for v in t.frame.iloc[:, 0]]
    for row in (
        "ECOG performance status",
        "Krenning score",
        "Lymph-node metastases",
        "Peritoneal or pleural metastases",
        "ALP > 2 × ULN",
        "Hepatic tumour burden",
        "< 10 %",
        "10–50 %",
        "> 50 %",
        "> 50 % with enlarged liver",
    ):
        assert row in labels, row
    burden = ran.pop["hepatic_tumour_burden"]
    n = int(burden.eq("gt50_enlarged").sum())
    assert cell(t, "> 50 % with enlarged liver", t.header()[1]).startswith(f"{n} (")


def test_table2_counts_from_prior_treatments(ran: Ran) -> None:
    prior = ran.run.store.read("prior_treatments")
    prior = prior.loc[prior["patient_id"].isin(set(ran.pop["patient_id"]))]
    agent = prior["agent"].fillna("").str.lower()
    stz = prior.loc[prior["modality"].eq("chemotherapy") & agent.str.contains("streptozo")]
    surgery = prior.loc[prior["modality"].eq("surgery")]
    t = table(ran, "prior_treatments")
    col = "Patients, n (%)"
    assert cell(t, "Streptozotocin + 5-fluorouracil", col).startswith(
        f"{stz['patient_id'].nunique()} ("
    )
    assert cell(t, "Surgery (any)", col).startswith(f"{surgery['patient_id'].nunique()} (")
    lines = ran.pop["chemo_lines"]
    assert cell(t, "One line", col).startswith(f"{int((lines == 1).sum())} (")
    assert cell(t, "Two lines", col).startswith(f"{int((lines == 2).sum())} (")


# --- progressive disease at baseline: boundary truth table --------------------------------------


class _Stub:
    def __init__(self, events: pd.DataFrame) -> None:
        self.events = events

    def read(self, name: str) -> pd.DataFrame:
        assert name == "disease_events"
        return self.events


@pytest.mark.parametrize(
    ("days_before", "expected"),
    [
        pytest.param(1, 1.0, id="pd-baseline-1-day-before"),
        pytest.param(365, 1.0, id="pd-baseline-window-edge-included"),
        pytest.param(366, 0.0, id="pd-baseline-outside-window"),
        pytest.param(0, 0.0, id="pd-baseline-same-day-not-before"),
    ],
)
def test_pd_at_baseline_window(days_before: int, expected: float) -> None:
    data = pd.DataFrame({"patient_id": ["a", "b"], "course_start": ["2020-06-01"] * 2})
    when = pd.Timestamp("2020-06-01") - pd.Timedelta(days=days_before)
    events = pd.DataFrame(
        {
            "patient_id": ["a", "b"],
            "event_type": ["radiological_progression", "radiological_progression"],
            "event_date": [when, pd.Timestamp("2020-03-01")],
        }
    )
    out = pd_at_baseline(_Stub(events), data, 365)  # type: ignore[arg-type]
    assert out.tolist() == [expected, 1.0]


def test_pd_at_baseline_unknown_without_any_pre_prrt_progression() -> None:
    data = pd.DataFrame({"patient_id": ["a"], "course_start": ["2020-06-01"]})
    events = pd.DataFrame(
        {
            "patient_id": ["a"],
            "event_type": ["radiological_progression"],
            "event_date": ["2021-01-01"],
        }
    )
    assert np.isnan(pd_at_baseline(_Stub(events), data, 365)).all()  # type: ignore[arg-type]


# --- correspondence, glance, readable text --------------------------------------------------------


def test_correspondence_items_present_or_explained(ran: Ran) -> None:
    names = {b.table.name for b in ran.run.report.tables} | {f.name for f in ran.run.report.figures}
    notices = {n.what: n.why for n in ran.run.report.notices}
    for item in pannet.CORRESPONDENCE:
        if not item.report:
            assert item.reason
            continue
        for name in item.report:
            if name == "multivariable_marrow" and name not in names:
                # the demo cohort has marrow dosimetry in a minority and (almost) no events there
                why = notices["Multivariable model for bone-marrow toxicity"]
                assert "events among the" in why
                continue
            assert name in names, f"{item.paper}: {name} missing"


def test_glance_headlines(ran: Ran) -> None:
    glance = ran.run.report.glance
    p = ran.pop
    pfs = km_median(p["pfs_days"] / MONTH, p["pfs_event"].astype(float))
    os_ = km_median(p["os_days"] / MONTH, p["os_event"].astype(float))
    text = "\n".join(glance)
    assert f"Patients: {len(p)} " in text
    assert f"Median progression-free survival: {fmt1(pfs)} (" in text
    assert f"Median overall survival: {fmt1(os_)} (" in text
    bor = p["bor"][p["bor"].isin(["CR", "PR", "SD", "PD"])]
    x = int(bor.isin(["CR", "PR"]).sum())
    lo, hi = exact_ci(x, len(bor))
    assert (
        f"{x}/{len(bor)} ({fmt1(100 * x / len(bor))} %; 95 % CI {fmt1(100 * lo)}–{fmt1(100 * hi)} %)"
        in text
    )
    assert "Bone-marrow toxicity grade 3–4" in text


CODE = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b|p = <")


def reader_text(run: StudyRun) -> list[str]:
    """Every caption, header, cell, footnote, paragraph, notice and glance line of a report."""
    out: list[str] = list(run.report.glance)
    for b in run.report.tables:
        t = b.table
        out += [t.title, t.footnote or "", *t.header()]
        out += [str(c) for row in t.rows() for c in row]
    out += [f.caption for f in run.report.figures]
    out += [n.text for n in run.report.notices]
    return out


def test_no_code_in_reader_text(ran: Ran) -> None:
    bad = [s for s in reader_text(ran.run) if CODE.search(s)]
    assert not bad


def test_factor_survival_table_against_lifelines_and_statsmodels(full: Built) -> None:
    from prrt.studies._factor_survival import Factor, factor_survival_table

    rng = np.random.default_rng(20261205)
    n = 240
    a = rng.integers(0, 2, n).astype(float)
    b = rng.integers(0, 2, n).astype(float)
    c = rng.integers(0, 2, n).astype(float)
    t = rng.exponential(20 / np.exp(0.7 * a + 0.4 * b), n)
    cens = rng.exponential(40, n)
    data = pd.DataFrame(
        {
            "a": a,
            "b": b,
            "c": c,
            "pfs_days": np.minimum(t, cens) * MONTH,
            "pfs_event": (t <= cens).astype(float),
            "os_days": np.minimum(t * 1.5, cens) * MONTH,
            "os_event": (t * 1.5 <= cens).astype(float),
        }
    )
    run = StudyRun.start(full.store, pannet.SETTINGS)
    factors = [Factor(x, x.upper(), ("no", "yes")) for x in ("a", "b", "c")]
    res = factor_survival_table(run, data, factors, threshold=0.1, name="t3")
    keys = run.key_numbers
    for ep in ("pfs", "os"):
        time, ev = data[f"{ep}_days"] / MONTH, data[f"{ep}_event"]
        sel = []
        for x in ("a", "b", "c"):
            lr = logrank_test(
                time[data[x] == 0], time[data[x] == 1], ev[data[x] == 0], ev[data[x] == 1]
            )
            assert keys[f"t3_logrank_p[{ep}:{x}]"] == pytest.approx(lr.p_value, rel=1e-6)
            if lr.p_value < 0.1:
                sel.append(x)
            for code in (0, 1):
                m = data[x] == code
                assert keys[f"t3_median[{ep}:{x}={code}]"] == pytest.approx(
                    km_median(time[m], ev[m]), abs=1e-9
                )
        assert res.screens[ep].selected == sel
        assert sel, "the simulated effects should enter the model"
        fit = PHReg(time, data[sel], status=ev, ties="breslow").fit()
        for i, x in enumerate(sel):
            assert keys[f"t3_hr[{ep}:{x}]"] == pytest.approx(np.exp(fit.params[i]), rel=1e-5)
            lo, hi = keys[f"t3_hr_ci[{ep}:{x}]"]
            assert lo == pytest.approx(np.exp(fit.conf_int()[i, 0]), rel=1e-4)
            assert hi == pytest.approx(np.exp(fit.conf_int()[i, 1]), rel=1e-4)


def test_response_landmark_against_lifelines(ran: Ran) -> None:
    """Landmark (Anderson 1983): event-free at 12 months, grouped by CR/PR reached by then."""
    p = ran.pop.loc[ran.pop["bor"].isin(["CR", "PR", "SD", "NON-CR/NON-PD", "PD"])]
    cutoff = pannet.SETTINGS.response_landmark_months * MONTH
    for ep in ("pfs", "os"):
        at = p.loc[p[f"{ep}_days"] > cutoff]
        resp = at["bor"].isin(["CR", "PR"]) & (at["time_to_bor_days"] <= cutoff)
        t = (at[f"{ep}_days"] - cutoff) / MONTH
        e = at[f"{ep}_event"].astype(float)
        key = f"{ep}_by_response_landmark_logrank_p"
        if resp.nunique() < 2:
            assert key not in ran.out.key_numbers
            continue
        lr = logrank_test(t[resp], t[~resp], e[resp], e[~resp])
        assert ran.out.key_numbers[key] == pytest.approx(lr.p_value, rel=1e-6)
        fig = [f for f in ran.run.report.figures if f.name == f"km_{ep}_by_response_landmark"]
        assert fig and "landmark" in fig[0].caption.lower()
