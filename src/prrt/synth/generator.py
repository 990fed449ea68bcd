"""The synthetic PRRT cohort generator: :func:`generate`.

One call draws a complete cohort in the importer's format (contracts §1): source ids
``H0000001``…, direct identifiers ``name`` and ``mrn`` in ``patients``, laboratory units as
received. Deterministic for ``(n_patients, seed, params)``. Every parameter and true effect
is in ``parameters.toml``.

Examples
--------
>>> from prrt.synth import generate
>>> frames = generate(20, seed=1)
>>> len(frames["patients"]), sorted(frames)[:3]
(20, ['absorbed_doses', 'adverse_events', 'bone_involvement'])
>>> bool(frames["labs"]["test"].isin(["platelets", "haemoglobin"]).any())
True
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from prrt.cohort.schema import TABLES
from prrt.synth import events, latent, lesions, patients, prior, treatment
from prrt.synth._common import const, frame, to_dates
from prrt.synth._params import load_parameters
from prrt.synth.dosimetry import acquisitions_frame
from prrt.synth.labs import labs_frame

_LOG = logging.getLogger(__name__)

DEFAULT_PATIENTS = 400
"""Size of the built-in demo cohort; the calibration test checks this size with the default seed."""

DEFAULT_SEED = 20261121
"""Default seed of the built-in cohort."""

IDENTIFIER_COLUMNS = ("name", "mrn")
"""Direct-identifier columns that the import format adds to ``patients``."""


def simulate(
    n_patients: int, seed: int, params: dict[str, Any] | None = None
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Generate the cohort and also return the latent state (for calibration checks).

    Returns
    -------
    frames, state
        ``frames`` as :func:`generate`; ``state`` maps names to per-patient numpy arrays
        (``omis``, ``tp``, ``td``, ``plt_d1`` …).
    """
    if n_patients < 1:
        raise ValueError("n_patients must be at least 1")
    p = load_parameters(params)
    root = np.random.SeedSequence([int(seed), int(n_patients)])
    return simulate_from(root, int(n_patients), p)


def simulate_from(
    root: np.random.SeedSequence,
    n: int,
    p: dict[str, Any],
    *,
    first_id: int = 1,
    mrn_shift: int | None = None,
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Draw ``n`` patients from the random streams spawned by ``root`` (see :func:`simulate`).

    Parameters
    ----------
    root
        Seed sequence of this cohort (or chunk); 16 child streams are spawned from it.
    n
        Number of patients.
    p
        Full parameter dictionary (:func:`prrt.synth.load_parameters`).
    first_id
        Number of the first patient (``H{first_id:07d}``).
    mrn_shift
        Cohort-wide shift of the MRN bijection (chunks of one cohort share it so MRNs stay
        unique); ``None`` draws it from this cohort's name stream.
    """
    streams = iter(np.random.default_rng(c) for c in root.spawn(16))
    s = patients.make_patients(next(streams), n, p, first_id=first_id)
    s["name_seed"] = int(root.generate_state(1)[0])
    if mrn_shift is not None:
        s["mrn_shift"] = int(mrn_shift)
    out: dict[str, pd.DataFrame] = {}
    out["patients"] = patients.patients_frame(s)
    out["prior_treatments"] = prior.prior_frame(next(streams), s, p)
    out["bone_involvement"] = patients.bone_frame(s)
    out["imaging_measurements"] = patients.imaging_frame(next(streams), s)
    rng = next(streams)
    latent.baseline_labs(rng, s, p)
    latent.measured_baseline(rng, s, p)
    latent.organ_doses(rng, s, p)
    lesions.make_lesions(next(streams), s, p)
    rng = next(streams)
    latent.survival_times(rng, s, p)
    s["radiological"] = (rng.random(n) >= p["survival"]["clinical_progression_fraction"]) & ~s[
        "doc_before_death"
    ]
    treatment.run_course1(next(streams), s, p)
    treatment.run_course2(next(streams), s, p)
    out["courses"], out["cycles"] = _courses_cycles(s)
    out["labs"] = labs_frame(next(streams), s, p)
    lesions.lesion_response(next(streams), s, p)
    out.update(lesions.assessments(next(streams), s, p))
    out["dosimetry_acquisitions"] = acquisitions_frame(next(streams), s, p)
    out["absorbed_doses"] = pd.DataFrame(
        {c.name: pd.Series(dtype=_dtype(c.type)) for c in TABLES["absorbed_doses"].columns}
    )
    out["adverse_events"] = events.adverse_events(next(streams), s, p)
    out["disease_events"] = events.disease_events(next(streams), s, p)
    out["symptom_responses"] = events.symptom_responses(next(streams), s, p)
    frames = {name: _conform(name, out[name]) for name in TABLES}
    _LOG.info("synthetic cohort: %d patients, %d lab rows", n, len(frames["labs"]))
    return frames, s


def generate(
    n_patients: int = DEFAULT_PATIENTS,
    seed: int = DEFAULT_SEED,
    *,
    with_errors: bool = False,
    params: dict[str, Any] | None = None,
) -> dict[str, pd.DataFrame]:
    """Generate a synthetic PRRT cohort in the import format.

    Parameters
    ----------
    n_patients
        Number of patients. Everything is built in memory (about 2.9 GB per 100,000
        patients); for registry sizes up to 1,000,000 use :func:`prrt.synth.generate_chunks`
        with :func:`prrt.synth.write_chunked` (bounded memory).
    seed
        Random seed; the same ``(n_patients, seed, params)`` gives identical frames.
    with_errors
        Add a handful of deliberately broken rows (see :func:`prrt.synth.errors.inject_errors`);
        the list of what was broken is in ``frames["_errors"]``.
    params
        Overrides of ``parameters.toml`` (nested dict).

    Returns
    -------
    dict of str to DataFrame
        One frame per table of :data:`prrt.cohort.schema.TABLES` (columns = schema names;
        ``patients`` also carries ``name`` and ``mrn``).
    """
    frames, _ = simulate(n_patients, seed, params)
    if with_errors:
        from prrt.synth.errors import inject_errors

        frames = inject_errors(frames, seed)
    return frames


def _dtype(kind: str) -> str:
    return {
        "text": "object",
        "int": "Int64",
        "float": "float64",
        "bool": "boolean",
        "date": "datetime64[s]",
    }[kind]


def _conform(name: str, df: pd.DataFrame) -> pd.DataFrame:
    cols = list(TABLES[name].column_names)
    if name == "patients":
        cols = [cols[0], *IDENTIFIER_COLUMNS, *cols[1:]]
    present = [c for c in cols if c in df.columns]
    extra = set(df.columns) - set(cols)
    if extra:
        raise RuntimeError(f"generator produced unknown columns for {name}: {sorted(extra)}")
    if list(df.columns) != present:
        df = df[present]
    if not isinstance(df.index, pd.RangeIndex) or df.index.start != 0:
        df = df.reset_index(drop=True)
    return df


def _courses_cycles(s: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    n = s["n"]
    retreat = [(no, key, np.flatnonzero(s[key])) for no, key in ((2, "c2"), (3, "c3"))]
    courses = frame(
        {
            "patient_id": np.concatenate([s["pid"], *[s["pid"][i] for _, _, i in retreat]]),
            "course_no": np.concatenate(
                [np.ones(n, np.int64), *[np.full(len(i), no, np.int64) for no, _, i in retreat]]
            ),
            "protocol": np.concatenate(
                [
                    np.where(s["protocol_dg"], "dosimetry_guided", "standard"),
                    *[np.full(len(i), "standard") for _, _, i in retreat],
                ]
            ).astype(object),
            "planned_cycles": np.concatenate(
                [s["planned"], *[s[f"{key}_planned"][i] for _, key, i in retreat]]
            ).astype(np.int64),
            "stop_reason": np.concatenate(
                [s["stop"], *[s[f"{key}_stop"][i] for _, key, i in retreat]]
            ).astype(object),
        }
    )
    courses = courses.sort_values(["patient_id", "course_no"], ignore_index=True)
    ii, kk = np.nonzero(np.isfinite(s["cd"]))
    red = s["reduced"][ii, kk]
    parts = [
        (ii, kk, 1, s["t0"][ii] + s["cd"][ii, kk], s["act"][ii, kk], red),
    ]
    for no, key, _ in retreat:
        j, k = np.nonzero(np.isfinite(s[f"{key}_days"]))
        days = s["t0"][j] + s[f"{key}_days"][j, k]
        parts.append((j, k, no, days, s[f"{key}_act"][j, k], np.zeros(len(j), bool)))
    reduced = np.concatenate([q[5] for q in parts])
    cycles = frame(
        {
            "patient_id": np.concatenate([s["pid"][q[0]] for q in parts]),
            "course_no": np.concatenate([np.full(len(q[0]), q[2], np.int64) for q in parts]),
            "cycle_no": np.concatenate([q[1] + 1 for q in parts]).astype(np.int64),
            "cycle_date": to_dates(np.concatenate([q[3] for q in parts])),
            "activity_gbq": np.concatenate([q[4] for q in parts]),
            "reduced": reduced,
            "reduction_reason": np.where(
                reduced,
                const("pre-cycle thrombocytopenia", len(reduced)),
                const(None, len(reduced)),
            ).astype(object),
        }
    )
    cycles = cycles.sort_values(["patient_id", "course_no", "cycle_no"], ignore_index=True)
    return courses, cycles
