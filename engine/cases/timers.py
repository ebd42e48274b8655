"""Timers that are due: several cases advance per transaction, each taken once.

A sweep takes the due cases in batches (`TIMER_BATCH` per transaction), oldest due first,
with FOR UPDATE SKIP LOCKED on PostgreSQL: sweeps running side by side (the beat's, the
helpers it queues, the jobs queued for a moment) share the work and never fire one twice,
and a case a person is acting on is left to the next batch. A batch commits as a whole; a
case whose state or diagram fails is parked in a transaction of its own, and the rest of its
batch is fired again without it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from engine.bootstrap import Engine
from engine.bpmn import runtime, serialization
from engine.cases.permissions import SYSTEM
from engine.cases.projections import update_instance
from engine.cases.stepping import after_step
from engine.errors import (
    WorkflowFailed,
)
from engine.store import audit
from engine.store.models import (
    ProcessDefinition,
    ProcessInstance,
)

TIMER_BATCH = 20  # cases per transaction: fewer commits, and the lock on each held briefly


def fire_due_timers(
    eng: Engine,
    now: datetime | None = None,
    *,
    instance_ids: Sequence[int] | None = None,
    batch: int = TIMER_BATCH,
) -> list[dict[str, Any]]:
    """Advance every case whose next timer is due at `now` (the clock's moment by default),
    or only those of `instance_ids`; `batch` cases per transaction."""
    due_by = now or eng.clock.now()
    fired: list[dict[str, Any]] = []
    after: tuple[datetime, int] | None = None  # the keyset: each batch starts past the last
    batch = max(1, batch)
    while True:
        try:
            taken, last, full = _fire_batch(eng, due_by, after, instance_ids, batch)
        except _CaseFailed as failed:  # its batch rolled back: park it, then the rest again
            _mark_failed(eng, failed.instance_id, failed.reason, due_by)
            fired.append({"instance_id": failed.instance_id, "timers": [], "status": "failed"})
            continue
        fired += taken
        if not full:  # nothing past this batch was free to take
            return fired
        after = last


def list_upcoming_timers(
    eng: Engine, until: datetime, *, instance_ids: Sequence[int] | None = None
) -> list[tuple[int, datetime]]:
    """(case, due time) of the running cases whose next timer falls due after now and at or
    before `until`, soonest first: a worker can be told to fire them at that moment."""
    now = eng.clock.now()
    query = (
        select(ProcessInstance.id, ProcessInstance.next_timer_at)
        .where(
            ProcessInstance.status == "running",
            ProcessInstance.next_timer_at > now,
            ProcessInstance.next_timer_at <= until,
        )
        .order_by(ProcessInstance.next_timer_at, ProcessInstance.id)
    )
    if instance_ids is not None:
        query = query.where(ProcessInstance.id.in_(instance_ids))
    with eng.reading() as session:
        return [(instance_id, due) for instance_id, due in session.execute(query) if due]


def count_due_timers(eng: Engine, now: datetime | None = None) -> int:
    """How many running cases have a timer due (the sweep's backlog)."""
    with eng.reading() as session:
        count = session.scalar(
            select(func.count())
            .select_from(ProcessInstance)
            .where(
                ProcessInstance.status == "running",
                ProcessInstance.next_timer_at <= (now or eng.clock.now()),
            )
        )
        return count or 0


class _CaseFailed(Exception):
    def __init__(self, instance_id: int, reason: str) -> None:
        super().__init__(reason)
        self.instance_id = instance_id
        self.reason = reason


def _fire_batch(
    eng: Engine,
    due_by: datetime,
    after: tuple[datetime, int] | None,
    instance_ids: Sequence[int] | None,
    batch: int,
) -> tuple[list[dict[str, Any]], tuple[datetime, int] | None, bool]:
    """Take up to `batch` due cases past `after` and fire them in one transaction; returns
    what fired, the last case's (due time, id) (None if none was taken), and whether the
    batch was full (so more may wait)."""
    query = select(ProcessInstance).where(
        ProcessInstance.status == "running", ProcessInstance.next_timer_at <= due_by
    )
    if after is not None:
        due, instance_id = after
        query = query.where(
            or_(
                ProcessInstance.next_timer_at > due,
                and_(ProcessInstance.next_timer_at == due, ProcessInstance.id > instance_id),
            )
        )
    if instance_ids is not None:
        query = query.where(ProcessInstance.id.in_(instance_ids))
    query = (
        query.order_by(ProcessInstance.next_timer_at, ProcessInstance.id)
        .limit(batch)
        .with_for_update(skip_locked=True)  # another sweep's batch, or a person's step
    )
    fired: list[dict[str, Any]] = []
    with eng.transaction() as session:
        instances = list(session.scalars(query))
        if not instances:
            return [], None, False
        last = instances[-1]
        assert last.next_timer_at is not None  # the query asked for a due time
        keyset = (last.next_timer_at, last.id)
        for instance in instances:
            # Each case fires at the clock's moment (not the sweep's start) when that is
            # later, so the audit trail says when it really happened.
            moment = max(due_by, eng.clock.now())
            try:
                result = _fire_instance(eng, session, instance, moment)
            except WorkflowFailed as exc:  # one broken case must not hold up everyone's timers
                raise _CaseFailed(instance.id, exc.message) from exc
            if result is not None:
                fired.append(result)
    return fired, keyset, len(instances) == batch


def _fire_instance(
    eng: Engine, session: Session, instance: ProcessInstance, now: datetime
) -> dict[str, Any] | None:
    """Fire one locked case's due timers; None if its due time had moved on."""
    definition = session.get(ProcessDefinition, instance.definition_id)  # once per batch
    assert definition is not None  # the instance's foreign key
    workflow = serialization.load_state(eng.cache.get(definition), instance.state)
    snapshot = runtime.fire_timers(workflow, now)
    if not snapshot.fired_timers:  # due time moved on; only the derived columns change
        update_instance(instance, definition, snapshot, now)
        return None
    audit.record(
        session,
        now,
        SYSTEM,
        "timer_fired",
        instance_id=instance.id,
        detail={"timers": snapshot.fired_timers},
    )
    after_step(eng, session, instance, definition, snapshot, SYSTEM, None, now)
    return {"instance_id": instance.id, "timers": snapshot.fired_timers, "status": instance.status}


def _mark_failed(eng: Engine, instance_id: int, reason: str, now: datetime) -> None:
    """Park an instance whose state or diagram fails, so it stops being picked, and say why."""
    with eng.transaction() as session:
        instance = session.get(ProcessInstance, instance_id, with_for_update=True)
        assert instance is not None  # the sweep just read it, and instances are never deleted
        instance.status = "failed"
        instance.next_timer_at = None
        audit.record(
            session,
            now,
            SYSTEM,
            "instance_failed",
            instance_id=instance_id,
            detail={"reason": reason},
        )
