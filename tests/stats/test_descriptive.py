"""Descriptive statistics, group comparisons and half-up rounding.

Sources: R ``quantile(type = 2)`` = SAS PCTLDEF=5 (tests/reference/stats_descriptive_reference.R);
the test chosen by ``compare_groups`` is checked against R numbers already pinned in
test_comparisons.py / test_tables2x2.py (Wilcoxon on mtcars, chisq/fisher tables)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from prrt.stats.descriptive import (
    compare_groups,
    describe_categorical,
    describe_continuous,
    format_estimate,
    format_p,
    round_half_up,
)

X = [222, 108, 486, 170, 230, 301, 144, 122, 228, 233, 167, 173, 300, 195]


def test_quartiles_sas_pctldef5_match_r_type2() -> None:
    s = describe_continuous(X)
    assert (s.q1, s.median, s.q3) == (167, 208.5, 233)  # R type 2 (type 7: 167.75, 232.25)
    assert s.mean == pytest.approx(219.928571429)
    assert s.sd == pytest.approx(96.1252902652)
    assert (s.min, s.max, s.n, s.missing) == (108, 486, 14, 0)
    y = describe_continuous([3, 1, 4, 1, 5, 9, 2, 6])
    assert (y.q1, y.median, y.q3) == (1.5, 3.5, 5.5)


def test_continuous_text_formats() -> None:
    s = describe_continuous([25, 68, 84, 70, 60])
    assert s.median_range(0) == "68 (25–84)"
    assert describe_continuous([1.25, 1.35]).mean_sd(1) == "1.3 (0.1)"


def test_describe_continuous_edge_cases() -> None:
    empty = describe_continuous([np.nan, np.nan])
    assert empty.n == 0 and empty.missing == 2 and np.isnan(empty.median)
    one = describe_continuous([5.0])
    assert one.median == 5.0 and np.isnan(one.sd)


def test_describe_categorical_percent_of_non_missing() -> None:
    r = describe_categorical(["F"] * 25 + ["M"] * 22 + [None] * 3)
    assert r.n == 47 and r.missing == 3
    assert r.table["text"].tolist() == ["25 (53.2)", "22 (46.8)"]  # Ferrara 2025 Table 1 style
    lv = describe_categorical(["a", "a"], levels=["a", "b"])
    assert lv.table["n"].tolist() == [2, 0]


@pytest.mark.parametrize(
    ("x", "digits", "expected"),
    [
        (2.5, 0, 3.0),
        (-2.5, 0, -3.0),
        (0.125, 2, 0.13),
        (2.675, 2, 2.68),
        (15.75, 1, 15.8),
        (142.55, 1, 142.6),
        (0.0655, 3, 0.066),
        (1.0049999, 2, 1.0),
        (5.249999999999999, 1, 5.3),
        (1234567.5, 0, 1234568.0),
    ],
    ids=[
        "half-up-0",
        "half-away-negative",
        "0.125",
        "2.675-binary",
        "15.75",
        "142.55",
        "p-0.0655",
        "below-half",
        "float-noise-fuzz",
        "large",
    ],
)
def test_round_half_up_truth_table(x: float, digits: int, expected: float) -> None:
    assert round_half_up(x, digits) == expected


def test_format_estimate_and_p() -> None:
    assert format_estimate(124.142857, (5.62316, 2740.7113)) == "124.1 [5.6–2740.7]"
    assert format_estimate(np.inf, (7.1, np.inf)) == "∞ [7.1–∞]"
    assert format_p(0.0000365) == "< 0.001"
    assert format_p(0.0397) == "0.040"
    assert format_p(0.0005, threshold=0.0001) == "0.001"


def test_compare_groups_categorical_chooses_fisher_when_expected_below_5() -> None:
    # OMIS >= 30 % vs PT (Ferrara 2025): expected count 0.85 < 5 -> Fisher, p from R fisher.test
    df = pd.DataFrame({"omis_ge_30": [1] * 5 + [0] * 42, "pt": [1] * 5 + [1] * 3 + [0] * 39})
    r = compare_groups(df, "omis_ge_30", "pt")
    assert r.test == "Fisher's exact test" and "< 5" in r.reason
    assert r.p_value == pytest.approx(3.65073187395e-05, rel=1e-9)


def test_compare_groups_names_a_monte_carlo_fisher_p_as_not_exact(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # issue 12 defect 2: a table too large for the exact computation is never labelled exact
    from prrt.stats import descriptive, tables2x2

    monkeypatch.setattr(
        descriptive, "fisher_exact", lambda t: tables2x2.fisher_exact(t, max_work=1)
    )
    df = pd.DataFrame({"v": list("aabbcc") * 4 + ["a"] * 3, "g": [0, 1] * 12 + [0, 0, 1]})
    r = compare_groups(df, "v", "g")
    assert r.test != "Fisher's exact test" and "Monte Carlo" in r.test


def test_compare_groups_categorical_chi_square_when_expected_large() -> None:
    df = pd.DataFrame(
        {"v": ["a"] * 30 + ["b"] * 30, "g": [0] * 20 + [1] * 10 + [0] * 10 + [1] * 20}
    )
    r = compare_groups(df, "v", "g")
    assert r.test == "Pearson chi-square"
    # analytic: table [[20,10],[10,20]], expected 15 everywhere: X2 = 4 * 25/15
    assert r.statistic == pytest.approx(4 * 25 / 15)


def test_compare_groups_continuous_wilcoxon_matches_r() -> None:
    x = [21, 21, 22.8, 32.4, 30.4, 33.9, 27.3, 26, 30.4, 15.8, 19.7, 15, 21.4]
    y = [21.4, 18.7, 18.1, 14.3, 24.4, 22.8, 19.2, 17.8, 16.4, 17.3, 15.2, 10.4, 10.4, 14.7]
    y += [21.5, 15.5, 15.2, 13.3, 19.2]
    df = pd.DataFrame({"mpg": x + y, "am": [1] * len(x) + [0] * len(y)})
    r = compare_groups(df, "mpg", "am")
    assert r.test == "Wilcoxon rank-sum" and r.kind == "continuous"
    assert r.p_value == pytest.approx(0.00187139133318, rel=1e-8)  # R wilcox.test, correct=TRUE
    t = compare_groups(df, "mpg", "am", continuous_test="t")
    assert t.p_value == pytest.approx(0.000285020743935, rel=1e-8)  # R t.test var.equal=TRUE
    assert list(r.summary["group"]) == [0, 1]


def test_compare_groups_three_groups_kruskal() -> None:
    df = pd.DataFrame({"v": [1.0, 2, 3, 4, 5, 6, 7, 8, 9], "g": list("aaabbbccc")})
    r = compare_groups(df, "v", "g")
    assert r.test == "Kruskal-Wallis"
    assert r.statistic == pytest.approx(7.2)  # analytic: H = 12/(9*10) * sum(R^2/n) - 3*10


def test_compare_groups_errors_and_input_not_mutated() -> None:
    df = pd.DataFrame({"v": [1.0, 2.0, 3.0], "g": [0, 0, 0]})
    before = df.copy()
    with pytest.raises(ValueError, match="fewer than two groups"):
        compare_groups(df, "v", "g")
    pd.testing.assert_frame_equal(df, before)


# --- common behaviour of the D2 result objects and the package's public surface ----------
def _results() -> dict[str, object]:
    import prrt.stats as st

    df = pd.DataFrame({"y": [1, 0, 1, 0, 0, 1, 0, 1], "x": [1, 2, 3, 1, 2, 5, 0, 2.5]})
    return {
        "logistic": st.logistic(df, "y", "x"),
        "firth_logistic": st.firth_logistic(df, "y", "x"),
        "logistic_curve": st.logistic_curve(df["x"], df["y"], [1, 2]),
        "odds_ratio": st.odds_ratio([[3, 4], [5, 35]]),
        "fisher_exact": st.fisher_exact([[3, 4], [5, 35]]),
        "chi_square": st.chi_square([[3, 4], [5, 35]]),
        "wilcoxon_rank_sum": st.wilcoxon_rank_sum([1, 2, 3], [2, 5, 6]),
        "kruskal_wallis": st.kruskal_wallis([1, 2], [3, 4], [5, 6]),
        "t_test": st.t_test([1, 2, 3], [2, 5, 6]),
        "pearson": st.pearson([1, 2, 3, 4], [2, 1, 4, 3]),
        "spearman": st.spearman([1, 2, 3, 4], [2, 1, 4, 3]),
        "roc_auc": st.roc_auc([0, 1, 0, 1], [1, 2, 3, 4]),
        "youden_cutoff": st.youden_cutoff([0, 1, 0, 1], [1, 2, 3, 4]),
        "loess": st.loess(np.arange(10.0), np.arange(10.0) ** 1.5),
        "describe_continuous": st.describe_continuous([1, 2, 3]),
        "describe_categorical": st.describe_categorical(["a", "b"]),
        "compare_groups": st.compare_groups(df, "x", "y"),
    }


@pytest.mark.parametrize("name", list(_results()))
def test_result_objects_are_frozen_with_method_conventions_and_frame(name: str) -> None:
    import dataclasses

    r = _results()[name]
    assert dataclasses.is_dataclass(r)
    first = dataclasses.fields(r)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(r, first, None)
    assert isinstance(r.conventions, dict)  # type: ignore[attr-defined]
    assert isinstance(r.method, str)  # type: ignore[attr-defined]
    assert isinstance(r.to_frame(), pd.DataFrame)  # type: ignore[attr-defined]


def test_package_reexports_contract_names() -> None:
    import prrt.stats as st

    contract = [
        "kaplan_meier", "kaplan_meier_grouped", "followup", "logrank", "cox", "ph_test",
        "screen_then_fit", "logrank_screen", "bootstrap_ci", "bootstrap_km_median",
        "power_logrank_sim", "logistic", "firth_logistic", "odds_ratio", "fisher_exact",
        "chi_square", "wilcoxon_rank_sum", "t_test", "spearman", "pearson", "roc_auc",
        "youden_cutoff", "roc_curve", "loess", "logistic_curve", "describe_continuous",
        "describe_categorical", "compare_groups", "round_half_up", "format_estimate",
    ]  # fmt: skip
    for name in contract:
        assert name in st.__all__ and callable(getattr(st, name))
    assert all(hasattr(st, n) for n in st.__all__)
