"""The parts of the team report built on top of its scale scores: the previous wave, item
distributions (reverse-keyed statements marked), meanings, the summary, questions and methods.
What a figure supports is decided once per scale by ``reports._verdicts``; the summary and the
questions read those verdicts and decide nothing of their own.

Whether an item's distribution may be shown is decided by
``analysis.confidentiality.distribution_disclosable``, never here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import pandas as pd

from analysis.confidentiality import distribution_disclosable
from analysis.invariance_scales import INVARIANCE_MIN_GROUP_N
from instrument.model import Instrument
from reports import _frames
from reports._lookups import AXES, screening_rules
from reports._verdicts import direction
from reports.formatting import format_number, format_percent
from reports.texts_meanings import MEANINGS, QUESTIONS
from reports.views import (
    CampaignResult,
    Estimate,
    ItemDistribution,
    ItemGroup,
    Meaning,
    Methods,
    Placement,
    ScaleInfo,
    ScaleScore,
    Trend,
)

Texts = Mapping[str, str]


def comparable_scales(invariance: pd.DataFrame | None) -> dict[str, bool]:
    """Scale id to whether invariance allows comparing its means between teams."""
    if invariance is None:
        return {}
    return {
        str(row["scale"]): _frames.flag(row, "means_comparable")
        for row in invariance.to_dict("records")
    }


def invariance_groups(invariance: pd.DataFrame | None) -> int | None:
    """How many groups (departments) the invariance was tested across, if it was."""
    if invariance is None or invariance.empty or "n_groups" not in invariance.columns:
        return None
    return int(invariance["n_groups"].max())


def trend(
    score: ScaleScore, rows: Mapping[str, _frames.Record] | None, *, t: Texts
) -> Trend | None:
    """The change since the previous wave (``rows``: this team's trend rows by scale)."""
    if rows is None:
        return None
    row = rows.get(score.scale.scale_id)
    if row is None or not score.shown:
        reason = t["trend_missing"] if score.shown else score.hidden_reason
        return Trend(previous=None, change=None, reason=reason)
    previous = _frames.number(row, "mean_previous")
    if not _frames.flag(row, "shown"):
        # The analysis words its reasons in English for its own users; a report names them
        # by code, in its language, and never prints a message meant for developers.
        code = row.get("reason_code")
        text = t.get(f"trend_reason.{code}") or t["trend_reason.untested"]
        return Trend(previous=None, change=None, reason=t["trend_not_shown"].format(reason=text))
    change = _estimate(row, "change", "change_ci_low", "change_ci_high")
    return Trend(previous=previous, change=change, reason=None)


def trend_rows(previous: pd.DataFrame | None, team_id: str) -> dict[str, _frames.Record] | None:
    if previous is None:
        return None
    rows = previous.to_dict("records")
    if "team" in previous.columns:
        rows = [row for row in rows if str(row["team"]) == team_id]
    return {str(row["scale"]): row for row in rows}


def _estimate(row: _frames.Record, value: str, low: str, high: str) -> Estimate | None:
    point = _frames.number(row, value)
    if point is None:
        return None
    return Estimate(point, _frames.number(row, low), _frames.number(row, high))


def item_groups(
    analysis: CampaignResult,
    *,
    instrument: Instrument,
    team_id: str,
    scales: Sequence[ScaleScore],
    language: str,
    t: Texts,
) -> tuple[ItemGroup, ...]:
    """Each shown scale's items with the team's shares per option, or the reason they are
    hidden."""
    frame = analysis.item_distributions
    counts: dict[str, list[int]] = {}
    if len(frame):
        own = _frames.of_team(frame, team_id).sort_values(["item", "option"])
        for item, group in own.groupby("item", sort=False):
            counts[str(item)] = [int(c) for c in group["count"]]
    texts = {item.id: item.text[language] for item in instrument.items}
    reverse = {item.id for item in instrument.items if item.reverse}
    by_id = {scale.id: scale for scale in instrument.scales}
    k = analysis.min_group_size
    groups = []
    for score in scales:
        scale = by_id.get(score.scale.scale_id)
        if scale is None:
            continue
        items = tuple(
            replace(
                _distribution(item, texts[item], counts.get(item), score=score, k=k, t=t),
                reverse=item in reverse,
            )
            for item in scale.items
        )
        groups.append(ItemGroup(scale=score.scale, items=items))
    return tuple(groups)


def _distribution(
    item: str, text: str, counts: list[int] | None, *, score: ScaleScore, k: int, t: Texts
) -> ItemDistribution:
    if not score.shown:
        return ItemDistribution(item, text, None, None, t["item_scale_hidden"])
    counts = counts or []
    if not distribution_disclosable(counts, min_group_size=k):
        reason = t["item_too_few"].format(n=k) if sum(counts) < k else t["item_unanimous"]
        return ItemDistribution(item, text, None, None, reason)
    n = sum(counts)
    return ItemDistribution(item, text, n, tuple(c / n for c in counts), None)


def meanings(catalogue: Mapping[str, ScaleInfo], *, language: str) -> tuple[Meaning, ...]:
    texts = MEANINGS[language]
    return tuple(
        Meaning(scale=scale, text=texts[scale_id])
        for scale_id, scale in catalogue.items()
        if scale_id in texts
    )


def _names(scores: Sequence[ScaleScore]) -> str:
    return ", ".join(score.scale.name for score in scores)


def summary(
    scales: Sequence[ScaleScore],
    *,
    placement: Placement | None,
    n_respondents: int,
    response_rate: float | None,
    low: int,
    high: int,
    t: Texts,
    language: str,
) -> tuple[str, ...]:
    """The summary page in plain words, from the figures: it describes, never grades."""
    rate = (
        ""
        if response_rate is None
        else t["summary_rate"].format(rate=format_percent(response_rate, language=language))
    )
    sentences = [t["summary_participation"].format(n=n_respondents, rate=rate)]
    shown = [s for s in scales if s.shown and s.team is not None]
    # Only figures the statistics support are named as the team's highest and lowest: a
    # greyed figure is not read as it stands anywhere in the report.
    readable = [s for s in shown if s.verdict is not None and s.verdict.figure_supported]
    if len(readable) > 1:
        most = max(readable, key=lambda s: s.team.value if s.team else 0.0)
        least = min(readable, key=lambda s: s.team.value if s.team else 0.0)
        sentences.append(
            t["summary_most_least"].format(
                most=most.scale.name,
                most_mean=format_number(most.team.value if most.team else None, language=language),
                least=least.scale.name,
                least_mean=format_number(
                    least.team.value if least.team else None, language=language
                ),
                low=low,
                high=high,
            )
        )
    sentences.extend(_comparison_sentences(shown, t))
    if placement is not None:
        profile = t[f"profile.{placement.profile}"]
        text = t[f"profile_text.{placement.profile}"]
        sentences.append(t["summary_plane"].format(profile=profile, text=text))
        if not placement.certain:
            sentences.append(t["summary_plane_uncertain"])
        # The placement is read from the two axes' figures: greyed axes grey it too.
        axes = [
            s
            for s in shown
            if s.scale.scale_id in AXES and s.verdict is not None and s.verdict.figure
        ]
        if axes:
            sentences.append(t["summary_plane_greyed"].format(scales=_names(axes)))
    sentences.extend(_trend_sentences(shown, t))
    greyed = [s for s in shown if s.verdict is not None and s.verdict.figure]
    if greyed:
        sentences.append(t["summary_caveats"].format(scales=_names(greyed)))
    withheld = [
        s
        for s in shown
        if s.verdict is not None
        and s.verdict.has_rest
        and s.verdict.comparison
        and not s.verdict.figure
    ]
    if withheld:
        sentences.append(t["summary_caveats_comparison"].format(scales=_names(withheld)))
    return tuple(sentences)


def _comparison_sentences(shown: Sequence[ScaleScore], t: Texts) -> list[str]:
    """How the team compares with the rest of the organisation, on the scales whose verdict
    supports a comparison only; nothing compared when there is no rest (a one-team campaign)."""
    verdicts = [s.verdict for s in shown if s.verdict is not None]
    if not any(v.has_rest for v in verdicts):
        return [t["summary_no_rest"]] if verdicts else []
    if not any(v.comparison_supported for v in verdicts):
        return [t["summary_no_comparison"]]
    higher = [s for s in shown if s.verdict is not None and s.verdict.clear == 1]
    lower = [s for s in shown if s.verdict is not None and s.verdict.clear == -1]
    sentences = []
    if higher:
        sentences.append(t["summary_higher"].format(scales=_names(higher)))
    if lower:
        sentences.append(t["summary_lower"].format(scales=_names(lower)))
    if not higher and not lower:
        partial = any(v.has_rest and not v.comparison_supported for v in verdicts)
        sentences.append(
            t["summary_no_difference_supported" if partial else "summary_no_difference"]
        )
    else:
        sentences.append(t["summary_clearly"])
    return sentences


def _trend_sentences(shown: Sequence[ScaleScore], t: Texts) -> list[str]:
    with_trend = [s for s in shown if s.trend is not None]
    if not with_trend:
        return []
    if all(s.trend is None or s.trend.change is None for s in with_trend):
        return [t["summary_trend_unavailable"]]
    up = [s for s in with_trend if s.trend and direction(s.trend.change) == 1]
    down = [s for s in with_trend if s.trend and direction(s.trend.change) == -1]
    sentences = []
    if up:
        sentences.append(t["summary_trend_up"].format(scales=_names(up)))
    if down:
        sentences.append(t["summary_trend_down"].format(scales=_names(down)))
    return sentences or [t["summary_trend_none"]]


def questions(
    scales: Sequence[ScaleScore], *, placement: Placement | None, t: Texts, language: str
) -> tuple[str, ...]:
    """The profile's question, one per scale where the team differs clearly (at most three),
    then general ones."""
    found = []
    if placement is not None:
        found.append(t[f"profile_question.{placement.profile}"])
    per_scale = QUESTIONS[language]
    notable = [s for s in scales if s.shown and s.verdict is not None and s.verdict.clear != 0]
    notable.sort(key=lambda s: -abs(s.difference.value if s.difference else 0.0))
    found.extend(per_scale[s.scale.scale_id] for s in notable[:3] if s.scale.scale_id in per_scale)
    found.extend(t[f"question_general_{i}"] for i in (1, 2, 3))
    return tuple(dict.fromkeys(found))


def methods(
    analysis: CampaignResult,
    *,
    invariance: Mapping[str, bool],
    catalogue: Mapping[str, ScaleInfo],
    t: Texts,
    groups: int | None = None,
) -> Methods:
    """The appendix's methods; ``groups``: the departments invariance was tested across."""
    rules = screening_rules(analysis, t=t)
    if not invariance:
        status = t["invariance_not_assessed"].format(min_n=INVARIANCE_MIN_GROUP_N)
    else:
        status = t["invariance_assessed"].format(
            comparable=sum(invariance.values()),
            total=len(invariance),
            groups=groups if groups is not None else "–",
            min_n=INVARIANCE_MIN_GROUP_N,
        )
        blocked = [catalogue[s].name for s, ok in invariance.items() if not ok and s in catalogue]
        if blocked:
            status += " " + t["invariance_not_comparable"].format(scales=", ".join(blocked))
    return Methods(
        n_excluded=int(analysis.n_excluded),
        screening=rules,
        invariance=status,
        min_group_size=analysis.min_group_size,
    )
