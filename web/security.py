"""Response headers that keep pages from being framed, sniffed or cached on shared machines."""

from __future__ import annotations

from flask import Flask, request
from flask_login import current_user
from werkzeug.wrappers import Response

# bpmn-js sets inline styles on the diagram; nothing else needs more than 'self'.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'none'; object-src 'none'"
)


# Static files hold nothing personal and may be cached.
PUBLIC_PREFIXES = ("/static/", "/vendor/")


def init_app(app: Flask) -> None:
    @app.after_request
    def secure_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config.get("HSTS"):  # production (web/settings.py): HTTPS from here on
            response.headers.setdefault("Strict-Transport-Security", app.config["HSTS"])
        # (A 503 asks nobody who is signed in: that would read the database that is down.)
        private = response.status_code == 503 or current_user.is_authenticated
        if private and not request.path.startswith(PUBLIC_PREFIXES):
            # Case data is personal: a shared office PC must not show it from its cache.
            response.headers["Cache-Control"] = "no-store"
        return response
