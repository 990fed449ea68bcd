"""Methods text generated from the settings and conventions, and the provenance block.

Both take plain dicts so that any study (or a user script) can describe its run without this
module knowing the study. The wording of the conventions follows
``/work/shared/spec/conventions.md``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
import platform
import subprocess
from collections import Counter
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from prrt.report.prose import methods_paragraphs

logger = logging.getLogger(__name__)

SOFTWARE = ("prrt", "numpy", "scipy", "statsmodels", "pandas", "duckdb", "matplotlib")


def software_versions() -> dict[str, str]:
    """Installed versions of Python and the packages the analysis depends on.

    Examples
    --------
    >>> v = software_versions()
    >>> sorted(v)[:3]
    ['duckdb', 'matplotlib', 'numpy']
    """
    out: dict[str, str] = {}
    for name in SOFTWARE:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    out["python"] = platform.python_version()
    return out


def _value_text(v: Any) -> str:
    if isinstance(v, Mapping):
        return "; ".join(f"{k} {_value_text(x)}" for k, x in v.items())
    if isinstance(v, list | tuple):
        return ", ".join(_value_text(x) for x in v)
    if isinstance(v, bool):
        return "yes" if v else "no"
    return str(v)


def _readable(key: str) -> str:
    return key.replace("_", " ")


def methods_text(
    settings: Mapping[str, Any],
    conventions: Mapping[str, Any] | None = None,
    *,
    tests: Sequence[str] = (),
    derivation: Mapping[str, Any] | None = None,
) -> list[str]:
    """Paragraphs of the methods section, in prose (:func:`prrt.report.prose.methods_paragraphs`).

    Parameters
    ----------
    settings : mapping
        The study's analysis settings (population, CTCAE version, windows, cut-offs, ...).
    conventions : mapping, optional
        Statistical conventions used (the ``conventions`` dicts of the result objects, merged).
    tests : sequence of str
        Names of the statistical tests and models used.
    derivation : mapping, optional
        The derivation settings in force (``prrt derive``: windows, cut-offs, PFS rule).

    Returns
    -------
    list of str
        Population, definitions, endpoints, statistical analysis and software paragraphs.

    Examples
    --------
    >>> paras = methods_text({"ctcae_version": "5.0"}, {"ties": "Breslow"},
    ...                      tests=["Fisher's exact test"])
    >>> "CTCAE) version 5.0" in paras[1], paras[-1].startswith("Software.")
    (True, True)
    """
    return methods_paragraphs(
        settings, conventions, tests=tests, derivation=derivation, software=software_versions()
    )


def settings_hash(settings: Mapping[str, Any]) -> str:
    """SHA-256 (first 16 hex digits) of the settings as canonical JSON (sorted keys).

    Examples
    --------
    >>> settings_hash({"b": 1, "a": 2}) == settings_hash({"a": 2, "b": 1})
    True
    """
    text = json.dumps(settings, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def code_version() -> str:
    """``git describe --always --dirty`` of the prrt source tree if this module runs from one,
    else the package version.

    The git answer is used only when the repository's top level holds ``src/prrt`` and this
    module lies inside it (an installed copy inside some other repository is not described).
    """
    from prrt import __version__

    here = Path(__file__).resolve().parent

    def _git(*args: str) -> str | None:
        try:
            res = subprocess.run(
                ["git", *args], cwd=here, capture_output=True, text=True, timeout=5, check=False
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return res.stdout.strip() if res.returncode == 0 and res.stdout.strip() else None

    top = _git("rev-parse", "--show-toplevel")
    if top is None or not here.is_relative_to(Path(top).resolve() / "src" / "prrt"):
        return __version__
    desc = _git("describe", "--always", "--dirty", "--tags")
    return f"{__version__} (git {desc})" if desc else __version__


def _import_log_summary(log: Sequence[Mapping[str, Any]] | Mapping[str, Any] | str | None) -> str:
    if log is None:
        return "not recorded"
    if isinstance(log, str):
        return log
    if isinstance(log, Mapping):
        return "; ".join(f"{_readable(str(k))}: {_value_text(v)}" for k, v in log.items())
    levels = Counter(str(e.get("level", e.get("status", "info"))).lower() for e in log)
    parts = ", ".join(f"{n} {lvl}" for lvl, n in sorted(levels.items()))
    return f"{len(log)} entries ({parts})" if log else "0 entries"


def provenance(
    store_info: Mapping[str, Any] | None = None,
    settings: Mapping[str, Any] | None = None,
    *,
    import_log: Sequence[Mapping[str, Any]] | Mapping[str, Any] | str | None = None,
    run_time: _dt.datetime | None = None,
    code: str | None = None,
) -> dict[str, str]:
    """The provenance block: cohort, import log, code version, settings hash and run time.

    Parameters
    ----------
    store_info : mapping, optional
        What the store says about the cohort, e.g. ``{"cohort_hash": ..., "database": ...,
        "schema_version": ..., "n_patients": ...}``; every entry is shown.
    settings : mapping, optional
        Analysis settings (hashed).
    import_log : list of dict, mapping or str, optional
        Import log entries (counted by ``level``/``status``) or a ready summary.
    run_time : datetime, optional
        Defaults to now (UTC).
    code : str, optional
        Code version; defaults to :func:`code_version`.

    Examples
    --------
    >>> p = provenance({"cohort_hash": "abc"}, {"ctcae_version": "5.0"},
    ...                import_log=[{"level": "warning"}, {"level": "info"}],
    ...                run_time=_dt.datetime(2026, 1, 2, tzinfo=_dt.UTC), code="0.1.0")
    >>> p["cohort_hash"], p["import_log"], p["run_time"]
    ('abc', '2 entries (1 info, 1 warning)', '2026-01-02T00:00:00+00:00')
    """
    out: dict[str, str] = {"cohort_hash": "not recorded"}
    for key, value in (store_info or {}).items():
        out[str(key)] = _value_text(value)
    out["import_log"] = _import_log_summary(import_log)
    out["code_version"] = code or code_version()
    out["settings_hash"] = settings_hash(settings or {})
    out["run_time"] = (run_time or _dt.datetime.now(_dt.UTC)).isoformat(timespec="seconds")
    return out
