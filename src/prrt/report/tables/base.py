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

    def numeric_frame(self) -> pd.DataFrame:
        """Every number of the table in its own numeric column (for spreadsheets).

        :attr:`numbers` when the builder gave them (full precision); otherwise parsed from the
        display text, column by column: ``"0.94 (0.38–2.37)"`` gives *estimate*, *lower*,
        *upper*; ``"12 (25.5)"`` gives *n* and *%*; ``"3/10 (30.0 %)"`` gives *events*, *n*,
        *%*; plain numbers stay numbers; ``"< 0.001"`` gives 0.001 in a column whose name says
        it is an upper bound. Text columns (row labels) are kept as text.

        Examples
        --------
        >>> t = ReportTable("x", pd.DataFrame({"Factor": ["Age"], "HR (95 % CI)": ["1.20 (0.90–1.60)"],
        ...                                    "p": ["< 0.001"]}), "x")
        >>> [float(v) if not isinstance(v, str) else v for v in t.numeric_frame().iloc[0]]
        ['Age', 1.2, 0.9, 1.6, 0.001]
        >>> list(t.numeric_frame().columns)[1:]
        ['HR (95 % CI): estimate', 'HR (95 % CI): lower', 'HR (95 % CI): upper', 'p (upper bound if shown as < )']
        """
        if self.numbers is not None:
            return self.numbers.reset_index(drop=True)
        shown = self.to_frame()
        out: dict[str, list[Any]] = {}
        for k, col in enumerate(shown.columns):
            labels = [split_indent(v)[1] for v in shown[col].tolist()]
            parsed = None if k == 0 else _parse_column(labels)
            if parsed is None:
                out[str(col)] = labels
                continue
            for suffix, values in parsed.items():
                out[f"{col}{suffix}"] = values
        return pd.DataFrame(out)

    def to_frame(self) -> pd.DataFrame:
        """The display text as a frame of strings."""
        return pd.DataFrame(self.rows(), columns=self.header())


_NUM = r"-?\d+(?:\.\d+)?"
_PATTERNS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (re.compile(rf"^({_NUM})$"), ("",)),
    (re.compile(rf"^({_NUM}) \(({_NUM}|NE)–({_NUM}|NE)\)$"), (": estimate", ": lower", ": upper")),
    (re.compile(rf"^(\d+)/(\d+) \(({_NUM}) %\)$"), (": events", ": n", ": %")),
    (re.compile(rf"^(\d+) \(({_NUM}|NE)\)$"), (": n", ": %")),
    (re.compile(rf"^({_NUM}) \(({_NUM})\)$"), (": mean", ": SD")),
    (re.compile(rf"^< ({_NUM})$"), (" (upper bound if shown as < )",)),
    (re.compile(rf"^({_NUM}) %$"), (": %",)),
    (
        re.compile(rf"^(\d+)/(\d+) \(({_NUM}) %; 95 % CI ({_NUM})–({_NUM}) %\)$"),
        (": events", ": n", ": %", ": % lower 95 % CI", ": % upper 95 % CI"),
    ),
    (re.compile(r"^(\d+)/(\d+)$"), (": events", ": n")),
)
_MISSING_TEXT = {"", "NE", "—", "–"}


def _number(text: str) -> float | int | None:
    if text in _MISSING_TEXT:
        return None
    return int(text) if re.fullmatch(r"-?\d+", text) else float(text)


def _parse_column(cells: Sequence[str]) -> dict[str, list[Any]] | None:
    """Numbers of one display column, split by the pattern all its non-empty cells share."""
    filled = [c for c in cells if c not in _MISSING_TEXT]
    if not filled:
        return None
    # p columns mix "0.034" and "< 0.001": both go to one column
    plain_or_bound = [_PATTERNS[0][0], _PATTERNS[5][0]]
    if all(any(p.match(c) for p in plain_or_bound) for c in filled) and any(
        _PATTERNS[5][0].match(c) for c in filled
    ):
        bounds = []
        for c in cells:
            m = _PATTERNS[0][0].match(c) or _PATTERNS[5][0].match(c)
            bounds.append(_number(m.group(1)) if m else None)
        return {" (upper bound if shown as < )": bounds}
    for pattern, suffixes in (*_PATTERNS[:5], *_PATTERNS[6:]):
        if all(pattern.match(c) for c in filled):
            out: dict[str, list[Any]] = {s: [] for s in suffixes}
            for c in cells:
                m = pattern.match(c)
                for i, suffix in enumerate(suffixes, start=1):
                    out[suffix].append(_number(m.group(i)) if m else None)
            return out
    if all(any(p.match(c) for p, _ in _PATTERNS) for c in filled):
        # a baseline table mixes "n (%)", "median (range)" and counts in one column: the row
        # label says which statistic each row holds
        return _mixed(cells)
    if any(any(p.match(c) for p, _ in _PATTERNS) for c in filled):
        # numbers and words in one column: numbers to numeric columns, words kept as text
        out = _mixed(cells)
        out[": text"] = [
            None if c in _MISSING_TEXT or any(p.match(c) for p, _ in _PATTERNS) else c
            for c in cells
        ]
        return out
    return None


def _mixed(cells: Sequence[str]) -> dict[str, list[Any]]:
    """Numbers of a column whose rows hold different statistics (the row label names them)."""
    mixed: dict[str, list[Any]] = {s: [] for s in _MIXED}
    for c in cells:
        values: list[Any] = []
        for p, suffixes in _PATTERNS:
            m = p.match(c)
            if m:
                values = [_number(m.group(i)) for i in range(1, len(suffixes) + 1)]
                if suffixes[0] == ": events":
                    pct = values[2] if len(values) >= 3 else None
                    lo, hi = (values[3], values[4]) if len(values) == 5 else (None, None)
                    values = [values[0], pct, None, values[1], lo, hi]
                break
        values += [None] * (len(_MIXED) - len(values))
        for suffix, v in zip(_MIXED, values, strict=True):
            mixed[suffix].append(v)
    return {k: v for k, v in mixed.items() if any(x is not None for x in v)}


_MIXED = (
    ": value",
    ": in brackets",
    ": upper in brackets",
    ": denominator",
    ": % lower 95 % CI",
    ": % upper 95 % CI",
)
"""Numeric columns of a display column that mixes statistics (the row label names them)."""


def records_table(
    title: str,
    records: Sequence[Mapping[str, Any]],
    name: str,
    **kwargs: Any,
) -> ReportTable:
    """Build a :class:`ReportTable` from a list of row dicts (convenience)."""
    return ReportTable(title, pd.DataFrame(list(records)), name, **kwargs)
