"""The inbox a page at a time (engine.services.inbox_page): keyset pages in a stable order,
where a page stands and the total, only the person's own open tasks, the header's count, and
the indexes of open tasks (0010) that make it cheap; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, text, update

from engine.cases import services
from engine.cases.inbox import Cursor, inbox_page
from engine.errors import NotFound, SomeflytError
from engine.store.models import HumanTask, User
from tests.conftest import START
from tests.inbox_support import a_case, add_tasks
from tests.web.conftest import deploy_second_process

COMMS = ["infosjef", "komm1", "komm2"]


def ids(page) -> list[str]:
    return [t["id"] for t in page.tasks]


def walk(eng, username, size, process_id=None) -> list[services.InboxPage]:
    """Every page from the first by its next links."""
    pages = [inbox_page(eng, username, process_id, size=size)]
    while pages[-1].next_after:
        pages.append(inbox_page(eng, username, process_id, after=pages[-1].next_after, size=size))
        assert len(pages) < 100
    return pages


@pytest.mark.parametrize("count", [0, 1, 3, 4, 6, 7])
def test_pages_split_the_list_at_the_page_size_with_place_and_total(eng, count):
    case = a_case(eng)
    made = sorted(add_tasks(eng, case, count, COMMS))
    pages = walk(eng, "komm1", size=3)
    assert [ids(p) for p in pages] == [
        [task_id for _, task_id in made[n : n + 3]] for n in range(0, max(count, 1), 3)
    ]
    for number, page in enumerate(pages):
        assert page.total == page.everything == count
        expected_first = number * 3 + 1 if count else 0
        assert (page.first, page.last) == (expected_first, min(count, number * 3 + 3))
        assert (page.previous_before is None) == (number == 0)
        assert (page.next_after is None) == (number == len(pages) - 1)
    # ... and back again by the previous links: the same pages
    back = [pages[-1]]
    while back[-1].previous_before:
        back.append(inbox_page(eng, "komm1", before=back[-1].previous_before, size=3))
    assert [ids(p) for p in reversed(back)] == [ids(p) for p in pages]
    assert [(p.first, p.last) for p in reversed(back)] == [(p.first, p.last) for p in pages]


def test_the_order_is_oldest_first_and_stable_when_tasks_share_their_moment(eng):
    case = a_case(eng)
    same = add_tasks(eng, case, 7, COMMS, first=START + timedelta(hours=1), step=timedelta(0))
    older = add_tasks(eng, case, 2, COMMS, first=START)
    expected = [task_id for _, task_id in sorted(older + same)]
    for size in (1, 2, 3, 50):
        pages = walk(eng, "komm1", size)
        assert [i for p in pages for i in ids(p)] == expected, size
    # the same page twice is the same page
    page = inbox_page(eng, "komm1", size=4)
    assert ids(inbox_page(eng, "komm1", after=page.next_after, size=4)) == expected[4:8]
    assert ids(inbox_page(eng, "komm1", after=page.next_after, size=4)) == expected[4:8]


def test_a_task_done_meanwhile_shifts_no_other_off_the_next_page(eng):
    case = a_case(eng)
    made = [task_id for _, task_id in sorted(add_tasks(eng, case, 6, COMMS))]
    first = inbox_page(eng, "komm1", size=3)
    with eng.transaction() as session:  # someone completes a task of the first page
        session.execute(update(HumanTask).where(HumanTask.id == made[0]).values(status="completed"))
    second = inbox_page(eng, "komm1", after=first.next_after, size=3)
    assert ids(second) == made[3:6]
    assert (second.first, second.last, second.total) == (3, 5, 5)
    # a link whose task is gone still finds its place; one past the end shows the first page
    assert ids(inbox_page(eng, "komm1", after=Cursor(START, made[0]).encode(), size=3)) == made[1:4]
    beyond = Cursor(START + timedelta(days=999), "f" * 36).encode()
    assert ids(inbox_page(eng, "komm1", after=beyond, size=3)) == made[1:4]


def test_the_total_counts_the_filter_and_everything_counts_all(eng, tmp_path):
    other = deploy_second_process(eng, tmp_path)
    copy_case = a_case(eng, other, account_name="kopi")
    add_tasks(eng, a_case(eng), 4, COMMS)
    add_tasks(eng, copy_case, 3, COMMS, first=START - timedelta(days=1))
    page = inbox_page(eng, "komm1", size=2)
    assert (page.total, page.everything) == (7, 7)
    assert page.processes == [
        ("account_application", "Søknad om offisiell konto"),
        (other, "Kopi: søknad om konto"),
    ]
    only = walk(eng, "komm1", 2, process_id=other)
    assert [(p.first, p.last, p.total, p.everything) for p in only] == [(1, 2, 3, 7), (3, 3, 3, 7)]
    assert {t["process_id"] for p in only for t in p.tasks} == {other}
    assert only[0].processes == page.processes  # the filter still offers every process
    nothing = inbox_page(eng, "komm1", "no_such_process")
    assert (nothing.tasks, nothing.total, nothing.everything) == ([], 0, 7)


def test_another_persons_tasks_are_never_listed(eng):
    case = a_case(eng)
    offered = {i for _, i in add_tasks(eng, case, 2, COMMS)}
    claimed = {i for _, i in add_tasks(eng, case, 1, ["laerar.alesund"], assignee="komm1")}
    mine = offered | claimed
    others = {i for _, i in add_tasks(eng, case, 2, ["infosjef", "komm2"])}  # not offered to komm1
    taken = {i for _, i in add_tasks(eng, case, 2, COMMS, assignee="komm2")}  # komm2 claimed them
    for status in ("completed", "cancelled"):  # closed, even with a (stale) candidate row
        add_tasks(eng, case, 1, COMMS, status=status)
        add_tasks(eng, case, 1, ["komm2"], assignee="komm1", status=status)
    page = inbox_page(eng, "komm1")
    assert set(ids(page)) == mine
    assert (page.total, page.everything) == (3, 3)
    assert services.count_human_tasks(eng, "komm1") == 3
    assert {t["id"] for t in services.list_human_tasks(eng, "komm1")} == mine
    assert set(ids(inbox_page(eng, "komm2"))) == offered | others | taken
    assert inbox_page(eng, "tilsett1").total == 0


def test_the_header_count_is_the_inbox_total_in_every_state(eng):
    case = a_case(eng)
    [(_, claimed)] = add_tasks(eng, case, 1, COMMS)
    add_tasks(eng, case, 2, COMMS)
    for username in ("komm1", "komm2", "rektor.alesund", "tilsett1"):
        assert services.count_human_tasks(eng, username) == len(
            services.list_human_tasks(eng, username)
        )
    services.claim_human_task(eng, claimed, "komm1")
    assert [services.count_human_tasks(eng, u) for u in ("komm1", "komm2")] == [3, 2]
    assert inbox_page(eng, "komm2").everything == 2


def test_the_page_loads_no_candidate_rows_and_sends_two_statements(eng):
    """Two statements whatever the number of tasks: the page's keys with the counts and the
    processes' names (the person's tasks found once), then what the page shows of them; no
    candidate list per task, no lazy loads."""
    add_tasks(eng, a_case(eng), 30, COMMS)
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(eng.db, "before_cursor_execute", note)
    try:
        page = inbox_page(eng, "komm1", size=25)
    finally:
        event.remove(eng.db, "before_cursor_execute", note)
    assert len(page.tasks) == 25 and "candidates" not in page.tasks[0]
    selects = [s for s in seen if s.lstrip().upper().startswith(("SELECT", "WITH"))]
    assert len(selects) == 2, selects
    assert all("human_task_candidate.username AS" not in s for s in selects)
    assert selects[0].count("FROM human_task JOIN human_task_candidate") == 1  # found once


@pytest.mark.parametrize(
    "link",
    ["x", "1.", ".abc", "12345678901234567890.abc", "1.a b", "1." + "a" * 37, "-5.abc", "1.ab/"],
)
def test_a_broken_page_link_is_refused_with_a_clear_message(eng, link):
    with pytest.raises(SomeflytError) as caught:
        inbox_page(eng, "komm1", after=link)
    assert caught.value.status == 400 and caught.value.code == "bad_inbox_page_link"
    assert caught.value.localized("en").startswith("The link to this page of the task list")
    with pytest.raises(SomeflytError):
        inbox_page(eng, "komm1", before=link)


def test_both_directions_at_once_is_refused(eng):
    cursor = Cursor(START, "a").encode()
    with pytest.raises(SomeflytError) as caught:
        inbox_page(eng, "komm1", after=cursor, before=cursor)
    assert caught.value.code == "bad_inbox_page_link"


def test_a_cursor_keeps_the_moment_to_the_microsecond():
    moment = START + timedelta(microseconds=123457)
    assert Cursor.decode(Cursor(moment, "abc-1").encode()) == Cursor(moment, "abc-1")


def test_an_unknown_or_inactive_person_has_no_inbox(eng):
    add_tasks(eng, a_case(eng), 2, COMMS)
    with pytest.raises(NotFound):
        inbox_page(eng, "ingen.slik")
    with eng.transaction() as session:
        session.execute(update(User).where(User.username == "komm1").values(active=False))
    with pytest.raises(NotFound):
        inbox_page(eng, "komm1")


def test_the_open_task_indexes_serve_the_inbox_queries(eng):
    """The queries say status = 'open' as a literal, so a planner can prove the partial
    indexes' predicate (a bound parameter would hide it). PostgreSQL's plans are checked with
    sequential scans off, as the tables here are tiny; SQLite's planner, without statistics,
    walks the older (status, instance_id) index, which is as good on a small database."""
    add_tasks(eng, a_case(eng), 5, COMMS)
    captured: list[tuple[str, object]] = []

    def note(_conn, _cursor, statement, parameters, *_args) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            captured.append((statement, parameters))

    event.listen(eng.db, "before_cursor_execute", note)
    try:
        inbox_page(eng, "komm1")
        services.count_human_tasks(eng, "komm1")
    finally:
        event.remove(eng.db, "before_cursor_execute", note)
    assert len(captured) == 3  # the page's keys and counts, its details, the header's count
    searching = [captured[0], captured[2]]
    for statement, _ in searching:
        assert statement.count("human_task.status = 'open'") == 2, statement
    if eng.db.dialect.name != "postgresql":
        return
    raw = eng.db.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SET LOCAL enable_seqscan = off")
        plans = []
        for statement, parameters in searching:
            cursor.execute("EXPLAIN " + statement, parameters)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
        raw.rollback()
    finally:
        raw.close()
    for plan in plans:
        assert "ix_human_task_candidate_user_task" in plan, plan
        assert "ix_human_task_open_lookup" in plan, plan
        assert "ix_human_task_open_assignee" in plan, plan


def test_the_migration_made_partial_indexes(eng):
    with eng.db.connect() as connection:
        if eng.db.dialect.name == "postgresql":
            rows = connection.execute(
                text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'human_task'")
            )
        else:
            rows = connection.execute(
                text("SELECT name, sql FROM sqlite_master WHERE tbl_name = 'human_task'")
            )
        found = {name: definition for name, definition in rows}
    assert "WHERE" in found["ix_human_task_open_lookup"]
    assert "open" in found["ix_human_task_open_lookup"]
    assert "assignee IS NOT NULL" in found["ix_human_task_open_assignee"]
