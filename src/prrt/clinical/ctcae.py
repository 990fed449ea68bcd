"""CTCAE laboratory grading, versions 3.0, 4.03, 5.0 and 6.0, from versioned data files.

The criteria live in ``prrt/clinical/data/ctcae_v<version>.csv``: one row per term ×
rule set × condition × grade, with explicit bounds, the official wording (``wording``) and a
``note`` on how a rule is read from a laboratory value alone. ``term`` is a key of
:data:`TERMS` and ``test`` the laboratory test it grades (a test can have one term per
direction: ``haemoglobin`` = anaemia, ``haemoglobin_increased``). Each bound is
``factor × reference`` where the reference is ``absolute`` (the factor is the value itself),
``lln``, ``uln`` or ``baseline``, or ``reference + factor`` for ``uln_plus`` /
``baseline_plus`` (haemoglobin increased: "> 2 g/dL above ULN"); ``lower_closed`` /
``upper_closed`` say whether the end belongs to the interval; an empty bound is −∞ / +∞.
``condition`` is ``any``, ``baseline_normal`` or ``baseline_abnormal`` (the baseline above
*its own* ULN: CTCAE v5.0/v6.0 hepatic rules, v4.03 haemoglobin increased), or
``baseline_not_low`` / ``baseline_low`` (the baseline below *its own* LLN, ``baseline_lln``:
CTCAE v6.0 creatinine "x baseline if baseline is below LLN").
A term can have several *rule sets* (creatinine v4.03/v5.0: a ULN set and a baseline set);
the grade is the worst over the rule sets. The files hold data only, never code.

The files are loaded once and validated on import: each term × rule set × condition must
partition the real line (ordered by grade, each upper bound equals the next lower bound with
exactly one of the two ends closed: no gap, no overlap), with known terms, references,
directions, conditions, the test of each term and the canonical unit of that test
(``prrt.cohort.schema.LAB_CANONICAL_UNITS``).

Precision. Values and thresholds are compared at :data:`SIGNIF_DIGITS` = 15 significant
digits (both rounded with :func:`signif`, as pharmaverse admiral's ``signif(x, 15)``): a value
equal to ``factor × LLN/ULN/baseline`` at that precision lies *on* the threshold (135.9 is
exactly 3 × 45.3, although ``3 * 45.3`` is 135.89999999999998 in binary floating point).

Grading rules (``shared/spec/ctcae.md``):

- a missing value, an unsupported unit or a term without criteria → missing grade + reason;
- a missing reference (LLN, ULN, baseline) → the grade is still given when the value falls
  in a rule that does not need it (haematology grades 2–4 from absolute thresholds when LLN is
  missing), otherwise missing with reason ``missing_lln`` / ``missing_uln`` / ``missing_baseline``;
- "baseline abnormal" = baseline > the ULN of the baseline sample (``baseline_uln``), never the
  ULN of the graded sample; without that ULN the rule set is graded only where the normal- and
  abnormal-baseline rules agree (reason ``missing_baseline_uln``);
- a baseline-dependent rule without a baseline is still graded when the baseline-normal
  and baseline-abnormal rules agree (e.g. a value ≤ ULN is grade 0 under both);
- a value in a rule set whose grade is unknown is still graded when the known rule sets
  already give the highest grade that the unknown set could give.

Interpretation notes: a value exactly on a threshold is in the milder grade unless the text says
otherwise; the v5.0 baseline-abnormal grade-1 ranges "1.5 – 3.0 × baseline" (ALT, AST) and
"2.0 – 2.5 × baseline" (ALP, GGT) are read as closed at the lower end (≥, as in
``shared/spec/ctcae.md``; admiral codes ``>=`` for ALT, AST and ALP and ``>`` for GGT). Where
grades share one laboratory range and differ only by a clinical qualifier (symptoms,
physiologic consequences), the laboratory value gets the worse grade, as admiral does; each
such row says so in its ``note``. INR "× baseline if on anticoagulation" rules are not used
(the store records no anticoagulation). Creatinine v4.03 (and v5.0 grades 2–3) without a
baseline, and v5.0 hepatic values above ULN without a baseline, get a missing grade
(``missing_baseline``) unless the other criterion already gives the worst grade, as admiral
does. CTCAE v4.03 has no lactate dehydrogenase term; v5.0 grades hyperglycaemia and
hypophosphataemia clinically (no laboratory thresholds), so those terms are v4.03 only
(v6.0 grades fasting hyperglycaemia again); the new terms have no v3.0 rows (no source
for the v3.0 text was found) except serum amylase, taken from a secondary table (Trials
2006;7:14, Table 3). Cells marked *(verify)* in ``ctcae.md`` (v3.0 haemoglobin G4, v3.0
ALP/GGT/bilirubin/albumin, the eGFR/GFR rows) have not been checked against the CTEP PDFs in
this environment (``tests/reference/ctcae_verification.md``).

CTCAE v6.0 (wording from admiral's ``ncictcaev6.json``): thrombocytopenia grade 4 < 10 × 10⁹/L;
neutrophils graded without LLN (grade 1 < 1.5); ALT/AST, GGT and bilirubin with an abnormal
baseline from 1.0 × baseline (closed) with new multiples (the ALT/AST grade-3 cap "up to 5 x
ULN" is not applied, as in admiral); ALP grade 1 only (">Baseline and ULN", read as above the
ULN for a normal baseline and above the baseline for one above its own ULN); creatinine ×
baseline rules only for a baseline below its own LLN; lipase grade 2 up to 3.0 × ULN;
hyponatraemia "125 - <130". Lymphocyte count decreased, CPK increased and chronic kidney
disease have no v6.0 rows (absent from that copy). ``analysis_labs`` (``prrt derive``) carries
the v3.0, v4.03 and v5.0 grades only (``prrt.cohort.schema.LAB_GRADE_VERSIONS``); v6.0 is
graded with :func:`grade_labs` / :func:`grade_array`.

References
----------
National Cancer Institute. Common Terminology Criteria for Adverse Events v3.0 (2006),
v4.03 (2010), v5.0 (2017) and v6.0, Investigations / Blood and lymphatic system / Metabolism /
Renal and urinary disorders. Wording of the v4.03 / v5.0 / v6.0 laboratory terms as copied in
pharmaverse admiral ``data-raw/adlb_grading/ncictcaev4.json``, ``ncictcaev5.json`` and
``ncictcaev6.json`` (commit 6eb5125a29); admiral ``derive_var_atoxgr_dir`` (``signif_dig``) for the precision.

Examples
--------
>>> from prrt.clinical.ctcae import grade
>>> grade("platelets", 60.0, lln=150.0)
2
>>> grade("platelets", 75.0, lln=150.0)
1
>>> grade("platelets", 120.0) is None   # LLN missing: grade 0/1 not decidable
True
>>> grade("alt", 130.0, uln=40.0, version="4.03")
2
>>> grade("alt", 130.0, uln=40.0, version="3.0")
2
>>> grade("alt", 110.0, uln=40.0, version="3.0"), grade("alt", 110.0, uln=40.0, version="4.03")
(2, 1)
>>> grade("platelets", 20.0, lln=150.0, version="5.0"), grade("platelets", 20.0, lln=150.0, version="6.0")
(4, 3)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from prrt.clinical.ctcae_criteria import (
    GRADABLE_TERMS,
    PRIMARY_TERMS,
    TERMS,
    CtcaeDataError,
    criteria,
    load_criteria,
    validate_criteria,
)
from prrt.cohort.schema import CTCAE_VERSIONS, LAB_CANONICAL_UNITS

__all__ = [
    "CTCAE_VERSIONS",
    "GRADABLE_TERMS",
    "PRIMARY_TERMS",
    "REASONS",
    "SIGNIF_DIGITS",
    "TERMS",
    "CtcaeDataError",
    "GradeResult",
    "criteria",
    "grade",
    "grade_array",
    "grade_codes",
    "grade_codes_versions",
    "grade_labs",
    "load_criteria",
    "signif",
    "validate_criteria",
]


SIGNIF_DIGITS = 15
"""Significant digits at which values and thresholds are compared (as pharmaverse admiral's
``signif_dig`` default, ``signif(x, 15)``): a value equal to ``factor × reference`` at this
precision lies on the threshold (135.9 vs 3 × 45.3 is exactly 3 × baseline)."""

_REF_SOURCE = {"absolute": "absolute", "lln": "lln", "uln": "uln", "baseline": "baseline",
               "uln_plus": "uln", "baseline_plus": "baseline"}  # fmt: skip


@dataclass(frozen=True)
class GradeResult:
    """Grades of an array of values.

    Attributes
    ----------
    grade
        Float array, CTCAE grade 0–4 or NaN when not gradable.
    reason
        Object array: ``None`` where graded, otherwise why not (``missing_value``,
        ``unsupported_unit``, ``not_gradable_term``, ``missing_lln``, ``missing_uln``,
        ``missing_baseline``).
    """

    grade: np.ndarray
    reason: np.ndarray


# ---------------------------------------------------------------------------------------------
# Grading
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rule:
    """One validated row of a criteria file, as plain Python values."""

    grade: int
    lower: float
    lower_reference: str
    lower_closed: bool
    upper: float
    upper_reference: str
    upper_closed: bool


@dataclass(frozen=True)
class _RuleSet:
    """The rules of one term × rule set, per condition."""

    name: str
    by_condition: dict[str, tuple[_Rule, ...]]
    max_grade: int


@cache
def _compiled_version(version: str) -> dict[str, tuple[tuple[_RuleSet, ...], str]]:
    """Rule sets and canonical unit of every term of a version, as plain Python objects."""
    grouped: dict[str, dict[str, dict[str, list[_Rule]]]] = {}
    units: dict[str, str] = {}
    for r in load_criteria(version).to_dict("records"):
        rule = _Rule(
            int(r["grade"]),
            float(r["lower"]),
            str(r["lower_reference"]),
            bool(r["lower_closed"]),
            float(r["upper"]),
            str(r["upper_reference"]),
            bool(r["upper_closed"]),
        )
        by_set = grouped.setdefault(str(r["term"]), {})
        by_set.setdefault(str(r["rule_set"]), {}).setdefault(str(r["condition"]), []).append(rule)
        units[str(r["term"])] = str(r["unit"])
    out = {}
    for term, by_set in grouped.items():
        sets = tuple(
            _RuleSet(
                name,
                {cond: tuple(rules) for cond, rules in by_cond.items()},
                max(rule.grade for rules in by_cond.values() for rule in rules),
            )
            for name, by_cond in by_set.items()
        )
        out[term] = (sets, units[term])
    return out


def _compiled(version: str, term: str) -> tuple[tuple[_RuleSet, ...], str | None]:
    """Rule sets and canonical unit of a term (empty tuple for a term without criteria)."""
    return _compiled_version(version).get(term, ((), None))


@cache
def _needed_refs(term: str, versions: tuple[str, ...]) -> frozenset[str]:
    """References (``lln``, ``uln``, ``baseline``, ``baseline_uln``, ``baseline_lln``) a term's
    rules use."""
    need: set[str] = set()
    for version in versions:
        for rset in _compiled(version, term)[0]:
            for rules in rset.by_condition.values():
                for r in rules:
                    need |= {_REF_SOURCE[x] for x in (r.lower_reference, r.upper_reference) if x}
            if "baseline_abnormal" in rset.by_condition:
                need |= {"uln", "baseline", "baseline_uln"}
            if "baseline_low" in rset.by_condition:
                need |= {"baseline", "baseline_lln"}
    need.discard("absolute")
    return frozenset(need)


_P10_MAX = 308
_P10 = 10.0 ** np.arange(-_P10_MAX, _P10_MAX + 1, dtype=float)


def signif(x: object, digits: int = SIGNIF_DIGITS) -> np.ndarray:
    """Round to ``digits`` significant decimal digits (as R ``signif``), vectorised.

    Parameters
    ----------
    x
        Array or scalar; NaN, ±inf and 0 are returned unchanged.
    digits
        Significant digits (default :data:`SIGNIF_DIGITS` = 15).

    Returns
    -------
    numpy.ndarray

    Notes
    -----
    ``round(x × 10^(d − 1 − e)) / 10^(d − 1 − e)`` with ``e = floor(log10 |x|)``. Thresholds
    are compared after rounding both sides, so ``3 × 45.3`` (135.89999999999998 in binary
    floating point) and ``135.9`` are equal at 15 digits.

    Examples
    --------
    >>> 3 * 45.3 == 135.9, bool(signif(3 * 45.3) == signif(135.9))
    (False, True)
    >>> signif([0.0, 123.456], 4).tolist()
    [0.0, 123.5]
    """
    arr = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        e = np.log10(np.abs(arr))
        ok = np.isfinite(e)
        k = np.where(ok, digits - 1 - np.floor(e), 0.0)
        ok &= np.abs(k) <= _P10_MAX  # beyond: returned unchanged (no lab value is that small)
        scale = _P10[np.where(ok, k, 0.0).astype(np.int64) + _P10_MAX]  # 10**k from a table
        out = np.round(arr * scale) / scale
    return np.where(ok & np.isfinite(out), out, arr)


def _bound(
    factor: float, ref: str, refs: dict[str, np.ndarray], n: int, cache: dict
) -> tuple[np.ndarray | float, np.ndarray | bool]:
    """Return (bound values at :data:`SIGNIF_DIGITS`, evaluable mask) for one rule bound.

    ``ref`` ``lln``/``uln``/``baseline``: ``factor × reference``; ``uln_plus`` /
    ``baseline_plus``: ``reference + factor`` (an offset in the unit of the term). Bounds are
    computed once per call (``cache``) and shared by the rules and versions that use them.
    """
    if np.isnan(factor):
        return np.nan, True
    if ref == "absolute":
        return factor, True
    key = (factor, ref)
    hit = cache.get(key)
    if hit is None:
        base = refs[_REF_SOURCE[ref]]
        values = signif(base + factor if ref.endswith("_plus") else factor * base)
        hit = cache[key] = (values, ~np.isnan(values))
    return hit


def _grade_set(
    rules: tuple[_Rule, ...], v: np.ndarray, refs: dict[str, np.ndarray], cache: dict
) -> tuple[np.ndarray, np.ndarray]:
    """Grade values (already at :data:`SIGNIF_DIGITS`) against one rule set × condition.

    Returns the grade (NaN where undecidable) and, per value, a bit mask of missing references
    among the rules that could not be evaluated (1 = lln, 2 = uln, 4 = baseline).
    """
    n = v.size
    out = np.full(n, np.nan)
    missing_bits = np.zeros(n, dtype=np.int64)
    for r in rules:
        lo, lo_ok = _bound(r.lower, r.lower_reference, refs, n, cache)
        hi, hi_ok = _bound(r.upper, r.upper_reference, refs, n, cache)
        match = lo_ok & hi_ok
        with np.errstate(invalid="ignore"):
            if not (np.isscalar(lo) and np.isnan(lo)):
                match = match & ((v >= lo) if r.lower_closed else (v > lo))
            if not (np.isscalar(hi) and np.isnan(hi)):
                match = match & ((v <= hi) if r.upper_closed else (v < hi))
        out = np.where(match, r.grade, out)
        for bit, name in ((1, "lln"), (2, "uln"), (4, "baseline")):
            if name in (_REF_SOURCE.get(r.lower_reference), _REF_SOURCE.get(r.upper_reference)):
                missing_bits |= np.where(np.isnan(refs[name]), bit, 0)
    return out, missing_bits


REASONS: tuple[str | None, ...] = (
    None,
    "missing_value",
    "unsupported_unit",
    "not_gradable_term",
    "missing_lln",
    "missing_uln",
    "missing_baseline",
    "undecidable",
    "missing_baseline_uln",
    "missing_baseline_lln",
)
"""Reason codes of :class:`GradeResult` (index = code; 0 = graded)."""
(
    _R_VALUE,
    _R_UNIT,
    _R_TERM,
    _R_LLN,
    _R_ULN,
    _R_BASELINE,
    _R_UNDECIDABLE,
    _R_BASELINE_ULN,
    _R_BASELINE_LLN,
) = range(1, 10)
_REASON_OBJ = np.asarray(REASONS, dtype=object)


def _code_from_bits(bits: np.ndarray) -> np.ndarray:
    """Reason code of the missing reference (baseline, baseline ULN/LLN, ULN, then LLN)."""
    return np.select(
        [bits & 4 > 0, bits & 8 > 0, bits & 16 > 0, bits & 2 > 0, bits & 1 > 0],
        [_R_BASELINE, _R_BASELINE_ULN, _R_BASELINE_LLN, _R_ULN, _R_LLN],
        default=0,
    ).astype(np.int8)


def _to_float(x: object) -> np.ndarray:
    """1-D float array from scalars/arrays/series; None, pd.NA and non-numbers → NaN."""
    if isinstance(x, np.ndarray) and x.dtype.kind in "fiu":
        return np.ravel(x).astype(float, copy=False)
    flat = pd.Series(np.ravel(np.asarray(x, dtype=object)), dtype=object)
    return pd.to_numeric(flat, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _as_float(x: object, n: int) -> np.ndarray:
    if x is None:
        return np.full(n, np.nan)
    arr = _to_float(x)
    if arr.size == 1 and n != 1:
        return np.full(n, arr[0])
    if arr.size != n:
        raise ValueError(f"reference array has length {arr.size}, values have length {n}")
    return arr


def grade_array(
    term: str,
    value: object,
    *,
    version: str = "5.0",
    lln: object = None,
    uln: object = None,
    baseline: object = None,
    baseline_uln: object = None,
    baseline_lln: object = None,
    unit: object = None,
) -> GradeResult:
    """Grade an array of values of one term (vectorised core of :func:`grade`).

    Parameters
    ----------
    term
        One of :data:`GRADABLE_TERMS`.
    value, lln, uln, baseline, baseline_uln, baseline_lln
        Arrays (or scalars, broadcast) in the canonical unit of the term's test; NaN/None =
        missing. ``baseline_uln`` / ``baseline_lln`` are the limits of the baseline sample's
        own reference range.
    version
        CTCAE version.
    unit
        Unit(s) of the values; ``None`` means the canonical unit. Any other unit → missing
        grade with reason ``unsupported_unit`` (convert on import, ``conventions.md``).

    Returns
    -------
    GradeResult

    Notes
    -----
    Values and thresholds are compared at :data:`SIGNIF_DIGITS` significant digits.
    """
    v = _to_float(value)
    bad_unit = None
    if unit is not None:
        _, canonical = _compiled(version, term) if version in CTCAE_VERSIONS else ((), None)
        units = pd.Series(np.broadcast_to(np.asarray(unit, dtype=object), (v.size,)), dtype=object)
        bad_unit = units.notna().to_numpy() & (units.astype(str).to_numpy() != canonical)
    n = v.size
    refs = {
        "lln": _as_float(lln, n),
        "uln": _as_float(uln, n),
        "baseline": _as_float(baseline, n),
        "baseline_uln": _as_float(baseline_uln, n),
        "baseline_lln": _as_float(baseline_lln, n),
    }
    g, code = _grade_codes(term, v, version, refs, bad_unit, {})
    return GradeResult(g, _REASON_OBJ[code])


def _baseline_abnormal(refs: dict[str, np.ndarray], cache: dict) -> tuple[np.ndarray, np.ndarray]:
    """(baseline above its own ULN, both known) at :data:`SIGNIF_DIGITS` (CTCAE v5.0 "if
    baseline was abnormal"; the baseline sample's reference range, never the follow-up's)."""
    hit = cache.get("baseline_abnormal")
    if hit is None:
        bl, bul = refs["baseline"], refs["baseline_uln"]
        known = ~np.isnan(bl) & ~np.isnan(bul)
        with np.errstate(invalid="ignore"):
            hit = cache["baseline_abnormal"] = (known & (signif(bl) > signif(bul)), known)
    return hit


def _baseline_low(refs: dict[str, np.ndarray], cache: dict) -> tuple[np.ndarray, np.ndarray]:
    """(baseline below its own LLN, both known) at :data:`SIGNIF_DIGITS` (CTCAE v6.0
    creatinine "if baseline is below LLN"; the baseline sample's reference range)."""
    hit = cache.get("baseline_low")
    if hit is None:
        bl, bll = refs["baseline"], refs["baseline_lln"]
        known = ~np.isnan(bl) & ~np.isnan(bll)
        with np.errstate(invalid="ignore"):
            hit = cache["baseline_low"] = (known & (signif(bl) < signif(bll)), known)
    return hit


def _grade_low_conditioned(
    rset: _RuleSet, v: np.ndarray, refs: dict[str, np.ndarray], cache: dict
) -> tuple[np.ndarray, np.ndarray]:
    """Grade one baseline-not-low / baseline-low rule set (CTCAE v6.0 creatinine).

    Where it is unknown whether the baseline is below its LLN, the grade is given only where
    both rule lists agree (missing baseline: reason ``missing_baseline``; missing baseline
    LLN: ``missing_baseline_lln``).
    """
    gn, bn = _grade_set(rset.by_condition["baseline_not_low"], v, refs, cache)
    gl, bl_bits = _grade_set(rset.by_condition["baseline_low"], v, refs, cache)
    low, known = _baseline_low(refs, cache)
    agree = ~np.isnan(gn) & (gn == gl)
    g = np.where(known, np.where(low, gl, gn), np.where(agree, gn, np.nan))
    bits = np.where(known, np.where(low, bl_bits, bn), bn | bl_bits)
    missing = np.where(np.isnan(refs["baseline"]), 4, 16)
    bits = np.where(~known & ~agree, bits | missing, bits)
    return g, bits


def _grade_conditioned(
    rset: _RuleSet, v: np.ndarray, refs: dict[str, np.ndarray], cache: dict
) -> tuple[np.ndarray, np.ndarray]:
    """Grade one baseline-normal / baseline-abnormal rule set (see :func:`_grade_codes`)."""
    if "baseline_low" in rset.by_condition:
        return _grade_low_conditioned(rset, v, refs, cache)
    normal_rules = rset.by_condition["baseline_normal"]
    abnormal_rules = rset.by_condition["baseline_abnormal"]
    gn, bn = _grade_set(normal_rules, v, refs, cache)
    ga, ba = _grade_set(abnormal_rules, v, refs, cache)
    bl = refs["baseline"]
    miss = np.flatnonzero(np.isnan(bl))
    if miss.size:
        # Baseline unknown: an abnormal baseline lies above a ULN and every x-baseline bound
        # grows with it, so the grade with baseline = ULN (the baseline's own ULN where known,
        # else the sample's) bounds the abnormal-baseline grade; when that bound is grade 0 the
        # abnormal-baseline grade is 0 whatever the baseline.
        sub = {k: x[miss] for k, x in refs.items()}
        bul = sub["baseline_uln"]
        sub["baseline"] = np.where(np.isnan(bul), sub["uln"], bul)
        g_sup, _ = _grade_set(abnormal_rules, v[miss], sub, {})
        ga = ga.copy()
        ga[miss] = np.where(g_sup == 0, 0.0, ga[miss])
    abnormal, known = _baseline_abnormal(refs, cache)
    agree = ~np.isnan(gn) & (gn == ga)
    g = np.where(known, np.where(abnormal, ga, gn), np.where(agree, gn, np.nan))
    bits = np.where(known, np.where(abnormal, ba, bn), bn | ba)
    bits = np.where(~known & ~agree, bits | np.where(np.isnan(bl), 4, 8), bits)
    return g, bits


def _grade_codes(
    term: str,
    v: np.ndarray,
    version: str,
    refs: dict[str, np.ndarray],
    bad_unit: np.ndarray | None,
    cache: dict,
) -> tuple[np.ndarray, np.ndarray]:
    """Grades (float, NaN = missing) and reason codes (int8, see :data:`REASONS`).

    ``refs``: ``lln``, ``uln``, ``baseline``, ``baseline_uln``, ``baseline_lln`` arrays aligned
    with ``v``;
    ``cache`` holds the rounded bounds of these references across calls (same ``refs``).
    """
    n = v.size
    if version not in CTCAE_VERSIONS:
        raise ValueError(f"unknown CTCAE version {version!r}; known: {CTCAE_VERSIONS}")
    rule_sets, _ = _compiled(version, term)
    if not rule_sets:
        return np.full(n, np.nan), np.full(n, _R_TERM, dtype=np.int8)
    vr = cache.get("value")
    if vr is None:
        vr = cache["value"] = signif(v)
    grade_out = np.full(n, -np.inf)
    unknown = np.zeros(n, dtype=np.int8)
    need_max = np.full(n, -np.inf)  # highest grade an undecided rule set could still give
    for rset in rule_sets:
        if "any" in rset.by_condition:
            g, bits = _grade_set(rset.by_condition["any"], vr, refs, cache)
        else:
            g, bits = _grade_conditioned(rset, vr, refs, cache)
        undecided = np.isnan(g)
        grade_out = np.where(undecided, grade_out, np.fmax(grade_out, g))
        if undecided.any():
            need_max = np.where(undecided, np.fmax(need_max, float(rset.max_grade)), need_max)
            unknown = np.where(undecided & (unknown == 0), _code_from_bits(bits), unknown)
    decided = grade_out >= need_max
    result = np.where(decided & np.isfinite(grade_out), grade_out, np.nan)
    code = np.where(np.isnan(result), unknown, 0).astype(np.int8)
    if bad_unit is not None:
        result = np.where(bad_unit, np.nan, result)
        code = np.where(bad_unit, _R_UNIT, code)
    missing_value = ~np.isfinite(v)
    result = np.where(missing_value, np.nan, result)
    code = np.where(missing_value, _R_VALUE, code)
    code = np.where(np.isnan(result) & (code == 0), _R_UNDECIDABLE, code).astype(np.int8)
    return result.astype(float), code


def grade(
    term: str,
    value: float | None,
    *,
    version: str = "5.0",
    lln: float | None = None,
    uln: float | None = None,
    baseline: float | None = None,
    baseline_uln: float | None = None,
    baseline_lln: float | None = None,
    unit: str | None = None,
) -> int | None:
    """CTCAE grade of one laboratory value, or ``None`` when it cannot be graded.

    Parameters
    ----------
    term
        A key of :data:`TERMS`: ``platelets``, ``haemoglobin`` (anaemia),
        ``haemoglobin_increased``, ``leukocytes``, ``leukocytosis``, ``lymphocytes``,
        ``lymphocytes_increased``, ``neutrophils``, ``alt``, ``ast``, ``alp``, ``ggt``,
        ``bilirubin``, ``creatinine``, ``albumin``, ``egfr``, ``hyponatraemia`` …
        ``aptt`` (each version's file holds a subset).
    value
        Value in the canonical unit of the term's test (``LAB_CANONICAL_UNITS``: counts
        10⁹/L, haemoglobin and albumin g/L, enzymes U/L, bilirubin, creatinine and urate
        µmol/L, electrolytes and glucose mmol/L, eGFR mL/min/1.73 m², aPTT s, INR ratio).
    version
        ``"3.0"``, ``"4.03"``, ``"5.0"`` or ``"6.0"``.
    lln, uln
        Lower / upper limit of normal of the sample, same unit.
    baseline
        Baseline value (creatinine v4.03/v5.0 × baseline rules, v5.0 hepatic rules, v4.03
        haemoglobin increased).
    baseline_uln
        ULN of the baseline sample's own reference range: decides "if baseline was abnormal"
        (baseline > its ULN). Without it a baseline-dependent rule is graded only where the
        normal- and abnormal-baseline rules agree (reason ``missing_baseline_uln``).
    baseline_lln
        LLN of the baseline sample's own reference range: decides "if baseline is below LLN"
        (CTCAE v6.0 creatinine). Without it that rule is graded only where both readings
        agree (reason ``missing_baseline_lln``).
    unit
        Unit of ``value``; ``None`` = canonical. Another unit gives ``None``.

    Returns
    -------
    int or None
        Grade 0–4; ``None`` when the value, a needed limit or the baseline is missing, or
        the unit or term is unsupported (:func:`grade_array` gives the reason).

    Notes
    -----
    A value exactly on a threshold falls into the milder grade unless the official wording
    says otherwise (``ctcae.md``); the data files record open/closed bounds. Value and
    threshold (``factor × LLN/ULN/baseline``) are compared at :data:`SIGNIF_DIGITS` = 15
    significant digits, as pharmaverse admiral does (``signif(x, 15)``).

    Examples
    --------
    >>> grade("creatinine", 130.0, uln=100.0, baseline=60.0, version="4.03")  # 2.17 x BL
    2
    >>> grade("creatinine", 130.0, uln=100.0, baseline=60.0, version="5.0")
    2
    >>> grade("creatinine", 80.0, uln=100.0, baseline=60.0, version="4.03")  # 1.33 x BL
    1
    >>> grade("creatinine", 80.0, uln=100.0, baseline=60.0, version="5.0")
    0
    >>> grade("haemoglobin", 60.0, lln=120.0, version="3.0"), grade("haemoglobin", 60.0, lln=120.0)
    (4, 3)
    >>> grade("creatinine", 135.9, uln=200.0, baseline=45.3, version="4.03")  # = 3 x BL: G2
    2
    >>> grade("alt", 90.0, uln=40.0, baseline=50.0, baseline_uln=45.0)  # 1.8 x abnormal BL
    1
    """
    res = grade_array(
        term,
        value,
        version=version,
        lln=lln,
        uln=uln,
        baseline=baseline,
        baseline_uln=baseline_uln,
        baseline_lln=baseline_lln,
        unit=unit,
    )
    g = res.grade[0]
    return None if np.isnan(g) else int(g)


def grade_labs(
    frame: pd.DataFrame,
    version: str = "5.0",
    *,
    baseline_col: str | None = None,
    baseline_uln_col: str | None = None,
    terms: Mapping[str, str] | None = None,
    baseline_lln_col: str | None = None,
    grade_col: str = "grade",
    reason_col: str = "grade_reason",
) -> pd.DataFrame:
    """Grade a long laboratory frame (one row per value), vectorised per test.

    Parameters
    ----------
    frame
        Columns ``test`` and ``value`` (required); ``unit``, ``lln``, ``uln`` (optional; a
        missing column counts as missing values) and ``baseline_col`` /
        ``baseline_uln_col`` if given.
    version
        CTCAE version.
    baseline_col
        Column with each row's baseline value of the same test (needed by the creatinine
        v4.03/v5.0 and v5.0 hepatic baseline rules).
    baseline_uln_col
        Column with the ULN of each row's baseline sample (its own reference range), which
        decides whether the baseline was abnormal (v5.0 hepatic, v4.03 haemoglobin
        increased).
    terms
        Test → term overrides of :data:`PRIMARY_TERMS` (``{"sodium": "hypernatraemia"}``
        grades the other direction).
    baseline_lln_col
        Column with the LLN of each row's baseline sample, which decides whether the
        baseline was below LLN (v6.0 creatinine).
    grade_col, reason_col
        Names of the added columns.

    Returns
    -------
    pandas.DataFrame
        A copy of ``frame`` with ``grade_col`` (nullable ``Int64``) and ``reason_col``
        (``None`` where graded). Tests without criteria (CRP ...) get reason
        ``not_gradable_term``.

    Examples
    --------
    >>> import pandas as pd
    >>> from prrt.clinical.ctcae import grade_labs
    >>> labs = pd.DataFrame({"test": ["platelets", "platelets", "crp"],
    ...                      "value": [40.0, 200.0, 140.0], "lln": [150.0, None, None]})
    >>> out = grade_labs(labs)
    >>> out["grade"].tolist(), out["grade_reason"].tolist()
    ([3, <NA>, <NA>], [None, 'missing_lln', 'not_gradable_term'])
    """
    grades, codes = grade_codes(
        frame,
        version,
        baseline_col=baseline_col,
        baseline_uln_col=baseline_uln_col,
        baseline_lln_col=baseline_lln_col,
        terms=terms,
    )
    out = frame.copy()
    missing = np.isnan(grades)
    out[grade_col] = pd.arrays.IntegerArray(np.where(missing, 0, grades).astype(np.int64), missing)
    out[reason_col] = _REASON_OBJ[codes]
    return out


def grade_codes(
    frame: pd.DataFrame,
    version: str = "5.0",
    *,
    baseline_col: str | None = None,
    baseline_uln_col: str | None = None,
    terms: Mapping[str, str] | None = None,
    baseline_lln_col: str | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised core of :func:`grade_labs`: grades and reason codes, no frame copy.

    Returns
    -------
    grades, codes
        Float array of grades (NaN = missing) and ``int8`` codes indexing :data:`REASONS`.
    """
    return grade_codes_versions(
        frame,
        (version,),
        baseline_col=baseline_col,
        baseline_uln_col=baseline_uln_col,
        baseline_lln_col=baseline_lln_col,
        terms=terms,
    )[version]


def grade_codes_versions(
    frame: pd.DataFrame | Mapping[str, np.ndarray],
    versions: tuple[str, ...] = CTCAE_VERSIONS,
    *,
    baseline_col: str | None = None,
    baseline_uln_col: str | None = None,
    terms: Mapping[str, str] | None = None,
    baseline_lln_col: str | None = None,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """:func:`grade_codes` for several versions at once (columns are read and split once).

    ``frame`` may also be a mapping of column name → 1-D array (no DataFrame copy needed).
    Each test is graded by its term in :data:`PRIMARY_TERMS` (or ``terms``).

    Returns
    -------
    dict
        Version → (grades, codes).
    """
    names = set(frame.columns if isinstance(frame, pd.DataFrame) else frame.keys())
    optional = (baseline_col, baseline_uln_col, baseline_lln_col)
    required = ["test", "value"] + [c for c in optional if c]
    absent = [c for c in required if c not in names]
    if absent:
        raise KeyError(f"grade_labs: missing required column(s) {absent}")
    for version in versions:
        if version not in CTCAE_VERSIONS:
            raise ValueError(f"unknown CTCAE version {version!r}; known: {CTCAE_VERSIONS}")
    term_of = {**PRIMARY_TERMS, **(terms or {})}
    for test, term in term_of.items():
        if TERMS.get(term) != test:
            raise ValueError(f"term {term!r} does not grade test {test!r}")
    n = len(frame["test"])
    test_codes, test_names = pd.factorize(frame["test"])

    def col(name: str | None) -> np.ndarray | None:
        if name is None or name not in names:
            return None
        x = frame[name]
        if isinstance(x, np.ndarray) and x.dtype.kind == "f":
            return x
        return pd.to_numeric(pd.Series(x), errors="coerce").to_numpy(dtype=float, na_value=np.nan)

    value, lln, uln = col("value"), col("lln"), col("uln")
    base, base_uln, base_lln = col(baseline_col), col(baseline_uln_col), col(baseline_lln_col)
    has_unit = "unit" in names
    if has_unit:
        unit_codes, unit_names = pd.factorize(frame["unit"])
        unit_names_obj = np.asarray(unit_names, dtype=object)
    out = {v: (np.full(n, np.nan), np.full(n, _R_TERM, dtype=np.int8)) for v in versions}
    for k, test in enumerate(test_names):
        term_key = term_of.get(str(test))
        if term_key is None:
            continue
        idx = np.flatnonzero(test_codes == k)
        bad_unit = None
        if has_unit:
            canonical = LAB_CANONICAL_UNITS[str(test)]
            ok_codes = [-1, *np.flatnonzero(unit_names_obj == canonical)]
            bad_unit = ~np.isin(unit_codes[idx], ok_codes)
        v_idx = value[idx] if value is not None else np.full(idx.size, np.nan)
        # gather only the references the term's rules use (the others stay missing)
        need = _needed_refs(term_key, tuple(versions))
        nan = np.full(idx.size, np.nan)
        refs = {
            name: a[idx] if (a is not None and name in need) else nan
            for name, a in (
                ("lln", lln),
                ("uln", uln),
                ("baseline", base),
                ("baseline_uln", base_uln),
                ("baseline_lln", base_lln),
            )
        }
        cache: dict = {}
        for version in versions:
            g, c = _grade_codes(term_key, v_idx, version, refs, bad_unit, cache)
            out[version][0][idx] = g
            out[version][1][idx] = c
    return out


# Validate every packaged version on import (a malformed file fails loudly here).
for _v in CTCAE_VERSIONS:
    _compiled_version(_v)
