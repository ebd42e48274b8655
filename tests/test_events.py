"""Messages and signals from outside (engine.cases.events), through the services on SQLite and
PostgreSQL: every step restores the case from the database, so each test also runs the
save/restore round trip between steps."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete

from engine.cases import services
from engine.cases.events import Credentials, rebuild_subscriptions, send_message, send_signal
from engine.config import PROJECT_ROOT
from engine.errors import (
    Conflict,
    FormInvalid,
    NotFound,
    PermissionDenied,
    Unauthorized,
    Unprocessable,
)
from engine.registers import connectors
from engine.store.models import EventSubscription, ProcessInstance
from tests.conftest import START
from tests.connector_support import school_account
from tests.events_support import (
    ADMIN,
    STARTER,
    case,
    complete,
    deploy_events,
    events_of,
    instance_ids,
    open_elements,
    order,
    subscriptions,
)


@pytest.fixture(autouse=True)
def _diagrams(eng) -> None:
    deploy_events(eng)


# --- messages to waiting cases -------------------------------------------------------------------


def test_a_case_subscribes_to_what_it_waits_for_and_the_projection_follows_it(eng) -> None:
    first = order(eng, 12)
    assert subscriptions(eng, first) == [
        ("message", "bestilling_klar", "wait_ready", {"order_no": 12})
    ]
    waiting = case(eng, first)["waiting"]
    assert [(w["kind"], w["element_id"], w["boundary"]) for w in waiting] == [
        ("timer", "ready_late", True),
        ("message", "wait_ready", False),
    ]
    assert waiting[0]["due_at"] == (START + timedelta(days=7)).isoformat()
    send_message(eng, "bestilling_klar", {"order_no": 12}, {}, ADMIN)
    assert subscriptions(eng, first) == []  # it waits for a person now


def test_a_correlated_message_reaches_only_the_case_it_names(eng) -> None:
    twelve, thirteen = order(eng, 12), order(eng, 13)
    result = send_message(eng, "bestilling_klar", {"order_no": 13}, {"shelf": "B2"}, ADMIN)
    assert (result.delivered, result.started) == ([thirteen], [])
    assert open_elements(eng, thirteen) == ["collect"]
    assert case(eng, thirteen)["data"]["delivery"] == {"order_no": 13, "shelf": "B2"}
    assert open_elements(eng, twelve) == []  # still waiting
    assert subscriptions(eng, twelve)[0][1] == "bestilling_klar"
    [received] = events_of(eng, "event_received", thirteen)
    assert received.actor == "admin"
    assert received.detail["name"] == "bestilling_klar"
    assert received.detail["correlation"] == {"order_no": 13}
    assert received.detail["payload"] == {"shelf": "B2"}


def test_several_waiting_cases_refuse_a_message_that_does_not_tell_them_apart(eng) -> None:
    twelve, thirteen = order(eng, 12), order(eng, 13)
    with pytest.raises(Conflict) as refused:
        send_message(eng, "bestilling_klar", {}, {}, ADMIN)
    assert refused.value.status == 409
    assert refused.value.code == "event_ambiguous"
    assert "2 saker" in refused.value.message and "order_no" in refused.value.message
    for instance_id in (twelve, thirteen):  # nothing changed
        assert open_elements(eng, instance_id) == []
        assert subscriptions(eng, instance_id)
        assert events_of(eng, "event_received", instance_id) == []
    [refusal] = events_of(eng, "event_refused")
    assert refusal.detail["status"] == 409 and refusal.detail["name"] == "bestilling_klar"


def test_the_case_number_tells_apart_cases_that_hold_no_correlation(eng) -> None:
    first = services.start_process(eng, "events_alarm", STARTER, {})
    second = services.start_process(eng, "events_alarm", STARTER, {})
    with pytest.raises(Conflict) as refused:
        send_message(eng, "avblaas", {}, {}, ADMIN)
    assert refused.value.code == "event_ambiguous_data"
    result = send_message(eng, "avblaas", {}, {}, ADMIN, case_id=second)
    assert result.delivered == [second]
    assert case(eng, second)["outcome"] == "Avblåst"
    assert case(eng, first)["status"] == "running"


def test_correlation_keys_may_be_left_out_when_one_case_waits(eng) -> None:
    only = order(eng, 12)
    assert send_message(eng, "bestilling_klar", {}, {"shelf": "A1"}, ADMIN).delivered == [only]
    # The message carries the value the case correlates on, as if the sender had given it.
    assert case(eng, only)["data"]["delivery"] == {"order_no": 12, "shelf": "A1"}


def test_a_key_of_the_case_data_correlates_a_message_without_correlation_properties(eng) -> None:
    services.start_process(eng, "events_alarm", STARTER, {})
    other = services.start_process(eng, "events_alarm", "tilsett1", {})
    result = send_message(eng, "avblaas", {"applicant": "tilsett1"}, {}, ADMIN)
    assert result.delivered == [other]


def test_a_message_nobody_waits_for_is_refused_with_404_and_changes_nothing(eng) -> None:
    order(eng, 12)
    with pytest.raises(NotFound) as unknown:
        send_message(eng, "ukjend_melding", {}, {}, ADMIN)
    assert unknown.value.code == "event_no_receiver"
    assert "ukjend_melding" in unknown.value.message
    with pytest.raises(NotFound) as wrong:
        send_message(eng, "bestilling_klar", {"order_no": 99}, {}, ADMIN)
    assert wrong.value.code == "event_no_receiver_correlated"
    assert "order_no=99" in wrong.value.message
    with pytest.raises(NotFound) as elsewhere:
        send_message(eng, "bestilling_klar", {}, {}, ADMIN, case_id=424242)
    assert elsewhere.value.code == "event_case_not_waiting"
    assert events_of(eng, "event_received") == []
    assert len(events_of(eng, "event_refused")) == 3


def test_a_boundary_message_interrupts_the_step_it_is_attached_to(eng) -> None:
    instance_id = services.start_process(eng, "events_reply", STARTER, {})
    [wait] = case(eng, instance_id)["waiting"]
    assert (wait["name"], wait["boundary"]) == ("trekt_tilbake", True)
    send_message(eng, "trekt_tilbake", {}, {}, ADMIN)
    shown = case(eng, instance_id)
    assert (shown["status"], shown["outcome"]) == ("completed", "Trekt")
    assert [t["status"] for t in shown["tasks"]] == ["cancelled"]


def test_an_anonymous_catch_event_is_addressed_by_its_element_id(eng) -> None:
    instance_id = services.start_process(eng, "events_reply", STARTER, {})
    complete(eng, instance_id, "prepare")
    assert subscriptions(eng, instance_id) == [("message", None, "await_reply", {})]
    [wait] = case(eng, instance_id)["waiting"]
    assert (wait["name"], wait["element_id"]) == (None, "await_reply")
    with pytest.raises(FormInvalid) as nameless:  # no name and no element: nothing to address
        send_message(eng, None, {}, {}, ADMIN)
    assert nameless.value.errors == {"name": ("required", {})}
    with pytest.raises(NotFound):
        send_message(eng, None, {}, {}, ADMIN, element_id="no_such_element")
    result = send_message(eng, None, {}, {"reply": "ja"}, ADMIN, element_id="await_reply")
    assert result.delivered == [instance_id]
    assert case(eng, instance_id)["outcome"] == "Svart"


def test_an_event_based_gateway_takes_the_message_and_drops_its_other_alternatives(eng) -> None:
    instance_id = services.start_process(eng, "events_alarm", STARTER, {})
    waiting = case(eng, instance_id)["waiting"]
    assert [(w["kind"], w["element_id"], w["gateway"]) for w in waiting] == [
        ("signal", "alarm", "which_first"),
        ("timer", "quiet_day", "which_first"),
        ("message", "stand_down", "which_first"),
    ]
    assert waiting[1]["due_at"] == (START + timedelta(days=1)).isoformat()
    send_message(eng, "avblaas", {}, {}, ADMIN)
    assert case(eng, instance_id)["outcome"] == "Avblåst"
    assert subscriptions(eng, instance_id) == []


def test_a_message_from_outside_starts_an_event_subprocess(eng) -> None:
    services.deploy_definitions(eng, [PROJECT_ROOT / "tests" / "diagrams" / "esp_message"])
    instance_id = services.start_process(eng, "esp_message", STARTER, {})
    [wait] = case(eng, instance_id)["waiting"]
    assert (wait["name"], wait["element_id"], wait["starts_subprocess"]) == (
        "withdraw",
        "withdrawn",
        True,
    )
    assert subscriptions(eng, instance_id) == [("message", "withdraw", "withdrawn", {})]
    result = send_message(eng, "withdraw", {}, {"reason": "Ikkje aktuelt"}, ADMIN)
    assert result.delivered == [instance_id]
    assert open_elements(eng, instance_id) == ["confirm"]  # the work it interrupted is gone


# --- message start events -----------------------------------------------------------------------


def test_a_message_start_event_starts_a_case_with_the_payload_as_its_data(eng) -> None:
    result = send_message(eng, "innmelding", {}, {"summary": "Kommentar på TikTok"}, ADMIN)
    assert result.delivered == []
    [instance_id] = result.started
    shown = case(eng, instance_id)
    assert shown["started_by"] == "admin"
    assert shown["data"]["summary"] == "Kommentar på TikTok"
    assert shown["data"]["intake"] == {"summary": "Kommentar på TikTok"}  # messageVariable
    assert shown["completed_elements"] == ["intake_received"]
    [task] = shown["tasks"]
    assert task["element_id"] == "review" and "komm1" in task["candidates"]
    [started] = [e for e in shown["history"] if e["kind"] == "instance_started"]
    assert started["detail"]["event"]["name"] == "innmelding"


def test_a_process_with_only_a_message_start_is_not_started_by_hand(eng) -> None:
    with pytest.raises(Conflict) as refused:
        services.start_process(eng, "events_intake", "komm1", {})
    assert refused.value.code == "starts_by_event_only"
    assert "«innmelding»" in refused.value.message
    assert instance_ids(eng, "events_intake") == []


def test_a_process_with_a_none_and_a_message_start_is_started_either_way(eng) -> None:
    by_hand = services.start_process(eng, "events_dual", STARTER, {})
    assert case(eng, by_hand)["completed_elements"] == ["start_by_hand"]
    [by_message] = send_message(eng, "dobbel_start", {}, {"from": "ERP"}, ADMIN).started
    assert case(eng, by_message)["completed_elements"] == ["start_by_message"]
    assert open_elements(eng, by_message) == ["handle"]


def test_a_start_message_process_is_started_once_and_then_joined(eng) -> None:
    """crisis_communication names its message with the `startMessage` property: the message
    starts a case, and joins the running one after that (as from another case)."""
    payload = {"summary": "Storm stengjer ferjene", "severity": "high"}
    [crisis] = send_message(eng, "krise_meld", {}, payload, Credentials.admin("admin")).started
    assert case(eng, crisis)["data"]["started_by_message"] is True
    again = send_message(eng, "krise_meld", {}, payload, ADMIN)
    assert (again.delivered, again.started) == ([crisis], [])


def test_the_shell_must_name_who_owns_a_case_its_message_starts(eng) -> None:
    with pytest.raises(Unprocessable) as refused:
        send_message(eng, "innmelding", {}, {}, Credentials.from_shell())
    assert refused.value.status == 422 and refused.value.code == "event_start_needs_owner"
    [instance_id] = send_message(eng, "innmelding", {}, {}, Credentials.from_shell("komm1")).started
    assert case(eng, instance_id)["started_by"] == "komm1"
    [started] = events_of(eng, "instance_started", instance_id)
    assert started.actor == "cli"


# --- signals -------------------------------------------------------------------------------------


def test_a_signal_reaches_every_case_waiting_for_it_and_starts_its_processes(eng) -> None:
    waiting = [services.start_process(eng, "events_alarm", STARTER, {}) for _ in range(3)]
    result = send_signal(eng, "alarm", {"level": 2}, ADMIN)
    assert result.delivered == waiting
    [broadcast] = result.started
    assert instance_ids(eng, "events_broadcast") == [broadcast]
    for instance_id in waiting:
        assert open_elements(eng, instance_id) == ["act"]
        [received] = events_of(eng, "event_received", instance_id)
        assert received.detail["event"] == "signal" and received.detail["name"] == "alarm"
    assert open_elements(eng, broadcast) == ["inform"]
    [routed] = events_of(eng, "event_routed")  # one line with every case it touched
    assert (routed.instance_id, routed.actor) == (None, "admin")
    assert (routed.detail["delivered"], routed.detail["started"]) == (waiting, [broadcast])


def test_a_signal_nothing_waits_for_is_refused_with_404(eng) -> None:
    with pytest.raises(NotFound) as refused:
        send_signal(eng, "ukjent", {}, ADMIN)
    assert refused.value.code == "signal_no_receiver"


# --- who may send --------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["komm1", "laerar.alesund", "revisor"])
def test_only_admins_and_connectors_send_events(eng, username) -> None:
    order(eng, 12)
    with pytest.raises(PermissionDenied):
        send_message(eng, "bestilling_klar", {}, {}, Credentials.admin(username))
    with pytest.raises(PermissionDenied):
        send_signal(eng, "alarm", {}, Credentials.admin(username))
    assert events_of(eng, "event_refused") == []  # a stranger's attempt is not an event


def test_a_connector_token_sends_events_to_the_cases_of_its_account_and_of_none(eng) -> None:
    account_id = school_account(eng)
    secret = connectors.create_token(eng, "admin", account_id, "ERP").secret
    mine, theirs, nobodys = order(eng, 1), order(eng, 2), order(eng, 3)
    with eng.transaction() as session:  # as if their data named accounts (account_id)
        session.get(ProcessInstance, mine).account_id = account_id
        session.get(ProcessInstance, theirs).account_id = account_id + 1
    token = Credentials.connector(secret)
    assert send_message(eng, "bestilling_klar", {"order_no": 1}, {}, token).delivered == [mine]
    assert send_message(eng, "bestilling_klar", {"order_no": 3}, {}, token).delivered == [nobodys]
    with pytest.raises(NotFound):  # another account's case is answered as if none waited
        send_message(eng, "bestilling_klar", {"order_no": 2}, {}, token)
    [received] = events_of(eng, "event_received", mine)
    assert received.actor.startswith("connector:sft_")
    assert received.detail["connector"].endswith("/ERP")
    [started] = send_message(eng, "innmelding", {}, {}, token).started
    assert case(eng, started)["started_by"] == "laerar.alesund"  # the account's owner


def test_an_unknown_or_revoked_token_is_unauthorized_and_leaves_no_trace(eng) -> None:
    account_id = school_account(eng)
    issued = connectors.create_token(eng, "admin", account_id, "ERP")
    connectors.revoke_token(eng, "admin", issued.id)
    order(eng, 12)
    for secret in ("", "sft_nope", issued.secret):
        with pytest.raises(Unauthorized):
            send_message(eng, "bestilling_klar", {}, {}, Credentials.connector(secret))
    assert events_of(eng, "event_refused") == [] and events_of(eng, "event_received") == []


@pytest.mark.parametrize(
    ("name", "correlation", "payload", "errors"),
    [
        (42, {}, {}, {"name"}),
        ("x" * 201, {}, {}, {"name"}),
        ("bestilling_klar", ["order_no"], {}, {"correlation"}),
        ("bestilling_klar", {}, "text", {"payload"}),
        ("bestilling_klar", {" ": 1}, [], {"correlation", "payload"}),
    ],
)
def test_a_malformed_event_is_refused_field_by_field(eng, name, correlation, payload, errors):
    order(eng, 12)
    with pytest.raises(FormInvalid) as refused:
        send_message(eng, name, correlation, payload, ADMIN)
    assert set(refused.value.errors) == errors
    with pytest.raises(FormInvalid):
        send_message(eng, "bestilling_klar", {}, {}, ADMIN, case_id="12")


# --- the projection ------------------------------------------------------------------------------


def test_rebuilding_the_projection_finds_what_running_cases_wait_for(eng) -> None:
    """A database from before 0008 has running cases and no subscriptions (`someflyt init`)."""
    first, second = order(eng, 12), services.start_process(eng, "events_alarm", STARTER, {})
    before = subscriptions(eng, first), subscriptions(eng, second)
    with eng.transaction() as session:
        session.execute(delete(EventSubscription))
    assert rebuild_subscriptions(eng) >= 2
    assert (subscriptions(eng, first), subscriptions(eng, second)) == before
    assert send_message(eng, "bestilling_klar", {"order_no": 12}, {}, ADMIN).delivered == [first]
