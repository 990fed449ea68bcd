"""Word (.docx) rendering with journal-style three-line tables.

Three-line tables (the layout most journals ask for): a rule above the header, a rule under the
header and a rule under the last row, no vertical or other horizontal rules. Captions sit above
tables and below figures; not-computed notices are shaded paragraphs.

Pages are A4 portrait by default (ISO 216: 210 × 297 mm; US Letter as an option) with 2.5 cm
margins; a table too wide for the portrait text width gets its own landscape section.
"""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Inches, Length, Mm, Pt, RGBColor

from prrt.report.blocks import (
    FigureBlock,
    Notice,
    Paragraph,
    ReportView,
    Section,
    TableBlock,
    appendix,
)
from prrt.report.prose import lead_in
from prrt.report.tables.base import ReportTable, split_indent

PAPER_SIZES: dict[str, tuple[Length, Length]] = {
    "A4": (Mm(210), Mm(297)),
    "Letter": (Inches(8.5), Inches(11)),
}
"""Page width and height (portrait) of each supported paper size."""
MARGIN = Cm(2.5)
_CHAR_WIDTH_IN = 0.075
"""Approximate width of one character of 9-pt Arial, in inches (for the landscape decision)."""

_RULE = {"val": "single", "sz": "8", "space": "0", "color": "000000"}
_NONE = {"val": "nil"}


def _borders(parent: object, tag: str, edges: dict[str, dict[str, str]]) -> None:
    el = OxmlElement(tag)
    for edge, attrs in edges.items():
        e = OxmlElement(f"w:{edge}")
        for k, v in attrs.items():
            e.set(qn(f"w:{k}"), v)
        el.append(e)
    parent.append(el)  # type: ignore[attr-defined]


def _three_line(table: object, n_rows: int) -> None:
    tbl_pr = table._tbl.tblPr  # type: ignore[attr-defined]
    _borders(
        tbl_pr,
        "w:tblBorders",
        {
            "top": _RULE,
            "left": _NONE,
            "bottom": _RULE,
            "right": _NONE,
            "insideH": _NONE,
            "insideV": _NONE,
        },
    )
    if n_rows > 1:
        for cell in table.rows[0].cells:  # type: ignore[attr-defined]
            _borders(cell._tc.get_or_add_tcPr(), "w:tcBorders", {"bottom": _RULE})


def _shade(paragraph: object, fill: str) -> None:
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    paragraph._p.get_or_add_pPr().append(shd)  # type: ignore[attr-defined]


def table_width_in(table: ReportTable) -> float:
    """Estimated printed width of a table at 9 pt (inches): widest cell of each column.

    Examples
    --------
    >>> import pandas as pd
    >>> round(table_width_in(ReportTable("t", pd.DataFrame({"ab": ["abcd"]}), "t")), 2)
    0.45
    """
    header, rows = table.header(), table.rows()
    widths = [len(h) for h in header]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    return sum(w * _CHAR_WIDTH_IN + 0.15 for w in widths)


def _set_page(section: object, paper: str, landscape: bool) -> None:
    width, height = PAPER_SIZES[paper]
    if landscape:
        width, height = height, width
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT  # type: ignore[attr-defined]
    section.page_width, section.page_height = width, height  # type: ignore[attr-defined]
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, MARGIN)


def _text_width_in(paper: str) -> float:
    return float(PAPER_SIZES[paper][0].inches - 2 * MARGIN.inches)


def _add_table(doc: object, block: TableBlock) -> None:
    t = block.table
    cap = doc.add_paragraph()  # type: ignore[attr-defined]
    cap.add_run(f"Table {block.number}. ").bold = True
    cap.add_run(t.title)
    header, rows = t.header(), t.rows()
    table = doc.add_table(rows=1 + len(rows), cols=len(header))  # type: ignore[attr-defined]
    # row.cells once per row: table.cell(i, j) rescans the whole table (quadratic)
    doc_rows = table.rows
    for cell, h in zip(doc_rows[0].cells, header, strict=True):
        run = cell.paragraphs[0].add_run(h)
        run.bold = True
        run.font.size = Pt(9)
    for doc_row, row in zip(doc_rows[1:], rows, strict=True):
        for j, (cell, value) in enumerate(zip(doc_row.cells, row, strict=True)):
            level, text = split_indent(value) if j == 0 else (0, value)
            para = cell.paragraphs[0]
            run = para.add_run(text)
            run.font.size = Pt(9)
            if level:
                para.paragraph_format.left_indent = Pt(9 * level)
    _three_line(table, 1 + len(rows))
    if t.footnote:
        foot = doc.add_paragraph()  # type: ignore[attr-defined]
        r = foot.add_run(t.footnote)
        r.font.size = Pt(8)


def _kv_table(doc: object, title: str, items: list[tuple[str, str]]) -> None:
    doc.add_heading(title, level=2)  # type: ignore[attr-defined]
    table = doc.add_table(rows=len(items), cols=2)  # type: ignore[attr-defined]
    for doc_row, (k, v) in zip(table.rows, items, strict=True):
        key_cell, value_cell = doc_row.cells
        key_cell.text = k
        value_cell.text = v
    _three_line(table, 1)


def _simple_table(doc: object, header: list[str], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=1 + len(rows), cols=len(header))  # type: ignore[attr-defined]
    for cells, values, bold in [(table.rows[0].cells, header, True)] + [
        (r.cells, v, False) for r, v in zip(table.rows[1:], rows, strict=True)
    ]:
        for cell, value in zip(cells, values, strict=True):
            run = cell.paragraphs[0].add_run(value)
            run.bold = bold
            run.font.size = Pt(9)
    _three_line(table, 1 + len(rows))


def render_docx(report: ReportView, *, paper: str = "A4") -> bytes:
    """The report as .docx bytes: A4 portrait (or ``paper="Letter"``); wide tables landscape."""
    if paper not in PAPER_SIZES:
        raise ValueError(f"paper must be one of {sorted(PAPER_SIZES)}, got {paper!r}")
    doc = Document()
    _set_page(doc.sections[0], paper, landscape=False)
    style = doc.styles["Normal"]
    style.font.name = "Arial"  # type: ignore[attr-defined]
    style.font.size = Pt(10)  # type: ignore[attr-defined]
    doc.add_heading(report.title, level=0)
    if report.glance:
        doc.add_heading("Results at a glance", level=1)
        for g in report.glance:
            doc.add_paragraph(g, style="List Bullet")
    doc.add_heading("Methods", level=1)
    for p in report.methods():
        head, text = lead_in(p)
        para = doc.add_paragraph()
        if head:
            para.add_run(head + " ").bold = True
        para.add_run(text)
    portrait_width = _text_width_in(paper)
    landscape = False

    def orient(want_landscape: bool) -> None:
        # switch only when the orientation changes: adjacent wide tables (and the headings and
        # text between them) share one landscape section
        nonlocal landscape
        if want_landscape != landscape:
            _set_page(doc.add_section(WD_SECTION.NEW_PAGE), paper, landscape=want_landscape)
            landscape = want_landscape

    for block in report.blocks:
        if isinstance(block, Section):
            doc.add_heading(block.title, level=1)
        elif isinstance(block, Paragraph):
            doc.add_paragraph(block.text)
        elif isinstance(block, Notice):
            para = doc.add_paragraph()
            lead = para.add_run("Not computed: ")
            lead.bold = True
            lead.font.color.rgb = RGBColor(0xC0, 0x39, 0x2B)
            para.add_run(f"{block.what} — {block.why}")
            _shade(para, "FDECEA")
        elif isinstance(block, TableBlock):
            orient(table_width_in(block.table) > portrait_width)
            _add_table(doc, block)
        elif isinstance(block, FigureBlock):
            orient(False)
            doc.add_picture(io.BytesIO(block.png), width=Inches(min(6.0, portrait_width)))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            cap = doc.add_paragraph()
            cap.add_run(f"Figure {block.number}. ").bold = True
            cap.add_run(block.caption)
    orient(False)
    rows = report.correspondence_rows()
    if rows:
        doc.add_heading("Correspondence with the paper", level=1)
        _simple_table(
            doc,
            ["Paper", "What it shows", "This report"],
            [[r.paper, r.what, r.report] for r in rows],
        )
    doc.add_heading("Appendix and provenance", level=1)
    for _key, heading, items in appendix(report):
        _kv_table(doc, heading, items)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def write_docx(report: ReportView, path: str | Path, *, paper: str = "A4") -> Path:
    """Write :func:`render_docx` to ``path`` and return the path."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(render_docx(report, paper=paper))
    return p
