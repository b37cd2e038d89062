"""Collecting answers: invitations, the respondent's form, drafts, submission and progress.

A respondent holds nothing but a one-time token. Submitting stores the response with its unit,
language and day only, and uses the token up, in one transaction: nobody can link a response
back to the invitation it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum, StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, Field, StrictInt, StringConstraints
from sqlalchemy import Engine
from sqlmodel import Session

from api.services.access import TOKEN_PREFIX, Principal, digest, new_secret
from api.services.campaigns import answer_errors, aware, require_campaign, settle
from api.services.errors import Conflict, FieldError, NotFound, ValidationFailed
from api.store import repositories as repo
from api.store.models import (
    AuditAction,
    Campaign,
    CampaignStatus,
    Invitation,
    InvitationCreate,
    ResponseCreate,
    utc_now,
)
from api.store.submissions import (
    SubmissionTransaction,
    WouldWait,
    submission_on_loop,
    submission_transaction,
    submits_on_loop,
    transaction_without_waiting,
)
from instrument import Instrument, load_builtin

_USED = "this invitation has already been used to submit answers"


class Option(BaseModel):
    value: int
    label: str


class FormItem(BaseModel):
    id: str
    text: str


class RespondForm(BaseModel):
    """What a respondent's browser needs to show the questionnaire and resume a draft."""

    campaign: str
    language: str
    languages: list[str]
    options: list[Option]
    not_applicable: str = Field(description="Label of the 'does not apply' choice, sent as null.")
    items: list[FormItem]
    answers: dict[str, int | None] = Field(description="The saved draft, to resume from.")
    answered: int
    total: int
    closes_at: datetime | None


MAX_ANSWERS = 1_000
"""The most answers one request may carry: far above any instrument's items, so that a huge
answer set is refused (422) before any work is done on it."""
MAX_ITEM_ID_LENGTH = 100
"""The longest item id an answer may name."""


class AnswersIn(BaseModel):
    """Answers by item id: an integer on the response scale, or null for 'does not apply'."""

    # Strict: true, 7.0 and "7" are not answers on the scale, so they are refused, not coerced.
    answers: dict[
        Annotated[str, StringConstraints(max_length=MAX_ITEM_ID_LENGTH)], StrictInt | None
    ] = Field(max_length=MAX_ANSWERS)
    language: str | None = Field(default=None, min_length=2, max_length=2)


class UnitProgress(BaseModel):
    unit_id: int
    name: str
    invited: int
    responses: int
    imported: int = Field(description="Of the responses, those imported from paper forms.")
    response_rate: float | None = Field(
        description="Responses given online over the invited: imported ones were not invited"
        " through the service, so they never push the rate over 1."
    )


class CampaignProgress(BaseModel):
    campaign_id: int
    status: CampaignStatus
    invited: int
    responses: int
    imported: int
    units: list[UnitProgress]


def visible_campaign(
    session: Session, *, principal: Principal, campaign_id: int, audit: bool = False
) -> Campaign:
    """The campaign if this key may see it; otherwise it does not exist, as far as the key knows.
    ``audit``: for the views of an auditor too (the campaign's settings, its disclosure decision,
    its audit log), which see every campaign of the organisation and never a result."""
    campaign = repo.get_campaign(session, campaign_id=campaign_id)
    if campaign is None or campaign.organisation_id != principal.organisation_id:
        raise NotFound("campaign", campaign_id)
    settle(session, campaign)
    if not principal.is_admin and not (audit and principal.is_auditor):
        units = {row.unit_id for row in repo.campaign_units(session, campaign_id=campaign_id)}
        if not units & principal.units:
            raise NotFound("campaign", campaign_id)
    return campaign


def get_visible_campaign(
    session: Session, *, principal: Principal, campaign_id: int, audit: bool = False
) -> Campaign:
    with session.begin():
        return visible_campaign(session, principal=principal, campaign_id=campaign_id, audit=audit)


def visible_campaigns(session: Session, *, principal: Principal) -> list[Campaign]:
    """The campaigns this key may see: all of the organisation's (an admin's or an auditor's),
    or a leader's own."""
    with session.begin():
        campaigns = [
            settle(session, c)
            for c in repo.list_campaigns(session, organisation_id=principal.organisation_id)
        ]
        if principal.is_admin or principal.is_auditor:
            return campaigns
        return [
            c
            for c in campaigns
            if c.id is not None
            and {r.unit_id for r in repo.campaign_units(session, campaign_id=c.id)}
            & principal.units
        ]


def issue_invitations(
    session: Session, *, principal: Principal, campaign_id: int, data: InvitationCreate
) -> list[str]:
    """New one-time tokens for a unit of the campaign; they are returned this once."""
    principal.require_admin()
    with session.begin():
        campaign = visible_campaign(session, principal=principal, campaign_id=campaign_id)
        if campaign.status == CampaignStatus.closed:
            raise Conflict(f"campaign {campaign_id} is closed")
        units = {row.unit_id: row for row in repo.campaign_units(session, campaign_id=campaign_id)}
        if data.unit_id not in units:
            raise ValidationFailed(
                [FieldError("unit_id", f"unit {data.unit_id} is not part of the campaign")]
            )
        # A closed campaign reopened may hold a unit archived since: it invites nobody more.
        unit = repo.units_by_id(session, unit_ids=[data.unit_id]).get(data.unit_id)
        if unit is not None and unit.archived_at is not None:
            raise Conflict(f"unit {data.unit_id} is archived: it receives no invitations")
        tokens = [new_secret(TOKEN_PREFIX) for _ in range(data.count)]
        repo.insert_invitations(
            session,
            campaign_id=campaign_id,
            unit_id=data.unit_id,
            token_hashes=[digest(t) for t in tokens],
        )
        invited = units[data.unit_id].invited + data.count
        repo.set_campaign_units(session, campaign_id=campaign_id, invited={data.unit_id: invited})
        audit_invitations(
            session, campaign=campaign, actor=principal.actor, unit_id=data.unit_id,
            count=data.count,
        )  # fmt: skip
        return tokens


def audit_invitations(
    session: Session, *, campaign: Campaign, actor: str, unit_id: int, count: int
) -> None:
    """Log ``count`` invitations made for the unit: issued before the campaign opens, added
    once it is open (the organisation report lists the additions)."""
    repo.add_audit_event(
        session,
        organisation_id=campaign.organisation_id,
        actor=actor,
        action=(
            AuditAction.invitations_added
            if campaign.status == CampaignStatus.open
            else AuditAction.invitations_issued
        ),
        campaign_id=campaign.id,
        unit_id=unit_id,
        count=count,
    )


def respond_form(session: Session, *, token: str, language: str | None = None) -> RespondForm:
    with session.begin():
        invitation, campaign = _invitation(session, token)
        instrument = load_builtin(campaign.instrument_ref)
        chosen = language or invitation.draft_language or campaign.languages[0]
        if chosen not in campaign.languages:
            raise ValidationFailed(
                [FieldError("language", f"{chosen!r} is not a language of the campaign")]
            )
        draft = dict(invitation.draft or {})
        scale = instrument.response_scale
        return RespondForm(
            campaign=campaign.name,
            language=chosen,
            languages=list(campaign.languages),
            options=[
                Option(value=v, label=label)
                for v, label in zip(scale.values, scale.labels[chosen], strict=True)
            ],
            not_applicable=scale.not_applicable[chosen],
            items=[
                FormItem(id=i, text=instrument.item(i).text[chosen]) for i in instrument.item_ids
            ],
            answers=draft,
            answered=len(draft),
            total=len(instrument.item_ids),
            closes_at=campaign.closes_at,
        )


def save_draft(
    session: Session, *, token: str, data: AnswersIn, language: str | None = None
) -> int:
    """Keep partial answers to resume later; returns how many items are answered so far.
    ``language`` is the one asked for in the query, beside the body's."""
    with session.begin():
        invitation, response = _accepted_answers(
            session, token, data, complete=False, asked=language
        )
        answers = dict(response.answers)
        if not repo.save_draft(
            session, invitation_id=_id(invitation), answers=answers, language=response.language
        ):
            raise Conflict(_USED)
        return len(answers)


def submit(session: Session, *, token: str, data: AnswersIn, language: str | None = None) -> None:
    """Store the response and use the token up, in one transaction. ``language`` is the one
    asked for in the query, beside the body's."""
    with session.begin():
        invitation, response = _accepted_answers(
            session, token, data, complete=True, asked=language
        )
        # The guarded update, not the row lock, is what lets only one submission through.
        stored = repo.store_submission(
            session,
            invitation_id=_id(invitation),
            campaign_id=invitation.campaign_id,
            response=response,
            day=utc_now().date(),
        )
        if not stored:
            raise Conflict(_USED)


class Fast(Enum):
    """How far a submission got on a path that runs on the event loop."""

    stored = "stored"
    """Stored (a refusal is raised as ``submit`` raises it)."""
    elsewhere = "elsewhere"
    """Not tried, nothing changed: for ``submit_with`` in a worker thread (another database,
    SQLite's write lock taken by another connection)."""
    settle_first = "settle_first"
    """Nothing changed: the campaign is not plainly open, for ``submit_with`` with
    ``settle_first``, which moves it on its schedule first."""


def submit_with(
    engine: Engine,
    *,
    token: str,
    data: AnswersIn,
    language: str | None = None,
    settle_first: bool = False,
) -> None:
    """``submit`` in a transaction of its own on ``engine``: the same reads, rules and writes,
    sent on the pool's connection without a session (``api.store.submissions``), the path of
    the API's submissions. A campaign that is not plainly open (or ``settle_first``: a
    path of the event loop found it so) takes ``submit``'s path, which moves it on its
    schedule first."""
    _same_language(data, language)
    if not settle_first:
        with submission_transaction(engine) as transaction:
            if _store_if_plainly_open(transaction, token=token, data=data, language=language):
                return
    with Session(engine, expire_on_commit=False) as session:
        submit(session, token=token, data=data, language=language)


def submit_without_waiting(
    engine: Engine, *, token: str, data: AnswersIn, language: str | None = None
) -> Fast:
    """``submit_with`` where it needs no waiting (on a SQLite file, when no other connection
    is writing), for the event loop to run at once."""
    _same_language(data, language)
    try:
        with transaction_without_waiting(engine) as transaction:
            if transaction is None:
                return Fast.elsewhere
            if _store_if_plainly_open(transaction, token=token, data=data, language=language):
                return Fast.stored
            return Fast.settle_first
    except WouldWait:
        return Fast.elsewhere


def _store_if_plainly_open(
    transaction: SubmissionTransaction, *, token: str, data: AnswersIn, language: str | None
) -> bool:
    """Store the submission in ``transaction`` and commit it, or refuse it as ``submit``
    would; False, with nothing written, when its campaign is not plainly open (for
    ``submit``'s path, which moves the campaign on its schedule first)."""
    found = transaction.invitation_and_campaign(token_hash=digest(token))
    accepted = _accepted_if_plainly_open(found, data=data, language=language)
    if accepted is None:
        return False
    if not transaction.store(**accepted):
        raise Conflict(_USED)
    transaction.commit()
    return True


async def submit_on_loop(
    engine: Engine, *, token: str, data: AnswersIn, language: str | None = None
) -> Fast:
    """``submit_with`` on the event loop where the database allows: at once on a SQLite file
    with no other writer (``submit_without_waiting``), awaited on PostgreSQL
    (``submits_on_loop``); ``Fast.elsewhere``, with nothing changed, where it must wait in a
    worker thread instead."""
    if not submits_on_loop(engine):
        return submit_without_waiting(engine, token=token, data=data, language=language)
    _same_language(data, language)
    async with submission_on_loop(engine) as transaction:
        found = await transaction.invitation_and_campaign(token_hash=digest(token))
        accepted = _accepted_if_plainly_open(found, data=data, language=language)
        if accepted is None:
            return Fast.settle_first
        if not await transaction.store(**accepted):
            raise Conflict(_USED)
    return Fast.stored


def _accepted_if_plainly_open(
    found: tuple[Invitation, Campaign] | None, *, data: AnswersIn, language: str | None
) -> dict[str, Any] | None:
    """What to store for the invitation and campaign ``found`` by a submission's token (the
    arguments of ``store``), or the refusal ``submit`` gives; None when the campaign is not
    plainly open (``submit``'s path moves it on its schedule first)."""
    invitation, campaign = _unused(found)
    if not _plainly_open(campaign):
        return None
    return {
        "invitation_id": _id(invitation),
        "campaign_id": invitation.campaign_id,
        "response": _answers_of(invitation, campaign, data, complete=True, asked=language),
        "day": utc_now().date(),
    }


def _accepted_answers(
    session: Session, token: str, data: AnswersIn, *, complete: bool, asked: str | None
) -> tuple[Invitation, ResponseCreate]:
    """The invitation and the response of the answers merged over its draft, in their
    language, once the campaign is taking answers and the answers pass every rule (all items
    when ``complete``)."""
    _same_language(data, asked)
    invitation, campaign = _invitation(session, token, lock=True)
    return invitation, _answers_of(invitation, campaign, data, complete=complete, asked=asked)


def _same_language(data: AnswersIn, asked: str | None) -> None:
    """The language of the body and of the query (``asked``) must agree when both are given."""
    if data.language and asked and data.language != asked:
        raise ValidationFailed(
            [
                FieldError(
                    "language",
                    f"the query asks for {asked!r} and the body for {data.language!r}: give one",
                )
            ]
        )


def _answers_of(
    invitation: Invitation,
    campaign: Campaign,
    data: AnswersIn,
    *,
    complete: bool,
    asked: str | None,
) -> ResponseCreate:
    """The response of the answers merged over the invitation's draft, once the campaign is
    taking answers and the answers pass every rule. Its language is the one the respondent
    read: the body's or the query's, else the draft's, else the campaign's first."""
    _require_accepting(campaign)
    instrument = load_builtin(campaign.instrument_ref)
    merged = {**(invitation.draft or {}), **data.answers}
    language = data.language or asked or invitation.draft_language or campaign.languages[0]
    return _check_answers(invitation, campaign, instrument, merged, language, complete=complete)


def campaign_progress(
    session: Session, *, principal: Principal, campaign_id: int
) -> CampaignProgress:
    """Invitations and responses per unit: counts only. A leader sees their own units."""
    with session.begin():
        campaign = visible_campaign(session, principal=principal, campaign_id=campaign_id)
        invited = repo.count_invitations(session, campaign_id=campaign_id)
        planned = {
            row.unit_id: row.invited
            for row in repo.campaign_units(session, campaign_id=campaign_id)
        }
        responses = repo.count_responses(session, campaign_id=campaign_id)
        imported = repo.imported_by_unit(session, campaign_id=campaign_id)
        names = {u.id: u.name for u in repo.units_by_id(session, unit_ids=planned).values()}
    units = [
        _unit_progress(
            unit_id,
            names[unit_id],
            invited=max(invited.get(unit_id, 0), planned[unit_id]),
            responses=responses.get(unit_id, 0),
            imported=imported.get(unit_id, 0),
        )
        for unit_id in sorted(planned, key=lambda u: names[u])
        if principal.sees(unit_id)
    ]
    return CampaignProgress(
        campaign_id=campaign_id,
        status=CampaignStatus(campaign.status),
        invited=sum(u.invited for u in units),
        responses=sum(u.responses for u in units),
        imported=sum(u.imported for u in units),
        units=units,
    )


def _unit_progress(
    unit_id: int, name: str, *, invited: int, responses: int, imported: int
) -> UnitProgress:
    return UnitProgress(
        unit_id=unit_id,
        name=name,
        invited=invited,
        responses=responses,
        imported=imported,
        response_rate=(responses - imported) / invited if invited else None,
    )


def _invitation(session: Session, token: str, *, lock: bool = False) -> tuple[Invitation, Campaign]:
    """The token's invitation and campaign, as read (not to be changed through the session)."""
    # An unknown token and a used one take the same path up to here: one lookup by digest, with
    # the campaign in the same statement.
    found = repo.invitation_and_campaign(session, token_hash=digest(token), lock=lock)
    invitation, campaign = _unused(found)
    if not _plainly_open(campaign):
        # Its schedule may have moved it since: read it into the session and ``settle`` it.
        campaign = require_campaign(session, invitation.campaign_id)
    return invitation, campaign


def _unused(found: tuple[Invitation, Campaign] | None) -> tuple[Invitation, Campaign]:
    """The invitation and campaign a token's digest found, refused as every path refuses
    them: no invitation (``NotFound``), or one used already (``Conflict``)."""
    if found is None:
        raise NotFound("invitation", "for this token")
    invitation, campaign = found
    if invitation.used:
        raise Conflict(_USED)
    return invitation, campaign


def _plainly_open(campaign: Campaign) -> bool:
    """Open, and within its dates as stored: nothing its schedule has to settle first."""
    return campaign.status == CampaignStatus.open and _opening(campaign) == Opening.open


def _id(invitation: Invitation) -> int:
    assert invitation.id is not None
    return invitation.id


class Opening(StrEnum):
    """Where an invitation link stands, as its respondent's page tells it."""

    open = "open"
    unknown = "unknown"
    used = "used"
    not_open = "not_open"
    closed = "closed"


@dataclass(frozen=True)
class RespondentView:
    """What the respondent's pages show for a link: where it stands and, when the link is
    known and unused, its campaign and the saved draft."""

    opening: Opening
    campaign: Campaign | None = None
    draft: dict[str, int | None] = field(default_factory=dict)
    draft_language: str | None = None

    @property
    def opens_at(self) -> datetime | None:
        return aware(self.campaign.opens_at) if self.campaign else None

    @property
    def closes_at(self) -> datetime | None:
        return aware(self.campaign.closes_at) if self.campaign else None


def respondent_view(session: Session, *, token: str) -> RespondentView:
    """The link's state for the respondent's pages: never an error, since each state has its
    own page. A used link keeps its campaign (for the thank-you page) but never a draft."""
    with session.begin():
        invitation = repo.invitation_by_hash(session, token_hash=digest(token))
        if invitation is None:
            return RespondentView(Opening.unknown)
        campaign = require_campaign(session, invitation.campaign_id)
        if invitation.used:
            return RespondentView(Opening.used, campaign=campaign)
        return RespondentView(
            _opening(campaign),
            campaign=campaign,
            draft=dict(invitation.draft or {}),
            draft_language=invitation.draft_language,
        )


def _opening(campaign: Campaign) -> Opening:
    now = utc_now()
    opens_at = aware(campaign.opens_at)
    closes_at = aware(campaign.closes_at)
    if campaign.status == CampaignStatus.closed or (closes_at is not None and now >= closes_at):
        return Opening.closed
    if campaign.status == CampaignStatus.draft or (opens_at is not None and now < opens_at):
        return Opening.not_open
    return Opening.open


def _require_accepting(campaign: Campaign) -> None:
    opens = campaign.opens_at.isoformat() if campaign.opens_at else "when HR opens it"
    closes = campaign.closes_at.isoformat() if campaign.closes_at else "when HR closes it"
    window = f"it opens {opens} and closes {closes}"
    opening = _opening(campaign)
    if campaign.status != CampaignStatus.open:
        raise Conflict(f"the campaign is {campaign.status}, not open: {window}")
    if opening == Opening.not_open:
        raise Conflict(f"the campaign has not opened yet: {window}")
    if opening == Opening.closed:
        raise Conflict(f"the campaign has closed: {window}")


def _check_answers(
    invitation: Invitation,
    campaign: Campaign,
    instrument: Instrument,
    answers: dict[str, int | None],
    language: str,
    *,
    complete: bool,
) -> ResponseCreate:
    """The response the answers make, once they pass every rule (all items when
    ``complete``)."""
    if language not in campaign.languages:
        # Checked before the response is built: its model takes no language of another length.
        raise ValidationFailed(
            [FieldError("language", f"{language!r} is not a language of the campaign")]
        )
    # Built without validating its fields again: the answers passed ``AnswersIn`` (or were
    # saved as a draft after passing it), the unit is the invitation's and the language one of
    # the campaign's. Validating them again was a tenth of a submission's own time.
    response = ResponseCreate.model_construct(
        unit_id=invitation.unit_id, language=language, answers=answers
    )
    errors = answer_errors(
        response,
        instrument=instrument,
        units={invitation.unit_id},
        languages=campaign.languages,
        prefix="",
    )
    errors = [FieldError(e.field.lstrip("."), e.reason) for e in errors]
    if complete:
        errors += [
            FieldError(f"answers.{item_id}", "is required: answer it, or choose 'does not apply'")
            for item_id in instrument.item_ids
            if item_id not in answers
        ]
    if errors:
        raise ValidationFailed(errors)
    return response
