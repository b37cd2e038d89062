"""The respondent's routes: the token in the path is the only credential."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from pydantic import BaseModel

from api.http.deps import SessionDep
from api.services import collection

router = APIRouter(prefix="/respond", tags=["respond"])


class DraftSaved(BaseModel):
    answered: int
    total: int


@router.get("/{token}")
def get_form(
    token: str, session: SessionDep, language: str | None = None
) -> collection.RespondForm:
    """The questionnaire in the chosen language, with the answers saved so far."""
    return collection.respond_form(session, token=token, language=language)


@router.put("/{token}/draft")
def save_draft(
    token: str, data: collection.AnswersIn, session: SessionDep, language: str | None = None
) -> DraftSaved:
    """Save partial answers, to resume later with the same link. The language the respondent
    reads, in the body or as ``?language=``, is kept with the draft."""
    answered = collection.save_draft(session, token=token, data=data, language=language)
    form = collection.respond_form(session, token=token)
    return DraftSaved(answered=answered, total=form.total)


@router.post("/{token}", status_code=status.HTTP_204_NO_CONTENT)
def submit(
    token: str, data: collection.AnswersIn, session: SessionDep, language: str | None = None
) -> Response:
    """Submit the answers (merged over the saved draft). Every item needs an answer or null for
    'does not apply'. The token is used up. The response is stored in the language the
    respondent read: the body's, else ``?language=``, else the draft's, else the campaign's
    first."""
    collection.submit(session, token=token, data=data, language=language)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
