"""Frozen view models of plain values: what a report may print, and nothing more.

Templates receive these and only these: no DataFrame, no ORM object, no instrument model.
:mod:`reports.build` makes them from a campaign analysis; numbers stay unrounded here, the
templates' filters round them. A figure that does not exist is ``None``, never NaN.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

import pandas as pd


class CampaignResult(Protocol):
    """The part of ``analysis.campaign.CampaignAnalysis`` the reports read."""

    @property
    def instrument_ref(self) -> str: ...
    @property
    def min_group_size(self) -> int: ...
    @property
    def reliability(self) -> pd.DataFrame: ...
    @property
    def icc(self) -> pd.DataFrame: ...
    @property
    def organisation(self) -> pd.DataFrame: ...
    @property
    def teams(self) -> pd.DataFrame: ...
    @property
    def profiles(self) -> pd.DataFrame: ...
    @property
    def team_sizes(self) -> pd.DataFrame: ...
    @property
    def suppressed(self) -> pd.DataFrame: ...
    @property
    def item_distributions(self) -> pd.DataFrame: ...
    @property
    def screening(self) -> pd.DataFrame: ...
    @property
    def n_excluded(self) -> int: ...


class SuppressedTeamError(Exception):
    """A report was asked for a team that is not eligible for one."""

    def __init__(self, team_id: str, reason: str) -> None:
        self.team_id = team_id
        self.reason = reason
        super().__init__(f"team {team_id}: no report ({reason})")


@dataclass(frozen=True, slots=True)
class UnitInfo:
    """A unit of the organisation as the reports need it; ``kind`` is organisation, department
    or team, and a team's department is its nearest ancestor of kind department."""

    unit_id: str
    name: str
    parent_id: str | None
    kind: str


@dataclass(frozen=True, slots=True)
class Estimate:
    """A point estimate with its 95 % confidence interval (bounds ``None`` when not computed)."""

    value: float
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True, slots=True)
class Conventions:
    """The conventional thresholds the appendix flags; conventions, not laws."""

    alpha: float = 0.70
    icc2: float = 0.70
    rwg_j: float = 0.70


@dataclass(frozen=True, slots=True)
class ScaleInfo:
    """A scale (or composite) in the report's language; ``level`` is team or individual."""

    scale_id: str
    name: str
    description: str
    level: str
    module: str
    is_composite: bool
    facet_of: str | None


@dataclass(frozen=True, slots=True)
class Trend:
    """The team's change on a scale since the previous wave: ``change`` is this wave minus the
    previous one, with its interval; when it is ``None``, ``reason`` says why."""

    previous: float | None
    change: Estimate | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the statistics support on one scale of one team, decided once
    (:func:`reports._verdicts.team_verdict`) and read by every sentence and every greying of
    the reports: the scores table, the charts, the summary, the questions, the appendix and
    the organisation's heat table.

    ``figure`` are the reasons, in the report's language, why the team's figure may not be read
    as it stands (low agreement on a team-level scale, low reliability); ``comparison`` why the
    team may not be compared with the rest of the organisation (team means not reliably
    different, a scale invariance does not allow comparing). ``direction`` is 1 when the
    difference's interval lies above zero, -1 below, 0 otherwise; ``has_rest`` is False when
    there is no rest of the organisation to compare with (a one-team campaign)."""

    figure: tuple[str, ...]
    comparison: tuple[str, ...]
    direction: int
    has_rest: bool

    @property
    def figure_supported(self) -> bool:
        return not self.figure

    @property
    def comparison_supported(self) -> bool:
        """Whether a report may say the team differs, or not, from the rest: there is a
        rest, and neither the figure nor the comparison is unsupported."""
        return self.has_rest and not self.figure and not self.comparison

    @property
    def clear(self) -> int:
        """The direction a report may state: 0 unless the comparison is supported."""
        return self.direction if self.comparison_supported else 0

    @property
    def reasons(self) -> tuple[str, ...]:
        """Every reason printed beside the figure: the figure's, then the comparison's."""
        return self.figure + self.comparison


@dataclass(frozen=True, slots=True)
class ScaleScore:
    """One scale of the team report. When ``shown`` is False every figure is ``None`` and
    ``hidden_reason`` says why. ``verdict`` (None for a hidden scale) is what the statistics
    support; ``caveats`` are its reasons, printed beside the figure, and ``comparable`` is
    False when the comparison with the rest of the organisation is not supported (the
    difference is then greyed). ``trend`` is None when no previous wave was given."""

    scale: ScaleInfo
    shown: bool
    hidden_reason: str | None
    n: int | None
    team: Estimate | None
    sd: float | None
    rest: Estimate | None
    difference: Estimate | None
    cohens_d: float | None
    rwg_j: float | None
    caveats: tuple[str, ...] = ()
    comparable: bool = True
    trend: Trend | None = None
    verdict: Verdict | None = None

    @property
    def supported(self) -> bool:
        """Whether the statistics support reading the team's figure as it stands (a
        comparison that is not supported greys the difference only)."""
        if self.verdict is not None:
            return self.verdict.figure_supported
        return not self.caveats


@dataclass(frozen=True, slots=True)
class QualityRow:
    """Reliability and agreement of one scale. ``rwg_j`` is the team's in a team report and the
    median over teams in the organisation report; ``*_meets`` is None when the value is."""

    scale: ScaleInfo
    k: int | None
    n: int | None
    alpha: Estimate | None
    omega: float | None
    icc1: float | None
    icc2: float | None
    rwg_j: float | None
    alpha_meets: bool | None
    icc2_meets: bool | None
    rwg_j_meets: bool | None
    team_mean_justified: bool | None = None
    """In a team report: whether the statistics support reading the team mean as it stands
    (the team's ``Verdict``: agreement on a team-level scale, reliability); None for a scale
    about the person whose figure is supported (an average of persons) and where it was not
    computed."""


@dataclass(frozen=True, slots=True)
class PlanePoint:
    """An anonymous team on the plane of accountability."""

    ha: float
    va: float


@dataclass(frozen=True, slots=True)
class Placement:
    """A team on the plane of accountability: profile is one of ``reports.i18n.PROFILES``;
    ``certain`` is False when a confidence interval crosses a dividing line."""

    ha: Estimate
    va: Estimate
    profile: str
    certain: bool


@dataclass(frozen=True, slots=True)
class ResponseRange:
    """The response scale's ends and the midpoint that divides the plane into profiles."""

    low: int
    high: int
    midpoint: float


@dataclass(frozen=True, slots=True)
class ItemDistribution:
    """How the team answered one item: the share choosing each option of the response scale
    (``shares`` aligned with ``TeamReportView.option_labels``), or ``hidden_reason``.
    ``reverse`` is True for a reverse-keyed statement (agreeing lowers the scale's score):
    the item pages mark it. The shares are of the answers as given, never reversed."""

    item_id: str
    text: str
    n: int | None
    shares: tuple[float, ...] | None
    hidden_reason: str | None
    reverse: bool = False


@dataclass(frozen=True, slots=True)
class ItemGroup:
    """The items of one scale, in the instrument's order."""

    scale: ScaleInfo
    items: tuple[ItemDistribution, ...]


@dataclass(frozen=True, slots=True)
class Meaning:
    """What a scale's scores describe, in the report's language."""

    scale: ScaleInfo
    text: str


@dataclass(frozen=True, slots=True)
class ScreeningRule:
    """A rule of the careless-response screening, for the whole organisation."""

    rule: str
    threshold: float | None
    action: str
    excluded_by: int | None


@dataclass(frozen=True, slots=True)
class Methods:
    """The methods appendix beyond the quality table: exclusions for the organisation only
    (never a team's count), the invariance status and the confidentiality rules applied."""

    n_excluded: int
    screening: tuple[ScreeningRule, ...]
    invariance: str
    min_group_size: int


@dataclass(frozen=True, slots=True)
class TeamReportView:
    """Everything a team report prints, in one language. ``scales`` follow the instrument
    (a composite just before its facets); ``other_teams`` are the other eligible teams as
    anonymous points; ``quality`` is the appendix, with this team's rwg(j)."""

    organisation_name: str
    campaign_name: str
    team_id: str
    team_name: str
    department_name: str | None
    language: str
    generated_at: datetime
    instrument_ref: str
    n_respondents: int
    invited: int | None
    response_rate: float | None
    min_group_size: int
    response_range: ResponseRange
    axis_names: tuple[str, str]
    scales: tuple[ScaleScore, ...]
    placement: Placement | None
    other_teams: tuple[PlanePoint, ...]
    quality: tuple[QualityRow, ...]
    conventions: Conventions
    summary: tuple[str, ...] = ()
    snapshot: str | None = None
    """The fingerprint of the closed campaign's snapshot the report is made of."""
    imported: int = 0
    """Responses imported from paper forms, counted apart from the invited."""
    """The summary page: sentences in plain words, generated from the figures."""
    option_labels: tuple[str, ...] = ()
    items: tuple[ItemGroup, ...] = ()
    meanings: tuple[Meaning, ...] = ()
    questions: tuple[str, ...] = ()
    methods: Methods | None = None
    has_previous: bool = False

    @property
    def has_reverse_items(self) -> bool:
        """Whether the item pages mark a reverse-keyed statement (and so print its legend)."""
        return any(item.reverse for group in self.items for item in group.items)


@dataclass(frozen=True, slots=True)
class TeamParticipation:
    """A team that answered or was invited; ``suppressed_reason`` says why it has no report."""

    team_id: str
    team_name: str
    department_name: str | None
    respondents: int
    invited: int | None
    response_rate: float | None
    eligible: bool
    suppressed_reason: str | None
    imported: int = 0


@dataclass(frozen=True, slots=True)
class PaddingEvent:
    """One entry of the audit log that added respondents to a campaign: when, into which
    unit, how many, and whether invitations after opening or answers imported."""

    day: date
    unit_name: str
    count: int
    imported: bool


@dataclass(frozen=True, slots=True)
class HeatRow:
    """An eligible team's means, aligned with ``OrganisationReportView.scales``; ``None`` where
    the figure is not shown."""

    team_id: str
    team_name: str
    department_name: str | None
    respondents: int
    means: tuple[float | None, ...]
    profile: str | None
    certain: bool | None
    unsupported: tuple[bool, ...] = ()
    """Per mean, whether the team's ``Verdict`` does not support its figure (the cell is
    greyed, as in the team's own report); empty when not decided."""


@dataclass(frozen=True, slots=True)
class OrganisationScore:
    """The organisation's figures on one scale, pooled over the shown (team, scale) cells only
    (``analysis.confidentiality.published_scores``). ``caveats`` say, in the report's language,
    why the statistics do not support the figure as it stands (low reliability)."""

    scale: ScaleInfo
    n: int | None
    mean: Estimate | None
    sd: float | None
    caveats: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ProfileCount:
    """How many teams have a profile, and how many of those placements are uncertain."""

    profile: str
    teams: int
    uncertain: int


@dataclass(frozen=True, slots=True)
class OrganisationReportView:
    """Everything the organisation report prints, in one language. ``heat`` rows hold the
    eligible teams' means aligned with ``scales``, as do ``heat_caveats`` (why a column's team
    means are not supported as they stand) and ``heat_groups`` (the column headings);
    ``quality`` carries the median rwg(j); ``unplaced`` counts the teams with a report that
    cannot be placed on the plane."""

    organisation_name: str
    campaign_name: str
    language: str
    generated_at: datetime
    instrument_ref: str
    min_group_size: int
    response_range: ResponseRange
    axis_names: tuple[str, str]
    n_respondents: int
    invited: int | None
    response_rate: float | None
    participation: tuple[TeamParticipation, ...]
    scales: tuple[ScaleInfo, ...]
    heat: tuple[HeatRow, ...]
    organisation: tuple[OrganisationScore, ...]
    quality: tuple[QualityRow, ...]
    profiles: tuple[ProfileCount, ...]
    team_points: tuple[PlanePoint, ...]
    conventions: Conventions
    heat_caveats: tuple[tuple[str, ...], ...] = ()
    heat_groups: tuple[HeatGroup, ...] = ()
    heat_notes: tuple[str, ...] = ()
    heat_cell_note: str | None = None
    """Why some cells are pale (a team's own verdict), when any is."""
    unplaced: int = 0
    validity: OrganisationValidity | None = None
    snapshot: str | None = None
    """The fingerprint of the closed campaign's snapshot the report is made of."""
    imported: int = 0
    """Responses imported from paper forms, counted apart from the invited."""
    padding: tuple[PaddingEvent, ...] = ()
    """Invitations added after the campaign opened and answers imported, for a works
    council: whoever answers such invitations, or imports answers, could bring a small team
    up to the minimum."""


def heat_by_department(rows: tuple[HeatRow, ...]) -> tuple[tuple[str, tuple[HeatRow, ...]], ...]:
    """The heat table's rows in runs of one department, for a heading row per department
    instead of its name under every team; empty (each row names its own) unless every row
    names its department and each department's rows come together."""
    runs: list[tuple[str, list[HeatRow]]] = []
    for row in rows:
        if row.department_name is None:
            return ()
        if runs and runs[-1][0] == row.department_name:
            runs[-1][1].append(row)
        else:
            runs.append((row.department_name, [row]))
    if len({name for name, _ in runs}) != len(runs):
        return ()
    return tuple((name, tuple(found)) for name, found in runs)


# -- department report ---------------------------------------------------------------------------


class SuppressedDepartmentError(SuppressedTeamError):
    """A department report was asked for a unit whose figures pool nobody."""

    def __str__(self) -> str:
        return f"unit {self.team_id}: no report ({self.reason})"


@dataclass(frozen=True, slots=True)
class DepartmentScore:
    """One scale of a department report: the unit's figure (``unit``, pooling ``n``
    respondents) beside the rest of the organisation's. When ``shown`` is False every figure
    is ``None`` and ``hidden_reason`` says why; ``rest_reason`` says why a shown scale has no
    rest or difference (the unit is the whole organisation). ``caveats`` and ``comparable``
    are those of ``ScaleScore``."""

    scale: ScaleInfo
    shown: bool
    hidden_reason: str | None
    n: int | None
    unit: Estimate | None
    sd: float | None
    rest_n: int | None
    rest: Estimate | None
    difference: Estimate | None
    cohens_d: float | None
    rest_reason: str | None = None
    caveats: tuple[str, ...] = ()
    comparable: bool = True


@dataclass(frozen=True, slots=True)
class DepartmentReportView:
    """Everything a department (subtree) report prints, in one language. ``n_respondents``
    are the responses received in the unit's subtree, ``n_pooled`` those its figures pool
    (the disclosure decision's); ``participation`` lists every team of the subtree, its
    ``department_name`` the unit between the team and this one, if any; ``heat`` the teams
    with a report, their means aligned with ``heat_scales``; ``quality`` carries the median
    rwg(j) of the subtree's teams."""

    organisation_name: str
    campaign_name: str
    unit_id: str
    unit_name: str
    unit_kind: str
    parent_name: str | None
    language: str
    generated_at: datetime
    instrument_ref: str
    n_respondents: int
    n_pooled: int
    invited: int | None
    response_rate: float | None
    min_group_size: int
    response_range: ResponseRange
    axis_names: tuple[str, str]
    scales: tuple[DepartmentScore, ...]
    participation: tuple[TeamParticipation, ...]
    heat_scales: tuple[ScaleInfo, ...]
    heat: tuple[HeatRow, ...]
    profiles: tuple[ProfileCount, ...]
    team_points: tuple[PlanePoint, ...]
    quality: tuple[QualityRow, ...]
    conventions: Conventions
    methods: Methods
    heat_caveats: tuple[tuple[str, ...], ...] = ()
    heat_groups: tuple[HeatGroup, ...] = ()
    heat_notes: tuple[str, ...] = ()
    heat_cell_note: str | None = None
    """Why some cells of the heat table are pale (their teams' own reports grey them), if any."""
    unplaced: int = 0
    snapshot: str | None = None
    """The fingerprint of the closed campaign's snapshot the report is made of."""
    imported: int = 0
    """Responses imported from paper forms in the subtree, counted apart from the invited."""


# -- organisation report: validity summary -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HeatGroup:
    """A run of adjacent heat-table columns under one heading (accountability, identification,
    ...): ``span`` columns of ``OrganisationReportView.scales``."""

    title: str
    span: int


@dataclass(frozen=True, slots=True)
class ValidityRow:
    """One scale of the organisation's validity summary: its reliability and agreement, and the
    reasons, in the report's language, why the statistics do not support reading its figures
    as they stand (alpha or ICC(2) below the convention); empty when they do."""

    quality: QualityRow
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class OrganisationValidity:
    """The validity summary: a row per scale, plain sentences saying what the rows mean, and
    the careless-response screening at organisation level (never a team's count)."""

    rows: tuple[ValidityRow, ...]
    statements: tuple[str, ...]
    n_excluded: int
    screening: tuple[ScreeningRule, ...]
