"""Psychometrics of transversal: scoring, reliability, factor analysis, aggregation, profiles.

Pure functions on pandas DataFrames: nothing here reads a database, prints or rounds.
Third-party statistics are reached only through ``analysis._adapters``.
"""

from analysis.aggregation import (
    compare_to_rest,
    icc,
    organisation_statistics,
    rwg_j,
    scale_agreement,
    team_statistics,
)
from analysis.campaign import CampaignAnalysis, analyse_campaign
from analysis.cfa import CfaDataError, CfaModelError, CfaResult, fit_cfa, fit_scales_cfa
from analysis.efa import (
    BartlettResult,
    EfaResult,
    KmoResult,
    ParallelResult,
    bartlett,
    efa,
    kmo,
    parallel_analysis,
)
from analysis.profile import place_teams
from analysis.reliability import AlphaResult, cronbach_alpha, omega_total, scale_reliability
from analysis.scoring import reverse_key, score_scales
from analysis.simulate import SimulatedOrganisation, SimulationTruth, simulate_organisation

__all__ = [
    "AlphaResult",
    "BartlettResult",
    "CampaignAnalysis",
    "CfaDataError",
    "CfaModelError",
    "CfaResult",
    "EfaResult",
    "KmoResult",
    "ParallelResult",
    "SimulatedOrganisation",
    "SimulationTruth",
    "analyse_campaign",
    "bartlett",
    "compare_to_rest",
    "cronbach_alpha",
    "efa",
    "fit_cfa",
    "fit_scales_cfa",
    "icc",
    "kmo",
    "omega_total",
    "organisation_statistics",
    "parallel_analysis",
    "place_teams",
    "reverse_key",
    "rwg_j",
    "scale_agreement",
    "scale_reliability",
    "score_scales",
    "simulate_organisation",
    "team_statistics",
]
