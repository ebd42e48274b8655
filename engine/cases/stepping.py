"""Running a case on: one step's projections, effects and audit, the cases it starts and the
messages it sends (to its parent, or to the process a message starts)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.bootstrap import Engine
from engine.bpmn import runtime, scripting, serialization
from engine.bpmn.definitions import (
    latest_definition,
    latest_definitions_started_by,
)
from engine.cases.effects import START_PROCESS, apply_service_calls
from engine.cases.projections import (
    sync_event_subscriptions,
    sync_human_tasks,
    update_instance,
)
from engine.store import audit
from engine.store.models import (
    ProcessDefinition,
    ProcessInstance,
)


def create_instance(
    eng: Engine,
    session: Session,
    definition: ProcessDefinition,
    data: dict[str, Any],
    started_by: str,
    now: datetime,
    *,
    actor: str,
    parent_id: int | None = None,
    audit_detail: dict[str, Any] | None = None,
    snapshot: runtime.Snapshot | None = None,
) -> ProcessInstance:
    """Start a validated instance: the state, its tasks and effects, and the audit event.
    `snapshot`: a workflow the caller started itself (at a message start event); else it is
    started at its none start event here."""
    if snapshot is None:
        _workflow, snapshot = runtime.start_workflow(eng.cache.get(definition), data, now)
    instance = ProcessInstance(
        definition_id=definition.id,
        process_id=definition.process_id,
        status="running",
        title=definition.name,
        started_by=started_by,
        started_at=now,
        parent_id=parent_id,
    )
    update_instance(instance, definition, snapshot, now)  # one INSERT with the state
    session.add(instance)
    session.flush()
    detail = {"process_id": definition.process_id, "version": definition.version, "data": data}
    if parent_id is not None:
        detail["parent_id"] = parent_id
    audit.record(
        session,
        now,
        actor,
        "instance_started",
        instance_id=instance.id,
        detail=detail | (audit_detail or {}),
    )
    after_step(eng, session, instance, definition, snapshot, actor, None, now)
    return instance


def start_linked_case(
    eng: Engine,
    session: Session,
    process_id: str,
    data: dict[str, Any],
    started_by: str,
    parent_id: int,
) -> ProcessInstance:
    """Start a case from code in the caller's transaction, linked to the case it is about
    (e.g. a photo's removal for a post whose consent was withdrawn, G11). `data` is the
    engine's own, so no start form is validated; the parent does not wait for it."""
    now = eng.clock.now()
    definition = latest_definition(session, process_id)
    child = create_instance(
        eng, session, definition, data, started_by, now, actor=started_by, parent_id=parent_id
    )
    audit.record(
        session,
        now,
        started_by,
        "child_started",
        instance_id=parent_id,
        detail={"child_id": child.id, "process_id": definition.process_id},
    )
    return child


def after_step(
    eng: Engine,
    session: Session,
    instance: ProcessInstance,
    definition: ProcessDefinition,
    snapshot: runtime.Snapshot,
    actor: str,
    completed_task_id: str | None,
    now: datetime,
) -> None:
    update_instance(instance, definition, snapshot, now)
    sync_human_tasks(session, instance, definition, snapshot, actor, completed_task_id, now)
    sync_event_subscriptions(session, instance, [] if snapshot.completed else snapshot.waiting)
    session.flush()
    effects = [call for call in snapshot.service_calls if call.operation != START_PROCESS]
    apply_service_calls(session, instance, effects, actor, now)
    for call in snapshot.service_calls:
        if call.operation == START_PROCESS:
            _start_child(eng, session, instance, call, actor, now)
    if instance.status == "completed" and instance.ended_at == now:
        audit.record(
            session,
            now,
            actor,
            "instance_completed",
            instance_id=instance.id,
            detail={"outcome": instance.outcome},
        )
    for message in snapshot.messages:
        _route_message(eng, session, instance, message, actor, now)


def _start_child(
    eng: Engine,
    session: Session,
    parent: ProcessInstance,
    call: scripting.ServiceCall,
    actor: str,
    now: datetime,
) -> None:
    """`start_process` (process, fields): a new case of another process, carrying the named
    fields of this one, e.g. an inquiry's reputation escalation (G9). Its messages come back."""
    data = {name: call.data[name] for name in call.params.get("fields") or [] if name in call.data}
    data["applicant"] = actor  # who raised it, as for a case started by hand
    start_linked_case(eng, session, str(call.params["process"]), data, actor, parent.id)


def _route_message(
    eng: Engine,
    session: Session,
    sender: ProcessInstance,
    message: runtime.ThrownMessage,
    actor: str,
    now: datetime,
) -> None:
    """A message goes to the case that started the sender, if it waits for it; else it starts
    the process whose `startMessage` it is, or joins that process's running case (the comms
    section's "escalate to crisis" during a crisis). One nobody takes is still recorded."""
    receiver = _deliver_to_parent(eng, session, sender, message, actor, now)
    if receiver is None:
        receiver = _start_or_join(eng, session, sender, message, actor, now)
    audit.record(
        session,
        now,
        actor,
        "message_sent",
        instance_id=sender.id,
        detail={"message": message.name, "payload": message.payload, "received_by": receiver},
    )


def _start_or_join(
    eng: Engine,
    session: Session,
    sender: ProcessInstance,
    message: runtime.ThrownMessage,
    actor: str,
    now: datetime,
) -> int | None:
    started_by = latest_definitions_started_by(session, message.name)
    if started_by is None:
        return None
    running = running_case(session, started_by.process_id)
    payload = message.payload if isinstance(message.payload, dict) else {}
    if running is not None:  # a process a message starts runs once: it joins the running case
        _record_received(session, running, sender, message, actor, now)
        return running.id
    # What the new case knows of how it began: a diagram may route on `started_by_message`.
    data = payload | {
        "started_by_message": True,
        "message_from_case": sender.id,
        "applicant": actor,
    }
    return create_instance(
        eng, session, started_by, data, actor, now, actor=actor, parent_id=sender.id
    ).id


def _record_received(
    session: Session,
    receiver: ProcessInstance,
    sender: ProcessInstance,
    message: runtime.ThrownMessage,
    actor: str,
    now: datetime,
) -> None:
    audit.record(
        session,
        now,
        actor,
        "message_received",
        instance_id=receiver.id,
        detail={"message": message.name, "from_instance": sender.id, "payload": message.payload},
    )


def _deliver_to_parent(
    eng: Engine,
    session: Session,
    sender: ProcessInstance,
    message: runtime.ThrownMessage,
    actor: str,
    now: datetime,
) -> int | None:
    if sender.parent_id is None:
        return None
    parent = session.scalar(
        select(ProcessInstance).where(ProcessInstance.id == sender.parent_id).with_for_update()
    )
    if parent is None or parent.status != "running":
        return None
    definition = session.get(ProcessDefinition, parent.definition_id)
    assert definition is not None  # the instance's foreign key
    workflow = serialization.load_state(eng.cache.get(definition), parent.state)
    snapshot = runtime.deliver_message(workflow, message.name, message.payload, now)
    if snapshot is None:
        return None
    _record_received(session, parent, sender, message, actor, now)
    after_step(eng, session, parent, definition, snapshot, actor, None, now)
    return parent.id


def running_case(session: Session, process_id: str) -> ProcessInstance | None:
    """The running case of a process a message starts: such a process runs once at a time, so
    a message that starts it joins this case instead (from another case or from outside)."""
    return session.scalar(
        select(ProcessInstance)
        .where(ProcessInstance.process_id == process_id, ProcessInstance.status == "running")
        .order_by(ProcessInstance.id)
        .limit(1)
    )
