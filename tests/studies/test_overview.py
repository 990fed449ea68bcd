"""Overview report: glance lines and rates against independent recounts (lifelines, scipy)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from prrt.studies import overview

from .conftest import Built, course1
from .test_pannet_chemotherapy import CODE, MONTH, capture, exact_ci, fmt1, km_median, reader_text


@pytest.fixture(scope="module")
def ran(full: Built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    yield capture(overview, full, tmp_path_factory.mktemp("overview"))


def test_correspondence_is_empty_for_a_report_without_paper() -> None:
    assert overview.CORRESPONDENCE == ()


def test_glance_cohort_size_and_medians(ran: tuple, full: Built) -> None:
    _, run = ran
    c = course1(full.store)
    text = "\n".join(run.report.glance)
    assert f"Cohort: {len(c)} patients" in text
    pfs = km_median(c["pfs_days"] / MONTH, c["pfs_event"].astype(float))
    os_ = km_median(c["os_days"] / MONTH, c["os_event"].astype(float))
    assert f"Median progression-free survival: {fmt1(pfs)} (" in text
    assert f"Median overall survival: {fmt1(os_)} (" in text
    fu = km_median(c["os_days"] / MONTH, 1 - c["os_event"].astype(float))
    assert f"Median follow-up (reverse Kaplan–Meier): {fmt1(fu)} months" in text


def test_grade3_toxicity_rate_with_exact_ci(ran: tuple, full: Built) -> None:
    out, run = ran
    c = course1(full.store)
    labs = full.store.read("analysis_labs")
    on = labs.loc[
        labs["patient_id"].isin(set(c["patient_id"]))
        & (labs["period"] == "on_treatment")
        & (labs["course_no"] == 1)
    ].dropna(subset=["grade_v5_0"])
    worst = on.groupby("patient_id")["grade_v5_0"].max()
    x, n = int((worst >= 3).sum()), len(worst)
    assert out.key_numbers["grade3_any_n"] == x
    assert out.key_numbers["grade3_any_denominator"] == n
    lo, hi = exact_ci(x, n)
    text = "\n".join(run.report.glance)
    assert f"{x}/{n} ({fmt1(100 * x / n)} %; 95 % CI {fmt1(100 * lo)}–{fmt1(100 * hi)} %)" in text
    non = on.loc[on["test"] != "lymphocytes"].groupby("patient_id")["grade_v5_0"].max()
    assert out.key_numbers["grade3_nonlymph_n"] == int((non >= 3).sum())


def test_response_rows_sum_to_denominator(ran: tuple, full: Built) -> None:
    _, run = ran
    t = next(b.table for b in run.report.tables if b.table.name == "bor")
    rows = [r for r in t.rows() if not r[0].startswith("Objective")]
    xs = [int(r[1].split("/")[0]) for r in rows]
    ns = {int(r[1].split("/")[1].split(" ")[0]) for r in rows}
    assert len(ns) == 1 and sum(xs) == ns.pop()


def test_no_code_in_reader_text(ran: tuple) -> None:
    _, run = ran
    bad = [s for s in reader_text(run) if CODE.search(s)]
    assert not bad
