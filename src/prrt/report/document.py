"""The :class:`Report` document: an ordered list of blocks written as HTML, Word and Excel.

A study builds a report step by step (sections, text, tables, figures, and notices for what could
not be computed); :meth:`Report.write` renders all formats from the same blocks, so every format
shows the same numbers. A methods section (from the settings and conventions) opens the report and
a provenance block closes it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from prrt.report.blocks import (
    Block,
    Correspondence,
    FigureBlock,
    Notice,
    Paragraph,
    Section,
    TableBlock,
)
from prrt.report.docx import write_docx
from prrt.report.figures._common import png_bytes, svg_text
from prrt.report.html import write_html
from prrt.report.methods import methods_text
from prrt.report.tables.base import ReportTable
from prrt.report.xlsx import write_xlsx

__all__ = [
    "Block",
    "Correspondence",
    "FigureBlock",
    "Notice",
    "Paragraph",
    "Report",
    "Section",
    "TableBlock",
]

logger = logging.getLogger(__name__)

_NAME_RE = re.compile(r"^[A-Za-z0-9_\-]+$")


class Report:
    """A report under construction.

    Parameters
    ----------
    title : str
        Report title.
    settings : mapping
        Analysis settings (printed in the methods, the Settings sheet and hashed in provenance).
    provenance : mapping
        Provenance block (see :func:`prrt.report.methods.provenance`).
    conventions : mapping, optional
        Statistical conventions used (more can be added with :meth:`add_conventions`).
    tests : sequence of str
        Names of the statistical methods used (more with :meth:`add_tests`).
    svg : bool
        Also export figures as SVG (default True; False saves ~40 % of figure time).
    derivation : mapping, optional
        Settings the store's derived tables were built with (``prrt derive``); shown in the
        methods and in an appendix table. A template that applies another rule itself records
        it in :attr:`derivation_overrides`.

    Examples
    --------
    >>> import pandas as pd
    >>> r = Report("Demo", {"ctcae_version": "5.0"}, {"cohort_hash": "abc"})
    >>> _ = r.section("Results").text("Two patients.")
    >>> _ = r.table(ReportTable("Counts", pd.DataFrame({"n": [2]}), "counts"))
    >>> _ = r.not_computed("Dosimetry", "no absorbed doses in the store")
    >>> [type(b).__name__ for b in r.blocks]
    ['Section', 'Paragraph', 'TableBlock', 'Notice']
    """

    def __init__(
        self,
        title: str,
        settings: Mapping[str, Any],
        provenance: Mapping[str, Any],
        *,
        conventions: Mapping[str, Any] | None = None,
        tests: Sequence[str] = (),
        svg: bool = True,
        derivation: Mapping[str, Any] | None = None,
    ) -> None:
        self.title = title
        self.settings: dict[str, Any] = dict(settings)
        self.provenance: dict[str, Any] = dict(provenance)
        self.conventions: dict[str, Any] = dict(conventions or {})
        self.tests: list[str] = list(tests)
        self.svg = svg
        self.derivation: dict[str, Any] = dict(derivation or {})
        self.derivation_overrides: dict[str, Any] = {}
        self.blocks: list[Block] = []
        self.glance: list[str] = []
        self.correspondence: list[tuple[str, str, tuple[str, ...], str]] = []
        self.paper = "A4"
        self._table_names: set[str] = set()
        self._figure_names: set[str] = set()

    # building -------------------------------------------------------------------------------
    def section(self, title: str) -> Report:
        """Start a section."""
        self.blocks.append(Section(title))
        return self

    def text(self, text: str) -> Report:
        """Add a paragraph."""
        self.blocks.append(Paragraph(text))
        return self

    def table(self, table: ReportTable) -> Report:
        """Add a numbered table (names must be unique within the report)."""
        if table.name in self._table_names:
            raise ValueError(f"duplicate table name {table.name!r}")
        self._table_names.add(table.name)
        self.blocks.append(TableBlock(table, len(self.tables) + 1))
        return self

    def figure(self, fig: Figure, name: str, caption: str) -> Report:
        """Add a numbered figure; it is rendered now (300-dpi PNG + SVG) and may be discarded."""
        if not _NAME_RE.match(name):
            raise ValueError(f"figure name {name!r} must match {_NAME_RE.pattern}")
        if name in self._figure_names:
            raise ValueError(f"duplicate figure name {name!r}")
        self._figure_names.add(name)
        self.blocks.append(
            FigureBlock(
                name,
                caption,
                len(self.figures) + 1,
                png_bytes(fig),
                svg_text(fig) if self.svg else None,
            )
        )
        return self

    def at_a_glance(self, text: str) -> Report:
        """Add one headline result (with its CI) to the "Results at a glance" box."""
        self.glance.append(text)
        return self

    def set_correspondence(self, items: Sequence[Any]) -> Report:
        """Declare the paper items this report reproduces (objects with ``paper``, ``what``,
        ``report`` — table/figure names — and ``reason``, e.g. ``PaperItem``)."""
        self.correspondence = [
            (str(i.paper), str(i.what), tuple(i.report), str(i.reason)) for i in items
        ]
        return self

    def correspondence_rows(self) -> list[Correspondence]:
        """The correspondence table: each paper item, what it shows, and the report's table and
        figure numbers — or "Not computed" with the reason."""
        numbers = {b.table.name: f"Table {b.number}" for b in self.tables}
        numbers.update({b.name: f"Figure {b.number}" for b in self.figures})
        rows = []
        for paper, what, names, reason in self.correspondence:
            found = [numbers[n] for n in names if n in numbers]
            lost = [n for n in names if n not in numbers]
            if reason and not names:
                shown = f"Not computed: {reason}"
            elif not found:
                shown = "Not computed on this cohort (see the notices in the report)"
            elif lost:
                shown = "; ".join(found) + " (part not computed on this cohort)"
            else:
                shown = "; ".join(found)
            rows.append(Correspondence(paper, what, shown))
        return rows

    def not_computed(self, what: str, why: str) -> Report:
        """Record that ``what`` could not be computed because ``why`` (a visible notice)."""
        logger.info("not computed: %s (%s)", what, why)
        self.blocks.append(Notice(what, why))
        return self

    def add_conventions(self, conventions: Mapping[str, Any]) -> Report:
        """Merge statistical conventions (e.g. a result's ``conventions``) into the methods."""
        self.conventions.update(conventions)
        return self

    def add_tests(self, *names: str) -> Report:
        """Record statistical methods used (listed once each in the methods)."""
        self.tests.extend(n for n in names if n not in self.tests)
        return self

    # views ------------------------------------------------------------------------------------
    @property
    def tables(self) -> list[TableBlock]:
        """Table blocks in order."""
        return [b for b in self.blocks if isinstance(b, TableBlock)]

    @property
    def figures(self) -> list[FigureBlock]:
        """Figure blocks in order."""
        return [b for b in self.blocks if isinstance(b, FigureBlock)]

    @property
    def notices(self) -> list[Notice]:
        """Not-computed notices in order."""
        return [b for b in self.blocks if isinstance(b, Notice)]

    def methods(self) -> list[str]:
        """Methods paragraphs generated from the settings, conventions and tests."""
        return methods_text(
            self.settings,
            self.conventions,
            tests=self.tests,
            derivation={**self.derivation, **self.derivation_overrides},
        )

    # output -----------------------------------------------------------------------------------
    def write(
        self,
        out_dir: str | Path,
        stem: str,
        *,
        progress: Callable[[str], None] | None = None,
        paper: str | None = None,
    ) -> dict[str, Path]:
        """Write ``<stem>.html``, ``<stem>.docx``, ``<stem>.xlsx`` and ``figures/<stem>_<name>.png/.svg``.

        ``paper`` is the Word page size, ``"A4"`` (default, :attr:`paper`) or ``"Letter"``.
        ``progress``, if given, is called with the name of each step ("figures", "html", "docx",
        "xlsx") before it runs, so a command can advance a progress bar.

        Returns
        -------
        dict of str to Path
            Keys ``"html"``, ``"docx"``, ``"xlsx"`` and ``"figure:<name>.png"`` /
            ``"figure:<name>.svg"`` for every figure.
        """
        if not _NAME_RE.match(stem):
            raise ValueError(f"stem {stem!r} must match {_NAME_RE.pattern}")
        out = Path(out_dir)
        fig_dir = out / "figures"
        fig_dir.mkdir(parents=True, exist_ok=True)
        paths: dict[str, Path] = {}
        step = progress or (lambda _name: None)
        step("figures")
        for fb in self.figures:
            png = fig_dir / f"{stem}_{fb.name}.png"
            png.write_bytes(fb.png)
            paths[f"figure:{fb.name}.png"] = png
            if fb.svg is not None:
                svg = fig_dir / f"{stem}_{fb.name}.svg"
                svg.write_text(fb.svg, encoding="utf-8")
                paths[f"figure:{fb.name}.svg"] = svg
        step("html")
        paths["html"] = write_html(self, out / f"{stem}.html")
        step("docx")
        paths["docx"] = write_docx(self, out / f"{stem}.docx", paper=paper or self.paper)
        step("xlsx")
        paths["xlsx"] = write_xlsx(self, out / f"{stem}.xlsx")
        logger.info("report %r written to %s", self.title, out)
        return paths
