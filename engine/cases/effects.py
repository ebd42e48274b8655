"""What service tasks in a diagram do, applied inside the same transaction as the step.

Operators (the `spiffworkflow:serviceTaskOperator` id) and their parameters:

- `register_account`: the approved application's account enters the registry (A1, A5).
- `notify` (template, recipients): a notification per recipient. A recipient is a username,
  "task:ELEMENT" (whoever may act on that open task now), "role:ROLE" (everyone holding it) or
  "account_team:ID" (the owner, deputy and moderators of that account).
- `reassign` (task, lane, template): the open task ELEMENT goes to the people the lane names
  for this instance (e.g. lane "Stedfortredar": the account's deputy). Whoever had it before and
  the new assignee are notified, and a `task_reassigned` audit event records from whom to whom.
  With a non-interrupting boundary timer on the task this is an SLA: G2b, the answer not given
  within 24 hours goes to the deputy. The task itself stays open; only who holds it changes.
- `start_process` (process, fields): a new case of another process carrying the named fields,
  linked to this one (an inquiry's reputation escalation, G9). engine.services runs it, since it
  steps another instance; messages the new case sends come back to this one.
- `crisis_mode` (state: "on" | "off"): E6, the accounts of a crisis (data `all_accounts`, or the
  ids in `crisis_accounts`) go into crisis mode or leave it; the audit events are the record
  (engine.crisis reads them). The recipient "crisis_teams" of `notify` names the owners,
  deputies and moderators of those accounts.
- `record_post_consents`: the approved post's consents per photo enter `post_consent`, so that
  withdrawing one of them finds the post and starts the photo's removal (G11, engine.consents).
- `archive_handoff`: an outbox row of kind "archive_handoff" carrying a JSON export of the case
  (its data and its history so far), for the archive connector to take (G7). It is no
  notification: the e-mail delivery never picks it up.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.bpmn.runtime import ServiceCall
from engine.delivery.notifications import add_notification, is_confidential, task_details
from engine.errors import WorkflowFailed
from engine.people.lanes import InstanceContext, resolve_lane, resolve_rule
from engine.registers import consents
from engine.registers.crisis import MODE_OFF, MODE_ON
from engine.store import audit
from engine.store.models import (
    Account,
    AccountModerator,
    HumanTask,
    HumanTaskCandidate,
    OutboxMessage,
    ProcessInstance,
)


def apply_service_calls(
    session: Session, instance: ProcessInstance, calls: list[ServiceCall], actor: str, now: datetime
) -> None:
    for call in calls:
        handler = HANDLERS.get(call.operation)
        if handler is None:
            raise WorkflowFailed(
                f"service task '{call.element_id}' asks for unknown operation '{call.operation}'"
            )
        handler(session, instance, call, actor, now)


def _register_account(
    session: Session, instance: ProcessInstance, call: ServiceCall, actor: str, now: datetime
) -> None:
    """A1/A5: the approved account enters the registry with its moderators."""
    data = call.data
    account = Account(
        platform=data["platform"],
        account_name=data["account_name"],
        unit_id=data["unit"],
        owner=data["owner"],
        deputy=data["deputy"],
        mailbox=data.get("mailbox"),
        closed_to_public=bool(data.get("teacher_pupil_group")),
        justification=data.get("justification") or None,
        status="active",
        approved_by=actor,
        approved_at=now,
        instance_id=instance.id,
    )
    account.moderators = [AccountModerator(username=u) for u in data.get("moderators") or []]
    session.add(account)
    session.flush()
    audit.record(
        session,
        now,
        actor,
        "account_registered",
        instance_id=instance.id,
        detail={
            "account_id": account.id,
            "platform": account.platform,
            "account_name": account.account_name,
            "unit": account.unit_id,
            "owner": account.owner,
            "deputy": account.deputy,
            "moderators": [m.username for m in account.moderators],
        },
    )


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
    moderators, "crisis_teams" those of the accounts a crisis holds."""
    found: list[str] = []
    for name in names:
        if isinstance(name, str) and name.startswith("task:"):
            for row in _open_tasks(session, instance, name.removeprefix("task:")):
                found += _who_may_act(row)
        elif isinstance(name, str) and name.startswith(("role:", "account_team:")):
            found += sorted(resolve_rule(name, session))
        elif name == "crisis_teams":
            found += _account_teams(session, crisis_accounts(data))
        elif isinstance(name, str) and name:
            found.append(name)
    return list(dict.fromkeys(found))


def crisis_accounts(data: dict[str, Any]) -> list[int] | None:
    """The accounts a crisis covers: None for all of them (E6)."""
    if data.get("all_accounts", True):
        return None
    return sorted(int(a) for a in data.get("crisis_accounts") or [])


def _account_teams(session: Session, account_ids: list[int] | None) -> list[str]:
    """Owners, deputies and moderators of the given active accounts (None: all of them)."""
    query = select(Account).where(Account.status == "active")
    if account_ids is not None:
        query = query.where(Account.id.in_(account_ids))
    people: set[str] = set()
    for account in session.scalars(query):
        people |= {account.owner, account.deputy} | {m.username for m in account.moderators}
    return sorted(people)


def _crisis_mode(
    session: Session, instance: ProcessInstance, call: ServiceCall, actor: str, now: datetime
) -> None:
    """E6: the crisis's accounts are held ("on") or released ("off"); engine.crisis reads it."""
    state = str(call.params["state"])
    if state not in ("on", "off"):
        raise WorkflowFailed(f"crisis_mode state must be 'on' or 'off', not {state!r}")
    audit.record(
        session,
        now,
        actor,
        MODE_ON if state == "on" else MODE_OFF,
        instance_id=instance.id,
        detail={"accounts": crisis_accounts(call.data)},
    )


def _reassign(
    session: Session, instance: ProcessInstance, call: ServiceCall, actor: str, now: datetime
) -> None:
    """Give the open task to the people of another lane (see the module docstring)."""
    element, lane = str(call.params["task"]), str(call.params["lane"])
    template = str(call.params.get("template") or "task_reassigned")
    rows = _open_tasks(session, instance, element)
    rule, people = resolve_lane(lane, InstanceContext(instance.started_by, call.data), session)
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


def _record_post_consents(
    session: Session, instance: ProcessInstance, call: ServiceCall, actor: str, now: datetime
) -> None:
    """G11: remember which consents the approved post relies on, photo by photo."""
    recorded = consents.record_post_consents(session, instance, call.data, now)
    audit.record(
        session,
        now,
        actor,
        "post_consents_recorded",
        instance_id=instance.id,
        detail={"consents": recorded},
    )


HANDLERS: dict[str, Callable[[Session, ProcessInstance, ServiceCall, str, datetime], None]] = {
    "register_account": _register_account,
    "notify": _notify,
    "reassign": _reassign,
    "archive_handoff": _archive_handoff,
    "crisis_mode": _crisis_mode,
    "record_post_consents": _record_post_consents,
}

START_PROCESS = "start_process"  # run by engine.services: it starts and steps another instance
OPERATIONS = frozenset(HANDLERS) | {START_PROCESS}
