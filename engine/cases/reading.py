"""Reading cases and human tasks for the use cases' callers (no workflow is deserialized)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from engine.bootstrap import Engine
from engine.bpmn import runtime, serialization, waiting
from engine.errors import (
    NotFound,
)
from engine.people.lanes import get_user
from engine.store import audit
from engine.store.models import (
    Account,
    HumanTask,
    HumanTaskCandidate,
    ProcessDefinition,
    ProcessInstance,
)
from engine.texts import translate


def task_as_dict(task: HumanTask) -> dict[str, Any]:
    return {
        "id": task.id,
        "instance_id": task.instance_id,
        "process_id": task.process_id,
        "name": task.name,
        "element_id": task.element_id,
        "lane": task.lane,
        "candidates": task.candidates,
        "assignee": task.assignee,
        "status": task.status,
        "created_at": _iso(task.created_at),
        "created_by": task.created_by,
        "due_at": _iso(task.due_at),
        "completed_by": task.completed_by,
        "completed_at": _iso(task.completed_at),
    }


def list_human_tasks(
    eng: Engine, username: str, process_id: str | None = None
) -> list[dict[str, Any]]:
    """Open tasks the user may act on, as candidate or assignee; reads only the projection."""
    with eng.reading() as session:
        get_user(session, username)
        # EXISTS probes the candidate primary key; IN (subquery) read all of a user's rows.
        candidate = (
            select(HumanTaskCandidate.task_id)
            .where(HumanTaskCandidate.task_id == HumanTask.id)
            .where(HumanTaskCandidate.username == username)
            .exists()
        )
        query = (
            select(
                HumanTask,
                ProcessInstance.title,
                ProcessInstance.title_facts,
                ProcessDefinition.name,
            )
            .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
            .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
            .where(HumanTask.status == "open")
            .where((HumanTask.assignee == username) | (HumanTask.assignee.is_(None) & candidate))
            .order_by(HumanTask.created_at, HumanTask.id)
        )
        if process_id:
            query = query.where(HumanTask.process_id == process_id)
        return [
            task_as_dict(task)
            | {"case_title": title, "case_title_facts": facts, "process_name": process_name}
            for task, title, facts, process_name in session.execute(query)
        ]


def show_instance(eng: Engine, instance_id: int) -> dict[str, Any]:
    with eng.reading() as session:
        instance = session.get(ProcessInstance, instance_id)
        if instance is None:
            raise NotFound(f"Ukjend sak: {instance_id}", "unknown_case")
        definition = session.get(ProcessDefinition, instance.definition_id)
        assert definition is not None  # the instance's foreign key
        workflow = serialization.load_state(eng.cache.get(definition), instance.state)
        elements = runtime.element_states(workflow)
        tasks = list(
            session.scalars(
                select(HumanTask)
                .where(HumanTask.instance_id == instance_id)
                .order_by(HumanTask.created_at)
            )
        )
        running = instance.status == "running"
        waits = waiting.waiting_for(workflow) if running else []
        return {
            "id": instance.id,
            "process_id": instance.process_id,
            "version": definition.version,
            "title": instance.title,
            "title_facts": instance.title_facts,
            "business_key": instance.business_key,
            "status": instance.status,
            "outcome": instance.outcome,
            "started_by": instance.started_by,
            "started_at": _iso(instance.started_at),
            "ended_at": _iso(instance.ended_at),
            "next_timer_at": _iso(instance.next_timer_at),
            "data": runtime.current_data(workflow),
            "completed_elements": elements.completed,
            "current_elements": elements.current,
            "tasks": [task_as_dict(t) for t in tasks],
            "waiting": [_waiting_as_dict(w, definition) for w in waits],
            "stuck": _stuck(workflow, waits, tasks, definition) if running else [],
            "history": [
                {
                    "seq": e.seq,
                    "at": _iso(e.occurred_at),
                    "actor": e.actor,
                    "kind": e.kind,
                    "task_id": e.task_id,
                    "detail": e.detail,
                }
                for e in audit.history(session, instance_id)
            ],
        }


def _waiting_as_dict(wait: waiting.Waiting, definition: ProcessDefinition) -> dict[str, Any]:
    return {
        "kind": wait.kind,
        "name": wait.name,
        "element_id": wait.element_id,
        "element_name": _element_name(definition, wait.element_id),
        "element_type": _element(definition, wait.element_id).get("type"),
        "correlation": wait.correlation,
        "due_at": _iso(wait.due_at),
        "boundary": wait.boundary,
        "gateway": wait.gateway,
        "starts_subprocess": wait.starts_subprocess,
    }


def _stuck(
    workflow: Any,
    waits: list[waiting.Waiting],
    tasks: list[HumanTask],
    definition: ProcessDefinition,
) -> list[dict[str, Any]]:
    """Why the case cannot go on: what the workflow says (engine.bpmn.waiting), and each open
    step whose lane names no active person, so nobody can take it."""
    reasons = [(r.code, list(r.elements)) for r in waiting.stuck_reasons(workflow, waits)]
    reasons += [
        ("stuck_nobody_can_take", [task.element_id])
        for task in tasks
        if task.status == "open" and not task.assignee and not task.candidates
    ]
    return [
        {
            "code": code,
            "elements": [
                {
                    "id": e,
                    "name": _element_name(definition, e),
                    "type": _element(definition, e).get("type"),
                }
                for e in elements
            ],
            "message": translate(code, {"elements": _named(definition, elements)}),
        }
        for code, elements in reasons
    ]


def _named(definition: ProcessDefinition, elements: list[str]) -> str:
    return ", ".join(f"«{_element_name(definition, e)}» ({e})" for e in elements)


def _element(definition: ProcessDefinition, element_id: str) -> dict[str, Any]:
    """What deploy kept of an element (engine.bpmn.definitions); {} for one inside a
    subprocess, which it does not list."""
    element: dict[str, Any] = definition.task_meta["elements"].get(element_id) or {}
    return element


def _element_name(definition: ProcessDefinition, element_id: str) -> str:
    return str(_element(definition, element_id).get("name") or element_id)


def list_accounts(eng: Engine) -> list[dict[str, Any]]:
    with eng.reading() as session:
        return [
            {
                "id": a.id,
                "platform": a.platform,
                "account_name": a.account_name,
                "unit": a.unit_id,
                "owner": a.owner,
                "deputy": a.deputy,
                "moderators": [m.username for m in a.moderators],
                "mailbox": a.mailbox,
                "closed_to_public": a.closed_to_public,
                "status": a.status,
                "approved_by": a.approved_by,
                "approved_at": _iso(a.approved_at),
                "instance_id": a.instance_id,
            }
            for a in session.scalars(select(Account).order_by(Account.id))
        ]


def verify_audit(eng: Engine) -> audit.VerifyResult:
    with eng.reading() as session:
        return audit.verify(session)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
