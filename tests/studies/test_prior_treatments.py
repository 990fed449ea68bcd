"""Regimen classification of prior chemotherapy (Fröss-Baron Table 2) as a truth table."""

from __future__ import annotations

import pandas as pd
import pytest

from prrt.studies._prior_treatments import classify_regimen, prior_treatment_table, treatment_flags


@pytest.mark.parametrize(
    ("agent", "expected"),
    [
        pytest.param("streptozotocin+5-FU", "stz_5fu", id="regimen-stz-5fu"),
        pytest.param("Streptozocin / 5-fluorouracil", "stz_5fu", id="regimen-stz-spelling"),
        pytest.param("capecitabine+temozolomide", "tem_cap", id="regimen-capecitabine-first"),
        pytest.param("temozolomide + capecitabine", "tem_cap", id="regimen-tem-first"),
        pytest.param("CAPTEM", "tem_cap", id="regimen-captem-acronym"),
        pytest.param("temozolomide", "tem", id="regimen-tem-alone"),
        pytest.param("cisplatin+etoposide", "platinum", id="regimen-cisplatin"),
        pytest.param("carboplatin/etoposide", "platinum", id="regimen-carboplatin"),
        pytest.param("FOLFOX", "platinum", id="regimen-folfox-oxaliplatin"),
        pytest.param("XELOX", "platinum", id="regimen-xelox-oxaliplatin"),
        pytest.param("doxorubicin", "other_chemo", id="regimen-other"),
        pytest.param(None, "other_chemo", id="regimen-missing-agent"),
    ],
)
def test_classify_regimen(agent: str | None, expected: str) -> None:
    assert classify_regimen(pd.Series([agent])).tolist() == [expected]


def _prior() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "patient_id": ["a", "a", "a", "b", "b", "b", "c"],
            "modality": ["surgery", "chemotherapy", "chemotherapy", "chemotherapy", "embolisation",
                         "embolisation", "ssa"],
            "agent": ["resection of primary", "streptozotocin+5-FU", "temozolomide",
                      "capecitabine+temozolomide", "TACE", "bland particles", "octreotide LAR"],
            "line_number": [None, 1, 2, 1, None, None, None],
            "alkylating": [None, True, True, True, None, None, None],
            "start_date": [None, "2010-01-01", "2011-01-01", None, None, None, None],
            "end_date": [None, "2010-04-01", "2011-02-01", None, None, None, None],
        }
    )  # fmt: skip


def test_treatment_flags_per_patient() -> None:
    f = treatment_flags(_prior(), pd.Series(["a", "b", "c", "d"]))
    assert f["surgery_primary"].tolist() == [1, 0, 0, 0]
    assert f["stz_5fu"].tolist() == [1, 0, 0, 0]
    assert f["tem"].tolist() == [1, 0, 0, 0]
    assert f["tem_cap"].tolist() == [0, 1, 0, 0]
    assert f["chemoembolisation"].tolist() == [0, 1, 0, 0]
    assert f["particle_embolisation"].tolist() == [0, 1, 0, 0]
    assert f["ssa"].tolist() == [0, 0, 1, 0]
    assert f["first_regimen"].tolist() == ["stz_5fu", "tem_cap", None, None]
    # 2010-01-01 → 2010-04-01 is 90 days, 2011-01-01 → 2011-02-01 is 31 days
    assert f.loc["a", "alkylating_months"] == pytest.approx((90 + 31) / 30.4375)


def test_prior_treatment_table_percentages_and_one_line_subgroup() -> None:
    f = treatment_flags(_prior(), pd.Series(["a", "b", "c", "d"]))
    lines = pd.Series([2, 1, 0, 0], index=f.index)
    rows = {r[0].strip(): r[1] for r in prior_treatment_table(f, lines).rows()}
    assert rows["Chemotherapy (any)"] == "2 (50.0)"
    assert rows["One line"] == "1 (25.0)"
    assert rows["Temozolomide + capecitabine (% of one line)"] == "1 (100.0)"
    assert rows["Two lines"] == "1 (25.0)"
