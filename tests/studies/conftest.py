"""Session fixtures: two cohort stores built once through the real pipeline, and every study run.

* ``full`` — the synthetic cohort (300 patients, fixed seed): synthesise → CSV → import →
  derive → dosimetry, exactly what ``prrt demo`` does.
* ``missing`` — the same cohort with the optional data removed before import
  (``bone_involvement``, ``dosimetry_acquisitions``, ``lesions``, ``lesion_measurements`` and
  ``response_assessments`` written without rows).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from prrt.cohort.store import Store
from prrt.studies import STUDIES, StudyOutput, run_study
from prrt.studies._base import StudyRun

N_PATIENTS = 300
SEED = 20261121
OPTIONAL_TABLES = (
    "bone_involvement",
    "dosimetry_acquisitions",
    "lesions",
    "lesion_measurements",
    "response_assessments",
)


@dataclass
class Built:
    """A store built by the pipeline and the outputs of every study run on it."""

    store: Store
    outputs: dict[str, StudyOutput]
    out_dir: Path
    figure_checks: dict[str, dict[str, Any]] = field(default_factory=dict)


def _numeric_ticks(axis: Any) -> bool:
    """Whether an axis shows numbers (a category axis, e.g. forest-plot factors, needs no label)."""
    labels = [t.get_text().replace("\u2212", "-") for t in axis.get_ticklabels() if t.get_text()]
    try:
        [float(x) for x in labels]
    except ValueError:
        return False
    return bool(labels)


def _inspect(fig: Any) -> dict[str, Any]:
    """What a reader would notice: overlapping or clipped text, numeric axes without labels."""
    from prrt.report.figures._common import text_outside, text_overlaps

    overlaps = text_overlaps(fig)  # draws the figure, so tick labels exist below
    unlabelled = []
    for ax in fig.axes:
        if not (ax.axison and ax.get_visible() and (ax.lines or ax.patches or ax.collections)):
            continue
        for which, axis, label in (
            ("x", ax.xaxis, ax.get_xlabel()),
            ("y", ax.yaxis, ax.get_ylabel()),
        ):
            if axis.get_visible() and not label.strip() and _numeric_ticks(axis):
                unlabelled.append(f"{which} of {ax.get_title() or 'axes'}")
    return {
        "overlaps": overlaps,
        "outside": text_outside(fig),
        "unlabelled": unlabelled,
        "at_risk_off_ticks": _at_risk_misaligned(fig),
    }


def _at_risk_misaligned(fig: Any) -> list[str]:
    """Numbers at risk (texts with gid ``at_risk``) whose centre is not under an x tick (> 1 px)."""
    from matplotlib.text import Text

    at_risk = [t for t in fig.findobj(Text) if t.get_gid() == "at_risk"]
    if not at_risk:
        return []
    main = next(ax for ax in fig.axes if ax.get_xlabel().startswith("Time"))
    renderer = fig.canvas.get_renderer()
    ticks_px = main.transData.transform([(x, 0.0) for x in main.get_xticks()])[:, 0]
    bad = []
    for t in at_risk:
        bb = t.get_window_extent(renderer)
        centre = (bb.x0 + bb.x1) / 2
        if np.min(np.abs(ticks_px - centre)) > 1.0:
            bad.append(t.get_text())
    return bad


def build_store(tmp: Path, *, missing_optional: bool) -> Store:
    """Synthesise, write CSV, import, derive and run dosimetry into ``tmp/cohort.duckdb``."""
    from prrt.clinical.datasets import derive
    from prrt.cohort.importer import import_path
    from prrt.dosimetry import run_cohort_dosimetry
    from prrt.synth import generate, write

    frames = generate(N_PATIENTS, SEED)
    # Known generator gap (brief G): lab rows without a value are refused by the importer.
    frames["labs"] = frames["labs"].dropna(subset=["value"])
    if missing_optional:
        frames = {k: (v.iloc[0:0] if k in OPTIONAL_TABLES else v) for k, v in frames.items()}
    source = tmp / "source"
    write(frames, source, "csv")
    store = Store(tmp / "cohort.duckdb")
    import_path(source, store, mode="replace", key_file=tmp / "k.key")
    derive(store)
    run_cohort_dosimetry(store)
    return store


def _build_and_run(tmp: Path, *, missing_optional: bool) -> Built:
    """Build the store and run every study, inspecting each figure before it is saved."""
    store = build_store(tmp, missing_optional=missing_optional)
    out = tmp / "reports"
    checks: dict[str, dict[str, Any]] = {}
    original = StudyRun.figure

    def inspected(self: StudyRun, fig: Any, name: str, caption: str) -> None:
        checks[f"{self.name}/{name}"] = _inspect(fig)
        original(self, fig, name, caption)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(StudyRun, "figure", inspected)
        outputs = {name: run_study(name, store, out / name) for name in STUDIES}
    return Built(store, outputs, out, checks)


@pytest.fixture(scope="session")
def full(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """The synthetic cohort with every study run on it."""
    built = _build_and_run(tmp_path_factory.mktemp("full"), missing_optional=False)
    yield built
    built.store.close()


@pytest.fixture(scope="session")
def missing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """The same cohort without bone involvement, dosimetry, lesions or response assessments."""
    built = _build_and_run(tmp_path_factory.mktemp("missing"), missing_optional=True)
    yield built
    built.store.close()


def course1(store: Store) -> pd.DataFrame:
    """``analysis_patient_course`` rows of course 1."""
    courses = store.read("analysis_patient_course")
    return courses.loc[courses["course_no"] == 1].copy()


PTDR_STUDIES = ("persistent-thrombocytopenia", "dose-response")


@dataclass
class Captured:
    """A store, the outputs of some studies, and every report table and figure name they added."""

    store: Store
    outputs: dict[str, StudyOutput]
    tables: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, str] = field(default_factory=dict)
    glance: dict[str, list[str]] = field(default_factory=dict)


@pytest.fixture(scope="session")
def ptdr(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Captured]:
    """The synthetic cohort with only the persistent-thrombocytopenia and dose-response studies
    run, capturing each ``ReportTable`` (by ``study/name``), figure caption and glance line."""
    tmp = tmp_path_factory.mktemp("ptdr")
    store = build_store(tmp, missing_optional=False)
    got = Captured(store, {})
    table, figure, glance = StudyRun.table, StudyRun.figure, StudyRun.glance

    def _table(self: StudyRun, t: Any) -> None:
        got.tables[f"{self.name}/{t.name}"] = t
        table(self, t)

    def _figure(self: StudyRun, fig: Any, name: str, caption: str) -> None:
        got.figures[f"{self.name}/{name}"] = caption
        figure(self, fig, name, caption)

    def _glance(self: StudyRun, text: str) -> None:
        got.glance.setdefault(self.name, []).append(text)
        glance(self, text)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(StudyRun, "table", _table)
        mp.setattr(StudyRun, "figure", _figure)
        mp.setattr(StudyRun, "glance", _glance)
        got.outputs = {n: run_study(n, store, tmp / "reports" / n) for n in PTDR_STUDIES}
    yield got
    store.close()
