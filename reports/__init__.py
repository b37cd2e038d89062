"""Reports: campaign analyses turned into PDF reports for team leaders and for the organisation.

- :mod:`reports.views`: the frozen view models, plain values only, that templates receive;
- :mod:`reports.build`: ``build_team_view`` and ``build_organisation_view`` make them from a
  campaign analysis, and ``build_department_view`` (:mod:`reports._department`) the report of a
  unit above the teams;
- :mod:`reports.validity`: the instrument validity report, view, builder and rendering;
- :mod:`reports.charts`: the charts, as SVG;
- :mod:`reports.render`: HTML and PDF from a view, through :mod:`reports.fetcher`, which loads
  packaged files only;
- :mod:`reports.i18n` and :mod:`reports.formatting`: the words and the number formats of each
  language.
"""

from reports._department import build_department_view
from reports.build import build_organisation_view, build_team_view
from reports.render import (
    render_department_html,
    render_department_pdf,
    render_organisation_html,
    render_organisation_pdf,
    render_team_html,
    render_team_pdf,
)
from reports.validity import (
    ValidityReportView,
    build_validity_view,
    render_validity_html,
    render_validity_pdf,
)
from reports.views import (
    DepartmentReportView,
    DepartmentScore,
    OrganisationReportView,
    PaddingEvent,
    SuppressedDepartmentError,
    SuppressedTeamError,
    TeamReportView,
    UnitInfo,
)

__all__ = [
    "DepartmentReportView",
    "DepartmentScore",
    "OrganisationReportView",
    "PaddingEvent",
    "SuppressedDepartmentError",
    "SuppressedTeamError",
    "TeamReportView",
    "UnitInfo",
    "ValidityReportView",
    "build_department_view",
    "build_organisation_view",
    "build_team_view",
    "build_validity_view",
    "render_department_html",
    "render_department_pdf",
    "render_organisation_html",
    "render_organisation_pdf",
    "render_team_html",
    "render_team_pdf",
    "render_validity_html",
    "render_validity_pdf",
]
