"""Table builders on hand-made data; expected cells computed by hand (see comments)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prrt.report.tables import (
    ReportTable,
    ae_table,
    dose_table,
    grade_distribution_table,
    regression_table,
    table_one,
)
from prrt.report.vocabulary import UnknownLabelError


@pytest.fixture
def patients() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "age": [25, 40, 55, 61, 68, 70, 79, 84],
            "sex": ["F", "F", "M", "F", "M", "M", "F", "F"],
            "bone_metastases": [True, False, False, True, False, None, True, False],
            "ki67_pct": [0.5, 2.0, np.nan, 5.0, 20.0, 3.0, 8.0, 1.0],
            "pt": ["yes", "no", "no", "yes", "no", "no", "no", "no"],
        }
    )


def test_table_one_overall(patients: pd.DataFrame) -> None:
    t = table_one(
        patients,
        ["age", "sex", "bone_metastases", "ki67_pct"],
        stats={"age": "median_iqr", "ki67_pct": "median_range"},
        digits={"age": 1, "ki67_pct": 1},
        labels={
            "age": "Age (years)",
            "bone_metastases": "Bone metastases",
            "ki67_pct": "Ki-67 (%)",
        },
    )
    rows = {r[0]: r[1:] for r in t.rows()}
    assert t.header() == ["Characteristic", "All patients (n = 8)"]
    # ages sorted 25 40 55 61 68 70 79 84; PCTLDEF=5: Q1 = (40+55)/2, median = (61+68)/2,
    # Q3 = (70+79)/2
    assert rows["Age (years), median (IQR)"] == ["64.5 (47.5–74.5)"]
    # 5 F / 3 M of 8 -> 62.5 %, 37.5 %
    assert rows["  Female"] == ["5 (62.5)"] and rows["  Male"] == ["3 (37.5)"]
    # bone mets: 3 True of 7 known (one missing) -> 42.857 -> 42.9
    assert rows["Bone metastases"] == ["3 (42.9)"]
    # Ki-67 known: 0.5 1 2 3 5 8 20 (n=7) -> median x(4) = 3.0, range 0.5-20.0
    assert rows["Ki-67 (%), median (range)"] == ["3.0 (0.5–20.0)"]
    labels = [r[0] for r in t.rows()]
    assert labels.count("  Missing") == 2  # bone metastases and Ki-67


def test_table_one_by_group_with_p(patients: pd.DataFrame) -> None:
    t = table_one(
        patients,
        ["age", "sex"],
        group="pt",
        stats="mean_sd",
        digits=1,
        p_values={"age": 0.0004, "sex": 0.52},
        tests={"age": "Wilcoxon rank-sum", "sex": "Fisher exact"},
        labels={"pt=yes": "PT", "pt=no": "No PT", "age": "Age (years)"},
    )
    assert t.header() == [
        "Characteristic",
        "No PT (n = 6)",
        "PT (n = 2)",
        "Overall (n = 8)",
        "p-value",
        "Test",
    ]
    rows = t.rows()
    # PT group ages 25, 61: mean 43.0, SD = sqrt(((25-43)^2 + (61-43)^2)/1) = 25.455 -> 25.5
    assert rows[0][2] == "43.0 (25.5)"
    assert rows[0][4] == "< 0.001" and rows[0][5] == "Wilcoxon rank-sum"
    assert rows[1][0] == "Sex" and rows[1][4] == "0.520"
    # no-PT group: F at rows 1, 6, 7 -> 3 of 6 = 50.0 %
    assert rows[2] == ["  Female", "3 (50.0)", "2 (100.0)", "5 (62.5)", "", ""]


def test_table_one_unknown_label_fails_loudly(patients: pd.DataFrame) -> None:
    # a variable without a display label is an error, never the column name shown as text
    with pytest.raises(UnknownLabelError, match="'age'"):
        table_one(patients, ["age"])


def test_table_one_missing_column(patients: pd.DataFrame) -> None:
    with pytest.raises(KeyError, match="nope"):
        table_one(patients, ["nope"])


def test_regression_table_side_by_side() -> None:
    # Layout of Lazarenko 2025 Table 4 (numbers copied from it, only to check formatting).
    uni = pd.DataFrame(
        {
            "hr": [np.nan, np.nan, 0.69, 3.41, 2.38, 0.86],
            "lower": [np.nan, np.nan, 0.43, 1.61, 1.47, 0.79],
            "upper": [np.nan, np.nan, 1.12, 7.24, 3.85, 0.94],
            "p": [0.00001, np.nan, 0.1313, 0.0014, 0.0004, 0.0005],
            "row_type": ["header", "reference", "term", "term", "term", "term"],
        },
        index=["Grade", "  1", "  2", "  3", "CgA >= 1000", "Sodium"],
    )
    multi = uni.loc[["Grade", "  1", "  2", "  3", "CgA >= 1000"]].copy()
    multi.loc["CgA >= 1000", ["hr", "lower", "upper", "p"]] = [2.57, 1.46, 4.51, 0.001]
    t = regression_table(uni, multi, "HR")
    rows = t.rows()
    assert t.header() == [
        "Variable",
        "Univariable HR (95% CI)",
        "Univariable p",
        "Multivariable HR (95% CI)",
        "Multivariable p",
    ]
    assert rows[0] == ["Grade", "", "< 0.001", "", "< 0.001"]
    assert rows[1] == ["  1", "Reference", "", "Reference", ""]
    assert rows[3] == ["  3", "3.41 (1.61–7.24)", "0.001", "3.41 (1.61–7.24)", "0.001"]
    assert rows[4][3:] == ["2.57 (1.46–4.51)", "0.001"]
    assert rows[5][3:] == ["—", "—"]  # not entered into the multivariable model


def test_regression_table_from_coef_and_or() -> None:
    uni = pd.DataFrame(
        {"coef": [np.log(2.0)], "lower": [1.0], "upper": [4.0], "p_value": [0.05]},
        index=["omis_ge_30"],
    )
    t = regression_table(uni, effect="OR", labels={"omis_ge_30": "OMIS ≥ 30 %"})
    assert t.rows() == [["OMIS ≥ 30 %", "2.00 (1.00–4.00)", "0.050"]]
    assert "Odds ratios" in t.title


def test_ae_table_worst_grade_per_patient() -> None:
    g = pd.DataFrame(
        {
            "patient_id": [1, 1, 2, 3, 3, 4, 5],
            "term": [
                "platelets",
                "platelets",
                "platelets",
                "platelets",
                "lymphocytes",
                "lymphocytes",
                "lymphocytes",
            ],
            "grade": [1, 3, 2, 4, 3, 1, 0],
        }
    )
    t = ae_table(g, n_patients=10, terms=["lymphocytes", "platelets"])
    # platelets: patients 1 (worst 3), 2 (2), 3 (4) -> any 3/10, >=3: 2/10
    # lymphocytes: 3 (3), 4 (1), 5 (0) -> any 2/10, >=3: 1/10
    assert t.rows() == [
        ["Lymphocyte count decreased", "2 (20.0)", "1 (10.0)"],
        ["Platelet count decreased", "3 (30.0)", "2 (20.0)"],
    ]
    t45 = ae_table(g, n_patients=10, severe_min=4, severe_max=5)
    assert t45.header()[2] == "Grade 4–5, n (%)"
    assert dict((r[0], r[2]) for r in t45.rows())["Platelet count decreased"] == "1 (10.0)"


def test_grade_distribution_table() -> None:
    # Lazarenko Table 3 layout: % of the row total. anaemia grades 1,1,2 -> 2 (66.7), 1 (33.3)
    g = pd.DataFrame({"patient_id": [1, 2, 3, 4], "term": ["anaemia"] * 4, "grade": [1, 1, 2, 0]})
    t = grade_distribution_table(g, grade_levels=(1, 2, 3))
    assert t.rows() == [["Anaemia", "2 (66.7)", "1 (33.3)", "0 (0.0)", "3"]]


def test_dose_table_medians_and_total() -> None:
    d = pd.DataFrame(
        {
            "patient_id": [1, 1, 2, 2, 3, 3],
            "structure": ["kidneys"] * 6,
            "cycle": [1.0, 2.0, 1.0, 2.0, 1.0, 2.0],
            "dose_gy": [3.0, 2.0, 5.0, 4.0, 4.0, np.nan],
        }
    )
    t = dose_table(d)
    # cycle 1: 3,4,5 -> 4.0 (3.0-5.0); cycle 2: 2,4 -> 3.0 (2.0-4.0);
    # totals per patient 5, 9, 4 -> median 5.0 (4.0-9.0)
    assert t.header() == ["Structure", "Cycle 1", "Cycle 2", "Total"]
    assert t.rows() == [["Kidneys", "4.0 (3.0–5.0)", "3.0 (2.0–4.0)", "5.0 (4.0–9.0)"]]


def test_report_table_validation_and_formats() -> None:
    with pytest.raises(ValueError, match="table name"):
        ReportTable("x", pd.DataFrame(), "bad name")
    t = ReportTable(
        "Raw",
        pd.DataFrame({"p": [0.0001, 0.25]}, index=pd.Index(["a", "b"], name="term")),
        "raw",
        column_formats={"p": "p"},
    )
    assert t.header() == ["term", "p"]
    assert t.rows() == [["a", "< 0.001"], ["b", "0.250"]]


@given(
    st.lists(st.sampled_from(["a", "b", "c", None]), min_size=1, max_size=40),
    st.lists(st.booleans(), min_size=40, max_size=40),
)
@settings(max_examples=40, deadline=None)
def test_table_one_counts_add_up(values: list[str | None], grp: list[bool]) -> None:
    # level counts + missing = n in every column; percentages use the known values only
    df = pd.DataFrame({"v": values, "g": grp[: len(values)]})
    t = table_one(df, ["v"], group="g", categorical=["v"], labels={"v": "V"})
    rows = t.rows()
    level_rows = [r for r in rows if r[0].startswith("  ") and r[0] != "  Missing"]
    missing = [r for r in rows if r[0] == "  Missing"]
    subsets = [df[df.g == level] for level in sorted(df.g.unique())] + [df]
    for j, sub in enumerate(subsets, start=1):
        counts = [int(r[j].split(" ")[0]) for r in level_rows]
        n_missing = int(missing[0][j]) if missing else 0
        assert sum(counts) + n_missing == len(sub)


def test_table_one_binary_ints_and_level_order() -> None:
    df = pd.DataFrame(
        {
            "ki67_gt10": pd.array([1, 0, 0, 1, None], dtype="Int64"),
            "ecog": [2, 0, 1, 0, 0],
            "flag": ["y", "n", "y", "y", "n"],
        }
    )
    t = table_one(
        df,
        ["ki67_gt10", "ecog", "flag"],
        categorical=["ecog"],
        binary=["flag"],
        levels={"ecog": [0, 1, 2]},
        labels={"ecog=0": "ECOG 0", "flag": "Flag"},
    )
    rows = t.rows()
    # Int64 0/1 is binary: 2 of 4 known = 50.0 %, one missing
    assert rows[0] == ["Ki-67 > 10 %", "2 (50.0)"] and rows[1] == ["  Missing", "1"]
    assert [r[0] for r in rows[2:6]] == ["ECOG performance status", "  ECOG 0", "  1", "  2"]
    assert rows[3][1] == "3 (60.0)"
    # forced binary on text: y/yes/true/1 count as true -> 3 of 5
    assert rows[6] == ["Flag", "3 (60.0)"]


def _two_covariate_cox() -> object:
    from prrt import stats

    rng = np.random.default_rng(7)
    n = 60
    d = pd.DataFrame(
        {
            "t": rng.exponential(10, n),
            "e": rng.integers(0, 2, n),
            "male": rng.integers(0, 2, n).astype(float),
            "alp_gt_uln": rng.integers(0, 2, n).astype(float),
        }
    )
    return stats.cox(d, "t", "e", ["male", "alp_gt_uln"])


def test_multivariable_model_is_labelled_multivariable() -> None:
    # issue 9 defect 4: skeletal Tables 7-8 showed a two-covariate Cox model under
    # "Univariable" headers
    fit = _two_covariate_cox()
    t = regression_table(multivariable=fit)
    assert t.header() == ["Variable", "Multivariable HR (95% CI)", "Multivariable p"]
    assert "multivariable" in t.title and "univariable" not in t.title
    assert [r[0] for r in t.rows()] == ["Male sex", "Baseline ALP above ULN"]
    with pytest.raises(ValueError, match="multivariable="):
        regression_table(fit)


def test_regression_numbers_are_full_precision() -> None:
    uni = pd.DataFrame(
        {"hr": [2.384123], "lower": [1.466], "upper": [3.851], "p": [0.00041]},
        index=["cga_ge_1000"],
    )
    t = regression_table(uni)
    assert t.numbers is not None
    row = t.numbers.iloc[0].to_dict()
    assert row["Univariable HR"] == 2.384123 and row["Univariable p"] == 0.00041
