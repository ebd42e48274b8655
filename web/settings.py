"""Web settings from the environment, with safe defaults for the embedded set-up."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from engine.config import instance_folder
from engine.people.sessions import SessionLimits


def web_config(overrides: dict[str, Any]) -> dict[str, Any]:
    config = _defaults() | overrides
    if "SECRET_KEY" not in config:
        config["SECRET_KEY"] = os.environ.get("SOMEFLYT_SECRET_KEY") or _instance_secret()
    return config


def development() -> bool:
    """SOMEFLYT_ENV=development (what `make run` sets): plain http on this machine. Anything
    else is production: cookies only over HTTPS, and HSTS."""
    return os.environ.get("SOMEFLYT_ENV", "production") == "development"


def _defaults() -> dict[str, Any]:
    secure = not development()
    return {
        "BABEL_DEFAULT_TIMEZONE": "Europe/Oslo",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Browsers keep Secure cookies on http://localhost too, so compose works as it is.
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_SECURE": secure,
        # Strict-Transport-Security on every response: browsers then use HTTPS only.
        "HSTS": "max-age=31536000; includeSubDomains" if secure else None,
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,  # a long application form must not expire mid-way
        # Sessions live on the server (engine/people/sessions.py): idle and age limits.
        "SESSION_LIMITS": SessionLimits.from_env(),
        "RATELIMIT_STORAGE_URI": os.environ.get("SOMEFLYT_RATELIMIT_STORAGE", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Redis down must not stop logins: count in memory until it is back.
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # Behind N reverse proxies, trust N X-Forwarded-For hops (the limiter keys on the
        # client's address, not the proxy's).
        "PROXY_COUNT": int(os.environ.get("SOMEFLYT_PROXY_COUNT", "0")),
        "LOGIN_FAILURES_PER_MINUTE": int(os.environ.get("SOMEFLYT_LOGIN_FAILURES", "5")),
        # The connector API (/api/v1): requests per token, and refused tokens per address.
        "API_REQUESTS_PER_MINUTE": int(os.environ.get("SOMEFLYT_API_REQUESTS_PER_MINUTE", "120")),
        "API_AUTH_FAILURES_PER_MINUTE": int(os.environ.get("SOMEFLYT_API_AUTH_FAILURES", "30")),
        # Hand new notifications to the broker after each commit (tests turn it off; the beat
        # sweep delivers whatever was not handed over).
        "ENQUEUE_NOTIFICATIONS": True,
        "MAX_CONTENT_LENGTH": 5 * 1024 * 1024,  # uploads are diagrams, not videos
        "NODE_MODULES": Path(
            os.environ.get("SOMEFLYT_NODE_MODULES", Path(__file__).parent.parent / "node_modules")
        ),
    }


def _instance_secret() -> str:
    """A random key kept in the instance folder, so sessions survive a restart of `make run`."""
    path = instance_folder() / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
