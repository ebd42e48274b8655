"""The append-only, hash-chained audit trail."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.store.models import AuditEvent, AuditHead

GENESIS = "0" * 64
_HEAD_KEY = "someflyt_audit_head"


def _digest(
    prev_hash: str,
    seq: int,
    occurred_at: datetime,
    actor: str,
    kind: str,
    instance_id: int | None,
    task_id: str | None,
    detail: dict[str, Any],
) -> str:
    body = json.dumps(
        [seq, occurred_at.isoformat(), actor, kind, instance_id, task_id, detail],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def record(
    session: Session,
    now: datetime,
    actor: str,
    kind: str,
    *,
    instance_id: int | None = None,
    task_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. Locks the chain head so concurrent writers cannot fork the chain."""
    detail = json.loads(json.dumps(detail or {}, default=str))  # store exactly what we hash
    head = _locked_head(session)
    seq = head.last_seq + 1
    digest = _digest(head.last_hash, seq, now, actor, kind, instance_id, task_id, detail)
    event = AuditEvent(
        seq=seq,
        occurred_at=now,
        actor=actor,
        kind=kind,
        instance_id=instance_id,
        task_id=task_id,
        detail=detail,
        prev_hash=head.last_hash,
        hash=digest,
    )
    session.add(event)
    head.last_seq, head.last_hash = seq, digest
    return event


def _locked_head(session: Session) -> AuditHead:
    """Lock the head once per transaction; later events in it reuse the locked row."""
    head = session.info.get(_HEAD_KEY)
    if head is None or head not in session:
        head = session.scalar(select(AuditHead).where(AuditHead.id == 1).with_for_update())
        if head is None:
            head = AuditHead(id=1, last_seq=0, last_hash=GENESIS)
            session.add(head)
        session.info[_HEAD_KEY] = head
    return head


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    events: int
    problem: str | None = None
    broken_seq: int | None = None


def verify(session: Session) -> VerifyResult:
    """Walk the chain; name the first event that was altered, or where one was removed."""
    expected_seq, prev_hash, count = 1, GENESIS, 0
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).yield_per(1000):
        if event.seq != expected_seq:
            return VerifyResult(
                False, count, f"event {expected_seq} is missing (deleted)", expected_seq
            )
        if event.prev_hash != prev_hash:
            return VerifyResult(
                False, count, f"event {event.seq} does not follow event {event.seq - 1}", event.seq
            )
        digest = _digest(
            prev_hash,
            event.seq,
            event.occurred_at,
            event.actor,
            event.kind,
            event.instance_id,
            event.task_id,
            event.detail,
        )
        if digest != event.hash:
            return VerifyResult(
                False, count, f"event {event.seq} ({event.kind}) was altered", event.seq
            )
        expected_seq, prev_hash, count = expected_seq + 1, event.hash, count + 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.last_seq != count or head.last_hash != prev_hash):
        return VerifyResult(
            False,
            count,
            f"events after {count} are missing (deleted); the chain ended at {head.last_seq}",
            count + 1,
        )
    return VerifyResult(True, count)


def history(session: Session, instance_id: int) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.instance_id == instance_id).order_by(AuditEvent.seq)
        )
    )
