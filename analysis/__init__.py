"""Psychometrics of transversal: scoring, reliability, factor analysis, aggregation, profiles,
trends across waves.

Pure functions on pandas DataFrames: nothing here reads a database, prints or rounds.
Third-party statistics are reached only through ``analysis._adapters``.
"""

from analysis.aggregation import (
    compare_to_rest,
    icc,
    organisation_statistics,
    team_statistics,
)
from analysis.campaign import CampaignAnalysis, analyse_campaign
from analysis.cfa import (
    CfaDataError,
    CfaModelError,
    CfaResult,
    NegativeVariance,
    fit_cfa,
    fit_scales_cfa,
)
from analysis.comparison import favourability, shrunken_means, wilson_interval
from analysis.confidentiality import UnknownUnitError
from analysis.efa import EfaResult, efa
from analysis.factorability import (
    BartlettResult,
    KmoResult,
    ParallelResult,
    bartlett,
    kmo,
    parallel_analysis,
)
from analysis.interrater import AgreementResult, agreement, rwg_j, scale_agreement
from analysis.invariance import (
    InvarianceResult,
    InvarianceRule,
    LevelFit,
    measurement_invariance,
)
from analysis.invariance_scales import (
    INVARIANCE_MIN_GROUP_N,
    ScaleInvarianceResult,
    invariance_across_groups,
    scale_invariance,
)
from analysis.profile import place_teams
from analysis.quality import (
    ExclusionPolicy,
    ScreeningResult,
    careless_indices,
    screen_respondents,
)
from analysis.reliability import (
    AlphaResult,
    ReliabilityResult,
    cronbach_alpha,
    omega_total,
    reliability,
    scale_reliability,
)
from analysis.scoring import reverse_key, score_scales
from analysis.simulate import SimulatedOrganisation, SimulationTruth, simulate_organisation
from analysis.subtree import subtree_figures, subtree_respondents
from analysis.trends import TrendResult, compare_waves
from analysis.validity import (
    StructureAssessment,
    ValidityAssessment,
    ValidityConventions,
    assess_validity,
)

__all__ = [
    "INVARIANCE_MIN_GROUP_N",
    "AgreementResult",
    "AlphaResult",
    "BartlettResult",
    "CampaignAnalysis",
    "CfaDataError",
    "CfaModelError",
    "CfaResult",
    "EfaResult",
    "ExclusionPolicy",
    "InvarianceResult",
    "InvarianceRule",
    "KmoResult",
    "LevelFit",
    "NegativeVariance",
    "ParallelResult",
    "ReliabilityResult",
    "ScaleInvarianceResult",
    "ScreeningResult",
    "SimulatedOrganisation",
    "SimulationTruth",
    "StructureAssessment",
    "TrendResult",
    "UnknownUnitError",
    "ValidityAssessment",
    "ValidityConventions",
    "agreement",
    "analyse_campaign",
    "assess_validity",
    "bartlett",
    "careless_indices",
    "compare_to_rest",
    "compare_waves",
    "cronbach_alpha",
    "efa",
    "favourability",
    "fit_cfa",
    "fit_scales_cfa",
    "icc",
    "invariance_across_groups",
    "kmo",
    "measurement_invariance",
    "omega_total",
    "organisation_statistics",
    "parallel_analysis",
    "place_teams",
    "reliability",
    "reverse_key",
    "rwg_j",
    "scale_agreement",
    "scale_invariance",
    "scale_reliability",
    "score_scales",
    "screen_respondents",
    "shrunken_means",
    "simulate_organisation",
    "subtree_figures",
    "subtree_respondents",
    "team_statistics",
    "wilson_interval",
]
