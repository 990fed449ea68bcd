"""Issue 10 benchmark: the RECIST response step of ``prrt derive`` on a synthetic cohort.

Times :func:`prrt.clinical.datasets._response` (measurement-derived timepoints, recorded
timepoints, best overall response with and without confirmation, response outcomes and the
MDA best response) in process CPU seconds (best of ``--repeat`` runs), with patient ids coded
as integers as ``derive`` does. Run it once with the current sources and once with an older
checkout on ``PYTHONPATH`` to compare.

Usage::

    PYTHONPATH=src .venv/bin/python benchmarks/bench_response.py --patients 100000
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from prrt.clinical import datasets
from prrt.clinical.courses import derive_courses
from prrt.clinical.settings import DerivationSettings
from prrt.synth import generate

_TABLES = ("lesions", "lesion_measurements", "response_assessments", "disease_events")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    frames = generate(n_patients=args.patients, seed=20261121)
    ids = pd.Index(np.sort(frames["patients"]["patient_id"].unique()))
    for k in ("cycles", "courses", *_TABLES):
        if k in frames and "patient_id" in frames[k]:
            codes = ids.get_indexer(frames[k]["patient_id"]).astype(np.int64)
            frames[k] = frames[k].assign(patient_id=codes)
    courses = derive_courses(frames["cycles"], frames.get("courses"), cumulative_cutoff_gbq=29.6)
    tables = {k: frames[k] for k in _TABLES}
    best = []
    for _ in range(args.repeat):
        t0 = time.process_time()
        timepoints, _bor, _mda = datasets._response(tables, courses, DerivationSettings())
        best.append(time.process_time() - t0)
    print(
        f"patients={args.patients} timepoints={len(timepoints)} response_step_cpu_s={min(best):.2f}"
    )


if __name__ == "__main__":
    main()
