"""The Flask app: pages for applicants, approvers, the comms section, auditors and admins.

Views stay thin: they read the request, call one use case in `engine` and render the result.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from engine.bootstrap import Engine, bootstrap
from web import (
    absence,
    admin,
    alerts,
    api,
    auditing,
    auth,
    bad_input,
    cases,
    connector_tokens,
    consents,
    display,
    errors,
    health,
    i18n,
    inbox,
    overview,
    profile,
    registry,
    replies,
    security,
    start,
    vendor,
)
from web.extensions import csrf, limiter, login_manager
from web.settings import web_config


def create_app(engine: Engine | None = None, **overrides: object) -> Flask:
    app = Flask(__name__)
    app.config.update(web_config(overrides))
    # Handing notifications to the worker's queue is wired on top (someflyt.wiring).
    app.extensions["someflyt"] = engine or bootstrap()

    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    display.init_app(app)
    security.init_app(app)
    bad_input.init_app(app)  # before the blueprints: their `<int:…>` routes use its converter
    for module in (
        auth,
        inbox,
        start,
        cases,
        registry,
        replies,
        auditing,
        admin,
        vendor,
        health,
        alerts,
    ):
        app.register_blueprint(module.bp)
    for module in (absence, overview, consents, profile):
        app.register_blueprint(module.bp)
    app.register_blueprint(api.bp)  # the connector API: JSON, bearer tokens
    app.register_blueprint(connector_tokens.bp)

    return app
