"""Boundary events of every kind, transactions with cancel, escalation and terminate end
events, run by our engine with a save/restore on a freshly parsed spec between every step.

Diagrams: tests/diagrams/task_boundaries (message, signal, repeating timer and conditional
boundary events on a user task), subprocess_boundaries (error and escalation boundary events on
a subprocess), transaction_cancel and terminate_end.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.bpmn import runtime
from engine.cases import services
from tests.conftest import START
from tests.constructs_support import DIAGRAMS, Case, variant


def ended(case: Case) -> list[str]:
    """The end events the case has reached."""
    return [
        element
        for element in runtime.element_states(case.workflow).completed
        if element.startswith("end")
    ]


def task_boundaries() -> Case:
    return Case("task_boundaries")


# --- on a user task -------------------------------------------------------------------------


def test_message_boundary_event_interrupts_the_task():
    case = task_boundaries()
    assert case.ready == ["side", "work"]
    case.message("stop", {})
    assert case.ready == ["side"]
    assert ended(case) == ["end_stopped"]
    assert case.next_timer_at is None  # the task's other boundary events went with it
    case.complete("side", {"action": "none", "urgent": False})
    assert case.completed


def test_signal_boundary_event_caught_from_the_other_path():
    case = task_boundaries()
    case.complete("side", {"action": "alarm", "urgent": False})
    assert case.ready == []
    assert ended(case) == ["end_alarmed", "end_side"]
    assert case.completed


def test_conditional_boundary_event_fires_when_its_condition_becomes_true():
    case = task_boundaries()
    case.complete("side", {"action": "none", "urgent": True})  # the data object it reads
    assert ended(case) == ["end_side", "end_urgent"]
    assert case.completed


def test_conditional_boundary_event_waits_while_its_condition_is_false():
    case = task_boundaries()
    case.complete("side", {"action": "none", "urgent": False})
    assert case.ready == ["work"]
    case.complete("work")
    assert ended(case) == ["end_side", "end_worked"]


def test_repeating_timer_boundary_fires_each_repetition():
    """timeCycle "R3/PT1H", not interrupting: three reminders an hour apart, then no more."""
    case = task_boundaries()
    assert case.next_timer_at == START + timedelta(hours=1)
    for hour in (1, 2, 3):
        snapshot = case.fire_timers(START + timedelta(hours=hour))
        assert snapshot.fired_timers == ["hourly"]
        assert case.ready == ["side", "work"]  # the task stays open
        assert case.next_timer_at == (START + timedelta(hours=hour + 1) if hour < 3 else None)
    assert case.fire_timers(START + timedelta(hours=5)).fired_timers == []
    assert reminders_counted(case) == 3


def test_repeating_timer_catches_up_on_repetitions_a_late_sweep_missed():
    case = task_boundaries()
    snapshot = case.fire_timers(START + timedelta(hours=5))
    assert snapshot.fired_timers == ["hourly", "hourly", "hourly"]
    assert reminders_counted(case) == 3
    assert case.next_timer_at is None


def reminders_counted(case: Case) -> int:
    return sum(
        1
        for task in case.workflow.get_tasks()
        if task.task_spec.name == "count_reminder" and task.state == runtime.TaskState.COMPLETED
    )


def test_repeating_timer_through_the_sweep(eng):
    """The timers sweep (engine.cases.timers) fires each repetition at its time and records it."""
    services.deploy_definitions(eng, [DIAGRAMS / "task_boundaries"])
    instance_id = services.start_process(eng, "task_boundaries", "komm1", {})
    for hour in (1, 2, 3):
        case = services.show_instance(eng, instance_id)
        assert case["next_timer_at"] == (START + timedelta(hours=hour)).isoformat()
        fired = services.fire_due_timers(eng, START + timedelta(hours=hour))
        assert fired == [{"instance_id": instance_id, "timers": ["hourly"], "status": "running"}]
    assert services.show_instance(eng, instance_id)["next_timer_at"] is None
    assert services.fire_due_timers(eng, START + timedelta(hours=9)) == []
    history = [e["kind"] for e in services.show_instance(eng, instance_id)["history"]]
    assert history.count("timer_fired") == 3


# --- on a subprocess -----------------------------------------------------------------------------


def test_error_boundary_event_catches_the_error_of_the_subprocess():
    case = Case("subprocess_boundaries")
    assert case.ready == ["draft"]
    assert [task.lane for task in case.snapshot.ready] == ["Kommunikasjonsseksjonen"]
    case.complete("draft", {"result": "rejected"})
    assert case.ready == ["handle_error"]
    case.complete("handle_error")
    assert (case.completed, case.outcome) == (True, "Avvisinga følgd opp")
    assert "end_done" not in ended(case)


def test_escalation_boundary_event_without_interrupting_lets_the_subprocess_go_on():
    case = Case("subprocess_boundaries")
    case.complete("draft", {"result": "help"})
    assert case.ready == ["help"]
    assert [task.lane for task in case.snapshot.ready] == ["Leiinga"]
    assert ended(case) == ["end_done"]  # the subprocess went on to its end
    case.complete("help")
    assert ended(case) == ["end_done", "end_helped"]
    assert case.completed


def test_escalation_boundary_event_that_interrupts_ends_the_subprocess(tmp_path):
    folder = variant(
        tmp_path,
        "subprocess_boundaries",
        ('cancelActivity="false" attachedToRef="prepare"', 'attachedToRef="prepare"'),
    )
    case = Case(folder)
    case.complete("draft", {"result": "help"})
    assert case.ready == ["help"]
    assert ended(case) == []
    case.complete("help")
    assert (case.completed, case.outcome) == (True, "Hjelpt")


def test_subprocess_without_error_or_escalation():
    case = Case("subprocess_boundaries")
    case.complete("draft", {"result": "fine"})
    assert (case.completed, case.outcome) == (True, "Ferdig")


# --- transactions, terminate ---------------------------------------------------------------------


def test_transaction_cancelled_by_its_cancel_end_event():
    case = Case("transaction_cancel")
    case.complete("book", {"complete": False})
    assert case.ready == ["after_cancel"]
    case.complete("after_cancel")
    assert (case.completed, case.outcome) == (True, "Arrangementet er avlyst")
    assert "end_held" not in ended(case)


def test_transaction_that_completes():
    case = Case("transaction_cancel")
    case.complete("book", {"complete": True})
    assert case.ready == ["confirm"]
    case.complete("confirm")
    assert (case.completed, case.outcome) == (True, "Arrangementet held fram")


def test_terminate_end_event_ends_every_path():
    case = Case("terminate_end")
    assert case.ready == ["check", "write"]
    case.complete("check", {"stop": True})
    assert case.ready == []  # the writing was ended with the case
    assert (case.completed, case.outcome) == (True, "Stoppa")


def test_without_terminate_both_paths_join():
    case = Case("terminate_end")
    case.complete("check", {"stop": False})
    assert case.ready == ["write"]
    case.complete("write")
    assert (case.completed, case.outcome) == (True, "Ferdig")


@pytest.mark.parametrize("stop", [True, False])
def test_terminate_through_the_case_services(eng, stop):
    """The human task the terminate end event ended leaves the inbox."""
    services.deploy_definitions(eng, [DIAGRAMS / "terminate_end"])
    instance_id = services.start_process(eng, "terminate_end", "laerar.alesund", {})
    tasks = {task["name"]: task for task in services.list_human_tasks(eng, "komm1")}
    assert sorted(tasks) == ["Kontroller", "Skriv"]
    services.complete_human_task(eng, tasks["Kontroller"]["id"], "komm1", {"stop": stop})
    left = [task["name"] for task in services.list_human_tasks(eng, "komm1")]
    assert left == ([] if stop else ["Skriv"])
    status = services.show_instance(eng, instance_id)["status"]
    assert status == ("completed" if stop else "running")
