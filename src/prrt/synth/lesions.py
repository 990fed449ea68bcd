"""Lesions, their measurements over time, RECIST/MDA timepoint responses and CgA.

Volume response is driven by the total (course) lesion absorbed dose (Hebert):
``log(V_3m / V_0) = growth − slope · D/100 + u_patient + e_lesion`` (``parameters.toml``
table ``lesions``), shrinking further to a nadir at ~12 months; at radiological
progression the target sum grows 25–60 % above its nadir and new lesions may appear.
Timepoint responses follow RECIST 1.1 (Eisenhauer 2009, section 4.3.1): CR all target
lesions gone (nodes < 10 mm short axis), PR ≥ 30 % decrease from baseline, PD ≥ 20 % and
≥ 5 mm increase over the nadir or new lesions, otherwise SD.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from prrt.synth._common import choice_idx, const, frame, lognormal, nullable_bool, to_dates

N_SLOTS = 7  # 5 target slots, 1 bone lesion (non-target), 1 non-target soft-tissue lesion
_SITES = np.array(["liver", "lymph_node", "bone", "peritoneum", "other"], dtype=object)


def make_lesions(rng: np.random.Generator, s: dict[str, Any], p: dict[str, Any]) -> None:
    """Latent lesions per patient (dense ``n × 7`` arrays; ``les_valid`` marks real ones)."""
    lp, dp = p["lesions"], p["dosimetry"]
    n = s["n"]
    nt = choice_idx(rng, lp["n_target_probs"], n) + 1
    valid = np.zeros((n, N_SLOTS), dtype=bool)
    valid[:, :5] = np.arange(5)[None, :] < nt[:, None]
    valid[:, 5] = s["bone"]
    valid[:, 6] = rng.random(n) < 0.5
    w = np.stack(
        [
            0.65 * s["liver"],
            0.30 * s["nodes"],
            np.zeros(n),
            0.05 * s["perit"],
            0.02 + 0 * s["liver"],
        ],
        axis=1,
    )
    cdf = np.cumsum(w / w.sum(axis=1, keepdims=True), axis=1)
    site = np.argmax(rng.random((n, N_SLOTS))[:, :, None] < cdf[:, None, :], axis=2)
    site[:, 5] = 2
    ld = lognormal(rng, lp["liver_ld_mm"], (n, N_SLOTS))
    sa = np.clip(lognormal(rng, lp["node_short_axis_mm"], (n, N_SLOTS)), 15, 60)
    node = site == 1
    ld = np.where(node, sa * rng.uniform(1.1, 1.6, (n, N_SLOTS)), ld)
    ld = np.where(site == 2, lognormal(rng, lp["bone_ld_mm"], (n, N_SLOTS)), ld)
    ld = np.clip(np.round(ld, 0), 10, 150)
    sa = np.where(node, np.round(sa, 0), np.nan)
    vol = lp["ellipsoid_factor"] * np.pi / 6 * (ld / 10) * np.where(node, sa / 10, ld / 10) ** 2
    s["les_valid"], s["les_site"], s["les_node"] = valid, site, node
    s["les_ld0"], s["les_sa0"], s["les_vol0"] = ld, sa, np.round(vol, 2)
    s["les_target"] = np.zeros((n, N_SLOTS), dtype=bool)
    s["les_target"][:, :5] = valid[:, :5]
    med, sd = dp["lesion_gy_per_gbq_cycle1"]
    pat = med * np.exp(0.55 * sd * rng.standard_normal(n))
    s["lesion_uptake"] = pat
    s["les_gy_per_gbq"] = pat[:, None] * np.exp(
        np.sqrt(1 - 0.55**2) * sd * rng.standard_normal((n, N_SLOTS))
    )
    # patient-level response noise; combined with the PFS draw in latent.survival_times
    s["resp_eps"] = rng.standard_normal(n)


def lesion_response(rng: np.random.Generator, s: dict[str, Any], p: dict[str, Any]) -> None:
    """Total lesion dose per course and the log volume ratio at 3 months (``les_r``)."""
    lp, dp = p["lesions"], p["dosimetry"]
    n = s["n"]
    kmax = s["act"].shape[1]
    cf = np.asarray(dp["lesion_cycle_factors"], dtype=float)[:kmax]
    eff = np.nansum(s["act"] * cf[None, :], axis=1)
    dose = s["les_gy_per_gbq"] * eff[:, None]
    s["les_dose"] = dose
    r = (
        lp["growth_log"]
        - lp["slope_per_100gy"] * dose / 100
        + s["resp_u"][:, None]
        + lp["lesion_sd"] * rng.standard_normal((n, N_SLOTS))
    )
    r = np.where(dose > 95, np.minimum(r, np.log(1.19)), r)
    s["les_r"] = np.minimum(r, 3 * np.log(1.15))
    s["cr"] = rng.random(n) < lp["cr_fraction"]


def _assessment_days(rng: np.random.Generator, s: dict[str, Any], p: dict[str, Any]) -> np.ndarray:
    n = s["n"]
    step = p["lesions"]["followup_imaging_days"]
    cols = [-rng.integers(14, 43, n).astype(float)]
    t3 = s["last_day"] + 90 + rng.integers(-7, 8, n)
    cols.append(t3)
    for j in range(1, 15):
        cols.append(t3 + step * j + rng.integers(-14, 15, n))
    days = np.stack(cols, axis=1)
    stop = np.minimum(s["tp"], s["tend"])
    days = np.where(days < stop[:, None], days, np.nan)
    days[:, 0] = cols[0]
    prog_col = np.where(s["progressed"] & s["radiological"], s["tp"], np.nan)
    return np.concatenate([days, prog_col[:, None]], axis=1)


def assessments(
    rng: np.random.Generator, s: dict[str, Any], p: dict[str, Any]
) -> dict[str, pd.DataFrame]:
    """``lesions``, ``lesion_measurements``, ``response_assessments`` and ``tumour_markers``."""
    lp = p["lesions"]
    n = s["n"]
    days = _assessment_days(rng, s, p)
    a = days.shape[1]
    t3 = s["last_day"] + 90
    t = days[:, :, None]
    h = np.where(
        t <= t3[:, None, None],
        np.clip(t / t3[:, None, None], 0, 1),
        1 + (lp["later_shrink_factor"] - 1) * np.clip((t - t3[:, None, None]) / 270, 0, 1),
    )
    r = s["les_r"][:, None, :]
    h = np.where(r > 0, np.minimum(h, 1), h)
    logv = r * h
    is_pd = np.zeros((n, a), dtype=bool)
    is_pd[:, -1] = np.isfinite(days[:, -1])
    # nadir factor before progression, growth at progression
    pre = logv[:, :-1, :]
    pre_days = days[:, :-1]
    nadir = np.nanmin(np.where(np.isfinite(pre_days)[:, :, None], pre, np.inf), axis=1)
    nadir = np.where(np.isfinite(nadir), nadir, 0.0)
    g = rng.uniform(float(lp["pd_growth"][0]), float(lp["pd_growth"][1]), n)
    grown = nadir + 3 * np.log(g)[:, None]
    # Hebert: lesions above 95 Gy never grow > 20 %; progression then shows elsewhere
    logv[:, -1, :] = np.where(s["les_dose"] > 95, np.minimum(grown, np.log(1.19)), grown)
    ld = s["les_ld0"][:, None, :] * np.exp(logv / 3)
    sa = s["les_sa0"][:, None, :] * np.exp(logv / 3)
    vol = s["les_vol0"][:, None, :] * np.exp(logv)
    cr = np.broadcast_to(
        s["cr"][:, None, None] & (t > t3[:, None, None]) & ~is_pd[:, :, None], ld.shape
    )
    ld = np.where(cr, np.where(s["les_node"][:, None, :], ld, 0.0), ld)
    sa = np.where(cr, 8.0, sa)
    vol = np.where(cr, 0.0, vol)
    valid = s["les_valid"][:, None, :] & np.isfinite(days)[:, :, None]
    target = s["les_target"][:, None, :]
    # RECIST sums: short axis for nodes, longest diameter otherwise
    meas = np.where(s["les_node"][:, None, :], sa, ld)
    tsum = np.sum(np.where(valid & target, meas, 0.0), axis=2)
    base = tsum[:, 0]
    run_min = np.fmin.accumulate(np.where(np.isfinite(days), tsum, np.inf), axis=1)
    prev_min = np.concatenate([base[:, None], run_min[:, :-1]], axis=1)
    size_pd = (tsum >= 1.2 * prev_min) & (tsum - prev_min >= 5)
    new_les = is_pd & ((rng.random((n, 1)) < lp["new_lesion_at_pd"]) | ~size_pd)
    all_gone = np.all(
        ~(valid & target) | np.where(s["les_node"][:, None, :], sa < 10, ld == 0), axis=2
    )
    resp = np.where(
        new_les | size_pd,
        "PD",
        np.where(all_gone, "CR", np.where(tsum <= 0.7 * base[:, None], "PR", "SD")),
    ).astype(object)
    s["recist"] = resp
    have = np.isfinite(days)
    have[:, 0] = False  # no timepoint response at baseline
    ii, aa = np.nonzero(have)
    ra = frame(
        {
            "patient_id": s["pid"][ii],
            "assessment_date": to_dates(s["t0"][ii] + days[ii, aa]),
            "criteria": const("recist_1_1", len(ii)),
            "response": resp[ii, aa],
        }
    )
    bone = s["bone"][ii]
    mda = np.where(resp[ii, aa] == "CR", "PR", resp[ii, aa])
    mda = np.where((mda == "PR") & (rng.random(len(ii)) < 0.5), "SD", mda).astype(object)
    ra_mda = frame(
        {
            "patient_id": s["pid"][ii[bone]],
            "assessment_date": ra["assessment_date"].to_numpy()[bone],
            "criteria": const("mda", int(bone.sum())),
            "response": mda[bone],
        }
    )
    # lesion measurements
    iv, av, lv = np.nonzero(valid)
    tg = s["les_target"][iv, lv]
    ntstat = np.where(
        is_pd[iv, av] & (rng.random(len(iv)) < 0.3),
        "unequivocal_progression",
        np.where(cr[iv, av, lv], "absent", "present"),
    ).astype(object)
    lid = _lesion_ids()
    lm = frame(
        {
            "patient_id": s["pid"][iv],
            "lesion_id": lid[lv],
            "assessment_date": to_dates(s["t0"][iv] + days[iv, av]),
            "longest_diameter_mm": np.where(tg, np.round(ld[iv, av, lv], 0), np.nan),
            "short_axis_mm": np.where(tg, np.round(sa[iv, av, lv], 0), np.nan),
            "volume_ml": np.where(tg | (lv == 5), np.round(vol[iv, av, lv], 2), np.nan),
            "non_target_status": np.where(tg, const(None, len(tg)), ntstat),
            "new_lesion": np.zeros(len(iv), dtype=bool),
        }
    )
    ni = np.flatnonzero(new_les[:, -1])
    new_site = np.where(s["liver"][ni], "liver", "lymph_node").astype(object)
    nm = frame(
        {
            "patient_id": s["pid"][ni],
            "lesion_id": const("NEW1", len(ni)),
            "assessment_date": to_dates(s["t0"][ni] + days[ni, -1]),
            "longest_diameter_mm": np.full(len(ni), np.nan),
            "short_axis_mm": np.full(len(ni), np.nan),
            "volume_ml": np.full(len(ni), np.nan),
            "non_target_status": const("present", len(ni)),
            "new_lesion": np.ones(len(ni), dtype=bool),
        }
    )
    li, ll = np.nonzero(s["les_valid"])
    lesions = frame(
        {
            "patient_id": np.concatenate([s["pid"][li], s["pid"][ni]]),
            "lesion_id": np.concatenate([lid[ll], const("NEW1", len(ni))]),
            "site": np.concatenate([_SITES[s["les_site"][li, ll]], new_site]),
            "target": np.concatenate([s["les_target"][li, ll], np.zeros(len(ni), bool)]),
            "nodal": np.concatenate([s["les_node"][li, ll], new_site == "lymph_node"]),
            "baseline_volume_ml": np.concatenate([s["les_vol0"][li, ll], np.full(len(ni), np.nan)]),
        }
    )
    meas = pd.concat([lm, nm], ignore_index=True).sort_values(
        ["patient_id", "assessment_date", "lesion_id"], kind="stable", ignore_index=True
    )
    resp_all = pd.concat([ra, ra_mda], ignore_index=True)
    # ratio of the target sum at 3 months, used for CgA response
    s["sum_ratio"] = np.where(
        base > 0, np.nanmin(np.where(have, tsum, np.nan), axis=1, initial=np.inf) / base, 1.0
    )
    return {
        "lesions": lesions,
        "lesion_measurements": meas,
        "response_assessments": resp_all.sort_values(
            ["patient_id", "assessment_date"], kind="stable", ignore_index=True
        ),
        "tumour_markers": _cga(rng, s, p, days),
    }


def _lesion_ids() -> np.ndarray:
    return np.array(["T1", "T2", "T3", "T4", "T5", "B1", "NT1"], dtype=object)


def _cga(
    rng: np.random.Generator, s: dict[str, Any], p: dict[str, Any], img_days: np.ndarray
) -> pd.DataFrame:
    """CgA at baseline, before each cycle and at every imaging visit (falls with response)."""
    cg = p["cga"]
    n = s["n"]
    pre = s["cd"][:, 1:] - 1
    days = np.concatenate(
        [(-rng.integers(1, 21, n)).astype(float)[:, None], pre, img_days[:, 1:]], axis=1
    )
    days = np.where(days < s["tend"][:, None], days, np.nan)
    resp = np.log(np.clip(np.where(np.isfinite(s["sum_ratio"]), s["sum_ratio"], 1.0), 0.05, 3))
    t3 = s["last_day"] + 90
    frac = np.clip(days / t3[:, None], 0, 1.5)
    logv = np.log(s["bl_cga"])[:, None] + 2.5 * resp[:, None] * frac
    logv = logv + np.where(days > s["tp"][:, None], 0.004 * (days - s["tp"][:, None]), 0)
    logv = logv + 0.15 * rng.standard_normal(days.shape)
    logv[:, 0] = np.log(s["bl_cga"])
    ii, jj = np.nonzero(np.isfinite(days))
    alt = rng.random(n) < cg["alternative_unit_fraction"]
    uln = s["cga_uln"]
    out = frame(
        {
            "patient_id": s["pid"][ii],
            "sample_date": to_dates(s["t0"][ii] + days[ii, jj]),
            "marker": const("cga", len(ii)),
            "value": np.round(np.exp(logv[ii, jj]), 0),
            "unit": np.where(alt[ii], "ng/mL", "ug/L").astype(object),
            "uln": uln[ii],
        }
    )
    return out.drop_duplicates(["patient_id", "sample_date"]).sort_values(
        ["patient_id", "sample_date"], kind="stable", ignore_index=True
    )


def lesion_flags(s: dict[str, Any]) -> np.ndarray:
    """Boolean ``n × 7`` of lesions eligible for dosimetry (target or bone)."""
    return s["les_valid"] & (np.arange(N_SLOTS) < 6)[None, :]


__all__ = ["assessments", "lesion_flags", "lesion_response", "make_lesions", "nullable_bool"]
