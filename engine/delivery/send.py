"""Delivering queued notifications by e-mail, once, with retries.

A worker claims a row with a lease (a short transaction), sends outside any transaction (no
lock is held while an SMTP server thinks), then records the outcome (another short
transaction). A worker that dies mid-send leaves the lease to expire; the beat sweep then
queues the row again. The only way to send twice is a crash in the instant between the SMTP
server's "250 OK" and our commit; the stable Message-ID lets mail programs fold that resend.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, CursorResult, or_, select, update

from engine import texts
from engine.bootstrap import Engine
from engine.delivery import mail
from engine.delivery.notifications import HANDOVER, OUTBOX_KEY
from engine.errors import NotFound, PermissionDenied
from engine.store import audit
from engine.store.models import OutboxMessage, User

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Claim:
    outbox_id: int
    attempt: int
    message: Any  # email.message.EmailMessage


def _due(now: datetime) -> ColumnElement[bool]:
    """Pending and due and not in the broker, or claimed by a worker whose lease ran out.

    A pending row whose lease_until lies ahead is in the broker already: handed over after its
    commit (notifications.HANDOVER) or queued by a sweep."""
    pending = (
        (OutboxMessage.kind == "notification")
        & (OutboxMessage.status == "pending")
        & (OutboxMessage.next_attempt_at <= now)
        & (OutboxMessage.lease_until.is_(None) | (OutboxMessage.lease_until < now))
    )
    abandoned = (
        (OutboxMessage.kind == "notification")
        & (OutboxMessage.status == "sending")
        & (OutboxMessage.lease_until < now)
    )
    return or_(pending, abandoned)


def queue_due(
    eng: Engine, limit: int = 500, waiting: Callable[[list[int]], set[int]] | None = None
) -> list[int]:
    """The rows the sweep should hand to the broker now, marked so the next sweeps skip them
    while they wait their turn (until the lease time; after that a lost job is queued again).

    `waiting` names those of the pending rows whose job is known to wait in the broker still (a
    backlog longer than the lease): they are not queued a second time, only looked at again
    after another lease. An abandoned claim is always queued again: its job was taken."""
    now = eng.clock.now()
    with eng.transaction() as session:
        rows = session.execute(
            select(OutboxMessage.id, OutboxMessage.status)
            .where(_due(now))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        ids = [row.id for row in rows]
        if ids:
            # An abandoned claim (its worker died) becomes pending again, queued like the rest.
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids))
                .values(
                    status="pending",
                    lease_until=now + timedelta(seconds=eng.settings.mail.lease_seconds),
                )
            )
        pending = [row.id for row in rows if row.status == "pending"]
        still_queued = waiting(pending) if waiting and pending else set()
        return [i for i in ids if i not in still_queued]


def deliver(eng: Engine, outbox_id: int, taken: Callable[[int], None] | None = None) -> str:
    """Send one notification if it is still due; returns what happened (for logs and tests).

    `taken` is told once the claim is decided (tasks.ledger clears the job's queued mark then:
    before the claim the row looks abandoned to no sweep, after it the row is "sending")."""
    try:
        claim = _claim(eng, outbox_id)
    finally:
        if taken is not None:
            taken(outbox_id)
    if claim is None:
        return "skipped"
    try:
        mail.send(claim.message, eng.settings.mail)
    except (OSError, smtplib.SMTPException) as exc:
        return _failed_attempt(eng, claim, f"{type(exc).__name__}: {exc}")
    _sent(eng, claim)
    return "sent"


def _claim(eng: Engine, outbox_id: int) -> Claim | None:
    now = eng.clock.now()
    with eng.transaction() as session:
        # One UPDATE decides who delivers: a second worker with the same id changes no row.
        result = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == outbox_id,
                OutboxMessage.kind == "notification",  # archive hand-offs are not e-mail
                or_(
                    (OutboxMessage.status == "pending") & (OutboxMessage.next_attempt_at <= now),
                    (OutboxMessage.status == "sending") & (OutboxMessage.lease_until < now),
                ),
            )
            .values(
                status="sending",
                lease_until=now + timedelta(seconds=eng.settings.mail.lease_seconds),
                attempts=OutboxMessage.attempts + 1,
            )
        )
        # An UPDATE gives a CursorResult (its rowcount); Session.execute is typed as any Result.
        assert isinstance(result, CursorResult)
        if not result.rowcount:
            return None
        row = session.get(OutboxMessage, outbox_id)
        assert row is not None  # the UPDATE above just changed it, in this transaction
        person = session.get(User, row.recipient)
        address = person.email if person else ""
        # Composed in the language the recipient chose (their page), Nynorsk for anyone else.
        message = mail.compose(
            row.template,
            row.payload,
            row.idempotency_key,
            person.full_name if person else row.recipient,
            address,
            eng.settings.mail,
            eng.settings.base_url,
            now,
            lang=person.language if person else texts.DEFAULT_LANGUAGE,
            processes=eng.texts,
        )
        return Claim(outbox_id, row.attempts, message)


def _sent(eng: Engine, claim: Claim) -> None:
    now = eng.clock.now()
    with eng.transaction() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == claim.outbox_id, OutboxMessage.attempts == claim.attempt)
            .values(status="sent", delivered_at=now, lease_until=None, last_error=None)
        )


def _failed_attempt(eng: Engine, claim: Claim, error: str) -> str:
    """Back off exponentially; after the last attempt the row is failed and admins see it."""
    now = eng.clock.now()
    settings = eng.settings.mail
    with eng.transaction() as session:
        row = session.get(OutboxMessage, claim.outbox_id, with_for_update=True)
        if row is None:  # outbox rows are never deleted, and this one was claimed
            raise LookupError(f"outbox message {claim.outbox_id} vanished after its claim")
        if row.attempts != claim.attempt or row.status != "sending":
            return "superseded"  # our lease ran out and another worker took over
        row.last_error = error[:2000]
        row.lease_until = None
        if row.attempts >= settings.max_attempts:
            row.status = "failed"
            audit.record(
                session,
                now,
                "system",
                "notification_failed",
                instance_id=row.instance_id,
                detail={"outbox_id": row.id, "recipient": row.recipient, "error": row.last_error},
            )
            log.warning("notification %s failed for good: %s", row.id, error)
            return "failed"
        row.status = "pending"
        delay = settings.retry_base_seconds * 2 ** (row.attempts - 1)
        row.next_attempt_at = now + timedelta(seconds=delay)
        return "retry"


# --- for admins --------------------------------------------------------------------------------


def failed(eng: Engine) -> list[dict[str, Any]]:
    with eng.reading() as session:
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == "failed")
            .order_by(OutboxMessage.created_at.desc())
        )
        return [
            {
                "id": m.id,
                "recipient": m.recipient,
                "template": m.template,
                "instance_id": m.instance_id,
                "created_at": m.created_at,
                "attempts": m.attempts,
                "last_error": m.last_error,
            }
            for m in rows
        ]


def retry(eng: Engine, outbox_id: int, admin: str) -> None:
    """Give a failed notification a fresh set of attempts (after the mail server is fixed)."""
    now = eng.clock.now()
    with eng.transaction() as session:
        user = session.get(User, admin)
        if user is None or "admin" not in user.role_names or "auditor" in user.role_names:
            raise PermissionDenied("Berre administratorar kan gjere dette.", "admin_only")
        row = session.get(OutboxMessage, outbox_id, with_for_update=True)
        if row is None or row.status != "failed":
            raise NotFound(f"Ingen mislukka melding {outbox_id}", "unknown_notification")
        row.status = "pending"
        row.attempts = 0
        row.next_attempt_at = now
        row.lease_until = now + HANDOVER
        audit.record(
            session,
            now,
            admin,
            "notification_retried",
            instance_id=row.instance_id,
            detail={"outbox_id": row.id, "recipient": row.recipient},
        )
        session.info.setdefault(OUTBOX_KEY, []).append(row)  # queued again after commit
