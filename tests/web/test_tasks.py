"""The task page: who may see and act, deciding, form errors, a task done meanwhile."""

from __future__ import annotations

import pytest

from engine.cases import services
from tests.conftest import central_application, school_application
from tests.web.conftest import (
    assert_page_structure,
    audit_count,
    audit_events,
    by_id,
    doc,
    field_error,
    one,
    only_task,
    task_row,
    text_of,
)

APPROVE_SCHOOL = {"decision": "approve", "moderators": ["laerar.alesund", "laerar2.alesund"]}


@pytest.fixture
def school(eng):
    instance_id = services.start_process(
        eng, "account_application", "laerar.alesund", school_application()
    )
    return instance_id, only_task(eng, "rektor.alesund")


def test_the_principal_sees_the_case_and_decides_it(eng, login, school):
    instance_id, task = school
    b = login("rektor.alesund")
    page = doc(b.get(f"/tasks/{task['id']}"))
    assert text_of(one(page, "//h1")) == "Vurder søknaden"
    assert page.xpath(f'//main//a[@href="/cases/{instance_id}"]')
    assert "alesundvgs" in text_of(by_id(page, "data-heading").getparent())
    form = one(page, f'//main//form[@action="/tasks/{task["id"]}"]')
    assert {i.get("value") for i in form.xpath('.//input[@name="decision"]')} == {
        "approve",
        "reject",
        "revise",
    }
    moderators = {i.get("value") for i in form.xpath('.//input[@name="moderators"]')}
    assert {"laerar.alesund", "laerar2.alesund"} <= moderators
    assert "infosjef" not in moderators  # moderators come from the school (A5)

    response = b.post(f"/tasks/{task['id']}", APPROVE_SCHOOL)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/cases/{instance_id}"
    row = task_row(eng, task["id"])
    assert (row["status"], row["completed_by"]) == ("completed", "rektor.alesund")
    case = services.show_instance(eng, instance_id)
    assert (case["status"], case["outcome"]) == ("completed", "Konto oppretta")
    [account] = services.list_accounts(eng)
    assert account["moderators"] == ["laerar.alesund", "laerar2.alesund"]
    assert account["approved_by"] == "rektor.alesund"
    assert services.list_human_tasks(eng, "rektor.alesund") == []


def test_the_applicant_cannot_decide_their_own_application(eng, login, school):
    """(The refusal in other languages: test_errors_and_language.)"""
    _instance_id, task = school
    b = login("laerar.alesund")
    response = b.get(f"/tasks/{task['id']}")
    assert response.status_code == 403
    message = "Du kan ikkje avgjere di eiga sak."
    assert message in response.get_data(as_text=True)
    before = audit_count(eng)
    for url, form in (
        (f"/tasks/{task['id']}", APPROVE_SCHOOL),
        (f"/tasks/{task['id']}/claim", {}),
    ):
        refused = b.post(url, form, page="/")
        assert refused.status_code == 403, url
        assert message in refused.get_data(as_text=True)
    row = task_row(eng, task["id"])
    assert (row["status"], row["assignee"]) == ("open", None)
    assert audit_count(eng) == before
    assert services.list_accounts(eng) == []


def test_a_principal_applying_is_decided_by_the_head_of_information(eng, login):
    """Nobody decides their own case: the principal's application goes one step up."""
    services.start_process(
        eng,
        "account_application",
        "rektor.alesund",
        school_application(deputy="laerar.alesund"),
    )
    task = only_task(eng, "infosjef")
    b = login("rektor.alesund")
    assert b.get(f"/tasks/{task['id']}").status_code == 403
    before = audit_count(eng)
    assert b.post(f"/tasks/{task['id']}", APPROVE_SCHOOL, page="/").status_code == 403
    assert audit_count(eng) == before
    assert task_row(eng, task["id"])["status"] == "open"


def test_someone_who_is_no_candidate_gets_403(eng, login, school):
    _instance_id, task = school
    for intruder in ("rektor.molde", "laerar2.alesund", "tilsett1"):
        b = login(intruder)
        response = b.get(f"/tasks/{task['id']}")
        assert response.status_code == 403, intruder
        assert "Du kan ikkje utføre oppgåva «Vurder søknaden»." in response.get_data(as_text=True)
        before = audit_count(eng)
        assert b.post(f"/tasks/{task['id']}", APPROVE_SCHOOL, page="/").status_code == 403
        assert task_row(eng, task["id"])["status"] == "open"
        assert audit_count(eng) == before


def test_the_comms_section_may_read_a_task_but_not_act_on_it(eng, login, school):
    _instance_id, task = school
    b = login("komm1")
    response = b.get(f"/tasks/{task['id']}")
    assert response.status_code == 200
    page = doc(response)
    assert not page.xpath(f'//form[@action="/tasks/{task["id"]}"]')
    assert not page.xpath(f'//form[@action="/tasks/{task["id"]}/claim"]')
    before = audit_count(eng)
    assert b.post(f"/tasks/{task['id']}", APPROVE_SCHOOL).status_code == 403
    assert b.post(f"/tasks/{task['id']}/claim").status_code == 403
    assert audit_count(eng) == before
    assert task_row(eng, task["id"])["status"] == "open"


DECISION_ERRORS = [
    # (submitted, field, the error beside it)
    (
        {"decision": "reject"},
        "comment",
        "Skriv ein kommentar når du avslår eller sender søknaden attende.",
    ),
    (
        {"decision": "revise", "comment": "  "},
        "comment",
        "Skriv ein kommentar når du avslår eller sender søknaden attende.",
    ),
    ({"decision": "approve"}, "moderators", "Peik ut minst éin moderator frå skulen (A5)."),
    (
        {"decision": "approve", "moderators": ["laerar.molde"]},
        "moderators",
        "«laerar.molde» høyrer ikkje til Ålesund vidaregåande skule (A5).",
    ),
    ({}, "decision", "Feltet må fyllast ut."),
    ({"decision": "maybe"}, "decision", "Vel ein av: approve, reject, revise."),
]


def test_decision_errors_are_422_and_change_nothing(eng, login, school):
    instance_id, task = school
    b = login("rektor.alesund")
    b.csrf_from(f"/tasks/{task['id']}")
    before = audit_count(eng)
    history = services.show_instance(eng, instance_id)["history"]
    for form, field, message in DECISION_ERRORS:
        response = b.post(f"/tasks/{task['id']}", form)
        assert response.status_code == 422, form
        assert_page_structure(response)
        page = doc(response)
        assert field_error(page, field) == message
        if form.get("decision") in ("reject", "revise"):  # the choice made is kept
            checked = page.xpath('//input[@name="decision"][@checked]')
            assert [c.get("value") for c in checked] == [form["decision"]]
        row = task_row(eng, task["id"])
        assert (row["status"], row["completed_by"]) == ("open", None)
        assert audit_count(eng) == before
        assert services.show_instance(eng, instance_id)["history"] == history
        assert services.list_accounts(eng) == []


def test_a_rejection_with_a_comment_ends_the_case(eng, login, school):
    instance_id, task = school
    b = login("rektor.alesund")
    response = b.post(
        f"/tasks/{task['id']}", {"decision": "reject", "comment": "Ikkje no."}, page="/"
    )
    assert response.status_code == 302
    case = services.show_instance(eng, instance_id)
    assert (case["status"], case["outcome"]) == ("completed", "Søknad avslått")
    assert services.list_accounts(eng) == []


def test_a_task_completed_meanwhile_answers_409_and_saves_nothing(eng, login):
    services.set_user_roles(eng, "komm1", ["head_of_information", "comms"], "admin")
    instance_id = services.start_process(
        eng, "account_application", "tilsett1", central_application()
    )
    task = only_task(eng, "infosjef")
    first, second = login("infosjef"), login("komm1")
    first.csrf_from(f"/tasks/{task['id']}")
    second.csrf_from(f"/tasks/{task['id']}")  # both have the form open

    assert first.post(f"/tasks/{task['id']}", {"decision": "approve"}).status_code == 302
    before = audit_count(eng)
    history = services.show_instance(eng, instance_id)["history"]
    accounts = services.list_accounts(eng)

    response = second.post(f"/tasks/{task['id']}", {"decision": "reject", "comment": "Nei."})
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert (
        "Oppgåva «Vurder søknaden» er allereie fullført av infosjef. "
        "Ingenting av det du sende inn er lagra."
    ) in body
    assert "Traceback" not in body
    assert audit_count(eng) == before
    assert services.show_instance(eng, instance_id)["history"] == history
    assert services.list_accounts(eng) == accounts
    case = services.show_instance(eng, instance_id)
    assert (case["status"], case["outcome"]) == ("completed", "Konto oppretta")
    assert [e["actor"] for e in audit_events(eng, "task_completed")] == ["infosjef"]
    # claiming it now is a conflict too, not a change
    assert second.post(f"/tasks/{task['id']}/claim", page="/").status_code == 409
    assert audit_count(eng) == before


def test_the_one_who_did_a_task_can_still_read_it(eng, login, school):
    _instance_id, task = school
    b = login("rektor.alesund")
    b.post(f"/tasks/{task['id']}", APPROVE_SCHOOL, page="/")
    response = b.get(f"/tasks/{task['id']}")
    assert response.status_code == 200
    assert not doc(response).xpath(f'//form[@action="/tasks/{task["id"]}"]')


def test_an_unknown_task_is_404(eng, login):
    b = login("infosjef")
    b.csrf_from("/")
    before = audit_count(eng)
    responses = [b.get("/tasks/no-such-task")] + [
        b.post(url, {"to": "komm1", "decision": "approve"})
        for url in (
            "/tasks/no-such-task",
            "/tasks/no-such-task/claim",
            "/tasks/no-such-task/release",
            "/tasks/no-such-task/delegate",
        )
    ]
    for response in responses:
        assert response.status_code == 404, response.request.path
        assert "Oppgåva finst ikkje." in response.get_data(as_text=True)
        assert "Traceback" not in response.get_data(as_text=True)
    assert audit_count(eng) == before


def test_the_approver_reads_the_warnings_in_words(eng, login):
    """A1/E8 warnings are stored as message codes; the approver must read them as text."""
    services.start_process(
        eng,
        "account_application",
        "laerar.alesund",
        school_application(mailbox="laerar.alesund@mrfylke.no"),
    )
    task = only_task(eng, "rektor.alesund")
    page = doc(login("rektor.alesund").get(f"/tasks/{task['id']}"))
    text = text_of(one(page, "//main"))
    assert (
        "E8: «laerar.alesund@mrfylke.no» ser ut som ei personleg adresse; "
        "bruk ein funksjonell postboks."
    ) in text
    assert "warning_personal_mailbox" not in text


def test_a_returned_application_is_corrected_by_the_applicant_and_goes_back(eng, login, school):
    instance_id, task = school
    rektor = login("rektor.alesund")
    comment = "Skriv kven som svarar i feriane."
    response = rektor.post(
        f"/tasks/{task['id']}", {"decision": "revise", "comment": comment}, page="/"
    )
    assert response.status_code == 302
    revise = only_task(eng, "laerar.alesund")
    assert revise["name"] == "Rett opp søknaden"

    applicant = login("laerar.alesund")
    response = applicant.get(f"/tasks/{revise['id']}")
    assert response.status_code == 200
    assert_page_structure(response)
    page = doc(response)
    assert comment in text_of(one(page, "//main"))  # the applicant learns what to correct
    assert page.xpath(f'//form[@action="/tasks/{revise["id"]}"]//*[@name="capacity"]')

    capacity = "Tre lærarar deler vaktene, også i feriane, og svarar innan ein dag."
    response = applicant.post(f"/tasks/{revise['id']}", {"capacity": capacity})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/cases/{instance_id}"
    again = only_task(eng, "rektor.alesund")
    assert again["id"] != task["id"]
    data = services.show_instance(eng, instance_id)["data"]
    assert data["capacity"] == capacity
    assert data["account_name"] == "alesundvgs"  # kept from the first round
    assert data["deputy"] == "laerar2.alesund"


def test_the_assignee_alone_may_release_and_an_admin_may_hand_it_back(eng, login):
    services.set_user_roles(eng, "komm1", ["head_of_information", "comms"], "admin")
    services.start_process(eng, "account_application", "tilsett1", central_application())
    task = only_task(eng, "infosjef")
    login("infosjef").post(f"/tasks/{task['id']}/claim", page="/")
    assert task_row(eng, task["id"])["assignee"] == "infosjef"

    komm1 = login("komm1")
    before = audit_count(eng)
    response = komm1.post(f"/tasks/{task['id']}/release", page="/")
    assert response.status_code == 403
    assert "Oppgåva er teken av infosjef." in response.get_data(as_text=True)
    assert komm1.post(f"/tasks/{task['id']}/delegate", {"to": "komm1"}).status_code == 403
    assert task_row(eng, task["id"])["assignee"] == "infosjef"
    assert audit_count(eng) == before

    admin = login("admin")
    page = doc(admin.get(f"/tasks/{task['id']}"))
    assert page.xpath(f'//form[@action="/tasks/{task["id"]}/release"]')
    assert not page.xpath(f'//form[@action="/tasks/{task["id"]}"]')
    assert admin.post(f"/tasks/{task['id']}/release").status_code == 302
    assert task_row(eng, task["id"])["assignee"] is None
    [event] = audit_events(eng, "task_released")
    assert event["actor"] == "admin"
    # but the admin may not decide it
    assert admin.post(f"/tasks/{task['id']}", {"decision": "approve"}, page="/").status_code == 403
    assert task_row(eng, task["id"])["status"] == "open"


def test_entered_text_is_never_markup(eng, login):
    b = login("laerar.alesund")
    b.csrf_from("/start/account_application")
    evil = "<script>alert(1)</script>"
    data = school_application(account_name=f"{evil}vgs") | {"platform": "instagram"}
    response = b.post("/start/account_application", data)
    assert response.status_code == 302
    instance_id = int(response.headers["Location"].rsplit("/", 1)[1])
    task = only_task(eng, "rektor.alesund")
    rektor = login("rektor.alesund")
    for viewer, url in (
        (b, f"/cases/{instance_id}"),
        (b, "/cases/"),
        (rektor, "/"),
        (rektor, f"/tasks/{task['id']}"),
    ):
        body = viewer.get(url).get_data(as_text=True)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body, url
        assert evil not in body, url
