"""Fråvær: register when you (or someone on your account's team) are away, and cancel it (G2b)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from engine.errors import FormInvalid
from engine.forms.spec import parse_form
from engine.people import absences
from web.extensions import engine
from web.form_fields import parse_submission
from web.i18n import lang

bp = Blueprint("absence", __name__, url_prefix="/absence")

# How the posted form is read: the browser's datetime-local values are Norwegian wall-clock
# time, turned into moments with their offset as the start forms do.
FORM = parse_form(
    {
        "type": "object",
        "properties": {
            "username": {"type": "string"},
            "starts_at": {"type": "string", "format": "date-time"},
            "ends_at": {"type": "string", "format": "date-time"},
            "note": {"type": "string"},
        },
    }
)


@bp.get("/")
@login_required
def index() -> tuple[str, int]:
    return _page()


@bp.post("/")
@login_required
def register() -> Any:
    if current_user.read_only:
        abort(403)
    values = parse_submission(FORM, request.form)
    username = values.get("username") or current_user.username
    try:
        absences.register_absence(
            engine(),
            current_user.username,
            username,
            values.get("starts_at"),
            values.get("ends_at"),
            values.get("note"),
        )
    except FormInvalid as exc:
        return _page(values | {"username": username}, exc.messages(lang()))
    flash(_("The absence is registered."), "success")
    return redirect(url_for("absence.index"))


@bp.post("/<int:absence_id>/cancel")
@login_required
def cancel(absence_id: int) -> Response:
    absences.cancel_absence(engine(), current_user.username, absence_id)
    flash(_("The absence is cancelled."), "success")
    return redirect(url_for("absence.index"))


def _page(
    values: dict[str, Any] | None = None, errors: dict[str, str] | None = None
) -> tuple[str, int]:
    html = render_template(
        "absence.html",
        absences=absences.list_absences(engine(), current_user.username),
        people=absences.manageable_people(engine(), current_user.username),
        values=values or {"username": current_user.username},
        errors=errors or {},
    )
    return html, 422 if errors else 200
