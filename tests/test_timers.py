"""Timers fire when `fire_due_timers` runs at or after their due time; no test sleeps."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from engine.cases import services
from engine.store.models import HumanTask, OutboxMessage, ProcessInstance
from someflyt.cli import main
from tests.conftest import START, school_application


def reminders(eng) -> list[tuple[str, str]]:
    with eng.transaction() as session:
        rows = session.scalars(
            select(OutboxMessage).where(OutboxMessage.template == "account_application_reminder")
        )
        return [(row.recipient, row.idempotency_key) for row in rows]


def test_approver_is_reminded_after_three_days_and_the_task_stays_open(eng):
    instance_id = services.start_process(
        eng, "account_application", "laerar.alesund", school_application()
    )
    case = services.show_instance(eng, instance_id)
    assert case["next_timer_at"] == (START + timedelta(days=3)).isoformat()

    assert services.fire_due_timers(eng, START + timedelta(days=3, seconds=-1)) == []
    assert reminders(eng) == []

    fired = services.fire_due_timers(eng, START + timedelta(days=3))
    assert fired == [
        {"instance_id": instance_id, "timers": ["decide_reminder"], "status": "running"}
    ]
    assert [recipient for recipient, _ in reminders(eng)] == ["rektor.alesund"]
    case = services.show_instance(eng, instance_id)
    assert case["next_timer_at"] is None
    assert [e["kind"] for e in case["history"]][-2:] == ["timer_fired", "notification_queued"]
    [task] = services.list_human_tasks(eng, "rektor.alesund")
    assert task["name"] == "Vurder søknaden"

    # firing again later changes nothing: the reminder is sent once
    assert services.fire_due_timers(eng, START + timedelta(days=10)) == []
    assert len(reminders(eng)) == 1


def test_unanswered_revision_lapses_after_thirty_days(eng, clock):
    instance_id = services.start_process(
        eng, "account_application", "laerar.alesund", school_application()
    )
    [task] = services.list_human_tasks(eng, "rektor.alesund")
    clock.advance(timedelta(days=1))
    services.complete_human_task(
        eng,
        task["id"],
        "rektor.alesund",
        {"decision": "revise", "comment": "Fyll ut kapasitet betre."},
    )
    [revise] = services.list_human_tasks(eng, "laerar.alesund")
    due = START + timedelta(days=31)
    assert revise["due_at"] == due.isoformat()
    assert services.show_instance(eng, instance_id)["next_timer_at"] == due.isoformat()

    assert main(["timers", "run", "--now", due.isoformat()], eng=eng) == 0
    case = services.show_instance(eng, instance_id)
    assert (case["status"], case["outcome"]) == ("completed", "Søknaden gjekk ut")
    assert services.list_human_tasks(eng, "laerar.alesund") == []
    with eng.transaction() as session:
        row = session.get(HumanTask, revise["id"])
        assert (row.status, row.completed_by) == ("cancelled", None)
    assert services.verify_audit(eng).ok


def test_timer_run_uses_the_injected_clock_by_default(eng, clock):
    services.start_process(eng, "account_application", "laerar.alesund", school_application())
    assert services.fire_due_timers(eng) == []
    clock.advance(timedelta(days=3, minutes=1))
    assert len(services.fire_due_timers(eng)) == 1


def test_a_broken_instance_is_parked_and_does_not_hold_up_other_timers(eng):
    broken = services.start_process(
        eng, "account_application", "laerar.alesund", school_application()
    )
    healthy = services.start_process(
        eng,
        "account_application",
        "laerar.molde",
        school_application(account_name="moldevgs", deputy="laerar.kristiansund"),
    )
    with eng.transaction() as session:
        session.execute(
            update(ProcessInstance)
            .where(ProcessInstance.id == broken)
            .values(state='{"state_version": "from-the-future"}')
        )
    fired = services.fire_due_timers(eng, START + timedelta(days=3))
    assert {f["instance_id"]: f["status"] for f in fired} == {broken: "failed", healthy: "running"}
    assert [recipient for recipient, _ in reminders(eng)] == ["rektor.molde"]
    with eng.transaction() as session:
        parked = session.get(ProcessInstance, broken)
        assert (parked.status, parked.next_timer_at) == ("failed", None)
    assert services.fire_due_timers(eng, START + timedelta(days=4)) == []
    assert services.verify_audit(eng).ok
