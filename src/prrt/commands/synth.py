"""``prrt synth``: write a synthetic PRRT cohort in the import format."""

from __future__ import annotations

import json
import time
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table


class _Format(StrEnum):
    xlsx = "xlsx"
    csv = "csv"


def register(app: typer.Typer) -> None:
    """Add this area's commands to ``app``."""

    @app.command("synth")
    def synth(
        patients: int = typer.Option(400, "--patients", "-n", min=1, help="Number of patients."),
        seed: int = typer.Option(20261121, "--seed", help="Random seed (deterministic output)."),
        out: Path = typer.Option(
            Path("synthetic_cohort"), "--out", help="Workbook path or CSV folder."
        ),
        fmt: _Format = typer.Option(_Format.xlsx, "--format", help="xlsx (small cohorts) or csv."),
        with_errors: bool = typer.Option(
            False, "--with-errors", help="Add deliberately broken rows."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print a JSON summary."),
        chunk_size: int | None = typer.Option(
            None,
            "--chunk-size",
            min=1,
            help="Draw and write this many patients at a time (bounded memory); default: "
            "50,000 when more than 100,000 patients are asked for, else one piece.",
        ),
        truth_report: bool = typer.Option(
            False,
            "--truth-report",
            help="Instead of writing files: re-estimate every planted effect through the "
            "import/derive pipeline and the product's Cox engine, on the cohort of --patients "
            "and on a large one (--large), and print true vs estimated.",
        ),
        large: int = typer.Option(
            4000, "--large", min=10, help="Size of the large cohort of --truth-report."
        ),
    ) -> None:
        """Generate a synthetic PRRT cohort and write it in the importer's format."""
        if truth_report:
            _truth_report(patients, large, seed, as_json)
            return
        from prrt.synth.chunked import CHUNKED_ABOVE, DEFAULT_CHUNK_SIZE
        from prrt.synth.io import ExcelLimitError

        console = Console(stderr=as_json)
        t0 = time.perf_counter()
        chunked = chunk_size is not None or patients > CHUNKED_ABOVE
        try:
            if chunked:
                size = chunk_size or DEFAULT_CHUNK_SIZE
                paths, counts, errors = _chunked(
                    patients, seed, out, fmt.value, with_errors, size, console, as_json
                )
            else:
                paths, counts, errors = _whole(
                    patients, seed, out, fmt.value, with_errors, console, as_json
                )
        except ExcelLimitError as exc:
            Console(stderr=True).print(f"[red]Error:[/red] {exc}", soft_wrap=True)
            raise typer.Exit(1) from None
        summary: dict[str, Any] = {
            "patients": patients,
            "seed": seed,
            "format": fmt.value,
            "files": [str(p) for p in paths],
            "rows": counts,
            "errors": errors,
            "seconds": round(time.perf_counter() - t0, 2),
        }
        if as_json:
            typer.echo(json.dumps(summary, default=str))
            return
        tab = Table(title=f"Synthetic cohort ({patients} patients, seed {seed})")
        tab.add_column("table")
        tab.add_column("rows", justify="right")
        for k, v in counts.items():
            tab.add_row(k, f"{v:,}")
        console.print(tab)
        if summary["errors"]:
            console.print(
                f"[yellow]{len(summary['errors'])} deliberate errors added (synth_errors.json)"
            )
        console.print(f"Written to {out} in {summary['seconds']} s")


def _whole(
    patients: int,
    seed: int,
    out: Path,
    fmt: str,
    with_errors: bool,
    console: Console,
    as_json: bool,
) -> tuple[list[Path], dict[str, int], list[dict[str, Any]]]:
    """Generate in memory (:func:`prrt.synth.generate`), then write."""
    from prrt.cohort.schema import TABLES
    from prrt.synth import generate, write
    from prrt.synth.io import ERRORS_KEY

    with Progress(console=console, transient=True, disable=as_json) as bar:
        task = bar.add_task("generating", total=1 + len(TABLES))
        frames = generate(patients, seed, with_errors=with_errors)
        bar.update(task, advance=1, description="writing")
        paths = write(
            frames,
            out,
            fmt,
            progress=lambda name: bar.update(task, advance=1, description=f"writing {name}"),
        )
    counts = {k: len(v) for k, v in frames.items() if k != ERRORS_KEY}
    errors = frames[ERRORS_KEY].to_dict(orient="records") if ERRORS_KEY in frames else []
    return paths, counts, errors


def _chunked(
    patients: int,
    seed: int,
    out: Path,
    fmt: str,
    with_errors: bool,
    chunk_size: int,
    console: Console,
    as_json: bool,
) -> tuple[list[Path], dict[str, int], list[dict[str, Any]]]:
    """Draw and write ``chunk_size`` patients at a time (:func:`prrt.synth.write_chunked`)."""
    from prrt.synth.chunked import generate_chunks, n_chunks, write_chunked

    total = n_chunks(patients, chunk_size)
    with Progress(console=console, transient=True, disable=as_json) as bar:
        task = bar.add_task(f"chunk 1/{total}", total=total)

        def step(i: int, _counts: dict[str, int]) -> None:
            bar.update(task, advance=1, description=f"chunk {min(i + 2, total)}/{total}")

        res = write_chunked(
            generate_chunks(patients, seed, chunk_size=chunk_size, with_errors=with_errors),
            out,
            fmt,
            progress=step,
        )
    return list(res.paths), dict(res.rows), list(res.errors)


def _truth_report(patients: int, large: int, seed: int, as_json: bool) -> None:
    """Print every planted effect beside its estimate (``prrt.synth.recovery``)."""
    from prrt.synth.recovery import format_effects, truth_report

    sizes = tuple(dict.fromkeys([patients, large]))
    console = Console(stderr=as_json)
    with console.status("synthesising, importing, deriving and fitting ..."):
        result = truth_report(sizes, seed)
    if as_json:

        def records(df: Any) -> list[dict[str, Any]]:
            # NaN (not estimable) as null: strict JSON
            return list(df.astype(object).where(df.notna(), None).to_dict(orient="records"))

        payload = {
            str(n): {"effects": records(r["effects"]), "story": records(r["story"])}
            for n, r in result.items()
        }
        typer.echo(json.dumps({"seed": seed, "cohorts": payload}, default=float))
        return
    for n, r in result.items():
        eff = r["effects"]
        tab = Table(
            title=f"Planted effects, true vs estimated ({n:,} patients, seed {seed})",
            show_lines=False,
        )
        shown = format_effects(eff)
        for col in shown.columns:
            tab.add_column(col)
        for row in shown.itertuples(index=False):
            tab.add_row(*[str(v) for v in row])
        console.print(tab)
        console.print(
            f"{int(eff['covered'].sum())} of {len(eff)} true hazard ratios lie inside their "
            "95 % confidence interval (Cox proportional hazards, Breslow ties, Wald interval; "
            "adjusted for the other planted effects acting in the template population)."
        )
        st = Table(title=f"Disease model against published figures ({n:,} patients)")
        for col in ("Quantity", "Value", "Target", "Source"):
            st.add_column(col)
        for q in r["story"].itertuples(index=False):
            st.add_row(q.quantity, f"{q.value:.1f}", q.target, q.source)
        console.print(st)
