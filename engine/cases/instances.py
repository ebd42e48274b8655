"""Starting a case and completing its human tasks, one transaction each."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from engine.bootstrap import Engine
from engine.bpmn import runtime, serialization
from engine.bpmn.definitions import (
    latest_definition,
)
from engine.cases.deploy import step_form
from engine.cases.permissions import acting_user, ensure_may_act, locked_open_task
from engine.cases.stepping import after_step, create_instance
from engine.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
)
from engine.forms import validation as forms
from engine.forms.context import FormContext
from engine.store import audit
from engine.store.models import (
    ProcessDefinition,
    ProcessInstance,
    User,
)


def start_process(eng: Engine, process_id: str, username: str, data: dict[str, Any]) -> int:
    with eng.transaction() as session:
        actor = acting_user(session, username)
        return open_instance(eng, session, process_id, actor, data).id


def open_instance(
    eng: Engine,
    session: Session,
    process_id: str,
    starter: User,
    data: dict[str, Any],
    *,
    context: FormContext | None = None,
    via: str | None = None,
    audit_detail: dict[str, Any] | None = None,
) -> ProcessInstance:
    """Validate the start form and start an instance in the caller's transaction.

    `starter` owns the case (started_by, the Søkjar lane). `via` names who really acted when
    that is not the starter (a connector token posting on an account's behalf): the audit
    trail and the tasks' created_by then say so instead of putting words in a person's mouth.
    """
    now = eng.clock.now()
    definition = latest_definition(session, process_id)
    meta = definition.task_meta
    by_event = {**meta.get("message_starts", {}), **meta.get("signal_starts", {})}
    if meta.get("startable") is False and by_event:  # its start events all wait for one
        events = ", ".join(f"«{name}»" for name in sorted(by_event))
        raise Conflict(
            f"«{definition.name}» startar berre når hendinga {events} kjem inn, ikkje for hand.",
            "starts_by_event_only",
            process=definition.name,
            events=events,
        )
    if meta.get("startable") is False:  # only the engine starts it
        raise NotFound(f"Ukjend prosess: {process_id}", "unknown_process", value=process_id)
    if not may_start(definition, starter):
        raise PermissionDenied(
            f"Du kan ikkje starte «{definition.name}».", "may_not_start", process=definition.name
        )
    schema = step_form(eng, definition, definition.task_meta.get("start_form"))
    context = context or FormContext(session, starter, {}, now=now)
    cleaned = forms.validate(schema, data, context)
    cleaned["applicant"] = starter.username
    return create_instance(
        eng,
        session,
        definition,
        cleaned,
        starter.username,
        now,
        actor=via or starter.username,
        audit_detail=audit_detail,
    )


def may_start(definition: ProcessDefinition, user: User) -> bool:
    """Whether the user may start the process by hand: not one only the engine starts
    (`startable="false"`), and holding one of its `startableBy` roles if it names any."""
    if definition.task_meta.get("startable") is False:
        return False
    roles = definition.task_meta.get("startable_by") or []
    return not roles or bool(user.role_names & set(roles))


def complete_human_task(
    eng: Engine, task_id: str, username: str, data: dict[str, Any]
) -> dict[str, Any]:
    now = eng.clock.now()
    with eng.transaction() as session:
        actor = acting_user(session, username)
        task, instance = locked_open_task(session, task_id)
        ensure_may_act(task, instance, actor)
        definition = session.get(ProcessDefinition, instance.definition_id)
        assert definition is not None  # the instance's foreign key
        workflow = serialization.load_state(eng.cache.get(definition), instance.state)
        element = definition.task_meta["elements"].get(task.element_id, {})
        schema = step_form(eng, definition, element.get("form"))
        context = FormContext(session, actor, runtime.task_data(workflow, task_id), now=now)
        cleaned = forms.validate(schema, data, context)
        snapshot = runtime.complete_task(workflow, task_id, cleaned, now)
        audit.record(
            session,
            now,
            actor.username,
            "task_completed",
            instance_id=instance.id,
            task_id=task_id,
            detail={"task": task.name, "element_id": task.element_id, "data": cleaned},
        )
        after_step(eng, session, instance, definition, snapshot, actor.username, task_id, now)
        return {
            "instance_id": instance.id,
            "process_id": instance.process_id,
            "task": task.name,
            "element_id": task.element_id,
            "status": instance.status,
            "outcome": instance.outcome,
        }
