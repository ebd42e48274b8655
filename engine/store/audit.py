"""The append-only, hash-chained audit trail, each event also signed with the audit key
(engine/store/anchoring.py), and checkpoints of its head to keep outside the database."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.store import anchoring
from engine.store.anchoring import Checkpoint
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
    """Append one event. Locks the chain head so concurrent writers cannot fork the chain; signs
    it with the audit key the session carries (bootstrap), if the installation has one."""
    detail = json.loads(json.dumps(detail or {}, default=str))  # store exactly what we hash
    head = _locked_head(session)
    seq = head.last_seq + 1
    digest = _digest(head.last_hash, seq, now, actor, kind, instance_id, task_id, detail)
    key = session.info.get(anchoring.SESSION_INFO)
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
        mac=anchoring.event_mac(key, digest) if key else None,
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
    signed: int = 0  # events whose key signature was checked and holds
    unsigned: int = 0  # events from before the audit key (they come first)
    checkpoint: int | None = None  # the sequence a checkpoint vouched for, if one was given


def _broken(found: _Walk, problem: str, seq: int) -> VerifyResult:
    return VerifyResult(False, found.count, problem, seq, found.signed, found.unsigned)


@dataclass
class _Walk:
    count: int = 0
    signed: int = 0
    unsigned: int = 0
    seen: str | None = None  # the hash of the checkpoint's event, when the walk passed it


def verify(
    session: Session, key: bytes | None = None, checkpoint: Checkpoint | None = None
) -> VerifyResult:
    """Walk the chain; name the first event that was altered, or where one was removed. With
    the audit key, every event's signature too (a chain recomputed without the key fails), and
    with a checkpoint, that the chain still holds the head it saw (truncated, or rewritten)."""
    if checkpoint is not None and key is not None:
        refused = checkpoint.problem(key)
        if refused:
            return VerifyResult(False, 0, refused, None)
    expected_seq, prev_hash, found = 1, GENESIS, _Walk()
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).yield_per(1000):
        if event.seq != expected_seq:
            return _broken(found, f"event {expected_seq} is missing (deleted)", expected_seq)
        if event.prev_hash != prev_hash:
            problem = f"event {event.seq} does not follow event {event.seq - 1}"
            return _broken(found, problem, event.seq)
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
            return _broken(found, f"event {event.seq} ({event.kind}) was altered", event.seq)
        unsigned = _signature_problem(event, key, checkpoint, found)
        if unsigned:
            return _broken(found, unsigned, event.seq)
        if checkpoint is not None and event.seq == checkpoint.sequence:
            found.seen = event.hash
        expected_seq, prev_hash, found.count = expected_seq + 1, event.hash, found.count + 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.last_seq != found.count or head.last_hash != prev_hash):
        missing = (
            f"events after {found.count} are missing (deleted); the chain ended at {head.last_seq}"
        )
        return _broken(found, missing, found.count + 1)
    if checkpoint is not None:
        unlike = _checkpoint_problem(checkpoint, found)
        if unlike:
            return _broken(found, unlike, min(found.count + 1, checkpoint.sequence))
    return VerifyResult(
        True,
        found.count,
        signed=found.signed,
        unsigned=found.unsigned,
        checkpoint=checkpoint.sequence if checkpoint is not None else None,
    )


def _signature_problem(
    event: AuditEvent, key: bytes | None, checkpoint: Checkpoint | None, found: _Walk
) -> str | None:
    if key is None:
        return None  # the chain alone (a reader without the key)
    if event.mac is None:
        signing_began = found.signed or (
            checkpoint is not None
            and checkpoint.first_signed is not None
            and event.seq >= checkpoint.first_signed
        )
        if signing_began:
            return (
                f"event {event.seq} ({event.kind}) has no key signature, though events are "
                "signed from an earlier one: it was written or rewritten without the key"
            )
        found.unsigned += 1
        return None
    if not anchoring.mac_matches(key, event.hash, event.mac):
        return (
            f"event {event.seq} ({event.kind}) does not carry the audit key's signature: "
            "the chain was rewritten without the key"
        )
    found.signed += 1
    return None


def _checkpoint_problem(checkpoint: Checkpoint, found: _Walk) -> str | None:
    if found.count < checkpoint.sequence:
        return (
            f"the chain ends at event {found.count}, but the checkpoint of {checkpoint.time} "
            f"saw {checkpoint.sequence}: events were removed (truncated)"
        )
    if found.seen != checkpoint.hash:
        return (
            f"event {checkpoint.sequence} is not the one the checkpoint of {checkpoint.time} "
            "saw: the chain was rewritten"
        )
    return None


class CannotCheckpoint(ValueError):
    """No audit key, or a chain that does not verify: nothing worth vouching for."""


def checkpoint(session: Session, key: bytes | None, now: datetime) -> Checkpoint:
    """A signed statement of the head as it is now, for auditors to keep outside the database.
    Only of a chain that verifies, with the key."""
    if key is None:
        raise CannotCheckpoint(f"no audit key ({anchoring.KEY_ENV} or instance/audit_key)")
    result = verify(session, key)
    if not result.ok:
        raise CannotCheckpoint(f"the audit chain is broken: {result.problem}")
    head = session.get(AuditHead, 1)
    sequence, last = (head.last_seq, head.last_hash) if head is not None else (0, GENESIS)
    first = session.scalar(select(func.min(AuditEvent.seq)).where(AuditEvent.mac.is_not(None)))
    return anchoring.make_checkpoint(key, sequence, last, first, now)


def history(session: Session, instance_id: int) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.instance_id == instance_id).order_by(AuditEvent.seq)
        )
    )
