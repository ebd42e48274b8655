"""After a backlog (issue 14, point 11): the sweep does not queue a notification again while its
job still waits in Redis (199 of a new worker's 339 jobs were no-ops), and does queue it once
the job is gone — a worker took it and died, Redis lost it, or its hand-over lease ran out.

Real Redis only: the shared server on 127.0.0.1:6379 (keys under a prefix of this test) for
the sweep's decision on both databases, and a private redis-server with real Celery processes
for the backlog itself. Without a server these are skipped; with CI=true that is a failure.
"""

from __future__ import annotations

import re
import socket
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import redis

from engine.cases import services
from engine.clock import FixedClock
from engine.config import MailSettings
from engine.delivery import send as delivery
from engine.people.demo import SAMPLE_SCHOOL_APPLICATION
from engine.store.models import OutboxMessage
from tasks.ledger import QueuedJobs
from tests.worker.conftest import Stack, _missing, settle, wait_for_mails, wait_until
from tests.worker.test_faults import PRINCIPAL, TASK_READY

SHARED_REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture
def shared_redis() -> Iterator[QueuedJobs]:
    """The markers on the shared Redis, under a prefix only this test uses (removed after)."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            pass
    except OSError as exc:
        _missing(f"Redis not reachable at 127.0.0.1:6379: {exc.__class__.__name__}")
    prefix = f"someflyt-test-{uuid.uuid4().hex[:8]}:queued:"
    jobs = QueuedJobs(SHARED_REDIS, lease_seconds=3600, prefix=prefix)
    yield jobs
    client = redis.Redis.from_url(SHARED_REDIS)
    for key in client.scan_iter(match=prefix + "*"):
        client.delete(key)
    client.close()
    jobs.close()


def _one_notification(eng) -> int:
    services.start_process(eng, "account_application", "laerar.alesund", SAMPLE_SCHOOL_APPLICATION)
    with eng.reading() as session:
        (row,) = session.query(OutboxMessage).all()
        return row.id


def test_the_sweep_leaves_a_job_that_still_waits_in_redis(
    eng, clock: FixedClock, shared_redis: QueuedJobs
) -> None:
    lease = timedelta(seconds=MailSettings().lease_seconds)
    outbox_id = _one_notification(eng)
    clock.advance(timedelta(minutes=1))  # the hand-over after the commit did not happen

    assert delivery.queue_due(eng, waiting=shared_redis.waiting) == [outbox_id]
    shared_redis.mark([outbox_id])  # what the sweep's publish does, with the job

    # The backlog: the job waits longer than the lease. The row is due again, but stays put.
    for _ in range(3):
        clock.advance(lease + timedelta(seconds=1))
        assert delivery.queue_due(eng, waiting=shared_redis.waiting) == []
    with eng.reading() as session:
        row = session.get(OutboxMessage, outbox_id)
        assert (row.status, row.attempts) == ("pending", 0)
        assert row.lease_until == clock.now() + lease  # looked at again after another lease

    # A worker takes the job: the mark goes only once its claim holds the row, so no sweep
    # in between sees a pending row without a job.
    def taken(taken_id: int) -> None:
        with eng.reading() as session:
            assert session.get(OutboxMessage, taken_id).status == "sending"
        shared_redis.unmark(taken_id)

    smtp_down = MailSettings(host="127.0.0.1", port=1, timeout_seconds=1)  # nothing listens
    eng.settings = replace(eng.settings, mail=smtp_down)
    assert delivery.deliver(eng, outbox_id, taken=taken) == "retry"
    assert shared_redis.waiting([outbox_id]) == set()
    clock.advance(timedelta(seconds=smtp_down.retry_base_seconds + 1))
    assert delivery.queue_due(eng, waiting=shared_redis.waiting) == [outbox_id]  # the retry


def test_an_abandoned_claim_is_queued_again_whatever_its_mark_says(
    eng, clock: FixedClock, shared_redis: QueuedJobs
) -> None:
    """A worker that died mid-send left its row "sending": its job was taken, so a mark still
    there (a new job for it, or one never cleared) must not keep the row from the sweep."""
    lease = timedelta(seconds=MailSettings().lease_seconds)
    outbox_id = _one_notification(eng)
    clock.advance(timedelta(minutes=1))
    assert delivery.queue_due(eng, waiting=shared_redis.waiting) == [outbox_id]
    shared_redis.mark([outbox_id])
    assert delivery._claim(eng, outbox_id) is not None  # what a worker does before it dies
    clock.advance(lease + timedelta(seconds=1))
    assert delivery.queue_due(eng, waiting=shared_redis.waiting) == [outbox_id]


def test_a_marker_lives_only_as_long_as_its_hand_over_lease(shared_redis: QueuedJobs) -> None:
    short = QueuedJobs(SHARED_REDIS, lease_seconds=1, prefix=shared_redis.prefix)
    short.mark([7, 8])
    assert short.waiting([7, 8, 9]) == {7, 8}
    short.unmark(8)
    assert short.waiting([7, 8, 9]) == {7}
    wait_until(lambda: not short.waiting([7]), 10, "the marker to expire with its lease")
    short.close()


def test_without_redis_the_sweep_queues_as_before() -> None:
    """The filesystem broker, or Redis down: no markers, so every due row is queued."""
    assert QueuedJobs("").waiting([1, 2]) == set()
    gone = QueuedJobs("redis://127.0.0.1:1/0")  # nothing listens on port 1
    gone.mark([1])  # logged, not raised: the request or the sweep goes on
    assert gone.waiting([1, 2]) == set()


# --- the backlog with real processes -----------------------------------------------------------

LEASE_SECONDS = 2  # asked for; the settings raise it to the SMTP timeout + 5 s = 6 s
SMTP_TIMEOUT_SECONDS = 1
EFFECTIVE_LEASE = SMTP_TIMEOUT_SECONDS + 5


def test_a_backlog_in_redis_is_not_queued_again(stack: Stack) -> None:
    stack.settings |= {
        "SOMEFLYT_SMTP_TIMEOUT": str(SMTP_TIMEOUT_SECONDS),
        "SOMEFLYT_MAIL_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    for number in range(3):
        application = SAMPLE_SCHOOL_APPLICATION | {"account_name": f"alesundvgs{number}"}
        services.start_process(
            stack.engine(FixedClock(datetime.now(UTC) - timedelta(minutes=1))),
            "account_application",
            "laerar.alesund",
            application,
        )
    ids = sorted(r.id for r in stack.outbox())
    assert len(ids) == 3

    # Beat and a worker that only sweeps: the deliveries pile up in Redis, as in a backlog.
    stack.start("beat")
    stack.start_worker(queues="sweep")
    wait_until(lambda: len(stack.redis.queued_tasks()) >= 3, 30, "three delivery jobs in Redis")
    settle(EFFECTIVE_LEASE + 4)  # the lease runs out while the jobs wait; several sweeps pass

    queued = stack.redis.queued_tasks()
    assert sorted(args[0] for _, args in queued) == ids, "a job still waiting was queued again"

    # A worker for the deliveries works through the backlog: every job sends, none is a no-op.
    worker = stack.start_worker()
    wait_for_mails(stack.sink, PRINCIPAL, TASK_READY, count=3)
    wait_until(lambda: all(r.status == "sent" for r in stack.outbox()), 30, "every row sent")
    settle()
    outcomes = re.findall(
        r"someflyt\.deliver_notification\[[^\]]+\] succeeded [^:]+: '(\w+)'", worker.output()
    )
    assert outcomes == ["sent"] * 3, outcomes
    assert len(stack.sink.received()) == 3
