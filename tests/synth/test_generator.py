"""Structure of the synthetic cohort: determinism, schema columns, vocabularies, units, chronology."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prrt.cohort import schema
from prrt.cohort.units import factors_for
from prrt.synth import generate, load_parameters, true_effects


def _same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert a.keys() == b.keys()
    for k in a:
        pd.testing.assert_frame_equal(a[k], b[k], check_exact=True)


def test_same_seed_identical(small: dict[str, pd.DataFrame]) -> None:
    _same(small, generate(60, seed=7))


def test_different_seed_differs(small: dict[str, pd.DataFrame]) -> None:
    other = generate(60, seed=8)
    assert not small["labs"]["value"].head(200).equals(other["labs"]["value"].head(200))
    assert not small["patients"]["diagnosis_date"].equals(other["patients"]["diagnosis_date"])


def test_params_override_changes_output() -> None:
    a = generate(200, seed=1, params={"demographics": {"female": 0.0}})
    assert (a["patients"]["sex"] == "M").all()
    assert load_parameters()["demographics"]["female"] == 0.5  # defaults untouched


@pytest.mark.parametrize("name", list(schema.TABLES))
def test_only_schema_columns(small: dict[str, pd.DataFrame], name: str) -> None:
    df = small[name]
    allowed = set(schema.TABLES[name].column_names)
    if name == "patients":
        allowed |= {"name", "mrn"}
    assert set(df.columns) <= allowed
    for col in schema.TABLES[name].required_columns:
        assert col in df.columns
        assert df[col].notna().all(), f"{name}.{col} has missing values"


@pytest.mark.parametrize("name", list(schema.TABLES))
def test_vocabularies_keys_and_limits(small: dict[str, pd.DataFrame], name: str) -> None:
    table = schema.TABLES[name]
    df = small[name]
    for col in table.columns:
        if col.name not in df.columns:
            continue
        values = df[col.name].dropna()
        if col.allowed is not None:
            assert set(values.astype(str)) <= set(col.allowed), col.name
        if col.type in ("int", "float") and len(values):
            v = values.astype(float)
            if col.minimum is not None:
                assert (v >= col.minimum).all(), col.name
            if col.maximum is not None and name not in ("labs", "tumour_markers"):
                assert (
                    (v < col.maximum).all() if col.maximum_exclusive else (v <= col.maximum).all()
                )
    key = [k for k in table.key if k in df.columns and df[k].notna().any()]
    assert not df.duplicated(key).any(), f"duplicate key in {name}"


def test_bone_codes_follow_contract(small: dict[str, pd.DataFrame]) -> None:
    # contracts §2 bone vocabulary
    codes = {"cranium", "mandible", "sternum", "sacrum", "other"}
    for side in ("left", "right"):
        codes |= {
            f"{b}_{side}"
            for b in ("humerus", "scapula", "clavicle", "os_coxae", "femur", "tibia", "forearm")
        }
        codes |= {f"rib_{side}_{i}" for i in range(1, 13)}
    codes |= {f"cervical_c{i}" for i in range(1, 8)} | {f"thoracic_t{i}" for i in range(1, 13)}
    codes |= {f"lumbar_l{i}" for i in range(1, 6)}
    assert set(small["bone_involvement"]["bone"]) <= codes


def test_units_are_accepted_and_mostly_canonical(cohort: dict[str, pd.DataFrame]) -> None:
    labs = cohort["labs"]
    fac = factors_for("lab", labs["test"], labs["unit"])
    assert np.isfinite(fac).all(), "every lab unit is accepted by prrt.cohort.units"
    canonical = labs["unit"] == labs["test"].map(schema.LAB_CANONICAL_UNITS)
    assert 0.6 < canonical.mean() < 0.98, "a realistic minority of rows in other units"
    assert {"g/dL", "mg/dL", "/uL"} <= set(labs["unit"])
    tm = cohort["tumour_markers"]
    assert np.isfinite(factors_for("marker", tm["marker"], tm["unit"])).all()


def test_ids_and_identifiers(small: dict[str, pd.DataFrame]) -> None:
    p = small["patients"]
    assert p["patient_id"].str.fullmatch(r"H\d{7}").all()
    assert p["mrn"].str.fullmatch(r"MRN-\d{7}").all() and p["mrn"].is_unique
    assert p["name"].str.contains(" ").all()
    for name, df in small.items():
        if name != "patients" and len(df):
            assert set(df["patient_id"]) <= set(p["patient_id"]), name


def _event_days(c: dict[str, pd.DataFrame]) -> dict[str, pd.Series]:
    ev = c["disease_events"]
    death = ev[ev["event_type"] == "death"].set_index("patient_id")["event_date"]
    last = ev[ev["event_type"] == "last_contact"].set_index("patient_id")["event_date"]
    return {"death": death, "last": last}


def test_one_death_or_last_contact(cohort: dict[str, pd.DataFrame]) -> None:
    e = _event_days(cohort)
    assert e["death"].index.is_unique and e["last"].index.is_unique
    assert not set(e["death"].index) & set(e["last"].index)
    assert set(e["death"].index) | set(e["last"].index) == set(cohort["patients"]["patient_id"])


_DATED = {
    "labs": "sample_date",
    "tumour_markers": "sample_date",
    "cycles": "cycle_date",
    "lesion_measurements": "assessment_date",
    "response_assessments": "assessment_date",
    "adverse_events": "onset_date",
    "disease_events": "event_date",
    "symptom_responses": "assessment_date",
    "imaging_measurements": "exam_date",
    "bone_involvement": "exam_date",
}


@pytest.mark.parametrize("name", list(_DATED))
def test_nothing_after_death_or_last_contact(cohort: dict[str, pd.DataFrame], name: str) -> None:
    e = _event_days(cohort)
    end = pd.concat([e["death"], e["last"]])
    df = cohort[name]
    d = pd.to_datetime(df[_DATED[name]])
    assert (d <= df["patient_id"].map(end)).all()


def test_chronology(cohort: dict[str, pd.DataFrame]) -> None:
    p = cohort["patients"].set_index("patient_id")
    cyc = cohort["cycles"]
    first = cyc.groupby("patient_id")["cycle_date"].min()
    assert (p.loc[first.index, "birth_date"] < p.loc[first.index, "diagnosis_date"]).all()
    gap = (first - p.loc[first.index, "diagnosis_date"]).dt.days / 365.25
    assert gap.between(0.49, 8.01).all(), "diagnosis 0.5-8 y before PRRT"
    pt = cohort["prior_treatments"]
    assert (pt["start_date"] >= pt["patient_id"].map(p["diagnosis_date"])).all()
    assert (pt["end_date"] < pt["patient_id"].map(first)).all()
    c = cyc.sort_values(["patient_id", "course_no", "cycle_no"])
    assert (c.groupby("patient_id")["cycle_date"].diff().dropna().dt.days > 0).all()
    ev = cohort["disease_events"]
    on_course = ev["event_date"] >= ev["patient_id"].map(first)
    # only the progression that documents the disease status at baseline precedes PRRT
    assert (on_course | (ev["event_type"] == "radiological_progression")).all()
    assert (ev["event_date"] > ev["patient_id"].map(p["diagnosis_date"])).all()
    ev = ev.loc[on_course]
    c2 = cyc[cyc["course_no"] == 2].groupby("patient_id")["cycle_date"].min()
    prog = (
        ev[ev["event_type"].str.endswith("progression")].groupby("patient_id")["event_date"].min()
    )
    assert (c2 > prog.reindex(c2.index)).all(), "retreatment follows a progression"


def test_dosimetry_acquisition_design(cohort: dict[str, pd.DataFrame]) -> None:
    da = cohort["dosimetry_acquisitions"]
    times = da.groupby("cycle_no")["time_h"].agg(lambda t: sorted(set(t)))
    assert times.loc[1] == [4.0, 24.0, 72.0, 192.0] and times.loc[2] == [4.0, 24.0, 72.0, 192.0]
    assert all(t == [24.0] for t in times.loc[3:])
    assert set(da["structure"]) == {"kidneys", "spleen", "liver", "bone_marrow", "lesion"}
    les = da[da["structure"] == "lesion"][["patient_id", "lesion_id"]].drop_duplicates()
    known = cohort["lesions"][["patient_id", "lesion_id"]]
    assert len(les.merge(known)) == len(les)
    assert da.loc[da["structure"] != "lesion", "lesion_id"].isna().all()


@settings(max_examples=8, deadline=None)
@given(n=st.integers(min_value=1, max_value=25), seed=st.integers(min_value=0, max_value=10**6))
def test_invariants_any_size_and_seed(n: int, seed: int) -> None:
    frames = generate(n, seed)
    assert set(frames) == set(schema.TABLES)
    assert len(frames["patients"]) == n
    ev = frames["disease_events"]
    end = (
        ev[ev["event_type"].isin(["death", "last_contact"])]
        .groupby("patient_id")["event_date"]
        .max()
    )
    assert len(end) == n
    for name, col in _DATED.items():
        df = frames[name]
        assert (pd.to_datetime(df[col]) <= df["patient_id"].map(end)).all(), name
    cyc = frames["cycles"]
    assert cyc.groupby("patient_id").size().min() >= 1
    assert cyc["activity_gbq"].between(0, 15, inclusive="neither").all()


def test_true_effects_table_matches_parameters() -> None:
    t = true_effects().set_index(["endpoint", "covariate"])["hazard_ratio"]
    eff = load_parameters()["effects"]
    assert t[("os", "nlr")] == eff["os"]["nlr"]["hr"] == 1.13  # Lazarenko Table 5
    assert t[("pfs", "sodium")] == 0.84  # Lazarenko Table 4
    # Fröss-Baron Table 3 and the skeletal-metastases abstract (J Nucl Med 2025)
    assert t[("pfs", "cga_gt_uln")] == 2.79 and t[("os", "surgery_primary")] == 0.54
    assert t[("os", "male")] == 3.48 and t[("os", "alp_gt_uln")] == 2.68
