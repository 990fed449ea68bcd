"""Correspondence between a source paper and a study report, declared as data.

Each study module declares ``CORRESPONDENCE``: one :class:`PaperItem` per table, figure or
analysis of its paper, naming the report items (table or figure ``name``) that reproduce it. The
report ends with this correspondence table, and a test checks that every declared report item is
present in the output or listed as not computed with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PaperItem:
    """One item of the source paper and where the report reproduces it.

    Attributes
    ----------
    paper : str
        The paper's item as the paper names it (``"Table 3"``, ``"Figure 2A"``, ``"Text"``).
    what : str
        What it shows, in words (``"Univariate logistic regression for persistent
        thrombocytopenia"``).
    report : tuple of str
        Names of the report tables/figures (``ReportTable.name`` or the figure ``name``) that
        reproduce it; empty only with ``reason``.
    reason : str
        Why the report cannot reproduce it at all (empty when it does).

    Examples
    --------
    >>> PaperItem("Table 3", "Univariate logistic regression", ("logistic_univariable",)).paper
    'Table 3'
    """

    paper: str
    what: str
    report: tuple[str, ...] = ()
    reason: str = ""

    def __post_init__(self) -> None:
        if not self.report and not self.reason:
            raise ValueError(f"paper item {self.paper!r} names no report item and no reason")
