"""One absorbed-dose estimate per patient × cycle × structure (issue 9, defect 1).

From cycle 3 on, the store holds two single-time-point estimates of the same dose
(``hebert_scaled`` and ``madsen_stp``); summing both double-counts. Expected totals below are
hand sums of the per-cycle doses of the preferred method.
"""

from __future__ import annotations

import pandas as pd
import pytest

from prrt.dosimetry import DosimetrySettings, dose_summary_table, select_dose_estimates
from prrt.report.tables import dose_table


def _doses() -> pd.DataFrame:
    rows = [
        # patient, cycle, structure, lesion, method, Gy
        ("p1", 1, "kidneys", None, "led_multi_tp", 3.0),
        ("p1", 2, "kidneys", None, "led_multi_tp", 2.5),
        ("p1", 3, "kidneys", None, "hebert_scaled", 2.0),
        ("p1", 3, "kidneys", None, "madsen_stp", 2.4),
        ("p1", 4, "kidneys", None, "madsen_stp", 2.6),
        ("p1", 4, "kidneys", None, "hebert_scaled", 2.2),
        ("p2", 1, "kidneys", None, "recorded", 4.0),
        ("p2", 1, "kidneys", None, "led_multi_tp", 3.5),
        ("p2", 2, "kidneys", None, "madsen_stp", 3.1),
        ("p1", 1, "lesion", "L1", "led_multi_tp", 20.0),
        ("p1", 1, "lesion", "L2", "led_multi_tp", 30.0),
        ("p1", 3, "lesion", "L1", "hebert_scaled", 15.0),
        ("p1", 3, "lesion", "L1", "madsen_stp", 17.0),
    ]
    frame = pd.DataFrame(
        rows, columns=["patient_id", "cycle_no", "structure", "lesion_id", "method", "dose_gy"]
    )
    return frame.assign(course_no=1, dose_sd_gy=0.1)


# p1: 3.0 + 2.5 + 2.0 (Hebert preferred to Madsen) + 2.2 = 9.7; p2: 3.5 (multi-time-point
# preferred to recorded) + 3.1 = 6.6
EXPECTED_KIDNEY_TOTALS = {"p1": 9.7, "p2": 6.6}


def test_one_estimate_per_cycle_and_structure() -> None:
    sel = select_dose_estimates(_doses())
    key = ["patient_id", "course_no", "cycle_no", "structure", "lesion_id"]
    assert not sel.duplicated(key).any()
    # 4 + 2 kidney cycles, lesions L1 c1, L2 c1, L1 c3
    assert len(sel) == 9
    l1c3 = sel[(sel["lesion_id"] == "L1") & (sel["cycle_no"] == 3)]
    assert l1c3["method"].tolist() == ["hebert_scaled"]


def test_totals_equal_sum_of_selected_cycle_doses() -> None:
    sel = select_dose_estimates(_doses())
    totals = sel[sel["structure"] == "kidneys"].groupby("patient_id")["dose_gy"].sum()
    assert totals.to_dict() == pytest.approx(EXPECTED_KIDNEY_TOTALS, abs=1e-12)


def test_dose_table_total_uses_selected_doses_and_old_double_count_differs() -> None:
    raw = _doses()
    kid = raw[raw["structure"] == "kidneys"].rename(columns={"cycle_no": "cycle"})
    selected = select_dose_estimates(kid)
    # Total column: median (range) of the per-patient totals 6.6 and 9.7 -> 8.2 (6.6–9.7)
    assert dose_table(selected).rows()[0][-1] == "8.2 (6.6–9.7)"
    # the defect: summing every stored estimate gives 14.7 and 10.6 (median 12.7)
    assert dose_table(kid).rows()[0][-1] != "8.2 (6.6–9.7)"


def test_declared_preference_is_followed() -> None:
    sel = select_dose_estimates(_doses(), ["recorded", "madsen_stp", "led_multi_tp"])
    p2c1 = sel[(sel["patient_id"] == "p2") & (sel["cycle_no"] == 1)]
    assert p2c1["dose_gy"].tolist() == [4.0]
    p1c3 = sel[(sel["patient_id"] == "p1") & (sel["cycle_no"] == 3) & sel["lesion_id"].isna()]
    assert p1c3["method"].tolist() == ["madsen_stp"]
    # the settings object is accepted as the preference
    same = select_dose_estimates(_doses(), DosimetrySettings())
    assert same.equals(select_dose_estimates(_doses()))


def test_input_not_mutated_and_missing_column_named() -> None:
    raw = _doses()
    before = raw.copy()
    select_dose_estimates(raw)
    pd.testing.assert_frame_equal(raw, before)
    with pytest.raises(KeyError, match="method"):
        select_dose_estimates(raw.drop(columns=["method"]))


def test_course_summary_uses_the_same_selection() -> None:
    doses = _doses()
    cycles = pd.DataFrame(
        {
            "patient_id": ["p1"] * 4 + ["p2"] * 2,
            "course_no": 1,
            "cycle_no": [1, 2, 3, 4, 1, 2],
            "cycle_date": pd.to_datetime(["2024-01-01"] * 6),
            "activity_gbq": 7.4,
        }
    )
    lesions = pd.DataFrame(columns=["patient_id", "course_no", "lesion_id", "included"])
    summ = dose_summary_table(doses, cycles, lesions).set_index("patient_id")
    assert summ["kidneys_gy"].to_dict() == pytest.approx(EXPECTED_KIDNEY_TOTALS, abs=1e-12)
