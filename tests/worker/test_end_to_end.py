"""The product as deployed: gunicorn, a Celery worker and beat against PostgreSQL, Redis and an
SMTP server. A teacher applies through the web, the principal gets an e-mail with a link (and
nothing of the application's content, G10), approves through the web, and the teacher and the
deputy get the decision by e-mail, each message exactly once."""

from __future__ import annotations

import json

from engine.people.demo import SAMPLE_SCHOOL_APPLICATION
from tests.worker.conftest import (
    Stack,
    WebSession,
    address_of,
    body_of,
    mails_to,
    settle,
    subject_of,
    wait_for_mails,
    wait_until,
)

APPLICATION = {**SAMPLE_SCHOOL_APPLICATION, "unit": "alesund_vgs", "owner": "laerar.alesund"}
PRINCIPAL = "rektor.alesund@mrfylke.no"
TEACHER = "laerar.alesund@mrfylke.no"
DEPUTY = "laerar2.alesund@mrfylke.no"


def test_application_approval_by_web_and_e_mail(stack: Stack) -> None:
    stack.start("worker", "beat", "web")
    sink = stack.sink

    teacher = WebSession(stack.base_url).log_in("laerar.alesund")
    started = teacher.post("/start/account_application", APPLICATION)
    assert started.status == 302, started.body[-2000:]
    assert started.location.startswith("/cases/")

    principal = WebSession(stack.base_url).log_in("rektor.alesund")
    task_links = principal.get("/").links("/tasks/")
    assert len(task_links) == 1, task_links
    task_path = task_links[0]

    # The principal hears of the task by e-mail: a link to it, and not what was applied for.
    (ready,) = wait_for_mails(sink, PRINCIPAL, "Oppgåve til deg")
    assert "Vurder søknaden" in subject_of(ready)
    body = body_of(ready)
    assert f"{stack.base_url}{task_path}" in body
    for field in ("objective", "capacity", "mailbox"):
        text = str(SAMPLE_SCHOOL_APPLICATION[field])
        assert text not in body, f"the e-mail tells the {field} (G10: only a link)"
        assert text not in subject_of(ready)

    decided = principal.post(task_path, {"decision": "approve", "moderators": "laerar2.alesund"})
    assert decided.status == 302, decided.body[-2000:]

    (to_teacher,) = wait_for_mails(sink, TEACHER, "Søknaden er godkjend")
    (to_deputy,) = wait_for_mails(sink, DEPUTY, "Søknaden er godkjend")
    for message in (to_teacher, to_deputy):
        assert f"{stack.base_url}{started.location}" in body_of(message)
        assert str(SAMPLE_SCHOOL_APPLICATION["objective"]) not in body_of(message)

    # Exactly once: every row sent, and a few sweeps later still one message per row.
    wait_until(
        lambda: all(row.status == "sent" for row in stack.outbox()),
        30,
        "every outbox row to be marked sent",
    )
    settle()
    received = sink.received()
    assert sorted(address_of(m) for m in received) == sorted([PRINCIPAL, TEACHER, DEPUTY])
    assert len({m["Message-ID"] for m in received}) == len(received) == len(stack.outbox()) == 3
    assert mails_to(sink, PRINCIPAL) == [ready]

    health = WebSession(stack.base_url).get("/healthz")
    assert health.status == 200
    assert json.loads(health.body) == {"status": "ok", "database": "ok", "broker": "ok"}


def test_the_web_hands_a_new_notification_to_the_configured_broker_at_once(stack: Stack) -> None:
    """No worker and no beat: after the commit, the request itself puts the delivery job on
    the broker the deployment names (SOMEFLYT_BROKER_URL), so the mail goes out at once."""
    stack.start("web")
    teacher = WebSession(stack.base_url).log_in("laerar.alesund")
    started = teacher.post("/start/account_application", APPLICATION)
    assert started.status == 302, started.body[-2000:]

    (row,) = stack.outbox()
    assert row.recipient == "rektor.alesund"
    wait_until(
        lambda: ("someflyt.deliver_notification", [row.id]) in stack.redis.queued_tasks(),
        10,
        f"a delivery job for outbox row {row.id} in Redis (the configured broker)",
    )
