"""Human-readable, deterministic names for a simulated organisation's units."""

from __future__ import annotations

import numpy as np
import pandas as pd

ORGANISATIONS = (
    "Northwind Services",
    "Harbour City Council",
    "Meridian Health Trust",
    "Bluefield Logistics",
    "Alder & Moss Engineering",
    "Riverside University",
    "Kestrel Software",
    "Lakeshore Water Utility",
)

TEAMS_BY_DEPARTMENT: dict[str, tuple[str, ...]] = {
    "Engineering": (
        "Platform Engineering",
        "Mobile Apps",
        "Data Engineering",
        "Site Reliability",
        "Quality Assurance",
        "Security Engineering",
        "Web Frontend",
        "Infrastructure",
        "Machine Learning",
        "Developer Tools",
    ),
    "Operations": (
        "Customer Support",
        "Logistics",
        "Facilities",
        "Procurement",
        "Field Service",
        "Warehouse",
        "Fleet Management",
        "Service Desk",
    ),
    "Finance": (
        "Accounts Payable",
        "Payroll",
        "Financial Planning",
        "Treasury",
        "Internal Audit",
        "Tax",
        "Controlling",
    ),
    "People": (
        "Recruitment",
        "Learning and Development",
        "Employee Relations",
        "Compensation and Benefits",
        "Workplace Health",
    ),
    "Sales and Marketing": (
        "Enterprise Sales",
        "Inside Sales",
        "Brand and Communications",
        "Market Research",
        "Partnerships",
        "Customer Success",
    ),
    "Research and Design": (
        "Applied Research",
        "Product Design",
        "User Research",
        "Lab Services",
        "Clinical Research",
    ),
    "Legal and Compliance": (
        "Contracts",
        "Data Protection",
        "Regulatory Affairs",
        "Risk Management",
    ),
}

QUALIFIERS = ("North", "South", "East", "West", "Central", "Nights", "Weekend", "Remote")


def name_units(rng: np.random.Generator, *, n_teams: int) -> pd.DataFrame:
    """An organisation, 2-4 departments (never more than teams) and ``n_teams`` teams.

    Returns
    -------
    DataFrame
        unit_id, name, parent_id (None for the organisation), kind; the organisation first,
        then the departments, then the teams ("team-001", ...).
    """
    n_departments = min(int(rng.integers(2, 5)), n_teams)
    departments = list(rng.choice(list(TEAMS_BY_DEPARTMENT), size=n_departments, replace=False))
    # Every department gets at least one team; the rest are shared out unevenly, though rarely
    # as lopsidedly as nine teams to one.
    shares = rng.dirichlet(np.full(n_departments, 6.0))
    extra = rng.multinomial(n_teams - n_departments, shares)
    width = max(3, len(str(n_teams)))
    rows: list[dict[str, str | None]] = [
        {
            "unit_id": "org",
            "name": str(rng.choice(ORGANISATIONS)),
            "parent_id": None,
            "kind": "organisation",
        }
    ]
    teams: list[dict[str, str | None]] = []
    for number, (department, count) in enumerate(zip(departments, extra + 1, strict=True), 1):
        department_id = f"dept-{number}"
        rows.append(
            {"unit_id": department_id, "name": department, "parent_id": "org", "kind": "department"}
        )
        for name in _team_names(rng, TEAMS_BY_DEPARTMENT[department], int(count)):
            unit_id = f"team-{len(teams) + 1:0{width}d}"
            teams.append(
                {"unit_id": unit_id, "name": name, "parent_id": department_id, "kind": "team"}
            )
    return pd.DataFrame(rows + teams, columns=["unit_id", "name", "parent_id", "kind"])


def _team_names(rng: np.random.Generator, pool: tuple[str, ...], count: int) -> list[str]:
    """``count`` distinct names: the pool in random order, then qualified, then numbered."""
    order = [pool[i] for i in rng.permutation(len(pool))]
    names = list(order)
    names += [f"{base} {qualifier}" for qualifier in QUALIFIERS for base in order]
    round_number = 2
    while len(names) < count:
        names += [f"{base} {round_number}" for base in order]
        round_number += 1
    return names[:count]
