"""Absorbed doses as the study templates use them: one estimate per patient × cycle × structure.

Every table, figure and total of absorbed doses in a report is built from
:func:`selected_doses` (which calls :func:`prrt.dosimetry.select_dose_estimates`), and its
footnote states the method preference with :func:`preference_note` — the same rule as the
per-course summary (``analysis_dose_summary``) and ``prrt plan``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from prrt.dosimetry import DosimetrySettings, select_dose_estimates
from prrt.report import vocabulary

DEFAULT_PREFERENCE: tuple[str, ...] = DosimetrySettings().method_preference
"""Method preference of ``prrt dosimetry`` (multiple time points first)."""


def preference_of(settings: Any) -> tuple[str, ...]:
    """A study's declared method preference (``dose_method_preference``), else the default."""
    return tuple(getattr(settings, "dose_method_preference", DEFAULT_PREFERENCE))


def selected_doses(doses: pd.DataFrame, preference: Sequence[str]) -> pd.DataFrame:
    """One estimate per patient × course × cycle × structure × lesion, by ``preference``."""
    return select_dose_estimates(doses, tuple(preference))


def preference_note(preference: Sequence[str], used: pd.DataFrame | None = None) -> str:
    """Footnote sentence stating the method preference (and the methods actually used).

    Examples
    --------
    >>> preference_note(["led_multi_tp", "hebert_scaled"])  # doctest: +NORMALIZE_WHITESPACE
    'One absorbed-dose estimate per patient, cycle and structure, by method preference:
    multiple time points (imaging series), else single time point scaled to the reference cycle
    (Hebert).'
    """
    names = [vocabulary.in_sentence(vocabulary.level_label("method", m)) for m in preference]
    text = (
        "One absorbed-dose estimate per patient, cycle and structure, by method preference: "
        + ", else ".join(names)
        + "."
    )
    if used is not None and "method" in used.columns and not used.empty:
        counts = used["method"].value_counts()
        parts = [
            f"{vocabulary.in_sentence(vocabulary.level_label('method', m))} {int(n)}"
            for m, n in counts.items()
        ]
        text += " Estimates used: " + "; ".join(parts) + "."
    return text
