"""Mi side: who you are in SoMe-flyt, and the language you read pages and e-mails in."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from engine.people import directory
from web.extensions import engine
from web.i18n import LANGUAGES

bp = Blueprint("profile", __name__, url_prefix="/me")


@bp.get("/")
@login_required
def index() -> str:
    chosen = directory.language_of(engine(), current_user.username)
    return render_template("profile.html", chosen=chosen)


@bp.post("/")
@login_required
def save() -> Response:
    chosen = request.form.get("language", "")
    # The engine refuses anything but nn, nb and en (a 400 page) before it changes anything.
    directory.set_language(engine(), current_user.username, chosen)
    session["lang"] = chosen
    refresh()  # this request already chose its language; the message below is in the new one
    flash(
        _("Saved. Pages and e-mails now come in %(language)s.", language=LANGUAGES[chosen]),
        "success",
    )
    return redirect(url_for("profile.index"))
