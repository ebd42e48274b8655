"""Reading cases and human tasks for the use cases' callers (no workflow is deserialized)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from engine.bootstrap import Engine
from engine.bpmn import runtime, serialization
from engine.errors import (
    NotFound,
)
from engine.people.lanes import get_user
from engine.store import audit
from engine.store.anchoring import Checkpoint
from engine.store.models import (
    Account,
    HumanTask,
    HumanTaskCandidate,
    ProcessDefinition,
    ProcessInstance,
)


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
        tasks = session.scalars(
            select(HumanTask)
            .where(HumanTask.instance_id == instance_id)
            .order_by(HumanTask.created_at)
        )
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


def verify_audit(eng: Engine, checkpoint: Checkpoint | None = None) -> audit.VerifyResult:
    """The chain, each event's signature with the installation's audit key, and, given a
    checkpoint an auditor kept, that the chain still holds the head it saw."""
    with eng.reading() as session:
        return audit.verify(session, eng.settings.audit_key, checkpoint)


def audit_checkpoint(eng: Engine) -> Checkpoint:
    """A signed statement of the audit chain's head now (raises audit.CannotCheckpoint)."""
    with eng.reading() as session:
        return audit.checkpoint(session, eng.settings.audit_key, eng.clock.now())


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
