"""The one vocabulary of display labels (issue 9, defect 5: code leaking into the text)."""

from __future__ import annotations

import re

import pytest

from prrt.report import vocabulary
from prrt.report.vocabulary import UnknownLabelError

_IDENTIFIER = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b")


def test_unknown_variable_fails_loudly() -> None:
    with pytest.raises(UnknownLabelError, match="no_such_column"):
        vocabulary.label("no_such_column")


def test_unknown_code_level_fails_loudly() -> None:
    with pytest.raises(UnknownLabelError, match="brand_new_reason"):
        vocabulary.level_label("stop_reason", "brand_new_reason")


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        # the leaks listed in issue 9, defect 5, and what a reader sees instead
        ("who_grade", "WHO grade"),
        ("ki67_pct", "Ki-67 (%)"),
        ("omis_ge_30", "OMIS ≥ 30 %"),
        ("kidneys_gy", "Kidney absorbed dose (Gy)"),
        ("n_cycles", "Number of cycles"),
    ],
    ids=["who-grade", "ki67", "omis-cutoff", "kidney-dose", "cycles"],
)
def test_defect5_labels(key: str, shown: str) -> None:
    assert vocabulary.label(key) == shown


def test_factor_levels_and_contrasts() -> None:
    # Table 1 shows the levels; the Cox table shows each level against its reference
    assert [vocabulary.level_label("who_grade", g) for g in (1, 2, 3)] == [
        "Grade 1",
        "Grade 2",
        "Grade 3",
    ]
    assert vocabulary.term_label("who_grade=2", {"who_grade": 1}) == "Grade 2 (vs grade 1)"
    assert vocabulary.level_label("stop_reason", "progression") == "Disease progression"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("WHO grade", "WHO grade"), ("CgA", "CgA"), ("Best response", "best response")],
    ids=["acronym-who", "acronym-cga", "plain-word"],
)
def test_in_sentence_keeps_acronyms(text: str, expected: str) -> None:
    # captions read "by WHO grade", "by CgA", never "by who grade", "by cga"
    assert vocabulary.in_sentence(text) == expected


def test_no_label_is_code() -> None:
    shown = list(vocabulary.VARIABLES.values()) + [
        v for levels in vocabulary.LEVELS.values() for v in levels.values()
    ]
    assert [s for s in shown if _IDENTIFIER.search(s)] == []
    # sentence case (eGFR keeps its lower-case e)
    assert [
        s for s in shown if s != s.strip() or (s[:1].islower() and not s.startswith("eGFR"))
    ] == []
