"""Analysis settings for the clinical derivations: one frozen object per study.

Every window, cut-off and grading version used by :mod:`prrt.clinical` lives here, so
that a study template makes its choices in one place and every report can print them
(``conventions.md``, "Dates and windows"; ``style.md`` item 14).

Examples
--------
>>> from prrt.clinical.settings import DerivationSettings
>>> s = DerivationSettings()
>>> s.ctcae_version, s.two_month_target_days, s.two_month_window_days
('5.0', 61, 21)
>>> s.replace(ctcae_version="4.03").ctcae_version
'4.03'
>>> len(s.settings_hash())
16
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from typing import Any

_CTCAE_VERSIONS = ("3.0", "4.03", "5.0")


@dataclass(frozen=True)
class DerivationSettings:
    """Windows, cut-offs and versions used by the clinical derivations.

    Parameters
    ----------
    ctcae_version
        CTCAE version for the grade columns of ``analysis_patient_course``
        (``"3.0"``, ``"4.03"`` or ``"5.0"``).
    baseline_window_days
        A baseline laboratory value is the last value on or before the first cycle day
        and at most this many days before it.
    ae_window_days
        The on-treatment period runs from the first cycle day to the last cycle day plus
        this many days (default 70 days = 10 weeks; Lazarenko collected AEs 9–10 weeks
        after the last cycle, ``domain.md`` §1 item 3).
    two_month_target_days, two_month_window_days
        "Two months after the end of PRRT" = the value closest to day +61 after the last
        cycle of the course, within ±21 days (``conventions.md``; Ferrara PT definition).
    twelve_month_target_days, twelve_month_window_days
        "12 months" = the value closest to day +365 after the last cycle, within ±45 days.
    nadir_window_after_last_cycle_days
        The nadir of the last cycle is sought up to this many days after it (default
        = ``ae_window_days``).
    pt_threshold_1e9_l
        Persistent thrombocytopenia: platelets below this value at two months (Ferrara: 100).
    idpc_cutoff_pct
        IDPC flag: initial decline ≥ this percentage (Ferrara: 30 %).
    recovery_fraction
        Platelet recovery: first value after the nadir ≥ this fraction of baseline.
    egfr_equation
        CKD-EPI equation for derived eGFR (``"2009"`` in the studies, ``"2021"`` race-free).
    """

    ctcae_version: str = "5.0"
    baseline_window_days: int = 90
    ae_window_days: int = 70
    two_month_target_days: int = 61
    two_month_window_days: int = 21
    twelve_month_target_days: int = 365
    twelve_month_window_days: int = 45
    nadir_window_after_last_cycle_days: int = 70
    pt_threshold_1e9_l: float = 100.0
    idpc_cutoff_pct: float = 30.0
    recovery_fraction: float = 0.9
    egfr_equation: str = "2009"
    # --- C2 (OMIS, scores, response, endpoints); documented in the modules named ---
    omis_scan: str = "first_after_start"
    """OMIS scan: ``first_after_start`` (Ferrara) or ``latest_before_start`` (prrt.clinical.omis)."""
    omis_cutoff_pct: float = 30.0
    spleen_window_days: int = 61
    """Spleen length measured within this many days before the first cycle (Ferrara: 2 months)."""
    splenomegaly_cutoff_mm: float = 100.0
    ki67_cutoff_pct: float = 10.0
    cga_cutoff_ug_l: float = 1000.0
    alp_cutoff_u_l: float = 130.0
    modalities_cutoff: int = 3
    cumulative_activity_cutoff_gbq: float = 29.6
    response_source: str = "measurements_then_recorded"
    """RECIST source: ``measurements``, ``recorded`` or ``measurements_then_recorded``."""
    recist_confirm: bool = False
    recist_confirm_days: int = 28
    recist_min_sd_days: int = 0
    """Minimum days from the course start for an SD to count (0 = no minimum)."""
    recist_max_nr_ne: int = 1
    """NE assessments allowed between a response and its confirmation (prrt.clinical.recist_bor)."""
    recist_accept_sd: bool = False
    """Accept one SD between a PR and its confirmation (admiralonco ``accept_sd``)."""
    recist_after_cr: str = "pd"
    """PR/SD after a CR: ``pd``, ``pr`` or ``as_recorded`` (RECIST 1.1 Table 3 footnote a)."""
    recist_dcr_non_cr_non_pd: bool = False
    """Count NON-CR/NON-PD (non-target disease only) in the disease control rate."""
    recist_cut_at_recorded_progression: bool = False
    """Ignore response assessments after a recorded radiological progression event."""
    biochemical_decrease_pct: float = 50.0
    delta_v_target_days: int = 91
    delta_v_window_days: int = 45
    pfs_pet_rule: str = "ignore"
    """PET-only progression in PFS: ``ignore``, ``event`` or ``lazarenko`` (prrt.clinical.endpoints)."""
    pfs_include_derived_recist: bool = True

    def __post_init__(self) -> None:
        if self.ctcae_version not in _CTCAE_VERSIONS:
            raise ValueError(
                f"ctcae_version must be one of {_CTCAE_VERSIONS}, got {self.ctcae_version!r}"
            )
        if self.recist_after_cr not in ("pd", "pr", "as_recorded"):
            raise ValueError(
                f"recist_after_cr must be pd, pr or as_recorded, got {self.recist_after_cr!r}"
            )
        if self.egfr_equation not in ("2009", "2021"):
            raise ValueError(f"egfr_equation must be '2009' or '2021', got {self.egfr_equation!r}")
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if f.name.endswith("_days") and (not isinstance(v, int) or v < 0):
                raise ValueError(f"{f.name} must be a non-negative integer, got {v!r}")

    def replace(self, **changes: Any) -> DerivationSettings:
        """Return a copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as a plain ``dict`` (JSON-serialisable)."""
        return dataclasses.asdict(self)

    def settings_hash(self) -> str:
        """Return a short stable hash (16 hex digits, SHA-256) of the settings."""
        payload = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]
