"""The respondent's pages. The token in the path is the respondent's only credential; every
post carries an anti-forgery token signed with the installation's key, and every page is
served with the headers of ``api.web.pages.PageHeaders``.

Each page works as a plain HTML form: a post saves the page's answers in the draft and
redirects (post/redirect/get), so the back button and a reload never post twice. A small
script of our own, where it runs, saves the draft as answers change (``autosave``)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from api.services import access, collection
from api.services.collection import Opening, RespondentView
from api.services.errors import Conflict, NotFound, ValidationFailed
from api.web.i18n import LANGUAGES, negotiate
from api.web.pages import (
    PageError,
    SessionDep,
    check_form_token,
    check_same_origin,
    digits,
    form_token,
    read_form,
    render,
)
from instrument import Instrument, load_builtin

router = APIRouter(prefix="/r", include_in_schema=False)

SECONDS_PER_ITEM = 8
"""Reading and rating one agreement statement on a phone takes 5 to 10 seconds; with a minute
for the welcome page this is the time the welcome page announces."""

NOT_APPLICABLE = "na"
"""The posted value of the 'does not apply' choice, stored as null."""

AUTOSAVE_HEADER = "x-transversal-autosave"

_STATUS = {
    Opening.unknown: 404,
    Opening.used: 410,
    Opening.closed: 410,
    Opening.not_open: 409,
}


def _form_key(request: Request, session: Session) -> bytes:
    key: bytes | None = getattr(request.app.state, "form_key", None)
    if key is None:
        key = access.installation_key(session, name=access.FORM_KEY)
        request.app.state.form_key = key
    return key


@dataclass(frozen=True)
class Part:
    number: int
    items: tuple[str, ...]


def _parts(instrument: Instrument) -> list[Part]:
    """The form's pages: one per scale, in the instrument's order."""
    return [Part(n, scale.items) for n, scale in enumerate(instrument.scales, start=1)]


def _resume_part(parts: list[Part], draft: dict[str, Any]) -> int:
    """Where a respondent stopped: the last page with an answer, or the one after it once that
    page is complete; ``len(parts) + 1`` stands for the review."""
    touched = [p.number for p in parts if any(i in draft for i in p.items)]
    if not touched:
        return 1
    last = parts[touched[-1] - 1]
    return last.number + 1 if all(i in draft for i in last.items) else last.number


class Form:
    """One request's view of a link: its state, campaign, instrument, language and URLs."""

    def __init__(self, request: Request, session: Session, token: str) -> None:
        self.request = request
        self.session = session
        self.token = token
        self.view: RespondentView = collection.respondent_view(session, token=token)
        campaign = self.view.campaign
        self.languages = (
            [lang for lang in campaign.languages if lang in LANGUAGES] if campaign else []
        ) or list(LANGUAGES)
        self.language = self.pick_language(request.query_params.get("lang"))
        self.instrument = load_builtin(campaign.instrument_ref) if campaign else None

    def pick_language(self, asked: str | None) -> str:
        if asked in self.languages:
            assert asked is not None
            return asked
        if self.view.draft_language in self.languages:
            assert self.view.draft_language is not None
            return self.view.draft_language
        browser = negotiate(self.request.headers.get("accept-language"), self.languages)
        return browser or self.languages[0]

    # -- states ------------------------------------------------------------------------------

    def require_open(self) -> Instrument:
        if self.view.opening != Opening.open or self.instrument is None:
            raise StatePage(self)
        return self.instrument

    # -- URLs ---------------------------------------------------------------------------------

    def url(self, where: str = "", language: str | None = None) -> str:
        return f"/r/{self.token}{where}?lang={language or self.language}"

    def part_url(self, number: int, language: str | None = None, *, review: bool = False) -> str:
        """A page of statements; ``review`` brings the respondent back to the review after it."""
        return self.url(f"/p/{number}", language) + ("&return=review" if review else "")

    # -- page context ------------------------------------------------------------------------

    def context(self, instrument: Instrument, **extra: Any) -> dict[str, Any]:
        campaign = self.view.campaign
        assert campaign is not None
        parts = _parts(instrument)
        scale = instrument.response_scale
        return {
            "campaign": campaign.name,
            "languages": self.languages,
            "language_url": lambda lang: self.request.url.path + f"?lang={lang}",
            "parts": parts,
            "total": len(instrument.item_ids),
            "options": list(zip(scale.values, scale.labels[self.language], strict=True)),
            "na_value": NOT_APPLICABLE,
            "na_label": scale.not_applicable[self.language],
            "csrf": form_token(_form_key(self.request, self.session), self.token_subject),
            "form": self,
            "k": campaign.min_group_size,
            "closes_at": self.view.closes_at,
            **extra,
        }

    @property
    def token_subject(self) -> str:
        return access.digest(self.token)

    def item_text(self, instrument: Instrument, item_id: str) -> str:
        return instrument.item(item_id).text[self.language]


class StatePage(Exception):
    """The link is not open for answers: show the page of its state."""

    def __init__(self, form: Form) -> None:
        super().__init__(form.view.opening)
        self.form = form


def state_page(form: Form) -> Response:
    view = form.view
    when = view.closes_at if view.opening == Opening.closed else view.opens_at
    if view.opening == Opening.closed and when is not None and when > datetime.now(UTC):
        # Closed by HR before its closing time: that time is not when it closed.
        when = None
    return render(
        "respond/state.html",
        language=form.language,
        status=_STATUS[view.opening],
        state=str(view.opening),
        when=when,
        languages=form.languages if view.opening != Opening.unknown else list(LANGUAGES),
        language_url=lambda lang: form.request.url.path + f"?lang={lang}",
        start_url=None,
    )


def _answers(
    fields: dict[str, str], item_ids: tuple[str, ...] | list[str], instrument: Instrument
) -> tuple[dict[str, int | None], list[str]]:
    """The posted answers to ``item_ids`` and the items whose value is not one of the
    choices. An item not posted is left as it was: radios cannot be unchecked."""
    values = set(instrument.response_scale.values)
    answers: dict[str, int | None] = {}
    invalid: list[str] = []
    for item_id in item_ids:
        raw = fields.get(item_id)
        if raw is None:
            continue
        if raw == NOT_APPLICABLE:
            answers[item_id] = None
        elif digits(raw) and len(raw) < 4 and int(raw) in values:
            answers[item_id] = int(raw)
        else:
            invalid.append(item_id)
    return answers, invalid


def _save(form: Form, answers: dict[str, int | None], language: str) -> dict[str, int | None]:
    """Merge ``answers`` into the draft; the draft as stored."""
    try:
        collection.save_draft(
            form.session,
            token=form.token,
            data=collection.AnswersIn(answers=answers, language=language),
        )
    except (Conflict, NotFound) as exc:
        # Used, closed or gone since the page was served: show what happened.
        form.view = collection.respondent_view(form.session, token=form.token)
        raise StatePage(form) from exc
    return {**form.view.draft, **answers}


async def _posted(request: Request, form: Form) -> tuple[dict[str, str], str]:
    """The posted fields once they pass the origin and anti-forgery checks, and the language
    the respondent is now reading (a language button, else the page's)."""
    check_same_origin(request)
    fields = await read_form(request)
    check_form_token(_form_key(request, form.session), form.token_subject, fields.get("csrf"))
    switch = fields.get("switch")
    language = switch if switch in form.languages else form.pick_language(fields.get("lang"))
    assert language is not None
    form.language = language
    return fields, language


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# -- the pages ----------------------------------------------------------------------------------


@router.get("/{token}")
def welcome(token: str, request: Request, session: SessionDep) -> Response:
    form = Form(request, session, token)
    instrument = form.require_open()
    parts = _parts(instrument)
    draft = form.view.draft
    total = len(instrument.item_ids)
    resume = _resume_part(parts, draft)
    return render(
        "respond/welcome.html",
        language=form.language,
        **form.context(
            instrument,
            minutes=math.ceil((total * SECONDS_PER_ITEM + 60) / 60),
            answered=len(draft),
            start_url=form.part_url(1),
            resume_url=(form.url("/review") if resume > len(parts) else form.part_url(resume)),
        ),
    )


@router.get("/{token}/p/{number}")
def part_page(token: str, number: str, request: Request, session: SessionDep) -> Response:
    form = Form(request, session, token)
    instrument = form.require_open()
    part = _part(instrument, number)
    review = request.query_params.get("return") == "review"
    return _render_part(form, instrument, part, form.view.draft, invalid=[], review=review)


def _part(instrument: Instrument, number: str) -> Part:
    parts = _parts(instrument)
    if not digits(number) or not 1 <= int(number) <= len(parts):
        raise PageError(404, "not_found")
    return parts[int(number) - 1]


def _render_part(
    form: Form,
    instrument: Instrument,
    part: Part,
    answers: dict[str, int | None],
    *,
    invalid: list[str],
    review: bool = False,
) -> Response:
    parts = _parts(instrument)
    items = [_item(form, instrument, i, answers, invalid=i in invalid) for i in part.items]
    return render(
        "respond/part.html",
        language=form.language,
        status=422 if invalid else 200,
        **form.context(
            instrument,
            part=part,
            items=items,
            errors=[item for item in items if item["error"]],
            action=form.part_url(part.number),
            last=part.number == len(parts) or review,
            review=review,
        ),
    )


def _item(
    form: Form,
    instrument: Instrument,
    item_id: str,
    answers: dict[str, int | None],
    *,
    invalid: bool = False,
    missing: bool = False,
) -> dict[str, Any]:
    text = form.item_text(instrument, item_id)
    error = summary = None
    na = instrument.response_scale.not_applicable[form.language]
    if invalid:
        error, summary = "errors.invalid", "errors.invalid_summary"
    elif missing:
        error, summary = "errors.missing", "errors.missing_summary"
    return {
        "id": item_id,
        "text": text,
        "answered": item_id in answers,
        "answer": answers.get(item_id),
        "error": error,
        "summary": summary,
        "na": na,
    }


@router.post("/{token}/p/{number}")
async def save_part(token: str, number: str, request: Request, session: SessionDep) -> Response:
    form = Form(request, session, token)
    instrument = form.require_open()
    part = _part(instrument, number)
    fields, language = await _posted(request, form)
    answers, invalid = _answers(fields, part.items, instrument)
    draft = _save(form, answers, language)
    autosave = request.headers.get(AUTOSAVE_HEADER) == "1"
    review = fields.get("return") == "review"
    if invalid:
        if autosave:
            return Response(status_code=422)
        return _render_part(form, instrument, part, draft, invalid=invalid, review=review)
    if autosave:
        return Response(status_code=204)
    action = fields.get("action", "next")
    parts = _parts(instrument)
    if fields.get("switch") in form.languages:
        return _redirect(form.part_url(part.number, review=review))
    if review and action == "next":
        return _redirect(form.url("/review"))
    if action == "back":
        return _redirect(form.part_url(part.number - 1) if part.number > 1 else form.url())
    if action == "later":
        return _redirect(form.url("/saved"))
    if part.number < len(parts):
        return _redirect(form.part_url(part.number + 1))
    return _redirect(form.url("/review"))


@router.get("/{token}/review")
def review(token: str, request: Request, session: SessionDep) -> Response:
    form = Form(request, session, token)
    instrument = form.require_open()
    return _render_review(form, instrument, form.view.draft, invalid=[], missing=[])


def _render_review(
    form: Form,
    instrument: Instrument,
    answers: dict[str, int | None],
    *,
    invalid: list[str],
    missing: list[str],
) -> Response:
    """Check your answers: the statements not answered, linked to where they are; every
    answer with a link to change it; the button that sends. When sending found problems, the
    statements at fault are on this page, each with its problem beside it."""
    scale = instrument.response_scale
    labels = dict(zip(scale.values, scale.labels[form.language], strict=True))
    na = scale.not_applicable[form.language]
    part_of = {i: part for part in _parts(instrument) for i in part.items}

    def shown(item_id: str) -> str | None:
        if item_id not in answers:
            return None
        value = answers[item_id]
        return na if value is None else labels[value]

    unanswered = [
        {
            "id": i,
            "text": form.item_text(instrument, i),
            "url": form.part_url(part_of[i].number, review=True) + f"#{i}",
            "part": part_of[i].number,
        }
        for i in instrument.item_ids
        if i not in answers
    ]
    at_fault = [
        _item(form, instrument, i, answers, invalid=i in invalid, missing=i in missing)
        for i in instrument.item_ids
        if i in invalid or i in missing
    ]
    sections = [
        {
            "part": part,
            "rows": [
                {
                    "id": i,
                    "text": form.item_text(instrument, i),
                    "answer": shown(i),
                    "url": form.part_url(part.number, review=True) + f"#{i}",
                }
                for i in part.items
            ],
        }
        for part in _parts(instrument)
    ]
    return render(
        "respond/review.html",
        language=form.language,
        status=422 if at_fault else 200,
        **form.context(
            instrument,
            unanswered=unanswered,
            at_fault=at_fault,
            errors=at_fault,
            sections=sections,
            action=form.url("/review"),
        ),
    )


@router.post("/{token}/review")
async def send(token: str, request: Request, session: SessionDep) -> Response:
    form = Form(request, session, token)
    instrument = form.require_open()
    fields, language = await _posted(request, form)
    answers, invalid = _answers(fields, instrument.item_ids, instrument)
    draft = _save(form, answers, language)
    if request.headers.get(AUTOSAVE_HEADER) == "1":
        # The script saves answers given on this page as they change: never a sending.
        return Response(status_code=422 if invalid else 204)
    if fields.get("switch") in form.languages:
        return _redirect(form.url("/review"))
    if invalid:
        return _render_review(form, instrument, draft, invalid=invalid, missing=[])
    if fields.get("action", "send") != "send":
        return _redirect(form.url("/review"))
    try:
        collection.submit(
            session, token=token, data=collection.AnswersIn(answers={}, language=language)
        )
    except ValidationFailed as exc:
        missing = [
            e.field.removeprefix("answers.") for e in exc.errors if e.field.startswith("answers.")
        ]
        return _render_review(form, instrument, draft, invalid=[], missing=missing)
    except (Conflict, NotFound) as exc:
        form.view = collection.respondent_view(session, token=token)
        raise StatePage(form) from exc
    return _redirect(form.url("/thanks"))


@router.get("/{token}/saved")
def saved(token: str, request: Request, session: SessionDep) -> Response:
    form = Form(request, session, token)
    instrument = form.require_open()
    return render(
        "respond/saved.html",
        language=form.language,
        **form.context(instrument, back_url=form.url()),
    )


@router.get("/{token}/thanks")
def thanks(token: str, request: Request, session: SessionDep) -> Response:
    form = Form(request, session, token)
    if form.view.opening != Opening.used or form.view.campaign is None:
        # Not sent yet (or unknown): the thank-you page would be a lie.
        if form.view.opening == Opening.open:
            return _redirect(form.url())
        raise StatePage(form)
    campaign = form.view.campaign
    return render(
        "respond/thanks.html",
        language=form.language,
        campaign=campaign.name,
        languages=form.languages,
        language_url=lambda lang: request.url.path + f"?lang={lang}",
        k=campaign.min_group_size,
        closes_at=form.view.closes_at,
    )


@router.api_route("", methods=["GET", "POST"])
@router.api_route("/", methods=["GET", "POST"])
@router.api_route("/{token}/{rest:path}", methods=["GET", "POST"])
def no_such_page() -> Response:
    """Any other address under a link: a page of its own, not the API's JSON."""
    raise PageError(404, "not_found")
