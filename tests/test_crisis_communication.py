"""Crisis communication (rule E6): management declares or confirms a crisis, the accounts in it
are held, the comms section drafts statements that management approves (four eyes), and
management ends it. Through the service layer with a moved clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.cases import services
from engine.errors import FormInvalid, PermissionDenied
from engine.forms.validation import FormContext, validate
from engine.people.lanes import get_user
from tests.test_inquiry_handling import sent
from tests.test_reputation_escalation import (
    ASSESSMENT,
    child_of,
    complete,
    escalated_inquiry,
    events,
    task_of,
)
from workflows.crisis_communication import rules as crisis

PROCESS = "crisis_communication"
TEAM = ["laerar.alesund", "laerar2.alesund", "rektor.alesund"]  # the account's people


def active(eng) -> list[crisis.ActiveCrisis]:
    with eng.transaction() as session:
        return crisis.active_crises(session)


def declare(eng, **data) -> int:
    return services.start_process(
        eng, PROCESS, "fylkesdirektor", {"summary": "Brann på Ålesund vgs"} | data
    )


def test_E6_management_declares_a_crisis_and_leads_the_statements(eng, clock, account_id):
    with pytest.raises(PermissionDenied) as refusal:  # only management declares a crisis
        services.start_process(eng, PROCESS, "komm1", {"summary": "Brann"})
    assert refusal.value.code == "may_not_start"
    assert active(eng) == []

    crisis_id = declare(eng)
    [in_force] = active(eng)
    assert (in_force.instance_id, in_force.accounts) == (crisis_id, None)  # every account
    assert sorted(sent(eng, crisis_id, "crisis_started")) == sorted(
        set(TEAM) | {"infosjef", "komm1", "komm2"}
    )
    case = services.show_instance(eng, crisis_id)
    assert case["title"] == "Krise: Brann på Ålesund vgs"

    # Two rounds of statements: drafted by the comms section, approved by management.
    for round_ in (1, 2):
        clock.advance(timedelta(hours=1))
        complete(eng, crisis_id, "next_step", "fylkesdirektor", {"next": "statement"})
        complete(eng, crisis_id, "draft_statement", "komm1", {"statement": f"Fråsegn {round_}"})
        complete(eng, crisis_id, "approve_statement", "fylkesdirektor", {"decision": "approve"})
        links = f"https://www.facebook.com/mrfylke/posts/{round_}"
        complete(eng, crisis_id, "publish_statement", "komm2", {"statement_links": links})

    complete(eng, crisis_id, "next_step", "fylkesdirektor", {"next": "end"})
    assert active(eng) == []  # the hold is released before the evaluation
    assert sorted(sent(eng, crisis_id, "crisis_ended")) == sorted(
        set(TEAM) | {"infosjef", "komm1", "komm2"}
    )
    complete(eng, crisis_id, "evaluate", "komm1", {"evaluation": "Fråsegnene kom raskt nok."})
    case = services.show_instance(eng, crisis_id)
    assert (case["status"], case["outcome"]) == ("completed", "Krisa er over")
    kinds = [e["kind"] for e in case["history"]]
    assert kinds.count("crisis_mode_on") == 1 and kinds.count("crisis_mode_off") == 1
    assert services.verify_audit(eng).ok


def test_E6_the_drafter_of_a_crisis_statement_cannot_approve_it(eng, account_id):
    """Someone both in management and in the comms section drafts: another leader approves."""
    services.set_user_roles(
        eng, "infosjef", ["comms", "head_of_information", "management"], "admin"
    )
    crisis_id = declare(eng)
    complete(eng, crisis_id, "next_step", "fylkesdirektor", {"next": "statement"})
    complete(eng, crisis_id, "draft_statement", "infosjef", {"statement": "Utkast"})
    approval = task_of(eng, crisis_id, "approve_statement")
    assert approval["candidates"] == ["fylkesdirektor"]
    with pytest.raises(PermissionDenied):
        services.complete_human_task(eng, approval["id"], "infosjef", {"decision": "approve"})
    complete(
        eng,
        crisis_id,
        "approve_statement",
        "fylkesdirektor",
        {"decision": "revise", "comment": "Kortare"},
    )
    assert task_of(eng, crisis_id, "draft_statement")["status"] == "open"


def test_E6_a_crisis_may_hold_only_the_accounts_management_chooses(eng, account_id):
    with pytest.raises(FormInvalid) as error:
        declare(eng, all_accounts=False)
    assert error.value.errors["crisis_accounts"][0] == "crisis_accounts_required"
    declare(eng, all_accounts=False, crisis_accounts=[account_id])
    [in_force] = active(eng)
    assert in_force.accounts == [account_id]
    with eng.transaction() as session:
        assert crisis.crisis_holding(session, account_id) == in_force
        assert crisis.crisis_holding(session, account_id + 1) is None


def test_E6_ordinary_work_on_an_account_in_crisis_is_held(eng, account_id):
    """The form check `not_held_by_crisis` refuses work on a held account until the end."""
    schema = {"type": "object", "properties": {}, "x-checks": ["not_held_by_crisis"]}

    def check() -> None:
        with eng.transaction() as session:
            actor = get_user(session, "laerar.alesund")
            validate(schema, {}, FormContext(session, actor, {"account_id": account_id}))

    check()  # no crisis: nothing held
    crisis_id = declare(eng)
    with pytest.raises(FormInvalid) as error:
        check()
    assert error.value.errors["crisis"] == (
        "held_by_crisis",
        {"title": "Krise: Brann på Ålesund vgs"},
    )
    complete(eng, crisis_id, "next_step", "fylkesdirektor", {"next": "end"})
    check()  # released


def test_E6_an_escalation_to_crisis_is_confirmed_by_management(eng, account_id):
    """G9 → E6: the comms section's "escalate to crisis" starts a crisis case that management
    confirms; nothing is held until then. A second escalation joins the running crisis."""
    _inquiry, escalation = escalated_inquiry(eng, account_id)
    complete(eng, escalation, "assess", "komm1", ASSESSMENT | {"action": "crisis"})
    crisis_id = child_of(eng, escalation)
    [message] = [m for m in events(eng, escalation, "message_sent") if m["message"] == "krise_meld"]
    assert message["received_by"] == crisis_id
    case = services.show_instance(eng, crisis_id)
    assert case["title"] == "Krise: Skulda for mobbing"
    assert active(eng) == []  # proposed, not yet confirmed
    confirm = task_of(eng, crisis_id, "confirm")
    assert confirm["candidates"] == ["fylkesdirektor"]

    _other_inquiry, other = escalated_inquiry(eng, account_id)
    complete(eng, other, "assess", "komm2", ASSESSMENT | {"action": "crisis", "summary": "Meir"})
    assert child_of(eng, other) is None  # joined, not a second crisis
    [joined] = [m for m in events(eng, crisis_id, "message_received")]
    assert joined["from_instance"] == other

    complete(
        eng, crisis_id, "confirm", "fylkesdirektor", {"decision": "confirm", "all_accounts": True}
    )
    assert [c.instance_id for c in active(eng)] == [crisis_id]


def test_E6_management_may_find_a_proposed_crisis_is_none(eng, account_id):
    _inquiry, escalation = escalated_inquiry(eng, account_id)
    complete(eng, escalation, "assess", "komm1", ASSESSMENT | {"action": "crisis"})
    crisis_id = child_of(eng, escalation)
    with pytest.raises(FormInvalid) as error:
        complete(eng, crisis_id, "confirm", "fylkesdirektor", {"decision": "decline"})
    assert error.value.errors["comment"][0] == "comment_required"
    complete(
        eng, crisis_id, "confirm", "fylkesdirektor", {"decision": "decline", "comment": "Lokal sak"}
    )
    case = services.show_instance(eng, crisis_id)
    assert (case["status"], case["outcome"]) == ("completed", "Ikkje ei krise")
    assert active(eng) == []


def test_E6_replies_and_post_approvals_wait_while_the_account_is_held(eng, account_id):
    """The hold in the real processes: an inquiry's reply (G2) and a post's approval (G11) on
    a held account are refused until management ends the crisis; a post may still go back."""
    from tests.test_inquiry_handling import start, triage
    from tests.test_post_approval import PROCESS as POST
    from tests.test_post_approval import draft

    start(eng, account_id)
    reply = triage(eng, "question")
    post_id = services.start_process(eng, POST, "laerar2.alesund", draft(account_id))
    crisis_id = declare(eng)
    answer = {"tone": "factual", "reply_text": "Sjå nettsida vår."}
    held = ("held_by_crisis", {"title": "Krise: Brann på Ålesund vgs"})
    with pytest.raises(FormInvalid) as error:
        services.complete_human_task(eng, reply["id"], "laerar.alesund", answer)
    assert error.value.errors["crisis"] == held
    with pytest.raises(FormInvalid) as error:
        complete(eng, post_id, "approve", "laerar.alesund", {"decision": "approve"})
    assert error.value.errors["crisis"] == held

    complete(eng, crisis_id, "next_step", "fylkesdirektor", {"next": "end"})
    services.complete_human_task(eng, reply["id"], "laerar.alesund", answer)
    complete(eng, post_id, "approve", "laerar.alesund", {"decision": "approve"})
    assert services.show_instance(eng, post_id)["tasks"][-1]["element_id"] == "publish"
