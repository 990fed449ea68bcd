"""The PRRT Workbench data model, declared once.

Every table of the cohort store is described here: column names, logical types,
canonical units, keys, allowed values and plausibility limits. The DuckDB DDL, the
importer's validation rules and ``docs/data-model.md`` are all generated from these
declarations, so they cannot drift apart.

The entities follow ``shared/spec/domain.md`` section 2; units follow
``shared/spec/conventions.md`` (canonical units inside the store).

Examples
--------
>>> from prrt.cohort.schema import TABLES, table
>>> table("cycles").key
('patient_id', 'course_no', 'cycle_no')
>>> table("cycles").column("activity_gbq").unit
'GBq'
>>> "labs" in TABLES
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

SCHEMA_VERSION = 1
"""Version of the store schema. Bump it and add a migration step in ``migrations.py``."""

LogicalType = Literal["text", "int", "float", "bool", "date"]

_DUCKDB_TYPES: dict[str, str] = {
    "text": "VARCHAR",
    "int": "INTEGER",
    "float": "DOUBLE",
    "bool": "BOOLEAN",
    "date": "DATE",
}


@dataclass(frozen=True)
class Column:
    """One column of a store table.

    Parameters
    ----------
    name
        snake_case column name (with the unit where ambiguous, ``activity_gbq``).
    type
        Logical type: ``text``, ``int``, ``float``, ``bool`` or ``date``.
    description
        What the column holds, for the generated data-model documentation.
    required
        Whether a value must be present (``NOT NULL``).
    unit
        Canonical unit of a quantity (``None`` for non-quantities).
    allowed
        Closed vocabulary for text columns (``None`` = free text).
    minimum, maximum
        Plausibility limits (inclusive minimum, exclusive maximum when
        ``maximum_exclusive`` is true, otherwise inclusive).
    maximum_exclusive
        Whether ``maximum`` itself is impossible (e.g. platelets ≥ 5000 × 10⁹/L).
    """

    name: str
    type: LogicalType
    description: str
    required: bool = False
    unit: str | None = None
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    maximum_exclusive: bool = False

    @property
    def sql_type(self) -> str:
        """DuckDB type of the column."""
        return _DUCKDB_TYPES[self.type]


@dataclass(frozen=True)
class Table:
    """One table of the store: its columns, key and references to other tables."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    references: dict[str, str] = field(default_factory=dict)
    """Column → ``table.column`` it must match (referential integrity)."""

    @property
    def column_names(self) -> tuple[str, ...]:
        """Names of all columns, in declaration order."""
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        """Names of the columns that must be present and non-missing."""
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        """Return the column called ``name`` (``KeyError`` if unknown)."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table {self.name!r} has no column {name!r}")

    def ddl(self) -> str:
        """``CREATE TABLE`` statement for DuckDB (identifiers come from this module only)."""
        cols = ",\n  ".join(
            f"{c.name} {c.sql_type}{' NOT NULL' if c.required else ''}" for c in self.columns
        )
        return f"CREATE TABLE IF NOT EXISTS {self.name} (\n  {cols}\n)"


# ---------------------------------------------------------------------------------------------
# Vocabularies
# ---------------------------------------------------------------------------------------------

SEX = ("F", "M")
PRIMARY_SITES = (
    "small_intestine",
    "pancreas",
    "colorectal",
    "stomach",
    "lung",
    "unknown_primary",
    "other",
)
TREATMENT_MODALITIES = (
    "surgery",
    "ssa",
    "chemotherapy",
    "targeted",
    "radiotherapy",
    "embolisation",
    "rfa",
    "interferon",
    "prrt_other",
    "other",
)
COURSE_STOP_REASONS = (
    "completed",
    "dose_limit",
    "toxicity",
    "progression",
    "death",
    "patient_choice",
    "clinical_deterioration",
    "other",
    "ongoing",
)
PROTOCOLS = ("standard", "dosimetry_guided", "salvage")
LAB_TESTS = (
    "platelets",
    "haemoglobin",
    "leukocytes",
    "lymphocytes",
    "neutrophils",
    "alt",
    "ast",
    "alp",
    "ggt",
    "bilirubin",
    "creatinine",
    "albumin",
    "egfr",
    "sodium",
    "crp",
    "haematocrit",
    "prothrombin",
    "potassium",
    "calcium",
    "glucose",
    "magnesium",
    "phosphate",
    "urate",
    "lipase",
    "amylase",
    "cpk",
    "ldh",
    "inr",
    "aptt",
)
LAB_CANONICAL_UNITS: dict[str, str] = {
    "platelets": "10^9/L",
    "haemoglobin": "g/L",
    "leukocytes": "10^9/L",
    "lymphocytes": "10^9/L",
    "neutrophils": "10^9/L",
    "alt": "U/L",
    "ast": "U/L",
    "alp": "U/L",
    "ggt": "U/L",
    "bilirubin": "umol/L",
    "creatinine": "umol/L",
    "albumin": "g/L",
    "egfr": "mL/min/1.73m2",
    "sodium": "mmol/L",
    "crp": "mg/L",
    "haematocrit": "L/L",
    "prothrombin": "%",
    "potassium": "mmol/L",
    "calcium": "mmol/L",  # corrected serum calcium
    "glucose": "mmol/L",
    "magnesium": "mmol/L",
    "phosphate": "mmol/L",
    "urate": "umol/L",
    "lipase": "U/L",
    "amylase": "U/L",
    "cpk": "U/L",
    "ldh": "U/L",
    "inr": "ratio",
    "aptt": "s",
}
"""Canonical unit of each laboratory test (``conventions.md``, Units)."""

LAB_IMPOSSIBLE_AT: dict[str, float] = {
    "platelets": 5000.0,
    "leukocytes": 1000.0,
    "lymphocytes": 1000.0,
    "neutrophils": 1000.0,
    "haemoglobin": 300.0,
    "haematocrit": 1.0,
}
"""Canonical value at or above which a laboratory result is impossible (import rule).

Platelets ≥ 5000 × 10⁹/L is the example of ``conventions.md`` (Units) and issue 2; the
other limits are far above any recorded human value (a unit slip by a factor ≥ 10).
Every laboratory value must also be ≥ 0."""

TUMOUR_MARKERS = ("cga", "5hiaa", "serotonin", "gastrin", "insulin", "glucagon", "vip", "nse")
MARKER_CANONICAL_UNITS: dict[str, str] = {
    "cga": "ug/L",
    "5hiaa": "umol/24h",
    "serotonin": "nmol/L",
    "gastrin": "ng/L",
    "insulin": "pmol/L",
    "glucagon": "pmol/L",
    "vip": "pmol/L",
    "nse": "ug/L",
}
HEPATIC_BURDEN_CLASSES = ("none", "lt10", "10_50", "gt50", "gt50_enlarged")
LESION_SITES = (
    "liver",
    "lymph_node",
    "bone",
    "pancreas",
    "small_intestine",
    "peritoneum",
    "lung",
    "other",
)
NON_TARGET_STATUS = ("present", "absent", "unequivocal_progression", "not_evaluated")
STRUCTURES = ("kidneys", "kidney_left", "kidney_right", "spleen", "liver", "bone_marrow", "lesion")
DOSE_METHODS = (
    "led_multi_tp",
    "hebert_scaled",
    "hanscheid_stp",
    "madsen_stp",
    "s_value",
    "blood_based",
    "recorded",
)
DISEASE_EVENTS = (
    "radiological_progression",
    "clinical_progression",
    "pet_only_progression",
    "new_treatment",
    "death",
    "last_contact",
    "mds",
    "aml",
    "skeletal_related_event",
)
RESPONSE_CRITERIA = ("recist_1_1", "mda", "investigator")
RESPONSES = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE")
SYMPTOMS = ("bone_pain", "diarrhoea", "flushing")
SYMPTOM_RESPONSES = ("complete", "partial", "stable", "progression", "not_evaluable")
CTCAE_VERSIONS = ("3.0", "4.03", "5.0", "6.0")
LAB_GRADE_VERSIONS = ("3.0", "4.03", "5.0")
"""CTCAE versions graded into ``analysis_labs`` (one grade column each); v6.0 is graded on
request (``prrt.clinical.ctcae.grade_labs(..., version="6.0")``)."""
BONE_CODES: tuple[str, ...] = (
    "cranium",
    "mandible",
    "humerus_left",
    "humerus_right",
    "scapula_left",
    "scapula_right",
    "clavicle_left",
    "clavicle_right",
    "sternum",
    *(f"rib_{side}_{i}" for side in ("left", "right") for i in range(1, 13)),
    *(f"cervical_c{i}" for i in range(1, 8)),
    *(f"thoracic_t{i}" for i in range(1, 13)),
    *(f"lumbar_l{i}" for i in range(1, 6)),
    "sacrum",
    "os_coxae_left",
    "os_coxae_right",
    "femur_left",
    "femur_right",
    "tibia_left",
    "tibia_right",
    "forearm_left",
    "forearm_right",
    "other",
)
"""Bone codes of ``bone_involvement.bone``: each bone of the Cristy (1981) active-marrow table
(``clinical/data/cristy_weights.csv``, ``domain.md`` section 7) plus zero-weight bones."""

# ---------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------

_PID = Column("patient_id", "text", "Pseudonymised patient identifier (keyed hash).", required=True)
_COURSE = Column(
    "course_no", "int", "Treatment course: 1 = PRRT-1, 2 = PRRT-2 ...", True, minimum=1
)
_PATIENT_REF = {"patient_id": "patients.patient_id"}

PATIENTS = Table(
    "patients",
    "One row per patient: demographics and tumour characteristics at diagnosis.",
    (
        _PID,
        Column("sex", "text", "Sex: F or M.", required=True, allowed=SEX),
        Column("birth_date", "date", "Birth date (may be shifted; may be dropped on import)."),
        Column("birth_year", "int", "Year of birth.", minimum=1900, maximum=2100),
        Column("diagnosis_date", "date", "Date of NET diagnosis (histology).", required=True),
        Column("primary_site", "text", "Primary tumour site.", allowed=PRIMARY_SITES),
        Column("who_grade", "int", "WHO grade recorded by pathology (1–3).", minimum=1, maximum=3),
        Column("ki67_pct", "float", "Ki-67 labelling index.", unit="%", minimum=0, maximum=100),
        Column("functional", "bool", "Functional (hormone-secreting) tumour."),
        Column("ecog", "int", "ECOG performance status at PRRT start.", minimum=0, maximum=4),
        Column("prior_cancer", "bool", "Other cancer before the NET."),
        Column("height_cm", "float", "Body height.", unit="cm", minimum=100, maximum=230),
        Column("weight_kg", "float", "Body weight.", unit="kg", minimum=25, maximum=250),
        Column("liver_metastases", "bool", "Liver metastases at baseline."),
        Column("lymph_node_metastases", "bool", "Lymph-node metastases at baseline."),
        Column("bone_metastases", "bool", "Bone metastases at baseline."),
        Column("peritoneal_metastases", "bool", "Peritoneal or pleural metastases at baseline."),
        Column("lung_metastases", "bool", "Lung metastases at baseline."),
        Column("splenectomy", "bool", "Spleen removed before PRRT."),
    ),
    key=("patient_id",),
)

PRIOR_TREATMENTS = Table(
    "prior_treatments",
    "Treatments before PRRT, one row per treatment line or procedure.",
    (
        _PID,
        Column("treatment_no", "int", "Sequence number of the treatment.", True, minimum=1),
        Column("modality", "text", "Treatment modality.", True, allowed=TREATMENT_MODALITIES),
        Column("agent", "text", "Agent(s) or procedure, free text (e.g. streptozotocin+5-FU)."),
        Column("alkylating", "bool", "Contains an alkylating agent."),
        Column("line_number", "int", "Line of systemic therapy (chemotherapy lines).", minimum=1),
        Column("start_date", "date", "Start date."),
        Column("end_date", "date", "End date."),
    ),
    key=("patient_id", "treatment_no"),
    references=_PATIENT_REF,
)

COURSES = Table(
    "courses",
    "PRRT treatment courses (PRRT-1, retreatment PRRT-2, PRRT-3).",
    (
        _PID,
        _COURSE,
        Column("protocol", "text", "Treatment protocol.", allowed=PROTOCOLS),
        Column("planned_cycles", "int", "Number of cycles planned.", minimum=1, maximum=12),
        Column("stop_reason", "text", "Why the course ended.", allowed=COURSE_STOP_REASONS),
    ),
    key=("patient_id", "course_no"),
    references=_PATIENT_REF,
)

CYCLES = Table(
    "cycles",
    "Administrations of [177Lu]Lu-DOTATATE.",
    (
        _PID,
        _COURSE,
        Column("cycle_no", "int", "Cycle number within the course.", True, minimum=1, maximum=12),
        Column("cycle_date", "date", "Date of administration.", required=True),
        Column(
            "activity_gbq",
            "float",
            "Administered activity.",
            required=True,
            unit="GBq",
            minimum=0,
            maximum=15,
        ),
        Column("reduced", "bool", "Activity deliberately reduced (e.g. by 30 %)."),
        Column("reduction_reason", "text", "Why the activity was reduced."),
    ),
    key=("patient_id", "course_no", "cycle_no"),
    references=_PATIENT_REF,
)

LABS = Table(
    "labs",
    "Laboratory results in canonical units, with reference limits.",
    (
        _PID,
        Column("sample_date", "date", "Date of sampling.", required=True),
        Column("test", "text", "Laboratory test.", required=True, allowed=LAB_TESTS),
        Column("value", "float", "Result in the canonical unit of the test.", required=True),
        Column("unit", "text", "Canonical unit (see LAB_CANONICAL_UNITS).", required=True),
        Column("original_unit", "text", "Unit as received on import."),
        Column("lln", "float", "Lower limit of normal, canonical unit."),
        Column("uln", "float", "Upper limit of normal, canonical unit."),
    ),
    key=("patient_id", "test", "sample_date"),
    references=_PATIENT_REF,
)

TUMOUR_MARKERS_TABLE = Table(
    "tumour_markers",
    "Tumour markers (CgA, hormones) in canonical units.",
    (
        _PID,
        Column("sample_date", "date", "Date of sampling.", required=True),
        Column("marker", "text", "Marker.", required=True, allowed=TUMOUR_MARKERS),
        Column("value", "float", "Result in the canonical unit.", required=True, minimum=0),
        Column("unit", "text", "Canonical unit (see MARKER_CANONICAL_UNITS).", required=True),
        Column("original_unit", "text", "Unit as received on import."),
        Column("uln", "float", "Upper limit of normal, canonical unit."),
    ),
    key=("patient_id", "marker", "sample_date"),
    references=_PATIENT_REF,
)

IMAGING = Table(
    "imaging_measurements",
    "Per-examination imaging findings: spleen length, hepatic burden, SSTR uptake, FDG.",
    (
        _PID,
        Column("exam_date", "date", "Date of the examination.", required=True),
        Column(
            "spleen_length_mm",
            "float",
            "Greatest vertical spleen length (coronal).",
            unit="mm",
            minimum=0,
            maximum=400,
        ),
        Column(
            "hepatic_tumour_burden",
            "text",
            "Liver volume replaced by tumour (class).",
            allowed=HEPATIC_BURDEN_CLASSES,
        ),
        Column("krenning_score", "int", "SSTR uptake, Krenning score 0–4.", minimum=0, maximum=4),
        Column("sstr_uptake_gt_liver", "bool", "SSTR uptake higher than liver in all lesions."),
        Column("fdg_positive", "bool", "FDG-positive disease."),
        Column("fdg_pos_sstr_neg", "bool", "Any FDG-positive / SSTR-negative lesion."),
        Column(
            "burden_liver_points", "int", "Fröss-Baron liver points (0–4).", minimum=0, maximum=4
        ),
        Column("burden_bone_points", "int", "Fröss-Baron bone points (0–3).", minimum=0, maximum=3),
        Column("burden_node_points", "int", "Fröss-Baron node points (0–3).", minimum=0, maximum=3),
        Column(
            "burden_peritoneal_points",
            "int",
            "Fröss-Baron peritoneal/pleural points (0–2).",
            minimum=0,
            maximum=2,
        ),
    ),
    key=("patient_id", "exam_date"),
    references=_PATIENT_REF,
)

BONE_INVOLVEMENT = Table(
    "bone_involvement",
    "Bones with metastases on a scan; one row per bone (left/right distinct).",
    (
        _PID,
        Column("exam_date", "date", "Date of the scan.", required=True),
        Column(
            "bone",
            "text",
            "Bone code (left/right distinct; see BONE_CODES and the OMIS weights).",
            True,
            allowed=BONE_CODES,
        ),
        Column("lesion_count", "int", "Number of lesions in the bone.", True, minimum=0),
    ),
    key=("patient_id", "exam_date", "bone"),
    references=_PATIENT_REF,
)

LESIONS = Table(
    "lesions",
    "Tumour lesions followed for response or dosimetry.",
    (
        _PID,
        Column("lesion_id", "text", "Lesion identifier within the patient.", required=True),
        Column("site", "text", "Organ or site.", required=True, allowed=LESION_SITES),
        Column("target", "bool", "RECIST target lesion.", required=True),
        Column("nodal", "bool", "Lymph node (short axis measured).", required=True),
        Column("baseline_volume_ml", "float", "Baseline CT volume.", unit="mL", minimum=0),
    ),
    key=("patient_id", "lesion_id"),
    references=_PATIENT_REF,
)

LESION_MEASUREMENTS = Table(
    "lesion_measurements",
    "Lesion measurements per assessment (RECIST 1.1 and volumetry).",
    (
        _PID,
        Column("lesion_id", "text", "Lesion identifier.", required=True),
        Column("assessment_date", "date", "Date of the CT/MRI.", required=True),
        Column(
            "longest_diameter_mm", "float", "Longest diameter.", unit="mm", minimum=0, maximum=500
        ),
        Column("short_axis_mm", "float", "Short axis (nodes).", unit="mm", minimum=0, maximum=500),
        Column("volume_ml", "float", "Lesion volume.", unit="mL", minimum=0, maximum=10000),
        Column("non_target_status", "text", "Non-target lesion status.", allowed=NON_TARGET_STATUS),
        Column("new_lesion", "bool", "Lesion first seen at this assessment (new lesion)."),
        Column(
            "too_small_to_measure",
            "bool",
            "Lesion present but too small to measure: counts as 5 mm (RECIST 1.1 §4.3).",
        ),
    ),
    key=("patient_id", "lesion_id", "assessment_date"),
    references={"patient_id": "patients.patient_id"},
)

RESPONSE_ASSESSMENTS = Table(
    "response_assessments",
    "Investigator-recorded timepoint responses (RECIST 1.1, modified MD Anderson for bone).",
    (
        _PID,
        Column("assessment_date", "date", "Date of the assessment.", required=True),
        Column("criteria", "text", "Response criteria.", required=True, allowed=RESPONSE_CRITERIA),
        Column("response", "text", "Timepoint response.", required=True, allowed=RESPONSES),
    ),
    key=("patient_id", "criteria", "assessment_date"),
    references=_PATIENT_REF,
)

DOSIMETRY_ACQUISITIONS = Table(
    "dosimetry_acquisitions",
    "Quantitative SPECT/CT measurements per structure and time point.",
    (
        _PID,
        _COURSE,
        Column("cycle_no", "int", "Cycle number.", True, minimum=1, maximum=12),
        Column("structure", "text", "Organ or lesion.", required=True, allowed=STRUCTURES),
        Column("lesion_id", "text", "Lesion identifier when structure = lesion."),
        Column(
            "time_h", "float", "Hours after injection.", True, unit="h", minimum=0, maximum=2000
        ),
        Column("activity_mbq", "float", "Activity in the structure.", unit="MBq", minimum=0),
        Column("counts", "float", "Counts in the structure (when activity not given).", minimum=0),
        Column("calibration_cps_per_mbq", "float", "Camera calibration factor.", minimum=0),
        Column("volume_ml", "float", "Structure volume (VOI).", unit="mL", minimum=0),
        Column("density_g_ml", "float", "Mean density.", unit="g/mL", minimum=0, maximum=3),
    ),
    key=("patient_id", "course_no", "cycle_no", "structure", "lesion_id", "time_h"),
    references=_PATIENT_REF,
)

ABSORBED_DOSES = Table(
    "absorbed_doses",
    "Absorbed doses per cycle and structure, with method and uncertainty.",
    (
        _PID,
        _COURSE,
        Column("cycle_no", "int", "Cycle number.", True, minimum=1, maximum=12),
        Column("structure", "text", "Organ or lesion.", required=True, allowed=STRUCTURES),
        Column("lesion_id", "text", "Lesion identifier when structure = lesion."),
        Column(
            "dose_gy", "float", "Absorbed dose.", required=True, unit="Gy", minimum=0, maximum=2000
        ),
        Column("dose_sd_gy", "float", "Standard uncertainty of the dose.", unit="Gy", minimum=0),
        Column("method", "text", "How the dose was obtained.", required=True, allowed=DOSE_METHODS),
        Column("model", "text", "TAC model used (mono, biexp, trapezoid ...)."),
        Column("tia_mbq_h", "float", "Time-integrated activity.", unit="MBq·h", minimum=0),
        Column("effective_half_life_h", "float", "Effective half-life.", unit="h", minimum=0),
        Column("fit_status", "text", "ok or the reason a fit failed."),
    ),
    key=("patient_id", "course_no", "cycle_no", "structure", "lesion_id", "method"),
    references=_PATIENT_REF,
)

ADVERSE_EVENTS = Table(
    "adverse_events",
    "Clinical adverse events graded by CTCAE.",
    (
        _PID,
        Column("term", "text", "CTCAE term (snake_case, e.g. nausea, fatigue).", required=True),
        Column("onset_date", "date", "Onset date.", required=True),
        Column("grade", "int", "CTCAE grade 1–5.", required=True, minimum=1, maximum=5),
        Column("ctcae_version", "text", "CTCAE version.", allowed=CTCAE_VERSIONS),
        Column("serious", "bool", "Serious adverse event."),
    ),
    key=("patient_id", "term", "onset_date"),
    references=_PATIENT_REF,
)

DISEASE_EVENTS_TABLE = Table(
    "disease_events",
    "Progression, new treatments, death, last contact, MDS/AML and skeletal-related events.",
    (
        _PID,
        Column("event_date", "date", "Date of the event.", required=True),
        Column("event_type", "text", "Event type.", required=True, allowed=DISEASE_EVENTS),
        Column("detail", "text", "Cause of death, SRE type, new treatment ... (free text)."),
    ),
    key=("patient_id", "event_type", "event_date"),
    references=_PATIENT_REF,
)

SYMPTOM_RESPONSES_TABLE = Table(
    "symptom_responses",
    "Symptom assessments (bone pain) with score and response.",
    (
        _PID,
        Column("assessment_date", "date", "Date of the assessment.", required=True),
        Column("symptom", "text", "Symptom.", required=True, allowed=SYMPTOMS),
        Column("score", "float", "Numeric rating scale 0–10.", minimum=0, maximum=10),
        Column("response", "text", "Symptom response.", allowed=SYMPTOM_RESPONSES),
    ),
    key=("patient_id", "symptom", "assessment_date"),
    references=_PATIENT_REF,
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        PATIENTS,
        PRIOR_TREATMENTS,
        COURSES,
        CYCLES,
        LABS,
        TUMOUR_MARKERS_TABLE,
        IMAGING,
        BONE_INVOLVEMENT,
        LESIONS,
        LESION_MEASUREMENTS,
        RESPONSE_ASSESSMENTS,
        DOSIMETRY_ACQUISITIONS,
        ABSORBED_DOSES,
        ADVERSE_EVENTS,
        DISEASE_EVENTS_TABLE,
        SYMPTOM_RESPONSES_TABLE,
    )
}
"""All cohort tables, in dependency order (patients first)."""


def table(name: str) -> Table:
    """Return the declaration of table ``name``.

    Raises
    ------
    KeyError
        If the table is not part of the data model.
    """
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"unknown table {name!r}; known: {', '.join(TABLES)}") from None
