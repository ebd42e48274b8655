"""Possibly reputation-critical matters (rule G9): the comms section assesses, a handler drafts,
the head of information approves (four eyes), the moderator publishes, lessons are recorded;
or the matter is escalated to crisis. Through the service layer with a moved clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.cases import services
from engine.errors import FormInvalid, PermissionDenied
from engine.store import audit
from engine.store.models import ProcessInstance
from tests.test_inquiry_handling import (
    DEPUTY,
    DUE,
    MODERATOR,
    OWNER,
    sent,
    start,
    triage,
)

PROCESS = "reputation_escalation"
COMMS = ["infosjef", "komm1", "komm2"]
ASSESSMENT = {"severity": "high", "summary": "Skulda for mobbing", "action": "respond"}


def escalated_inquiry(eng, account_id: int) -> tuple[int, int]:
    """An inquiry triaged as reputation-critical; returns it and the escalation it started."""
    inquiry_id = start(eng, account_id, text="Lærar X sa noko grovt til eleven min.")
    triage(eng, "reputation_critical")
    return inquiry_id, child_of(eng, inquiry_id)


def child_of(eng, parent_id: int) -> int:
    with eng.transaction() as session:
        return session.scalar(
            select(ProcessInstance.id).where(ProcessInstance.parent_id == parent_id)
        )


def task_of(eng, instance_id: int, element: str) -> dict:
    """The instance's one open task of that element, as a candidate or assignee sees it."""
    tasks = [
        task
        for task in services.show_instance(eng, instance_id)["tasks"]
        if task["element_id"] == element and task["status"] == "open"
    ]
    assert len(tasks) == 1, tasks
    return tasks[0]


def complete(eng, instance_id: int, element: str, username: str, data: dict) -> dict:
    return services.complete_human_task(
        eng, task_of(eng, instance_id, element)["id"], username, data
    )


def events(eng, instance_id: int, kind: str) -> list[dict]:
    with eng.transaction() as session:
        return [e.detail for e in audit.history(session, instance_id) if e.kind == kind]


def test_G9_reputation_critical_inquiry_waits_for_the_comms_sections_answer(eng, account_id):
    inquiry_id, escalation_id = escalated_inquiry(eng, account_id)
    inquiry = services.show_instance(eng, inquiry_id)
    assert inquiry["status"] == "running" and inquiry["tasks"][-1]["status"] != "open"
    assert events(eng, inquiry_id, "child_started") == [
        {"child_id": escalation_id, "process_id": PROCESS}
    ]
    escalation = services.show_instance(eng, escalation_id)
    assert escalation["data"]["text"] == "Lærar X sa noko grovt til eleven min."
    assert escalation["data"]["account_id"] == account_id
    assess = task_of(eng, escalation_id, "assess")
    assert assess["candidates"] == COMMS  # the section hears it: a task for each of them
    assert sorted(sent(eng, escalation_id, "task_ready")) == COMMS

    complete(eng, escalation_id, "assess", "komm2", ASSESSMENT | {"handler": "komm1"})
    draft = task_of(eng, escalation_id, "draft")
    assert draft["assignee"] == "komm1"  # the chosen handler, and only they are told
    assert sent(eng, escalation_id, "task_ready").count("komm1") == 2
    complete(eng, escalation_id, "draft", "komm1", {"response_draft": "Vi tek dette på alvor."})
    approve = task_of(eng, escalation_id, "approve")
    assert approve["candidates"] == ["infosjef"]
    complete(eng, escalation_id, "approve", "infosjef", {"decision": "approve"})

    publish = task_of(eng, escalation_id, "publish")
    assert publish["candidates"] == sorted([OWNER, DEPUTY, MODERATOR])
    assert publish["due_at"] == DUE.isoformat()  # still the inquiry's 24-hour promise (G2a)
    url = "https://www.instagram.com/p/abc123/c/1"
    complete(eng, escalation_id, "publish", OWNER, {"published_url": url})
    assert services.show_instance(eng, inquiry_id)["status"] == "running"  # lessons to come
    complete(eng, escalation_id, "lessons", "komm1", {"lessons_learned": "Svar raskare."})

    escalation = services.show_instance(eng, escalation_id)
    assert (escalation["status"], escalation["outcome"]) == ("completed", "Svar publisert")
    inquiry = services.show_instance(eng, inquiry_id)
    assert (inquiry["status"], inquiry["outcome"]) == (
        "completed",
        "Svart via informasjonsseksjonen (G9)",
    )
    assert inquiry["data"]["escalation"] == {
        "outcome": "published",
        "severity": "high",
        "summary": "Skulda for mobbing",
        "published_url": url,
    }
    [received] = events(eng, inquiry_id, "message_received")
    assert (received["message"], received["from_instance"]) == (
        "omdommesak_avslutta",
        escalation_id,
    )
    [message] = events(eng, escalation_id, "message_sent")
    assert message["received_by"] == inquiry_id


def test_G9_the_drafter_of_an_escalation_response_cannot_approve_it(eng, account_id):
    """The head of information is also in the comms section: when they draft, the approval
    steps up to management, and they cannot take it themselves."""
    _inquiry_id, escalation_id = escalated_inquiry(eng, account_id)
    complete(eng, escalation_id, "assess", "komm1", ASSESSMENT | {"handler": "infosjef"})
    complete(eng, escalation_id, "draft", "infosjef", {"response_draft": "Utkast 1"})
    approve = task_of(eng, escalation_id, "approve")
    assert approve["candidates"] == ["fylkesdirektor"]
    for attempt in (services.complete_human_task, services.claim_human_task):
        args = (eng, approve["id"], "infosjef")
        with pytest.raises(PermissionDenied) as refusal:
            attempt(
                *args, {"decision": "approve"}
            ) if attempt is not services.claim_human_task else attempt(*args)
        assert refusal.value.code == "not_candidate"

    # Sent back for changes: the handler drafts again, and the four eyes hold once more.
    with pytest.raises(FormInvalid) as error:  # a revision says what must change
        complete(eng, escalation_id, "approve", "fylkesdirektor", {"decision": "revise"})
    assert error.value.errors["comment"][0] == "comment_required"
    complete(
        eng,
        escalation_id,
        "approve",
        "fylkesdirektor",
        {"decision": "revise", "comment": "Kortare"},
    )
    assert task_of(eng, escalation_id, "draft")["assignee"] == "infosjef"
    complete(eng, escalation_id, "draft", "infosjef", {"response_draft": "Utkast 2"})
    assert task_of(eng, escalation_id, "approve")["candidates"] == ["fylkesdirektor"]


def test_G9_the_assessment_names_a_handler_from_the_comms_section(eng, account_id):
    _inquiry_id, escalation_id = escalated_inquiry(eng, account_id)
    for handler, code in ((None, "required"), ("tilsett1", "handler_not_comms")):
        data = ASSESSMENT | ({"handler": handler} if handler else {})
        with pytest.raises(FormInvalid) as error:
            complete(eng, escalation_id, "assess", "komm1", data)
        assert error.value.errors["handler"][0] == code
    with pytest.raises(PermissionDenied):  # the assessment is the comms section's
        complete(eng, escalation_id, "assess", OWNER, ASSESSMENT | {"handler": "komm1"})


def test_G9_whoever_raised_the_matter_does_not_handle_it(eng, account_id):
    """A comms member who moderates the account triages it as reputation-critical: the rest of
    the section assesses it, and they cannot be named its handler (they could not act on it)."""
    services.set_user_roles(eng, MODERATOR, ["principal", "comms"], "admin")
    inquiry_id = start(eng, account_id)
    [triage_task] = [
        t for t in services.list_human_tasks(eng, MODERATOR) if t["instance_id"] == inquiry_id
    ]
    services.complete_human_task(
        eng, triage_task["id"], MODERATOR, {"category": "reputation_critical"}
    )
    escalation_id = child_of(eng, inquiry_id)
    assert task_of(eng, escalation_id, "assess")["candidates"] == COMMS  # not MODERATOR
    with pytest.raises(FormInvalid) as error:
        complete(eng, escalation_id, "assess", "komm1", ASSESSMENT | {"handler": MODERATOR})
    assert error.value.errors["handler"] == ("handler_raised_it", {"value": MODERATOR})
    complete(eng, escalation_id, "assess", "komm1", ASSESSMENT | {"handler": "komm2"})
    assert task_of(eng, escalation_id, "draft")["assignee"] == "komm2"


def test_G9_escalation_to_crisis_tells_management_and_records_the_message(eng, account_id):
    inquiry_id, escalation_id = escalated_inquiry(eng, account_id)
    complete(eng, escalation_id, "assess", "komm1", ASSESSMENT | {"action": "crisis"})
    assert sorted(sent(eng, escalation_id, "reputation_crisis")) == [
        "fylkesdirektor",
        "infosjef",
    ]
    # The message starts a crisis case for management to confirm (E6, tests/test_crisis_…).
    [crisis] = [
        m for m in events(eng, escalation_id, "message_sent") if m["message"] == "krise_meld"
    ]
    assert crisis == {
        "message": "krise_meld",
        "payload": {"summary": "Skulda for mobbing", "severity": "high"},
        "received_by": child_of(eng, escalation_id),
    }
    complete(eng, escalation_id, "lessons", "komm2", {"lessons_learned": "Krisa kom fort."})
    assert services.show_instance(eng, escalation_id)["outcome"] == "Eskalert til krise"
    # Each message once, though the case took further steps after throwing it.
    assert [m["message"] for m in events(eng, escalation_id, "message_sent")] == [
        "krise_meld",
        "omdommesak_avslutta",
    ]
    inquiry = services.show_instance(eng, inquiry_id)
    assert (inquiry["status"], inquiry["outcome"]) == ("completed", "Eskalert til krise (G9)")


def test_G9_any_employee_can_report_a_possible_reputation_matter(eng, clock):
    """ "Meld frå om ei mogleg omdømmesak": no account needed; the reporter publishes."""
    seen = clock.now() - timedelta(hours=1)
    report = {"text": "Eit klipp frå bussen går viralt.", "received_at": seen.isoformat()}
    escalation_id = services.start_process(eng, PROCESS, "tilsett1", report)
    assert services.show_instance(eng, escalation_id)["title"] == "Mogleg omdømmesak"
    assert task_of(eng, escalation_id, "assess")["candidates"] == COMMS
    complete(eng, escalation_id, "assess", "komm1", ASSESSMENT | {"handler": "komm2"})
    assert services.show_instance(eng, escalation_id)["title"] == (
        "Mogleg omdømmesak: Skulda for mobbing"
    )
    complete(eng, escalation_id, "draft", "komm2", {"response_draft": "Vi ser på saka."})
    complete(eng, escalation_id, "approve", "infosjef", {"decision": "approve"})
    publish = task_of(eng, escalation_id, "publish")
    assert publish["candidates"] == ["tilsett1"]
    assert publish["due_at"] == (seen + timedelta(hours=24)).isoformat()
    complete(eng, escalation_id, "publish", "tilsett1", {"published_url": "https://x.com/1"})
    complete(eng, escalation_id, "lessons", "komm2", {"lessons_learned": "Bra samarbeid."})
    assert services.show_instance(eng, escalation_id)["outcome"] == "Svar publisert"
    [message] = events(eng, escalation_id, "message_sent")
    assert message["received_by"] is None  # no inquiry waits for it
