"""The organisation report's sections beyond participation and the heat table's means: why a
scale's figures are greyed, the heat table's column headings, the validity summary and the
organisation-level screening.

Like :mod:`reports.build`, these turn the analysis' raw values into plain ones and never round;
the sentences they write give numbers through :func:`reports.formatting.format_number`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from reports import _verdicts
from reports._lookups import screening_rules
from reports._verdicts import alpha_reason
from reports.formatting import format_number
from reports.views import (
    CampaignResult,
    Conventions,
    HeatGroup,
    OrganisationValidity,
    QualityRow,
    ScaleInfo,
    ValidityRow,
)

Texts = Mapping[str, str]

GROUPS = (
    ("accountability", ("HA", "VA", "TR")),
    ("identification", ("EN", "IM", "AL")),
    ("citizenship", ("LC",)),
)
"""Headings of the heat table's columns: a composite brings its facets along; a scale in no
group is headed by its instrument module."""


def icc2_reason(
    row: QualityRow | None, *, conventions: Conventions, t: Texts, language: str
) -> str:
    """Why the team means of a scale do not reliably tell teams apart, or '': the verdict
    every team report reads to withhold its comparison with the rest (``_verdicts``)."""
    return _verdicts.icc2_reason(
        row, conventions=conventions, t=t, language=language, key="org_caveat_icc2"
    )


def heat_caveats(
    scales: Sequence[ScaleInfo],
    quality: Sequence[QualityRow],
    *,
    conventions: Conventions,
    t: Texts,
    language: str,
) -> tuple[tuple[str, ...], ...]:
    """Per heat column, why comparing teams on it is not supported as it stands: a team mean
    is as noisy as its scale (alpha) and teams are told apart only as reliably as ICC(2)."""
    rows = {row.scale.scale_id: row for row in quality}
    found = []
    for scale in scales:
        row = rows.get(scale.scale_id)
        reasons = (
            alpha_reason(row, conventions=conventions, t=t, language=language),
            icc2_reason(row, conventions=conventions, t=t, language=language),
        )
        found.append(tuple(reason for reason in reasons if reason))
    return tuple(found)


def heat_notes(
    scales: Sequence[ScaleInfo],
    quality: Sequence[QualityRow],
    *,
    conventions: Conventions,
    t: Texts,
    language: str,
) -> tuple[str, ...]:
    """Under the heat table, which columns are pale and why, one sentence per reason (the
    values themselves are in the validity summary)."""
    rows = {row.scale.scale_id: row for row in quality}
    notes = []
    for key, attribute, threshold in (
        ("alpha", "alpha_meets", conventions.alpha),
        ("icc2", "icc2_meets", conventions.icc2),
    ):
        ids = [
            scale.scale_id
            for scale in scales
            if getattr(rows.get(scale.scale_id), attribute, None) is False
        ]
        if ids:
            notes.append(
                t[f"org_heat_note_{key}"].format(
                    threshold=format_number(threshold, language=language), scales=", ".join(ids)
                )
            )
    return tuple(notes)


def heat_groups(scales: Sequence[ScaleInfo], *, t: Texts) -> tuple[HeatGroup, ...]:
    """The headings over the heat table's columns, merging adjacent columns of one group."""
    group_of = {scale_id: name for name, ids in GROUPS for scale_id in ids}
    groups: list[HeatGroup] = []
    for scale in scales:
        key = group_of.get(scale.facet_of or scale.scale_id, scale.module)
        title = t.get(f"org_group.{key}", key)
        if groups and groups[-1].title == title:
            groups[-1] = HeatGroup(title=title, span=groups[-1].span + 1)
        else:
            groups.append(HeatGroup(title=title, span=1))
    return tuple(groups)


def validity(
    analysis: CampaignResult,
    quality: Sequence[QualityRow],
    *,
    conventions: Conventions,
    t: Texts,
    language: str,
) -> OrganisationValidity:
    """The validity summary: each scale's reliability and agreement with the reasons its values
    are greyed, what that means in plain words, and the organisation's screening."""
    rows = tuple(
        ValidityRow(
            quality=row,
            reasons=tuple(
                reason
                for reason in (
                    alpha_reason(row, conventions=conventions, t=t, language=language),
                    icc2_reason(row, conventions=conventions, t=t, language=language),
                )
                if reason
            ),
        )
        for row in quality
    )
    return OrganisationValidity(
        rows=rows,
        statements=_statements(quality, conventions=conventions, t=t, language=language),
        n_excluded=int(analysis.n_excluded),
        screening=screening_rules(analysis, t=t),
    )


def _statements(
    quality: Sequence[QualityRow], *, conventions: Conventions, t: Texts, language: str
) -> tuple[str, ...]:
    """What the summary says, described and not graded: how many scales reach each convention
    and which do not."""
    sentences = []
    for key, attribute, threshold in (
        ("alpha", "alpha_meets", conventions.alpha),
        ("icc2", "icc2_meets", conventions.icc2),
    ):
        assessed = [row for row in quality if getattr(row, attribute) is not None]
        if not assessed:
            continue
        below = [row.scale.name for row in assessed if getattr(row, attribute) is False]
        met = [row.scale.name for row in assessed if getattr(row, attribute) is True]
        # Name the shorter list: "on 2 of 15 scales, A and B" reads better than 13 names.
        wording = (
            "all"
            if not below
            else "none"
            if not met
            else "few"
            if len(met) < len(below)
            else "some"
        )
        values = {
            "threshold": format_number(threshold, language=language),
            "met": len(met),
            "total": len(assessed),
            "scales": ", ".join(met if wording == "few" else below),
        }
        sentences.append(t[f"org_validity_{key}_{wording}"].format(**values))
    sentences.append(t["org_validity_describe"])
    return tuple(sentences)
