"""Oversikt over kontoane: open, overdue and answered-in-time inquiries per account, and
escalations in progress, for the comms section, its head, admins and auditors."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from engine.registers import overview
from engine.registers.overview import OVERVIEW_ROLES
from web.auth import roles_required
from web.extensions import engine

bp = Blueprint("overview", __name__, url_prefix="/overview")


@bp.get("/")
@roles_required(*OVERVIEW_ROLES)
def index() -> str:
    rows = overview.account_overview(engine(), current_user.username)
    return render_template("overview.html", rows=rows, window_days=overview.WINDOW.days)
