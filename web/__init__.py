"""The Flask app: pages for applicants, approvers, the comms section, auditors and admins.

Views stay thin: they read the request, call one use case in `engine` and render the result.
"""

from __future__ import annotations

from flask import Flask

from engine.bootstrap import Engine, bootstrap
from web import (
    admin,
    auditing,
    auth,
    cases,
    display,
    errors,
    i18n,
    inbox,
    registry,
    security,
    start,
    vendor,
)
from web.extensions import csrf, limiter, login_manager
from web.settings import web_config


def create_app(engine: Engine | None = None, **overrides: object) -> Flask:
    app = Flask(__name__)
    app.config.update(web_config(overrides))
    app.extensions["someflyt"] = engine or bootstrap()

    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    display.init_app(app)
    security.init_app(app)
    for module in (auth, inbox, start, cases, registry, auditing, admin, vendor):
        app.register_blueprint(module.bp)

    @app.get("/healthz")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
