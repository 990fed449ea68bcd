"""Report.write: HTML/Word/Excel contain the same numbers; HTML is self-contained; notices shown."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import docx
import numpy as np
import openpyxl
import pandas as pd
import pytest

from prrt.report import Report, ReportTable, provenance, regression_table, table_one
from prrt.report.docx import render_docx
from prrt.report.figures import flow_diagram, km_figure

from .conftest import km_table


class _Tables(HTMLParser):
    """Collect the cell texts of <table class="journal"> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._in = False
        self._cell: list[str] | None = None
        self.urls: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for key in ("src", "href"):
            if a.get(key):
                self.urls.append(str(a[key]))
        if tag == "table" and a.get("class") == "journal":
            self._in = True
            self.tables.append([])
        elif self._in and tag == "tr":
            self.tables[-1].append([])
        elif self._in and tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._in = False
        elif self._in and tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def _xlsx_text(cell: Any) -> str:
    v = cell.value
    if v is None:
        return ""
    if isinstance(v, int | float) and not isinstance(v, bool):
        fmt = cell.number_format
        decimals = len(fmt.split(".")[1]) if "." in fmt else 0
        return f"{v:.{decimals}f}"
    return str(v)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, dict[str, Path]]:
    data = pd.DataFrame(
        {
            "age": [25, 40, 55, 61, 68, 70, 79, 84],
            "sex": ["F", "F", "M", "F", "M", "M", "F", "F"],
            "cycles": [4, 4, 2, 3, 4, 4, 1, 4],
        }
    )
    uni = pd.DataFrame(
        {
            "hr": [2.384, 0.862],
            "lower": [1.466, 0.79],
            "upper": [3.851, 0.94],
            "p": [0.0004, 0.0512],
        },
        index=["CgA ≥ 1000 µg/L", "Sodium (mmol/L)"],
    )
    raw = ReportTable(
        "Raw numbers",
        pd.DataFrame(
            {"Structure": ["kidneys", "  left"], "Dose (Gy)": [3.456, 12.0], "n": [35, 12]}
        ),
        "a_very_long_table_name_that_excel_would_reject",
        column_formats={"Dose (Gy)": 2},
        footnote="Doses are means.",
    )
    settings = {"ctcae_version": "5.0", "pt_window_days": [40, 82], "population": "≥ 2 cycles"}
    prov = provenance(
        {"cohort_hash": "c0ffee", "n_patients": 8},
        settings,
        import_log=[{"level": "warning"}],
        code="0.1.0",
    )
    r = Report(
        "Persistent thrombocytopenia",
        settings,
        prov,
        conventions={"ties": "Breslow"},
        tests=["Cox proportional hazards"],
    )
    r.section("Patients").table(
        table_one(
            data,
            ["age", "sex", "cycles"],
            digits=0,
            labels={"age": "Age (years)", "cycles": "Number of cycles"},
        )
    )
    r.text("Eight patients were included.")
    r.section("Survival")
    r.figure(km_figure({"All": km_table([1, 2, 3, 5], [1, 0, 1, 1])}), "km_pfs", "PFS.")
    r.table(regression_table(uni, uni.iloc[[0]]))
    r.table(raw)
    r.not_computed("Dose–response analysis", "no dosimetry in this cohort")
    r.figure(
        flow_diagram([("Screened", 10), ("Included", 8)], [("Excluded", 2)]),
        "flow",
        "Patient flow.",
    )
    out = tmp_path_factory.mktemp("report")
    return r, r.write(out, "persistent-thrombocytopenia")


def _html(paths: dict[str, Path]) -> _Tables:
    p = _Tables()
    p.feed(paths["html"].read_text(encoding="utf-8"))
    return p


def test_written_files(written: tuple[Report, dict[str, Path]]) -> None:
    _, paths = written
    for key in (
        "html",
        "docx",
        "xlsx",
        "figure:km_pfs.png",
        "figure:km_pfs.svg",
        "figure:flow.png",
    ):
        assert paths[key].exists() and paths[key].stat().st_size > 0
    assert paths["figure:km_pfs.png"].name == "persistent-thrombocytopenia_km_pfs.png"
    assert paths["figure:km_pfs.png"].parent.name == "figures"
    assert paths["figure:km_pfs.svg"].read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_html_self_contained(written: tuple[Report, dict[str, Path]]) -> None:
    _, paths = written
    parsed = _html(paths)
    assert parsed.urls, "figures should be embedded as data: URIs"
    assert all(u.startswith("data:image/png;base64,") for u in parsed.urls)
    text = paths["html"].read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?https?://""", text)
    assert "<link" not in text and "<script" not in text


def test_same_numbers_in_html_docx_xlsx(written: tuple[Report, dict[str, Path]]) -> None:
    report, paths = written
    html_tables = _html(paths).tables
    expected = [
        [b.table.header(), *[[c.strip() for c in r] for r in b.table.rows()]] for b in report.tables
    ]
    assert html_tables == expected

    document = docx.Document(str(paths["docx"]))
    journal = document.tables[: len(expected)]
    docx_tables = [[[c.text for c in row.cells] for row in t.rows] for t in journal]
    assert docx_tables == expected

    wb = openpyxl.load_workbook(paths["xlsx"])
    xlsx_tables = []
    for b in report.tables:
        title = f"Table {b.number}. {b.table.title}"
        ws = next(ws for ws in wb.worksheets if ws["A1"].value == title)
        n_cols = len(b.table.header())
        rows = []
        for r in range(3, 4 + len(b.table.rows())):
            rows.append([_xlsx_text(ws.cell(row=r, column=c)) for c in range(1, n_cols + 1)])
        xlsx_tables.append(rows)
    assert xlsx_tables == expected
    # spot checks of the content
    assert expected[0][1] == ["Age (years), median (range)", "65 (25–84)"]  # (61+68)/2 = 64.5 -> 65
    assert expected[1][1][1:3] == ["2.38 (1.47–3.85)", "< 0.001"]


def test_xlsx_numbers_are_numbers_and_sheets(written: tuple[Report, dict[str, Path]]) -> None:
    _, paths = written
    wb = openpyxl.load_workbook(paths["xlsx"])
    names = wb.sheetnames
    assert {"Contents", "Settings", "Provenance", "Not computed"} <= set(names)
    assert all(len(n) <= 31 for n in names) and len(set(names)) == len(names)
    ws = wb["a_very_long_table_name_that_exc"]
    assert ws["B4"].value == pytest.approx(3.46) and ws["B4"].number_format == "0.00"
    assert ws["C4"].value == 35 and isinstance(ws["C4"].value, int)
    assert ws["A5"].value == "left" and ws["A5"].alignment.indent == 1
    prov = {r[0].value: r[1].value for r in wb["Provenance"].iter_rows(min_row=2)}
    assert prov["cohort_hash"] == "c0ffee" and prov["code_version"] == "0.1.0"
    settings = {r[0].value: r[1].value for r in wb["Settings"].iter_rows(min_row=2)}
    assert settings["ctcae_version"] == "5.0" and settings["pt_window_days"] == "[40, 82]"


def test_not_computed_in_every_format(written: tuple[Report, dict[str, Path]]) -> None:
    _, paths = written
    needle = "Dose–response analysis"
    why = "no dosimetry in this cohort"
    html = paths["html"].read_text(encoding="utf-8")
    assert 'class="not-computed"' in html and needle in html and why in html
    doc_text = "\n".join(p.text for p in docx.Document(str(paths["docx"])).paragraphs)
    assert f"Not computed: {needle} — {why}" in doc_text
    wb = openpyxl.load_workbook(paths["xlsx"])
    contents = [c.value for c in wb["Contents"]["A"] if c.value]
    assert f"Not computed: {needle} — {why}" in contents
    assert [c.value for c in wb["Not computed"][2]] == [needle, why]


def test_methods_and_provenance_in_html_and_docx(written: tuple[Report, dict[str, Path]]) -> None:
    _, paths = written
    html = paths["html"].read_text(encoding="utf-8")
    for s in (
        "CTCAE) version 5.0",
        "Breslow",
        "numpy",
        "statsmodels",
        "duckdb",
        "c0ffee",
        "settings_hash",
        "1 entries (1 warning)",
    ):
        assert s in html
    doc = docx.Document(str(paths["docx"]))
    doc_text = "\n".join(p.text for p in doc.paragraphs)
    assert "CTCAE) version 5.0" in doc_text and "Breslow" in doc_text
    kv = {t.rows[0].cells[0].text for t in doc.tables}
    assert "cohort_hash" in kv


def test_docx_three_line_tables(written: tuple[Report, dict[str, Path]]) -> None:
    _, paths = written
    doc = docx.Document(str(paths["docx"]))
    ns = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    for table in doc.tables[:3]:
        borders = table._tbl.tblPr.find(f"{ns}tblBorders")
        vals = {child.tag.replace(ns, ""): child.get(f"{ns}val") for child in borders}
        assert vals == {
            "top": "single",
            "left": "nil",
            "bottom": "single",
            "right": "nil",
            "insideH": "nil",
            "insideV": "nil",
        }
        header_pr = table.rows[0].cells[0]._tc.tcPr
        assert header_pr is not None
        assert header_pr.find(f"{ns}tcBorders").find(f"{ns}bottom").get(f"{ns}val") == "single"
        body_tc = table.rows[1].cells[0]._tc
        assert body_tc.tcPr is None or body_tc.tcPr.find(f"{ns}tcBorders") is None
    assert len(doc.inline_shapes) == 2  # both figures inserted


def test_report_rejects_duplicates() -> None:
    r = Report("x", {}, {})
    t = ReportTable("t", pd.DataFrame({"a": [1]}), "t")
    r.table(t)
    with pytest.raises(ValueError, match="duplicate"):
        r.table(t)
    with pytest.raises(ValueError, match="figure name"):
        r.figure(flow_diagram([("a", 1)]), "bad name", "c")
    assert render_docx(r)[:2] == b"PK"
    with pytest.raises(ValueError, match="stem"):
        r.write(Path("."), "bad stem/x")


def test_empty_numbers_ne() -> None:
    t = table_one(pd.DataFrame({"x": [np.nan, np.nan]}), ["x"], labels={"x": "X"})
    assert t.rows()[0][1] == "NE"


def test_svg_optional(tmp_path: Path) -> None:
    r = Report("x", {}, {}, svg=False)
    r.figure(flow_diagram([("a", 1)]), "flow", "Flow.")
    steps: list[str] = []
    paths = r.write(tmp_path, "overview", progress=steps.append)
    assert steps == ["figures", "html", "docx", "xlsx"]
    assert "figure:flow.png" in paths and "figure:flow.svg" not in paths
    assert not list((tmp_path / "figures").glob("*.svg"))
