"""What a workflow waits for and whether it is stuck (engine.bpmn.waiting), read again from
the stored state after every step: a restored case waits for exactly the same things."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.bpmn import parsing, runtime, serialization, waiting
from engine.bpmn.definitions import collect_bundles
from tests.conftest import START
from tests.events_support import EVENTS


@pytest.fixture(scope="module")
def bundles() -> dict[str, parsing.ParsedBundle]:
    return {
        source.process_id: parsing.parse_bundle(
            source.process_id, {name: text.encode() for name, text in source.files.items()}
        )
        for source in collect_bundles([EVENTS])
    }


def reload(bundle, snapshot: runtime.Snapshot):
    """Restore, and check the restored workflow waits for the same and is as stuck."""
    workflow = serialization.load_state(bundle, snapshot.state)
    assert waiting.waiting_for(workflow) == snapshot.waiting
    restored = waiting.stuck_reasons(workflow, snapshot.waiting)
    assert restored == snapshot.stuck or (snapshot.ready and restored == [])
    return workflow


def test_a_correlated_wait_and_its_boundary_timer_survive_a_restore(bundles) -> None:
    bundle = bundles["events_order"]
    _workflow, snapshot = runtime.start_workflow(bundle, {"order_no": 7}, START)
    workflow = reload(bundle, snapshot)
    timer, message = snapshot.waiting
    assert (timer.kind, timer.boundary, timer.due_at) == ("timer", True, START + timedelta(days=7))
    assert (message.name, message.correlation) == ("bestilling_klar", {"order_no": 7})
    assert (
        runtime.deliver_message(workflow, "bestilling_klar", {}, START, correlation={"order_no": 8})
        is None
    )
    snapshot = runtime.deliver_message(
        workflow, "bestilling_klar", {}, START, correlation={"order_no": 7}
    )
    workflow = reload(bundle, snapshot)
    assert [t.element_id for t in snapshot.ready] == ["collect"] and snapshot.waiting == []


def test_a_boundary_timer_fires_after_a_restore_and_cancels_the_wait(bundles) -> None:
    bundle = bundles["events_order"]
    _workflow, snapshot = runtime.start_workflow(bundle, {"order_no": 7}, START)
    workflow = reload(bundle, snapshot)
    snapshot = runtime.fire_timers(workflow, START + timedelta(days=7))
    assert snapshot.fired_timers == ["ready_late"] and snapshot.outcome == "For seint"
    assert reload(bundle, snapshot).is_completed() and snapshot.waiting == []


def test_the_gateway_alternatives_are_listed_with_the_timer_due_time(bundles) -> None:
    bundle = bundles["events_alarm"]
    _workflow, snapshot = runtime.start_workflow(bundle, {}, START)
    workflow = reload(bundle, snapshot)
    assert [(w.kind, w.element_id, w.gateway, w.due_at) for w in snapshot.waiting] == [
        ("signal", "alarm", "which_first", None),
        ("timer", "quiet_day", "which_first", START + timedelta(days=1)),
        ("message", "stand_down", "which_first", None),
    ]
    assert snapshot.stuck == []
    snapshot = runtime.deliver_signal(workflow, "alarm", {}, START)
    workflow = reload(bundle, snapshot)
    assert [t.element_id for t in snapshot.ready] == ["act"] and snapshot.waiting == []
    assert runtime.deliver_signal(workflow, "alarm", {}, START) is None  # nothing waits now


def test_an_anonymous_catch_is_found_by_element_id_after_a_restore(bundles) -> None:
    bundle = bundles["events_reply"]
    workflow, snapshot = runtime.start_workflow(bundle, {}, START)
    snapshot = runtime.complete_task(workflow, snapshot.ready[0].id, {}, START)
    workflow = reload(bundle, snapshot)
    [wait] = snapshot.waiting
    assert (wait.kind, wait.name, wait.element_id) == ("message", None, "await_reply")
    assert runtime.deliver_message(workflow, "anything", {}, START) is None
    snapshot = runtime.deliver_message(workflow, None, {}, START, element_id="await_reply")
    assert reload(bundle, snapshot).is_completed() and snapshot.outcome == "Svart"


@pytest.mark.parametrize(
    ("process_id", "element_id", "name"),
    [
        ("events_intake", "intake_received", "innmelding"),
        ("events_dual", "start_by_message", "dobbel_start"),
    ],
)
def test_a_message_start_event_starts_on_its_own_path(bundles, process_id, element_id, name):
    bundle = bundles[process_id]
    _workflow, snapshot = runtime.start_by_event(
        bundle, "message", name, element_id, {"n": 1}, {"n": 1}, START
    )
    workflow = reload(bundle, snapshot)
    assert runtime.element_states(workflow).completed == [element_id]
    assert snapshot.data["n"] == 1 and len(snapshot.ready) == 1


def test_a_deadlocked_join_is_stuck_and_says_where(bundles) -> None:
    bundle = bundles["events_deadlock"]
    workflow, snapshot = runtime.start_workflow(bundle, {"route": "elsewhere"}, START)
    assert snapshot.stuck == []  # "sign" waits for a person
    snapshot = runtime.complete_task(workflow, snapshot.ready[0].id, {}, START)
    reload(bundle, snapshot)
    assert not snapshot.completed and snapshot.ready == [] and snapshot.waiting == []
    assert snapshot.stuck == [waiting.Stuck("stuck_nothing_to_wait_for", ("join",))]


def test_a_timer_without_due_time_or_an_internal_event_only_is_stuck() -> None:
    """The reasons for waits no one outside can satisfy (as a foreign model may leave)."""

    class _Workflow:
        def is_completed(self) -> bool:
            return False

        def get_tasks(self, state=None):
            return []

    waits = [
        waiting.Waiting("timer", "t", "late", "1"),
        waiting.Waiting("error", "e", "failed", "2", boundary=True),
    ]
    assert waiting.stuck_reasons(_Workflow(), waits) == [
        waiting.Stuck("stuck_timer_without_due_time", ("late",)),
        waiting.Stuck("stuck_internal_event_only", ("failed",)),
    ]
    due = [waiting.Waiting("timer", "t", "late", "1", due_at=START)]
    assert waiting.stuck_reasons(_Workflow(), due) == []


def test_a_step_nothing_carries_out_is_stuck() -> None:
    """A task left STARTED for another engine's worker (a Zeebe job) is no one's to do here."""

    class ServiceTask:  # the name Spiff's spec class would have
        bpmn_id = "send_email"

    class _Task:
        task_spec = ServiceTask()

    class _Workflow:
        def is_completed(self) -> bool:
            return False

        def get_tasks(self, state=None):
            return [_Task()] if state is not None and state & runtime.TaskState.STARTED else []

    assert waiting.stuck_reasons(_Workflow(), []) == [
        waiting.Stuck("stuck_step_not_offered", ("send_email",))
    ]
