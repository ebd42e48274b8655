"""Kontoregister: the county's official accounts (A1), for everyone signed in."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from engine.cases import queries
from engine.people import absences
from engine.registers import listing
from web.extensions import engine
from web.form_fields import form_title
from web.i18n import lang

bp = Blueprint("registry", __name__, url_prefix="/accounts")
ACCOUNT_STATUSES = ("active", "closed")


@bp.get("/")
@login_required
def index() -> str:
    unit = request.args.get("unit", "")
    platform = request.args.get("platform", "")
    status = request.args.get("status", "")
    status = status if status in ACCOUNT_STATUSES else ""
    everything = listing.accounts(engine(), with_activity=False)
    shown = listing.accounts(engine(), unit=unit, platform=platform, status=status)
    return render_template(
        "registry.html",
        accounts=shown,
        units=sorted({(a["unit"], a["unit_name"]) for a in everything}, key=lambda u: u[1]),
        platforms=sorted({a["platform"] for a in everything}),
        statuses=ACCOUNT_STATUSES,
        chosen={"unit": unit, "platform": platform, "status": status},
    )


@bp.get("/<int:account_id>")
@login_required
def show(account_id: int) -> str:
    account = listing.account(engine(), account_id)
    team = {account["owner"], account["deputy"], *account["moderators"]}
    # The team registers inquiries on its own account (the start form checks it again).
    on_team = current_user.username in team and not current_user.read_only
    # What keeps the account busy: all of it for its team and those who see every case.
    if current_user.username not in team and not current_user.has_any(*queries.SEES_ALL_CASES):
        account["activity"] = [item for item in account["activity"] if item.public]
    return render_template(
        "account.html",
        account=account,
        away=absences.team_away_now(engine(), account_id),
        # What the team starts from here: every process whose start form asks for an account.
        account_processes=account_processes(current_user.username)
        if on_team and account["status"] == "active"
        else [],
    )


def account_processes(username: str) -> list[dict[str, str]]:
    return [
        {"process_id": process.process_id, "title": form_title(process.form, lang())}
        for process in queries.startable_processes(engine(), username)
        if "account_id" in process.form.fields
    ]
