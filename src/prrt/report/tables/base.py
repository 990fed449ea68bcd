"""The :class:`ReportTable` container shared by the builders and the renderers.

A :class:`ReportTable` holds a frame whose cells are either already formatted text (what the
builders produce) or raw numbers with a per-column display format. Every renderer (HTML, Word,
Excel) gets its text from :meth:`ReportTable.rows`, so all three show the same numbers.

Row labels that start with spaces are sub-rows (two spaces per level); renderers indent them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from prrt.report._format import fmt_cell

_NAME_RE = re.compile(r"^[A-Za-z0-9_\-]+$")


def split_indent(label: str) -> tuple[int, str]:
    """Indent level (two leading spaces per level) and the stripped label.

    Examples
    --------
    >>> split_indent("    Grade 2"), split_indent("WHO grade")
    ((2, 'Grade 2'), (0, 'WHO grade'))
    """
    stripped = label.lstrip(" ")
    return (len(label) - len(stripped)) // 2, stripped


@dataclass(frozen=True, eq=False)
class ReportTable:
    """A titled table of a report.

    Parameters
    ----------
    title : str
        Caption text (renderers prefix "Table N.").
    frame : pandas.DataFrame
        The cells. A non-default index is shown as the first column.
    name : str
        Short identifier (letters, digits, ``_``, ``-``); used for Excel sheet names.
    footnote : str, optional
        Text under the table (abbreviations, tests used).
    column_formats : mapping, optional
        Column name -> decimals (int), ``"p"`` or ``"int"`` for raw numeric columns.
    numbers : pandas.DataFrame, optional
        The table's numbers at full precision, one row per body row (estimate, lower, upper, p
        ... in their own columns; text columns allowed for row labels). Spreadsheets write them
        as numeric cells; without it they are parsed from the display text
        (:meth:`numeric_frame`).

    Examples
    --------
    >>> t = ReportTable("Doses", pd.DataFrame({"Organ": ["kidneys"], "Gy": [3.456]}), "doses",
    ...                 column_formats={"Gy": 1})
    >>> t.header(), t.rows()
    (['Organ', 'Gy'], [['kidneys', '3.5']])
    """

    title: str
    frame: pd.DataFrame
    name: str
    footnote: str | None = None
    column_formats: Mapping[str, int | str] | None = field(default=None)
    numbers: pd.DataFrame | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not _NAME_RE.match(self.name):
            raise ValueError(f"table name {self.name!r} must match {_NAME_RE.pattern}")
        if not isinstance(self.frame, pd.DataFrame):
            raise TypeError("frame must be a pandas DataFrame")
        if self.numbers is not None and len(self.numbers) != len(self.frame):
            raise ValueError(
                f"numbers of table {self.name!r} have {len(self.numbers)} rows, "
                f"the table {len(self.frame)}"
            )

    def _frame(self) -> pd.DataFrame:
        if isinstance(self.frame.index, pd.RangeIndex):
            return self.frame
        return self.frame.reset_index()

    def header(self) -> list[str]:
        """Column headers as text."""
        return [str(c) for c in self._frame().columns]

    def rows(self) -> list[list[str]]:
        """Body cells as display text (the single source for every renderer)."""
        frame = self._frame()
        formats = dict(self.column_formats or {})
        columns: list[list[str]] = []
        for col in frame.columns:
            fmt = formats.get(str(col))
            columns.append([fmt_cell(v, fmt) for v in frame[col].tolist()])
        return [list(r) for r in zip(*columns, strict=True)] if columns else []

    def raw_values(self) -> list[list[Any]]:
        """Body cells as stored (numbers stay numbers), for spreadsheet output."""
        return self._frame().astype(object).values.tolist()

    def to_frame(self) -> pd.DataFrame:
        """The display text as a frame of strings."""
        return pd.DataFrame(self.rows(), columns=self.header())


def records_table(
    title: str,
    records: Sequence[Mapping[str, Any]],
    name: str,
    **kwargs: Any,
) -> ReportTable:
    """Build a :class:`ReportTable` from a list of row dicts (convenience)."""
    return ReportTable(title, pd.DataFrame(list(records)), name, **kwargs)
