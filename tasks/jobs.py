"""The jobs. Stable names, ids as arguments, one unit of work each (see engine.delivery.send for
why a delivery has a claim before and a record after the SMTP conversation)."""

from __future__ import annotations

import logging
from functools import cache

from engine.bootstrap import Engine, bootstrap
from engine.cases import services
from engine.delivery import send as delivery
from tasks.celery_app import app
from tasks.handover import Handover
from tasks.ledger import QueuedJobs

log = logging.getLogger(__name__)


@cache
def engine() -> Engine:
    """One engine per worker process, built on first use (after the fork)."""
    eng = bootstrap()
    eng.on_outbox = enqueue_deliveries  # notifications from fired timers go out at once
    return eng


@cache
def queued_jobs() -> QueuedJobs:
    return QueuedJobs.from_env()


@app.task(name="someflyt.deliver_notification", acks_late=True, reject_on_worker_lost=True)
def deliver_notification(outbox_id: int) -> str:
    # Its queued mark goes once the claim is decided: from then on the sweep may queue it again.
    return delivery.deliver(engine(), outbox_id, taken=queued_jobs().unmark)


@app.task(name="someflyt.sweep", acks_late=True, reject_on_worker_lost=True)
def sweep() -> dict[str, int]:
    """Advance instances whose timers are due, each in its own transaction (FOR UPDATE SKIP
    LOCKED on PostgreSQL, so overlapping sweeps never fire one twice), and queue every
    notification that is due or whose worker died — but not one whose job still waits in the
    broker (tasks.ledger)."""
    eng = engine()
    fired = services.fire_due_timers(eng)  # what these queue is handed over at their commit
    due = delivery.queue_due(eng, waiting=queued_jobs().waiting)
    publish(due)
    return {"timers": len(fired), "queued": len(due)}


def publish(outbox_ids: list[int]) -> None:
    """Queue one delivery job per id, each marked as waiting first (tasks.ledger)."""
    if not outbox_ids:
        return
    queued_jobs().mark(outbox_ids)
    # No connection retries here (kombu would otherwise keep the caller waiting seconds).
    with app.connection_for_write(transport_options={"max_retries": 0}) as connection:
        for outbox_id in outbox_ids:
            deliver_notification.apply_async((outbox_id,), retry=False, connection=connection)


_HANDOVER = Handover(publish)


def enqueue_deliveries(outbox_ids: list[int]) -> None:
    """Hand fresh notifications to the broker right after their commit, waiting a fifth of a
    second at most (tasks.handover); whatever the broker did not take, the sweep delivers."""
    _HANDOVER.submit(outbox_ids)
