"""Logging in and out: sessions, wrong answers, the rate limit on failures, safe redirects."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from flask import Flask

from engine.people import directory
from engine.registers import listing
from tests.web.conftest import (
    Browser,
    audit_count,
    audit_events,
    by_id,
    doc,
    stays_on_site,
    text_of,
)
from web import create_app


def test_login_succeeds_and_redirects_to_the_inbox(browser, eng):
    b = browser()
    response = b.login("laerar.alesund")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert b.get("/").status_code == 200
    [event] = audit_events(eng, "login")
    assert (event["actor"], event["detail"]) == ("laerar.alesund", {"username": "laerar.alesund"})
    assert audit_events(eng, "login_failed") == []


@pytest.mark.parametrize(
    ("username", "password"),
    [("laerar.alesund", "feil-passord"), ("ingen.slik", "demo"), ("laerar.alesund", "")],
    ids=["wrong-password", "unknown-user", "no-password"],
)
def test_a_failed_login_is_401_tied_to_the_fields_and_gives_no_session(
    browser, eng, username, password
):
    b = browser()
    response = b.login(username, password)
    assert response.status_code == 401
    page = doc(response)
    error = by_id(page, "login-error")
    assert text_of(error)
    for field in ("username", "password"):
        control = by_id(page, field)
        assert control.get("aria-invalid") == "true"
        assert control.get("aria-describedby") == "login-error"
    assert by_id(page, "username").get("value") == username  # kept, so it can be corrected
    assert b.get("/").status_code == 302  # still anonymous
    assert audit_events(eng, "login") == []


def test_unknown_user_and_wrong_password_get_the_same_answer(browser, eng):
    wrong = doc(browser().login("laerar.alesund", "feil-passord"))
    unknown = doc(browser().login("ingen.slik", "feil-passord"))
    assert text_of(by_id(wrong, "login-error")) == text_of(by_id(unknown, "login-error"))
    failed = audit_events(eng, "login_failed")
    assert [(e["actor"], e["detail"]["username"]) for e in failed] == [
        ("anonymous", "laerar.alesund"),
        ("anonymous", "ingen.slik"),
    ]


def test_an_inactive_user_cannot_log_in(browser, eng):
    person = listing.user(eng, "tilsett2") | {"active": False}
    directory.update_user(eng, "admin", "tilsett2", person)
    b = browser()
    assert b.login("tilsett2").status_code == 401
    assert b.get("/").status_code == 302
    assert audit_events(eng, "login") == []
    assert [e["detail"]["username"] for e in audit_events(eng, "login_failed")] == ["tilsett2"]


def test_a_deactivated_user_loses_an_open_session_at_once(login, eng):
    b = login("tilsett2")
    assert b.get("/").status_code == 200
    directory.update_user(
        eng, "admin", "tilsett2", listing.user(eng, "tilsett2") | {"active": False}
    )
    response = b.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.fixture
def strict_app(eng) -> Flask:
    return create_app(
        eng,
        SECRET_KEY="test-secret",
        RATELIMIT_STORAGE_URI="memory://",
        LOGIN_FAILURES_PER_MINUTE=3,
        ENQUEUE_NOTIFICATIONS=False,
    )


def test_the_fourth_failure_in_a_minute_is_429_even_with_the_right_password(strict_app, eng):
    b = Browser(strict_app.test_client())
    for _ in range(3):
        assert b.login("laerar.alesund", "feil").status_code == 401
    refused = b.login("laerar.alesund", "feil")
    assert refused.status_code == 429
    assert "Traceback" not in refused.get_data(as_text=True)
    right = b.login("laerar.alesund")
    assert right.status_code == 429
    assert b.get("/").status_code == 302  # not logged in
    assert audit_events(eng, "login") == []
    # refused attempts never reach the password check
    assert len(audit_events(eng, "login_failed")) == 3


def test_successful_logins_do_not_count_towards_the_limit(strict_app):
    b = Browser(strict_app.test_client())
    assert b.login("laerar.alesund", "feil").status_code == 401
    assert b.login("laerar.alesund", "feil").status_code == 401
    for _ in range(3):
        assert b.login("laerar.alesund").status_code == 302
        assert b.logout().status_code == 302
    # two failures so far: a third is still answered, not refused
    assert b.login("laerar.alesund", "feil").status_code == 401
    assert b.login("laerar.alesund", "feil").status_code == 429


NEXT_TARGETS = [
    # next=…, where the login may send the browser ("/" = refused)
    ("/cases/", "/cases/"),
    ("/cases/?all=1", "/cases/?all=1"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example/", "/"),
    ("/\t/evil.example/", "/"),
    ("javascript:alert(1)", "/"),
    ("cases/", "/"),
]


def test_next_redirects_only_to_local_paths(browser):
    b = browser()
    for target, expected in NEXT_TARGETS:
        response = b.login("laerar.alesund", next_url=quote(target, safe=""))
        assert response.status_code == 302, target
        location = response.headers["Location"]
        assert stays_on_site(location), (target, location)
        if expected == "/":  # refused, or neutralised by percent-encoding
            assert location == "/" or location.startswith("/%"), (target, location)
        else:
            assert location == expected, target
        assert b.logout().status_code == 302


def test_a_protected_page_sends_to_login_and_back_after(browser):
    b = browser()
    response = b.get("/cases/?q=x")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fcases%2F%3Fq%3Dx"
    b.csrf_from(response.headers["Location"])
    back = b.post(response.headers["Location"], {"username": "komm1", "password": "demo"})
    assert back.status_code == 302
    assert back.headers["Location"] == "/cases/?q=x"


PROTECTED = [
    "/",
    "/tasks/no-such-task",
    "/start/",
    "/start/account_application",
    "/cases/",
    "/cases/?all=1",
    "/cases/1",
    "/cases/1/diagram.bpmn",
    "/cases/1/history.json",
    "/cases/1/history.csv",
    "/accounts/",
    "/accounts/1",
    "/audit/",
    "/audit/verify",
    "/admin/users",
    "/admin/users/new",
    "/admin/users/komm1",
    "/admin/units",
    "/admin/deploy",
]


def test_pages_need_login(browser):
    b = browser()
    for url in PROTECTED:
        response = b.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"] == f"/login?next={quote(url, safe='')}", url


def test_posts_need_login_and_change_nothing(browser, eng):
    before = audit_count(eng)
    b = browser()
    b.csrf_from("/login")
    for url in ("/start/account_application", "/tasks/x/claim", "/admin/units", "/logout"):
        response = b.post(url, {"id": "ny_eining", "name": "Ny", "kind": "school"})
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login"), url
    assert audit_count(eng) == before
    assert "ny_eining" not in {u["id"] for u in listing.units(eng)}


def test_logout_is_post_only_and_needs_the_csrf_token(login):
    b = login("komm1")
    assert b.client.get("/logout").status_code == 405
    assert b.get("/").status_code == 200
    assert b.post("/logout", csrf=False).status_code == 400
    assert b.get("/").status_code == 200  # still logged in
    response = b.logout()
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert b.get("/").status_code == 302


def test_the_login_page_sends_a_signed_in_user_to_the_inbox(login):
    b = login("komm1")
    response = b.get("/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
