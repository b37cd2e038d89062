"""The leader's portal: the reports of the units of their subtree, as web pages and as PDFs."""

from api.web.portal.routes import router

__all__ = ["router"]
