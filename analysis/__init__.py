"""Psychometrics of transversal: scoring, reliability, aggregation to teams, profiles.

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
from analysis.profile import place_teams
from analysis.reliability import AlphaResult, cronbach_alpha, omega_total, scale_reliability
from analysis.scoring import reverse_key, score_scales
from analysis.simulate import SimulatedOrganisation, SimulationTruth, simulate_organisation

__all__ = [
    "AlphaResult",
    "CampaignAnalysis",
    "SimulatedOrganisation",
    "SimulationTruth",
    "analyse_campaign",
    "compare_to_rest",
    "cronbach_alpha",
    "icc",
    "omega_total",
    "organisation_statistics",
    "place_teams",
    "reverse_key",
    "rwg_j",
    "scale_agreement",
    "scale_reliability",
    "score_scales",
    "simulate_organisation",
    "team_statistics",
]
