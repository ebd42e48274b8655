"""The timer sweep in batches: several cases per transaction, each taken once (FOR UPDATE SKIP
LOCKED on PostgreSQL), a broken case parked without losing its batch, sweeps side by side
firing every timer once; and the plan of ETA jobs for timers due before the next sweep."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import event, select, text, update

from engine.bootstrap import Engine
from engine.cases import services
from engine.clock import FixedClock
from engine.store.models import AuditEvent, OutboxMessage, ProcessInstance
from tasks.jobs import eta_batches, helpers_for
from tests.conftest import START, school_application

DUE = START + timedelta(days=3)  # the principal's 3-day reminder (decide_reminder, P3D)


def applications(eng, clock, count: int, spacing: timedelta = timedelta(0)) -> list[int]:
    """`count` school applications whose reminders fall due at DUE, DUE + spacing, …"""
    made = []
    for n in range(count):
        clock.set(START + spacing * n)
        made.append(
            services.start_process(
                eng,
                "account_application",
                "laerar.alesund",
                school_application(account_name=f"k{n}"),
            )
        )
    clock.set(START)
    return made


def fired_per_case(eng) -> Counter[int]:
    with eng.reading() as session:
        return Counter(
            session.scalars(select(AuditEvent.instance_id).where(AuditEvent.kind == "timer_fired"))
        )


def reminders(eng) -> list[str]:
    with eng.reading() as session:
        return list(
            session.scalars(
                select(OutboxMessage.idempotency_key).where(
                    OutboxMessage.template == "account_application_reminder"
                )
            )
        )


def commits(eng):
    """Count the transactions committed while the block runs."""
    seen: list[int] = []

    def note(_connection) -> None:
        seen.append(1)

    class Counting:
        def __enter__(self):
            event.listen(eng.db, "commit", note)
            return seen

        def __exit__(self, *_):
            event.remove(eng.db, "commit", note)

    return Counting()


@pytest.mark.parametrize(("count", "batch", "transactions"), [(7, 3, 3), (6, 3, 3), (2, 20, 1)])
def test_due_timers_fire_several_per_transaction(eng, clock, count, batch, transactions):
    cases = applications(eng, clock, count, spacing=timedelta(seconds=1))
    with commits(eng) as seen:
        fired = services.fire_due_timers(eng, DUE + timedelta(minutes=1), batch=batch)
    assert [f["instance_id"] for f in fired] == cases  # soonest due first
    assert all(f["timers"] == ["decide_reminder"] for f in fired)
    assert len(seen) == transactions
    assert fired_per_case(eng) == Counter(cases)
    assert len(reminders(eng)) == count
    assert services.fire_due_timers(eng, DUE + timedelta(days=1), batch=batch) == []
    assert services.verify_audit(eng).ok


def test_the_batch_query_skips_locked_rows_on_postgresql(eng, clock):
    applications(eng, clock, 2)
    seen: list[str] = []

    def note(_connection, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(eng.db, "before_cursor_execute", note)
    try:
        services.fire_due_timers(eng, DUE)
    finally:
        event.remove(eng.db, "before_cursor_execute", note)
    [taking] = [s for s in seen if "FROM process_instance" in s and "LIMIT" in s]
    if eng.db.dialect.name == "postgresql":
        assert "FOR UPDATE SKIP LOCKED" in taking
    assert "ORDER BY process_instance.next_timer_at, process_instance.id" in taking


def test_a_broken_case_is_parked_and_the_rest_of_its_batch_fires_once(eng, clock):
    cases = applications(eng, clock, 5, spacing=timedelta(seconds=1))
    broken = cases[2]
    with eng.transaction() as session:
        session.execute(
            update(ProcessInstance)
            .where(ProcessInstance.id == broken)
            .values(state='{"state_version": "from-the-future"}')
        )
    fired = services.fire_due_timers(eng, DUE + timedelta(minutes=1), batch=5)
    assert {f["instance_id"]: f["status"] for f in fired} == {
        **{case: "running" for case in cases if case != broken},
        broken: "failed",
    }
    assert fired_per_case(eng) == Counter(case for case in cases if case != broken)
    assert len(reminders(eng)) == 4
    with eng.reading() as session:
        parked = session.get(ProcessInstance, broken)
        assert (parked.status, parked.next_timer_at) == ("failed", None)
    assert services.fire_due_timers(eng, DUE + timedelta(days=1)) == []
    assert services.verify_audit(eng).ok


def test_only_the_given_cases_fire_when_ids_are_given(eng, clock):
    first, second, third = applications(eng, clock, 3)
    fired = services.fire_due_timers(eng, DUE, instance_ids=[second, third, 999999])
    assert sorted(f["instance_id"] for f in fired) == [second, third]
    assert services.fire_due_timers(eng, DUE, instance_ids=[]) == []
    assert [f["instance_id"] for f in services.fire_due_timers(eng, DUE)] == [first]


def test_upcoming_timers_are_those_due_after_now_and_by_the_horizon(eng, clock):
    cases = applications(eng, clock, 4, spacing=timedelta(seconds=2))  # due DUE, +2 s, +4 s, +6 s
    clock.set(DUE)  # the first is due now: the sweep fires it, it is not "upcoming"
    upcoming = services.list_upcoming_timers(eng, DUE + timedelta(seconds=4))
    assert upcoming == [
        (cases[1], DUE + timedelta(seconds=2)),
        (cases[2], DUE + timedelta(seconds=4)),
    ]
    only = services.list_upcoming_timers(eng, DUE + timedelta(days=1), instance_ids=[cases[3]])
    assert only == [(cases[3], DUE + timedelta(seconds=6))]
    assert services.count_due_timers(eng) == 1
    assert services.count_due_timers(eng, DUE + timedelta(seconds=5)) == 3
    with eng.transaction() as session:  # a parked case waits for nobody
        session.execute(
            update(ProcessInstance).where(ProcessInstance.id == cases[1]).values(status="failed")
        )
    assert [i for i, _ in services.list_upcoming_timers(eng, DUE + timedelta(seconds=4))] == [
        cases[2]
    ]


def test_two_sweeps_side_by_side_fire_every_timer_once(eng, clock, definition_cache):
    cases = applications(eng, clock, 12)
    engines = [  # as separate processes would have them: the same settings, their own pools
        Engine(eng.settings, clock=FixedClock(DUE), cache=definition_cache) for _ in range(3)
    ]
    results: list[list[dict]] = [[] for _ in engines]
    errors: list[BaseException] = []
    start = threading.Barrier(len(engines))

    def sweep(n: int) -> None:
        try:
            start.wait()
            results[n] = services.fire_due_timers(engines[n], batch=2)
        except BaseException as exc:  # reported below, in the test's own thread
            errors.append(exc)

    threads = [threading.Thread(target=sweep, args=(n,)) for n in range(len(engines))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for other in engines:
        other.dispose()
    assert errors == []
    fired = [f["instance_id"] for result in results for f in result]
    assert sorted(fired) == sorted(cases)  # each by exactly one of the sweeps
    assert fired_per_case(eng) == Counter(cases)
    assert len(set(reminders(eng))) == len(reminders(eng)) == 12
    assert services.verify_audit(eng).ok


def test_a_case_someone_holds_is_left_to_the_next_batch_on_postgresql(eng, clock):
    """SKIP LOCKED: a case locked by a person's step does not hold up the others' timers, and
    fires when it is free again."""
    if eng.db.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: nothing is ever locked beside it")
    held, free = applications(eng, clock, 2)
    with eng.db.connect() as person:
        person.execute(text("SET lock_timeout = '20s'"))
        person.execute(text(f"SELECT id FROM process_instance WHERE id = {held} FOR UPDATE"))
        fired = services.fire_due_timers(eng, DUE)
        assert [f["instance_id"] for f in fired] == [free]
        person.rollback()
    assert [f["instance_id"] for f in services.fire_due_timers(eng, DUE)] == [held]
    assert fired_per_case(eng) == Counter([held, free])


def test_eta_jobs_group_timers_due_together_and_wait_for_the_last_of_them():
    at = START
    ms = timedelta(milliseconds=1)
    upcoming = [
        (1, at),
        (2, at + 100 * ms),
        (3, at + 250 * ms),
        (4, at + 251 * ms),
        (5, at + 2000 * ms),
    ]
    assert eta_batches(upcoming) == [
        ([1, 2, 3], at + 250 * ms),
        ([4], at + 251 * ms),
        ([5], at + 2000 * ms),
    ]
    burst = [(n, at) for n in range(45)]
    jobs = eta_batches(burst, size=20)
    assert [len(ids) for ids, _ in jobs] == [20, 20, 5]
    assert {eta for _, eta in jobs} == {at}
    assert [i for ids, _ in jobs for i in ids] == list(range(45))
    assert eta_batches([]) == []


def test_a_backlog_gets_helpers_one_per_batch_beyond_the_first():
    assert [helpers_for(n, batch=20, most=3) for n in (0, 1, 20, 21, 40, 41, 1000)] == [
        0,
        0,
        0,
        1,
        1,
        2,
        3,
    ]
