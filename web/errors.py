"""Error pages in the user's language; never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, current_app, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from engine.errors import DatabaseUnavailable, SomeflytError
from engine.store.db import is_unavailable
from web.i18n import lang

log = logging.getLogger(__name__)

# PostgreSQL was back 0.18 s after a restart in the drill; a few seconds is a polite wait.
RETRY_AFTER_SECONDS = 5


def _titles() -> dict[int, str]:
    return {
        400: _("The request could not be understood"),
        403: _("You do not have access"),
        404: _("Not found"),
        405: _("Not allowed"),
        409: _("Someone got there first"),
        413: _("The upload is too large"),
        429: _("Too many attempts"),
        500: _("Something went wrong on our side"),
    }


def _explanations() -> dict[int, str]:
    return {
        400: _("The form was not sent as expected. Go back, reload the page and try again."),
        403: _("Your roles do not give access to this page or action."),
        404: _("The page or case you asked for does not exist."),
        405: _("This address does not take that kind of request."),
        409: _("The case changed while you were working on it."),
        413: _("Files may be at most 5 MB."),
        429: _("Too many failed attempts. Wait a minute and try again."),
        500: _("The error has been logged. Nothing you sent was saved."),
    }


def render_unavailable() -> tuple[str, int, dict[str, str]]:
    """503 while the database does not answer. Rendered without the context processors (the
    menu, counts and banners all read the database) and without asking who is signed in."""
    template = current_app.jinja_env.get_template("unavailable.html")
    page = template.render(
        status=503,
        title=_("The service is unavailable for a moment"),
        message=_(
            "The database does not answer just now. Wait a moment and try again; "
            "a form you sent can be sent again."
        ),
        retry=(request.full_path if request.query_string else request.path)
        if request.method == "GET"
        else None,
    )
    return page, 503, unavailable_headers()


def unavailable_headers() -> dict[str, str]:
    return {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}


def render_error(status: int, message: str | None = None) -> tuple[str, int]:
    title = _titles().get(status, _titles()[500])
    message = message or _explanations().get(status, _explanations()[500])
    return render_template("error.html", status=status, title=title, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(DatabaseUnavailable)
    def database_unavailable(exc: DatabaseUnavailable) -> tuple[str, int, dict[str, str]]:
        log.warning("database unavailable on %s: %s", request.path, exc.__cause__)
        return render_unavailable()

    @app.errorhandler(DBAPIError)
    def database_error(exc: DBAPIError) -> tuple[str, int] | tuple[str, int, dict[str, str]]:
        """A driver error that reached a view outside a unit of work."""
        if is_unavailable(exc):
            log.warning("database unavailable on %s: %s", request.path, exc)
            return render_unavailable()
        log.exception("database error on %s", request.path)
        return render_error(500)

    @app.errorhandler(SomeflytError)
    def someflyt_error(exc: SomeflytError) -> tuple[str, int]:
        if exc.status >= 500:
            log.error("workflow failed on %s: %s", request.path, exc.message)
            return render_error(exc.status)
        return render_error(exc.status, exc.localized(lang()))

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> tuple[str, int]:
        return render_error(
            400, _("The form had no valid security token. Reload the page and try again.")
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[str, int]:
        return render_error(exc.code or 500)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> tuple[str, int]:
        log.exception("unexpected error on %s", request.path)
        return render_error(500)
