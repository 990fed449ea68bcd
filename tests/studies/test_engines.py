"""Key numbers of the templates agree with the engines called directly, and planted effects are
recovered (true values: ``src/prrt/synth/parameters.toml``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from prrt import stats
from prrt.clinical.endpoints import derive_endpoints
from prrt.synth import load_parameters

from .conftest import Built, course1

MONTH = 30.4375


def _lazarenko_course1(full: Built) -> pd.DataFrame:
    """Course 1 with PFS under Lazarenko's PET-only rule (what real-world outcomes uses; the
    store is derived with the default rule "ignore")."""
    c = course1(full.store)
    resp = full.store.read("analysis_response")
    ep = derive_endpoints(
        full.store.read("disease_events"),
        c[["patient_id", "course_no", "course_start"]],
        pet_rule="lazarenko",
        recist_progression=resp.loc[resp["overall_response"] == "PD"],
    )
    ep = ep.set_index(["patient_id", "course_no"])[["pfs_days", "pfs_event"]]
    return c.drop(columns=["pfs_days", "pfs_event"]).join(ep, on=["patient_id", "course_no"])


def _pt_population(full: Built) -> pd.DataFrame:
    c = course1(full.store)
    keep = (c["n_cycles"] >= 2) & c["platelets_bl"].notna() & c["platelets_2m"].notna()
    return c.loc[keep.fillna(False).astype(bool)]


def test_pt_rate_is_mean_of_pt_flag(full: Built) -> None:
    data = _pt_population(full)
    kn = full.outputs["persistent-thrombocytopenia"].key_numbers
    assert kn["n_patients"] == len(data)
    assert kn["pt_rate_pct"] == pytest.approx(100 * data["pt"].astype(float).mean(), abs=1e-12)


@pytest.mark.parametrize("factor", ["omis_ge_30", "splenomegaly", "idpc_ge_30", "alkylating"])
def test_pt_odds_ratio_equals_engine(full: Built, factor: str) -> None:
    data = _pt_population(full).dropna(subset=[factor, "pt"])
    x = data[factor].astype(float).astype(int)
    y = data["pt"].astype(float).astype(int)
    table = np.array(
        [
            [((x == 1) & (y == 1)).sum(), ((x == 1) & (y == 0)).sum()],
            [((x == 0) & (y == 1)).sum(), ((x == 0) & (y == 0)).sum()],
        ]
    )
    if table.min() == 0:
        expected = stats.odds_ratio(table, method="modified_wald").estimate
    else:
        fit = stats.logistic(pd.DataFrame({"y": y, "x": x}), "y", ["x"])
        expected = float(fit.table.loc["x", "or"])
    kn = full.outputs["persistent-thrombocytopenia"].key_numbers
    assert kn[f"pt_or[{factor}]"] == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("factor", ["omis_ge_30", "splenomegaly", "idpc_ge_30"])
def test_planted_pt_predictors_significant(full: Built, factor: str) -> None:
    """Generator: platelet nadir depth rises with OMIS, spleen length (parameters.toml
    [labs] plt_depth_omis, plt_depth_spleen) and PT follows IDPC — all must come out p < 0.05."""
    kn = full.outputs["persistent-thrombocytopenia"].key_numbers
    assert kn[f"pt_p[{factor}]"] < 0.05
    assert kn[f"pt_or[{factor}]"] > 1


@pytest.mark.parametrize(
    ("study", "endpoint"),
    [
        ("real-world-outcomes", "pfs"),
        ("real-world-outcomes", "os"),
        ("overview", "os"),
        ("skeletal-metastases", "pfs"),
    ],
)
def test_km_median_equals_engine(full: Built, study: str, endpoint: str) -> None:
    c = _lazarenko_course1(full) if study == "real-world-outcomes" else course1(full.store)
    if study == "skeletal-metastases":
        c = c.loc[c["bone_metastases"].astype("boolean").fillna(False)]
    fit = stats.kaplan_meier(c[f"{endpoint}_days"] / MONTH, c[f"{endpoint}_event"].astype(int))
    kn = full.outputs[study].key_numbers
    assert kn[f"{endpoint}_median_months"] == pytest.approx(fit.median, rel=1e-12)
    assert kn[f"{endpoint}_median_ci"] == pytest.approx(fit.median_ci, rel=1e-12)
    assert kn[f"{endpoint}_events"] == fit.n_events


def _multivariable_terms(kn: dict[str, object], key: str) -> list[str]:
    terms = [k[len(key) + 4 : -1] for k in kn if k.startswith(f"{key}_hr[")]
    return sorted({t.split("=")[0] for t in terms})


@pytest.mark.parametrize("endpoint", ["pfs", "os"])
def test_cox_hr_equals_engine(full: Built, endpoint: str) -> None:
    kn = full.outputs["real-world-outcomes"].key_numbers
    key = f"cox_{endpoint}"
    covs = _multivariable_terms(kn, key)
    assert "cga_ge_1000" in covs
    d = _lazarenko_course1(full).dropna(subset=[*covs, f"{endpoint}_days", f"{endpoint}_event"])
    d = d.assign(t=d[f"{endpoint}_days"] / MONTH, e=d[f"{endpoint}_event"].astype(int))
    for c in covs:
        if str(d[c].dtype) in ("bool", "boolean"):
            d[c] = d[c].astype(float)
    fit = stats.cox(d, "t", "e", covs, categorical=[c for c in covs if c == "who_grade"] or None)
    for term in fit.table.index:
        assert kn[f"{key}_hr[{term}]"] == pytest.approx(float(fit.table.loc[term, "hr"]), rel=1e-9)


@pytest.mark.parametrize(("endpoint", "true_key"), [("pfs", "cga_ge_1000"), ("os", "cga_ge_1000")])
def test_planted_cga_hazard_ratio_covered(full: Built, endpoint: str, true_key: str) -> None:
    """parameters.toml [effects]: CgA ≥ 1000 µg/L, PFS HR 2.6 and OS HR 4.3 (Lazarenko T4/T5)."""
    true_hr = load_parameters()["effects"][endpoint][true_key]["hr"]
    lo, hi = full.outputs["real-world-outcomes"].key_numbers[f"cox_{endpoint}_ci[cga_ge_1000]"]
    assert lo <= true_hr <= hi


def test_dose_response_numbers_equal_engine(full: Built) -> None:
    summary = full.store.read("analysis_dose_summary")
    s1 = summary.loc[(summary["course_no"] == 1) & summary["kidneys_gy"].notna()]
    kn = full.outputs["dose-response"].key_numbers
    assert kn["n_patients"] == len(s1)
    assert kn["median_total_kidneys_gy"] == pytest.approx(float(s1["kidneys_gy"].median()))
    les = full.store.read("analysis_lesion_dose")
    les = les.loc[les["included"].astype("boolean").fillna(False)].dropna(
        subset=["total_dose_gy", "delta_v_pct"]
    )
    rho = stats.spearman(les["total_dose_gy"], les["delta_v_pct"])
    assert kn["n_lesions"] == len(les)
    assert kn["lesion_spearman_rho"] == pytest.approx(rho.estimate, rel=1e-12)
    # Planted (parameters.toml [lesions] slope_per_100gy = 0.44): more dose, more shrinkage.
    assert rho.estimate < 0 and rho.p_value < 0.05


def test_orr_counts_from_bor(full: Built) -> None:
    c = course1(full.store)
    kn = full.outputs["real-world-outcomes"].key_numbers
    # evaluable patients only (issue 9, defect 7); non-CR/non-PD is evaluable and controlled
    ev = c.loc[c["bor"].isin(["CR", "PR", "SD", "NON-CR/NON-PD", "PD"])]
    assert kn["orr_pct"] == pytest.approx(100 * ev["bor"].isin(["CR", "PR"]).mean())
    assert kn["dcr_pct"] == pytest.approx(
        100 * ev["bor"].isin(["CR", "PR", "SD", "NON-CR/NON-PD"]).mean()
    )


@pytest.mark.parametrize("endpoint", ["pfs", "os"])
def test_skeletal_cox_equals_engine(full: Built, endpoint: str) -> None:
    from prrt.studies.skeletal_metastases import SETTINGS

    c = course1(full.store)
    c = c.loc[c["bone_metastases"].astype("boolean").fillna(False)]
    covs = list(SETTINGS.cox_covariates)
    # Independent re-derivation of the two template-level covariates.
    labs = full.store.read("analysis_labs")
    alp = labs.loc[
        (labs["test"] == "alp") & (labs["course_no"] == 1) & (labs["period"] == "baseline")
    ]
    alp = alp.sort_values("sample_date").groupby("patient_id").last()
    c = c.assign(
        male=(c["sex"] == "M").astype(float),
        alp_gt_uln=c["patient_id"].map((alp["value"] > alp["uln"]).astype(float)),
    )
    d = c.dropna(subset=[*covs, f"{endpoint}_days", f"{endpoint}_event"])
    d = d.assign(t=d[f"{endpoint}_days"] / MONTH, e=d[f"{endpoint}_event"].astype(int))
    d[covs] = d[covs].astype(float)
    fit = stats.cox(d, "t", "e", covs)
    kn = full.outputs["skeletal-metastases"].key_numbers
    for term in covs:
        assert kn[f"cox_{endpoint}_hr[{term}]"] == pytest.approx(
            fit.table.loc[term, "hr"], rel=1e-9
        )
