"""Browser fixtures: the app served on a free local port, one Chromium per test session, and
pages logged in as the demo people.

Chromium is Debian's (/usr/bin/chromium), driven by Playwright, which never downloads a
browser here. Without Chromium or the npm packages (axe-core, bpmn-js) the browser tests are
skipped and say why; with CI=true a missing one fails the run (as a missing PostgreSQL does
in tests/conftest.py).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect, sync_playwright
from werkzeug.serving import make_server

from tests.browser.support import (
    AXE,
    BPMN_VIEWER,
    CHROMIUM,
    CHROMIUM_ARGS,
    SCREENSHOTS,
    AxeReport,
    choose_language,
    log_in,
    require,
)
from tests.web.conftest import reopen
from web.auth import SESSION_TOKEN

# Generous for a loaded CI machine; assertions still return as soon as they hold.
TIMEOUT_MS = 10_000
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One Chromium for the whole session; every test opens its own contexts (cookie jars)."""
    require(CHROMIUM, "Chromium (Debian package `chromium`)")
    require(AXE, "axe-core (node_modules, installed by `make setup`)")
    require(BPMN_VIEWER, "bpmn-js (node_modules, installed by `make setup`)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app on 127.0.0.1 and a free port, served by threads; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


_LOGGED_IN: dict[str, Any] = {}  # username -> cookies of a logged-in context


def _reopen_session(app: Flask, username: str, state: Any) -> None:
    """Sessions live on the server (web_session): put the row of a cached login's cookie back
    into this test's fresh database, as tests/web/conftest.py does for the test client."""
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    for cookie in state["cookies"]:
        if cookie["name"] == "session":
            reopen(
                app.extensions["someflyt"],
                username,
                serializer.loads(cookie["value"])[SESSION_TOKEN],
            )


@pytest.fixture
def open_page(app: Flask, browser: Browser, live_server: str) -> Iterator[Callable[..., Page]]:
    """open_page() -> a page without a session; open_page("user") -> logged in as that user;
    open_page("user", lang="en") -> and switched to that language.

    Each call gets its own browser context, so several people can be logged in side by side.
    A person logs in through the login page once per session; later contexts start with that
    session cookie (same secret key, same users in every test's fresh database).
    The contexts close before the server stops (fixtures tear down in reverse order)."""
    contexts = []

    def open_(username: str | None = None, lang: str | None = None) -> Page:
        state = _LOGGED_IN.get(username or "")
        if username and state:
            _reopen_session(app, username, state)
        context = browser.new_context(
            base_url=live_server, viewport={"width": 1280, "height": 900}, storage_state=state
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        if username and not state:
            log_in(page, username)
            _LOGGED_IN[username] = context.storage_state()
        if lang:
            choose_language(page, lang)
        return page

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def axe_findings() -> Iterator[dict[str, Any]]:
    """Every violation of every impact, written to screenshots/axe-violations.json at the end
    of the session, so moderate and minor findings can be read too (only serious and critical
    ones fail a test)."""
    findings: dict[str, Any] = {}
    report = SCREENSHOTS / "axe-violations.json"
    report.unlink(missing_ok=True)
    yield findings
    if findings:
        SCREENSHOTS.mkdir(exist_ok=True)
        report.write_text(json.dumps(findings, ensure_ascii=False, indent=2), encoding="utf-8")


@pytest.fixture
def axe(request: pytest.FixtureRequest, axe_findings: dict[str, Any]) -> Iterator[AxeReport]:
    report = AxeReport()
    yield report
    found = {where: violations for where, violations in report.found.items() if violations}
    if found:
        axe_findings[request.node.name] = found
