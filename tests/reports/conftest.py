"""Fixtures of the report tests: the packaged instrument, a fake campaign analysis, views."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from instrument.loader import load_builtin
from instrument.model import Instrument
from reports.views import OrganisationReportView, TeamReportView, UnitInfo
from tests.reports import fakes

TeamViewFactory = Callable[..., TeamReportView]


@pytest.fixture(scope="session")
def instrument() -> Instrument:
    return load_builtin()


@pytest.fixture(scope="session")
def analysis(instrument: Instrument) -> fakes.FakeAnalysis:
    return fakes.fake_analysis(instrument)


@pytest.fixture
def team_view(instrument: Instrument, analysis: fakes.FakeAnalysis) -> TeamViewFactory:
    """Builds the team report view of a team, in a language, from the fake analysis."""

    def build(
        team_id: str = fakes.HIDDEN_TEAM,
        *,
        language: str = "en",
        units: dict[str, UnitInfo] | None = None,
        campaign: fakes.FakeAnalysis | None = None,
    ) -> TeamReportView:
        return fakes.team_view(
            campaign or analysis, instrument, team_id, language=language, units=units
        )

    return build


@pytest.fixture
def organisation_view(
    instrument: Instrument, analysis: fakes.FakeAnalysis
) -> Callable[[str], OrganisationReportView]:
    def build(language: str = "en") -> OrganisationReportView:
        return fakes.organisation_view(analysis, instrument, language=language)

    return build
