"""Samtykkeregister: the consents that photos of people on the official accounts rely on (G11).

Account teams, the comms section, admins and auditors read it (engine.registers.consents
decides what each may see and do, and audits every change); registering and withdrawing are
for all of them except auditors. A withdrawal starts a removal task for every post that used
the consent.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engine.errors import FormInvalid
from engine.registers import consents, listing
from web.extensions import engine
from web.i18n import lang

bp = Blueprint("consents", __name__, url_prefix="/consents")


@bp.app_context_processor
def navigation() -> dict[str, Any]:
    """Whether the menu offers the register: only to those who may read it."""
    if not current_user.is_authenticated:
        return {"may_use_consents": False}
    return {"may_use_consents": consents.access_for(engine(), current_user.username).may_read}


def field_labels() -> dict[str, str]:
    return {
        "person_name": _("Name of the person"),
        "under_15": _("The person is under 15"),
        "given_by": _("Who consented"),
        "guardian_name": _("Name of the guardian"),
        "given_on": _("Date the consent was given"),
        "account_id": _("Account the consent covers"),
        "scope": _("What the consent covers"),
        "valid_until": _("Valid until (last day, if any)"),
        "storage": _("Where the signed consent is kept"),
        "reason": _("Reason for the withdrawal"),
    }


def given_by_labels() -> dict[str, str]:
    return {"self": _("The person themselves"), "guardian": _("A guardian")}


@bp.get("/")
@login_required
def index() -> str:
    name = request.args.get("name", "").strip()
    access = consents.access_for(engine(), current_user.username)
    return render_template(
        "consents.html",
        consents=consents.list_consents(engine(), current_user.username, name=name),
        name=name,
        may_register=access.may_change,
        given_by=given_by_labels(),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Any:
    access = consents.access_for(engine(), current_user.username)
    if not access.may_change:
        abort(403)
    values: dict[str, Any] = {"given_by": "self", "account_id": request.args.get("account_id")}
    if request.method == "GET":
        return _form_page(values, None)
    values = {name: request.form.get(name, "").strip() for name in consents.FIELDS}
    values["under_15"] = request.form.get("under_15") == "on"
    try:
        consent_id = consents.register_consent(engine(), current_user.username, values)
    except FormInvalid as exc:
        return _form_page(values, exc)
    flash(_("The consent was registered."), "success")
    return redirect(url_for("consents.show", consent_id=consent_id))


@bp.get("/<int:consent_id>")
@login_required
def show(consent_id: int) -> str:
    return _show_page(consent_id)[0]


@bp.post("/<int:consent_id>/withdraw")
@login_required
def withdraw(consent_id: int) -> Any:
    reason = request.form.get("reason", "").strip()
    try:
        started = consents.withdraw_consent(engine(), current_user.username, consent_id, reason)
    except FormInvalid as exc:
        return _show_page(consent_id, exc.messages(lang()).get("reason"), reason)
    flash(
        _("The consent was withdrawn. Removal tasks: %(num)d.", num=len(started)),
        "success",
    )
    return redirect(url_for("consents.show", consent_id=consent_id))


def _show_page(consent_id: int, error: str | None = None, reason: str = "") -> tuple[str, int]:
    html = render_template(
        "consent.html",
        consent=consents.get_consent(engine(), current_user.username, consent_id),
        given_by=given_by_labels(),
        field_labels=field_labels(),
        error=error,
        reason=reason,
    )
    return html, 422 if error else 200


def _form_page(values: dict[str, Any], error: FormInvalid | None) -> tuple[str, int]:
    access = consents.access_for(engine(), current_user.username)
    accounts = [
        a
        for a in listing.accounts(engine(), status="active", with_activity=False)
        if access.read_all or a["id"] in access.accounts
    ]
    html = render_template(
        "consent_form.html",
        values=values,
        errors=error.messages(lang()) if error else {},
        accounts=accounts,
        all_accounts=access.read_all,
        given_by=given_by_labels(),
        field_labels=field_labels(),
    )
    return html, 422 if error else 200
