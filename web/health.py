"""/healthz for load balancers and compose: the database must answer; the broker is reported
(without it requests still work, and the outbox holds the deliveries until it is back)."""

from __future__ import annotations

from flask import Blueprint, current_app
from sqlalchemy import text

from web.extensions import engine

bp = Blueprint("health", __name__)


def _database_ok() -> bool:
    try:
        with engine().db.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:  # any failure to reach the database is "down" here
        return False


@bp.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    database = _database_ok()
    # The broker check is wired in on top (someflyt.wiring); a bare web app uses no broker.
    check = current_app.config.get("BROKER_CHECK")
    broker = check() if current_app.config["ENQUEUE_NOTIFICATIONS"] and check else None
    report = {
        "status": "ok" if database and broker is not False else "degraded",
        "database": "ok" if database else "unavailable",
        "broker": {True: "ok", False: "unavailable", None: "not used"}[broker],
    }
    return report, 200 if database else 503
