"""Methods text and provenance helpers."""

from __future__ import annotations

import datetime as dt

from prrt.report.methods import (
    code_version,
    methods_text,
    provenance,
    settings_hash,
    software_versions,
)


def test_methods_text_is_prose_with_sources() -> None:
    from prrt.clinical.settings import DerivationSettings

    paras = methods_text(
        {
            "source": "Lazarenko et al., Acta Gastroenterol Belg 2026 (n = 110)",
            "course_no": 1,
            "ctcae_version": "4.03",
            "pfs_candidates": ["who_grade", "cga_ge_1000"],
            "reference_levels": [["who_grade", 1]],
            "statistics": "Kaplan–Meier; Cox PH with Breslow ties",
        },
        {"conf_type": "log-log", "ties": "Breslow", "custom": 1},
        tests=["Kaplan–Meier estimator", "Kaplan–Meier estimator", "log-rank test"],
        derivation=DerivationSettings(pfs_pet_rule="lazarenko").to_dict(),
    )
    heads = [p.split(".", 1)[0] for p in paras]
    assert heads == [
        "Population and data",
        "Definitions",
        "Endpoints and censoring",
        "Statistical analysis",
        "Software",
    ]
    text = " ".join(paras)
    assert "CTCAE) version 4.03 (National Cancer Institute, 2010)" in text
    assert "RECIST 1.1 (Eisenhauer et al., Eur J Cancer 2009)" in text
    assert "censored at the start of that treatment (Lazarenko et al. 2026)" in text
    assert "log-log transform with Greenwood" in text and "Breslow method" in text
    assert "Methods used: Kaplan–Meier estimator, log-rank test." in text
    assert "Analysis plan of this template: Kaplan–Meier; Cox PH with Breslow ties." in text
    assert "Candidate prognostic factors for PFS: WHO grade, CgA ≥ 1000 µg/L." in text
    assert "Reference levels: WHO grade: grade 1." in text
    # no settings dump: no "key = value", no identifiers, unknown conventions left to the appendix
    assert " = " not in text.replace("(n = 110)", "") and "custom" not in text
    assert "_" not in text
    for lib in ("numpy", "scipy", "statsmodels", "pandas", "duckdb", "matplotlib"):
        assert lib in paras[-1]


def test_settings_hash_stable_and_sensitive() -> None:
    a = settings_hash({"ctcae_version": "5.0", "x": [1, 2]})
    assert a == settings_hash({"x": [1, 2], "ctcae_version": "5.0"})
    assert a != settings_hash({"ctcae_version": "4.03", "x": [1, 2]})
    assert len(a) == 16


def test_provenance_block() -> None:
    p = provenance(
        {"cohort_hash": "abc", "tables": {"patients": 3}},
        {"a": 1},
        import_log={"rows_rejected": 0},
        run_time=dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC),
    )
    assert p["cohort_hash"] == "abc"
    assert p["tables"] == "patients 3"
    assert p["import_log"] == "rows rejected: 0"
    assert p["settings_hash"] == settings_hash({"a": 1})
    assert p["run_time"] == "2026-11-21T12:00:00+00:00"
    assert p["code_version"].startswith("0.")
    assert provenance()["cohort_hash"] == "not recorded"


def test_code_version_and_software() -> None:
    from prrt import __version__

    assert code_version().startswith(__version__)
    assert software_versions()["prrt"] == __version__
