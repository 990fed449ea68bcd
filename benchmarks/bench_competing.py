"""Competing-risks benchmarks: prrt.stats vs R cmprsk / survival, side by side in one run.

Rows: Aalen–Johansen cumulative incidence with variance and Gray's test (2 groups, 2 causes;
R ``cmprsk::cuminc``), Fine–Gray regression with 3 covariates and its sandwich variance (R
``cmprsk::crr``; also R ``survival::finegray`` + weighted ``coxph``, a different variance) at
n = 10^3 and 10^5. R is timed inside R with ``system.time`` (start-up and CSV reading
excluded), each R task under its own time limit (``--r-timeout``): ``crr`` is quadratic in n,
so at 10^5 it is reported as "> limit" rather than waited for. Times are the best of
``--repeat`` runs (one run for n >= 10^5).

Usage::

    .venv/bin/python benchmarks/bench_competing.py [--sizes 1000 100000] [--r-timeout 300]
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from prrt.stats.competing import cumulative_incidence
from prrt.stats.finegray import fine_gray

COVS = ["x1", "x2", "x3"]


def make_data(n: int, seed: int = 7) -> pd.DataFrame:
    """Synthetic cohort: cause 1 (late toxicity) and cause 2 (death), times in whole days."""
    rng = np.random.default_rng(seed)
    x = np.column_stack([rng.integers(0, 2, n), rng.normal(size=n), rng.normal(size=n)])
    t1 = rng.exponential(2000.0, n) / np.exp(x @ np.array([0.5, 0.2, 0.0]))
    t2 = rng.exponential(900.0, n) / np.exp(x @ np.array([0.0, 0.3, 0.1]))
    tc = rng.uniform(60, 2500, n)
    t = np.ceil(np.minimum(np.minimum(t1, t2), tc))
    ev = np.where(tc <= np.minimum(t1, t2), 0, np.where(t1 <= t2, 1, 2))
    frame = pd.DataFrame(x, columns=COVS)
    frame.insert(0, "event", ev)
    frame.insert(0, "time", t)
    return frame


def best_of(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


R_TASK = r"""
suppressMessages({library(survival); library(cmprsk)})
args <- commandArgs(TRUE)
d <- read.csv(args[1]); rep <- as.integer(args[2]); task <- args[3]
best <- function(expr) { e <- substitute(expr); min(replicate(rep, system.time(eval(e, parent.frame()))[["elapsed"]])) }
el <- switch(task,
  cuminc = best(with(d, cuminc(time, event, group = x1))),
  crr = best(with(d, crr(time, event, cbind(x1, x2, x3), failcode = 1, cencode = 0))),
  finegray = best({
    d$ev <- factor(d$event, 0:2, c("cens", "tox", "death"))
    fg <- finegray(Surv(time, ev) ~ ., data = d[, c("time", "ev", "x1", "x2", "x3")], etype = "tox")
    coxph(Surv(fgstart, fgstop, fgstatus) ~ x1 + x2 + x3, weights = fgwt, data = fg)
  }))
cat(el, "\n")
"""


def run_r(csv: Path, rep: int, task: str, timeout: float) -> float | str:
    with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False) as fh:
        fh.write(R_TASK)
    try:
        res = subprocess.run(
            ["Rscript", fh.name, str(csv), str(rep), task],
            capture_output=True,
            text=True,
            check=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return f"> {timeout:.0f}"
    return float(res.stdout.split()[0])


def bench_size(n: int, repeat: int, use_r: bool, r_timeout: float) -> list[dict[str, Any]]:
    d = make_data(n)
    rep = repeat if n < 100_000 else 1
    t, e, g = d["time"].to_numpy(), d["event"].to_numpy(), d["x1"].to_numpy()
    r: dict[str, float | str | None] = {"cuminc": None, "crr": None, "finegray": None}
    if use_r:
        with tempfile.TemporaryDirectory() as tmp:
            csv = Path(tmp) / "d.csv"
            d.to_csv(csv, index=False)
            for task in r:
                r[task] = run_r(csv, rep, task, r_timeout)
    aj = best_of(lambda: cumulative_incidence(t, e, g), rep)
    fg = best_of(lambda: fine_gray(d, "time", "event", COVS, cause=1), rep)
    return [
        {"task": "Aalen-Johansen CIF + variance + Gray's test (2 groups, 2 causes)", "n": n,
         "prrt_s": aj, "R_s": r["cuminc"], "R_function": "cmprsk::cuminc"},
        {"task": "Fine-Gray, 3 covariates, sandwich variance", "n": n, "prrt_s": fg,
         "R_s": r["crr"], "R_function": "cmprsk::crr"},
        {"task": "Fine-Gray, 3 covariates (R: finegray + weighted coxph)", "n": n, "prrt_s": fg,
         "R_s": r["finegray"], "R_function": "survival::finegray + coxph"},
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 100_000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--r-timeout", type=float, default=300.0)
    ap.add_argument("--no-r", action="store_true")
    ap.add_argument("--out", type=Path, default=None, help="write the table as JSON")
    args = ap.parse_args(argv)
    use_r = not args.no_r and shutil.which("Rscript") is not None
    rows: list[dict[str, Any]] = []
    for n in args.sizes:
        rows += bench_size(n, args.repeat, use_r, args.r_timeout)
        print(f"done n={n}", file=sys.stderr)
    table = pd.DataFrame(rows)
    table["vs_R"] = [
        r / p if isinstance(r, float) else None
        for r, p in zip(table["R_s"], table["prrt_s"], strict=True)
    ]
    print(
        f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.python_version()}, numpy {np.__version__}"
    )
    print(table.to_string(index=False))
    if args.out:
        args.out.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
