"""Shared machinery of the study templates.

A study template is a readable sequence of named steps. Each step runs inside
:meth:`StudyRun.section`: when the data cannot support it (no dosimetry, no bone
involvement, too few events ...) the step raises :class:`NotComputable` (or a
statistics routine raises ``ValueError`` with its reason) and the report shows
*why* instead of failing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import platform
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from prrt import __version__
from prrt.cohort.store import Store
from prrt.report import Report, ReportTable
from prrt.studies._derivation import derivation_settings

log = logging.getLogger(__name__)


class _Collect(logging.Handler):
    """Collects the engines' warning log records of one step (shown in the report instead)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class NotComputable(Exception):
    """A study step cannot be computed from the cohort at hand; the message says why."""


@dataclass(frozen=True)
class StudyOutput:
    """What a study run produced.

    Attributes
    ----------
    name
        Study name (``persistent-thrombocytopenia`` ...).
    paths
        Written files by kind (``html``, ``docx``, ``xlsx``, figures ...).
    key_numbers
        The study's headline numbers (for tests and the command line summary).
    not_computed
        Sections that could not be computed, with the reason.
    """

    name: str
    paths: dict[str, Path]
    key_numbers: dict[str, Any]
    not_computed: list[tuple[str, str]]


def settings_dict(settings: Any) -> dict[str, Any]:
    """Plain-dict view of a settings dataclass (tuples become lists) for reports."""
    if dataclasses.is_dataclass(settings) and not isinstance(settings, type):
        raw = dataclasses.asdict(settings)
    else:
        raw = dict(settings)
    return json.loads(json.dumps(raw, default=str))


def settings_hash(settings: Any, derivation: Mapping[str, Any] | None = None) -> str:
    """Short SHA-256 of the study settings and the store's derivation settings (every report).

    ``derivation`` (what ``prrt derive`` recorded in ``analysis_settings``) is part of the
    hash: the same template on stores derived with different rules gets different hashes.
    """
    payload: Any = settings_dict(settings)
    if derivation:
        payload = {"study": payload, "derivation": dict(derivation)}
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def cohort_hash(store: Store) -> str:
    """Short content hash of the cohort: import log hashes and table row counts."""
    h = hashlib.sha256()
    if store.has_table("import_log"):
        log_frame = store.query("SELECT sha256 FROM import_log ORDER BY imported_at")
        for value in log_frame["sha256"]:
            h.update(str(value).encode())
    for name, count in sorted(store.row_counts().items()):
        h.update(f"{name}:{count}".encode())
    return h.hexdigest()[:16]


@dataclass
class StudyRun:
    """State of one study run: the store, settings, report and collected numbers."""

    name: str
    title: str
    store: Store
    settings: Any
    report: Report
    key_numbers: dict[str, Any] = field(default_factory=dict)
    not_computed: list[tuple[str, str]] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)
    derivation: dict[str, Any] = field(default_factory=dict)
    """Settings ``prrt derive`` recorded with the store's derived tables (empty if none)."""

    @classmethod
    def start(cls, store: Store, settings: Any) -> StudyRun:
        """Open a run: build the report shell with settings and provenance.

        The provenance names the derivation settings of the store (``analysis_settings``) and
        the settings hash covers them (issue 9, defect 2).
        """
        sdict = settings_dict(settings)
        derivation = derivation_settings(store)
        provenance = {
            "product": f"PRRT Workbench {__version__}",
            "cohort hash": cohort_hash(store),
            "settings hash": settings_hash(settings, derivation),
            "derivation settings hash": str(derivation.get("settings_hash", "not derived")),
            "store": store.path.name,
            "schema version": store.schema_version(),
            "python": platform.python_version(),
            "run at": time.strftime("%Y-%m-%d %H:%M:%S"),
        }
        if store.has_table("import_log"):
            imports = store.query(
                "SELECT source_name, imported_at, sha256 FROM import_log ORDER BY imported_at"
            )
            provenance["imports"] = "; ".join(
                f"{r.source_name} ({str(r.sha256)[:12]}, {r.imported_at})"
                for r in imports.itertuples()
            )
        report = Report(
            settings.title,
            sdict,
            provenance,
            derivation={k: v for k, v in derivation.items() if k != "settings_hash"},
        )
        return cls(settings.name, settings.title, store, settings, report, derivation=derivation)

    # -- data access ---------------------------------------------------------------------
    def read(self, table: str) -> pd.DataFrame:
        """Read a store table; a missing derived table is :class:`NotComputable`."""
        if not self.store.has_table(table):
            raise NotComputable(
                f"the store has no table {table!r} (run `prrt derive` / `prrt dosimetry` first)"
            )
        return self.store.read(table)

    def has_rows(self, table: str) -> bool:
        """Whether the store has ``table`` with at least one row."""
        if not self.store.has_table(table):
            return False
        return bool(self.store.row_counts().get(table, 0) > 0)

    def require_derivation(self, key: str, wanted: Any, what: str) -> None:
        """Refuse (:class:`NotComputable`) when the store was derived with another ``key``.

        For steps that use a derived column whose rule the template cannot apply itself
        (e.g. patient-level worst grades graded with the derivation's CTCAE version).
        """
        if not self.derivation:
            return
        have = self.derivation.get(key)
        if str(have) != str(wanted):
            raise NotComputable(
                f"{what} needs the store derived with {key} = {wanted}, but it was derived with "
                f"{key} = {have}; run `prrt derive` with {key} = {wanted} for this report"
            )

    @staticmethod
    def require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> pd.DataFrame:
        """Rows of ``frame`` with all ``columns`` present; NotComputable if none."""
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise NotComputable(f"{what}: the data have no column(s) {', '.join(missing)}")
        usable = frame.dropna(subset=list(columns))
        if usable.empty:
            raise NotComputable(f"{what}: no patient has {', '.join(columns)} recorded")
        return usable

    # -- report building -----------------------------------------------------------------
    @contextmanager
    def section(self, title: str) -> Iterator[None]:
        """Run one named step; record why if it cannot be computed."""
        self.report.section(title)
        records = _Collect()
        engine_log = logging.getLogger("prrt")
        engine_log.addHandler(records)
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                yield
            self._warnings_to_text(
                [f"{w.category.__name__}: {w.message}" for w in caught] + records.messages
            )
        except (NotComputable, ValueError, ZeroDivisionError, KeyError) as exc:
            reason = str(exc) or exc.__class__.__name__
            log.info("%s: section %r not computed: %s", self.name, title, reason)
            self.report.not_computed(title, reason)
            self.not_computed.append((title, reason))
        finally:
            engine_log.removeHandler(records)

    def skip(self, what: str, why: str) -> None:
        """Record that part of a section (one factor, one figure) could not be computed."""
        log.info("%s: %r not computed: %s", self.name, what, why)
        self.report.not_computed(what, why)
        self.not_computed.append((what, why))

    def skip_factor(self, what: str, has_data: bool) -> None:
        """A candidate factor left out: missing data is *not computed*; a factor with the same
        value for every patient of the population is only noted (nothing to estimate)."""
        if has_data:
            self.text(f"{what}: not analysed, the same value for every patient in this population.")
        else:
            self.skip(what, "no data for this factor in the cohort")

    def _warnings_to_text(self, messages: Sequence[str]) -> None:
        """Numerical warnings of a step (separation, non-convergence ...) become report notes."""
        for text in dict.fromkeys(messages):
            log.info("%s: %s", self.name, text)
            self.report.text(f"Note (numerical warning in this step): {text}")

    def population(self, title: str, build: Callable[[], pd.DataFrame]) -> pd.DataFrame | None:
        """Build the analysis population inside a section; ``None`` when it cannot be built."""
        result: pd.DataFrame | None = None
        with self.section(title):
            result = build()
            if result.empty:
                raise NotComputable("no patient meets the population criteria")
            self.number("n_patients", len(result))
        return result

    def table(self, table: ReportTable) -> None:
        """Add a table to the report."""
        self.report.table(table)

    def figure(self, fig: Any, name: str, caption: str) -> None:
        """Add a figure to the report (closes the matplotlib figure afterwards)."""
        import matplotlib.pyplot as plt

        self.report.figure(fig, name, caption)
        plt.close(fig)

    def text(self, text: str) -> None:
        """Add a paragraph."""
        self.report.text(text)

    def uses(self, *results: Any, tests: Sequence[str] = ()) -> None:
        """Feed the conventions of statistics results (and test names) to the methods text."""
        for r in results:
            conv = getattr(r, "conventions", None)
            if isinstance(conv, Mapping):
                self.report.add_conventions(conv)
        if tests:
            self.report.add_tests(*tests)

    def glance(self, text: str) -> None:
        """Add a headline result (estimate with CI, as an abstract gives it) to the
        report's "Results at a glance"."""
        self.report.at_a_glance(text)

    def number(self, key: str, value: Any) -> None:
        """Record a headline number (returned in :class:`StudyOutput`)."""
        self.key_numbers[key] = value

    def finish(self, out_dir: str | Path) -> StudyOutput:
        """Write the report files and return what was produced.

        The report ends with the correspondence with the paper: the ``CORRESPONDENCE`` the
        study module declares (module of its settings class), when it declares one.
        """
        import sys

        module = sys.modules.get(type(self.settings).__module__)
        declared = getattr(module, "CORRESPONDENCE", None)
        if declared:
            self.report.set_correspondence(declared)
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = self.report.write(out, self.name)
        return StudyOutput(
            self.name, {k: Path(v) for k, v in paths.items()}, self.key_numbers, self.not_computed
        )


StudyFunction = Callable[..., StudyOutput]


def subset(
    frame: pd.DataFrame, mask: pd.Series | Callable[[pd.DataFrame], pd.Series]
) -> pd.DataFrame:
    """Rows of ``frame`` where ``mask`` (or ``mask(frame)``) is true (missing = false)."""
    m = mask(frame) if callable(mask) else mask
    return frame.loc[m.fillna(False).astype(bool)].copy()


def as_bool(series: pd.Series) -> pd.Series:
    """Nullable boolean view of a 0/1/bool column."""
    return series.astype("boolean")


def labelled(mapping: Mapping[str, str], key: str) -> str:
    """Display label of a variable (the key itself when no label is set)."""
    return mapping.get(key, key)
