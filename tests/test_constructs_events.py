"""Event-based gateways and event subprocesses, run by our engine with a save/restore on a
freshly parsed spec between every step (tests/constructs_support.py), and through the case
services where a timer sweep or a deploy is part of the construct.

Diagrams: tests/diagrams/event_gateway, esp_message, esp_signal, esp_timer, esp_error. The
non-interrupting variants are the same diagrams with isInterrupting="false".
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.bpmn import parsing, runtime, serialization
from engine.cases import services
from tests.conftest import START
from tests.constructs_support import DIAGRAMS, Case, bundles, variant

NON_INTERRUPTING = ('isInterrupting="true"', 'isInterrupting="false"')

# --- event-based gateway -----------------------------------------------------------------------


def test_event_based_gateway_schedules_its_timer():
    case = Case("event_gateway")
    assert case.ready == []
    assert case.next_timer_at == START + timedelta(hours=2)


def test_event_based_gateway_message_comes_first():
    case = Case("event_gateway")
    assert case.message("reply_received", {"text": "Takk"}) is not None
    assert case.ready == ["read_reply"]
    assert case.next_timer_at is None  # the timer behind the gateway is gone with it
    case.complete("read_reply")
    assert (case.completed, case.outcome) == (True, "Svart")


def test_event_based_gateway_timer_comes_first():
    case = Case("event_gateway")
    assert case.fire_timers(START + timedelta(hours=2, seconds=-1)).fired_timers == []
    assert case.ready == []
    assert case.fire_timers(START + timedelta(hours=2)).fired_timers == ["deadline"]
    assert case.ready == ["chase"]
    assert case.message("reply_received", {}) is None  # nothing waits for the reply now
    case.complete("chase")
    assert (case.completed, case.outcome) == (True, "Purra")


def test_event_based_gateway_timer_fires_in_the_sweep(eng):
    services.deploy_definitions(eng, [DIAGRAMS / "event_gateway"])
    instance_id = services.start_process(eng, "event_gateway", "komm1", {})
    case = services.show_instance(eng, instance_id)
    assert case["next_timer_at"] == (START + timedelta(hours=2)).isoformat()
    assert services.list_human_tasks(eng, "komm2") == []

    fired = services.fire_due_timers(eng, START + timedelta(hours=2))
    assert fired == [{"instance_id": instance_id, "timers": ["deadline"], "status": "running"}]
    [task] = services.list_human_tasks(eng, "komm2")
    assert task["name"] == "Purr"
    services.complete_human_task(eng, task["id"], "komm2", {})
    case = services.show_instance(eng, instance_id)
    assert (case["status"], case["outcome"]) == ("completed", "Purra")


# --- event subprocesses ------------------------------------------------------------------------


def test_message_event_subprocess_interrupts():
    case = Case("esp_message")
    assert case.ready == ["work"]
    case.message("withdraw", {"reason": "Ikkje aktuelt lenger"})
    assert case.ready == ["confirm"]  # the work it interrupted is cancelled
    case.complete("confirm")
    assert (case.completed, case.outcome) == (True, "Trekt")


def test_message_event_subprocess_without_interrupting_runs_beside(tmp_path):
    case = Case(variant(tmp_path, "esp_message", NON_INTERRUPTING))
    case.message("withdraw", {})
    assert case.ready == ["confirm", "work"]
    case.message("withdraw", {})  # each message starts it once more
    assert case.ready == ["confirm", "confirm", "work"]
    case.complete("confirm")
    case.complete("work")
    assert not case.completed  # the process ends when everything in it has
    case.complete("confirm")
    assert case.completed


def test_signal_event_subprocess_interrupts():
    case = Case("esp_signal")
    case.complete("assess")  # the main flow throws the signal
    assert case.ready == ["respond"]
    case.complete("respond")
    assert (case.completed, case.outcome) == (True, "Alarm handtert")


def test_signal_event_subprocess_without_interrupting_runs_beside(tmp_path):
    case = Case(variant(tmp_path, "esp_signal", NON_INTERRUPTING))
    case.complete("assess")
    assert case.ready == ["respond", "work"]
    case.complete("respond")
    case.complete("work")
    assert case.completed


def test_timer_event_subprocess_interrupts():
    case = Case("esp_timer")
    assert case.next_timer_at == START + timedelta(hours=1)
    assert case.fire_timers(START + timedelta(hours=1)).fired_timers == ["late"]
    assert case.ready == ["escalate"]
    assert case.next_timer_at is None
    case.complete("escalate")
    assert (case.completed, case.outcome) == (True, "Eskalert")


def test_timer_event_subprocess_without_interrupting_runs_beside(tmp_path):
    case = Case(variant(tmp_path, "esp_timer", NON_INTERRUPTING))
    case.fire_timers(START + timedelta(hours=1))
    assert case.ready == ["escalate", "work"]
    case.complete("work")
    assert not case.completed
    case.complete("escalate")
    assert case.completed


def test_timer_event_subprocess_is_cancelled_when_the_case_ends_first():
    case = Case("esp_timer")
    case.complete("work")
    assert (case.completed, case.outcome) == (True, "Ferdig")
    assert case.next_timer_at is None


def test_error_event_subprocess_catches_the_error_of_its_process():
    case = Case("esp_error")
    assert case.ready == ["check"]  # the error's subprocess waits: it did not start at once
    case.complete("check", {"ok": False})
    assert case.ready == ["fix"]
    case.complete("fix")
    assert (case.completed, case.outcome) == (True, "Retta")


def test_error_event_subprocess_stays_unused_without_an_error():
    case = Case("esp_error")
    case.complete("check", {"ok": True})
    assert (case.completed, case.outcome) == (True, "Godkjend")


def test_a_triggered_event_subprocess_leaves_the_shared_spec_alone():
    """A trigger used to wire the event subprocess into the parsed spec itself: every later
    case on the same (cached) spec started it at once, and a restore on a fresh one failed."""
    source = bundles(DIAGRAMS / "esp_message")["esp_message"]
    files = {name: text.encode() for name, text in source.files.items()}
    shared = parsing.parse_bundle("esp_message", files)
    first, _ = runtime.start_workflow(shared, {}, START)
    snapshot = runtime.deliver_message(first, "withdraw", {}, START)
    assert snapshot is not None
    assert [t.element_id for t in snapshot.ready] == ["confirm"]

    _, later = runtime.start_workflow(shared, {}, START)
    assert [t.element_id for t in later.ready] == ["work"]

    fresh = parsing.parse_bundle("esp_message", files)
    restored = serialization.load_state(fresh, snapshot.state)
    [confirm] = runtime.ready_human_tasks(restored)
    assert runtime.complete_task(restored, confirm.id, {}, START).completed


@pytest.mark.parametrize("interrupting", [True, False], ids=["interrupting", "non-interrupting"])
def test_timer_event_subprocess_through_the_case_services(eng, tmp_path, interrupting):
    edits = [] if interrupting else [NON_INTERRUPTING]
    services.deploy_definitions(eng, [variant(tmp_path, "esp_timer", *edits)])
    instance_id = services.start_process(eng, "esp_timer", "laerar.alesund", {})
    [work] = services.list_human_tasks(eng, "komm1")
    assert services.list_human_tasks(eng, "fylkesdirektor") == []

    fired = services.fire_due_timers(eng, START + timedelta(hours=1))
    assert fired == [{"instance_id": instance_id, "timers": ["late"], "status": "running"}]
    [escalate] = services.list_human_tasks(eng, "fylkesdirektor")
    assert escalate["name"] == "Leiinga tek saka"
    # Interrupted, the work leaves the section's inbox; beside it, it stays.
    left = [task["id"] for task in services.list_human_tasks(eng, "komm1")]
    assert left == ([] if interrupting else [work["id"]])
    services.complete_human_task(eng, escalate["id"], "fylkesdirektor", {})
    status = services.show_instance(eng, instance_id)["status"]
    assert status == ("completed" if interrupting else "running")
