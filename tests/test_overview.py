"""Oversikt over kontoane: exact figures per account with a moved clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from engine.cases import services
from engine.errors import PermissionDenied
from engine.store.models import Account, ProcessDefinition, ProcessInstance
from tests.accounts import OWNER, approved_school_account
from tests.conftest import START
from tests.test_inquiry_handling import PROCESS, inquiry
from tests.test_reputation_escalation import ASSESSMENT
from tests.test_reputation_escalation import complete as step
from workflows.inquiry_handling import overview


def register(eng, account_id: int, received_hours_ago: float, **data) -> int:
    received = START - timedelta(hours=received_hours_ago)
    return services.start_process(
        eng, PROCESS, OWNER, inquiry(account_id, received_at=received.isoformat(), **data)
    )


def open_task(eng, instance_id: int, element: str) -> dict:
    [task] = [
        t
        for t in services.show_instance(eng, instance_id)["tasks"]
        if t["element_id"] == element and t["status"] == "open"
    ]
    return task


def complete(eng, instance_id: int, element: str, data: dict) -> None:
    task = open_task(eng, instance_id, element)
    services.complete_human_task(eng, task["id"], task["assignee"] or OWNER, data)


def answer(eng, instance_id: int) -> None:
    complete(eng, instance_id, "triage", {"category": "question"})
    complete(eng, instance_id, "reply", {"tone": "factual", "reply_text": "Sjå nettsida vår."})


def add_escalation(eng, account_id: int, status: str) -> None:
    """A finished reputation escalation about the account, written directly: the overview
    counts only running ones."""
    with eng.transaction() as session:
        definition = session.scalars(select(ProcessDefinition)).first()
        session.add(
            ProcessInstance(
                definition_id=definition.id,
                process_id=overview.ESCALATION,
                status=status,
                title="Omdømmesak",
                started_by="komm1",
                started_at=START,
                account_id=account_id,
                state="{}",
            )
        )


@pytest.fixture
def accounts(eng, clock) -> tuple[int, int]:
    """Two active accounts; the first with inquiries of every kind, the second with none."""
    busy = approved_school_account(eng)
    quiet = approved_school_account(
        eng,
        platform="facebook",
        account_name="alesundvgs_fb",
        justification="Foreldra nyttar Facebook, elevane Instagram; vi treng begge.",
    )
    in_time = register(eng, busy, 2)
    closed = register(eng, busy, 2, text="Eg var der i går.")
    late = register(eng, busy, 30)  # its deadline passed 6 hours before it was registered
    register(eng, busy, 26)  # open, deadline 2 hours ago: overdue
    register(eng, busy, 1)  # open, within its deadline: not counted yet
    old = register(eng, busy, 40 * 24)  # received before the 30-day window
    escalated = register(eng, busy, 2, text="Skandale!")
    add_escalation(eng, busy, "completed")

    clock.set(START + timedelta(hours=1))
    answer(eng, in_time)
    complete(eng, closed, "triage", {"category": "neutral"})
    complete(eng, closed, "neutral_review", {"answer": "close"})  # closing is an answer (G4)
    answer(eng, late)
    answer(eng, old)
    # No answer task: the inquiry waits for the escalation it started (G9).
    complete(eng, escalated, "triage", {"category": "reputation_critical"})
    clock.set(START + timedelta(hours=2))
    return busy, quiet


def test_figures_per_account(eng, accounts):
    busy, quiet = accounts
    rows = {row.account_id: row for row in overview.account_overview(eng, "komm1")}
    assert set(rows) == {busy, quiet}

    row = rows[busy]
    assert (row.account_name, row.platform) == ("alesundvgs", "instagram")
    assert row.open_inquiries == 3  # two unanswered, one waiting for its escalation
    assert row.overdue == 1
    # in time, closed in time, late, open past its deadline: 2 of 4
    assert (row.answered_in_time, row.answered_counted) == (2, 4)
    assert row.share_in_time == 50.0
    assert row.escalations == 1

    empty = rows[quiet]
    assert (empty.open_inquiries, empty.overdue, empty.escalations) == (0, 0, 0)
    assert empty.share_in_time is None  # shown as "–"


def test_the_window_and_the_deadline_move_with_the_clock(eng, clock, accounts):
    busy, _quiet = accounts
    clock.set(START + timedelta(hours=24))  # the inquiry received an hour before START is late
    [row] = [r for r in overview.account_overview(eng, "komm1") if r.account_id == busy]
    # Now past their deadline: the inquiry received an hour before START, and the escalated one
    # whose reply the comms section has not published yet (its assessment is overdue too).
    assert (row.overdue, row.answered_in_time, row.answered_counted) == (3, 2, 6)

    clock.set(START + timedelta(days=31))  # everything received on the first day is outside
    [row] = [r for r in overview.account_overview(eng, "komm1") if r.account_id == busy]
    assert (row.answered_counted, row.share_in_time) == (0, None)
    assert row.open_inquiries == 3  # still open, whatever the window


def test_closed_accounts_are_left_out(eng, accounts):
    busy, quiet = accounts
    with eng.transaction() as session:
        session.get(Account, quiet).status = "closed"
    assert [r.account_id for r in overview.account_overview(eng, "infosjef")] == [busy]


def test_a_handful_of_grouped_queries_whatever_the_number_of_accounts(eng, accounts):
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    event.listen(eng.db, "before_cursor_execute", count)
    try:
        overview.account_overview(eng, "komm1")
    finally:
        event.remove(eng.db, "before_cursor_execute", count)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 6, selects  # the user (+ roles), accounts, and three grouped counts


@pytest.mark.parametrize("reader", ["komm1", "infosjef", "admin", "revisor"])
def test_the_comms_section_admins_and_auditors_may_read_it(eng, reader):
    assert overview.account_overview(eng, reader) == []


@pytest.mark.parametrize("reader", [OWNER, "rektor.alesund", "fylkesdirektor"])
def test_others_may_not(eng, reader):
    with pytest.raises(PermissionDenied) as refused:
        overview.account_overview(eng, reader)
    assert refused.value.code == "overview_not_allowed"


def test_a_reply_published_through_an_escalation_answers_the_inquiry(eng, accounts):
    """G9: the comms section's published reply keeps (or breaks) the 24-hour promise."""
    busy, _quiet = accounts
    with eng.transaction() as session:
        escalation = session.scalar(
            select(ProcessInstance.id).where(
                ProcessInstance.process_id == overview.ESCALATION,
                ProcessInstance.status == "running",
            )
        )
    step(eng, escalation, "assess", "komm1", ASSESSMENT | {"handler": "komm2"})
    step(eng, escalation, "draft", "komm2", {"response_draft": "Vi beklagar."})
    step(eng, escalation, "approve", "infosjef", {"decision": "approve"})
    step(eng, escalation, "publish", OWNER, {"published_url": "https://instagram.com/p/1"})
    [row] = [r for r in overview.account_overview(eng, "komm1") if r.account_id == busy]
    # in time: the two before and the escalated one, published within its 24 hours
    assert (row.answered_in_time, row.answered_counted) == (3, 5)
    assert row.overdue == 1  # the open one past its deadline; the escalation's steps were not
    assert row.escalations == 1  # the lessons are still to be written
