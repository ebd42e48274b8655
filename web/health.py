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


def _broker_ok() -> bool:
    from tasks.celery_app import app as celery

    try:
        with celery.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:  # likewise for the broker
        return False


@bp.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    database = _database_ok()
    broker = _broker_ok() if current_app.config["ENQUEUE_NOTIFICATIONS"] else None
    report = {
        "status": "ok" if database and broker is not False else "degraded",
        "database": "ok" if database else "unavailable",
        "broker": {True: "ok", False: "unavailable", None: "not used"}[broker],
    }
    return report, 200 if database else 503
