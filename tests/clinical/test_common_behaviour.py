"""Common behaviour of every dataset-level ``derive_*`` function of ``prrt.clinical``
(scikit-learn ``parametrize_with_checks`` style; style.md item 8).

Discovered by name from every module's ``__all__`` (C1's and C2's). For each:
1. the input frames are not mutated;
2. a missing required column is named in the error;
3. all-missing input values give all-missing derived values (structural columns such as keys,
   dates, windows and counts excepted; categorical responses may be ``NE``, RECIST's "not
   evaluable").
A new ``derive_*`` function without a spec below gets one inferred from its signature when its
required parameters are all frame names of the fixture (first one ``labs`` or ``analysis_labs``);
otherwise it fails ``test_every_derivation_has_a_spec``.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pytest

import prrt.clinical
from prrt.clinical.courses import derive_courses


def _d(*dates: str) -> pd.DatetimeIndex:
    return pd.to_datetime(list(dates))


def _frames() -> dict[str, pd.DataFrame]:
    cycles = pd.DataFrame(
        {
            "patient_id": ["p1"] * 3 + ["p2"],
            "course_no": [1, 1, 1, 1],
            "cycle_no": [1, 2, 3, 1],
            "cycle_date": _d("2020-01-01", "2020-02-26", "2020-04-22", "2020-01-01"),
            "activity_gbq": [7.4, 7.4, 7.4, 7.0],
        }
    )
    labs = pd.DataFrame(
        {
            "patient_id": ["p1"] * 6 + ["p2"] * 2,
            "sample_date": _d(
                "2019-12-20",
                "2019-12-20",
                "2019-12-20",
                "2020-02-10",
                "2020-06-20",
                "2019-12-20",
                "2019-12-30",
                "2019-12-30",
            ),
            "test": [
                "platelets",
                "neutrophils",
                "lymphocytes",
                "platelets",
                "platelets",
                "creatinine",
                "platelets",
                "alp",
            ],
            "value": [200.0, 4.0, 1.0, 120.0, 90.0, 80.0, 300.0, 300.0],
            "unit": ["10^9/L"] * 5 + ["umol/L", "10^9/L", "U/L"],
            "lln": [150.0, 1.5, 1.0, 150.0, 150.0, 60.0, 150.0, 40.0],
            "uln": [400.0, 7.0, 4.0, 400.0, 400.0, 100.0, 400.0, 120.0],
        }
    )
    patients = pd.DataFrame(
        {
            "patient_id": ["p1", "p2"],
            "sex": ["F", "M"],
            "birth_date": _d("1955-01-01", "1960-01-01"),
            "diagnosis_date": _d("2018-01-01", "2019-01-01"),
            "ki67_pct": [5.0, 25.0],
            "who_grade": [2.0, np.nan],
        }
    )
    lesions = pd.DataFrame(
        {
            "patient_id": ["p1", "p1"],
            "lesion_id": ["L1", "N1"],
            "site": ["liver", "bone"],
            "target": [True, False],
            "nodal": [False, False],
            "baseline_volume_ml": [10.0, 5.0],
        }
    )
    lm = pd.DataFrame(
        {
            "patient_id": "p1",
            "lesion_id": ["L1", "N1", "L1", "N1"],
            "assessment_date": _d("2019-12-15", "2019-12-15", "2020-07-20", "2020-07-20"),
            "longest_diameter_mm": [50.0, np.nan, 30.0, np.nan],
            "short_axis_mm": [np.nan] * 4,
            "volume_ml": [10.0, 5.0, 8.0, 5.0],
            "non_target_status": [None, "present", None, "present"],
            "new_lesion": [False] * 4,
        }
    )
    courses = derive_courses(cycles)
    frames = {
        "cycles": cycles,
        "labs": labs,
        "patients": patients,
        "courses": courses,
        "lesions": lesions,
        "lesion_measurements": lm,
        "bone_involvement": pd.DataFrame(
            {
                "patient_id": ["p1"],
                "exam_date": _d("2020-01-02"),
                "bone": ["sacrum"],
                "lesion_count": [2.0],
            }
        ),
        "imaging": pd.DataFrame(
            {
                "patient_id": ["p1", "p2"],
                "exam_date": _d("2019-12-01", "2020-01-02"),
                "spleen_length_mm": [120.0, 90.0],
                "hepatic_tumour_burden": ["gt50", "lt10"],
                "krenning_score": [3.0, 4.0],
                "burden_liver_points": [3.0, 1.0],
                "burden_bone_points": [1.0, np.nan],
                "burden_node_points": [np.nan, 2.0],
                "burden_peritoneal_points": [np.nan, np.nan],
            }
        ),
        "tumour_markers": pd.DataFrame(
            {
                "patient_id": ["p1", "p1"],
                "sample_date": _d("2019-12-20", "2020-06-01"),
                "marker": ["cga", "cga"],
                "value": [2000.0, 500.0],
                "uln": [100.0, 100.0],
            }
        ),
        "response_assessments": pd.DataFrame(
            {
                "patient_id": ["p1", "p2"],
                "assessment_date": _d("2020-05-01", "2020-05-01"),
                "criteria": ["mda", "recist_1_1"],
                "response": ["PR", "SD"],
            }
        ),
        "symptom_responses": pd.DataFrame(
            {
                "patient_id": ["p1"],
                "assessment_date": _d("2020-05-01"),
                "symptom": ["bone_pain"],
                "response": ["partial"],
            }
        ),
        "disease_events": pd.DataFrame(
            {
                "patient_id": ["p1", "p1", "p2"],
                "event_date": _d("2021-01-01", "2021-06-01", "2021-01-01"),
                "event_type": ["radiological_progression", "death", "last_contact"],
            }
        ),
        "prior_treatments": pd.DataFrame(
            {
                "patient_id": ["p1", "p1"],
                "treatment_no": [1, 2],
                "modality": ["chemotherapy", "ssa"],
                "line_number": [1.0, np.nan],
                "alkylating": [True, None],
            }
        ),
    }
    from prrt.clinical.toxicity import derive_lab_dataset

    frames["analysis_labs"] = derive_lab_dataset(labs, cycles, patients)
    frames["timepoints"] = pd.DataFrame(
        {
            "patient_id": ["p1", "p1"],
            "course_no": [1, 1],
            "assessment_date": _d("2020-03-01", "2020-06-01"),
            "overall_response": ["SD", "PR"],
        }
    )
    return frames


@dataclass
class Spec:
    """How to call one derivation and what to blank for the all-missing check."""

    call: Callable[[dict[str, pd.DataFrame]], pd.DataFrame]
    primary: str
    required: str
    blank: tuple[str, ...]
    structural: tuple[str, ...] = ()
    ne_ok: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def _m(mod: str, name: str) -> Callable[..., pd.DataFrame]:
    return getattr(importlib.import_module(f"prrt.clinical.{mod}"), name)


STRUCTURAL = {
    "patient_id", "course_no", "cycle_no", "test", "lesion_id", "sample_date", "cycle_date",
    "window_end", "n_values", "course_start", "course_end", "n_cycles", "next_course_start",
    "unit", "lln", "uln", "day_from_course_start", "period", "is_baseline", "derived",
    "assessment_date", "source", "criterion", "variable", "threshold", "wording", "baseline_date",
    "median_interval_days", "max_interval_days", "n_reduced", "planned_cycles", "stop_reason",
    "protocol", "completed_4_cycles", "grade_reason", "new_lesions",
}  # fmt: skip

SPECS: dict[str, Spec] = {
    # --- C2 ---
    "derive_courses": Spec(lambda f: _m("courses", "derive_courses")(f["cycles"]), "cycles", "cycle_date", ("activity_gbq",)),
    "derive_omis": Spec(lambda f: _m("omis", "derive_omis")(f["bone_involvement"], f["courses"]), "bone_involvement", "lesion_count", ("lesion_count",)),
    "derive_splenomegaly": Spec(lambda f: _m("omis", "derive_splenomegaly")(f["imaging"], f["courses"]), "imaging", "spleen_length_mm", ("spleen_length_mm",)),
    "derive_baseline_labs": Spec(lambda f: _m("scores", "derive_baseline_labs")(f["labs"], f["courses"]), "labs", "value", ("value", "uln")),
    "derive_baseline_markers": Spec(lambda f: _m("scores", "derive_baseline_markers")(f["tumour_markers"], f["courses"]), "tumour_markers", "marker", ("value", "uln")),
    "derive_patient_scores": Spec(lambda f: _m("scores", "derive_patient_scores")(f["patients"]), "patients", "patient_id", ("ki67_pct", "who_grade")),
    "derive_prior_treatment_summary": Spec(lambda f: _m("scores", "derive_prior_treatment_summary")(f["prior_treatments"], ["p1"]), "prior_treatments", "modality", ("modality", "line_number", "alkylating")),
    "derive_imaging_scores": Spec(
        lambda f: _m("scores", "derive_imaging_scores")(f["imaging"], f["courses"]), "imaging", "exam_date",
        ("spleen_length_mm", "hepatic_tumour_burden", "krenning_score", "burden_liver_points", "burden_bone_points", "burden_node_points", "burden_peritoneal_points"),
    ),
    "derive_recist_timepoints": Spec(
        lambda f: _m("recist", "derive_recist_timepoints")(f["lesions"], f["lesion_measurements"], f["courses"]),
        "lesion_measurements", "assessment_date", ("longest_diameter_mm", "short_axis_mm", "non_target_status"),
        ne_ok=("target_response", "non_target_response", "overall_response"),
    ),
    "derive_best_response": Spec(
        lambda f: _m("recist_bor", "derive_best_response")(f["timepoints"], f["courses"]), "timepoints", "overall_response",
        ("overall_response",), ne_ok=("bor",),
    ),
    "derive_response_outcomes": Spec(
        lambda f: _m("recist_bor", "derive_response_outcomes")(f["timepoints"], f["courses"]), "timepoints",
        "overall_response", ("overall_response",), ne_ok=("bor", "bor_unconfirmed", "bor_confirmed"),
    ),
    "derive_recorded_timepoints": Spec(
        lambda f: _m("response", "derive_recorded_timepoints")(f["response_assessments"], f["courses"], criteria=("mda", "recist_1_1")),
        "response_assessments", "criteria", ("response",),
    ),
    "derive_biochemical_response": Spec(lambda f: _m("response", "derive_biochemical_response")(f["tumour_markers"], f["courses"]), "tumour_markers", "value", ("value", "uln")),
    "derive_bone_pain_response": Spec(lambda f: _m("response", "derive_bone_pain_response")(f["symptom_responses"], f["courses"]), "symptom_responses", "symptom", ("response",)),
    "derive_lesion_volume_change": Spec(
        lambda f: _m("response", "derive_lesion_volume_change")(f["lesions"], f["lesion_measurements"], f["courses"]),
        "lesion_measurements", "volume_ml", ("volume_ml",), structural=("baseline_volume_ml", "m3_date"),
    ),
    "derive_endpoints": Spec(lambda f: _m("endpoints", "derive_endpoints")(f["disease_events"], f["courses"], f["patients"]), "disease_events", "event_type", ("event_date",)),
    "derive_eligibility": Spec(
        lambda f: _m("eligibility", "derive_eligibility")(f["labs"], f["courses"], protocol="fross_baron", stage="pre_cycle", cycles=f["cycles"]),
        "labs", "value", ("value",),
    ),
    # --- C1 ---
    "derive_egfr": Spec(lambda f: _m("renal", "derive_egfr")(f["labs"], f["patients"]), "labs", "value", ("value",)),
    "derive_baseline_values": Spec(lambda f: _m("haematology", "derive_baseline_values")(f["labs"], f["cycles"]), "labs", "value", ("value",)),
    "derive_lineage_nadirs": Spec(lambda f: _m("haematology", "derive_lineage_nadirs")(f["labs"], f["cycles"]), "labs", "value", ("value",)),
    "derive_lineage_summary": Spec(lambda f: _m("haematology", "derive_lineage_summary")(f["labs"], f["cycles"]), "labs", "value", ("value",)),
    "derive_platelet_dynamics": Spec(lambda f: _m("haematology", "derive_platelet_dynamics")(f["labs"], f["cycles"]), "labs", "value", ("value",)),
    "derive_values_at": Spec(
        lambda f: _m("haematology", "derive_values_at")(f["labs"], f["cycles"], tests=("platelets",), target_days=61, window_days=21, suffix="_2m"),
        "labs", "value", ("value",),
    ),
    "derive_lab_periods": Spec(lambda f: _m("toxicity", "derive_lab_periods")(f["labs"], f["cycles"]), "labs", "sample_date", ("value",)),
    "derive_lab_dataset": Spec(lambda f: _m("toxicity", "derive_lab_dataset")(f["labs"], f["cycles"], f["patients"]), "labs", "test", ("value",)),
    "derive_toxicity_grades": Spec(
        lambda f: _m("toxicity", "derive_toxicity_grades")(f["analysis_labs"]), "analysis_labs", "period", ("grade_v3_0", "grade_v4_03", "grade_v5_0"),
    ),
}  # fmt: skip


_BLANK = {"labs": ("value",), "analysis_labs": ("grade_v3_0", "grade_v4_03", "grade_v5_0")}


def _discover() -> dict[str, Callable[..., pd.DataFrame]]:
    found = {}
    for info in pkgutil.iter_modules(prrt.clinical.__path__):
        mod = importlib.import_module(f"prrt.clinical.{info.name}")
        for n in getattr(mod, "__all__", ()):
            if n.startswith("derive_"):
                found[n] = getattr(mod, n)
    return found


def _inferred(fn: Callable[..., pd.DataFrame]) -> Spec | None:
    """Spec for a derivation without one: its required parameters must all be frame names."""
    params = [
        p
        for p in inspect.signature(fn).parameters.values()
        if p.default is inspect.Parameter.empty and p.kind is not p.KEYWORD_ONLY
    ]
    names = [p.name for p in params]
    if not names or any(n not in _frames_keys() for n in names) or names[0] not in _BLANK:
        return None
    return Spec(lambda f: fn(*(f[n] for n in names)), names[0], "patient_id", _BLANK[names[0]])


def _frames_keys() -> set[str]:
    return {"cycles", "labs", "patients", "courses", "analysis_labs", "lesions", "imaging"}


def _all_specs() -> dict[str, Spec]:
    specs = dict(SPECS)
    for name, fn in _discover().items():
        if name not in specs:
            spec = _inferred(fn)
            if spec is not None:
                specs[name] = spec
    return specs


ALL_SPECS = _all_specs()


def test_every_derivation_has_a_spec():
    missing = [n for n in _discover() if n not in ALL_SPECS]
    assert not missing, f"add a common-behaviour spec for: {missing}"


NAMES = sorted(ALL_SPECS)


@pytest.mark.parametrize("name", NAMES)
def test_input_not_mutated(name):
    frames = _frames()
    before = copy.deepcopy(frames)
    ALL_SPECS[name].call(frames)
    for key, frame in frames.items():
        pd.testing.assert_frame_equal(frame, before[key], obj=f"{name}: {key}")


@pytest.mark.parametrize("name", NAMES)
def test_missing_required_column_is_named(name):
    spec = ALL_SPECS[name]
    frames = _frames()
    frames[spec.primary] = frames[spec.primary].drop(columns=[spec.required])
    with pytest.raises((KeyError, ValueError)) as err:
        spec.call(frames)
    assert spec.required in str(err.value)


@pytest.mark.parametrize("name", NAMES)
def test_all_missing_input_gives_missing_output(name):
    spec = ALL_SPECS[name]
    frames = _frames()
    prim = frames[spec.primary].copy()
    for col in spec.blank:
        prim[col] = pd.Series(
            [None] * len(prim),
            index=prim.index,
            dtype=object if prim[col].dtype == object else float,
        )
        if col in ("event_date",):
            prim[col] = pd.NaT
    frames[spec.primary] = prim
    out = spec.call(frames)
    allowed = STRUCTURAL | set(spec.structural)
    for col in out.columns:
        if col in allowed:
            continue
        values = out[col]
        if col in spec.ne_ok:
            values = values.where(values != "NE")
        assert values.isna().all(), (
            f"{name}: column {col!r} not missing: {values.dropna().tolist()[:5]}"
        )
