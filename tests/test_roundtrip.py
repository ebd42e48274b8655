"""Save/restore round trip between every step: the stored state loses nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.bpmn import parsing, runtime, serialization
from engine.bpmn.definitions import collect_bundles
from engine.config import PROJECT_ROOT
from tests.conftest import START

DATA = {
    "unit": "alesund_vgs",
    "unit_kind": "school",
    "applicant": "laerar.alesund",
    "deputy": "laerar2.alesund",
    "platform": "instagram",
    "account_name": "alesundvgs",
}


@pytest.fixture(scope="module")
def bundle() -> parsing.ParsedBundle:
    [source] = collect_bundles(
        [PROJECT_ROOT / "workflows" / "account_application" / "account_application.bpmn"]
    )
    files = {name: text.encode() for name, text in source.files.items()}
    return parsing.parse_bundle(source.process_id, files)


def reload(bundle, snapshot: runtime.Snapshot):
    """Restore from the stored state and check the restored workflow says the same things."""
    workflow = serialization.load_state(bundle, snapshot.state)
    assert serialization.dump_state(workflow) == snapshot.state
    assert runtime.ready_human_tasks(workflow) == snapshot.ready
    assert runtime.next_timer_at(workflow) == snapshot.next_timer_at
    assert runtime.current_data(workflow) == snapshot.data
    assert workflow.is_completed() == snapshot.completed
    return workflow


def step(bundle, workflow, element_id: str, data: dict, now):
    [task] = [t for t in runtime.ready_human_tasks(workflow) if t.element_id == element_id]
    snapshot = runtime.complete_task(workflow, task.id, data, now)
    return reload(bundle, snapshot), snapshot


def test_round_trip_between_every_step(bundle):
    workflow, snapshot = runtime.start_workflow(bundle, DATA, START)
    workflow = reload(bundle, snapshot)
    assert [t.element_id for t in snapshot.ready] == ["decide"]
    assert snapshot.data["approver_role"] == "principal"

    snapshot = runtime.fire_timers(workflow, START + timedelta(days=3))
    assert snapshot.fired_timers == ["decide_reminder"]
    assert [c.operation for c in snapshot.service_calls] == ["notify"]
    workflow = reload(bundle, snapshot)

    workflow, snapshot = step(
        bundle,
        workflow,
        "decide",
        {"decision": "revise", "comment": "Meir om kapasitet."},
        START + timedelta(days=4),
    )
    assert [t.element_id for t in snapshot.ready] == ["revise"]
    assert snapshot.next_timer_at == START + timedelta(days=34)

    workflow, snapshot = step(
        bundle, workflow, "revise", {"capacity": "Betre no."}, START + timedelta(days=5)
    )
    assert [t.element_id for t in snapshot.ready] == ["decide"]

    workflow, snapshot = step(
        bundle,
        workflow,
        "decide",
        {"decision": "approve", "moderators": ["laerar.alesund"]},
        START + timedelta(days=6),
    )
    assert snapshot.completed and snapshot.outcome == "Konto oppretta"
    assert [c.operation for c in snapshot.service_calls] == ["register_account", "notify"]
    assert snapshot.service_calls[1].params == {
        "template": "account_application_approved",
        "recipients": ["laerar.alesund", "laerar2.alesund"],
    }


def test_state_is_stored_without_the_spec(bundle):
    _, snapshot = runtime.start_workflow(bundle, DATA, START)
    assert '"spec"' not in snapshot.state
    assert "Vurder søknaden" not in snapshot.state  # names live in the definition only


def test_only_a_ready_human_task_can_be_completed(bundle):
    workflow, snapshot = runtime.start_workflow(bundle, DATA, START)
    [task] = snapshot.ready
    runtime.complete_task(workflow, task.id, {"decision": "reject"}, START)
    with pytest.raises(runtime.WorkflowFailed):
        runtime.complete_task(workflow, task.id, {"decision": "approve"}, START)
