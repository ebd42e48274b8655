"""For auditors: verify the hash chain of the audit trail on demand."""

from __future__ import annotations

from flask import Blueprint, render_template

from engine.cases import services
from web.auth import roles_required
from web.extensions import engine

bp = Blueprint("auditing", __name__, url_prefix="/audit")


@bp.get("/")
@roles_required("auditor", "admin")
def index() -> str:
    return render_template("audit.html", result=None)


@bp.get("/verify")
@roles_required("auditor", "admin")
def verify() -> str:
    # Reading only, so a GET: an auditor's visit changes nothing.
    return render_template("audit.html", result=services.verify_audit(engine()))
