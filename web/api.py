"""The JSON API for platform connectors (/api/v1): bearer tokens per account, JSON in and out.

No session cookie authenticates here, only the Authorization header; that is why the one view
is exempt from CSRF (a browser cannot be tricked into sending a bearer token). Errors are JSON
with the engine's message codes, never the HTML error pages.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from flask import Blueprint, current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from engine.errors import DatabaseUnavailable, FormInvalid, SomeflytError, Unauthorized
from engine.registers import connectors
from engine.store.db import is_unavailable
from engine.texts import translate
from web.bad_input import MAX_JSON_DEPTH, TooDeep, json_body
from web.errors import unavailable_headers
from web.extensions import csrf, engine, limiter

log = logging.getLogger(__name__)
bp = Blueprint("api", __name__, url_prefix="/api/v1")

API_LANG = "en"  # connectors are programs; their operators read English
MAX_BODY = 64 * 1024  # the largest inquiry is about 12 kB of JSON; refuse more early (413)


def _token_key() -> str:
    """Count a connector's requests per token, not per address (connectors share hosts)."""
    auth = request.authorization
    if auth is not None and auth.type == "bearer" and auth.token:
        return "token:" + hashlib.sha256(auth.token.encode("utf-8")).hexdigest()[:32]
    return "address:" + (request.remote_addr or "")


def _per_token_limit() -> str:
    return f"{current_app.config['API_REQUESTS_PER_MINUTE']} per minute"


def _failure_limit() -> str:
    return f"{current_app.config['API_AUTH_FAILURES_PER_MINUTE']} per minute"


def _refused(response: Response) -> bool:
    return response.status_code == 401


@bp.post("/inquiries")
@csrf.exempt
@limiter.limit(_per_token_limit, key_func=_token_key)
@limiter.limit(_failure_limit, deduct_when=_refused)  # per address: stops token guessing
def create_inquiry() -> ResponseReturnValue:
    """Register a platform message as an inquiry; the same message again makes nothing new."""
    request.max_content_length = MAX_BODY
    auth = request.authorization
    secret = auth.token if auth is not None and auth.type == "bearer" else None
    try:
        payload = json_body()  # None for malformed JSON: reported after auth
    except TooDeep:
        code, params = "json_too_deep", {"limit": MAX_JSON_DEPTH}
        errors = {"_body": {"code": code, "message": translate(code, params, API_LANG)}}
        return _error(400, "invalid", "The inquiry has errors.", errors=errors)
    result = connectors.register_inbound_inquiry(engine(), secret or "", payload)
    path = url_for("cases.show", instance_id=result.instance_id)
    body = {
        "instance_id": result.instance_id,
        "url": engine().settings.base_url + path,
        "status": "duplicate" if result.duplicate else "created",
    }
    if result.duplicate:
        return jsonify(body), 200
    return jsonify(body), 201, {"Location": body["url"]}


# --- errors, as JSON ---------------------------------------------------------------------------


@bp.errorhandler(SomeflytError)
def _someflyt_error(exc: SomeflytError) -> ResponseReturnValue:
    if isinstance(exc, DatabaseUnavailable):
        log.warning("api: database unavailable on %s: %s", request.path, exc.__cause__)
        return _unavailable(exc)
    if exc.status >= 500:
        log.error("api: workflow failed on %s: %s", request.path, exc.message)
        return _error(500, "internal_error", "Something went wrong on our side; retry later.")
    if isinstance(exc, FormInvalid):
        fields = {
            name: {"code": code, "message": translate(code, params, API_LANG)}
            for name, (code, params) in exc.errors.items()
        }
        return _error(400, "invalid", "The inquiry has errors.", errors=fields)
    response = _error(exc.status, exc.code or "error", exc.localized(API_LANG))
    if isinstance(exc, Unauthorized):
        response.headers["WWW-Authenticate"] = _challenge()
    return response


@bp.errorhandler(DBAPIError)
def _database_error(exc: DBAPIError) -> ResponseReturnValue:
    if is_unavailable(exc):
        log.warning("api: database unavailable on %s: %s", request.path, exc)
        return _unavailable(DatabaseUnavailable())
    log.exception("api: database error on %s", request.path)
    return _error(500, "internal_error", "Something went wrong on our side; retry later.")


def _unavailable(exc: DatabaseUnavailable) -> Response:
    """503 and Retry-After: the connector sends the same message again later (it is
    idempotent by its message id)."""
    response = _error(503, "database_unavailable", exc.localized(API_LANG))
    response.headers.update(unavailable_headers())
    return response


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> ResponseReturnValue:
    code = exc.code or 500
    return _error(code, (exc.name or "error").lower().replace(" ", "_"), exc.description or "")


@bp.errorhandler(Exception)
def _unexpected(exc: Exception) -> ResponseReturnValue:
    log.exception("api: unexpected error on %s", request.path)
    return _error(500, "internal_error", "Something went wrong on our side; retry later.")


def _error(status: int, code: str, message: str, **extra: Any) -> Response:
    response = jsonify({"error": code, "message": message, **extra})
    response.status_code = status
    return response


def _challenge() -> str:
    """RFC 6750: name the error only when a token was sent."""
    if request.authorization is not None and request.authorization.type == "bearer":
        return 'Bearer realm="someflyt", error="invalid_token"'
    return 'Bearer realm="someflyt"'
