"""Every template runs on the full and the missing-optional-data cohort; reports are complete."""

from __future__ import annotations

import pytest

from prrt.studies import STUDIES

from .conftest import Built

NAMES = list(STUDIES)


@pytest.mark.parametrize("name", NAMES)
def test_full_cohort_computes_every_section(full: Built, name: str) -> None:
    out = full.outputs[name]
    assert out.not_computed == [], out.not_computed
    for kind in ("html", "docx", "xlsx"):
        assert out.paths[kind].exists() and out.paths[kind].stat().st_size > 1000
        assert out.paths[kind].name.startswith(name)


@pytest.mark.parametrize("name", NAMES)
def test_missing_data_sections_say_why(missing: Built, name: str) -> None:
    out = missing.outputs[name]
    html = out.paths["html"].read_text(encoding="utf-8")
    for section, why in out.not_computed:
        assert why.strip(), section
        assert section in html
    for kind in ("html", "docx", "xlsx"):
        assert out.paths[kind].exists()


EXPECTED_MISSING = {
    # no dosimetry acquisitions → no doses → the whole dose-response population
    "dose-response": ["Patients with dosimetry"],
    # no lesion measurements / response assessments → no RECIST response, no waterfall
    "real-world-outcomes": ["Response (RECIST 1.1)", "Best change in target lesions (waterfall)"],
    "skeletal-metastases": ["Response (modified MD Anderson and RECIST 1.1)"],
    "pannet-chemotherapy": ["Tumour response", "Survival by morphological response"],
    "overview": ["Best overall response", "Best change in target lesions (waterfall)"],
    # no bone involvement → OMIS and pelvic involvement unknown
    "persistent-thrombocytopenia": [
        "Univariate analysis: OMIS ≥ 30 %",
        "Univariate analysis: Pelvic bone metastases",
    ],
}


@pytest.mark.parametrize("name", NAMES)
def test_missing_data_expected_sections_not_computed(missing: Built, name: str) -> None:
    sections = {s for s, _ in missing.outputs[name].not_computed}
    assert set(EXPECTED_MISSING[name]) <= sections, sections


def test_missing_data_keeps_what_it_can(missing: Built) -> None:
    """Survival and the PT analysis do not depend on the optional tables."""
    kn = missing.outputs["persistent-thrombocytopenia"].key_numbers
    assert kn["pt_p[idpc_ge_30]"] < 0.05
    assert "os_median_months" in missing.outputs["real-world-outcomes"].key_numbers
