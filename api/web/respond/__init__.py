"""The respondent's form at ``/r/{token}``: welcome, one page per scale block, check your
answers, send, thank you; and a page for every state a link can be in."""

from api.web.respond.routes import router

__all__ = ["router"]
