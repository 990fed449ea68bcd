"""Statistics engine of PRRT Workbench (issue 4): SAS defaults, every other choice an option.

Survival (Kaplan–Meier, reverse-KM follow-up, log-rank, Cox, PH check, screen → multivariable),
binary outcomes (logistic, Firth, 2×2 odds ratios, Fisher, chi-square), comparisons (rank-sum,
t tests, correlations), ROC (DeLong), LOESS, descriptive statistics, bootstrap and power.
Conventions: ``shared/spec/conventions.md``. Every function returns a frozen result object.
"""

from prrt.stats._result import Z975, StatResult
from prrt.stats.bootstrap import BootstrapResult, bootstrap_ci, bootstrap_km_median
from prrt.stats.comparisons import (
    CorrelationResult,
    KruskalResult,
    RankSumResult,
    TTestResult,
    kruskal_wallis,
    pearson,
    spearman,
    t_test,
    wilcoxon_rank_sum,
)
from prrt.stats.competing import CumulativeIncidenceResult, cumulative_incidence, gray_test
from prrt.stats.concordance import ConcordanceResult, concordance, harrell_c
from prrt.stats.cox import (
    AliasedTermWarning,
    CoxResult,
    MonotoneLikelihoodWarning,
    cox,
    design_matrix,
)
from prrt.stats.coxtv import CoxCountingResult, cox_counting
from prrt.stats.descriptive import (
    CategoricalSummary,
    ContinuousSummary,
    GroupComparison,
    compare_groups,
    describe_categorical,
    describe_continuous,
    format_estimate,
    format_p,
    round_half_up,
)
from prrt.stats.finegray import FineGrayResult, cause_specific_cox, fine_gray
from prrt.stats.firth import firth_logistic
from prrt.stats.firthcox import FirthCoxResult, firth_cox
from prrt.stats.followup import FollowupResult, followup
from prrt.stats.km import KaplanMeierResult, kaplan_meier, kaplan_meier_grouped
from prrt.stats.landmark import LandmarkResult, accumulated_by, landmark
from prrt.stats.loess import LoessResult, loess
from prrt.stats.logistic import LogisticCurveResult, LogisticResult, logistic, logistic_curve
from prrt.stats.logrank import LogrankResult, logrank
from prrt.stats.mixed import MixedModelResult, mixed_model
from prrt.stats.paired import (
    SignedRankResult,
    SymmetryResult,
    bowker,
    mcnemar,
    wilcoxon_signed_rank,
)
from prrt.stats.ph import PHTestResult, ph_test
from prrt.stats.power import PowerResult, power_cox_sim, power_logrank_schoenfeld, power_logrank_sim
from prrt.stats.proportions import ProportionResult, proportion_ci
from prrt.stats.rankcorr import kendall_tau, spearman_exact
from prrt.stats.response_duration import duration_of_response
from prrt.stats.rmst import RmstResult, rmst_difference
from prrt.stats.robust import logistic_cluster
from prrt.stats.roc import RocAucResult, YoudenResult, roc_auc, roc_curve, youden_cutoff
from prrt.stats.roccompare import RocCompareResult, roc_compare
from prrt.stats.screen import ScreenResult, logrank_screen, screen_then_fit
from prrt.stats.tables2x2 import (
    ChiSquareResult,
    FisherResult,
    OddsRatioResult,
    chi_square,
    fisher_exact,
    odds_ratio,
    two_by_two,
)
from prrt.stats.timevarying import exposure_intervals

__all__ = [
    "Z975",
    "AliasedTermWarning",
    "BootstrapResult",
    "CategoricalSummary",
    "ChiSquareResult",
    "ConcordanceResult",
    "ContinuousSummary",
    "CorrelationResult",
    "CoxCountingResult",
    "CoxResult",
    "CumulativeIncidenceResult",
    "FineGrayResult",
    "FirthCoxResult",
    "FisherResult",
    "FollowupResult",
    "GroupComparison",
    "KaplanMeierResult",
    "KruskalResult",
    "LandmarkResult",
    "LoessResult",
    "LogisticCurveResult",
    "LogisticResult",
    "LogrankResult",
    "MixedModelResult",
    "MonotoneLikelihoodWarning",
    "OddsRatioResult",
    "PHTestResult",
    "PowerResult",
    "ProportionResult",
    "RankSumResult",
    "RmstResult",
    "RocAucResult",
    "RocCompareResult",
    "ScreenResult",
    "SignedRankResult",
    "StatResult",
    "SymmetryResult",
    "TTestResult",
    "YoudenResult",
    "accumulated_by",
    "bootstrap_ci",
    "bootstrap_km_median",
    "bowker",
    "cause_specific_cox",
    "chi_square",
    "compare_groups",
    "concordance",
    "cox",
    "cox_counting",
    "cumulative_incidence",
    "describe_categorical",
    "describe_continuous",
    "design_matrix",
    "duration_of_response",
    "exposure_intervals",
    "fine_gray",
    "firth_cox",
    "firth_logistic",
    "fisher_exact",
    "followup",
    "format_estimate",
    "format_p",
    "gray_test",
    "harrell_c",
    "kaplan_meier",
    "kaplan_meier_grouped",
    "kendall_tau",
    "kruskal_wallis",
    "landmark",
    "loess",
    "logistic",
    "logistic_cluster",
    "logistic_curve",
    "logrank",
    "logrank_screen",
    "mcnemar",
    "mixed_model",
    "odds_ratio",
    "pearson",
    "ph_test",
    "power_cox_sim",
    "power_logrank_schoenfeld",
    "power_logrank_sim",
    "proportion_ci",
    "rmst_difference",
    "roc_auc",
    "roc_compare",
    "roc_curve",
    "round_half_up",
    "screen_then_fit",
    "spearman",
    "spearman_exact",
    "t_test",
    "two_by_two",
    "wilcoxon_rank_sum",
    "wilcoxon_signed_rank",
    "youden_cutoff",
]
