"""Every state-changing POST needs the form's CSRF token: without it, 400 and nothing changes."""

from __future__ import annotations

import pytest

from engine.cases import services
from engine.registers import listing
from tests.conftest import central_application
from tests.web.conftest import (
    audit_count,
    doc,
    instance_count,
    only_task,
    task_row,
    text_of,
)


@pytest.fixture
def task(eng):
    services.start_process(eng, "account_application", "tilsett1", central_application())
    return only_task(eng, "infosjef")


def _requests(task_id: str) -> list[tuple[str, str, dict]]:
    """(user, url, form) for each kind of state-changing POST."""
    return [
        ("infosjef", f"/tasks/{task_id}/claim", {}),
        ("infosjef", f"/tasks/{task_id}/release", {}),
        ("infosjef", f"/tasks/{task_id}/delegate", {"to": "komm1"}),
        ("infosjef", f"/tasks/{task_id}", {"decision": "approve"}),
        ("tilsett2", "/start/account_application", central_application(deputy="tilsett1")),
        (
            "admin",
            "/admin/users/new",
            {
                "username": "ny.brukar",
                "full_name": "Ny Brukar",
                "email": "ny@mrfylke.no",
                "unit_id": "samferdsel",
                "password": "eit langt passord",
                "active": "on",
            },
        ),
        (
            "admin",
            "/admin/users/komm1",
            {
                "full_name": "Kari Kommunikasjon",
                "email": "komm1@mrfylke.no",
                "unit_id": "sentraladministrasjonen",
                "roles": "admin",
                "active": "on",
            },
        ),
        ("admin", "/admin/units", {"id": "volda_vgs", "name": "Volda", "kind": "school"}),
        ("admin", "/admin/deploy", {}),
        ("komm1", "/logout", {}),
        ("komm1", "/language", {"lang": "en", "next": "/"}),
    ]


def test_a_post_without_a_valid_token_is_400_and_changes_nothing(eng, login, browser, task):
    other = browser().csrf_from("/login")  # a real token, but from another browser
    requests = [
        (token, login(username), url, form)
        for token in (None, "forged", "other-session")
        for username, url, form in _requests(task["id"])
    ]
    before = (audit_count(eng), instance_count(eng), listing.users(eng), listing.units(eng))
    for token, b, url, form in requests:
        data = dict(form)
        if token == "forged":
            data["csrf_token"] = "IjAwMCI.forged.token"
        elif token == "other-session":
            data["csrf_token"] = other
        response = b.post(url, data, csrf=False)
        assert response.status_code == 400, (token, url)
        body = response.get_data(as_text=True)
        assert "Traceback" not in body
        assert text_of(doc(response).xpath("//h1")[0])
        assert b.get("/").status_code == 200, url  # still logged in, language unchanged
        assert doc(b.get("/")).get("lang") == "nn"
    assert (audit_count(eng), instance_count(eng), listing.users(eng), listing.units(eng)) == before
    row = task_row(eng, task["id"])
    assert (row["status"], row["assignee"], row["candidates"]) == ("open", None, ["infosjef"])


def test_login_without_a_token_is_400_and_logs_nobody_in(browser, eng):
    before = audit_count(eng)
    b = browser()
    response = b.post("/login", {"username": "komm1", "password": "demo"}, csrf=False)
    assert response.status_code == 400
    assert b.get("/").status_code == 302
    assert audit_count(eng) == before  # not even a failed attempt: the password was not checked


def test_the_same_posts_with_the_token_do_work(eng, login, task):
    """The counterpart of the refusals above: the token is the only thing missing there."""
    b = login("infosjef")
    assert b.post(f"/tasks/{task['id']}/claim", page="/").status_code == 302
    assert task_row(eng, task["id"])["assignee"] == "infosjef"
    response = b.post("/language", {"lang": "en", "next": "/"})
    assert response.status_code == 302
    assert doc(b.get("/")).get("lang") == "en"
