"""Absences (G2b): registering, cancelling, who may, and what they do to new tasks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from engine.cases import services
from engine.errors import FormInvalid, NotFound, PermissionDenied
from engine.people import absences
from engine.store.models import Absence, AuditEvent, OutboxMessage
from tests.accounts import DEPUTY, MODERATOR, OWNER, approved_school_account
from tests.conftest import START
from tests.test_inquiry_handling import DUE, PROCESS, inquiry

LATER = START + timedelta(days=2)


@pytest.fixture
def account_id(eng) -> int:
    return approved_school_account(eng)


def away(eng, username: str, start=START - timedelta(minutes=30), end=LATER, actor=None) -> int:
    return absences.register_absence(eng, actor or username, username, start, end, "Ferie")


def register_inquiry(eng, account_id: int, by: str = MODERATOR) -> int:
    return services.start_process(eng, PROCESS, by, inquiry(account_id))


def open_task(eng, instance_id: int, element: str = "triage") -> dict:
    [task] = [
        t
        for t in services.show_instance(eng, instance_id)["tasks"]
        if t["element_id"] == element and t["status"] == "open"
    ]
    return task


def notified(eng, instance_id: int) -> list[tuple[str, str]]:
    with eng.reading() as session:
        rows = session.execute(
            select(OutboxMessage.template, OutboxMessage.recipient)
            .where(OutboxMessage.instance_id == instance_id, OutboxMessage.kind == "notification")
            .order_by(OutboxMessage.id)
        )
        return [tuple(row) for row in rows]


def events(eng, kind: str) -> list[AuditEvent]:
    with eng.reading() as session:
        found = session.scalars(
            select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.seq)
        ).all()
        session.expunge_all()
        return list(found)


# --- what an absence does to new tasks ---------------------------------------------------------


def test_G2b_absent_owner_new_task_goes_to_deputy(eng, clock, account_id):
    away(eng, OWNER)
    instance_id = register_inquiry(eng, account_id)

    triage = open_task(eng, instance_id)
    assert triage["assignee"] == DEPUTY
    assert triage["candidates"] == sorted([DEPUTY, MODERATOR])  # the owner is left out
    assert notified(eng, instance_id) == [("task_assigned_for_absence", DEPUTY)]
    assert services.list_human_tasks(eng, OWNER, PROCESS) == []
    assert [t["id"] for t in services.list_human_tasks(eng, DEPUTY, PROCESS)] == [triage["id"]]

    [event] = events(eng, "task_assigned_for_absence")
    assert (event.instance_id, event.task_id, event.actor) == (instance_id, triage["id"], MODERATOR)
    assert event.detail["absent"] == [OWNER] and event.detail["assignee"] == DEPUTY
    history = services.show_instance(eng, instance_id)["history"]
    assert "task_assigned_for_absence" in [e["kind"] for e in history]

    # The reply, ready while the owner is still away, goes the same way; the G2b deadline
    # reassignment still hands it to the deputy and tells everyone involved.
    services.complete_human_task(eng, triage["id"], DEPUTY, {"category": "question"})
    reply = open_task(eng, instance_id, "reply")
    assert reply["assignee"] == DEPUTY
    services.fire_due_timers(eng, DUE)
    reply = open_task(eng, instance_id, "reply")
    assert (reply["assignee"], reply["candidates"]) == (DEPUTY, [DEPUTY])
    assert ("task_reassigned_to_deputy", DEPUTY) in notified(eng, instance_id)
    clock.set(DUE + timedelta(hours=1))
    services.complete_human_task(
        eng, reply["id"], DEPUTY, {"tone": "factual", "reply_text": "Open dag er 12. januar."}
    )
    assert services.show_instance(eng, instance_id)["status"] == "completed"
    assert services.verify_audit(eng).ok


def test_absent_deputy_alone_left_gets_the_task_assigned(eng, account_id):
    away(eng, MODERATOR)  # with the owner away too, the deputy is the only one left
    away(eng, OWNER)
    instance_id = register_inquiry(eng, account_id, by=DEPUTY)
    triage = open_task(eng, instance_id)
    assert (triage["assignee"], triage["candidates"]) == (DEPUTY, [DEPUTY])
    [event] = events(eng, "task_assigned_for_absence")
    assert event.detail["absent"] == sorted([MODERATOR, OWNER])


def test_absent_moderator_is_left_out_and_not_notified(eng, account_id):
    away(eng, MODERATOR)
    instance_id = register_inquiry(eng, account_id, by=OWNER)
    triage = open_task(eng, instance_id)
    assert (triage["assignee"], triage["candidates"]) == (None, sorted([OWNER, DEPUTY]))
    assert sorted(notified(eng, instance_id)) == sorted(
        [("task_ready", OWNER), ("task_ready", DEPUTY)]
    )
    [event] = events(eng, "absent_candidates_left_out")
    assert event.detail["absent"] == [MODERATOR] and event.detail["assignee"] is None


def test_owner_and_deputy_away_the_present_moderator_answers(eng, account_id):
    away(eng, OWNER)
    away(eng, DEPUTY)
    instance_id = register_inquiry(eng, account_id)
    triage = open_task(eng, instance_id)
    assert (triage["assignee"], triage["candidates"]) == (None, [MODERATOR])


def test_everyone_away_the_task_stays_with_everyone_since_someone_must_answer(eng, account_id):
    for name in (OWNER, DEPUTY, MODERATOR):
        away(eng, name)
    instance_id = register_inquiry(eng, account_id)
    triage = open_task(eng, instance_id)
    assert (triage["assignee"], triage["candidates"]) == (None, sorted([OWNER, DEPUTY, MODERATOR]))
    assert len(notified(eng, instance_id)) == 3
    assert events(eng, "absent_candidates_left_out") == []


def test_cancelled_absence_has_no_effect(eng, clock, account_id):
    absence_id = away(eng, OWNER)
    clock.advance(timedelta(minutes=5))
    absences.cancel_absence(eng, OWNER, absence_id)
    absences.cancel_absence(eng, OWNER, absence_id)  # a second click changes nothing
    instance_id = register_inquiry(eng, account_id)
    triage = open_task(eng, instance_id)
    assert (triage["assignee"], triage["candidates"]) == (None, sorted([OWNER, DEPUTY, MODERATOR]))
    with eng.reading() as session:  # kept, marked cancelled: the history says who was away when
        assert session.get(Absence, absence_id).cancelled_at == clock.now()
    assert [e.detail["absence_id"] for e in events(eng, "absence_registered")] == [absence_id]
    assert [e.detail["absence_id"] for e in events(eng, "absence_cancelled")] == [absence_id]


def test_absence_outside_the_period_has_no_effect(eng, clock, account_id):
    away(eng, OWNER, start=START + timedelta(hours=1), end=START + timedelta(hours=3))
    instance_id = register_inquiry(eng, account_id)
    assert open_task(eng, instance_id)["assignee"] is None  # not yet away

    clock.advance(timedelta(hours=1))  # away from this moment: the reply goes to the deputy
    triage = open_task(eng, instance_id)
    services.complete_human_task(eng, triage["id"], MODERATOR, {"category": "question"})
    assert open_task(eng, instance_id, "reply")["assignee"] == DEPUTY

    clock.advance(timedelta(hours=2))  # back again (the end is exclusive)
    second = register_inquiry(eng, account_id)
    assert open_task(eng, second)["assignee"] is None
    assert OWNER in open_task(eng, second)["candidates"]


def test_absent_users_covers_start_to_end_exclusive(eng):
    start, end = START + timedelta(hours=1), START + timedelta(hours=5)
    away(eng, OWNER, start=start, end=end)
    away(eng, DEPUTY)
    with eng.reading() as session:
        names = {OWNER, DEPUTY, MODERATOR}
        assert absences.absent_users(session, names, START) == {DEPUTY}
        assert absences.absent_users(session, names, start) == {OWNER, DEPUTY}
        assert absences.absent_users(session, names, end) == {DEPUTY}
        assert absences.absent_users(session, set(), start) == set()


def test_changed_memberships_keep_absent_people_out_of_open_tasks(eng, account_id):
    away(eng, MODERATOR)
    instance_id = register_inquiry(eng, account_id, by=OWNER)
    # Any change of roles resolves every open task's candidates again.
    services.set_user_roles(eng, "tilsett1", ["comms"], "admin")
    assert open_task(eng, instance_id)["candidates"] == sorted([OWNER, DEPUTY])


# --- who may register for whom -----------------------------------------------------------------


def test_everyone_for_themselves_the_owner_for_the_team_admins_for_anyone(eng, account_id):
    away(eng, "laerar.molde")
    away(eng, DEPUTY, actor=OWNER)
    away(eng, MODERATOR, actor=OWNER)
    away(eng, OWNER, actor="admin")
    for actor, whom in [(DEPUTY, OWNER), (MODERATOR, DEPUTY), ("laerar.molde", OWNER)]:
        with pytest.raises(PermissionDenied) as refused:
            away(eng, whom, actor=actor)
        assert refused.value.code == "absence_not_yours"
    with pytest.raises(PermissionDenied) as refused:
        away(eng, "revisor")  # auditors change nothing, not even their own absence
    assert refused.value.code == "read_only"
    with pytest.raises(FormInvalid) as invalid:
        away(eng, "nobody", actor="admin")
    assert invalid.value.errors["username"][0] == "unknown_user"


def test_only_who_may_register_may_cancel(eng, account_id):
    absence_id = away(eng, DEPUTY)
    # A moderator does not see the deputy's absences: it is answered as a missing one (issue 14).
    with pytest.raises(NotFound):
        absences.cancel_absence(eng, MODERATOR, absence_id)
    absences.cancel_absence(eng, OWNER, absence_id)  # the account's owner may
    with pytest.raises(NotFound):
        absences.cancel_absence(eng, OWNER, 999_999)


def test_listing_shows_own_the_owners_team_and_everything_to_the_comms_section(eng, account_id):
    away(eng, DEPUTY)
    away(eng, "laerar.molde")
    away(eng, OWNER, start=START - timedelta(minutes=30), end=START + timedelta(minutes=10))
    ended = away(eng, MODERATOR, start=START, end=START + timedelta(minutes=5))

    def listed(actor: str) -> list[str]:
        return sorted(a.username for a in absences.list_absences(eng, actor))

    assert listed("laerar.molde") == ["laerar.molde"]
    assert listed(OWNER) == sorted([OWNER, DEPUTY, MODERATOR])
    assert listed(DEPUTY) == [DEPUTY]
    assert listed("komm1") == sorted([OWNER, DEPUTY, MODERATOR, "laerar.molde"])
    [own] = absences.list_absences(eng, DEPUTY)
    assert own.current and own.may_cancel and own.note == "Ferie"
    assert not any(a.may_cancel for a in absences.list_absences(eng, "revisor"))

    eng.clock.advance(timedelta(minutes=6))  # ended absences drop out of the list
    assert ended not in [a.id for a in absences.list_absences(eng, OWNER)]
    people = [p["username"] for p in absences.manageable_people(eng, OWNER)]
    assert people[0] == OWNER and sorted(people) == sorted([OWNER, DEPUTY, MODERATOR])
    assert [p["username"] for p in absences.manageable_people(eng, DEPUTY)] == [DEPUTY]


# --- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "field", "code"),
    [
        (
            START + timedelta(hours=2),
            START + timedelta(hours=1),
            "ends_at",
            "absence_end_before_start",
        ),
        (START, START, "ends_at", "absence_end_before_start"),
        (START - timedelta(hours=2), START + timedelta(days=1), "starts_at", "absence_in_past"),
        (START, START + timedelta(days=367), "ends_at", "absence_too_long"),
        (None, START + timedelta(days=1), "starts_at", "required"),
        (START, "", "ends_at", "required"),
        (START, "i morgon", "ends_at", "date_time"),
        (datetime(2026, 11, 24, 9, 0), START + timedelta(days=1), "starts_at", "date_time"),
    ],
)
def test_invalid_periods_are_refused_and_nothing_is_stored(eng, start, end, field, code):
    with pytest.raises(FormInvalid) as invalid:
        absences.register_absence(eng, OWNER, OWNER, start, end)
    assert invalid.value.errors[field][0] == code
    assert invalid.value.messages("nb")[field]  # every code has a text
    with eng.reading() as session:
        assert session.scalars(select(Absence)).all() == []


def test_a_start_a_little_in_the_past_and_text_moments_are_accepted(eng):
    absence_id = absences.register_absence(
        eng,
        OWNER,
        OWNER,
        (START - timedelta(minutes=59)).isoformat(),
        "2026-11-30T17:00:00+01:00",
        "  " + "x" * 10 + "  ",
    )
    with eng.reading() as session:
        stored = session.get(Absence, absence_id)
        assert stored.ends_at == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
        assert (stored.note, stored.created_by) == ("x" * 10, OWNER)
    with pytest.raises(FormInvalid) as invalid:
        absences.register_absence(eng, OWNER, OWNER, START, LATER, "x" * 201)
    assert invalid.value.errors["note"][0] == "max_length"
