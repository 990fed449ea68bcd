"""Self-contained HTML rendering of a :class:`~prrt.report.document.Report`.

The page has inline CSS and figures embedded as base64 PNG: no external resource is referenced,
so it opens offline and can be e-mailed as one file.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import jinja2
import markupsafe

from prrt.report.blocks import (
    FigureBlock,
    Notice,
    Paragraph,
    ReportView,
    Section,
    TableBlock,
    appendix,
    kv_text,
)
from prrt.report.prose import lead_in
from prrt.report.tables.base import split_indent

__all__ = ["kv_text", "render_html", "write_html"]


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("prrt.report", "templates"),
        autoescape=True,
        trim_blocks=False,
        keep_trailing_newline=True,
    )


def _block_context(block: object) -> dict[str, Any]:
    if isinstance(block, Section):
        return {"kind": "section", "title": block.title}
    if isinstance(block, Paragraph):
        return {"kind": "text", "text": block.text}
    if isinstance(block, Notice):
        return {"kind": "notice", "what": block.what, "why": block.why}
    if isinstance(block, TableBlock):
        t = block.table
        rows = []
        for row in t.rows():
            level, first = split_indent(row[0]) if row else (0, "")
            rows.append([(level, first), *[(0, c) for c in row[1:]]])
        return {
            "kind": "table",
            "name": t.name,
            "number": block.number,
            "title": t.title,
            "header": t.header(),
            "rows": rows,
            "footnote": t.footnote,
        }
    if isinstance(block, FigureBlock):
        return {
            "kind": "figure",
            "name": block.name,
            "number": block.number,
            "caption": block.caption,
            # base64 text needs no escaping; Markup skips jinja's escaping pass over ~MBs
            "png": markupsafe.Markup(base64.b64encode(block.png).decode("ascii")),
        }
    raise TypeError(f"unknown block {type(block).__name__}")


def render_html(report: ReportView) -> str:
    """The report as one self-contained HTML page: title, results at a glance, methods, the
    results, the correspondence with the paper, then the appendix (settings, derivation
    settings, conventions) and the provenance."""
    from prrt import __version__

    template = _env().get_template("report.html.j2")
    return template.render(
        title=report.title,
        version=__version__,
        glance=report.glance,
        methods=[lead_in(p) for p in report.methods()],
        blocks=[_block_context(b) for b in report.blocks],
        correspondence=report.correspondence_rows(),
        appendix=appendix(report),
    )


def write_html(report: ReportView, path: str | Path) -> Path:
    """Write :func:`render_html` to ``path`` (UTF-8) and return the path."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(render_html(report), encoding="utf-8")
    return p
