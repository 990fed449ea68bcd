"""CTCAE criteria files: term vocabulary, loading and validation.

``prrt/clinical/data/ctcae_v<version>.csv`` hold one row per term × rule set × condition ×
grade with explicit bounds, the official wording and a note (layout and reading rules:
:mod:`prrt.clinical.ctcae`). This module knows the vocabulary of terms and tests, reads a file
and checks it: each term × rule set × condition partitions the real line (ordered by grade,
each upper bound equals the next lower bound with exactly one end closed: no gap, no
overlap), with known terms, tests, references, directions, conditions and the canonical unit
of the term's test (``prrt.cohort.schema.LAB_CANONICAL_UNITS``). The files hold data only.

References
----------
National Cancer Institute. Common Terminology Criteria for Adverse Events v3.0 (2006), v4.03
(2010), v5.0 (2017) and v6.0. Wording of the v4.03 / v5.0 / v6.0 laboratory terms as
copied in pharmaverse admiral ``data-raw/adlb_grading/ncictcaev4.json``, ``ncictcaev5.json``
and ``ncictcaev6.json`` (commit 6eb5125a29).

Examples
--------
>>> from prrt.clinical.ctcae_criteria import TERMS, criteria
>>> TERMS["hyponatraemia"]
'sodium'
>>> sorted(set(criteria("4.03").term) - set(criteria("5.0").term))
['hyperglycaemia', 'hypophosphataemia']
"""

from __future__ import annotations

import itertools
from functools import cache
from importlib import resources
from io import StringIO

import numpy as np
import pandas as pd

from prrt.cohort.schema import CTCAE_VERSIONS, LAB_CANONICAL_UNITS

__all__ = [
    "GRADABLE_TERMS",
    "PRIMARY_TERMS",
    "TERMS",
    "CtcaeDataError",
    "criteria",
    "load_criteria",
    "validate_criteria",
]

TERMS: dict[str, str] = {
    # term key: laboratory test it grades (``prrt.cohort.schema.LAB_TESTS``)
    "platelets": "platelets",  # Platelet count decreased
    "haemoglobin": "haemoglobin",  # Anemia
    "haemoglobin_increased": "haemoglobin",  # Hemoglobin increased
    "leukocytes": "leukocytes",  # White blood cell decreased
    "leukocytosis": "leukocytes",  # Leukocytosis
    "lymphocytes": "lymphocytes",  # Lymphocyte count decreased
    "lymphocytes_increased": "lymphocytes",  # Lymphocyte count increased
    "neutrophils": "neutrophils",  # Neutrophil count decreased
    "alt": "alt",
    "ast": "ast",
    "alp": "alp",
    "ggt": "ggt",
    "bilirubin": "bilirubin",
    "creatinine": "creatinine",
    "albumin": "albumin",  # Hypoalbuminemia
    "egfr": "egfr",  # Chronic kidney disease / GFR
    "hyponatraemia": "sodium",
    "hypernatraemia": "sodium",
    "hypokalaemia": "potassium",
    "hyperkalaemia": "potassium",
    "hypocalcaemia": "calcium",
    "hypercalcaemia": "calcium",
    "hypoglycaemia": "glucose",
    "hyperglycaemia": "glucose",
    "hypomagnesaemia": "magnesium",
    "hypophosphataemia": "phosphate",
    "hyperuricaemia": "urate",
    "lipase": "lipase",  # Lipase increased
    "amylase": "amylase",  # Serum amylase increased
    "cpk": "cpk",  # CPK increased
    "ldh": "ldh",  # Blood lactate dehydrogenase increased (v5.0 only)
    "inr": "inr",  # INR increased
    "aptt": "aptt",  # Activated partial thromboplastin time prolonged
}
"""Every CTCAE term the criteria files may hold, keyed by a short name, with the laboratory
test it grades. A test can have one term per direction (haemoglobin: anaemia and haemoglobin
increased)."""

GRADABLE_TERMS = tuple(TERMS)
"""Term keys accepted by :func:`grade` (each version's file holds a subset)."""

PRIMARY_TERMS: dict[str, str] = {
    "platelets": "platelets",
    "haemoglobin": "haemoglobin",
    "leukocytes": "leukocytes",
    "lymphocytes": "lymphocytes",
    "neutrophils": "neutrophils",
    "alt": "alt",
    "ast": "ast",
    "alp": "alp",
    "ggt": "ggt",
    "bilirubin": "bilirubin",
    "creatinine": "creatinine",
    "albumin": "albumin",
    "egfr": "egfr",
    "sodium": "hyponatraemia",
    "potassium": "hypokalaemia",
    "calcium": "hypocalcaemia",
    "glucose": "hypoglycaemia",
    "magnesium": "hypomagnesaemia",
    "phosphate": "hypophosphataemia",
    "urate": "hyperuricaemia",
    "lipase": "lipase",
    "amylase": "amylase",
    "cpk": "cpk",
    "ldh": "ldh",
    "inr": "inr",
    "aptt": "aptt",
}
"""Term that :func:`grade_labs` (and ``analysis_labs``) grade a test by, one per test; the
other direction (``leukocytosis``, ``hypernatraemia`` ...) is graded with ``terms=`` or
:func:`grade_array`."""

_COLUMNS = (
    "version",
    "term",
    "test",
    "ctcae_term",
    "direction",
    "rule_set",
    "condition",
    "grade",
    "lower",
    "lower_reference",
    "lower_closed",
    "upper",
    "upper_reference",
    "upper_closed",
    "unit",
    "wording",
    "note",
)
_REFERENCES = ("absolute", "lln", "uln", "baseline", "uln_plus", "baseline_plus")
_CONDITIONS = ("any", "baseline_normal", "baseline_abnormal", "baseline_not_low", "baseline_low")
_CONDITION_PAIRS = (
    {"any"},
    {"baseline_normal", "baseline_abnormal"},  # baseline above its own ULN (v5.0/v6.0 hepatic)
    {"baseline_not_low", "baseline_low"},  # baseline below its own LLN (v6.0 creatinine)
)
_DIRECTIONS = ("low", "high")


class CtcaeDataError(ValueError):
    """A CTCAE criteria file is malformed (gap, overlap, unknown reference or unit ...)."""


# ---------------------------------------------------------------------------------------------
# Loading and validation
# ---------------------------------------------------------------------------------------------


def _file_name(version: str) -> str:
    return f"ctcae_v{version.replace('.', '_')}.csv"


def _parse_bool(series: pd.Series, name: str, where: str) -> pd.Series:
    text = series.fillna("").astype(str).str.strip().str.lower()
    bad = ~text.isin(["true", "false", ""])
    if bad.any():
        raise CtcaeDataError(
            f"{where}: column {name} must be true/false, got {text[bad].iloc[0]!r}"
        )
    return text == "true"


def validate_criteria(frame: pd.DataFrame, *, source: str = "<frame>") -> pd.DataFrame:
    """Check and normalise a CTCAE criteria table.

    Parameters
    ----------
    frame
        Raw table with the columns of the data files (strings as read from CSV).
    source
        Name used in error messages (file name).

    Returns
    -------
    pandas.DataFrame
        Typed table: ``grade`` int, bounds float (NaN = unbounded), ``*_closed`` bool.

    Raises
    ------
    CtcaeDataError
        On a missing column, unknown direction/reference/condition/term, a unit other than
        the canonical unit of the term, a bound whose reference is missing, a gap or an
        overlap between consecutive grades, or grades not ordered by severity.
    """
    missing = [c for c in _COLUMNS if c not in frame.columns]
    if missing:
        raise CtcaeDataError(f"{source}: missing column(s) {missing}")
    df = frame.loc[:, list(_COLUMNS)].copy()
    for col in ("version", "term", "test", "direction", "rule_set", "condition", "unit", "note"):
        df[col] = df[col].fillna("").astype(str).str.strip()
    for col in ("lower_reference", "upper_reference"):
        df[col] = df[col].fillna("").astype(str).str.strip()
    for col in ("lower", "upper", "grade"):
        df[col] = pd.to_numeric(df[col], errors="coerce")
    for col in ("lower_closed", "upper_closed"):
        df[col] = _parse_bool(df[col], col, source)
    if df["grade"].isna().any() or not df["grade"].between(0, 5).all():
        raise CtcaeDataError(f"{source}: grade must be an integer 0–5")
    df["grade"] = df["grade"].astype(int)
    _check_vocab(df, "term", GRADABLE_TERMS, source)
    wrong_test = df["test"] != df["term"].map(TERMS)
    if wrong_test.any():
        r = df[wrong_test].iloc[0]
        raise CtcaeDataError(f"{source}: term {r['term']} grades test {TERMS[r['term']]!r}, not "
                             f"{r['test']!r}")  # fmt: skip
    _check_vocab(df, "direction", _DIRECTIONS, source)
    _check_vocab(df, "condition", _CONDITIONS, source)
    _check_vocab(df, "version", CTCAE_VERSIONS, source)
    for end in ("lower", "upper"):
        has = df[end].notna()
        ref = df[f"{end}_reference"]
        if (has & ~ref.isin(_REFERENCES)).any() or (~has & (ref != "")).any():
            raise CtcaeDataError(f"{source}: {end}_reference must be one of {_REFERENCES}")
    wrong_unit = df["unit"] != df["test"].map(LAB_CANONICAL_UNITS)
    if wrong_unit.any():
        r = df[wrong_unit].iloc[0]
        raise CtcaeDataError(f"{source}: unit {r['unit']!r} of {r['term']} is not canonical")
    for keys, grp in df.groupby(["version", "term", "rule_set", "condition"], sort=False):
        _check_partition(grp, f"{source}: {'/'.join(map(str, keys))}")
    bad_cond = df.groupby(["version", "term", "rule_set"])["condition"].agg(
        lambda s: set(s) not in _CONDITION_PAIRS
    )
    if bad_cond.any():
        raise CtcaeDataError(
            f"{source}: rule set {bad_cond[bad_cond].index[0]} must have condition 'any', "
            "both baseline_normal and baseline_abnormal, or both baseline_not_low and baseline_low"
        )
    if df.groupby(["version", "term"])["direction"].nunique().gt(1).any():
        raise CtcaeDataError(f"{source}: a term has more than one direction")
    return df.reset_index(drop=True)


def _check_vocab(df: pd.DataFrame, col: str, allowed: tuple[str, ...], source: str) -> None:
    bad = ~df[col].isin(allowed)
    if bad.any():
        raise CtcaeDataError(f"{source}: unknown {col} {df.loc[bad, col].iloc[0]!r}")


def _check_partition(grp: pd.DataFrame, where: str) -> None:
    """Rules of one term × rule set × condition must tile (−∞, +∞) in grade order."""
    low = grp["direction"].iloc[0] == "low"
    rows = grp.sort_values("grade", ascending=not low).to_dict("records")
    if len({r["grade"] for r in rows}) != len(rows):
        raise CtcaeDataError(f"{where}: duplicate grade")
    if not np.isnan(rows[0]["lower"]) or not np.isnan(rows[-1]["upper"]):
        raise CtcaeDataError(f"{where}: rules must start at -inf and end at +inf (gap at an end)")
    for a, b in itertools.pairwise(rows):
        same = a["upper"] == b["lower"] and a["upper_reference"] == b["lower_reference"]
        if not same:
            raise CtcaeDataError(
                f"{where}: grade {a['grade']} ends at {a['upper']} x {a['upper_reference']} but "
                f"grade {b['grade']} starts at {b['lower']} x {b['lower_reference']} (gap or overlap)"
            )
        if a["upper_closed"] == b["lower_closed"]:
            kind = "overlap" if a["upper_closed"] else "gap"
            raise CtcaeDataError(
                f"{where}: {kind} at {a['upper']} x {a['upper_reference']} between grades "
                f"{a['grade']} and {b['grade']} (exactly one end must be closed)"
            )
        if a["lower_reference"] == a["upper_reference"] and not a["lower"] < a["upper"]:
            raise CtcaeDataError(f"{where}: grade {a['grade']} has lower >= upper")


def load_criteria(version: str) -> pd.DataFrame:
    """Read and validate the packaged criteria file of one CTCAE version."""
    if version not in CTCAE_VERSIONS:
        raise ValueError(f"unknown CTCAE version {version!r}; known: {CTCAE_VERSIONS}")
    name = _file_name(version)
    text = resources.files("prrt.clinical").joinpath("data", name).read_text(encoding="utf-8")
    df = validate_criteria(
        pd.read_csv(StringIO(text), dtype=str, keep_default_na=False), source=name
    )
    if set(df["version"]) != {version}:
        raise CtcaeDataError(f"{name}: version column must be {version!r}")
    return df


@cache
def _criteria(version: str) -> pd.DataFrame:
    return load_criteria(version)


def criteria(version: str = "5.0") -> pd.DataFrame:
    """Return (a copy of) the validated criteria table of a CTCAE version.

    Examples
    --------
    >>> from prrt.clinical.ctcae import criteria
    >>> c = criteria("5.0")
    >>> c.loc[(c.term == "platelets") & (c.grade == 4), "wording"].item()
    '<25.0 x 10e9/L'
    """
    return _criteria(version).copy()
