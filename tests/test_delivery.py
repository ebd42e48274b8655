"""Delivering notifications by e-mail to a real SMTP server on loopback: once, with backoff,
failed rows to the admins, and nothing of a case's content in the mail (G10)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from email.message import Message
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.bootstrap import Engine
from engine.cases import services
from engine.clock import FixedClock
from engine.config import MailSettings
from engine.delivery import notifications
from engine.delivery import send as delivery
from engine.delivery.notifications import HANDOVER
from engine.errors import PermissionDenied
from engine.people import directory
from engine.store.models import AuditEvent, OutboxMessage, ProcessInstance
from tests.conftest import school_application
from tests.smtp_sink import SmtpSink


@pytest.fixture
def mailing(eng: Engine, smtp_sink: SmtpSink) -> Engine:
    mail = MailSettings(host="127.0.0.1", port=smtp_sink.port, max_attempts=3)
    eng.settings = dataclasses.replace(eng.settings, mail=mail, base_url="https://someflyt.test")
    return eng


def _rows(eng: Engine) -> list[OutboxMessage]:
    with eng.reading() as session:
        rows = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        session.expunge_all()
        return rows


def _body(message: Message) -> str:
    return message.get_payload(decode=True).decode()


def _start(eng: Engine, **overrides: object) -> int:
    return services.start_process(
        eng, "account_application", "laerar.alesund", school_application(**overrides)
    )


def test_a_ready_task_mails_its_candidate_once_with_a_link_and_no_content(
    mailing: Engine, smtp_sink: SmtpSink
) -> None:
    _start(mailing)
    [row] = _rows(mailing)
    assert (row.template, row.recipient, row.status) == ("task_ready", "rektor.alesund", "pending")

    assert delivery.deliver(mailing, row.id) == "sent"
    assert delivery.deliver(mailing, row.id) == "skipped"  # a second job for the same row
    [message] = smtp_sink.received()
    assert message["To"] == "Rolf Rektor <rektor.alesund@mrfylke.no>"
    assert message["Subject"] == "Oppgåve til deg: Vurder søknaden"
    body = _body(message)
    [task] = services.list_human_tasks(mailing, "rektor.alesund")
    assert f"https://someflyt.test/tasks/{task['id']}" in body
    assert "Frist: 28.11.2026 kl. 10:00" in body  # due in five days, Oslo time
    assert school_application()["objective"] not in body  # G10: only a link to the content
    [row] = _rows(mailing)
    assert (row.status, row.attempts, row.delivered_at) == ("sent", 1, mailing.clock.now())


def test_a_confidential_case_is_not_even_named(mailing: Engine, smtp_sink: SmtpSink) -> None:
    with mailing.transaction() as session:
        instance = session.get(ProcessInstance, _start(mailing))
        notifications.add_notification(
            session,
            "secret:1",
            "komm1",
            "task_ready",
            instance,
            mailing.clock.now(),
            confidential=True,
            task="Vurder",
            task_id="t-1",
        )
    secret = _rows(mailing)[-1]
    assert secret.payload == {"instance_id": instance.id, "title": None, "confidential": True}
    delivery.deliver(mailing, secret.id)
    [message] = smtp_sink.received()
    assert "alesundvgs" not in _body(message) + message["Subject"]
    assert f"/cases/{instance.id}" in _body(message)


def test_refusals_back_off_then_fail_for_the_admins_who_can_retry(
    mailing: Engine, clock: FixedClock, smtp_sink: SmtpSink
) -> None:
    _start(mailing)
    [row] = _rows(mailing)
    smtp_sink.refuse()
    assert delivery.deliver(mailing, row.id) == "retry"
    assert _rows(mailing)[0].next_attempt_at == clock.now() + timedelta(seconds=30)
    assert delivery.deliver(mailing, row.id) == "skipped"  # not due yet
    assert delivery.queue_due(mailing) == []

    clock.advance(timedelta(seconds=30))
    assert delivery.queue_due(mailing) == [row.id]  # the sweep hands the retry over
    assert delivery.deliver(mailing, row.id) == "retry"
    assert _rows(mailing)[0].next_attempt_at == clock.now() + timedelta(seconds=60)  # doubled
    clock.advance(timedelta(seconds=60))
    assert delivery.deliver(mailing, row.id) == "failed"  # third of max_attempts=3
    failed = delivery.failed(mailing)
    assert [(f["id"], f["attempts"]) for f in failed] == [(row.id, 3)]
    assert "451" in failed[0]["last_error"]
    with mailing.reading() as session:
        kinds = list(session.scalars(select(AuditEvent.kind).order_by(AuditEvent.seq)))
    assert kinds[-1] == "notification_failed"
    assert smtp_sink.received() == []

    with pytest.raises(PermissionDenied):
        delivery.retry(mailing, row.id, "komm1")
    smtp_sink.refuse(False)
    delivery.retry(mailing, row.id, "admin")
    assert delivery.deliver(mailing, row.id) == "sent"
    assert len(smtp_sink.received()) == 1
    assert delivery.failed(mailing) == []


def test_a_worker_that_died_mid_delivery_leaves_the_row_to_its_lease(
    mailing: Engine, clock: FixedClock, smtp_sink: SmtpSink
) -> None:
    _start(mailing)
    [row] = _rows(mailing)
    assert delivery._claim(mailing, row.id) is not None  # a worker claimed it, then died
    assert delivery.queue_due(mailing) == []  # nobody else sends while the lease holds
    assert delivery.deliver(mailing, row.id) == "skipped"
    clock.advance(timedelta(seconds=mailing.settings.mail.lease_seconds + 1))
    assert delivery.queue_due(mailing) == [row.id]  # the sweep queues it again
    assert delivery.queue_due(mailing) == []  # once
    assert delivery.deliver(mailing, row.id) == "sent"
    assert len(smtp_sink.received()) == 1
    assert _rows(mailing)[0].attempts == 2


def test_the_sweep_queues_a_row_only_when_its_handover_failed_and_then_once(
    mailing: Engine, clock: FixedClock
) -> None:
    _start(mailing)
    [row] = _rows(mailing)
    assert delivery.queue_due(mailing) == []  # handed to the broker at its commit
    clock.advance(HANDOVER + timedelta(seconds=1))  # that job never came (broker was down)
    assert delivery.queue_due(mailing) == [row.id]
    assert delivery.queue_due(mailing) == []  # queued: the next sweeps leave it waiting
    clock.advance(timedelta(seconds=mailing.settings.mail.lease_seconds + 1))
    assert delivery.queue_due(mailing) == [row.id]  # that job was lost too: once more


def test_without_a_mail_server_mail_goes_to_a_folder(eng: Engine, tmp_path: Path) -> None:
    eng.settings = dataclasses.replace(eng.settings, mail=MailSettings(folder=tmp_path))
    _start(eng)
    [row] = _rows(eng)
    assert delivery.deliver(eng, row.id) == "sent"
    [written] = list(tmp_path.glob("*.eml"))
    assert "rektor.alesund@mrfylke.no" in written.read_text()


def test_the_engine_hands_new_notifications_over_after_commit(eng: Engine) -> None:
    handed: list[list[int]] = []
    eng.on_outbox = handed.append
    _start(eng)
    assert handed == [[row.id for row in _rows(eng)]]
    with pytest.raises(RuntimeError), eng.transaction() as session:  # a rolled-back step
        instance = session.scalars(select(ProcessInstance)).one()
        notifications.add_notification(
            session, "never", "komm1", "task_ready", instance, eng.clock.now()
        )
        raise RuntimeError("rolled back")
    assert len(handed) == 1


def test_unread_notifications_are_counted_until_read(eng: Engine) -> None:
    _start(eng)
    assert notifications.unread_count(eng, "rektor.alesund") == 1
    [item] = notifications.for_user(eng, "rektor.alesund")
    assert (item["template"], item["read"]) == ("task_ready", False)
    notifications.mark_read(eng, "rektor.alesund")
    assert notifications.unread_count(eng, "rektor.alesund") == 0


def test_an_email_comes_in_the_language_its_recipient_chose(
    mailing: Engine, smtp_sink: SmtpSink
) -> None:
    """Composed when it is sent, from the recipient's preference (Mi side): Bokmål for the
    principal here, English for the applicant; the step's name is translated too."""
    directory.set_language(mailing, "rektor.alesund", "nb")
    directory.set_language(mailing, "laerar.alesund", "en")
    instance_id = _start(mailing)
    [ready] = _rows(mailing)
    delivery.deliver(mailing, ready.id)
    [bokmal] = smtp_sink.received()
    assert bokmal["Subject"] == "Oppgave til deg: Vurder søknaden"
    body = _body(bokmal)
    assert "En oppgave venter på deg i SoMe-flyt" in body
    assert "Frist: 28.11.2026 kl. 10:00" in body
    assert "Åpne oppgaven: https://someflyt.test/tasks/" in body

    [task] = services.list_human_tasks(mailing, "rektor.alesund")
    services.complete_human_task(
        mailing,
        task["id"],
        "rektor.alesund",
        {"decision": "reject", "comment": "Bruk fylkeskommunens konto."},
    )
    [rejected] = [r for r in _rows(mailing) if r.template == "account_application_rejected"]
    assert rejected.recipient == "laerar.alesund"
    delivery.deliver(mailing, rejected.id)
    english = smtp_sink.received()[-1]
    assert english["Subject"] == "The application is rejected"  # the process's own text
    body = _body(english)
    assert "is rejected. The reasons are in the case." in body
    assert f"Open the case: https://someflyt.test/cases/{instance_id}" in body
    assert "Møre og Romsdal County Council" in body


def test_an_english_reader_gets_the_steps_name_in_english(
    mailing: Engine, smtp_sink: SmtpSink
) -> None:
    directory.set_language(mailing, "rektor.alesund", "en")
    _start(mailing)
    [ready] = _rows(mailing)
    delivery.deliver(mailing, ready.id)
    [message] = smtp_sink.received()
    assert message["Subject"] == "A task for you: Assess the application"
    assert "Due: 28.11.2026 at 10:00." in _body(message)


def test_an_email_names_the_case_in_its_recipients_language(
    mailing: Engine, smtp_sink: SmtpSink, account_id: int
) -> None:
    """The title is filled in when the mail is composed, from the facts the notification
    carries: Bokmål for a reader of Bokmål, the stored Nynorsk for one of Nynorsk."""
    directory.set_language(mailing, "laerar.alesund", "nb")
    sent = len(_rows(mailing))
    services.start_process(
        mailing,
        "inquiry_handling",
        "laerar.alesund",
        {
            "account_id": account_id,
            "author": "@ola_nordmann",
            "text": "Når er det open dag på skulen?",
            "link": "https://www.instagram.com/p/abc123/",
            "received_at": mailing.clock.now().isoformat(),
            "language": "nynorsk",
        },
    )
    new = _rows(mailing)[sent:]
    assert {r.payload["title"] for r in new} == {"Førespurnad til alesundvgs på instagram"}
    assert all(r.payload["title_facts"]["account_name"] == "alesundvgs" for r in new)
    [bokmal] = [r for r in new if r.recipient == "laerar.alesund"]
    delivery.deliver(mailing, bokmal.id)
    [message] = smtp_sink.received()
    body = _body(message)
    assert "«Henvendelse til alesundvgs på instagram»" in body, body
    assert "Førespurnad" not in body + message["Subject"]
    nynorsk = next(r for r in new if r.recipient != "laerar.alesund")
    delivery.deliver(mailing, nynorsk.id)
    assert "«Førespurnad til alesundvgs på instagram»" in _body(smtp_sink.received()[-1])


def test_a_notification_sent_before_titles_had_facts_keeps_its_stored_title(
    mailing: Engine, smtp_sink: SmtpSink
) -> None:
    directory.set_language(mailing, "rektor.alesund", "en")
    _start(mailing)
    [row] = _rows(mailing)
    with mailing.transaction() as session:  # as an outbox row written before 0007
        stored = session.get_one(OutboxMessage, row.id)
        stored.payload = {k: v for k, v in stored.payload.items() if k != "title_facts"}
    delivery.deliver(mailing, row.id)
    body = _body(smtp_sink.received()[0])
    assert "“alesundvgs på instagram – Ålesund vidaregåande skule”" in body, body
