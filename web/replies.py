"""Lagra svar: the saved replies the moderators copy to the platforms (G3, G6–G8, G10, E5).

Everyone signed in may read them; the comms section and admins create, edit, deactivate and
reactivate them (engine.registers.replies checks that again and audits every change)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engine.errors import FormInvalid
from engine.registers import replies
from web.extensions import engine
from web.i18n import lang

bp = Blueprint("replies", __name__, url_prefix="/replies")


def purpose_labels() -> dict[str, str]:
    return {
        "thanks": _("Thanks (G3)"),
        "formal_request": _("Formal request needed (G7)"),
        "political_referral": _("Referral to the political level (G8)"),
        "confidential_redirect": _("Confidential: use another channel (G10)"),
        "contact_refusal": _("Declining a pupil's contact request (E5)"),
        "answer": _("Answer"),
    }


def tone_labels() -> dict[str, str]:
    return {"factual": _("Factual"), "humorous": _("Humorous"), "formal": _("Formal")}


def field_labels() -> dict[str, str]:
    return {
        "key": _("Key"),
        "purpose": _("Purpose"),
        "tone": _("Tone"),
        "title_nn": _("Title (Nynorsk)"),
        "title_nb": _("Title (Bokmål)"),
        "text_nn": _("Text (Nynorsk)"),
        "text_nb": _("Text (Bokmål)"),
        "active": _("Status"),
    }


def placeholder_help() -> dict[str, str]:
    return {
        "author": _("the sender's name on the platform"),
        "account_name": _("the name of our account"),
        "platform": _("the platform, e.g. Instagram"),
        "unit_name": _("the unit that owns the account, e.g. the school"),
    }


@bp.get("/")
@login_required
def index() -> str:
    may_edit = replies.may_edit(engine(), current_user.username)
    return render_template(
        "replies.html",
        replies=replies.list_replies(engine(), include_inactive=True),
        may_edit=may_edit,
        purposes=purpose_labels(),
        tones=tone_labels(),
        error=None,
    )


@bp.get("/<key>")
@login_required
def show(key: str) -> str:
    reply = replies.get_reply(engine(), key)
    return render_template(
        "reply.html",
        reply=reply,
        preview=_preview(reply),
        history=replies.history(engine(), key),
        may_edit=replies.may_edit(engine(), current_user.username),
        purposes=purpose_labels(),
        tones=tone_labels(),
        field_labels=field_labels(),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Any:
    _require_editor()
    values: dict[str, Any] = {"key": "", "purpose": "answer", "tone": None}
    if request.method == "GET":
        return _form_page(values, None, new=True)
    values = _posted() | {"key": request.form.get("key", "").strip()}
    if request.form.get("action") == "preview":
        return _preview_page(values, new=True)
    try:
        replies.create_reply(engine(), current_user.username, values["key"], values)
    except FormInvalid as exc:
        return _form_page(values, exc, new=True)
    flash(_("The saved reply was created."), "success")
    return redirect(url_for("replies.show", key=values["key"]))


@bp.route("/<key>/edit", methods=["GET", "POST"])
@login_required
def edit(key: str) -> Any:
    _require_editor()
    values = replies.get_reply(engine(), key)
    if request.method == "GET":
        return _form_page(values, None, new=False)
    values = values | _posted()
    if request.form.get("action") == "preview":
        return _preview_page(values, new=False)
    try:
        changed = replies.update_reply(engine(), current_user.username, key, values)
    except FormInvalid as exc:
        return _form_page(values, exc, new=False)
    flash(_("Saved.") if changed else _("Nothing was changed."), "success")
    return redirect(url_for("replies.show", key=key))


@bp.post("/<key>/active")
@login_required
def set_active(key: str) -> Any:
    _require_editor()
    active = request.form.get("active") == "1"
    try:
        replies.set_reply_active(engine(), current_user.username, key, active)
    except FormInvalid as exc:
        html = render_template(
            "replies.html",
            replies=replies.list_replies(engine(), include_inactive=True),
            may_edit=True,
            purposes=purpose_labels(),
            tones=tone_labels(),
            error=(key, exc.messages(lang())["active"]),
        )
        return html, 422
    flash(_("The saved reply is offered again.") if active else _("Deactivated."), "success")
    return redirect(url_for("replies.index"))


def _require_editor() -> None:
    if not replies.may_edit(engine(), current_user.username):
        abort(403)


def _posted() -> dict[str, Any]:
    return {name: request.form.get(name, "").strip() for name in replies.FIELDS}


def _preview(values: dict[str, Any]) -> dict[str, str]:
    """Both texts with sample values in the placeholders, as a moderator would copy them."""
    return {
        "nn": replies.fill(values.get("text_nn") or "", replies.SAMPLE_VALUES),
        "nb": replies.fill(values.get("text_nb") or "", replies.SAMPLE_VALUES),
    }


def _preview_page(values: dict[str, Any], new: bool) -> tuple[str, int]:
    """Check and show the texts without saving anything."""
    try:
        replies.clean_fields(values)
    except FormInvalid as exc:
        return _form_page(values, exc, new=new)
    return _form_page(values, None, new=new, preview=_preview(values))


def _form_page(
    values: dict[str, Any],
    error: FormInvalid | None,
    new: bool,
    preview: dict[str, str] | None = None,
) -> tuple[str, int]:
    html = render_template(
        "reply_form.html",
        values=values,
        errors=error.messages(lang()) if error else {},
        new=new,
        preview=preview or (None if new or error else _preview(values)),
        purposes=purpose_labels(),
        tones=tone_labels(),
        placeholders=placeholder_help(),
        field_labels=field_labels(),
    )
    return html, 422 if error else 200
