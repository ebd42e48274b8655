"""Languages: Nynorsk first, Bokmål and English on request (kept in the session)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Flask, redirect, request, session
from flask_babel import Babel, get_locale
from werkzeug.wrappers import Response

LANGUAGES = {"nn": "Nynorsk", "nb": "Bokmål", "en": "English"}
DEFAULT = "nn"

babel = Babel()
bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    chosen = session.get("lang")
    return chosen if chosen in LANGUAGES else DEFAULT


def lang() -> str:
    """The language of this request, for messages rendered by the engine."""
    return str(get_locale() or DEFAULT)


def safe_next(target: str | None, fallback: str = "/") -> str:
    """Only paths on this site: an open redirect would let a phishing link borrow our name."""
    if not target:
        return fallback
    parts = urlsplit(target)
    # Browsers read a backslash as "/", so a path starting "/" + backslash would leave the site.
    odd = "\\" in target or any(ord(c) < 32 for c in target)
    if odd or parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


@bp.post("/language")
def choose_language() -> Response:
    chosen = request.form.get("lang", "")
    if chosen in LANGUAGES:
        session["lang"] = chosen
    return redirect(safe_next(request.form.get("next")))


def init_app(app: Flask) -> None:
    babel.init_app(
        app, locale_selector=select_locale, default_translation_directories="translations"
    )
    app.register_blueprint(bp)
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, current_lang=lang)
