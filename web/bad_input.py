"""Bad input is refused where it enters, once for every route (issue 14, point 6).

- Ids in paths: `<int:…>` takes only what an id column holds (0 … 2³¹−1, PostgreSQL's
  INTEGER); a larger number names no record, so the route answers 404 as for any unknown id.
- Any request whose path, query or form holds a NUL or another control character, or text
  that is no valid Unicode, is answered 400 before a view sees it (PostgreSQL cannot even
  compare such text, so a view would otherwise fail on it).
- Numbers in queries (`?account=`) go through `row_id`.
- The API's JSON body is parsed by `json_body`: too deep a nesting is refused before parsing.

What a form's fields may hold beyond that (one line in a one-line field, integers in range,
moments in range) is the engine's rule for every caller: engine/forms/values.py.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter, Map

from engine.forms.values import MAX_ID, as_id, text_problem
from web.errors import render_error

MAX_JSON_DEPTH = 32  # an inquiry is one flat object; 32 levels is far more than any use
_OPEN, _CLOSE, _QUOTE, _BACKSLASH = b"[{", b"]}", ord('"'), ord("\\")


class RowIdConverter(IntegerConverter):
    """`<int:…>` for ids: at most what an id column holds."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def row_id(value: str) -> int:
    """For `request.args.get(name, type=row_id)`: an id, or ValueError (the arg is then None)."""
    found = as_id(value)
    if found is None:
        raise ValueError(f"not a row id: {value!r}")
    return found


def _unreadable() -> bool:
    """Whether the path, query or form holds text no view should have to handle."""
    texts = [request.path]
    form: MultiDict[str, str] = request.form if request.method == "POST" else MultiDict()
    for source in (request.args, form):
        for key, values in source.lists():
            texts += [key, *values]
    return any(text_problem(text) for text in texts)


def json_depth_exceeds(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether a JSON text nests arrays and objects deeper than `limit` (brackets inside
    strings do not count). Checked before parsing: a deep enough nesting would exhaust the
    parser's recursion, and anything deeper than a form's fields is no use to us."""
    depth, in_string, escaped = 0, False, False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == _BACKSLASH:
                escaped = True
            elif byte == _QUOTE:
                in_string = False
        elif byte == _QUOTE:
            in_string = True
        elif byte in _OPEN:
            depth += 1
            if depth > limit:
                return True
        elif byte in _CLOSE:
            depth -= 1
    return False


class TooDeep(ValueError):
    """A JSON body nested deeper than MAX_JSON_DEPTH."""


def json_body() -> Any:
    """The request's JSON body; None when it is no JSON at all (or not sent as JSON);
    TooDeep when nested too deep."""
    if not request.is_json:
        return None
    raw = request.get_data(cache=True)
    if json_depth_exceeds(raw):
        raise TooDeep(f"nested deeper than {MAX_JSON_DEPTH}")
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return None


def init_app(app: Flask) -> None:
    """Before any blueprint registers its routes: the converter is read when a rule is added."""
    app.url_map.converters["int"] = RowIdConverter

    @app.before_request
    def refuse_unreadable() -> Any:
        if request.path.startswith("/api/"):
            return None  # the API answers in JSON (web/api.py) and checks its own body
        if _unreadable():
            return render_error(400, _("The request contained characters that are not allowed."))
        return None
