"""Dosimetry engine: TAC fitting, TIA, absorbed dose, STP and cycle scaling, PVC, uncertainty, planning."""

from prrt.dosimetry.cohort_run import (
    COMPUTED_METHODS,
    CohortDosimetryResult,
    compute_doses,
    run_cohort_dosimetry,
)
from prrt.dosimetry.dose import (
    bed_gy,
    led_dose_gy,
    marrow_dose_blood_gy,
    marrow_dose_image_gy,
    mass_g,
    organ_s_dose_gy,
    organ_s_value,
    red_marrow_to_blood_ratio,
    sphere_dose_gy,
    sphere_s_value,
)
from prrt.dosimetry.fitting import BatchFit, TacFit, fit_tac, fit_tac_batch
from prrt.dosimetry.models import (
    MODELS,
    BiExponentialUptake,
    BiExponentialWashout,
    MonoExponential,
    TacModel,
)
from prrt.dosimetry.nuclides import Nuclide, nuclide
from prrt.dosimetry.plan_inputs import PLAN_STRUCTURES, plan_inputs, plan_inputs_from_frames
from prrt.dosimetry.planning import (
    DEFAULT_LIMITS,
    SALVAGE_KIDNEY_LIMIT_GY,
    PlanResult,
    Schedule,
    plan_cycles,
)
from prrt.dosimetry.pvc import correct_for_recovery, recovery_coefficient, select_lesions
from prrt.dosimetry.settings import DosimetrySettings
from prrt.dosimetry.stp import hanscheid_tia, madsen_relative_sd, madsen_tia, scale_cycle_dose
from prrt.dosimetry.summary import (
    dose_summary_table,
    lesion_dose_table,
    preferred_doses,
    select_dose_estimates,
)
from prrt.dosimetry.trapezoid import trapezoid_tia
from prrt.dosimetry.uncertainty import MonteCarloResult, dose_sd_first_order, monte_carlo_dose

__all__ = [
    "COMPUTED_METHODS",
    "DEFAULT_LIMITS",
    "MODELS",
    "PLAN_STRUCTURES",
    "SALVAGE_KIDNEY_LIMIT_GY",
    "BatchFit",
    "BiExponentialUptake",
    "BiExponentialWashout",
    "CohortDosimetryResult",
    "DosimetrySettings",
    "MonoExponential",
    "MonteCarloResult",
    "Nuclide",
    "PlanResult",
    "Schedule",
    "TacFit",
    "TacModel",
    "bed_gy",
    "compute_doses",
    "correct_for_recovery",
    "dose_sd_first_order",
    "dose_summary_table",
    "fit_tac",
    "fit_tac_batch",
    "hanscheid_tia",
    "led_dose_gy",
    "lesion_dose_table",
    "madsen_relative_sd",
    "madsen_tia",
    "marrow_dose_blood_gy",
    "marrow_dose_image_gy",
    "mass_g",
    "monte_carlo_dose",
    "nuclide",
    "organ_s_dose_gy",
    "organ_s_value",
    "plan_cycles",
    "plan_inputs",
    "plan_inputs_from_frames",
    "preferred_doses",
    "recovery_coefficient",
    "red_marrow_to_blood_ratio",
    "run_cohort_dosimetry",
    "scale_cycle_dose",
    "select_dose_estimates",
    "select_lesions",
    "sphere_dose_gy",
    "sphere_s_value",
    "trapezoid_tia",
]
