"""Asking the comms section (rules E4, E9): any employee asks, the comms section answers within
a working day, the asker hears the answer and closes the case or asks a follow-up question.
Through the service layer with a moved clock."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine.cases import services
from engine.clock import OSLO
from engine.errors import FormInvalid, PermissionDenied
from tests.conftest import WORKFLOWS
from tests.test_deploy import assert_located, edit, line_of, rejected
from tests.test_inquiry_handling import OWNER, outbox, sent
from tests.test_inquiry_handling import start as register_inquiry
from tests.test_reputation_escalation import complete, events, task_of

PROCESS = "ask_comms"
COMMS = ["infosjef", "komm1", "komm2"]
FRIDAY = datetime(2026, 11, 27, 14, 0, tzinfo=OSLO)  # Friday afternoon
MONDAY = datetime(2026, 11, 30, 14, 0, tzinfo=OSLO)  # one working day later


def question(**overrides) -> dict:
    return {
        "subject": "Kommentar om skuleskyss",
        "topic": "mrfk_view",
        "question": "Ein forelder spør meg på Facebook kva fylket meiner om nye skyssreglar. "
        "Bør eg svare sjølv?",
        "link": "https://www.facebook.com/groups/foreldre/posts/123",
    } | overrides


def ask(eng, username: str = "tilsett1", **overrides) -> int:
    return services.start_process(eng, PROCESS, username, question(**overrides))


def iso(moment: datetime) -> str:
    """How the services report a moment: in UTC."""
    return moment.astimezone(UTC).isoformat()


ANSWER = {"advice": "refer_official", "answer": "Vis til mrfylke.no/skyss; svar ikkje på synet."}


def test_E4_asked_for_the_countys_view_an_employee_gets_an_answer_within_a_working_day(eng, clock):
    """E4: asked about the county's view, an employee can take it to the comms section before
    answering; the section answers as a task with a deadline (here: Friday → Monday)."""
    clock.set(FRIDAY)
    instance_id = ask(eng)
    case = services.show_instance(eng, instance_id)
    assert case["title"] == "Spørsmål til informasjonsseksjonen: Kommentar om skuleskyss"
    assert case["data"]["asked_at"] == iso(FRIDAY)  # the server's clock, not the form
    answer = task_of(eng, instance_id, "answer")
    assert answer["candidates"] == COMMS
    assert answer["due_at"] == iso(MONDAY)
    assert case["next_timer_at"] == iso(MONDAY)  # the reminder keeps the same deadline
    assert sorted(sent(eng, instance_id, "task_ready")) == COMMS

    clock.set(MONDAY - timedelta(hours=5))
    complete(eng, instance_id, "answer", "komm1", ANSWER)
    read = task_of(eng, instance_id, "read_answer")
    assert read["candidates"] == ["tilsett1"]
    # The asker hears it once, in words that say what happened, with a link to the answer.
    assert sent(eng, instance_id, "ask_comms_answered") == ["tilsett1"]
    assert "tilsett1" not in sent(eng, instance_id, "task_ready")
    [told] = [m for m in outbox(eng, instance_id) if m.template == "ask_comms_answered"]
    assert told.payload["task_id"] == read["id"]  # the e-mail links to the answer

    complete(eng, instance_id, "read_answer", "tilsett1", {"decision": "close"})
    case = services.show_instance(eng, instance_id)
    assert (case["status"], case["outcome"]) == ("completed", "Svart")
    assert case["data"]["advice"] == "refer_official"
    assert case["next_timer_at"] is None


def test_E9_in_doubt_any_employee_asks_and_only_the_comms_section_answers(eng):
    """E9: "In doubt? Contact the comms section." Anyone who is an employee may ask (a
    teacher, a principal, management); only the comms section answers; auditors ask nothing."""
    for asker in ("laerar.alesund", "rektor.alesund", "fylkesdirektor", "politisk"):
        instance_id = ask(eng, asker, topic="other")
        assert task_of(eng, instance_id, "answer")["candidates"] == COMMS, asker
    answer = task_of(eng, instance_id, "answer")
    for outsider in ("politisk", "tilsett1", "fylkesdirektor"):  # the asker and others
        with pytest.raises(PermissionDenied):
            services.complete_human_task(eng, answer["id"], outsider, ANSWER)
        with pytest.raises(PermissionDenied):
            services.claim_human_task(eng, answer["id"], outsider)
    with pytest.raises(PermissionDenied) as refusal:
        ask(eng, "revisor")
    assert refusal.value.code == "read_only"

    with pytest.raises(FormInvalid) as error:  # the question itself is required
        ask(eng, question="  ")
    assert error.value.errors["question"][0] == "required"

    complete(eng, instance_id, "answer", "komm2", {"answer": "Sjå svaret i saka."})
    assert task_of(eng, instance_id, "read_answer")["candidates"] == ["politisk"]


def test_E9_a_comms_member_does_not_answer_their_own_question(eng):
    """Asking the section means a colleague answers: the asker is no candidate, even in comms."""
    instance_id = ask(eng, "komm1")
    answer = task_of(eng, instance_id, "answer")
    assert answer["candidates"] == ["infosjef", "komm2"]
    assert "komm1" not in sent(eng, instance_id, "task_ready")
    for attempt in (services.claim_human_task, services.complete_human_task):
        args = (eng, answer["id"], "komm1")
        with pytest.raises(PermissionDenied) as refusal:
            attempt(*args) if attempt is services.claim_human_task else attempt(*args, ANSWER)
        assert refusal.value.code == "own_case"
    complete(eng, instance_id, "answer", "komm2", ANSWER)
    assert task_of(eng, instance_id, "read_answer")["candidates"] == ["komm1"]


def test_E9_a_follow_up_question_goes_back_with_a_new_working_day(eng, clock):
    clock.set(FRIDAY)
    instance_id = ask(eng)
    complete(eng, instance_id, "answer", "komm1", ANSWER)
    thursday = datetime(2026, 12, 3, 10, 0, tzinfo=OSLO)
    clock.set(thursday)
    for data, code in (
        ({"decision": "follow_up"}, "follow_up_question_required"),
        ({"decision": "close", "follow_up_question": "Og?"}, "follow_up_question_when_closing"),
    ):
        with pytest.raises(FormInvalid) as error:
            complete(eng, instance_id, "read_answer", "tilsett1", data)
        assert error.value.errors["follow_up_question"][0] == code
    follow_up = {"decision": "follow_up", "follow_up_question": "Kan eg lenkje til mrfylke.no?"}
    complete(eng, instance_id, "read_answer", "tilsett1", follow_up)

    answer = task_of(eng, instance_id, "answer")
    assert answer["candidates"] == COMMS
    friday = datetime(2026, 12, 4, 10, 0, tzinfo=OSLO)
    assert answer["due_at"] == iso(friday)
    case = services.show_instance(eng, instance_id)
    assert case["data"]["asked_at"] == iso(thursday)
    assert case["next_timer_at"] == iso(friday)

    complete(eng, instance_id, "answer", "komm2", {"answer": "Ja, gjer det."})
    assert sent(eng, instance_id, "ask_comms_answered") == ["tilsett1", "tilsett1"]
    complete(eng, instance_id, "read_answer", "tilsett1", {"decision": "close"})
    case = services.show_instance(eng, instance_id)
    assert (case["status"], case["outcome"]) == ("completed", "Svart")
    answers = [
        e["detail"]["data"]["answer"]
        for e in case["history"]
        if e["kind"] == "task_completed" and "answer" in e["detail"].get("data", {})
    ]
    assert answers == [ANSWER["answer"], "Ja, gjer det."]  # every round stays in the history


@pytest.mark.parametrize(
    ("asked", "due"),
    [
        pytest.param(FRIDAY, MONDAY, id="weekend"),
        pytest.param(  # 25 and 26 December are holidays, then the weekend
            datetime(2026, 12, 24, 14, 0, tzinfo=OSLO),
            datetime(2026, 12, 28, 14, 0, tzinfo=OSLO),
            id="christmas",
        ),
        pytest.param(  # Maundy Thursday to Easter Monday
            datetime(2027, 3, 24, 9, 30, tzinfo=OSLO),
            datetime(2027, 3, 30, 9, 30, tzinfo=OSLO),
            id="easter",
        ),
    ],
)
def test_the_answer_is_due_one_working_day_after_the_question(eng, clock, asked, due):
    clock.set(asked)
    instance_id = ask(eng)
    assert task_of(eng, instance_id, "answer")["due_at"] == iso(due)
    assert services.show_instance(eng, instance_id)["next_timer_at"] == iso(due)
    assert services.fire_due_timers(eng, due - timedelta(seconds=1)) == []
    fired = services.fire_due_timers(eng, due)
    assert fired == [
        {"instance_id": instance_id, "timers": ["answer_overdue"], "status": "running"}
    ]


def test_a_question_unanswered_for_a_working_day_reminds_the_section_and_its_head(eng, clock):
    clock.set(FRIDAY)
    instance_id = ask(eng)
    answer = task_of(eng, instance_id, "answer")
    services.claim_human_task(eng, answer["id"], "komm2")
    saturday = FRIDAY + timedelta(days=1)
    assert services.fire_due_timers(eng, saturday) == []  # 24 hours are not a working day

    fired = services.fire_due_timers(eng, MONDAY)
    assert fired[0]["timers"] == ["answer_overdue"]
    # The one who took it, and the head of information who shares out the section's work.
    assert sent(eng, instance_id, "ask_comms_overdue") == ["komm2", "infosjef"]
    [queued] = [e for e in events(eng, instance_id, "notification_queued")]
    assert queued == {"template": "ask_comms_overdue", "recipients": ["komm2", "infosjef"]}
    still = task_of(eng, instance_id, "answer")  # still open, still theirs
    assert (still["id"], still["assignee"]) == (answer["id"], "komm2")
    assert services.show_instance(eng, instance_id)["next_timer_at"] is None  # reminds once

    clock.set(MONDAY + timedelta(hours=1))
    complete(eng, instance_id, "answer", "komm2", ANSWER)
    assert task_of(eng, instance_id, "read_answer")["candidates"] == ["tilsett1"]


def test_an_answer_the_asker_leaves_unread_closes_the_case_after_14_days(eng, clock):
    instance_id = ask(eng)
    complete(eng, instance_id, "answer", "komm1", ANSWER)
    answered = clock.now()
    assert services.show_instance(eng, instance_id)["next_timer_at"] == iso(
        answered + timedelta(days=14)
    )
    fired = services.fire_due_timers(eng, answered + timedelta(days=14))
    assert fired == [
        {"instance_id": instance_id, "timers": ["read_timeout"], "status": "completed"}
    ]
    assert services.show_instance(eng, instance_id)["outcome"] == "Svart"


def test_a_question_may_refer_to_a_case_the_asker_may_open(eng, account_id):
    """The inquiry a question is about: its own people may name it; someone who may not open
    it gets the same answer as for a number that does not exist."""
    inquiry_id = register_inquiry(eng, account_id)
    for asker, case_id in (("tilsett1", inquiry_id), ("tilsett1", 99999), (OWNER, 99999)):
        with pytest.raises(FormInvalid) as error:
            ask(eng, asker, topic="inquiry", case_id=case_id)
        assert error.value.errors["case_id"] == ("case_not_visible", {"value": case_id})

    instance_id = ask(eng, OWNER, topic="inquiry", case_id=inquiry_id, account_id=account_id)
    data = services.show_instance(eng, instance_id)["data"]
    assert (data["case_id"], data["account_id"]) == (inquiry_id, account_id)
    assert (data["account_name"], data["platform"]) == ("alesundvgs", "instagram")
    # The comms section sees every case, so its members may refer to any.
    ask(eng, "komm1", topic="inquiry", case_id=inquiry_id)


@pytest.mark.parametrize(
    ("old", "new", "element", "message"),
    [
        (
            'name="dueIn" value="P1WD"',
            'name="dueIn" value="P1 WD"',
            "answer",
            "dueIn 'P1 WD' is not a duration",
        ),
        (
            'name="readyTemplate" value="ask_comms_answered"',
            'name="readyTemplate" value="ask_comms_answerd"',
            "read_answer",
            "readyTemplate 'ask_comms_answerd' is not a notification text",
        ),
    ],
)
def test_deployment_checks_working_day_deadlines_and_notification_templates(
    eng, tmp_path: Path, old: str, new: str, element: str, message: str
):
    folder = tmp_path / "all"
    shutil.copytree(WORKFLOWS, folder)
    bpmn = folder / "ask_comms" / "ask_comms.bpmn"
    edit(bpmn, old, new)
    [problem] = rejected(eng, folder)
    assert_located(problem, element, line_of(bpmn, f'id="{element}"'), bpmn.name)
    assert message in problem
