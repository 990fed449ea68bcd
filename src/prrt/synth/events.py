"""Disease events, adverse events and symptom (bone pain) responses.

Progression and death times come from the joint disease model of :mod:`prrt.synth.latent`
(TRUE effects in ``parameters.toml`` ``effects``); progressions after PRRT-2/PRRT-3 from
:mod:`prrt.synth.treatment`. Events never fall after death or the
last contact; alive patients get a ``last_contact`` event (contracts §2).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from prrt.synth._common import choice_idx, const, frame, lognormal, to_dates

_NEW_TX = np.array(
    [
        "everolimus",
        "capecitabine+temozolomide",
        "SSA dose escalation",
        "sunitinib",
        "liver-directed therapy",
    ],
    dtype=object,
)
_SRE = np.array(
    ["pathological fracture", "radiotherapy to bone", "spinal cord compression", "surgery to bone"],
    dtype=object,
)


def disease_events(rng: np.random.Generator, s: dict[str, Any], p: dict[str, Any]) -> pd.DataFrame:
    """The ``disease_events`` table."""
    sv = p["survival"]
    n = s["n"]
    rows: list[tuple[np.ndarray, np.ndarray, str, np.ndarray]] = []

    def add(
        mask: np.ndarray, day: np.ndarray, etype: str, detail: np.ndarray | None = None
    ) -> None:
        i = np.flatnonzero(mask & np.isfinite(day) & (day <= s["tend"]))
        det = const(None, len(i)) if detail is None else detail[i]
        rows.append((i, day[i], etype, det))

    prog = s["progressed"]
    rad = s["radiological"]
    add(prog & rad, s["tp"], "radiological_progression")
    add(
        prog & ~rad,
        s["tp"],
        "clinical_progression",
        const("symptomatic progression", n),
    )
    # PET-only progression leading to a new treatment (Lazarenko censoring rule)
    horizon = np.minimum(s["tp"], s["tend"]) - 60
    pet = (rng.random(n) < sv["pet_only_progression"]) & (horizon > 240)
    pet_day = np.floor(240 + rng.random(n) * (horizon - 240))
    # progression after a retreatment (PRRT-2, PRRT-3): radiological (RECIST 1.1)
    for key in ("c2", "c3"):
        add(s[key] & (s[f"{key}_tp"] < s["tend"]), s[f"{key}_tp"], "radiological_progression")
    add(pet, pet_day, "pet_only_progression")
    add(pet, pet_day + 30, "new_treatment", _NEW_TX[rng.integers(0, len(_NEW_TX), n)])
    newtx = prog & ~s["c2"] & (rng.random(n) < sv["new_treatment_after_progression"])
    add(
        newtx,
        s["tp"] + rng.integers(30, 91, n),
        "new_treatment",
        _NEW_TX[rng.integers(0, len(_NEW_TX), n)],
    )
    p_net = np.where(
        prog,
        sv["death_cause_net_after_progression"],
        sv["death_cause_net_without_progression"],
    )
    cause = np.where(rng.random(n) < p_net, "NET progression", "other cause").astype(object)
    add(s["dead"], s["td"], "death", cause)
    add(~s["dead"], s["tc"], "last_contact")
    # MDS / AML: late haematological malignancy, more often after alkylating chemotherapy
    # MDS / AML: lifetime risk x risk ratio after alkylating chemotherapy, latency of years
    pm = sv["mds_aml_risk"] * np.where(s["alkylating"], sv["mds_aml_rr_alkylating"], 1.0)
    mds = rng.random(n) < pm
    mday = np.ceil(lognormal(rng, sv["mds_aml_latency_days"], n))
    is_aml = rng.random(n) < sv["aml_fraction"]
    add(mds & ~is_aml, mday, "mds")
    add(mds & is_aml, mday, "aml")
    sre = s["bone"] & (rng.random(n) < sv["sre_bone"])
    add(
        sre,
        np.floor(rng.random(n) * s["tend"]),
        "skeletal_related_event",
        _SRE[rng.integers(0, len(_SRE), n)],
    )
    # Documented progression before PRRT (disease status at baseline): PRRT is given for
    # progressive disease (Lazarenko 2026 eligibility; Fröss-Baron 2021 Table 1: PD at baseline
    # 92 of 102, 90.2 %). Drawn last, so the draws above are unchanged; dated 30–300 days
    # before the first cycle and after the diagnosis.
    room = np.maximum(s["t0"] - s["diag"] - 1, 0)
    before = np.floor(30 + rng.random(n) * 270)
    base_pd = (rng.random(n) < sv["baseline_pd_fraction"]) & (room > before)
    add(base_pd, -before, "radiological_progression")
    i = np.concatenate([r[0] for r in rows])
    day = np.concatenate([r[1] for r in rows])
    et = np.concatenate([const(r[2], len(r[0])) for r in rows])
    det = np.concatenate([r[3] for r in rows])
    s["mds_aml"] = np.bincount(i[np.isin(et, ["mds", "aml"])], minlength=n) > 0
    out = frame(
        {
            "patient_id": s["pid"][i],
            "event_date": to_dates(s["t0"][i] + day),
            "event_type": et,
            "detail": det,
            "_d": day,
            "_i": i,
        }
    )
    out = out.sort_values(["_i", "_d"], kind="stable").drop(columns=["_i", "_d"])
    return out.drop_duplicates(["patient_id", "event_type", "event_date"]).reset_index(drop=True)


def adverse_events(rng: np.random.Generator, s: dict[str, Any], p: dict[str, Any]) -> pd.DataFrame:
    """The ``adverse_events`` table (clinical AEs after a cycle, CTCAE v5.0)."""
    n = s["n"]
    parts = []
    for term, (prob, grades) in p["adverse_events"].items():
        hit = np.flatnonzero(rng.random(n) < prob)
        k = np.floor(rng.random(len(hit)) * s["ncyc"][hit]).astype(int)
        day = s["cd"][hit, k] + rng.integers(1, 11, len(hit))
        g = choice_idx(rng, grades, len(hit)) + 1
        ok = day < s["tend"][hit]
        parts.append(
            frame(
                {
                    "patient_id": s["pid"][hit[ok]],
                    "term": const(term, int(ok.sum())),
                    "onset_date": to_dates(s["t0"][hit[ok]] + day[ok]),
                    "grade": g[ok].astype(np.int64),
                    "ctcae_version": const("5.0", int(ok.sum())),
                    "serious": g[ok] >= 3,
                }
            )
        )
    return pd.concat(parts, ignore_index=True).sort_values(
        ["patient_id", "onset_date"], kind="stable", ignore_index=True
    )


def symptom_responses(
    rng: np.random.Generator, s: dict[str, Any], p: dict[str, Any]
) -> pd.DataFrame:
    """Bone-pain scores (NRS 0–10) at baseline, 3 and 7 months after the last cycle."""
    n = s["n"]
    pain = s["bone"] & (rng.random(n) < p["survival"]["bone_pain_bone"])
    i = np.flatnonzero(pain)
    base = rng.integers(3, 9, len(i)).astype(float)
    resp = np.log(np.clip(s["sum_ratio"][i], 0.05, 3))
    parts = [(i, -rng.integers(1, 15, len(i)).astype(float), base, const(None, len(i)))]
    for off in (90.0, 210.0):
        sc = np.clip(
            np.round(base * np.exp(1.5 * resp - 0.25 + 0.35 * rng.standard_normal(len(i)))), 0, 10
        )
        r = np.where(
            sc == 0,
            "complete",
            np.where(sc <= base - 2, "partial", np.where(sc >= base + 2, "progression", "stable")),
        )
        parts.append((i, s["last_day"][i] + off, sc, r.astype(object)))
    ii = np.concatenate([q[0] for q in parts])
    day = np.concatenate([q[1] for q in parts])
    ok = day < s["tend"][ii]
    out = frame(
        {
            "patient_id": s["pid"][ii[ok]],
            "assessment_date": to_dates(s["t0"][ii[ok]] + day[ok]),
            "symptom": const("bone_pain", int(ok.sum())),
            "score": np.concatenate([q[2] for q in parts])[ok],
            "response": np.concatenate([q[3] for q in parts])[ok],
        }
    )
    return out.sort_values(["patient_id", "assessment_date"], kind="stable", ignore_index=True)
