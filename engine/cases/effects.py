"""What service tasks in a diagram do, applied inside the same transaction as the step.

The engine's own operators (the `spiffworkflow:serviceTaskOperator` id) and their parameters;
a process package registers operators of its own (engine/extensions.py):

- `notify` (template, recipients): a notification per recipient. A recipient is a username,
  "task:ELEMENT" (whoever may act on that open task now), "role:ROLE" (everyone holding it),
  "account_team:ID" (the owner, deputy and moderators of that account), or a name a package
  registered as a recipient group (worked out from the case data).
- `reassign` (task, lane, template): the open task ELEMENT goes to the people the lane names
  for this instance (e.g. the account's deputy). Whoever had it before and the new assignee
  are notified, and a `task_reassigned` audit event records from whom to whom. With a
  non-interrupting boundary timer on the task this is an SLA: the answer not given in time
  goes to someone else. The task itself stays open; only who holds it changes.
- `start_process` (process, fields): a new case of another process carrying the named fields,
  linked to this one. engine.cases.services runs it, since it steps another instance; messages
  the new case sends come back to this one.
- `archive_handoff`: an outbox row of kind "archive_handoff" carrying a JSON export of the case
  (its data and its history so far), for the archive connector to take (G7). It is no
  notification: the e-mail delivery never picks it up.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.bpmn.scripting import ServiceCall
from engine.delivery.notifications import add_notification, is_confidential, task_details
from engine.errors import WorkflowFailed
from engine.extensions import Operator, installed
from engine.people.context import InstanceContext
from engine.people.lanes import resolve_lane, resolve_rule
from engine.store import audit
from engine.store.models import (
    HumanTask,
    HumanTaskCandidate,
    OutboxMessage,
    ProcessInstance,
)


def apply_service_calls(
    session: Session, instance: ProcessInstance, calls: list[ServiceCall], actor: str, now: datetime
) -> None:
    for call in calls:
        handler = CORE_OPERATORS.get(call.operation) or installed().operators.get(call.operation)
        if handler is None:
            raise WorkflowFailed(
                f"service task '{call.element_id}' asks for unknown operation '{call.operation}'"
            )
        handler(session, instance, call, actor, now)


def _notify(
    session: Session, instance: ProcessInstance, call: ServiceCall, actor: str, now: datetime
) -> None:
    """Queue a notification per recipient in the outbox; a worker delivers it after commit."""
    recipients = _resolve_recipients(
        session, instance, call.params.get("recipients") or [], call.data
    )
    template = str(call.params["template"])
    for recipient in recipients:
        add_notification(
            session,
            f"{call.task_id}:{recipient}",
            recipient,
            template,
            instance,
            now,
            confidential=is_confidential(call.data),
        )
    audit.record(
        session,
        now,
        actor,
        "notification_queued",
        instance_id=instance.id,
        detail={"template": template, "recipients": recipients},
    )


def _open_tasks(session: Session, instance: ProcessInstance, element: str) -> list[HumanTask]:
    """The instance's open human tasks of one diagram element."""
    return list(
        session.scalars(
            select(HumanTask).where(
                HumanTask.instance_id == instance.id,
                HumanTask.status == "open",
                HumanTask.element_id == element,
            )
        )
    )


def _who_may_act(task: HumanTask) -> list[str]:
    """The assignee if someone took the task, else every candidate."""
    return [task.assignee] if task.assignee else task.candidates


def _resolve_recipients(
    session: Session, instance: ProcessInstance, names: list[Any], data: dict[str, Any]
) -> list[str]:
    """Usernames as given; "task:ELEMENT" means whoever may act on that open task now,
    "role:ROLE" everyone holding it, "account_team:ID" an account's owner, deputy and
    moderators; a name a package registered, the people it works out from the case data."""
    found: list[str] = []
    for name in names:
        if isinstance(name, str) and name.startswith("task:"):
            for row in _open_tasks(session, instance, name.removeprefix("task:")):
                found += _who_may_act(row)
        elif isinstance(name, str) and name.startswith(("role:", "account_team:")):
            found += sorted(resolve_rule(name, session))
        elif isinstance(name, str) and name in installed().recipients:
            found += installed().recipients[name](session, instance, data)
        elif isinstance(name, str) and name:
            found.append(name)
    return list(dict.fromkeys(found))


def _reassign(
    session: Session, instance: ProcessInstance, call: ServiceCall, actor: str, now: datetime
) -> None:
    """Give the open task to the people of another lane (see the module docstring)."""
    element, lane = str(call.params["task"]), str(call.params["lane"])
    template = str(call.params.get("template") or "task_reassigned")
    rows = _open_tasks(session, instance, element)
    rule, people = resolve_lane(
        lane, InstanceContext(instance.started_by, call.data), session, installed().lanes
    )
    for row in rows:
        before = _who_may_act(row)
        if not people:  # nobody to give it to: say so, and leave it where it is
            audit.record(
                session,
                now,
                actor,
                "task_reassign_failed",
                instance_id=instance.id,
                task_id=row.id,
                detail={"task": row.name, "lane": lane, "rule": rule},
            )
            continue
        new = sorted(people)
        row.candidate_rule = rule
        row.candidate_rows = [HumanTaskCandidate(username=u) for u in new]
        row.assignee = new[0] if len(new) == 1 else None
        for recipient in dict.fromkeys(before + new):
            add_notification(
                session,
                f"{call.task_id}:{row.id}:{recipient}",
                recipient,
                template,
                instance,
                now,
                confidential=is_confidential(call.data),
                **task_details(row),
            )
        audit.record(
            session,
            now,
            actor,
            "task_reassigned",
            instance_id=instance.id,
            task_id=row.id,
            detail={"task": row.name, "from": before, "to": new, "lane": lane, "rule": rule},
        )


def _archive_handoff(
    session: Session, instance: ProcessInstance, call: ServiceCall, actor: str, now: datetime
) -> None:
    """G7: hand the exchange to the archive, as a JSON export in the outbox."""
    key = f"archive_handoff:{call.task_id}"
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)):
        return
    export = {
        "instance_id": instance.id,
        "process_id": instance.process_id,
        "title": instance.title,
        "business_key": instance.business_key,
        "exported_at": now.isoformat(),
        "data": call.data,
        "history": [
            {"at": e.occurred_at.isoformat(), "actor": e.actor, "kind": e.kind, "detail": e.detail}
            for e in audit.history(session, instance.id)
        ],
    }
    session.add(
        OutboxMessage(
            idempotency_key=key,
            kind="archive_handoff",
            recipient="archive",
            template="archive_handoff",
            instance_id=instance.id,
            created_at=now,
            next_attempt_at=now,
            status="pending",
            attempts=0,
            payload=export,
        )
    )
    audit.record(
        session,
        now,
        actor,
        "archive_handoff_queued",
        instance_id=instance.id,
        detail={"idempotency_key": key},
    )


CORE_OPERATORS: dict[str, Operator] = {
    "notify": _notify,
    "reassign": _reassign,
    "archive_handoff": _archive_handoff,
}

START_PROCESS = "start_process"  # run by engine.cases.services: it starts and steps another case


def known_operators() -> set[str]:
    """Every operator a diagram may name: the engine's and the installed packages'."""
    return set(CORE_OPERATORS) | set(installed().operators) | {START_PROCESS}
