"""The audit trail is append-only and hash-chained: altering or removing a row is detected."""

from __future__ import annotations

from itertools import pairwise

from sqlalchemy import delete, func, select, update

from engine.cases import services
from engine.store.models import AuditEvent
from someflyt.cli import EXIT_AUDIT_BROKEN, main
from tests.conftest import central_application


def run_case(eng) -> int:
    instance_id = services.start_process(
        eng, "account_application", "tilsett1", central_application()
    )
    [task] = services.list_human_tasks(eng, "infosjef")
    services.complete_human_task(eng, task["id"], "infosjef", {"decision": "approve"})
    return instance_id


def event_count(eng) -> int:
    with eng.transaction() as session:
        return session.scalar(select(func.count(AuditEvent.seq)))


def test_intact_chain_verifies_ok(eng, capsys):
    run_case(eng)
    result = services.verify_audit(eng)
    assert result.ok and result.events == event_count(eng) >= 6
    assert main(["audit", "verify"], eng=eng) == 0
    assert capsys.readouterr().out.startswith("ok")


def test_every_event_links_to_the_previous_hash(eng):
    run_case(eng)
    with eng.transaction() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    for before, after in pairwise(events):
        assert after.prev_hash == before.hash


def test_altered_event_is_named(eng, capsys):
    run_case(eng)
    with eng.transaction() as session:
        session.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(actor="someone_else"))
    result = services.verify_audit(eng)
    assert (result.ok, result.broken_seq) == (False, 3)
    assert main(["audit", "verify", "--json"], eng=eng) == EXIT_AUDIT_BROKEN
    captured = capsys.readouterr()
    assert "event 3" in captured.err and "altered" in captured.err


def test_altered_data_is_detected(eng):
    instance_id = run_case(eng)
    with eng.transaction() as session:
        started = session.scalar(
            select(AuditEvent).where(
                AuditEvent.instance_id == instance_id, AuditEvent.kind == "instance_started"
            )
        )
        detail = dict(started.detail)
        detail["data"] = dict(detail["data"], deputy="tilsett1")
        session.execute(
            update(AuditEvent).where(AuditEvent.seq == started.seq).values(detail=detail)
        )
        seq = started.seq
    result = services.verify_audit(eng)
    assert (result.ok, result.broken_seq) == (False, seq)


def test_deleted_event_in_the_middle_is_named(eng):
    run_case(eng)
    with eng.transaction() as session:
        session.execute(delete(AuditEvent).where(AuditEvent.seq == 4))
    result = services.verify_audit(eng)
    assert (result.ok, result.broken_seq) == (False, 4)
    assert "missing" in result.problem


def test_deleted_last_event_is_detected(eng):
    run_case(eng)
    last = event_count(eng)
    with eng.transaction() as session:
        session.execute(delete(AuditEvent).where(AuditEvent.seq == last))
    result = services.verify_audit(eng)
    assert not result.ok
    assert result.broken_seq == last
