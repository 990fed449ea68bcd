"""Derivation settings travel with the reports (issue 9, defect 2).

``prrt derive`` records its settings in ``analysis_settings``; every report prints them and hashes
them; real-world outcomes applies its own PET-only PFS rule (Lazarenko et al. 2026) when the store
was derived with another, and a step that cannot apply its rule refuses with a clear message.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from tests.studies.conftest import Built, course1

from prrt.clinical.settings import DerivationSettings
from prrt.studies import real_world_outcomes
from prrt.studies._base import NotComputable, StudyRun, settings_hash
from prrt.studies._derivation import derivation_settings, with_pet_rule


def test_settings_hash_covers_the_derivation_rule() -> None:
    # the defect: stores derived with pfs_pet_rule "ignore" and "lazarenko" gave one hash
    study = real_world_outcomes.SETTINGS
    a = DerivationSettings().to_dict()
    b = DerivationSettings(pfs_pet_rule="lazarenko").to_dict()
    assert settings_hash(study, a) != settings_hash(study, b)
    assert settings_hash(study, a) == settings_hash(study, dict(a))


def test_every_report_prints_the_derivation_settings(full: Built) -> None:
    recorded = derivation_settings(full.store)
    assert recorded["pfs_pet_rule"] == "ignore"
    for name, out in full.outputs.items():
        html = out.paths["html"].read_text(encoding="utf-8")
        assert "derivation settings hash" in html, name
        assert recorded["settings_hash"] in html, name
        assert "pfs_pet_rule" in html, name


def _stored_run(full: Built, pretend_rule: str) -> StudyRun:
    run = StudyRun.start(full.store, real_world_outcomes.SETTINGS)
    run.derivation = {**run.derivation, "pfs_pet_rule": pretend_rule}
    return run


def test_rederiving_with_the_stores_rule_reproduces_stored_pfs(full: Built) -> None:
    # independent check of the re-derivation path: same rule, same PFS as `prrt derive`
    data = course1(full.store)
    run = _stored_run(full, "event")  # force a re-derivation with the rule actually stored
    again = with_pet_rule(run, data, "ignore")
    pd.testing.assert_series_equal(
        again["pfs_days"].reset_index(drop=True),
        data["pfs_days"].reset_index(drop=True),
        check_dtype=False,
    )
    assert (
        again["pfs_event"].astype("boolean").tolist()
        == data["pfs_event"].astype("boolean").tolist()
    )


def test_lazarenko_rule_changes_only_pet_only_patients(full: Built) -> None:
    data = course1(full.store)
    run = StudyRun.start(full.store, real_world_outcomes.SETTINGS)
    out = with_pet_rule(run, data, "lazarenko")
    changed = set(
        out.loc[
            out["pfs_days"].astype("Float64").ne(data["pfs_days"].astype("Float64")).fillna(False),
            "patient_id",
        ]
    )
    events = full.store.read("disease_events")
    pet_only = set(events.loc[events["event_type"] == "pet_only_progression", "patient_id"])
    assert changed <= pet_only
    assert "applied by this report" in str(run.report.provenance["PFS PET-only rule used"])


def test_real_world_report_states_the_rule_it_used(full: Built) -> None:
    html = full.outputs["real-world-outcomes"].paths["html"].read_text(encoding="utf-8")
    assert "derived for this report with its own rule" in html
    assert "lazarenko (applied by this report" in html


def test_a_step_that_cannot_apply_its_rule_refuses() -> None:
    run = StudyRun.__new__(StudyRun)
    run.derivation = {"ctcae_version": "4.03"}
    with pytest.raises(NotComputable, match=r"derived with ctcae_version = 4\.03.*prrt derive"):
        run.require_derivation("ctcae_version", "5.0", "Platelet grades")
    run.require_derivation("ctcae_version", "4.03", "Platelet grades")


def test_unknown_pet_rule_is_an_error(full: Built) -> None:
    run = StudyRun.start(full.store, replace(real_world_outcomes.SETTINGS))
    with pytest.raises(ValueError, match="unknown PET-only"):
        with_pet_rule(run, course1(full.store), "sometimes")
