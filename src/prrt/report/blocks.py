"""The blocks of a report and the view every writer reads (no import of the writers).

:mod:`prrt.report.document` builds a :class:`~prrt.report.document.Report` from these blocks and
imports the writers; the writers (:mod:`~prrt.report.html`, :mod:`~prrt.report.docx`,
:mod:`~prrt.report.xlsx`) import only this module, so there is no import circle between the
document model and its renderers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from prrt.report.tables.base import ReportTable


@dataclass(frozen=True)
class Section:
    """A heading."""

    title: str


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of plain text."""

    text: str


@dataclass(frozen=True, eq=False)
class TableBlock:
    """A numbered table."""

    table: ReportTable
    number: int


@dataclass(frozen=True, eq=False)
class FigureBlock:
    """A numbered figure, already rendered (300-dpi PNG and SVG)."""

    name: str
    caption: str
    number: int
    png: bytes = field(repr=False)
    svg: str | None = field(repr=False)


@dataclass(frozen=True)
class Notice:
    """Something the report could not compute, and why (shown visibly in every format)."""

    what: str
    why: str

    @property
    def text(self) -> str:
        """One-line notice text."""
        return f"Not computed: {self.what} — {self.why}"


Block = Section | Paragraph | TableBlock | FigureBlock | Notice


@dataclass(frozen=True)
class Correspondence:
    """One row of the paper ↔ report correspondence table."""

    paper: str
    what: str
    report: str
    """The report's items ("Table 5; Figure 3") or "Not computed: reason"."""


class ReportView(Protocol):
    """What a writer reads from a report."""

    title: str
    settings: dict[str, Any]
    provenance: dict[str, Any]
    conventions: dict[str, Any]
    derivation: dict[str, Any]
    glance: list[str]
    blocks: list[Block]

    @property
    def tables(self) -> list[TableBlock]: ...  # pragma: no cover - protocol

    @property
    def notices(self) -> list[Notice]: ...  # pragma: no cover - protocol

    def methods(self) -> list[str]: ...  # pragma: no cover - protocol

    def correspondence_rows(self) -> list[Correspondence]: ...  # pragma: no cover - protocol


def kv_text(value: Any) -> str:
    """Display text of a settings/provenance value (JSON for nested values).

    Examples
    --------
    >>> kv_text([1, 2]), kv_text("5.0")
    ('[1, 2]', '5.0')
    """
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, default=str, ensure_ascii=False)
    return str(value)


APPENDIX_TITLES = {
    "settings": "Appendix A. Analysis settings of this report",
    "derivation": "Appendix B. Derivation settings of the store (prrt derive)",
    "conventions": "Appendix C. Statistical conventions of the results",
    "provenance": "Provenance",
}
"""Headings of the closing key–value tables, in order (the raw settings live only here)."""


def appendix(report: ReportView) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """The closing key–value tables: ``(id, heading, [(key, value text)])``, empty ones left out."""
    parts: Sequence[tuple[str, Mapping[str, Any]]] = (
        ("settings", report.settings),
        ("derivation", report.derivation),
        ("conventions", report.conventions),
        ("provenance", report.provenance),
    )
    return [
        (key, APPENDIX_TITLES[key], [(str(k), kv_text(v)) for k, v in items.items()])
        for key, items in parts
        if items
    ]
