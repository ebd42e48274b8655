"""Faults with real processes: a worker killed in the middle of an SMTP conversation, Redis
stopped while a person completes a task, and a timer that fell due while no worker ran.

The database is the only source of truth; these tests check that no notification is lost and
none is delivered twice, whatever happens to the worker or the broker.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from engine.cases import services
from engine.clock import FixedClock
from engine.people.demo import SAMPLE_SCHOOL_APPLICATION
from engine.store.models import ProcessInstance
from tests.worker.conftest import (
    Stack,
    WebSession,
    body_of,
    mails_to,
    settle,
    wait_for_mails,
    wait_until,
)

PRINCIPAL = "rektor.alesund@mrfylke.no"
TEACHER = "laerar.alesund@mrfylke.no"
DEPUTY = "laerar2.alesund@mrfylke.no"
TASK_READY = "Oppgåve til deg"
APPROVED = "Søknaden er godkjend"
REMINDER = "Påminning"
# The request that completes a task must not wait for a broker that is down.
PROMPT_SECONDS = 3.0
# A short lease (a setting) for the killed worker: the SMTP timeout must stay below it.
SMTP_TIMEOUT_SECONDS = 10
LEASE_SECONDS = 15
HEALTH_SECONDS = 5.0  # a load balancer's usual health-check timeout


def start_application(stack: Stack, ago: timedelta = timedelta(minutes=1)) -> int:
    """The teacher's application, started in this process at a moment `ago`. This process has
    no broker to hand the notification to, and the sweep leaves a fresh row alone for a while
    (the time a handover after the commit may take): a minute ago, it takes the row at once."""
    clock = FixedClock(datetime.now(UTC) - ago)
    return services.start_process(
        stack.engine(clock), "account_application", "laerar.alesund", SAMPLE_SCHOOL_APPLICATION
    )


def test_a_worker_killed_in_the_middle_of_a_delivery_leaves_it_to_the_next(stack: Stack) -> None:
    sink = stack.sink
    stack.settings |= {
        "SOMEFLYT_SMTP_TIMEOUT": str(SMTP_TIMEOUT_SECONDS),
        "SOMEFLYT_MAIL_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    first, _ = stack.start("worker", "beat")
    sink.hold()  # the server takes the message and keeps the worker waiting for its "250"
    start_application(stack)

    wait_until(lambda: sink.conversations >= 1, 30, "the worker to send DATA")
    (row,) = stack.outbox()
    assert row.status == "sending"
    first.kill_group()  # SIGKILL to the main process and its pool child at once
    killed_at = time.monotonic()
    sink.release()  # too late: the client is gone, so the server counts nothing
    stack.start_worker()

    # The lease runs out, the sweep queues the row again, and the new worker sends it.
    (mail,) = wait_for_mails(sink, PRINCIPAL, TASK_READY, timeout=LEASE_SECONDS + 60)
    recovered = time.monotonic() - killed_at
    print(
        f"\nSIGKILL mid-delivery: sent {recovered:.1f} s after the kill (lease {LEASE_SECONDS} s)"
    )

    wait_until(lambda: stack.outbox()[0].status == "sent", 30, "the row to be marked sent")
    settle()
    assert sink.received() == [mail]  # exactly once
    assert sink.conversations == 2  # the killed attempt and the one that counted
    (row,) = stack.outbox()
    assert (row.status, row.attempts, row.lease_until) == ("sent", 2, None)


def test_redis_down_while_a_task_is_completed_loses_nothing(stack: Stack) -> None:
    sink = stack.sink
    stack.start("worker", "beat", "web")
    # Started outside the web, so no web worker has a broker connection yet when Redis stops
    # (a worker whose pooled connection breaks fails at once; a new connection is the slow path).
    instance_id = start_application(stack)
    wait_for_mails(sink, PRINCIPAL, TASK_READY)
    principal = WebSession(stack.base_url).log_in("rektor.alesund")
    (task_path,) = principal.get("/").links("/tasks/")

    stack.redis.stop()
    decided = principal.post(task_path, {"decision": "approve", "moderators": "laerar2.alesund"})
    print(f"\ncompleting the task with Redis down took {decided.seconds:.2f} s")
    assert decided.status == 302, decided.body[-2000:]
    assert decided.seconds < PROMPT_SECONDS, f"the request waited {decided.seconds:.1f} s"

    health = WebSession(stack.base_url).get("/healthz")
    print(f"/healthz with Redis down took {health.seconds:.2f} s")
    assert health.seconds < HEALTH_SECONDS
    assert health.status == 200  # the database answers; the broker is only reported
    assert json.loads(health.body) == {
        "status": "degraded",
        "database": "ok",
        "broker": "unavailable",
    }

    # The decision is recorded and both notifications wait in the outbox.
    with stack.engine().reading() as session:
        instance = session.get(ProcessInstance, instance_id)
        assert instance.status == "completed"
    (account,) = services.list_accounts(stack.engine())
    assert account["account_name"] == SAMPLE_SCHOOL_APPLICATION["account_name"]
    waiting = [r for r in stack.outbox() if r.template == "account_application_approved"]
    assert sorted(r.recipient for r in waiting) == ["laerar.alesund", "laerar2.alesund"]
    assert all(r.status == "pending" for r in waiting)
    assert mails_to(sink, TEACHER) == mails_to(sink, DEPUTY) == []

    stack.redis.start()  # same port, empty: the broker lost every queued job
    restarted_at = time.monotonic()
    wait_for_mails(sink, TEACHER, APPROVED, timeout=120)
    wait_for_mails(sink, DEPUTY, APPROVED, timeout=30)
    print(f"delivered {time.monotonic() - restarted_at:.1f} s after Redis was back")

    wait_until(lambda: all(r.status == "sent" for r in stack.outbox()), 30, "every row to be sent")
    settle()
    assert len(mails_to(sink, PRINCIPAL)) == len(mails_to(sink, TEACHER)) == 1
    assert len(mails_to(sink, DEPUTY)) == 1
    assert len(sink.received()) == 3


def test_a_timer_due_while_no_worker_ran_fires_when_one_starts(stack: Stack) -> None:
    sink = stack.sink
    instance_id = start_application(stack, ago=timedelta(days=4))
    with stack.engine().reading() as session:
        due = session.scalar(
            select(ProcessInstance.next_timer_at).where(ProcessInstance.id == instance_id)
        )
    assert due is not None and due < datetime.now(UTC)  # the 3-day reminder is a day late
    assert stack.audit_events("timer_fired") == []

    stack.start("worker", "beat")

    (reminder,) = wait_for_mails(sink, PRINCIPAL, REMINDER)
    assert f"{stack.base_url}/cases/{instance_id}" in body_of(reminder)
    (fired,) = wait_until(
        lambda: stack.audit_events("timer_fired"), 30, "the audit event timer_fired"
    )
    assert (fired.instance_id, fired.actor) == (instance_id, "system")
    assert fired.detail["timers"]

    wait_until(lambda: all(r.status == "sent" for r in stack.outbox()), 30, "every row sent")
    settle()
    assert len(mails_to(sink, PRINCIPAL, REMINDER)) == 1
    assert len(mails_to(sink, PRINCIPAL, TASK_READY)) == 1  # the task itself, 4 days old
    assert len(sink.received()) == 2
    assert len(stack.audit_events("timer_fired")) == 1
