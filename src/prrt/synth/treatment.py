"""Courses and cycles, with the latent platelet and lymphocyte processes that drive them.

Platelets (Ferrara mechanism): each cycle ``k`` lowers the pre-cycle level ``L_k`` by a
depth ``d_k`` at the nadir (day ~28) and leaves a residual fraction ``ρ`` unrecovered::

    P(τ) = L_k · (1 − d_k · (g(τ)(1 − ρ) + ρ · min(τ/28, 1))),   g(τ) = (τ/28)³ e^{3(1 − τ/28)}

``d`` rises with OMIS, spleen length and bone-marrow dose (``parameters.toml``
``labs.plt_depth_*``) and the residual ``ρ`` with OMIS and splenomegaly (impaired recovery,
``labs.plt_residual_*``), so IDPC, persistent thrombocytopenia and the grade ≥ 3 rates arise
from the mechanism. Pre-cycle counts feed back on the course: activity reduction by 30 %,
delay, or a stop for toxicity (domain.md §1–2, §4).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from prrt.synth._common import choice_idx, const
from prrt.synth.latent import weibull_time

_NADIR_DAY = 28.0


def recovery_shape(tau: np.ndarray) -> np.ndarray:
    """Nadir shape ``g(τ)``: 0 at τ = 0, 1 at the nadir (day 28), back towards 0 by week 8.

    Examples
    --------
    >>> float(recovery_shape(np.array([28.0]))[0])
    1.0
    """
    x = np.maximum(np.asarray(tau, dtype=float), 0) / _NADIR_DAY
    return x**3 * np.exp(3 * (1 - x))


def level_after(
    level: np.ndarray, depth: np.ndarray, tau: np.ndarray, residual: float | np.ndarray
) -> np.ndarray:
    """Latent count ``τ`` days after a cycle given the pre-cycle level and the nadir depth."""
    tau = np.asarray(tau, dtype=float)
    frac = recovery_shape(tau) * (1 - residual) + residual * np.minimum(
        np.maximum(tau, 0) / _NADIR_DAY, 1
    )
    return level * (1 - depth * frac)


def platelet_depth(rng: np.random.Generator, s: dict[str, Any], p: dict[str, Any]) -> np.ndarray:
    """Cycle-1 platelet nadir depth (fraction) per patient."""
    lp = p["labs"]
    spleen = np.where(np.isnan(s["spleen_mm"]), 80.0, s["spleen_mm"])
    dm = s["gy_bone_marrow"] / np.median(s["gy_bone_marrow"])
    d = (
        lp["plt_depth_base"]
        + lp["plt_depth_omis"] * s["omis"] / 30
        + lp["plt_depth_spleen"] * (spleen - 90) / 15
        + lp["plt_depth_marrow"] * (dm - 1)
        + lp["plt_depth_sd"] * rng.standard_normal(s["n"])
    )
    return np.clip(d, -0.05, lp["plt_depth_max"])


def platelet_residual(s: dict[str, Any], p: dict[str, Any]) -> np.ndarray:
    """Per-patient unrecovered fraction of each platelet nadir.

    Marrow invasion (OMIS) and splenomegaly (sequestration) impair recovery, so persistent
    thrombocytopenia concentrates in these patients (Ferrara).
    """
    lp = p["labs"]
    spleen = np.nan_to_num(s["spleen_mm"], nan=80.0)
    rho = (
        lp["plt_residual"]
        + lp["plt_residual_omis"] * s["omis"] / 30
        + lp["plt_residual_spleen"] * np.maximum(spleen - 100, 0) / 20
    )
    return np.clip(rho, 0, 0.6)


def run_course1(rng: np.random.Generator, s: dict[str, Any], p: dict[str, Any]) -> None:
    """Simulate PRRT-1 cycle by cycle (vectorised over patients, loop over cycle number)."""
    tr, lp = p["treatment"], p["labs"]
    n = s["n"]
    p_dg = np.where(s["pancreas"], tr["dosimetry_guided_pancreas"], tr["dosimetry_guided_other"])
    dg = rng.random(n) < p_dg
    s["protocol_dg"] = dg
    # Dosimetry-guided protocol (Fröss-Baron 2021, Sandström): cycles are given until the
    # cumulative kidney dose reaches 23 Gy (or marrow 2 Gy); the cycle that reaches the limit is
    # given with the activity that lands on it (``_limit_activity``), so a course stopped for the
    # dose limit ends at the limit in the patient's own dosimetry, as the paper reports.
    gy_kid = s["gy_kidneys"] * tr["dosimetry_guided_kidney_factor"]
    per_cycle_kid = gy_kid * tr["activity_gbq"]
    per_cycle_mar = s["gy_bone_marrow"] * tr["activity_gbq"]
    to_limit = np.minimum(
        tr["kidney_limit_gy"] / per_cycle_kid, tr["marrow_limit_gy"] / per_cycle_mar
    )
    lim = np.ceil(to_limit)
    planned = np.where(
        dg,
        np.clip(lim, tr["dosimetry_guided_min_cycles"], tr["dosimetry_guided_max_cycles"]),
        tr["planned_cycles"],
    ).astype(int)
    reaches = dg & (lim <= tr["dosimetry_guided_max_cycles"])
    delivered_kid = np.zeros(n)
    delivered_mar = np.zeros(n)
    s["planned"] = planned
    kmax = int(planned.max())
    cd = np.full((n, kmax), np.nan)  # cycle day offsets
    act = np.full((n, kmax), np.nan)
    red = np.zeros((n, kmax), dtype=bool)
    lvl = np.full(
        (n, kmax + 1), np.nan
    )  # platelets pre-cycle level (index k-1), last = after course
    dep = np.full((n, kmax), np.nan)
    lym_lvl = np.full((n, kmax + 1), np.nan)
    lym_dep = np.full((n, kmax), np.nan)
    d1 = platelet_depth(rng, s, p)
    s["plt_d1"] = d1
    lym_d = np.clip(lp["lymph_depth"][0] + lp["lymph_depth"][1] * rng.standard_normal(n), 0.05, 0.9)
    rho, lrho = platelet_residual(s, p), lp["lymph_residual"]
    s["plt_rho"] = rho
    active = np.ones(n, dtype=bool)
    stop = const("completed", n)
    stop[reaches] = "dose_limit"
    day = np.zeros(n)
    lvl[:, 0] = s["bl_platelets"]
    lym_lvl[:, 0] = s["bl_lymphocytes"]
    for k in range(kmax):
        if k > 0:
            jitter = np.round(tr["interval_sd_days"] * rng.standard_normal(n))
            interval = tr["interval_days"] + np.clip(jitter, -7, 14)
            pre = level_after(lvl[:, k - 1], dep[:, k - 1], interval, rho)
            low = pre < tr["reduction_platelets_below"]
            delay = low & (rng.random(n) < 0.5)
            extra = rng.integers(tr["delay_days"][0], tr["delay_days"][1] + 1, n)
            interval = np.where(delay, interval + extra, interval)
            pre = np.where(delay, level_after(lvl[:, k - 1], dep[:, k - 1], interval, rho), pre)
            day_k = day + interval
            # reasons to stop before cycle k+1, in order of precedence
            # (Lazarenko's reasons for stopping before four cycles; parameters.toml treatment)
            impending = s["td"] - day_k < tr["deterioration_window_days"]
            reasons = [
                (s["td"] <= day_k, "death"),
                (s["tp"] <= day_k - tr["progression_detection_days"], "progression"),
                (
                    (pre < tr["toxicity_stop_platelets_below"])
                    & (rng.random(n) < tr["toxicity_stop_prob"]),
                    "toxicity",
                ),
                (
                    (impending & (rng.random(n) < tr["deterioration_prob"]))
                    | (rng.random(n) < tr["deterioration_per_cycle"]),
                    "clinical_deterioration",
                ),
                (
                    (k in (2, 3))
                    & (s["resp_u"] < tr["major_response_u"])
                    & (rng.random(n) < tr["major_response_prob"]),
                    "other",
                ),
                (
                    (
                        rng.random(n)
                        < tr["patient_choice_per_cycle"] + (k == 1) * tr["early_stop_after_cycle1"]
                    )
                    | (s["tc"] <= day_k),
                    "patient_choice",
                ),
            ]
            going = active & (k < planned)
            for cond, why in reversed(reasons):
                hit = going & cond
                stop[hit] = why
            for cond, _ in reasons:
                going &= ~cond
            ended = active & ~going
            active = going
            lvl[ended, k] = np.nan
            day = np.where(active, day_k, day)
            red[:, k] = active & low & ~delay
            lvl[active, k] = pre[active]
            lym_lvl[active, k] = level_after(
                lym_lvl[active, k - 1], lym_dep[active, k - 1], interval[active], lrho
            )
        else:
            red[:, 0] = False
        a = tr["activity_gbq"] * (
            1 + tr["activity_sd_frac"] * np.clip(rng.standard_normal(n), -3, 3)
        )
        a = np.where(red[:, k], a * tr["reduced_activity_factor"], a)
        a = np.where(dg, _limit_activity(a, delivered_kid, delivered_mar, gy_kid, s, tr), a)
        delivered_kid += np.where(active, a * gy_kid, 0.0)
        delivered_mar += np.where(active, a * s["gy_bone_marrow"], 0.0)
        cd[active, k] = day[active]
        act[active, k] = np.round(a[active], 2)
        scale = act[:, k] / tr["activity_gbq"]
        decay = lp["plt_depth_cycle_decay"] ** k
        dep[active, k] = np.clip(
            d1 * scale * decay * (1 + 0.1 * rng.standard_normal(n)), -0.05, 0.9
        )[active]
        lym_dep[active, k] = np.clip(lym_d * scale * (1 + 0.1 * rng.standard_normal(n)), 0, 0.95)[
            active
        ]
    ncyc = np.sum(np.isfinite(cd), axis=1)
    s["ncyc"] = ncyc
    s["cd"], s["act"], s["reduced"] = cd, act, red
    s["plt_lvl"], s["plt_dep"] = lvl, dep
    s["lym_lvl"], s["lym_dep"] = lym_lvl, lym_dep
    s["last_day"] = cd[np.arange(n), ncyc - 1]
    s["stop"] = stop
    s["cum_act"] = np.nansum(act, axis=1)
    s["hebert"] = ~dg & (rng.random(n) < tr["hebert_dosimetry"])


def _limit_activity(
    a: np.ndarray,
    kid: np.ndarray,
    mar: np.ndarray,
    gy_kid: np.ndarray,
    s: dict[str, Any],
    tr: dict[str, Any],
) -> np.ndarray:
    """Activity (GBq) of a dosimetry-guided cycle: the planned one, or less when it would pass
    the kidney or marrow limit (the last cycle lands on the limit; at least 1 GBq)."""
    room = np.minimum(
        (tr["kidney_limit_gy"] - kid) / gy_kid,
        (tr["marrow_limit_gy"] - mar) / s["gy_bone_marrow"],
    )
    return np.clip(np.minimum(a, room), 1.0, None)


def run_course2(rng: np.random.Generator, s: dict[str, Any], p: dict[str, Any]) -> None:
    """Retreatments PRRT-2 and PRRT-3 after a late progression (``parameters.toml`` retreatment).

    Lazarenko: ~15 % receive PRRT-2 (2–4 cycles), median PFS after PRRT-2 12.2 months, OS 28.2
    months; ~2 % PRRT-3. The PFS after a retreatment is a proportional-hazards Weibull time from
    its start with the patient's ``lp_pfs``; the course stops at death or a documented
    progression. Sets ``c2``/``c2_days``/``c2_act``/``c2_stop``/``tp2`` and the same for ``c3``.
    """
    rt = p["retreatment"]
    n = s["n"]
    ok2 = (
        s["progressed"]
        & (s["tp"] - s["last_day"] >= rt["min_pfs_days"])
        & (rng.random(n) < rt["prob"])
    )
    k2 = np.asarray(rt["cycles"])[choice_idx(rng, rt["cycle_probs"], n)]
    _retreatment(rng, s, p, "c2", ok2, s["tp"], k2)
    tp2 = s["c2_tp"]
    last2 = np.nanmax(np.where(np.isfinite(s["c2_days"]), s["c2_days"], -np.inf), axis=1)
    ok3 = (
        s["c2"]
        & (tp2 < s["tend"])
        & (tp2 - last2 >= rt["min_pfs_days"])
        & (rng.random(n) < rt["prrt3_prob"])
    )
    _retreatment(rng, s, p, "c3", ok3, tp2, np.full(n, int(rt["prrt3_cycles"])))


def _retreatment(
    rng: np.random.Generator,
    s: dict[str, Any],
    p: dict[str, Any],
    key: str,
    ok: np.ndarray,
    after: np.ndarray,
    cycles: np.ndarray,
) -> None:
    """One retreatment course starting after the progression at ``after`` (days)."""
    tr, rt = p["treatment"], p["retreatment"]
    n = s["n"]
    kmax = int(max(np.max(cycles), 1))
    lo, hi = rt["delay_days"]
    start = after + rng.integers(lo, hi + 1, n)
    start = np.where(np.isfinite(start), start, 0.0)
    gaps = tr["interval_days"] + rng.integers(-5, 6, (n, kmax))
    gaps[:, 0] = 0
    days = start[:, None] + np.cumsum(gaps, axis=1)
    u = rng.random(n)
    tp_next = start + weibull_time(u, s["lp_pfs"], rt["pfs_shape"], rt["pfs_scale_days"])
    detect = tr["progression_detection_days"]
    planned = np.arange(kmax)[None, :] < cycles[:, None]
    before_end = (days < s["tend"][:, None] - 1) & (
        (days <= tp_next[:, None] - detect) | (np.arange(kmax)[None, :] == 0)
    )
    given = ok[:, None] & planned & np.logical_and.accumulate(before_end, axis=1)
    given[:, 0] &= days[:, 0] < s["tend"] - 1
    given = np.logical_and.accumulate(given, axis=1)
    s[key] = given[:, 0]
    s[f"{key}_days"] = np.where(given, days, np.nan)
    act = tr["activity_gbq"] * (1 + tr["activity_sd_frac"] * rng.standard_normal((n, kmax)))
    s[f"{key}_act"] = np.where(given, np.round(act, 2), np.nan)
    s[f"{key}_planned"] = cycles
    done = given.sum(axis=1) >= cycles
    s[f"{key}_stop"] = np.where(
        done,
        "completed",
        np.where(s["dead"] & (s["td"] < tp_next), "death", "progression"),
    ).astype(object)
    s[f"{key}_tp"] = np.where(s[key], tp_next, np.inf)
