"""Flask extensions, created once and bound to the app in create_app()."""

from __future__ import annotations

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

from engine.bootstrap import Engine

csrf = CSRFProtect()
login_manager = LoginManager()
# Storage comes from RATELIMIT_STORAGE_URI: memory on one process, Redis in production.
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def engine() -> Engine:
    return current_app.extensions["someflyt"]
