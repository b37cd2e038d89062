"""The pages of the people who sign in: HR's console, the auditor's views, the leader's portal,
and the sign-in form itself."""

from api.web.console.routes import router

__all__ = ["router"]
