"""Figure steps shared by the study templates: waterfall and swimmer plots.

They prepare the data from the analysis tables (vectorised, no loop over patients) and call the
figure functions of :mod:`prrt.report.figures`.
"""

from __future__ import annotations

import pandas as pd

from prrt.report import figures
from prrt.studies._base import NotComputable, StudyRun
from prrt.studies._steps import DAYS_PER_MONTH, RESPONSES

PROGRESSION_EVENTS = ("radiological_progression", "clinical_progression")
"""``disease_events`` types drawn as progression in the swimmer plot."""


def waterfall(run: StudyRun, data: pd.DataFrame, course_no: int = 1) -> None:
    """Waterfall of the best (most negative) % change of the target-lesion sum per patient.

    RECIST 1.1 §4.3.1: percentage change of the sum of diameters from baseline; bars coloured by
    the patient's best overall response (``bor`` of ``analysis_patient_course``).
    """
    resp = run.read("analysis_response")
    resp = resp.loc[
        (resp["course_no"] == course_no)
        & resp["patient_id"].isin(data["patient_id"])
        & resp["pct_change_baseline"].notna()
    ]
    if resp.empty:
        raise NotComputable("no target-lesion measurements after baseline")
    best = resp.groupby("patient_id", sort=False)["pct_change_baseline"].min()
    bor = data.set_index("patient_id")["bor"].reindex(best.index).fillna("NE")
    run.figure(
        figures.waterfall_figure(best.to_numpy(dtype=float), bor.to_numpy()),
        "waterfall",
        f"Best percentage change of the sum of target-lesion diameters from baseline "
        f"({len(best)} patients with measurable disease; dashed lines at +20 % and −30 %, "
        "RECIST 1.1).",
    )
    run.number("waterfall_n", len(best))


def swimmer(run: StudyRun, data: pd.DataFrame, title: str, *, max_patients: int = 40) -> None:
    """Swimmer plot of ``data``'s patients from the first cycle of course 1.

    Bars end at the last follow-up (``os_days``); markers: every PRRT cycle (all courses),
    best response of course 1 (at ``time_to_bor_days``), first progression and death.
    At most ``max_patients`` (the longest follow-up first) are drawn.
    """
    courses = run.read("analysis_patient_course")
    first = courses.loc[courses["course_no"] == 1, ["patient_id", "course_start"]]
    d = data.dropna(subset=["os_days"]).nlargest(max_patients, "os_days")
    if d.empty:
        raise NotComputable("no patient has follow-up recorded")
    start = first.set_index("patient_id")["course_start"].reindex(d["patient_id"])
    label = pd.Series([f"#{k}" for k in range(1, len(d) + 1)], index=d["patient_id"].to_numpy())
    timelines = pd.DataFrame(
        {
            "patient_id": label.to_numpy(),
            "end": d["os_days"].astype(float).to_numpy() / DAYS_PER_MONTH,
            "alive": ~d["os_event"].astype("boolean").fillna(False).to_numpy(dtype=bool),
        }
    )
    cycles = run.read("cycles")
    cycles = cycles.loc[cycles["patient_id"].isin(d["patient_id"])]
    cyc = pd.DataFrame(
        {
            "patient_id": label.reindex(cycles["patient_id"]).to_numpy(),
            "time": (
                pd.to_datetime(cycles["cycle_date"]).to_numpy()
                - pd.to_datetime(start.reindex(cycles["patient_id"])).to_numpy()
            )
            / pd.Timedelta(days=1)
            / DAYS_PER_MONTH,
            "event": "cycle",
        }
    )
    bor = d.loc[d["bor"].isin(RESPONSES[:3]) & d["time_to_bor_days"].notna()]
    best = pd.DataFrame(
        {
            "patient_id": label.reindex(bor["patient_id"]).to_numpy(),
            "time": bor["time_to_bor_days"].astype(float).to_numpy() / DAYS_PER_MONTH,
            "event": bor["bor"].to_numpy(),
        }
    )
    ev = run.read("disease_events")
    prog = ev.loc[
        ev["patient_id"].isin(d["patient_id"]) & ev["event_type"].isin(PROGRESSION_EVENTS)
    ]
    # progression documented before the course (disease status at baseline) is not an outcome
    on_course = (
        pd.to_datetime(prog["event_date"]).to_numpy()
        >= pd.to_datetime(start.reindex(prog["patient_id"])).to_numpy()
    )
    prog = prog.loc[on_course].sort_values("event_date").drop_duplicates("patient_id")
    progression = pd.DataFrame(
        {
            "patient_id": label.reindex(prog["patient_id"]).to_numpy(),
            "time": (
                pd.to_datetime(prog["event_date"]).to_numpy()
                - pd.to_datetime(start.reindex(prog["patient_id"])).to_numpy()
            )
            / pd.Timedelta(days=1)
            / DAYS_PER_MONTH,
            "event": "progression",
        }
    )
    dead = d.loc[d["os_event"].astype("boolean").fillna(False)]
    death = pd.DataFrame(
        {
            "patient_id": label.reindex(dead["patient_id"]).to_numpy(),
            "time": dead["os_days"].astype(float).to_numpy() / DAYS_PER_MONTH,
            "event": "death",
        }
    )
    events = pd.concat([cyc, best, progression, death], ignore_index=True)
    events = events.loc[events["time"] >= 0]
    run.figure(
        figures.swimmer_figure(timelines, events, time_unit="months"),
        "swimmer",
        f"{title}: follow-up from the first PRRT cycle with cycles, best response, first "
        "progression and death (an arrow marks patients alive at last contact).",
    )


def population_flow(run: StudyRun, n_all: int, n_in: int, included: str, excluded: str) -> None:
    """Two-stage patient-flow (CONSORT-like) diagram: treated → analysed, with the exclusions."""
    run.figure(
        figures.flow_diagram(
            [("Treated with PRRT-1", n_all), (included, n_in)],
            [(excluded, n_all - n_in)],
        ),
        "patient_flow",
        "Patient flow.",
    )
