"""Raw answers out of the service for HR's own analyses, and paper or spreadsheet answers in.

Only an admin key may export or import: a leader never reads raw answers.

Export
------
One row per response: ``unit_id``, ``unit_name``, ``unit_pooled``, ``language``, then a column
per item in form order. Codes: the answer on the response scale; ``-9`` for 'does not apply /
prefer not to say'; blank (CSV) or system-missing (SPSS) for an item left unanswered. Beside
the items, a column per scale and composite, ``score_<id>``: the respondent's score exactly as
the results and reports compute it (``analysis.scoring.score_scales``: the mean of the answered
items after reverse keying, blank where fewer than the scale's minimum are answered), and
``careless``: 1 for a respondent the analysis excludes as careless (left out of the scales'
reliability), their answers kept, with ``careless_rules`` naming the screening rules that
excluded them (``analysis.quality``). Both are functions of the row's own answers (the
screening's Mahalanobis distance also of the sample's mean and covariance): they single out
nobody the answers beside them do not. Neither the response id nor the day of submission is
exported: both add a way to link a row to other records (a day narrows down who answered) and
neither adds anything to an analysis. Rows are sorted by unit, then by the answers themselves,
so that their order says nothing about the order of submission.

Only a closed campaign is exported, from its snapshot (409 while it is open), and each row
carries the label that the campaign's one disclosure decision gives its unit
(``analysis.confidentiality.decide``, docs/confidentiality.md), the decision the results and the
reports follow too. A team shown in the results carries its own name; the rows of a team under
the minimum carry the name of the unit up the chart where they are pooled with other small
groups into at least the minimum; rows that reach no such pool, even at the top of the chart,
are not exported, as they are in no figure. So the rows under every name number at least the
minimum, and no team shown in the results can be peeled off a name to leave a small group
behind. A unit without responses does not appear. When no row at all can be exported the export
is refused (409). The codebook lists, by name and never with a count per unit, every unit whose
rows carry another unit's name and every unit whose rows are withheld, with the number of rows
withheld in all.

Import
------
A CSV with the export's columns, read by ``api.services.csv_text.read_csv_table`` (comma- or
semicolon-separated, within its limits): ``unit_id`` or ``unit_external_id``; ``language``,
optional, the campaign's first language when absent or blank; ``unit_name`` and
``unit_pooled``, optional and ignored, as are the export's ``score_<id>``, ``careless`` and
``careless_rules`` (the analysis derives them again from the answers); a column per item, any
subset in any order. A cell
holds an integer on the response scale, ``-9`` or ``na`` for 'does not apply', or nothing for
'not answered'. Every row passes the rules of an online submission
(``api.services.campaigns.answer_errors``) and every problem is reported as
``rows[<line>].<column>``, lines numbered as in a spreadsheet (the header is line 1). One bad
row refuses the file: nothing is stored. Only an open campaign takes answers (409 otherwise): a
closed campaign's snapshot is frozen. An imported response carries the day of the import, as an
online one carries the day it was submitted.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pydantic import BaseModel
from sqlmodel import Session

from analysis.campaign import DEFAULT_POLICY
from analysis.confidentiality import POOLED_ATOM, Atom, Decision
from analysis.quality import RULES, screen_respondents
from analysis.scoring import score_scales
from api.services import campaigns as services
from api.services.access import Principal
from api.services.analysis_cache import ANALYSES
from api.services.campaigns import answer_errors
from api.services.collection import visible_campaign

# The one CSV reader and the spreadsheet guard, also where routes and pages import them from.
from api.services.csv_text import FORMULA_STARTS as FORMULA_STARTS
from api.services.csv_text import UnreadableCsv as UnreadableCsv
from api.services.csv_text import read_csv_table as read_csv_table
from api.services.csv_text import spreadsheet_safe as spreadsheet_safe
from api.services.errors import Conflict, FieldError, ValidationFailed
from api.store import repositories as repo
from api.store.models import AuditAction, CampaignStatus, ResponseCreate, utc_now
from instrument import Instrument, load_builtin

NOT_APPLICABLE = -9
"""The code of 'does not apply / prefer not to say', in the export and in the import."""
UNIT_COLUMNS = ("unit_id", "unit_name", "unit_pooled", "language")
"""``unit_pooled`` is 1 on the rows of units under the minimum pooled under ``unit_id`` with
other small units, 0 on a unit's own rows: a unit can hold both, and telling them apart keeps
a team shown in the results from being peeled off the pool."""
CARELESS_COLUMNS = ("careless", "careless_rules")
"""``careless`` 1 for a respondent the analysis excludes as careless, 0 otherwise;
``careless_rules`` the screening rules that excluded them (``EXCLUDING_RULES``), blank for 0."""
EXCLUDING_RULES = tuple(rule for rule in RULES if rule in DEFAULT_POLICY.exclude)
"""The screening rules whose flags exclude, in ``analysis.quality.RULES``' order."""
SCORE_PREFIX = "score_"
"""A scale's or composite's score column is its id behind this prefix (``score_HA``)."""
UNIT_EXTERNAL_ID = "unit_external_id"
_NOT_APPLICABLE_CELLS = frozenset({str(NOT_APPLICABLE), "na"})
_INTEGER = re.compile(r"[+-]?[0-9]+")
_UNRESOLVED = -1
"""Stands in for a unit already reported as missing or unknown, so it is not reported twice."""


class WithheldUnit(BaseModel):
    """A unit whose rows are not exported: pooled with the units around it up to the top of
    the chart, its respondents stay fewer than the minimum (they are in no figure either)."""

    unit_id: int
    unit_name: str


class FoldedUnit(BaseModel):
    """A unit whose rows are exported under another unit, higher in the tree."""

    unit_id: int
    unit_name: str
    folded_into_unit_id: int
    folded_into_unit_name: str


@dataclass(frozen=True)
class ExportRow:
    unit_id: int
    unit_name: str
    pooled: bool
    language: str
    codes: tuple[int | None, ...]
    """One per item in form order: the answer, ``NOT_APPLICABLE``, or None when unanswered."""
    scores: tuple[float | None, ...] = ()
    """One per scale then composite (``AnswerExport.score_ids``), None where not scorable."""
    careless: bool = False
    """Whether the analysis excludes the respondent as careless."""
    careless_rules: tuple[str, ...] = ()
    """The rules of ``EXCLUDING_RULES`` that flagged the respondent (empty when kept)."""


@dataclass(frozen=True)
class AnswerExport:
    """A campaign's answers after folding, as plain values, ready to be written out."""

    campaign_id: int
    snapshot: str
    """The fingerprint of the closed campaign's snapshot the rows come from."""
    campaign_name: str
    languages: tuple[str, ...]
    min_group_size: int
    instrument: Instrument
    rows: tuple[ExportRow, ...]
    units: Mapping[int, str]
    """The units that appear in the rows: id → name."""
    folded: tuple[FoldedUnit, ...]
    withheld: tuple[WithheldUnit, ...] = ()
    withheld_rows: int = 0
    """Responses not exported: those of the ``withheld`` units."""

    @property
    def score_ids(self) -> tuple[str, ...]:
        """The scales, then the composites, in the instrument's order."""
        return score_ids(self.instrument)

    @property
    def score_columns(self) -> tuple[str, ...]:
        return tuple(f"{SCORE_PREFIX}{score_id}" for score_id in self.score_ids)

    @property
    def columns(self) -> tuple[str, ...]:
        return (*UNIT_COLUMNS, *self.instrument.item_ids, *self.score_columns, *CARELESS_COLUMNS)


def score_ids(instrument: Instrument) -> tuple[str, ...]:
    """The ids of the instrument's scales then composites: the export's score columns."""
    return (*(s.id for s in instrument.scales), *(c.id for c in instrument.composites))


def export_answers(
    session: Session, *, principal: Principal, campaign_id: int, language: str | None = None
) -> AnswerExport:
    """Every response of the closed campaign that may leave the service, each row under the
    label the campaign's disclosure decision gives its unit (admins only). ``language``, when
    given, is the language its file is to be labelled in: one of the campaign's, checked
    before anything is read (``ValidationFailed`` naming the field)."""
    principal.require_admin()
    with session.begin():
        visible_campaign(session, principal=principal, campaign_id=campaign_id)
    data = services.load_snapshot(session, campaign_id=campaign_id)
    export_language(data.languages, language)
    decision = ANALYSES.analysis(data).decision
    with session.begin():
        responses = repo.response_contents(session, campaign_id=campaign_id)
    instrument = data.instrument
    derived = _derived_by_answers(data.responses, instrument=instrument)
    names = {u.id: u.name for u in data.units if u.id is not None}
    atoms = export_labels(decision, units=Counter(unit_id for unit_id, _, _ in responses))
    exported = [
        (atom, language, answers)
        for unit_id, language, answers in responses
        if (atom := atoms[unit_id]) is not None
    ]
    if responses and not exported:
        raise Conflict(
            "the export would single out respondents: no unit, even pooled with the units"
            " around it up to the top of the organisation chart, has as many responses as the"
            f" minimum group size of {data.min_group_size}"
        )
    rows = sorted(
        (
            ExportRow(
                unit_id=int(atom.unit),
                unit_name=names[int(atom.unit)],
                pooled=atom.kind == POOLED_ATOM,
                language=language,
                codes=codes,
                scores=found.scores,
                careless=found.careless,
                careless_rules=found.careless_rules,
            )
            for atom, language, answers in exported
            for codes in [_codes(answers, item_ids=instrument.item_ids)]
            for found in [derived[_answer_key(codes)]]
        ),
        key=_row_order,
    )
    folded = [
        FoldedUnit(
            unit_id=unit_id,
            unit_name=names[unit_id],
            folded_into_unit_id=int(atom.unit),
            folded_into_unit_name=names[int(atom.unit)],
        )
        for unit_id, atom in atoms.items()
        if atom is not None and int(atom.unit) != unit_id
    ]
    withheld = [
        WithheldUnit(unit_id=unit_id, unit_name=names[unit_id])
        for unit_id, atom in atoms.items()
        if atom is None
    ]
    services.record_read(session, campaign_id=campaign_id)
    return AnswerExport(
        campaign_id=campaign_id,
        snapshot=data.fingerprint or "",
        campaign_name=data.campaign_name,
        languages=data.languages,
        min_group_size=data.min_group_size,
        instrument=instrument,
        rows=tuple(rows),
        units={row.unit_id: row.unit_name for row in rows},
        folded=tuple(sorted(folded, key=lambda f: (f.unit_name, f.unit_id))),
        withheld=tuple(sorted(withheld, key=lambda w: (w.unit_name, w.unit_id))),
        withheld_rows=len(responses) - len(exported),
    )


def export_language(languages: Sequence[str], language: str | None) -> str:
    """The language a file of the export is labelled in: ``language``, which must be one of
    the campaign's ``languages``, or the campaign's first."""
    if language is None:
        return languages[0]
    if language not in languages:
        raise ValidationFailed(
            [
                FieldError(
                    "language",
                    f"{language!r} is not a language of the campaign: give one of"
                    f" {', '.join(languages)}",
                )
            ]
        )
    return language


def export_labels(decision: Decision, *, units: Mapping[int, int]) -> dict[int, Atom | None]:
    """The atom each unit's rows are exported under (its unit's id and name, and whether the
    rows are that unit's own or a pool of smaller units'), None for rows that cannot leave
    the service: the decision's, the same that every figure follows.

    The rows under a label are exactly one of the decision's atoms, never fewer than the
    minimum, and every published figure is the scored part of whole labels: no team shown in
    the results can be peeled off a label to leave a small group behind.
    """
    return {
        unit_id: decision.row_atom(str(unit_id))
        for unit_id, count in sorted(units.items())
        if count > 0
    }


@dataclass(frozen=True)
class _Derived:
    """What the analysis makes of one response: its scores and whether it is excluded."""

    scores: tuple[float | None, ...]
    careless: bool
    careless_rules: tuple[str, ...]


def _derived_by_answers(
    responses: pd.DataFrame, *, instrument: Instrument
) -> dict[bytes, _Derived]:
    """Each response's scores and careless flag, by its answers (``_answer_key``), as the
    analysis computes them: ``score_scales``, and ``screen_respondents`` under the analysis'
    own policy (``analyse_campaign``'s default), whose ``excluded`` is its exclusion.

    Both are computed here again, not taken from the cached analysis: the cache serves one
    analysis to every campaign with the same content, its rows in the order of whichever
    read it first, so its row labels need not match this read's. Both depend on a row's
    answers only (the Mahalanobis distance on the sample's too, the same for every row): two
    responses with the same answers get the same values, and the export's rows, read apart
    from this frame, find theirs by their answers."""
    if responses.empty:
        return {}
    answers = responses[list(instrument.item_ids)].to_numpy(dtype=np.float64)
    keys = np.where(np.isnan(answers), _MISSING, np.nan_to_num(answers)).astype(np.int64)
    scores = score_scales(responses, instrument=instrument)[list(score_ids(instrument))]
    flags = screen_respondents(responses, instrument=instrument, policy=DEFAULT_POLICY).respondents
    excluded = flags["excluded"].to_numpy(dtype=bool)
    rules = flags[[f"flag_{rule}" for rule in EXCLUDING_RULES]].to_numpy(dtype=bool)
    derived: dict[bytes, _Derived] = {}
    for key, row_scores, careless, flagged in zip(
        keys, scores.to_numpy(dtype=np.float64).tolist(), excluded.tolist(), rules, strict=True
    ):
        derived[key.tobytes()] = _Derived(
            scores=tuple(None if math.isnan(v) else v for v in row_scores),
            careless=careless,
            careless_rules=tuple(
                rule for rule, hit in zip(EXCLUDING_RULES, flagged, strict=True) if careless and hit
            ),
        )
    return derived


_MISSING = np.iinfo(np.int64).min
"""Stands for a missing answer in ``_answer_key``: no response scale reaches it."""


def _answer_key(codes: Sequence[int | None]) -> bytes:
    """A row's answers as the analysis reads them ('does not apply' is missing as unanswered),
    as the key of ``_derived_by_answers``."""
    return np.array(
        [_MISSING if code is None or code == NOT_APPLICABLE else code for code in codes],
        dtype=np.int64,
    ).tobytes()


def _codes(answers: Mapping[str, int | None], *, item_ids: Sequence[str]) -> tuple[int | None, ...]:
    return tuple(
        None if item_id not in answers else _code(answers[item_id]) for item_id in item_ids
    )


def _code(value: int | None) -> int:
    return NOT_APPLICABLE if value is None else int(value)


def _row_order(row: ExportRow) -> tuple[str, int, bool, tuple[int, ...], str]:
    # The answers themselves order the rows: nothing about when or how they were stored.
    unanswered = NOT_APPLICABLE - 1
    codes = tuple(unanswered if code is None else code for code in row.codes)
    return row.unit_name, row.unit_id, row.pooled, codes, row.language


# -- import -------------------------------------------------------------------------------------


class ImportReport(BaseModel):
    imported: int


@dataclass(frozen=True)
class _Rules:
    """What a campaign accepts: its instrument, units and languages."""

    instrument: Instrument
    units: set[int]
    languages: tuple[str, ...]
    external_ids: Mapping[str, int]


@dataclass(frozen=True)
class _Layout:
    """Where the columns of an import file are: the unit's, the language's and each item's."""

    width: int
    unit: tuple[int, str] | None
    language: int | None
    items: tuple[tuple[int, str], ...]


def import_answers(
    session: Session, *, principal: Principal, campaign_id: int, table: Sequence[Sequence[str]]
) -> ImportReport:
    """Store the responses of a CSV table (header first), all or none (admins only)."""
    principal.require_admin()
    with session.begin():
        campaign = visible_campaign(session, principal=principal, campaign_id=campaign_id)
        if campaign.status != CampaignStatus.open:
            raise Conflict(
                f"campaign {campaign_id} is {campaign.status}: answers can be imported only while"
                " it is open (a closed campaign's results are frozen in its snapshot)"
            )
        rules = _Rules(
            instrument=load_builtin(campaign.instrument_ref),
            units={row.unit_id for row in repo.campaign_units(session, campaign_id=campaign_id)},
            languages=tuple(campaign.languages),
            external_ids={
                u.external_id: u.id
                for u in repo.list_units(session, organisation_id=campaign.organisation_id)
                if u.external_id is not None and u.id is not None
            },
        )
        responses = read_responses(table, rules=rules)
        # Imported responses carry the day of the import: when a paper form was filled in is
        # not known, and the day of entry links to nobody.
        repo.insert_responses(
            session, campaign_id=campaign_id, responses=responses, day=utc_now().date()
        )
        for unit_id, count in sorted(Counter(r.unit_id for r in responses).items()):
            repo.add_audit_event(
                session,
                organisation_id=campaign.organisation_id,
                actor=principal.actor,
                action=AuditAction.answers_imported,
                campaign_id=campaign_id,
                unit_id=unit_id,
                count=count,
            )
        return ImportReport(imported=len(responses))


def read_responses(table: Sequence[Sequence[str]], *, rules: _Rules) -> list[ResponseCreate]:
    """The responses of a table, or ``ValidationFailed`` listing every problem in it."""
    if not table or not any(cell.strip() for cell in table[0]):
        raise ValidationFailed([FieldError("rows[1]", "the header line is missing")])
    layout, errors = _read_header(table[0], rules=rules)
    responses: list[ResponseCreate] = []
    for line, cells in enumerate(table[1:], start=2):
        if any(cell.strip() for cell in cells):
            response, problems = _read_row(cells, line=line, layout=layout, rules=rules)
            errors += problems
            if response is not None:
                responses.append(response)
    if not responses and not errors:
        errors.append(FieldError("rows", "the file has no responses under its header"))
    if errors:
        raise ValidationFailed(errors)
    return responses


def _read_header(header: Sequence[str], *, rules: _Rules) -> tuple[_Layout, list[FieldError]]:
    errors: list[FieldError] = []
    known = {*UNIT_COLUMNS, UNIT_EXTERNAL_ID, *rules.instrument.item_ids}
    # What the export derives from the answers is read again from them, never taken.
    derived = {*CARELESS_COLUMNS, *(f"{SCORE_PREFIX}{i}" for i in score_ids(rules.instrument))}
    found: dict[str, int] = {}
    for index, raw in enumerate(header):
        name = raw.strip()
        if name in derived and name not in found:
            found[name] = index
        elif not name:
            errors.append(FieldError(f"rows[1].(column {index + 1})", "the column has no name"))
        elif name in found:
            errors.append(
                FieldError(f"rows[1].{name}", f"duplicate column: also column {found[name] + 1}")
            )
        elif name not in known:
            errors.append(
                FieldError(
                    f"rows[1].{name}",
                    f"unknown column: not an item of {rules.instrument.ref}, nor one of"
                    f" {', '.join((*UNIT_COLUMNS, UNIT_EXTERNAL_ID))}",
                )
            )
        else:
            found[name] = index
    unit_columns = [c for c in ("unit_id", UNIT_EXTERNAL_ID) if c in found]
    if not unit_columns:
        errors.append(FieldError("rows[1].unit_id", "missing column: unit_id or unit_external_id"))
    elif len(unit_columns) == 2:
        errors.append(
            FieldError(f"rows[1].{UNIT_EXTERNAL_ID}", "give unit_id or unit_external_id, not both")
        )
    layout = _Layout(
        width=len(header),
        unit=(found[unit_columns[0]], unit_columns[0]) if unit_columns else None,
        language=found.get("language"),
        items=tuple((found[i], i) for i in rules.instrument.item_ids if i in found),
    )
    return layout, errors


def _read_row(
    cells: Sequence[str], *, line: int, layout: _Layout, rules: _Rules
) -> tuple[ResponseCreate | None, list[FieldError]]:
    where = f"rows[{line}]"
    if len(cells) != layout.width:
        return None, [FieldError(where, f"has {len(cells)} cells, the header {layout.width}")]
    unit_id, errors = _read_unit(cells, where=where, layout=layout, rules=rules)
    answers, problems = _read_answers(cells, where=where, layout=layout)
    errors += problems
    language = cells[layout.language].strip() if layout.language is not None else ""
    # The cells are typed above; answer_errors then applies every rule of an online submission,
    # stricter than the model's own (a language of the campaign, not just two letters).
    response = ResponseCreate.model_construct(
        unit_id=_UNRESOLVED if unit_id is None else unit_id,
        language=language or rules.languages[0],
        answers=answers,
    )
    problems = answer_errors(
        response,
        instrument=rules.instrument,
        units={_UNRESOLVED} if unit_id is None else rules.units,
        languages=rules.languages,
        prefix=where,
    )
    unit_column = f"{where}.{layout.unit[1] if layout.unit else 'unit_id'}"
    errors += [
        FieldError(
            e.field.replace(f"{where}.answers.", f"{where}.").replace(
                f"{where}.unit_id", unit_column
            ),
            e.reason,
        )
        for e in problems
    ]
    return (None if errors else response), errors


def _read_unit(
    cells: Sequence[str], *, where: str, layout: _Layout, rules: _Rules
) -> tuple[int | None, list[FieldError]]:
    if layout.unit is None:
        return None, []  # the missing column is reported once, for the header
    index, column = layout.unit
    cell = cells[index].strip()
    if not cell:
        reason = "is required"
    elif column == UNIT_EXTERNAL_ID:
        if cell in rules.external_ids:
            return rules.external_ids[cell], []
        reason = f"no unit of the organisation has the external id {cell!r}"
    elif cell.isascii() and cell.isdigit():
        return int(cell), []
    else:
        reason = f"{cell!r} is not a unit id (a whole number)"
    return None, [FieldError(f"{where}.{column}", reason)]


def _read_answers(
    cells: Sequence[str], *, where: str, layout: _Layout
) -> tuple[dict[str, int | None], list[FieldError]]:
    """The answers of a row by item id, with the cells that are not answers."""
    answers: dict[str, int | None] = {}
    errors: list[FieldError] = []
    for index, item_id in layout.items:
        cell = cells[index].strip()
        if cell.lower() in _NOT_APPLICABLE_CELLS:
            answers[item_id] = None
        elif _INTEGER.fullmatch(cell):
            answers[item_id] = int(cell)
        elif cell:
            errors.append(FieldError(f"{where}.{item_id}", f"{cell!r} is not an integer, -9 or na"))
    if not answers and not errors:
        errors.append(FieldError(where, "no item is answered: give -9 or na for 'does not apply'"))
    return answers, errors
