"""Excel (.xlsx) rendering: one sheet per table plus Contents, Correspondence and appendix sheets.

Each table sheet holds the table as the HTML shows it (display text; plain numbers as numbers
with a format of the same decimals) and, below it, a **Numbers** block in which every number is
a numeric cell in its own column — estimate, lower, upper, n, %, p — at full precision where the
builder provides it (:meth:`prrt.report.tables.ReportTable.numeric_frame`), so the workbook can
be re-analysed (issue 9, defect 10). The Contents sheet opens with the results at a glance.
Sheet names are the table names cut to Excel's 31 characters and made unique.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from prrt.report.blocks import ReportView, TableBlock, appendix
from prrt.report.tables.base import split_indent

_NUMBER = re.compile(r"^-?\d+(\.(\d+))?$")
_RESERVED = {
    "contents",
    "correspondence",
    "settings",
    "derivation",
    "conventions",
    "provenance",
    "not computed",
}
NUMBERS_TITLE = "Numbers (numeric cells, full precision where available)"
"""Heading of the numeric block under each table."""
_THIN = Side(style="thin", color="000000")
_MEDIUM = Side(style="medium", color="000000")


def excel_value(text: str) -> tuple[object, str | None]:
    """Value and number format for one display string (numbers stay numbers).

    Examples
    --------
    >>> excel_value("12"), excel_value("3.50"), excel_value("12 (25.5)")
    ((12, '0'), (3.5, '0.00'), ('12 (25.5)', None))
    """
    m = _NUMBER.match(text)
    if not m:
        return text, None
    if m.group(2) is None:
        return int(text), "0"
    return float(text), "0." + "0" * len(m.group(2))


def sheet_names(names: list[str]) -> list[str]:
    """Excel-safe unique sheet names (≤ 31 characters, not a reserved sheet name).

    Examples
    --------
    >>> sheet_names(["a" * 40, "a" * 35, "settings"])
    ['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaa~2', 'settings~2']
    """
    used = set(_RESERVED)
    out = []
    for name in names:
        base = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "table"
        cand, k = base, 1
        while cand.lower() in used:
            k += 1
            suffix = f"~{k}"
            cand = base[: 31 - len(suffix)] + suffix
        used.add(cand.lower())
        out.append(cand)
    return out


def _write_table(ws: object, block: TableBlock) -> None:
    t = block.table
    ws.cell(row=1, column=1, value=f"Table {block.number}. {t.title}").font = Font(bold=True)  # type: ignore[attr-defined]
    header = t.header()
    for j, h in enumerate(header, start=1):
        c = ws.cell(row=3, column=j, value=h)  # type: ignore[attr-defined]
        c.font = Font(bold=True)
        c.border = Border(top=_MEDIUM, bottom=_THIN)
    rows = t.rows()
    widths = [len(h) for h in header]
    for i, row in enumerate(rows, start=4):
        for j, text in enumerate(row, start=1):
            level, shown = split_indent(text) if j == 1 else (0, text)
            value, fmt = excel_value(shown)
            c = ws.cell(row=i, column=j, value=value)  # type: ignore[attr-defined]
            if fmt:
                c.number_format = fmt
            if level:
                c.alignment = Alignment(indent=level)
            if i == 3 + len(rows):
                c.border = Border(bottom=_MEDIUM)
            widths[j - 1] = max(widths[j - 1], len(shown) + 2 * level)
    if t.footnote:
        ws.cell(row=5 + len(rows), column=1, value=t.footnote).font = Font(italic=True, size=9)  # type: ignore[attr-defined]
    _write_numbers(ws, block, 7 + len(rows))
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(max(w + 2, 8), 60)  # type: ignore[attr-defined]


def _number_format(column: str, value: float) -> str:
    if "p" == column.split(" ")[-1] or " p " in f" {column} " or "upper bound" in column:
        return "0.0000"
    if float(value).is_integer() and not column.endswith((": %", "%")):
        return "0"
    return "0.00##"


def _write_numbers(ws: object, block: TableBlock, top: int) -> None:
    """The numeric block: one numeric column per number, under the display table."""
    frame = block.table.numeric_frame()
    ws.cell(row=top, column=1, value=NUMBERS_TITLE).font = Font(bold=True)  # type: ignore[attr-defined]
    for j, h in enumerate(frame.columns, start=1):
        c = ws.cell(row=top + 1, column=j, value=str(h))  # type: ignore[attr-defined]
        c.font = Font(bold=True)
        c.border = Border(bottom=_THIN)
    for i, row in enumerate(frame.itertuples(index=False), start=top + 2):
        for j, (col, value) in enumerate(zip(frame.columns, row, strict=True), start=1):
            if value is None or (isinstance(value, float) and value != value):
                continue
            if isinstance(value, bool):
                value = int(value)
            if hasattr(value, "item") and not isinstance(value, str):
                value = value.item()
            c = ws.cell(row=i, column=j, value=value)  # type: ignore[attr-defined]
            if isinstance(value, int | float):
                c.number_format = _number_format(str(col), float(value))


def _kv_sheet(wb: Workbook, title: str, items: list[tuple[str, str]]) -> None:
    ws = wb.create_sheet(title)
    ws.append(["Key", "Value"])
    ws["A1"].font = ws["B1"].font = Font(bold=True)
    for k, v in items:
        ws.append([k, v])
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 80


_APPENDIX_SHEETS = {
    "settings": "Settings",
    "derivation": "Derivation",
    "conventions": "Conventions",
    "provenance": "Provenance",
}


def render_xlsx(report: ReportView) -> bytes:
    """The report as .xlsx bytes."""
    wb = Workbook()
    contents = wb.active
    assert contents is not None
    contents.title = "Contents"
    contents.append([report.title])
    contents["A1"].font = Font(bold=True, size=13)
    contents.append([])
    if report.glance:
        contents.append(["Results at a glance"])
        contents.cell(row=contents.max_row, column=1).font = Font(bold=True)
        for g in report.glance:
            contents.append([g])
        contents.append([])
    contents.append(["Sheet", "Table"])
    names = sheet_names([b.table.name for b in report.tables])
    for block, sheet in zip(report.tables, names, strict=True):
        _write_table(wb.create_sheet(sheet), block)
        contents.append([sheet, f"Table {block.number}. {block.table.title}"])
    notices = report.notices
    if notices:
        contents.append([])
        warn = PatternFill("solid", fgColor="FDECEA")
        for n in notices:
            contents.append([n.text])
            contents.cell(row=contents.max_row, column=1).fill = warn
        ws = wb.create_sheet("Not computed")
        ws.append(["What", "Why"])
        for n in notices:
            ws.append([n.what, n.why])
    contents.column_dimensions["A"].width = 24
    contents.column_dimensions["B"].width = 80
    rows = report.correspondence_rows()
    if rows:
        ws = wb.create_sheet("Correspondence")
        ws.append(["Paper", "What it shows", "This report"])
        for c in ws[1]:
            c.font = Font(bold=True)
        for r in rows:
            ws.append([r.paper, r.what, r.report])
        for col, w in zip("ABC", (14, 70, 40), strict=True):
            ws.column_dimensions[col].width = w
    for key, _heading, items in appendix(report):
        _kv_sheet(wb, _APPENDIX_SHEETS[key], items)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_xlsx(report: ReportView, path: str | Path) -> Path:
    """Write :func:`render_xlsx` to ``path`` and return the path."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(render_xlsx(report))
    return p
