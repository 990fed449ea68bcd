"""Laboratory trajectories (``labs`` table, import format).

Schedule (domain.md §1 step 3, Ferrara): baseline (day −14..−1), the day before each
cycle, 2/4/6 weeks after each cycle (and 8 weeks after the last), then ~3-monthly up to
~18 months; PRRT-2: the day before and 2/4/6 weeks after each cycle. Full blood count at
every visit, chemistry at baseline, before cycles, 8 weeks after the last cycle and at
follow-up. Values come from the latent processes of :mod:`prrt.synth.treatment` with
multiplicative measurement noise. A minority of patients come from hospitals that report
other accepted units (``parameters.toml`` ``labs.alternative_unit_fraction``,
``labs.count_unit_fraction``); LLN/ULN are then in the same unit as the value.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from prrt.synth._common import frame, to_dates
from prrt.synth.treatment import level_after

FBC = ("platelets", "haemoglobin", "leukocytes", "lymphocytes", "neutrophils", "haematocrit")
CHEM = ("creatinine", "alt", "ast", "alp", "ggt", "bilirubin", "albumin", "sodium", "crp")
BASELINE_ONLY = ("prothrombin",)

# (test) -> (unit system 1 "chemistry in conventional units", system 2 "counts per uL"): (unit, divisor)
_ALT_UNITS: dict[str, tuple[tuple[str, float] | None, tuple[str, float] | None]] = {
    "haemoglobin": (("g/dL", 10.0), None),
    "albumin": (("g/dL", 10.0), None),
    "creatinine": (("mg/dL", 88.42), None),
    "bilirubin": (("mg/dL", 17.104), None),
    "crp": (("mg/dL", 10.0), None),
    "alt": (("IU/L", 1.0), None),
    "ast": (("IU/L", 1.0), None),
    "alp": (("IU/L", 1.0), None),
    "ggt": (("IU/L", 1.0), None),
    "platelets": (None, ("/uL", 0.001)),
    "leukocytes": (None, ("/uL", 0.001)),
    "lymphocytes": (None, ("/uL", 0.001)),
    "neutrophils": (None, ("/uL", 0.001)),
    "sodium": (None, ("mEq/L", 1.0)),
    "haematocrit": (None, ("%", 0.01)),
}
"""Conversion factors: conventions.md *Units* (divide the canonical value by the divisor)."""

_CANON = {
    "platelets": "10^9/L",
    "haemoglobin": "g/L",
    "leukocytes": "10^9/L",
    "lymphocytes": "10^9/L",
    "neutrophils": "10^9/L",
    "haematocrit": "L/L",
    "creatinine": "umol/L",
    "alt": "U/L",
    "ast": "U/L",
    "alp": "U/L",
    "ggt": "U/L",
    "bilirubin": "umol/L",
    "albumin": "g/L",
    "sodium": "mmol/L",
    "crp": "mg/L",
    "prothrombin": "%",
}
_DECIMALS = {
    "platelets": 0,
    "haemoglobin": 0,
    "leukocytes": 2,
    "lymphocytes": 2,
    "neutrophils": 2,
    "haematocrit": 3,
    "creatinine": 0,
    "alt": 0,
    "ast": 0,
    "alp": 0,
    "ggt": 0,
    "bilirubin": 1,
    "albumin": 1,
    "sodium": 0,
    "crp": 1,
    "prothrombin": 0,
}


def _schedule(
    rng: np.random.Generator, s: dict[str, Any], p: dict[str, Any]
) -> dict[str, np.ndarray]:
    """Sample visits: patient index, day, cycle index, days since that cycle, flags."""
    n = s["n"]
    lp = p["labs"]
    cd = s["cd"]
    kmax = cd.shape[1]
    blocks: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool, int]] = []
    idx = np.arange(n)
    # baseline: k = -1
    blocks.append(
        (idx, -rng.integers(1, 15, n).astype(float), np.full(n, -1), np.zeros(n), True, 0)
    )
    for k in range(kmax):
        has = np.isfinite(cd[:, k])
        nxt = cd[:, k + 1] if k + 1 < kmax else np.full(n, np.nan)
        last = has & ~np.isfinite(nxt)
        for tau in (14.0, 28.0, 42.0, 56.0):
            ok = has & ((np.isfinite(nxt) & (cd[:, k] + tau < nxt - 3)) | (last & True))
            if tau == 56.0:
                ok = last
            i = np.flatnonzero(ok)
            jit = rng.integers(-2, 3, len(i))
            blocks.append((i, cd[i, k] + tau + jit, np.full(len(i), k), tau + jit, tau == 56.0, 0))
        if k + 1 < kmax:
            i = np.flatnonzero(np.isfinite(nxt))
            blocks.append((i, nxt[i] - 1, np.full(len(i), k), nxt[i] - 1 - cd[i, k], True, 0))
    # follow-up every ~3 months after the last cycle (3, 6, 9, 12 ... months: Hebert's labs
    # "3 and 12 months after PRRT")
    step, until = lp["followup_every_days"], lp["followup_until_days"]
    j = 1
    while True:
        day = s["last_day"] + step * j
        i = np.flatnonzero(day <= np.maximum(until, s["last_day"] + 2 * step))
        if len(i) == 0:
            break
        jit = rng.integers(-7, 8, len(i))
        blocks.append((i, day[i] + jit, s["ncyc"][i] - 1, day[i] + jit - s["last_day"][i], True, 0))
        j += 1
    # PRRT-2 visits (full blood count)
    c2 = s["c2_days"]
    for k in range(c2.shape[1]):
        i = np.flatnonzero(np.isfinite(c2[:, k]))
        blocks.append((i, c2[i, k] - 1, np.full(len(i), k), np.full(len(i), -1.0), False, 2))
        for tau in (14.0, 28.0, 42.0):
            blocks.append((i, c2[i, k] + tau, np.full(len(i), k), np.full(len(i), tau), False, 2))
    out = {
        "i": np.concatenate([b[0] for b in blocks]),
        "day": np.concatenate([b[1] for b in blocks]),
        "k": np.concatenate([b[2] for b in blocks]),
        "tau": np.concatenate([b[3] for b in blocks]),
        "chem": np.concatenate([np.full(len(b[0]), b[4]) for b in blocks]),
        "course": np.concatenate([np.full(len(b[0]), 2 if b[5] == 2 else 1) for b in blocks]),
    }
    keep = out["day"] < s["tend"][out["i"]]
    out = {k: v[keep] for k, v in out.items()}
    # one visit per patient and day
    key = out["i"].astype(np.int64) * 100_000 + (out["day"] + 50_000).astype(np.int64)
    _, first = np.unique(key, return_index=True)
    return {k: v[first] for k, v in out.items()}


def _latent(
    s: dict[str, Any], p: dict[str, Any], v: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """True (noise-free) values of every test at every visit."""
    lp = p["labs"]
    i, k, tau = v["i"], v["k"], v["tau"]
    kk = np.maximum(k, 0)
    c1 = (v["course"] == 1) & (k >= 0)
    last = c1 & (k == s["ncyc"][i] - 1)
    rho, lrho = s["plt_rho"][i], lp["lymph_residual"]
    bl = s["bl_platelets"][i]
    plt = np.where(c1, level_after(s["plt_lvl"][i, kk], s["plt_dep"][i, kk], tau, rho), bl)
    q = s["plt_lvl"][i, kk] * (1 - s["plt_dep"][i, kk] * rho)
    late = (bl - q) * lp["plt_late_recovery"] * (1 - np.exp(-np.maximum(tau - 28, 0) / 150))
    plt = np.where(last, plt + late, plt)
    lbl = s["bl_lymphocytes"][i]
    lym = np.where(c1, level_after(s["lym_lvl"][i, kk], s["lym_dep"][i, kk], tau, lrho), lbl)
    lq = s["lym_lvl"][i, kk] * (1 - s["lym_dep"][i, kk] * lrho)
    lym = np.where(last, lym + (lbl - lq) * 0.5 * (1 - np.exp(-np.maximum(tau - 28, 0) / 200)), lym)
    # PRRT-2: one more nadir from the long-term level
    c2 = v["course"] == 2
    kl = s["ncyc"][i] - 1  # last cycle of PRRT-1
    q1 = s["plt_lvl"][i, kl] * (1 - s["plt_dep"][i, kl] * rho)
    lq1 = s["lym_lvl"][i, kl] * (1 - s["lym_dep"][i, kl] * lrho)
    lt_plt = q1 + (bl - q1) * lp["plt_late_recovery"]
    lt_lym = lq1 + (lbl - lq1) * 0.5
    d1 = s["plt_d1"][i]
    lev2 = lt_plt * (1 - d1 * rho) ** kk
    plt = np.where(c2, level_after(lev2, d1, np.maximum(tau, 0), rho), plt)
    lym = np.where(c2, level_after(lt_lym, s["lym_dep"][i, 0], np.maximum(tau, 0), lrho), lym)
    ratio = np.clip(plt / bl, 0.05, 3)
    neut = s["bl_neutrophils"][i] * ratio ** lp["leuk_depth_factor"]
    leuk = neut + lym + s["bl_other_wbc"][i]
    ncyc_done = np.where(k >= 0, k + 1, 0) + (v["course"] == 2) * 0
    hb = s["bl_haemoglobin"][i] - s["hb_drop"][i] * ncyc_done * np.where(
        last, np.exp(-np.maximum(tau - 56, 0) / 365), 1
    )
    cum_kid = s["gy_kidneys"][i] * np.where(k >= 0, s["cum_act_by_cycle"][i, kk], 0)
    after_prog = v["day"] > s["tp"][i]
    val = {
        "platelets": np.maximum(plt, 3),
        "lymphocytes": np.maximum(lym, 0.05),
        "neutrophils": np.maximum(neut, 0.1),
        "leukocytes": np.maximum(leuk, 0.3),
        "haemoglobin": np.maximum(hb, 55),
        "creatinine": s["bl_creatinine"][i] * (1 + lp["creatinine_rise_per_gy"] * cum_kid),
        "alt": s["bl_alt"][i],
        "ast": s["bl_ast"][i],
        "alp": s["bl_alp"][i] * np.where(after_prog, 1.3, 1.0),
        "ggt": s["bl_ggt"][i] * np.where(after_prog, 1.3, 1.0),
        "bilirubin": s["bl_bilirubin"][i],
        "albumin": s["bl_albumin"][i] - np.where(after_prog, 2.0, 0.0),
        "sodium": s["bl_sodium"][i],
        "crp": s["bl_crp"][i],
    }
    val["haematocrit"] = val["haemoglobin"] * 0.003
    val["prothrombin"] = s["bl_prothrombin"][i]
    return val


def labs_frame(rng: np.random.Generator, s: dict[str, Any], p: dict[str, Any]) -> pd.DataFrame:
    """The ``labs`` table (import format: ``unit`` as received, limits in that unit).

    Rows are laid out as a visit × test matrix (visits sorted by patient and day), so the
    output is ordered by patient, date and test without sorting millions of rows.
    """
    lp = p["labs"]
    n = s["n"]
    s["hb_drop"] = np.maximum(
        lp["hb_drop_per_cycle"][0] + lp["hb_drop_per_cycle"][1] * rng.standard_normal(n), 0
    )
    s["cum_act_by_cycle"] = np.nancumsum(s["act"], axis=1)
    v = _schedule(rng, s, p)
    order = np.lexsort((v["day"], v["i"]))
    v = {k: a[order] for k, a in v.items()}
    val = _latent(s, p, v)
    system = np.where(
        rng.random(n) < lp["alternative_unit_fraction"],
        1,
        np.where(
            rng.random(n) < lp["count_unit_fraction"] / (1 - lp["alternative_unit_fraction"]), 2, 0
        ),
    )
    lim = p["limits"]
    tests = FBC + CHEM + BASELINE_ONLY
    nv, nt = len(v["i"]), len(tests)
    i = v["i"]
    sys_v = system[i]
    fem = s["female"][i]
    x = np.empty((nv, nt))
    lo = np.empty((nv, nt))
    hi = np.empty((nv, nt))
    unit_code = np.zeros((nv, nt), dtype=np.int16)
    unit_names: list[str] = []
    present = np.ones((nv, nt), dtype=bool)
    for j, test in enumerate(tests):
        if test in CHEM:
            present[:, j] = v["chem"]
        elif test in BASELINE_ONLY:
            present[:, j] = v["k"] == -1
        z = rng.standard_normal(nv)
        if test in s["z_bl"]:
            # the baseline row carries the noise the planted effects were computed with
            base = (v["k"] == -1) & (v["course"] == 1)
            z[base] = s["z_bl"][test][i[base]]
        xj = val[test] * np.exp(lp["noise_cv"][test] * z)
        if test in ("haemoglobin", "creatinine", "haematocrit"):
            loj = np.where(fem, lim[f"{test}_female"][0], lim[f"{test}_male"][0])
            hij = np.where(fem, lim[f"{test}_female"][1], lim[f"{test}_male"][1])
        else:
            loj = np.full(nv, float(lim[test][0]))
            hij = np.full(nv, float(lim[test][1]))
        unit_names.append(_CANON[test])
        codes = np.full(nv, len(unit_names) - 1, dtype=np.int16)
        dec = np.full(nv, _DECIMALS[test])
        for sysno, spec in zip((1, 2), _ALT_UNITS.get(test, (None, None)), strict=True):
            if spec is None:
                continue
            sel = sys_v == sysno
            xj = np.where(sel, xj / spec[1], xj)
            loj = np.where(sel, loj / spec[1], loj)
            hij = np.where(sel, hij / spec[1], hij)
            unit_names.append(spec[0])
            codes[sel] = len(unit_names) - 1
            # conventional-unit chemistry needs more decimals; counts per uL are whole tens
            dec = np.where(sel, dec + 2 if spec[1] > 1 else -1, dec)
        for d in np.unique(dec):
            sel = dec == d
            xj[sel] = np.round(xj[sel], int(d))
        x[:, j], lo[:, j], hi[:, j], unit_code[:, j] = xj, loj, hij, codes
    keep = present.ravel()
    row_v = np.repeat(np.arange(nv), nt)[keep]
    test_names = np.array(tests, dtype=object)
    lln = lo.ravel()[keep]
    return frame(
        {
            "patient_id": s["pid"][i[row_v]],
            "sample_date": to_dates(v["day"][row_v] + s["t0"][i[row_v]]),
            "test": test_names[np.tile(np.arange(nt), nv)[keep]],
            "value": x.ravel()[keep],
            "unit": np.array(unit_names, dtype=object)[unit_code.ravel()[keep]],
            "lln": np.where(lln == 0, np.nan, lln),
            "uln": hi.ravel()[keep],
        }
    )
