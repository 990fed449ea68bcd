"""Clinical derivations: CTCAE grades, renal function, platelet dynamics, OMIS, scores,
RECIST and other responses, treatment courses, eligibility, endpoints and the analysis
datasets written by ``prrt derive``.

Each derivation has two tiers: a pure ``compute_*`` function on scalars/arrays and a
dataset-level ``derive_*`` function that returns a new frame (``style.md`` item 1).
"""

from prrt.clinical.courses import compute_cumulative_activity, derive_courses
from prrt.clinical.ctcae import grade, grade_labs
from prrt.clinical.datasets import build_analysis_datasets, derive
from prrt.clinical.eligibility import derive_eligibility, evaluate_criteria, summarise_checks
from prrt.clinical.endpoints import compute_time_to_event, derive_endpoints
from prrt.clinical.haematology import compute_idpc, derive_lineage_nadirs, derive_platelet_dynamics
from prrt.clinical.omis import compute_omis, derive_omis, derive_splenomegaly, is_pelvic
from prrt.clinical.recist import (
    compute_lesion_size,
    compute_overall_response,
    compute_target_response,
    derive_recist_timepoints,
)
from prrt.clinical.recist_bor import (
    best_overall_response,
    derive_best_response,
    derive_response_outcomes,
)
from prrt.clinical.renal import creatinine_clearance_cockcroft_gault, derive_egfr, egfr_ckd_epi
from prrt.clinical.response import (
    compute_biochemical_response,
    compute_delta_v_pct,
    derive_biochemical_response,
    derive_bone_pain_response,
    derive_lesion_volume_change,
    derive_recorded_timepoints,
)
from prrt.clinical.scores import (
    compute_hepatic_burden_gt50,
    compute_nlr,
    compute_tumour_burden_score,
    compute_who_grade,
    derive_baseline_labs,
    derive_baseline_markers,
    derive_imaging_scores,
    derive_patient_scores,
    derive_prior_treatment_summary,
)
from prrt.clinical.settings import DerivationSettings
from prrt.clinical.toxicity import ae_summary, derive_lab_dataset, derive_toxicity_grades

__all__ = [
    "DerivationSettings",
    "ae_summary",
    "best_overall_response",
    "build_analysis_datasets",
    "compute_biochemical_response",
    "compute_cumulative_activity",
    "compute_delta_v_pct",
    "compute_hepatic_burden_gt50",
    "compute_idpc",
    "compute_lesion_size",
    "compute_nlr",
    "compute_omis",
    "compute_overall_response",
    "compute_target_response",
    "compute_time_to_event",
    "compute_tumour_burden_score",
    "compute_who_grade",
    "creatinine_clearance_cockcroft_gault",
    "derive",
    "derive_baseline_labs",
    "derive_baseline_markers",
    "derive_best_response",
    "derive_biochemical_response",
    "derive_bone_pain_response",
    "derive_courses",
    "derive_egfr",
    "derive_eligibility",
    "derive_endpoints",
    "derive_imaging_scores",
    "derive_lab_dataset",
    "derive_lesion_volume_change",
    "derive_lineage_nadirs",
    "derive_omis",
    "derive_patient_scores",
    "derive_platelet_dynamics",
    "derive_prior_treatment_summary",
    "derive_recist_timepoints",
    "derive_recorded_timepoints",
    "derive_response_outcomes",
    "derive_splenomegaly",
    "derive_toxicity_grades",
    "egfr_ckd_epi",
    "evaluate_criteria",
    "grade",
    "grade_labs",
    "is_pelvic",
    "summarise_checks",
]
