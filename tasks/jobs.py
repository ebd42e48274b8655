"""The jobs. Stable names, ids as arguments, one unit of work each (see engine.delivery.send for
why a delivery has a claim before and a record after the SMTP conversation)."""

from __future__ import annotations

import logging
import math
import os
from datetime import datetime, timedelta
from functools import cache

from engine.bootstrap import Engine, bootstrap
from engine.cases import services
from engine.cases.timers import TIMER_BATCH
from engine.delivery import send as delivery
from tasks.celery_app import SWEEP_SECONDS, app
from tasks.handover import Handover
from tasks.ledger import QueuedJobs

log = logging.getLogger(__name__)

# A sweep looks this far ahead (in sweeps): a timer due before the next sweep is handed to the
# broker with that moment as its ETA, so it fires on time, not up to a sweep late. The overlap
# covers a beat that runs late; a timer planned twice is still fired once.
LOOKAHEAD_SWEEPS = 1.5
# Timers due this close together share one ETA job (the last one's moment).
ETA_SPREAD = timedelta(milliseconds=250)
# With more than a batch due at once, a sweep queues up to this many helpers, so the other
# processes of the worker pool fire batches beside it (SKIP LOCKED shares the work out).
TIMER_HELPERS = int(os.environ.get("SOMEFLYT_TIMER_HELPERS", "3"))


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
    """Plan the timers due before the next sweep (ETA jobs), share a backlog with helpers,
    advance the cases whose timers are due, a batch per transaction (FOR UPDATE SKIP LOCKED
    on PostgreSQL, so overlapping sweeps never fire one twice), and queue every notification
    that is due or whose worker died — but not one whose job still waits in the broker
    (tasks.ledger)."""
    eng = engine()
    now = eng.clock.now()
    horizon = now + timedelta(seconds=SWEEP_SECONDS * LOOKAHEAD_SWEEPS)
    planned = eta_batches(services.list_upcoming_timers(eng, horizon))
    helpers = helpers_for(services.count_due_timers(eng, now))
    try:
        for instance_ids, eta in planned:
            fire_timers.apply_async((instance_ids,), eta=eta)
        for _ in range(helpers):
            fire_timers.delay(None)
    except Exception as exc:  # any broker failure: the next sweeps fire them all the same
        log.warning("could not plan timer jobs (%s); the sweeps fire them", exc)
        planned, helpers = [], 0
    fired = services.fire_due_timers(eng, now)  # what these queue is handed over at their commit
    due = delivery.queue_due(eng, waiting=queued_jobs().waiting)
    publish(due)
    return {
        "timers": len(fired),
        "planned": sum(len(ids) for ids, _ in planned),
        "helpers": helpers,
        "queued": len(due),
    }


@app.task(name="someflyt.fire_timers", acks_late=True, reject_on_worker_lost=True)
def fire_timers(instance_ids: list[int] | None = None) -> dict[str, int]:
    """Fire due timers: those of `instance_ids` at the moment the sweep planned for them (its
    ETA), or, without ids, any that are due (a helper of a sweep with a backlog). A case that
    is not due yet when the job runs (a clock a moment behind) is planned again."""
    eng = engine()
    fired = services.fire_due_timers(eng, instance_ids=instance_ids)
    again = 0
    if instance_ids:
        soon = eng.clock.now() + timedelta(seconds=SWEEP_SECONDS)
        for ids, eta in eta_batches(
            services.list_upcoming_timers(eng, soon, instance_ids=instance_ids)
        ):
            fire_timers.apply_async((ids,), eta=eta)
            again += len(ids)
    return {"timers": len(fired), "again": again}


def eta_batches(
    upcoming: list[tuple[int, datetime]], size: int = TIMER_BATCH, spread: timedelta = ETA_SPREAD
) -> list[tuple[list[int], datetime]]:
    """Cases with their due times (soonest first) as jobs of at most `size` cases due within
    `spread` of each other; each job's ETA is its last case's due time."""
    jobs: list[tuple[list[int], datetime]] = []
    ids: list[int] = []
    first = last = None
    for instance_id, due in upcoming:
        if ids and (len(ids) >= size or (first is not None and due - first > spread)):
            assert last is not None
            jobs.append((ids, last))
            ids = []
        if not ids:
            first = due
        ids.append(instance_id)
        last = due
    if ids:
        assert last is not None
        jobs.append((ids, last))
    return jobs


def helpers_for(due: int, batch: int = TIMER_BATCH, most: int = TIMER_HELPERS) -> int:
    """Helpers for a backlog of `due` cases: one per batch beyond the sweep's own."""
    return max(0, min(most, math.ceil(due / batch) - 1))


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
