"""The respondent's routes: the token in the path is the only credential."""

from __future__ import annotations

from functools import partial
from weakref import WeakKeyDictionary

from anyio import CapacityLimiter, to_thread
from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel
from sqlalchemy import Engine

from api.http.deps import SessionDep, get_engine
from api.http.errors import error_responses
from api.services import collection
from api.store.db import concurrent_writers

# No key: the token is checked instead (404 for a token that does not exist, 409 once used).
router = APIRouter(
    prefix="/respond", tags=["respond"], responses=error_responses(404, 409, 422, 429)
)


class DraftSaved(BaseModel):
    answered: int
    total: int


# The submission first: the request that comes by the thousand then matches the first route it is
# tried against, instead of matching the form's path in part and going on.
@router.post(
    "/{token}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=error_responses(400, 413),
)
async def submit(
    token: str, data: collection.AnswersIn, request: Request, language: str | None = None
) -> Response:
    """Submit the answers (merged over the saved draft). Every item needs an answer or null for
    'does not apply'. The token is used up. The response is stored in the language the
    respondent read: the body's, else ``?language=``, else the draft's, else the campaign's
    first."""
    # At once on the event loop where the database allows: a SQLite file with no other
    # writer (its statements take microseconds; the hop to a thread and back took as long),
    # or PostgreSQL, whose round trips are awaited. Otherwise one hop to a worker thread for
    # the whole transaction, and no dependency (a sync one takes a hop of its own, a session
    # two); a few transactions at a time (``_writers``).
    engine = get_engine(request)
    fast = await collection.submit_on_loop(engine, token=token, data=data, language=language)
    if fast is not collection.Fast.stored:
        store = partial(
            collection.submit_with,
            engine,
            token=token,
            data=data,
            language=language,
            settle_first=fast is collection.Fast.settle_first,
        )
        await to_thread.run_sync(store, limiter=_writers(engine))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{token}")
def get_form(
    token: str, session: SessionDep, language: str | None = None
) -> collection.RespondForm:
    """The questionnaire in the chosen language, with the answers saved so far."""
    return collection.respond_form(session, token=token, language=language)


@router.put("/{token}/draft", responses=error_responses(400, 413))
def save_draft(
    token: str, data: collection.AnswersIn, session: SessionDep, language: str | None = None
) -> DraftSaved:
    """Save partial answers, to resume later with the same link. The language the respondent
    reads, in the body or as ``?language=``, is kept with the draft."""
    answered = collection.save_draft(session, token=token, data=data, language=language)
    form = collection.respond_form(session, token=token)
    return DraftSaved(answered=answered, total=form.total)


_WRITERS: WeakKeyDictionary[Engine, CapacityLimiter] = WeakKeyDictionary()


def _writers(engine: Engine) -> CapacityLimiter:
    """The submissions stored at once on ``engine``: more threads than the database can take
    writes at once only make them wait, holding the interpreter's lock in turns."""
    if engine not in _WRITERS:
        _WRITERS[engine] = CapacityLimiter(concurrent_writers(engine))
    return _WRITERS[engine]
