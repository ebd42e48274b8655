"""The auditor reads everything and changes nothing, whatever they send."""

from __future__ import annotations

import json
from io import BytesIO

import pytest

from engine.cases import services
from engine.registers import listing
from tests.conftest import WORKFLOWS, central_application, school_application
from tests.web.conftest import (
    audit_count,
    doc,
    instance_count,
    only_task,
    task_row,
)


@pytest.fixture
def state(eng):
    """A decided school case (with an account) and an open central one."""
    school = services.start_process(
        eng, "account_application", "laerar.alesund", school_application()
    )
    services.complete_human_task(
        eng,
        only_task(eng, "rektor.alesund")["id"],
        "rektor.alesund",
        {"decision": "approve", "moderators": ["laerar.alesund"]},
    )
    central = services.start_process(eng, "account_application", "tilsett1", central_application())
    task = only_task(eng, "infosjef")
    [account] = services.list_accounts(eng)
    return {"school": school, "central": central, "task": task, "account": account}


def test_the_auditor_reads_every_page(login, state):
    b = login("revisor")
    urls = [
        "/",
        "/cases/?all=1",
        f"/cases/{state['school']}",
        f"/cases/{state['central']}",
        f"/tasks/{state['task']['id']}",
        "/accounts/",
        f"/accounts/{state['account']['id']}",
        "/audit/",
        "/audit/verify",
    ]
    for url in urls:
        assert b.get(url).status_code == 200, url
    hrefs = set(doc(b.get("/cases/?all=1")).xpath("//main//table//a/@href"))
    assert {f"/cases/{state['school']}", f"/cases/{state['central']}"} <= hrefs
    exported = b.get(f"/cases/{state['school']}/history.json")
    assert exported.status_code == 200
    assert json.loads(exported.get_data(as_text=True))["id"] == state["school"]
    assert b.get(f"/cases/{state['school']}/history.csv").status_code == 200
    assert b.get(f"/cases/{state['school']}/diagram.bpmn").status_code == 200


def test_the_task_page_offers_the_auditor_no_action(login, state):
    page = doc(login("revisor").get(f"/tasks/{state['task']['id']}"))
    assert not page.xpath("//main//form")


def test_every_post_of_the_auditor_is_refused_and_changes_nothing(eng, login, state):
    task_id = state["task"]["id"]
    b = login("revisor")
    b.csrf_from("/")  # a valid token: the refusal is about the role, not the form
    snapshot = (
        audit_count(eng),
        instance_count(eng),
        listing.users(eng),
        listing.units(eng),
        services.list_accounts(eng),
        task_row(eng, task_id),
    )
    posts = [
        (f"/tasks/{task_id}/claim", {}),
        (f"/tasks/{task_id}/release", {}),
        (f"/tasks/{task_id}/delegate", {"to": "infosjef"}),
        (f"/tasks/{task_id}", {"decision": "approve"}),
        ("/start/account_application", central_application(deputy="tilsett1")),
        ("/admin/users/new", {"username": "spion", "full_name": "S", "password": "x" * 12}),
        ("/admin/users/revisor", {"full_name": "R", "roles": "admin", "active": "on"}),
        ("/admin/units", {"id": "volda_vgs", "name": "Volda", "kind": "school"}),
    ]
    for url, form in posts:
        response = b.post(url, form)
        assert response.status_code == 403, url
        assert "Traceback" not in response.get_data(as_text=True)
    deploy = b.post(
        "/admin/deploy",
        {
            "files": [
                (
                    BytesIO(
                        (
                            WORKFLOWS / "account_application" / "account_application.bpmn"
                        ).read_bytes()
                    ),
                    "x.bpmn",
                )
            ]
        },
        content_type="multipart/form-data",
    )
    assert deploy.status_code == 403
    assert snapshot == (
        audit_count(eng),
        instance_count(eng),
        listing.users(eng),
        listing.units(eng),
        services.list_accounts(eng),
        task_row(eng, task_id),
    )


def test_the_auditors_refusal_says_why(login, state):
    b = login("revisor", lang="en")
    response = b.post(f"/tasks/{state['task']['id']}/claim", page="/")
    assert response.status_code == 403
    assert "Auditors can read everything but change nothing." in response.get_data(as_text=True)
