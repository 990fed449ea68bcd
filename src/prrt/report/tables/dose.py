"""Absorbed dose per structure per cycle and in total (Hebert et al. 2024, Table 5).

Input is long: one row per patient × structure × cycle with the absorbed dose in Gy. The total is
the per-patient sum over cycles (patients lacking a cycle's dose contribute the cycles they have),
summarised the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from prrt.report import vocabulary
from prrt.report.tables.base import ReportTable
from prrt.report.tables.table_one import Stat, summarise_continuous


def _cycle_label(c: object) -> str:
    if isinstance(c, float) and c.is_integer():
        return str(int(c))
    return str(c)


def dose_table(
    doses: pd.DataFrame,
    *,
    value: str = "dose_gy",
    structure: str = "structure",
    cycle: str = "cycle",
    patient: str | None = "patient_id",
    stats: Stat = "median_range",
    digits: int = 1,
    structures: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    title: str = "Absorbed dose (Gy) per structure and cycle",
    name: str = "absorbed_doses",
    footnote: str | None = None,
) -> ReportTable:
    """Rows are structures, columns cycles (and "Total" when ``patient`` is given).

    Examples
    --------
    >>> d = pd.DataFrame({"patient_id": [1, 1, 2, 2], "structure": ["kidneys"] * 4,
    ...                   "cycle": [1, 2, 1, 2], "dose_gy": [3.0, 2.0, 5.0, 4.0]})
    >>> dose_table(d).rows()
    [['Kidneys', '4.0 (3.0–5.0)', '3.0 (2.0–4.0)', '7.0 (5.0–9.0)']]
    """
    labels = dict(labels or {})
    need = [c for c in (value, structure, cycle, *([patient] if patient else [])) if c not in doses]
    if need:
        raise KeyError(f"dose_table: columns not in data: {need}")
    d = doses.dropna(subset=[value])
    cycles = sorted(d[cycle].dropna().unique().tolist())
    order = list(structures) if structures is not None else list(dict.fromkeys(d[structure]))
    totals = d.groupby([structure, patient], observed=True)[value].sum() if patient else None
    rows = []
    for s in order:
        ds = d[d[structure] == s]
        by_cycle = ds.groupby(cycle)[value]
        cells = [
            summarise_continuous(by_cycle.get_group(c), stats, digits)
            if c in by_cycle.groups
            else "NE"
            for c in cycles
        ]
        if totals is not None:
            tot = totals.loc[s] if s in totals.index.get_level_values(0) else []
            cells.append(summarise_continuous(tot, stats, digits))
        rows.append([labels[s] if s in labels else vocabulary.level_label("structure", s), *cells])
    columns = [
        "Structure",
        *[f"Cycle {_cycle_label(c)}" for c in cycles],
        *(["Total"] if patient else []),
    ]
    stat_text = {
        "median_range": "median (range)",
        "median_iqr": "median (IQR)",
        "mean_sd": "mean (SD)",
    }[stats]
    note = f"Values are {stat_text} in Gy."
    return ReportTable(
        title,
        pd.DataFrame(rows, columns=columns),
        name,
        footnote=f"{footnote} {note}" if footnote else note,
    )
