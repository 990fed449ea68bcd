"""Report-level invariants over every report on the synthetic cohort (issue 9, "Must hold").

* No identifier-style text (``snake_case``, ``p = <``) in any caption, header, cell, footnote or
  figure caption outside the settings appendix.
* Every rate's denominator equals the sum of its categories where the table lets us check it
  (baseline tables: levels + missing = the column's n; response tables: ORR = CR + PR over the
  evaluable patients CR + PR + SD + PD).
* Dose totals equal the sum of the selected per-cycle doses (one estimate per patient × cycle ×
  structure, computed here independently of ``select_dose_estimates``).
* Every table of a multivariable model is labelled so.
* Excel's numbers are numeric cells (the Word/Excel/HTML agreement of the display text is
  ``test_outputs.py``).
"""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from prrt.cohort import schema
from prrt.dosimetry import DosimetrySettings
from prrt.report import vocabulary
from prrt.report.xlsx import NUMBERS_TITLE
from prrt.studies import STUDIES

from .conftest import Built

_IDENTIFIER = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
_P_CODE = re.compile(r"p = <")

_CODES = (
    {
        str(code)
        for levels in vocabulary.LEVELS.values()
        for code in levels
        if isinstance(code, str) and code.islower()
    }
    | set(schema.LAB_TESTS)
    | set(schema.SYMPTOM_RESPONSES)
    | set(schema.STRUCTURES)
)
"""Data-model codes that must never be shown as they are (``platelets``, ``partial`` ...)."""


def _body(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", text)
    return text.split('<section class="provenance">', 1)[0]


def _texts(body: str, tag: str) -> list[str]:
    return [
        html_lib.unescape(re.sub(r"<[^>]+>", "", t)).strip()
        for t in re.findall(rf"<{tag}[^>]*>(.*?)</{tag}>", body, re.S)
    ]


def _visible(body: str) -> list[str]:
    footnotes = [
        html_lib.unescape(t) for t in re.findall(r'<p class="footnote">(.*?)</p>', body, re.S)
    ]
    return [
        *_texts(body, "caption"),
        *_texts(body, "th"),
        *_texts(body, "td"),
        *_texts(body, "figcaption"),
        *_texts(body, "li"),
        *footnotes,
    ]


@pytest.mark.parametrize("name", list(STUDIES))
def test_no_identifier_text_outside_the_appendix(full: Built, name: str) -> None:
    body = _body(full.outputs[name].paths["html"])
    leaks = sorted(
        {
            t
            for t in _visible(body)
            if _IDENTIFIER.search(t) or _P_CODE.search(t) or t.strip() in _CODES
        },
    )
    assert not leaks, f"{name}: code in the text: {leaks[:10]}"


def _journal_tables(body: str) -> list[dict[str, object]]:
    out = []
    for m in re.finditer(
        r'<table class="journal" id="table-([^"]+)">(.*?)</table>\s*'
        r'(?:<p class="footnote">(.*?)</p>)?',
        body,
        re.S,
    ):
        name, inner, foot = m.group(1), m.group(2), m.group(3) or ""
        caption = _texts(inner, "caption")[0]
        header = _texts(inner, "th")
        rows = []
        for r in re.findall(r"<tr>(.*?)</tr>", inner.split("<tbody>", 1)[-1], re.S):
            cells = re.findall(r"<td([^>]*)>(.*?)</td>", r, re.S)
            rows.append(
                [
                    ("  " if "padding-left" in attrs else "") + html_lib.unescape(c)
                    for attrs, c in cells
                ]
            )
        out.append({"name": name, "caption": caption, "header": header, "rows": rows, "foot": foot})
    return out


def _count(cell: str) -> int | None:
    m = re.match(r"^\s*(\d+)(?: \(|$)", cell)
    return int(m.group(1)) if m else None


def _baseline_problems(table: dict[str, object]) -> list[str]:
    """Levels + missing = n of the column, for every categorical block of a baseline table."""
    header = list(table["header"])  # type: ignore[call-overload]
    rows = list(table["rows"])  # type: ignore[call-overload]
    totals = {j: int(m.group(1)) for j, h in enumerate(header) if (m := re.search(r"n = (\d+)", h))}
    problems = []
    i = 0
    while i < len(rows):
        row = rows[i]
        if not row[0].startswith("  ") and all(c == "" for c in row[1:]):
            block = []
            i += 1
            while i < len(rows) and rows[i][0].startswith("  "):
                block.append(rows[i])
                i += 1
            for j, n in totals.items():
                counts = [_count(b[j]) for b in block]
                if block and all(c is not None for c in counts) and sum(counts) != n:  # type: ignore[arg-type]
                    problems.append(f"{table['name']}: {row[0]} sums to {sum(counts)} of {n}")  # type: ignore[arg-type]
        else:
            i += 1
    return problems


_RESPONSE = {
    "CR": "CR",
    "PR": "PR",
    "SD": "SD",
    "PD": "PD",
    "Complete response": "CR",
    "Partial response": "PR",
    "Stable disease": "SD",
    "Progressive disease": "PD",
}


def _response_columns_problems(table: dict[str, object]) -> list[str]:
    """Response tables with CR/PR/SD/PD as columns (one row per criteria): the evaluable
    count and the ORR use CR + PR + SD + PD."""
    header = list(table["header"])  # type: ignore[call-overload]
    where = {h: j for j, h in enumerate(header)}
    if not {"CR", "PR", "SD", "PD"} <= set(where):
        return []
    problems = []
    for row in table["rows"]:  # type: ignore[attr-defined]
        counts = {k: _count(row[where[k]]) for k in ("CR", "PR", "SD", "PD")}
        if any(v is None for v in counts.values()):
            continue
        total = sum(counts.values())  # type: ignore[arg-type]
        ev = next((j for h, j in where.items() if h.startswith("Evaluable")), None)
        if ev is not None and _count(row[ev]) != total:
            problems.append(f"{table['name']}: {row[0]} evaluable {row[ev]} ≠ CR+PR+SD+PD {total}")
        orr = next((j for h, j in where.items() if h.startswith("ORR")), None)
        if orr is not None and total:
            m = re.match(r"^([\d.]+)", row[orr])
            expected = 100 * (counts["CR"] + counts["PR"]) / total  # type: ignore[operator]
            if m and abs(float(m.group(1)) - expected) > 0.051:
                problems.append(f"{table['name']}: {row[0]} ORR {row[orr]} ≠ {expected:.1f}")
    return problems


def _response_problems(table: dict[str, object]) -> list[str]:
    rows = list(table["rows"])  # type: ignore[call-overload]
    counts: dict[str, int] = {}
    orr: tuple[int, float] | None = None
    evaluable = None
    for row in rows:
        label = row[0].strip()
        key = _RESPONSE.get(label) or _RESPONSE.get(label.split(" (")[0])
        n = _count(row[1]) if len(row) > 1 else None
        if key and n is not None:
            counts[key] = n
        if label.startswith(("ORR", "Objective response")) and len(row) > 1:
            m = re.match(r"^(\d+) \(([\d.]+)", row[1])
            pct_only = re.match(r"^([\d.]+) %$", row[1])
            if m:
                orr = (int(m.group(1)), float(m.group(2)))
            elif pct_only:
                orr = (-1, float(pct_only.group(1)))
        if label.startswith("Evaluable") and len(row) > 1:
            evaluable = _count(row[1])
    if set(counts) != {"CR", "PR", "SD", "PD"}:
        return []
    denominator = sum(counts.values())
    problems = []
    if evaluable is not None and evaluable != denominator:
        problems.append(f"{table['name']}: evaluable {evaluable} ≠ CR+PR+SD+PD {denominator}")
    if orr is not None:
        n_orr, pct = orr
        if n_orr == -1:  # only the percentage is shown
            n_orr = counts["CR"] + counts["PR"]
        if n_orr != counts["CR"] + counts["PR"]:
            problems.append(f"{table['name']}: ORR n {n_orr} ≠ CR + PR")
        elif abs(pct - 100 * n_orr / denominator) > 0.051:
            problems.append(
                f"{table['name']}: ORR {pct} % is not {n_orr}/{denominator} evaluable patients"
            )
    return problems


@pytest.mark.parametrize("name", list(STUDIES))
def test_rate_denominators_equal_the_sum_of_categories(full: Built, name: str) -> None:
    body = _body(full.outputs[name].paths["html"])
    problems = []
    for t in _journal_tables(body):
        problems += _baseline_problems(t)
        problems += _response_problems(t)
        problems += _response_columns_problems(t)
    assert not problems, problems


def _selected_independently(doses: pd.DataFrame) -> pd.DataFrame:
    """One estimate per patient × course × cycle × structure × lesion: the method earliest in
    the preference (plain pandas, not ``select_dose_estimates``)."""
    pref = DosimetrySettings().method_preference
    d = doses.assign(
        rank=[pref.index(m) if m in pref else len(pref) for m in doses["method"]],
        lesion=doses["lesion_id"].fillna("-"),
    )
    best = d.groupby(["patient_id", "course_no", "cycle_no", "structure", "lesion"])[
        "rank"
    ].transform("min")
    return d[d["rank"] == best]


def test_dose_totals_equal_sum_of_selected_cycle_doses(full: Built) -> None:
    doses = full.store.read("absorbed_doses")
    sel = _selected_independently(doses)
    organ = sel[sel["structure"] == "kidneys"]
    totals = organ.groupby(["patient_id", "course_no"])["dose_gy"].sum()
    summary = full.store.read("analysis_dose_summary").set_index(["patient_id", "course_no"])
    common = totals.index.intersection(summary.index)
    assert len(common) > 0
    np.testing.assert_allclose(summary.loc[common, "kidneys_gy"], totals.loc[common], rtol=1e-12)
    # the defect: summing every stored estimate is larger wherever a cycle has two
    assert (
        doses[doses["structure"] == "kidneys"]
        .groupby(["patient_id", "course_no"])["dose_gy"]
        .sum()
        .sum()
        > totals.sum()
    )
    # dose-response Table "Absorbed dose per structure and cycle": Total = median (range) of these
    body = _body(full.outputs["dose-response"].paths["html"])
    table = next(t for t in _journal_tables(body) if t["name"] == "absorbed_doses")
    kidney = next(r for r in table["rows"] if r[0].strip() == "Kidneys")  # type: ignore[attr-defined]
    course1 = totals.xs(1, level="course_no")
    patients = set(full.store.read("analysis_dose_summary").query("course_no == 1")["patient_id"])
    course1 = course1[course1.index.isin(patients)]
    med = float(np.percentile(course1.to_numpy(), 50, method="averaged_inverted_cdf"))
    m = re.fullmatch(r"([\d.]+) \(([\d.]+)–([\d.]+)\)", kidney[-1])
    assert m, kidney[-1]
    digits = len(m.group(1).split(".")[1]) if "." in m.group(1) else 0
    shown = [float(x) for x in m.groups()]
    # median (range) of the per-patient totals, to the displayed decimals
    assert shown == pytest.approx([med, course1.min(), course1.max()], abs=0.5 * 10**-digits)


@pytest.mark.parametrize("name", list(STUDIES))
def test_multivariable_models_are_labelled_so(full: Built, name: str) -> None:
    body = _body(full.outputs[name].paths["html"])
    for t in _journal_tables(body):
        text = f"{t['caption']} {t['foot']}".lower()
        header = " ".join(t["header"])  # type: ignore[arg-type]
        says_multi = "multivariable" in text or "multivariate" in text
        if says_multi and "univariable" not in text and "univariate" not in text:
            assert "Univariable" not in header, (name, t["caption"], header)
        if "Univariable" in header and "Multivariable" not in header:
            assert not says_multi or "univariable" in text, (name, t["caption"])


_NUMBER_TEXT = re.compile(
    r"^(-?\d+(\.\d+)?|-?\d+(\.\d+)? \((-?\d+(\.\d+)?|NE)–(-?\d+(\.\d+)?|NE)\)|\d+ \([\d.]+\)|< [\d.]+)$"
)


@pytest.mark.parametrize("name", list(STUDIES))
def test_excel_numbers_are_numeric(full: Built, name: str) -> None:
    wb = openpyxl.load_workbook(full.outputs[name].paths["xlsx"])
    sheets = [ws for ws in wb.worksheets if str(ws["A1"].value or "").startswith("Table ")]
    assert sheets
    for ws in sheets:
        top = next(
            (
                r
                for r in range(1, ws.max_row + 1)
                if ws.cell(row=r, column=1).value == NUMBERS_TITLE
            ),
            None,
        )
        assert top is not None, f"{name}/{ws.title}: no numbers block"
        as_text = [
            (c.coordinate, c.value)
            for row in ws.iter_rows(min_row=top + 2)
            for c in row[1:]  # column A holds the row labels (a level such as "3" cycles)
            if isinstance(c.value, str) and _NUMBER_TEXT.match(c.value)
        ]
        assert not as_text, f"{name}/{ws.title}: numbers stored as text {as_text[:5]}"
        numeric = [
            c.value
            for row in ws.iter_rows(min_row=top + 2)
            for c in row
            if isinstance(c.value, int | float)
        ]
        shown = [
            c.value
            for row in ws.iter_rows(min_row=4, max_row=top - 1)
            for c in row
            if c.value is not None and re.search(r"\d", str(c.value))
        ]
        if shown:
            assert numeric, f"{name}/{ws.title}: no numeric cell"
