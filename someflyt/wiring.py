"""The web app wired to the worker: `web/` and `tasks/` never import each other, so what the
web hands to Celery (new notifications, the broker's health) is connected here."""

from __future__ import annotations

from flask import Flask

from engine.bootstrap import Engine, bootstrap
from tasks.celery_app import app as celery
from tasks.handover import broker_answers
from tasks.jobs import enqueue_deliveries
from web import create_app


def broker_ok() -> bool:
    """Whether the broker answers within half a second (a hung one counts as down, so
    /healthz answers within a second whatever the broker does)."""
    return broker_answers(celery)


def web_app(eng: Engine | None = None, **overrides: object) -> Flask:
    """The web app whose notifications go to the Celery broker as soon as they are committed
    (the beat sweep finds any that were missed)."""
    eng = eng or bootstrap()
    overrides.setdefault("BROKER_CHECK", broker_ok)
    app = create_app(eng, **overrides)
    if app.config["ENQUEUE_NOTIFICATIONS"] and eng.on_outbox is None:
        eng.on_outbox = enqueue_deliveries
    return app
