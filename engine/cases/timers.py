"""Timers that are due: each case advances in a transaction of its own."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

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


def fire_due_timers(eng: Engine, now: datetime | None = None) -> list[dict[str, Any]]:
    """Advance every instance whose next timer is due; one transaction per instance."""
    now = now or eng.clock.now()
    with eng.reading() as session:
        due = list(
            session.scalars(
                select(ProcessInstance.id)
                .where(ProcessInstance.status == "running", ProcessInstance.next_timer_at <= now)
                .order_by(ProcessInstance.next_timer_at)
            )
        )
    fired = []
    for instance_id in due:
        try:
            # Each instance fires at the clock's moment (not the sweep's start) when none
            # was given, so the audit trail says when it really happened.
            fired += _fire_instance_timers(eng, instance_id, max(now, eng.clock.now()))
        except WorkflowFailed as exc:  # one broken instance must not hold up everyone's timers
            _mark_failed(eng, instance_id, exc.message, now)
            fired.append({"instance_id": instance_id, "timers": [], "status": "failed"})
    return fired


def _fire_instance_timers(eng: Engine, instance_id: int, now: datetime) -> list[dict[str, Any]]:
    """Fire one instance's due timers in its own transaction; [] if there was nothing to do."""
    with eng.transaction() as session:
        instance = session.scalar(
            select(ProcessInstance)
            .where(ProcessInstance.id == instance_id, ProcessInstance.next_timer_at <= now)
            .with_for_update(skip_locked=True)
        )
        if instance is None:  # another worker took it, or it moved on
            return []
        definition = session.get(ProcessDefinition, instance.definition_id)
        assert definition is not None  # the instance's foreign key
        workflow = serialization.load_state(eng.cache.get(definition), instance.state)
        snapshot = runtime.fire_timers(workflow, now)
        if not snapshot.fired_timers:  # due time moved on; only the derived columns change
            update_instance(instance, definition, snapshot, now)
            return []
        audit.record(
            session,
            now,
            SYSTEM,
            "timer_fired",
            instance_id=instance.id,
            detail={"timers": snapshot.fired_timers},
        )
        after_step(eng, session, instance, definition, snapshot, SYSTEM, None, now)
        return [
            {"instance_id": instance.id, "timers": snapshot.fired_timers, "status": instance.status}
        ]


def _mark_failed(eng: Engine, instance_id: int, reason: str, now: datetime) -> None:
    """Park an instance whose state or diagram fails, so it stops being picked, and say why."""
    with eng.transaction() as session:
        instance = session.get(ProcessInstance, instance_id, with_for_update=True)
        assert instance is not None  # the sweep just read its id, and instances are never deleted
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
