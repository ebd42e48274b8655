"""Issue 14, point 4: production is the default. Cookies are Secure and every response says
Strict-Transport-Security, unless SOMEFLYT_ENV=development (what `make run` sets); the compose
file turns neither off."""

from __future__ import annotations

import re

from engine.config import PROJECT_ROOT
from engine.people.demo import DEMO_PASSWORD
from tests.web.conftest import Browser
from web import create_app


def _app(eng):
    return create_app(
        eng,
        SECRET_KEY="test-secret",
        RATELIMIT_STORAGE_URI="memory://",
        ENQUEUE_NOTIFICATIONS=False,
    )


def _login(app) -> tuple[str, dict[str, str]]:
    """The Set-Cookie header of a login, and the headers of the page after it."""
    b = Browser(app.test_client())
    b.csrf_from("/login")
    response = b.post("/login", {"username": "komm1", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    return response.headers["Set-Cookie"], dict(b.get("/").headers)


def test_cookies_are_secure_and_hsts_is_sent_by_default(eng, monkeypatch):
    monkeypatch.delenv("SOMEFLYT_ENV", raising=False)
    cookie, headers = _login(_app(eng))
    assert "Secure" in cookie and "HttpOnly" in cookie
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    monkeypatch.setenv("SOMEFLYT_ENV", "production")
    assert "Secure" in _login(_app(eng))[0]


def test_development_turns_both_off(eng, monkeypatch):
    monkeypatch.setenv("SOMEFLYT_ENV", "development")
    cookie, headers = _login(_app(eng))
    assert "Secure" not in cookie
    assert "Strict-Transport-Security" not in headers


def test_make_run_sets_development_and_compose_keeps_production():
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    [run] = re.findall(r"^run:.*\n((?:\t.*\n)+)", makefile, flags=re.MULTILINE)
    assert "SOMEFLYT_ENV=development $(BIN)/someflyt up" in run
    compose = (PROJECT_ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    settings = [line.split("#")[0] for line in compose.splitlines()]
    assert not [line for line in settings if "SOMEFLYT_SECURE_COOKIES" in line]
    assert not [line for line in settings if "SOMEFLYT_ENV" in line]
