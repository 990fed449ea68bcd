"""Exports a reader can re-analyse and print (issue 9, defect 10), and the report package's layering.

Page sizes: ISO 216 A4 = 210 × 297 mm; US Letter = 8.5 × 11 in (215.9 × 279.4 mm).
"""

from __future__ import annotations

import ast
import io
from pathlib import Path

import docx
import numpy as np
import openpyxl
import pandas as pd
import pytest

from prrt.report import Report, ReportTable, regression_table
from prrt.report.docx import render_docx
from prrt.report.xlsx import NUMBERS_TITLE, render_xlsx

REPORT_DIR = Path(__file__).resolve().parents[2] / "src" / "prrt" / "report"


def _report() -> Report:
    r = Report("Exports", {"ctcae_version": "5.0"}, {"cohort hash": "abc"})
    r.at_a_glance("Median PFS 24.1 months (95 % CI 20.3–28.0).")
    uni = pd.DataFrame(
        {
            "hr": [2.384123, 0.8612],
            "lower": [1.466, 0.79],
            "upper": [3.851, 0.94],
            "p": [4e-4, 0.031],
        },
        index=["cga_ge_1000", "sodium_bl"],
    )
    r.section("Results").table(regression_table(uni, name="cox"))
    wide = pd.DataFrame({f"Cycle {i}": ["12.3 (10.1–14.9)"] for i in range(1, 14)})
    wide.insert(0, "Structure", ["Kidneys"])
    r.table(ReportTable("Doses per cycle", wide, "wide"))
    r.table(
        ReportTable(
            "Responses",
            pd.DataFrame({"Response": ["Partial response"], "n (%)": ["12 (25.5)"]}),
            "resp",
        )
    )
    return r


def _mm(length: int) -> float:
    return length / 36000


def test_docx_is_a4_portrait_by_default_letter_as_option() -> None:
    doc = docx.Document(io.BytesIO(render_docx(_report())))
    first = doc.sections[0]
    assert round(_mm(first.page_width)) == 210 and round(_mm(first.page_height)) == 297
    assert first.page_width < first.page_height
    letter = docx.Document(io.BytesIO(render_docx(_report(), paper="Letter"))).sections[0]
    assert round(_mm(letter.page_width), 1) == 215.9 and round(_mm(letter.page_height), 1) == 279.4
    with pytest.raises(ValueError, match="paper"):
        render_docx(_report(), paper="A5")


def test_docx_wide_table_in_a_landscape_section() -> None:
    doc = docx.Document(io.BytesIO(render_docx(_report())))
    orient = [s.page_width > s.page_height for s in doc.sections]
    # portrait, landscape for the 14-column table, back to portrait
    assert orient == [False, True, False]


def test_xlsx_numbers_are_numeric_cells() -> None:
    wb = openpyxl.load_workbook(io.BytesIO(render_xlsx(_report())))
    ws = wb["cox"]
    cells = {c.coordinate: c for row in ws.iter_rows() for c in row}
    top = next(c.row for c in cells.values() if c.value == NUMBERS_TITLE)
    header = [ws.cell(row=top + 1, column=j).value for j in range(1, 6)]
    assert header == [
        "Variable",
        "Univariable HR",
        "Univariable lower",
        "Univariable upper",
        "Univariable p",
    ]
    first = [ws.cell(row=top + 2, column=j).value for j in range(1, 6)]
    # full precision, not the rounded display "2.38 (1.47–3.85)" / "< 0.001"
    assert first == ["CgA ≥ 1000 µg/L", 2.384123, 1.466, 3.851, 4e-4]
    assert all(ws.cell(row=top + 2, column=j).data_type == "n" for j in range(2, 6))
    # display strings stay in the display table above
    assert ws.cell(row=4, column=2).value == "2.38 (1.47–3.85)"
    resp = wb["resp"]
    top = next(r for r in range(1, 20) if resp.cell(row=r, column=1).value == NUMBERS_TITLE)
    assert [resp.cell(row=top + 1, column=j).value for j in range(1, 4)] == [
        "Response",
        "n (%): n",
        "n (%): %",
    ]
    assert [resp.cell(row=top + 2, column=j).value for j in range(2, 4)] == [12, 25.5]


def test_xlsx_and_docx_open_with_results_at_a_glance() -> None:
    wb = openpyxl.load_workbook(io.BytesIO(render_xlsx(_report())))
    values = [c.value for c in wb["Contents"]["A"]]
    assert "Results at a glance" in values
    assert "Median PFS 24.1 months (95 % CI 20.3–28.0)." in values
    doc = docx.Document(io.BytesIO(render_docx(_report())))
    heads = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert heads[:2] == ["Results at a glance", "Methods"]


def test_parsed_numbers_match_display() -> None:
    t = ReportTable(
        "x",
        pd.DataFrame({"Group": ["A", "B"], "Median (95 % CI)": ["24.1 (20.3–NE)", "NE"]}),
        "x",
    )
    f = t.numeric_frame()
    assert f["Median (95 % CI): estimate"].tolist()[0] == 24.1
    assert np.isnan(float(f["Median (95 % CI): upper"].astype(float).tolist()[0]))


@pytest.mark.parametrize("writer", ["html.py", "docx.py", "xlsx.py"])
def test_writers_do_not_import_the_document_model(writer: str) -> None:
    # no import circle: document.py imports the writers, the writers only blocks.py
    tree = ast.parse((REPORT_DIR / writer).read_text(encoding="utf-8"))
    imported = {
        n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module is not None
    }
    assert "prrt.report.document" not in imported
    assert "prrt.report.blocks" in imported


def test_docx_adjacent_wide_tables_share_one_landscape_section() -> None:
    r = _report()
    wide = pd.DataFrame({f"Cycle {i}": ["12.3 (10.1–14.9)"] for i in range(1, 14)})
    r.section("More doses").table(ReportTable("Doses again", wide, "wide2"))
    doc = docx.Document(io.BytesIO(render_docx(r)))
    # wide, narrow (portrait), wide: portrait, landscape, portrait, landscape, back to portrait
    assert [s.page_width > s.page_height for s in doc.sections] == [False, True, False, True, False]
    r2 = Report("x", {}, {})
    r2.table(ReportTable("A", wide, "a")).text("Between.").table(ReportTable("B", wide, "b"))
    doc2 = docx.Document(io.BytesIO(render_docx(r2)))
    assert [s.page_width > s.page_height for s in doc2.sections] == [False, True, False]
