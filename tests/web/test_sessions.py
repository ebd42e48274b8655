"""Issue 14, point 3: sessions live on the server. Logout, deactivation and a new password end
them, a copied cookie dies with them; idle 8 hours and 7 days after login end them anyway; the
CSRF secret is new at every login."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from engine.people import directory
from engine.people.sessions import SessionLimits
from engine.store.models import WebSession
from tests.web.conftest import SESSION_COOKIE, Browser

PERSON = "tilsett2"


def signed_in(browser, username: str = PERSON) -> Browser:
    b = browser()
    response = b.login(username)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert b.get("/").status_code == 200
    return b


def copy_of(app, b: Browser) -> Browser:
    """Another browser holding the same session cookie (stolen, or an old copy)."""
    cookie = b.client.get_cookie(SESSION_COOKIE)
    assert cookie is not None
    thief = Browser(app.test_client())
    thief.client.set_cookie(SESSION_COOKIE, cookie.value)
    return thief


def refused(b: Browser) -> None:
    response = b.get("/")
    assert response.status_code == 302, response.status_code
    assert response.headers["Location"].startswith("/login")


def sessions_of(eng, username: str) -> int:
    with eng.reading() as session:
        query = select(func.count()).select_from(WebSession).where(WebSession.username == username)
        return session.scalar(query) or 0


def test_a_copied_cookie_is_refused_after_logout(app, eng, browser):
    b = signed_in(browser)
    thief = copy_of(app, b)
    assert thief.get("/").status_code == 200  # the copy works while the session is open
    assert sessions_of(eng, PERSON) == 1
    assert b.logout().status_code == 302
    refused(b)
    refused(thief)
    assert sessions_of(eng, PERSON) == 0
    # Not for a form either: the copy can neither read nor act.
    response = thief.client.post("/absence/", data={"note": "x"})
    assert response.status_code in (302, 400)
    assert response.status_code != 200


def test_deactivating_a_user_ends_their_sessions_for_good(app, eng, browser):
    b = signed_in(browser)
    other = signed_in(browser)  # a second browser of theirs
    fields = {"full_name": "Tone Tilsett", "email": "tilsett2@mrfylke.no"}
    fields |= {"unit_id": "samferdsel", "roles": []}
    directory.update_user(eng, "admin", PERSON, fields | {"active": False})
    refused(b)
    refused(other)
    directory.update_user(eng, "admin", PERSON, fields | {"active": True})
    refused(b)  # reactivated, they log in again: the old session stays ended
    assert signed_in(browser).get("/").status_code == 200


def test_a_new_password_ends_their_sessions(app, eng, browser, login):
    b = signed_in(browser)
    admin = login("admin")
    page = admin.get(f"/admin/users/{PERSON}")
    assert 'name="password"' in page.get_data(as_text=True)
    form = {"full_name": "Tone Tilsett", "email": "tilsett2@mrfylke.no"}
    form |= {"unit_id": "samferdsel", "active": "on", "password": "kort"}
    assert admin.post(f"/admin/users/{PERSON}", form).status_code == 422  # too short
    assert b.get("/").status_code == 200  # nothing changed
    form["password"] = "eit heilt nytt passord"
    assert admin.post(f"/admin/users/{PERSON}", form).status_code == 302
    refused(b)
    assert browser().login(PERSON).status_code == 401  # the old password no longer works
    assert browser().login(PERSON, "eit heilt nytt passord").status_code == 302
    assert admin.get("/").status_code == 200  # the admin's own session is untouched


def test_a_session_ends_after_8_idle_hours(eng, clock, browser):
    b = signed_in(browser)
    clock.advance(timedelta(hours=7, minutes=59))
    assert b.get("/").status_code == 200  # a request: the idle time starts again
    clock.advance(timedelta(hours=7, minutes=59))
    assert b.get("/").status_code == 200
    clock.advance(timedelta(hours=8, minutes=1))
    refused(b)
    assert sessions_of(eng, PERSON) == 0


def test_a_session_ends_7_days_after_login_however_busy(clock, browser):
    b = signed_in(browser)
    for _hour in range(0, 7 * 24 - 6, 6):  # a request every 6 hours, for 7 days
        clock.advance(timedelta(hours=6))
        assert b.get("/").status_code == 200
    clock.advance(timedelta(hours=7))
    refused(b)


def test_the_limits_come_from_the_environment(monkeypatch):
    assert SessionLimits.from_env() == SessionLimits(timedelta(hours=8), timedelta(days=7))
    monkeypatch.setenv("SOMEFLYT_SESSION_IDLE_HOURS", "1")
    monkeypatch.setenv("SOMEFLYT_SESSION_MAX_DAYS", "2")
    assert SessionLimits.from_env() == SessionLimits(timedelta(hours=1), timedelta(days=2))


def test_the_csrf_secret_is_new_at_login(browser):
    b = browser()
    b.csrf_from("/login")
    with b.client.session_transaction() as before:
        anonymous = before["csrf_token"]
    assert b.post("/login", {"username": PERSON, "password": "demo"}).status_code == 302
    b.csrf_from("/")
    with b.client.session_transaction() as after:
        assert after["csrf_token"] != anonymous
