"""Notifications: written to the outbox in the transaction of the change that causes them, read
by people in the app, and delivered by e-mail by a worker (engine.delivery.send)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engine.store.models import HumanTask, OutboxMessage, ProcessInstance
from engine.texts import titles
from engine.texts.processes import ProcessTexts

if TYPE_CHECKING:  # bootstrap imports the effects, which write notifications
    from engine.bootstrap import Engine

OUTBOX_KEY = "outbox"  # session.info key: rows added in this unit of work (see Engine)
HANDOVER = timedelta(seconds=15)  # how long the broker has a fresh row before the sweep may


def add_notification(
    session: Session,
    key: str,
    recipient: str,
    template: str,
    instance: ProcessInstance,
    now: datetime,
    confidential: bool = False,
    **details: Any,
) -> None:
    """Queue one notification; the same key twice (a retried step) adds nothing.

    The payload holds the case's title (and the facts to say it in the reader's language) and
    a link target, never the case's content (G10); a confidential case gives not even its
    title."""
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)):
        return
    payload = {
        "instance_id": instance.id,
        "title": None if confidential else instance.title,
        "confidential": confidential,
    } | (
        {}
        if confidential
        else {"process_id": instance.process_id, "title_facts": instance.title_facts} | details
    )
    message = OutboxMessage(
        idempotency_key=key,
        kind="notification",
        recipient=recipient,
        template=template,
        instance_id=instance.id,
        created_at=now,
        next_attempt_at=now,
        # Handed to the broker after the commit; the sweep takes it only if that failed.
        lease_until=now + HANDOVER,
        status="pending",
        attempts=0,
        payload=payload,
    )
    session.add(message)
    session.info.setdefault(OUTBOX_KEY, []).append(message)


def task_details(task: HumanTask) -> dict[str, Any]:
    """What a notification about a human task says of it: which, and due when. The element id
    lets a reader see the step's name in their own language (`task_name`)."""
    return {
        "task_id": task.id,
        "task": task.name,
        "element_id": task.element_id,
        "due_at": task.due_at.isoformat() if task.due_at else None,
    }


def task_name(payload: dict[str, Any], lang: str, processes: ProcessTexts | None) -> str | None:
    """The step a notification is about, in `lang`; else the diagram's name it was sent with."""
    process_id, element_id = payload.get("process_id"), payload.get("element_id")
    if processes and process_id and element_id:
        return processes.text(process_id, "task", element_id, lang) or payload.get("task")
    return payload.get("task")


def case_title(payload: dict[str, Any], lang: str, processes: ProcessTexts | None) -> str | None:
    """The case a notification is about, in `lang` (from the facts it was sent with; one sent
    before they were, in the Nynorsk it names); None for a confidential case (G10)."""
    stored = payload.get("title")
    if not stored:
        return None
    facts = payload.get("title_facts")
    return titles.case_title(processes, payload.get("process_id"), stored, facts, lang).text


def is_confidential(data: dict[str, Any]) -> bool:
    """G10: a case flagged confidential is named in no e-mail."""
    return bool(data.get("confidential"))


def unread_count(eng: Engine, username: str) -> int:
    with eng.reading() as session:
        return session.execute(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.recipient == username, OutboxMessage.read_at.is_(None))
        ).scalar_one()  # a count always has its one row


def for_user(eng: Engine, username: str, limit: int = 100) -> list[dict[str, Any]]:
    with eng.reading() as session:
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.recipient == username)
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
            .limit(limit)
        )
        return [
            {
                "id": m.id,
                "template": m.template,
                "payload": m.payload,
                "created_at": m.created_at,
                "read": m.read_at is not None,
                "status": m.status,
            }
            for m in rows
        ]


def mark_read(eng: Engine, username: str) -> None:
    now = eng.clock.now()
    with eng.transaction() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.recipient == username, OutboxMessage.read_at.is_(None))
            .values(read_at=now)
        )
