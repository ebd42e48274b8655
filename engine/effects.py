"""What service tasks in a diagram do, applied inside the same transaction as the step."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import audit
from engine.errors import WorkflowFailed
from engine.models import Account, AccountModerator, HumanTask, ProcessInstance
from engine.notifications import add_notification, is_confidential
from engine.runtime import ServiceCall


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
    recipients = _resolve_recipients(session, instance, call.params.get("recipients") or [])
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


def _resolve_recipients(session: Session, instance: ProcessInstance, names: list[Any]) -> list[str]:
    """Usernames as given; "task:ELEMENT" means whoever may act on that open task now."""
    found: list[str] = []
    for name in names:
        if isinstance(name, str) and name.startswith("task:"):
            rows = session.scalars(
                select(HumanTask).where(
                    HumanTask.instance_id == instance.id,
                    HumanTask.status == "open",
                    HumanTask.element_id == name.removeprefix("task:"),
                )
            )
            for row in rows:
                found += [row.assignee] if row.assignee else row.candidates
        elif isinstance(name, str) and name:
            found.append(name)
    return list(dict.fromkeys(found))


HANDLERS: dict[str, Callable[[Session, ProcessInstance, ServiceCall, str, datetime], None]] = {
    "register_account": _register_account,
    "notify": _notify,
}
