"""Administrasjon → Koplingsnøklar: the tokens platform connectors use, per account.

A page of its own (beside web/admin.py) because it has one job: issue a token, show its secret
exactly once, list and revoke. The secret is rendered in the POST's own response, never put in
a flash message (those live in the signed, not encrypted, session cookie) or a redirect.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from engine.cases import services
from engine.errors import FormInvalid
from engine.forms.values import as_id
from engine.registers import connectors
from engine.registers.connectors import IssuedToken
from web.auth import roles_required
from web.extensions import engine
from web.i18n import lang

bp = Blueprint("connector_tokens", __name__, url_prefix="/admin/connectors")


@bp.get("/")
@roles_required("admin")
def index() -> tuple[str, int]:
    return _page({}, {})


@bp.post("/")
@roles_required("admin")
def create() -> tuple[str, int]:
    values = {
        "account_id": request.form.get("account_id", "").strip(),
        "name": request.form.get("name", "").strip(),
    }
    account_id = as_id(values["account_id"])
    if account_id is None:
        return _page(values, {"account_id": _("Choose an account.")})
    try:
        issued = connectors.create_token(
            engine(), current_user.username, account_id, values["name"]
        )
    except FormInvalid as exc:
        return _page(values, exc.messages(lang()))
    return _page({}, {}, issued=issued)


@bp.post("/<int:token_id>/revoke")
@roles_required("admin")
def revoke(token_id: int) -> Response:
    if connectors.revoke_token(engine(), current_user.username, token_id):
        flash(_("The token is revoked. Connectors using it are refused from now on."), "success")
    else:
        flash(_("The token was already revoked."), "info")
    return redirect(url_for("connector_tokens.index"))


def _page(
    values: dict[str, Any], errors: dict[str, str], issued: IssuedToken | None = None
) -> tuple[str, int]:
    accounts = services.list_accounts(engine())
    names = {a["id"]: f"{a['account_name']} ({a['platform']})" for a in accounts}
    tokens = connectors.list_tokens(engine(), current_user.username)
    by_account = [
        (account_id, names.get(account_id, str(account_id)), list(rows))
        for account_id, rows in groupby(
            sorted(tokens, key=lambda t: (names.get(t["account_id"], ""), t["account_id"])),
            key=lambda t: t["account_id"],
        )
    ]
    html = render_template(
        "admin_connectors.html",
        by_account=by_account,
        accounts=[a for a in accounts if a["status"] == "active"],
        values=values,
        errors=errors,
        issued=issued,
        issued_account=names.get(issued.account_id) if issued else None,
        endpoint=url_for("api.create_inquiry", _external=False),
    )
    return html, 422 if errors else 200
