"""Prior treatments before PRRT (parameters table ``prior``).

Each patient gets a set of candidate treatments (SSA, surgery, chemotherapy lines,
targeted therapy, EBRT, embolisation, RFA, interferon) drawn independently by modality
with site-dependent probabilities; dates lie between diagnosis and two weeks before PRRT.
``treatment_no`` follows the start dates within a patient.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from prrt.synth._common import choice_idx, const, frame, to_dates


def prior_frame(rng: np.random.Generator, s: dict[str, Any], p: dict[str, Any]) -> pd.DataFrame:
    """The ``prior_treatments`` table."""
    pr = p["prior"]
    n = s["n"]
    panc, si = s["pancreas"], s["site"] == "small_intestine"
    blocks: list[dict[str, np.ndarray]] = []
    span = np.maximum(s["t0"] - 14 - s["diag"], 30)

    def add(mask: np.ndarray, modality: str, agent: np.ndarray | str, frac: np.ndarray) -> None:
        idx = np.flatnonzero(mask)
        start = s["diag"][idx] + np.floor(frac[idx] * span[idx])
        ag = agent[idx] if isinstance(agent, np.ndarray) else const(agent, len(idx))
        blocks.append(
            {
                "i": idx,
                "modality": const(modality, len(idx)),
                "agent": ag,
                "start": start,
                "line": np.full(len(idx), np.nan),
            }
        )

    surgery = rng.random(n) < np.where(si, pr["surgery_small_intestine"], pr["surgery_other"])
    s["surgery_primary"] = surgery
    add(
        surgery,
        "surgery",
        "resection of primary",
        rng.uniform(0.0, 0.05, n),
    )
    add(
        rng.random(n) < pr["ssa"],
        "ssa",
        np.where(rng.random(n) < 0.6, "octreotide LAR", "lanreotide").astype(object),
        rng.uniform(0.02, 0.3, n),
    )
    # chemotherapy lines (geometric number, max 4), pancreatic NETs mostly
    has_chemo = rng.random(n) < np.where(panc, pr["chemo_pancreas"], pr["chemo_other"])
    lines = np.where(
        has_chemo, 1 + np.minimum(rng.geometric(1 - pr["chemo_extra_line"], n) - 1, 3), 0
    )
    pa = np.asarray(pr["pancreas_agents"], dtype=object)
    oa = np.asarray(pr["other_agents"], dtype=object)
    for line in range(1, 5):
        m = lines >= line
        ag = np.where(
            panc,
            pa[choice_idx(rng, pr["pancreas_agent_probs"], n)],
            oa[choice_idx(rng, pr["other_agent_probs"], n)],
        )
        lo = 0.3 + 0.15 * (line - 1)
        add(m, "chemotherapy", ag, rng.uniform(lo, lo + 0.12, n))
        blocks[-1]["line"] = np.full(len(blocks[-1]["i"]), float(line))
    add(
        rng.random(n) < np.where(panc, pr["targeted_pancreas"], pr["targeted_other"]),
        "targeted",
        np.where(rng.random(n) < 0.7, "everolimus", "sunitinib").astype(object),
        rng.uniform(0.8, 0.9, n),
    )
    add(
        rng.random(n) < pr["radiotherapy"],
        "radiotherapy",
        "external beam radiotherapy",
        rng.uniform(0.3, 0.95, n),
    )
    add(
        s["liver"] & (rng.random(n) < pr["embolisation_liver"]),
        "embolisation",
        "TACE",
        rng.uniform(0.3, 0.95, n),
    )
    add(
        s["liver"] & (rng.random(n) < pr["rfa_liver"]), "rfa", "liver RFA", rng.uniform(0.1, 0.9, n)
    )
    add(rng.random(n) < pr["interferon"], "interferon", "interferon alfa", rng.uniform(0.2, 0.8, n))

    cat = {k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]}
    order = np.lexsort((cat["start"], cat["i"]))
    cat = {k: v[order] for k, v in cat.items()}
    i = cat["i"]
    first = np.r_[True, i[1:] != i[:-1]]
    grp_start = np.maximum.accumulate(np.where(first, np.arange(len(i)), 0))
    tno = np.arange(len(i)) - grp_start + 1
    mod = cat["modality"]
    dur = np.select(
        [mod == "chemotherapy", mod == "ssa", mod == "targeted"],
        [
            rng.integers(90, 240, len(i)),
            s["t0"][i] - 7 - cat["start"],
            rng.integers(60, 365, len(i)),
        ],
        0,
    )
    end = np.minimum(cat["start"] + dur, s["t0"][i] - 7)
    alk = np.isin(cat["agent"], np.asarray(pr["alkylating_agents"], dtype=object)) & (
        mod == "chemotherapy"
    )
    s["alkylating"] = np.bincount(i, weights=alk, minlength=s["n"]) > 0
    s["chemo_lines"] = lines
    alkyl = pd.array(alk, dtype="boolean")
    alkyl[mod != "chemotherapy"] = pd.NA
    line_no = pd.array(np.nan_to_num(cat["line"]).astype(np.int64), dtype="Int64")
    line_no[np.isnan(cat["line"])] = pd.NA
    return frame(
        {
            "patient_id": s["pid"][i],
            "treatment_no": tno.astype(np.int64),
            "modality": mod,
            "agent": cat["agent"],
            "alkylating": alkyl,
            "line_number": line_no,
            "start_date": to_dates(cat["start"]),
            "end_date": to_dates(end),
        }
    )
