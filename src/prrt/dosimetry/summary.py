"""Per-course dose summary and per-lesion dose table (contracts §4).

Columns of ``analysis_dose_summary`` (one row per patient × course): patient_id, course_no,
cumulative_activity_gbq, n_cycles, then for each organ of :data:`SUMMARY_ORGANS`
``<organ>_gy``, ``<organ>_sd_gy``, ``<organ>_gy_per_gbq``, ``<organ>_n_cycles``; then
lesion_dose_mean_gy, lesion_dose_min_gy, lesion_dose_max_gy, n_lesions_dosed.

Columns of ``analysis_lesion_dose`` (one row per patient × course × lesion): patient_id,
course_no, lesion_id, site, baseline_volume_ml, total_dose_gy, total_dose_sd_gy,
dose_cycle_1 … dose_cycle_4, n_cycles_dosed, volume_3m_ml, delta_v_pct, included,
exclusion_reason.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from prrt.dosimetry.pvc import select_lesions
from prrt.dosimetry.settings import DosimetrySettings

SUMMARY_ORGANS = ("kidneys", "spleen", "liver", "bone_marrow")
M3_TARGET_DAYS = 91
"""ΔV% at ~3 months after the last injection (Hebert et al. 2024, M3-CT)."""
M3_WINDOW_DAYS = (30, 183)
"""Accepted window (days after the last cycle) for the 3-month CT."""
_LESION_COLUMNS = [
    "patient_id",
    "course_no",
    "lesion_id",
    "site",
    "baseline_volume_ml",
    "total_dose_gy",
    "total_dose_sd_gy",
    "dose_cycle_1",
    "dose_cycle_2",
    "dose_cycle_3",
    "dose_cycle_4",
    "n_cycles_dosed",
    "volume_3m_ml",
    "delta_v_pct",
    "included",
    "exclusion_reason",
]


_TEXT = {"patient_id", "lesion_id", "site", "exclusion_reason"}


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Stable column types (also for empty frames): text, nullable ints/bools, floats."""
    out = frame.copy()
    for c in out.columns:
        if c in _TEXT:
            out[c] = out[c].astype("string")
        elif c == "course_no" or c.startswith("n_") or c.endswith("_n_cycles"):
            out[c] = pd.to_numeric(out[c]).astype("Int64")
        elif c == "included":
            out[c] = out[c].astype("boolean")
        else:
            out[c] = pd.to_numeric(out[c]).astype("float64")
    return out


DOSE_KEY = ("patient_id", "course_no", "cycle_no", "structure", "lesion_id")
"""One absorbed-dose estimate is used per patient × course × cycle × structure (× lesion)."""


def select_dose_estimates(
    doses: pd.DataFrame, preference: Sequence[str] | DosimetrySettings | None = None
) -> pd.DataFrame:
    """Exactly one absorbed-dose estimate per patient × course × cycle × structure × lesion.

    The store may hold several estimates of the same dose: from cycle 3 on, Hebert's scaled
    single-time-point dose (``hebert_scaled``) and Madsen's (``madsen_stp``) are both written,
    and a centre's ``recorded`` dose may sit beside a computed one. Summing them double-counts
    (issue 9, defect 1). Every aggregation of doses (totals per course, tables per cycle, box
    plots, planning) goes through this one function, which keeps the estimate whose method
    comes first in ``preference``; methods not in ``preference`` rank after all listed ones.

    Parameters
    ----------
    doses : pandas.DataFrame
        Rows of ``absorbed_doses``: ``patient_id``, ``course_no``, ``cycle_no``, ``structure``,
        ``lesion_id`` (null for organs), ``method``, ``dose_gy`` ... (a ``cycle`` column is
        accepted for ``cycle_no``).
    preference : sequence of str or DosimetrySettings, optional
        Method preference, most preferred first (default
        :attr:`DosimetrySettings.method_preference`: multiple time points, then Hebert's
        scaled STP, then Madsen's STP ...).

    Returns
    -------
    pandas.DataFrame
        A new frame (input not mutated), one row per key, in key order.

    References
    ----------
    Hebert et al. 2024 (EJNMMI Phys), Methods: one dose per cycle, multiple time points at the
    first cycle(s), single-time-point doses scaled to them from the third cycle.

    Examples
    --------
    >>> d = pd.DataFrame({"patient_id": ["p"] * 3, "course_no": [1] * 3, "cycle_no": [3] * 3,
    ...     "structure": ["kidneys"] * 3, "lesion_id": [None] * 3,
    ...     "method": ["madsen_stp", "hebert_scaled", "recorded"], "dose_gy": [4.1, 3.9, 4.0]})
    >>> select_dose_estimates(d)[["method", "dose_gy"]].to_numpy().tolist()
    [['hebert_scaled', 3.9]]
    >>> select_dose_estimates(d, ["recorded"])["dose_gy"].tolist()
    [4.0]
    """
    if isinstance(preference, DosimetrySettings):
        order: Sequence[str] = preference.method_preference
    elif preference is None:
        order = DosimetrySettings().method_preference
    else:
        order = preference
    cycle = "cycle_no" if "cycle_no" in doses.columns else "cycle"
    key = [c if c != "cycle_no" else cycle for c in DOSE_KEY if c != "lesion_id"]
    missing = [c for c in [*key, "method"] if c not in doses.columns]
    if missing:
        raise KeyError(f"select_dose_estimates: the dose frame lacks column(s) {missing}")
    rank = {m: i for i, m in enumerate(order)}
    lesion = (
        doses["lesion_id"].astype("string").fillna("")
        if "lesion_id" in doses.columns
        else pd.Series("", index=doses.index)
    )
    d = doses.assign(_rank=doses["method"].map(rank).fillna(len(rank)), _lesion=lesion)
    d = d.sort_values([*key, "_lesion", "_rank"], kind="stable")
    d = d.drop_duplicates([*key, "_lesion"])
    return d.drop(columns=["_rank", "_lesion"]).reset_index(drop=True)


def preferred_doses(doses: pd.DataFrame, settings: DosimetrySettings | None = None) -> pd.DataFrame:
    """:func:`select_dose_estimates` with ``settings.method_preference`` (kept for callers)."""
    return select_dose_estimates(doses, settings or DosimetrySettings())


def _delta_v(table: pd.DataFrame, measurements: pd.DataFrame, cycles: pd.DataFrame) -> pd.DataFrame:
    last = cycles.groupby(["patient_id", "course_no"], as_index=False)["cycle_date"].max()
    last = last.rename(columns={"cycle_date": "last_cycle_date"})
    base = table[["patient_id", "course_no", "lesion_id"]].merge(
        last, on=["patient_id", "course_no"], how="left"
    )
    meas = measurements.dropna(subset=["volume_ml"])
    m = base.merge(meas, on=["patient_id", "lesion_id"], how="inner")
    if m.empty:
        return table.assign(volume_3m_ml=np.nan)
    days = (pd.to_datetime(m["assessment_date"]) - pd.to_datetime(m["last_cycle_date"])).dt.days
    m = m.assign(_days=days, _d=(days - M3_TARGET_DAYS).abs())
    m = m[(m["_days"] >= M3_WINDOW_DAYS[0]) & (m["_days"] <= M3_WINDOW_DAYS[1])]
    m = m.sort_values(["patient_id", "course_no", "lesion_id", "_d"]).drop_duplicates(
        ["patient_id", "course_no", "lesion_id"]
    )
    m = m[["patient_id", "course_no", "lesion_id", "volume_ml"]].rename(
        columns={"volume_ml": "volume_3m_ml"}
    )
    return table.merge(m, on=["patient_id", "course_no", "lesion_id"], how="left")


def lesion_dose_table(
    doses: pd.DataFrame,
    lesions: pd.DataFrame,
    measurements: pd.DataFrame,
    cycles: pd.DataFrame,
    settings: DosimetrySettings | None = None,
) -> pd.DataFrame:
    """Total lesion doses with Hebert selection and ΔV% = (V_3m − V_BL)/V_BL × 100.

    Total dose = Σ cycle doses; its SD = √Σ SD² (cycles independent). ΔV% uses the lesion
    measurement nearest to 91 days after the last cycle, within 30–183 days (Hebert 2024).
    """
    d = preferred_doses(doses, settings)
    d = d[d["structure"].eq("lesion") & d["lesion_id"].notna()]
    if d.empty:
        return _typed(pd.DataFrame(columns=_LESION_COLUMNS))
    key = ["patient_id", "course_no", "lesion_id"]
    tot = d.groupby(key, as_index=False).agg(
        total_dose_gy=("dose_gy", "sum"),
        total_dose_sd_gy=("dose_sd_gy", lambda s: float(np.sqrt(np.nansum(np.square(s))))),
        n_cycles_dosed=("dose_gy", "size"),
    )
    per = d[d["cycle_no"].between(1, 4)].pivot_table(
        index=key, columns="cycle_no", values="dose_gy", aggfunc="first"
    )
    per = per.reindex(columns=[1, 2, 3, 4])
    per.columns = [f"dose_cycle_{c}" for c in per.columns]
    tab = tot.merge(per.reset_index(), on=key, how="left")
    les = lesions[["patient_id", "lesion_id", "site", "baseline_volume_ml"]]
    tab = tab.merge(les, on=["patient_id", "lesion_id"], how="left")
    tab = _delta_v(tab, measurements, cycles)
    with np.errstate(invalid="ignore", divide="ignore"):
        tab["delta_v_pct"] = (
            (tab["volume_3m_ml"] - tab["baseline_volume_ml"]) / tab["baseline_volume_ml"] * 100.0
        )
    # the selection applies per patient (one course's lesions at a time)
    sel_in = tab[["patient_id", "course_no", "lesion_id", "site", "baseline_volume_ml"]].assign(
        patient_id=tab["patient_id"].astype(str) + "\x1f" + tab["course_no"].astype(str)
    )
    sel_in["site"] = sel_in["site"].fillna("other")
    sel = select_lesions(sel_in)
    tab["included"] = sel["included"].to_numpy()
    tab["exclusion_reason"] = sel["exclusion_reason"].to_numpy()
    tab.loc[tab["site"].isna(), ["included", "exclusion_reason"]] = [False, "unknown_lesion"]
    return _typed(tab[_LESION_COLUMNS])


def dose_summary_table(
    doses: pd.DataFrame,
    cycles: pd.DataFrame,
    lesion_table: pd.DataFrame,
    settings: DosimetrySettings | None = None,
) -> pd.DataFrame:
    """Cumulative organ doses per course (with SD and per GBq) and lesion dose indices.

    Lesion indices over the *included* lesions: mean, minimum and maximum of the total
    lesion doses per patient and course (Hebert et al. 2024, Table 6 dosimetric indices).
    """
    key = ["patient_id", "course_no"]
    d = preferred_doses(doses, settings)
    act = cycles[["patient_id", "course_no", "cycle_no", "activity_gbq"]]
    courses = (
        pd.concat([d[key], cycles[key]]).drop_duplicates().sort_values(key).reset_index(drop=True)
    )
    ca = cycles.groupby(key, as_index=False).agg(
        cumulative_activity_gbq=("activity_gbq", "sum"), n_cycles=("cycle_no", "size")
    )
    out = courses.merge(ca, on=key, how="left")
    for organ in SUMMARY_ORGANS:
        o = d[d["structure"].eq(organ)].merge(act, on=[*key, "cycle_no"], how="left")
        g = o.groupby(key, as_index=False).agg(
            gy=("dose_gy", "sum"),
            sd=("dose_sd_gy", lambda s: float(np.sqrt(np.nansum(np.square(s))))),
            gbq=("activity_gbq", "sum"),
            n=("dose_gy", "size"),
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            g["per"] = np.where(g["gbq"] > 0, g["gy"] / g["gbq"], np.nan)
        g = g.rename(
            columns={
                "gy": f"{organ}_gy",
                "sd": f"{organ}_sd_gy",
                "per": f"{organ}_gy_per_gbq",
                "n": f"{organ}_n_cycles",
            }
        ).drop(columns=["gbq"])
        out = out.merge(g, on=key, how="left")
    inc = (
        lesion_table[lesion_table["included"].astype(bool)]
        if not lesion_table.empty
        else lesion_table
    )
    if inc.empty:
        li = pd.DataFrame(
            columns=[
                *key,
                "lesion_dose_mean_gy",
                "lesion_dose_min_gy",
                "lesion_dose_max_gy",
                "n_lesions_dosed",
            ]
        )
    else:
        li = inc.groupby(key, as_index=False).agg(
            lesion_dose_mean_gy=("total_dose_gy", "mean"),
            lesion_dose_min_gy=("total_dose_gy", "min"),
            lesion_dose_max_gy=("total_dose_gy", "max"),
            n_lesions_dosed=("total_dose_gy", "size"),
        )
    out = out.merge(li, on=key, how="left")
    # empty inputs give object columns; convert before filling (no silent downcasting)
    out["n_lesions_dosed"] = pd.to_numeric(out["n_lesions_dosed"]).fillna(0).astype("int64")
    for organ in SUMMARY_ORGANS:
        col = f"{organ}_n_cycles"
        out[col] = pd.to_numeric(out[col]).fillna(0).astype("int64")
    return _typed(out)
