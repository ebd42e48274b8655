"""Oversikt over kontoane: how each account is answered, for the comms section, its head, admins
and auditors. The view is a read model a process package registers as "account_overview";
without it the page does not exist."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from engine.extensions import ReadModel
from web.extensions import engine

bp = Blueprint("overview", __name__, url_prefix="/overview")
READ_MODEL = "account_overview"


def overview_model() -> ReadModel | None:
    return engine().registry.read_models.get(READ_MODEL)


def may_see_overview() -> bool:
    model = overview_model()
    return model is not None and current_user.has_any(*model.roles)


@bp.get("/")
@login_required
def index() -> str:
    model = overview_model()
    if model is None:
        abort(404)
    if not current_user.has_any(*model.roles):
        abort(403)
    rows = model.query(engine(), current_user.username)
    return render_template(
        "overview.html", rows=rows, window_days=model.facts.get("window_days", 0)
    )
