"""The one vocabulary of display labels: variable → label with its unit, code → words.

Every label a reader sees in a table, caption, axis or footnote comes from here, never from a
column name (``who_grade`` is shown as "WHO grade", never "Who grade"). A key without a label is a
programming error and raises :class:`UnknownLabelError` (the study step then shows a visible
"not computed" notice, and the report tests fail) instead of printing the code.

Units follow ``/work/shared/spec/conventions.md`` (Units): counts in 10⁹/L, haemoglobin and albumin
in g/L, creatinine and bilirubin in µmol/L, enzymes in U/L, CgA in µg/L, activity in GBq, absorbed
dose in Gy, lengths in mm. Cut-offs are those of the source papers (Ferrara 2025, Hebert 2024,
Lazarenko 2026, Fröss-Baron 2023 and the skeletal-metastases study).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "LEVELS",
    "VARIABLES",
    "UnknownLabelError",
    "ae_term",
    "contrast_label",
    "in_sentence",
    "label",
    "labels",
    "level_label",
    "term_label",
]


class UnknownLabelError(KeyError):
    """A variable or code has no display label in the vocabulary (add it to this module)."""

    def __str__(self) -> str:  # KeyError quotes its message; show it plainly
        return str(self.args[0]) if self.args else "unknown display label"


VARIABLES: dict[str, str] = {
    # demographics and disease
    "age_at_start": "Age (years)",
    "age_gt65": "Age > 65 years",
    "sex": "Sex",
    "male": "Male sex",
    "primary_site": "Primary site",
    "who_grade": "WHO grade",
    "ki67_pct": "Ki-67 (%)",
    "ki67_gt10": "Ki-67 > 10 %",
    "ecog": "ECOG performance status",
    "ecog_ge1": "ECOG performance status ≥ 1",
    "functional": "Functional tumour",
    "liver_metastases": "Liver metastases",
    "lymph_node_metastases": "Lymph-node metastases",
    "bone_metastases": "Bone metastases",
    "peritoneal_metastases": "Peritoneal or pleural metastases",
    "pelvic_bone_mets": "Pelvic bone metastases",
    "hepatic_tumour_burden": "Hepatic tumour burden",
    "hepatic_burden_gt50": "Hepatic tumour burden > 50 %",
    "hepatic_burden_gt50_liver": "Hepatic tumour burden > 50 % (patients with liver metastases)",
    "pd_at_baseline": "Progressive disease at baseline",
    "months_to_prrt": "Time from diagnosis to PRRT (months)",
    "tumour_burden_score": "Tumour burden score",
    "krenning_score": "Krenning score",
    "krenning_4": "Krenning score 4",
    "fdg_positive": "FDG-PET positive",
    "fdg_status": "[18F]FDG-PET status",
    "bone_sites": "Skeletal metastatic sites, n",
    # metastatic sites (Lazarenko Table 1)
    "mets_liver": "Metastases: liver",
    "mets_lymph_node": "Metastases: lymph node",
    "mets_bone": "Metastases: bone",
    "mets_peritoneum": "Metastases: peritoneum",
    "mets_lung": "Metastases: lung or pleura",
    "mets_pancreas": "Metastases: pancreas",
    "mets_small_intestine": "Metastases: small intestine",
    "mets_other": "Metastases: other site",
    # prior treatment
    "n_prior_modalities": "Treatment modalities before PRRT",
    "prior_modalities_gt3": "> 3 treatment modalities before PRRT",
    "modalities_class": "Treatment modalities before PRRT, n",
    "prior_tx_ssa": "Prior treatment: somatostatin analogues",
    "prior_tx_surgery": "Prior treatment: surgery",
    "prior_tx_chemotherapy": "Prior treatment: chemotherapy",
    "prior_tx_radiotherapy": "Prior treatment: radiotherapy",
    "prior_tx_embolisation": "Prior treatment: embolisation",
    "prior_tx_everolimus": "Prior treatment: everolimus",
    "prior_tx_sunitinib": "Prior treatment: sunitinib",
    "prior_tx_rfa": "Prior treatment: radiofrequency ablation",
    "prior_tx_interferon": "Prior treatment: interferon alpha",
    "chemo_lines": "Lines of chemotherapy",
    "chemo_lines_gt1": "> 1 line of chemotherapy",
    "alkylating": "Prior alkylating chemotherapy",
    "prior_radiotherapy": "Previous external-beam radiotherapy",
    "splenectomy": "Splenectomy",
    "previous_cancer": "Previous cancer",
    "prior_chemotherapy": "Prior chemotherapy (any)",
    "prior_targeted": "Prior targeted therapy",
    "prior_locoregional_liver": "Prior locoregional liver therapy",
    "prior_ssa": "Prior somatostatin analogues",
    "prior_surgery": "Prior surgery",
    "prior_any": "At least one treatment before PRRT",
    "previous_therapy": "Previous therapy",
    "surgery_primary": "Resection of the primary tumour",
    "alkylating_months": "Duration of alkylating chemotherapy (months)",
    # PRRT course
    "protocol": "Protocol",
    "n_cycles": "Number of cycles",
    "cumulative_activity_gbq": "Cumulative activity (GBq)",
    "cum_activity_ge_29_6": "Cumulative activity ≥ 29.6 GBq",
    "completed_4_cycles": "Four cycles completed",
    "stop_reason": "Reason the course ended",
    # baseline laboratory values
    "platelets_bl": "Baseline platelets (10⁹/L)",
    "haemoglobin_bl": "Baseline haemoglobin (g/L)",
    "leukocytes_bl": "Baseline leukocytes (10⁹/L)",
    "lymphocytes_bl": "Baseline lymphocytes (10⁹/L)",
    "neutrophils_bl": "Baseline neutrophils (10⁹/L)",
    "albumin_bl": "Baseline albumin (g/L)",
    "alp_bl": "Baseline ALP (U/L)",
    "sodium_bl": "Baseline sodium (mmol/L)",
    "creatinine_bl": "Baseline creatinine (µmol/L)",
    "egfr_bl": "Baseline eGFR (mL/min/1.73 m²)",
    "nlr_bl": "Baseline neutrophil-to-lymphocyte ratio",
    "cga_bl": "Baseline CgA (µg/L)",
    "cga_ge_1000": "CgA ≥ 1000 µg/L",
    "cga_gt_uln": "CgA > ULN",
    "cga_gt_10uln": "CgA > 10 × ULN",
    "alp_ge_130": "ALP ≥ 130 U/L",
    "alp_gt_uln": "Baseline ALP above ULN",
    "alp_gt_2uln": "ALP > 2 × ULN",
    # imaging-derived
    "spleen_length_mm": "Spleen length (mm)",
    "splenomegaly": "Spleen length ≥ 100 mm",
    "omis_pct": "OMIS (%)",
    "omis_ge_30": "OMIS ≥ 30 %",
    "idpc_pct": "IDPC (%)",
    "idpc_ge_30": "IDPC ≥ 30 %",
    # outcomes
    "platelets_2m": "Platelets at 2 months (10⁹/L)",
    "platelets_12m": "Platelets at 12 months (10⁹/L)",
    "platelets_nadir": "Platelet nadir during PRRT (10⁹/L)",
    "death_after_end_months": "Time from the last cycle to death (months)",
    "pt": "Persistent thrombocytopenia",
    "marrow_toxicity": "Bone-marrow toxicity grade 3–4",
    "marrow_outcome": "Bone-marrow toxicity (grade 3–4 or PRRT stopped for toxicity)",
    "bor": "Best overall response",
    "orr": "Objective response",
    "dcr": "Disease control",
    "bor_confirmed": "Best overall response (confirmed)",
    "bor_unconfirmed": "Best overall response (unconfirmed)",
    "time_to_response_days": "Time to response (days)",
    "dor": "Duration of response",
    "best_pct_change_baseline": "Best change in the sum of target-lesion diameters (%)",
    "mda_bor": "Best bone response (MDA criteria)",
    "bone_pain_response": "Bone-pain response",
    "biochemical_response": "Biochemical response",
    "responder": "Best response",
    "mds_aml": "MDS or AML",
    "sre": "Skeletal-related event",
    "pfs": "Progression-free survival",
    "os": "Overall survival",
    # absorbed doses (sum over the cycles of one course, one estimate per cycle)
    "kidneys_gy": "Kidney absorbed dose (Gy)",
    "spleen_gy": "Spleen absorbed dose (Gy)",
    "liver_gy": "Liver absorbed dose (Gy)",
    "bone_marrow_gy": "Bone-marrow absorbed dose (Gy)",
    "lesion_dose_mean_gy": "Mean lesion absorbed dose (Gy)",
    "lesion_dose_min_gy": "Minimum lesion absorbed dose (Gy)",
    "lesion_dose_max_gy": "Maximum lesion absorbed dose (Gy)",
    "total_dose_gy": "Total lesion absorbed dose (Gy)",
    "delta_v_pct": "Lesion volume change ΔV (%)",
    "high_dose": "Absorbed dose above the median",
}
"""Variable (column) → display label with its unit."""

LEVELS: dict[str, dict[Any, str]] = {
    "sex": {"F": "Female", "M": "Male"},
    "primary_site": {
        "small_intestine": "Small intestine",
        "pancreas": "Pancreas",
        "colorectal": "Colorectal",
        "stomach": "Stomach",
        "lung": "Lung",
        "unknown_primary": "Unknown primary",
        "other": "Other",
    },
    "who_grade": {1: "Grade 1", 2: "Grade 2", 3: "Grade 3"},
    "stop_reason": {
        "completed": "Course completed",
        "dose_limit": "Organ dose limit reached",
        "toxicity": "Toxicity",
        "progression": "Disease progression",
        "death": "Death",
        "patient_choice": "Patient's choice",
        "clinical_deterioration": "Clinical deterioration",
        "other": "Other reason",
        "ongoing": "Course ongoing",
        "not recorded": "Not recorded",
    },
    "protocol": {
        "standard": "Standard (4 × 7.4 GBq)",
        "dosimetry_guided": "Dosimetry-guided",
        "salvage": "Salvage (retreatment)",
    },
    "hepatic_tumour_burden": {
        "none": "No liver metastases",
        "lt10": "< 10 %",
        "10_50": "10–50 %",
        "gt50": "> 50 %",
        "gt50_enlarged": "> 50 % with enlarged liver",
    },
    "structure": {
        "kidneys": "Kidneys",
        "kidney_left": "Left kidney",
        "kidney_right": "Right kidney",
        "spleen": "Spleen",
        "liver": "Liver",
        "bone_marrow": "Bone marrow",
        "lesion": "Lesions",
    },
    "test": {
        "platelets": "Platelets (10⁹/L)",
        "haemoglobin": "Haemoglobin (g/L)",
        "leukocytes": "Leukocytes (10⁹/L)",
        "lymphocytes": "Lymphocytes (10⁹/L)",
        "neutrophils": "Neutrophils (10⁹/L)",
        "alt": "ALT (U/L)",
        "ast": "AST (U/L)",
        "alp": "ALP (U/L)",
        "ggt": "GGT (U/L)",
        "bilirubin": "Bilirubin (µmol/L)",
        "creatinine": "Creatinine (µmol/L)",
        "albumin": "Albumin (g/L)",
        "egfr": "eGFR (mL/min/1.73 m²)",
        "sodium": "Sodium (mmol/L)",
        "crp": "CRP (mg/L)",
    },
    "method": {
        "led_multi_tp": "Multiple time points (imaging series)",
        "hebert_scaled": "Single time point scaled to the reference cycle (Hebert)",
        "madsen_stp": "Single time point (Madsen)",
        "hanscheid_stp": "Single time point (Hänscheid)",
        "s_value": "S-value",
        "blood_based": "Blood-based",
        "recorded": "Recorded by the centre",
    },
    "term": {
        # CTCAE v5.0 term of each graded laboratory test (Investigations / Blood and lymphatic
        # system disorders; 'Anemia' spelled as in the rest of the report)
        "platelets": "Platelet count decreased",
        "haemoglobin": "Anaemia",
        "leukocytes": "White blood cell decreased",
        "neutrophils": "Neutrophil count decreased",
        "lymphocytes": "Lymphocyte count decreased",
        "creatinine": "Creatinine increased",
        "alt": "ALT increased",
        "ast": "AST increased",
        "alp": "Alkaline phosphatase increased",
        "bilirubin": "Blood bilirubin increased",
        "albumin": "Hypoalbuminaemia",
        "egfr": "eGFR decreased (chronic kidney disease)",
        "ggt": "GGT increased",
    },
    # binary prognostic factors shown as two levels (Lazarenko Tables 4-5)
    "cga_ge_1000": {False: "< 1000 µg/L", True: "≥ 1000 µg/L"},
    "alp_ge_130": {False: "< 130 U/L", True: "≥ 130 U/L"},
    "fdg_positive": {False: "Negative", True: "Positive"},
    "prior_modalities_gt3": {False: "≤ 3", True: "> 3"},
    "ctcae_v3_term": {
        # CTCAE v3.0 adverse-event terms (Blood/Bone marrow; Metabolic/Laboratory; Renal)
        "platelets": "Platelets",
        "haemoglobin": "Haemoglobin",
        "leukocytes": "Leukocytes (total white blood cells)",
        "neutrophils": "Neutrophils/granulocytes",
        "lymphocytes": "Lymphopenia",
        "creatinine": "Creatinine",
        "alt": "ALT (SGPT)",
        "ast": "AST (SGOT)",
        "alp": "Alkaline phosphatase",
        "bilirubin": "Bilirubin",
        "albumin": "Hypoalbuminaemia",
        "egfr": "Glomerular filtration rate",
    },
    "store_table": {
        "patients": "Patients",
        "prior_treatments": "Treatments before PRRT",
        "courses": "PRRT courses",
        "cycles": "PRRT cycles (administrations)",
        "labs": "Laboratory results",
        "tumour_markers": "Tumour markers",
        "imaging_measurements": "Imaging findings",
        "bone_involvement": "Bone involvement (per bone)",
        "lesions": "Lesions",
        "lesion_measurements": "Lesion measurements",
        "response_assessments": "Response assessments",
        "dosimetry_acquisitions": "Dosimetry acquisitions",
        "absorbed_doses": "Absorbed doses (per cycle and structure)",
        "adverse_events": "Adverse events",
        "disease_events": "Disease events (progression, death, last contact)",
        "symptom_responses": "Symptom assessments",
        "analysis_patient_course": "Derived: one row per patient and course",
        "analysis_labs": "Derived: graded laboratory values",
        "analysis_response": "Derived: response time points",
        "analysis_settings": "Derived: derivation settings",
        "analysis_dose_summary": "Derived: absorbed-dose summary per course",
        "analysis_lesion_dose": "Derived: absorbed dose per lesion",
        "import_log": "Import log",
        "prrt_meta": "Store metadata",
    },
    "bor": {
        "CR": "Complete response",
        "PR": "Partial response",
        "SD": "Stable disease",
        "NON-CR/NON-PD": "Non-CR/non-PD",
        "PD": "Progressive disease",
        "NE": "Not evaluable",
    },
}
"""Variable → code → words (factor levels)."""

_CODE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*(=.*)?$")


def label(key: str) -> str:
    """Display label (with unit) of a variable.

    Raises
    ------
    UnknownLabelError
        When the vocabulary has no label for ``key``.

    Examples
    --------
    >>> label("who_grade"), label("kidneys_gy")
    ('WHO grade', 'Kidney absorbed dose (Gy)')
    >>> label("no_such_column")
    Traceback (most recent call last):
    ...
    prrt.report.vocabulary.UnknownLabelError: no display label for 'no_such_column' ...
    """
    try:
        return VARIABLES[key]
    except KeyError:
        raise UnknownLabelError(
            f"no display label for {key!r} (add it to prrt.report.vocabulary.VARIABLES)"
        ) from None


def labels(keys: Iterable[str], overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """``{key: label(key)}`` for ``keys`` (``overrides`` win; every key must have a label).

    Examples
    --------
    >>> labels(["sex", "ecog"])
    {'sex': 'Sex', 'ecog': 'ECOG performance status'}
    """
    extra = dict(overrides or {})
    return {k: extra[k] if k in extra else label(k) for k in keys}


def _plain(value: Any) -> Any:
    """Integral floats (``2.0`` from a nullable column) as ints, for level look-ups."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if hasattr(value, "item") and not isinstance(value, str):
        return _plain(value.item())
    return value


def level_label(variable: str, value: Any) -> str:
    """Words for one level of a factor.

    Numbers and booleans without a declared level are shown as they are (``3`` cycles,
    ``Yes``/``No``); a string code without a declared level raises :class:`UnknownLabelError`.

    Examples
    --------
    >>> level_label("who_grade", 2.0), level_label("stop_reason", "dose_limit")
    ('Grade 2', 'Organ dose limit reached')
    >>> level_label("n_cycles", 4), level_label("functional", True)
    ('4', 'Yes')
    """
    v = _plain(value)
    declared = LEVELS.get(variable, {})
    if v in declared:
        return declared[v]
    if isinstance(v, bool):
        return "Yes" if v else "No"
    if isinstance(v, int | float):
        return str(v)
    text = str(v)
    if _CODE.match(text) or text != text.strip():
        raise UnknownLabelError(
            f"no display label for level {text!r} of {variable!r} "
            "(add it to prrt.report.vocabulary.LEVELS)"
        )
    return text


def contrast_label(variable: str, value: Any, reference: Any) -> str:
    """Label of a dummy term of a regression: a level against the reference level.

    Examples
    --------
    >>> contrast_label("who_grade", 2, 1)
    'Grade 2 (vs grade 1)'
    >>> contrast_label("primary_site", "pancreas", "small_intestine")
    'Primary site: pancreas (vs small intestine)'
    """
    lv, ref = level_label(variable, value), level_label(variable, reference)
    if variable in LEVELS and variable != "who_grade":
        return f"{label(variable)}: {in_sentence(lv)} (vs {in_sentence(ref)})"
    return f"{lv} (vs {in_sentence(ref)})"


def term_label(term: str, reference: Mapping[str, Any] | None = None) -> str:
    """Label of a regression term: a variable, or ``variable=level`` (a dummy of a factor).

    Examples
    --------
    >>> term_label("who_grade=3", {"who_grade": 1}), term_label("sodium_bl")
    ('Grade 3 (vs grade 1)', 'Baseline sodium (mmol/L)')

    A term that is already display text (not an identifier) is returned unchanged:

    >>> term_label("CgA ≥ 1000 µg/L")
    'CgA ≥ 1000 µg/L'
    """
    if term not in VARIABLES and not _IDENTIFIER.match(term):
        return term
    if "=" not in term:
        return label(term)
    var, level = term.split("=", 1)
    ref = (reference or {}).get(var)
    parsed: Any = level
    for conv in (int, float):
        try:
            parsed = conv(level)
            break
        except ValueError:
            continue
    if ref is None:
        return f"{label(var)}: {in_sentence(level_label(var, parsed))}"
    return contrast_label(var, parsed, ref)


def ae_term(code: str) -> str:
    """CTCAE term of a graded laboratory test, or an adverse-event term code in words.

    Adverse-event terms are free text of the source (MedDRA / CTCAE wording with underscores
    for spaces); they are shown with spaces and a capital first letter.

    Examples
    --------
    >>> ae_term("platelets"), ae_term("abdominal_pain"), ae_term("anaemia")
    ('Platelet count decreased', 'Abdominal pain', 'Anaemia')
    """
    if code in LEVELS["term"]:
        return LEVELS["term"][code]
    text = str(code).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def in_sentence(text: str) -> str:
    """A label as it reads inside a sentence: first letter lower-cased unless the first word is
    an acronym or a name (``WHO grade``, ``CgA``, ``Ki-67``, ``ECOG``).

    Examples
    --------
    >>> in_sentence("Best response"), in_sentence("WHO grade"), in_sentence("CgA ≥ 1000 µg/L")
    ('best response', 'WHO grade', 'CgA ≥ 1000 µg/L')
    >>> in_sentence("Ki-67 (%)"), in_sentence("Grade 1")
    ('Ki-67 (%)', 'grade 1')
    """
    first = text.split(" ", 1)[0]
    if sum(ch.isupper() for ch in first) >= 2 or any(ch.isdigit() for ch in first):
        return text
    return text[:1].lower() + text[1:]
