"""The derivation settings a store's analysis tables were built with, and rules a template applies.

``prrt derive`` writes its :class:`~prrt.clinical.settings.DerivationSettings` into
``analysis_settings`` beside the derived tables. Every report prints them in its provenance and
includes them in its settings hash (two stores derived with different rules never share a hash).
A template that needs a different rule than the store's applies it itself (here: the PET-only
progression rule of PFS, Lazarenko et al. 2026) and says so — it never states one rule and uses
another (issue 9, defect 2).
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from prrt.clinical.endpoints import PET_RULES, derive_endpoints
from prrt.cohort.store import Store
from prrt.report import prose

PET_RULE_TEXT = prose.PET_RULE_TEXT
"""The PET-only progression rules of :func:`prrt.clinical.endpoints.derive_endpoints` in words
(the same sentences as the Methods)."""


def derivation_settings(store: Store) -> dict[str, Any]:
    """Settings recorded by ``prrt derive`` (``analysis_settings``); empty when not derived."""
    if not store.has_table("analysis_settings"):
        return {}
    frame = store.read("analysis_settings")
    if not {"key", "value"} <= set(frame.columns):
        return {}
    out: dict[str, Any] = {}
    for key, value in zip(frame["key"], frame["value"], strict=True):
        try:
            out[str(key)] = json.loads(value)
        except (TypeError, ValueError):
            out[str(key)] = value
    return out


def with_pet_rule(run: Any, data: pd.DataFrame, rule: str) -> pd.DataFrame:
    """``data`` with PFS derived under the PET-only progression ``rule``.

    When the store was derived with ``rule``, ``data`` is returned unchanged. Otherwise PFS is
    derived again from the store's ``disease_events`` (and the derived RECIST PD time points
    when the derivation counted them) with :func:`prrt.clinical.endpoints.derive_endpoints`,
    the report says so, and the provenance records the rule applied.

    Raises
    ------
    ValueError
        For a rule :func:`~prrt.clinical.endpoints.derive_endpoints` does not know.
    """
    if rule not in PET_RULES:
        raise ValueError(f"unknown PET-only progression rule {rule!r} (one of {PET_RULES})")
    stored = run.derivation.get("pfs_pet_rule")
    if stored == rule:
        run.report.provenance["PFS PET-only rule used"] = rule
        return data
    need = ["patient_id", "course_no", "course_start"]
    missing = [c for c in need if c not in data.columns]
    if missing:
        raise ValueError(f"cannot re-derive PFS: the data lack {', '.join(missing)}")
    events = run.read("disease_events")
    recist = None
    if run.derivation.get("pfs_include_derived_recist", True) and run.has_rows("analysis_response"):
        resp = run.read("analysis_response")
        recist = resp.loc[resp["overall_response"] == "PD", ["patient_id", "assessment_date"]]
    ep = derive_endpoints(events, data[need], pet_rule=rule, recist_progression=recist)
    ep = ep.set_index(["patient_id", "course_no"])[["pfs_days", "pfs_event"]]
    out = data.drop(columns=["pfs_days", "pfs_event"], errors="ignore")
    out = out.join(ep, on=["patient_id", "course_no"])
    run.report.derivation_overrides["pfs_pet_rule"] = rule
    used = f"{rule} (applied by this report; the store was derived with {stored or 'no rule'})"
    said = run.report.provenance.get("PFS PET-only rule used") == used
    run.report.provenance["PFS PET-only rule used"] = used
    if not said:
        run.text(
            f"Progression-free survival was derived for this report with its own rule: "
            f"{PET_RULE_TEXT[rule]}. The store's derived tables use another rule "
            f"(there, {PET_RULE_TEXT.get(str(stored), 'not recorded')}); the PFS shown here "
            "does not."
        )
    return out
