"""Display helpers of the study templates: readable category labels and Table 1 built from them.

Codes of the data model (``small_intestine``, ``F``) are shown as words from the one vocabulary
(:mod:`prrt.report.vocabulary`); 0/1 and boolean flags are shown as one "n (%)" row
(``prrt.report.tables.table_one`` binary rows) rather than as ``True``/``False`` levels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from prrt.report import ReportTable, vocabulary
from prrt.report.tables import table_one

SEX = vocabulary.LEVELS["sex"]
"""``patients.sex`` codes."""

CODE_COLUMNS = ("sex", "primary_site", "stop_reason", "protocol", "hepatic_tumour_burden")
"""Columns holding codes shown as words from :data:`prrt.report.vocabulary.LEVELS`
(``small_intestine`` → ``Small intestine``, ``dose_limit`` → ``Organ dose limit reached``)."""


RESPONSE_LABELS = {"NON-CR/NON-PD": vocabulary.LEVELS["bor"]["NON-CR/NON-PD"]}
"""Best-response codes shown in words (RECIST 1.1 Table 2: non-target disease only); CR, PR,
SD, PD and NE are shown as the abbreviations the papers use."""


def response_label(code: object) -> str:
    """Display label of a best-response code.

    Examples
    --------
    >>> response_label("NON-CR/NON-PD"), response_label("PR")
    ('Non-CR/non-PD', 'PR')
    """
    return RESPONSE_LABELS.get(code, code) if isinstance(code, str) else str(code)


def words(code: object) -> object:
    """``small_intestine`` → ``Small intestine`` (other values unchanged).

    Examples
    --------
    >>> words("small_intestine"), words(None)
    ('Small intestine', None)
    """
    if not isinstance(code, str):
        return code
    text = code.replace("_", " ")
    return text[:1].upper() + text[1:]


def is_flag(series: pd.Series) -> bool:
    """Whether ``series`` is a yes/no flag (bool, nullable boolean, or only 0/1 values)."""
    if str(series.dtype) in ("bool", "boolean"):
        return True
    values = set(series.dropna().unique().tolist())
    return bool(values) and values <= {True, False}


def readable(data: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``data`` with sex and code columns in words (the vocabulary's level labels)."""
    out = data.copy()
    for c in CODE_COLUMNS:
        if c in out.columns:
            out[c] = out[c].map(lambda v, c=c: v if pd.isna(v) else vocabulary.level_label(c, v))
    return out


def table_one_readable(
    data: pd.DataFrame,
    variables: Sequence[str],
    *,
    categorical: Sequence[str] = (),
    labels: Mapping[str, str] | None = None,
    **kwargs: Any,
) -> ReportTable:
    """:func:`prrt.report.tables.table_one` on :func:`readable` data; flags as binary rows."""
    d = readable(data)
    flags = [v for v in variables if v in d.columns and is_flag(d[v])]
    for v in flags:
        d[v] = pd.to_numeric(d[v].astype("Float64"), errors="coerce")
    cats = [v for v in categorical if v not in flags]
    return table_one(d, variables, categorical=cats, binary=flags, labels=labels, **kwargs)


LAB_TERMS = vocabulary.LEVELS["term"]
"""CTCAE term of each graded laboratory test (kept in :mod:`prrt.report.vocabulary`)."""


def term(code: str) -> str:
    """CTCAE term of a laboratory test code, or an adverse-event code in words.

    Examples
    --------
    >>> term("platelets"), term("abdominal_pain")
    ('Platelet count decreased', 'Abdominal pain')
    """
    return vocabulary.ae_term(code)
