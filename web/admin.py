"""Administration: people, their groups (roles) and units, and deploying new diagram versions.

Every change goes through engine.people.directory or engine.cases.services, which audit it
and let open tasks follow group changes at once."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from engine.cases import services
from engine.delivery import send as delivery
from engine.errors import DefinitionInvalid, FormInvalid
from engine.people import directory
from engine.people.lanes import ROLES
from engine.registers import listing
from web.auth import roles_required
from web.extensions import engine
from web.i18n import lang

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
@roles_required("admin")
def users() -> str:
    return render_template(
        "admin_users.html",
        users=listing.users(engine(), include_inactive=True),
        units=_unit_names(),
        roles=ROLES,
    )


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required("admin")
def new_user() -> Any:
    values: dict[str, Any] = {"roles": [], "active": True}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = _person_form()
        password = request.form.get("password", "")
        try:
            directory.create_user(engine(), current_user.username, values, password)
        except FormInvalid as exc:
            errors = exc.messages(lang())
        else:
            flash(_("User %(name)s created.", name=values["username"]), "success")
            return redirect(url_for("admin.users"))
    return _user_page(values, errors, new=True)


@bp.route("/users/<username>", methods=["GET", "POST"])
@roles_required("admin")
def edit_user(username: str) -> Any:
    values = listing.user(engine(), username)
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = _person_form() | {"username": username}
        values["password"] = request.form.get("password", "")  # empty: keep the current one
        try:
            changed = directory.update_user(engine(), current_user.username, username, values)
        except FormInvalid as exc:
            errors = exc.messages(lang())
        else:
            flash(
                _("Saved. Open tasks whose candidates changed: %(n)d.", n=len(changed)), "success"
            )
            return redirect(url_for("admin.users"))
    return _user_page(values, errors, new=False)


def _person_form() -> dict[str, Any]:
    form = request.form
    return {
        "username": form.get("username", "").strip(),
        "full_name": form.get("full_name", "").strip(),
        "email": form.get("email", "").strip(),
        "unit_id": form.get("unit_id", ""),
        "roles": form.getlist("roles"),
        "active": form.get("active") == "on",
    }


def _user_page(values: dict[str, Any], errors: dict[str, str], new: bool) -> tuple[str, int]:
    html = render_template(
        "admin_user.html",
        values=values,
        errors=errors,
        new=new,
        units=listing.units(engine()),
        roles=ROLES,
    )
    return html, 422 if errors else 200


@bp.route("/units", methods=["GET", "POST"])
@roles_required("admin")
def units() -> Any:
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {k: request.form.get(k, "").strip() for k in ("id", "name", "kind", "parent_id")}
        try:
            directory.create_unit(engine(), current_user.username, values)
        except FormInvalid as exc:
            errors = exc.messages(lang())
        else:
            flash(_("Unit %(name)s created.", name=values["name"]), "success")
            return redirect(url_for("admin.units"))
    return _units_page(values, errors)


@bp.post("/units/<unit_id>/active")
@roles_required("admin")
def unit_active(unit_id: str) -> Any:
    active = request.form.get("active") == "1"
    try:
        directory.set_unit_active(engine(), current_user.username, unit_id, active)
    except FormInvalid as exc:
        return _units_page({}, {}, unit_error=(unit_id, exc.messages(lang())["unit"]))
    flash(_("Unit reopened.") if active else _("Unit closed."), "success")
    return redirect(url_for("admin.units"))


def _units_page(
    values: dict[str, Any],
    errors: dict[str, str],
    unit_error: tuple[str, str] | None = None,
) -> tuple[str, int]:
    html = render_template(
        "admin_units.html",
        units=listing.units(engine(), include_inactive=True),
        kinds=directory.UNIT_KINDS,
        values=values,
        errors=errors,
        unit_error=unit_error,
    )
    return html, 422 if errors or unit_error else 200


@bp.route("/deploy", methods=["GET", "POST"])
@roles_required("admin")
def deploy() -> Any:
    problems: list[str] = []
    results: list[dict[str, Any]] = []
    error = None
    if request.method == "POST":
        uploads = {
            f.filename: f.read()
            for f in request.files.getlist("files")
            if f.filename and f.filename.endswith((".bpmn", ".dmn", ".json"))
        }
        try:
            results = services.deploy_uploaded(engine(), uploads, current_user.username)
        except DefinitionInvalid as exc:
            problems = exc.problems
        except FormInvalid as exc:
            error = exc.messages(lang())["files"]
    status = 422 if problems or error else 200
    html = render_template("admin_deploy.html", problems=problems, results=results, error=error)
    return html, status


@bp.get("/notifications")
@roles_required("admin")
def notifications() -> str:
    return render_template("admin_notifications.html", failed=delivery.failed(engine()))


@bp.post("/notifications/<int:outbox_id>/retry")
@roles_required("admin")
def retry_notification(outbox_id: int) -> Any:
    delivery.retry(engine(), outbox_id, current_user.username)
    flash(_("The notification will be sent again."), "success")
    return redirect(url_for("admin.notifications"))


def _unit_names() -> dict[str, str]:
    return {u["id"]: u["name"] for u in listing.units(engine(), include_inactive=True)}
