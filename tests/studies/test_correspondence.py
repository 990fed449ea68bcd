"""The paper ↔ report correspondence (issue 9, "Go beyond the papers").

Each study module declares ``CORRESPONDENCE``: one ``PaperItem`` per table, figure or analysis of
its paper. On the synthetic cohort every declared report item is present in the report; on a
cohort without the optional data each item is present or the report says why it is not; and the
report ends with the correspondence table naming every paper item. The overview reproduces no
paper and is exempt; a paper study that declares nothing is reported as an expected failure (never
skipped silently) until it does.
"""

from __future__ import annotations

import re
from types import ModuleType

import pytest

from prrt.studies import STUDIES
from prrt.studies._correspondence import PaperItem

from .conftest import Built

PAPER_STUDIES = [name for name in STUDIES if name != "overview"]


def _declared(name: str) -> tuple[PaperItem, ...]:
    module: ModuleType = STUDIES[name]
    items = getattr(module, "CORRESPONDENCE", ())
    assert items, f"{name}: the study module declares no CORRESPONDENCE"
    assert all(isinstance(i, PaperItem) for i in items), name
    return tuple(items)


def _names(html: str) -> set[str]:
    """Table and figure names present in a report (their HTML ids)."""
    return set(re.findall(r'id="(?:table|figure)-([A-Za-z0-9_\-]+)"', html))


def _correspondence_rows(html: str) -> list[list[str]]:
    m = re.search(r'<table class="journal correspondence".*?<tbody>(.*?)</tbody>', html, re.S)
    assert m, "the report has no correspondence table"
    rows = re.findall(r"<tr>(.*?)</tr>", m.group(1), re.S)
    return [
        [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td>(.*?)</td>", r, re.S)] for r in rows
    ]


@pytest.mark.parametrize("name", PAPER_STUDIES)
def test_every_declared_item_is_in_the_demo_report(full: Built, name: str) -> None:
    items = _declared(name)
    html = full.outputs[name].paths["html"].read_text(encoding="utf-8")
    present = _names(html)
    missing = {
        i.paper: [n for n in i.report if n not in present]
        for i in items
        if any(n not in present for n in i.report)
    }
    assert not missing, f"{name}: declared report items absent on the demo cohort: {missing}"
    unreproducible = [i.paper for i in items if not i.report]
    assert all(i.reason for i in items if not i.report), unreproducible


@pytest.mark.parametrize("name", PAPER_STUDIES)
def test_correspondence_table_closes_the_report(full: Built, name: str) -> None:
    items = _declared(name)
    html = full.outputs[name].paths["html"].read_text(encoding="utf-8")
    rows = _correspondence_rows(html)
    assert [r[0] for r in rows] == [i.paper for i in items]
    for row, item in zip(rows, items, strict=True):
        if item.report:
            assert re.fullmatch(r"(Table|Figure) \d+(; (Table|Figure) \d+)*", row[2]), row
        else:
            assert row[2] == f"Not computed: {item.reason}", row


@pytest.mark.parametrize("name", PAPER_STUDIES)
def test_items_lacking_data_say_why(missing: Built, name: str) -> None:
    items = _declared(name)
    out = missing.outputs[name]
    html = out.paths["html"].read_text(encoding="utf-8")
    present = _names(html)
    for item, row in zip(items, _correspondence_rows(html), strict=True):
        absent = [n for n in item.report if n not in present]
        if absent or not item.report:
            assert row[2].startswith("Not computed") or "not computed" in row[2], row
            assert item.reason or out.not_computed, (name, item.paper)
