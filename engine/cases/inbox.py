"""Mine oppgåver for a million tasks: one page by keyset, where it stands and the total.

A person's open tasks are those offered to them (a candidate row, nobody has claimed the task)
and those they have claimed. Both halves are answered from indexes alone (migration 0010: the
person's candidate rows, and partial indexes that hold the open tasks only, a small share of
the table once it is old), found once per page for the page's keys and its counts; only the
page's 50 tasks are then read, and no candidate row or workflow is loaded. A page is found
from a cursor (the last or first task shown: its creation moment and id), so page 1000 costs
what page 1 costs and a task completed meanwhile shifts nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Subquery,
    and_,
    case,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from engine.bootstrap import Engine
from engine.errors import NotFound, SomeflytError
from engine.store.models import (
    HumanTask,
    HumanTaskCandidate,
    ProcessDefinition,
    ProcessInstance,
    User,
)

PAGE_SIZE = 50
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CURSOR = re.compile(r"(\d{1,18})\.([0-9A-Za-z-]{1,36})")


@dataclass(frozen=True)
class Cursor:
    """A task's place in the inbox's order: (created_at, id), which is unique and stable."""

    created_at: datetime
    task_id: str

    def encode(self) -> str:
        micros = (self.created_at - _EPOCH) // timedelta(microseconds=1)
        return f"{micros}.{self.task_id}"

    @classmethod
    def decode(cls, text: str) -> Cursor:
        found = _CURSOR.fullmatch(text)
        if found is None:
            raise _bad_link()
        try:
            moment = _EPOCH + timedelta(microseconds=int(found.group(1)))
        except OverflowError:
            raise _bad_link() from None
        return cls(moment, found.group(2))


@dataclass(frozen=True)
class InboxPage:
    """One page of a person's open tasks, oldest first.

    `first`..`last` (1-based) of `total` is where the page stands in the process filter
    (0..0 of 0 when nothing waits); `everything` counts the tasks of every process (the
    header's count); `processes` lists (process id, name) of every process with a task of
    theirs, for the filter. The cursors open the next and the previous page, if there is one.
    """

    tasks: list[dict[str, Any]]
    first: int
    last: int
    total: int
    everything: int
    processes: list[tuple[str, str]]
    next_after: str | None
    previous_before: str | None


def inbox_page(
    eng: Engine,
    username: str,
    process_id: str | None = None,
    *,
    after: str | None = None,
    before: str | None = None,
    size: int = PAGE_SIZE,
) -> InboxPage:
    """The page after the cursor `after` (or before `before`); the first page without one."""
    if after and before:
        raise _bad_link()
    start = Cursor.decode(after or before or "") if after or before else None
    forward = not before
    with eng.reading() as session:
        keys, counts = _keys_and_counts(session, username, process_id, start, forward, size)
        if start is not None and (not keys or (not forward and len(keys) < size)):
            # The list changed under the link (tasks were done meanwhile): start from the top.
            start, forward = None, True
            keys, counts = _keys_and_counts(session, username, process_id, None, True, size)
        if not counts:  # rows come for an active person only: is it one without tasks?
            _check_user(session, username)
        rows = _details(session, [key.id for key in keys])
    chosen = [c for pid, c in counts.items() if not process_id or pid == process_id]
    total = sum(c.tasks for c in chosen)
    # Where the page starts: the tasks up to an `after` cursor come before it; of those
    # before a `before` cursor, all but the page's own.
    earlier = 0 if start is None else sum(c.upto for c in chosen) - (0 if forward else len(rows))
    last = earlier + len(rows)
    return InboxPage(
        tasks=[_as_dict(row) for row in rows],
        first=earlier + 1 if rows else 0,
        last=last,
        total=total,
        everything=sum(c.tasks for c in counts.values()),
        processes=[(pid, counts[pid].name or pid) for pid in sorted(counts)],
        next_after=_cursor(rows[-1]).encode() if rows and last < total else None,
        previous_before=_cursor(rows[0]).encode() if rows and earlier else None,
    )


def count_human_tasks(eng: Engine, username: str) -> int:
    """How many open tasks the person may act on (the header's count): one count query."""
    with eng.reading() as session:
        mine = _mine(username, None)
        return session.scalar(select(func.count()).select_from(mine)) or 0


# --- the queries ---------------------------------------------------------------------------------

# A literal, not a bound parameter: the partial indexes' predicate must be provable from the
# query's text (SQLite's planner and PostgreSQL's generic plans cannot see a parameter's value).
_OPEN = HumanTask.status == literal_column("'open'")

_COLUMNS = (
    HumanTask.id,
    HumanTask.instance_id,
    HumanTask.process_id,
    HumanTask.element_id,
    HumanTask.name,
    HumanTask.lane,
    HumanTask.assignee,
    HumanTask.status,
    HumanTask.created_at,
    HumanTask.created_by,
    HumanTask.due_at,
    ProcessInstance.title,
    ProcessInstance.title_facts,
    ProcessDefinition.name.label("process_name"),
)


def _mine(username: str, process_id: str | None, *, active: bool = False) -> Subquery:
    """(id, created_at, process_id) of the person's open tasks: offered ∪ claimed (disjoint);
    with `active`, none unless the person is an active user."""
    offered = (
        select(HumanTask.id, HumanTask.created_at, HumanTask.process_id)
        .join(HumanTaskCandidate, HumanTaskCandidate.task_id == HumanTask.id)
        .where(HumanTaskCandidate.username == username, _OPEN, HumanTask.assignee.is_(None))
    )
    claimed = select(HumanTask.id, HumanTask.created_at, HumanTask.process_id).where(
        _OPEN, HumanTask.assignee == username
    )
    if process_id:
        offered = offered.where(HumanTask.process_id == process_id)
        claimed = claimed.where(HumanTask.process_id == process_id)
    if active:
        person = select(User.username).where(User.username == username, User.active).exists()
        offered, claimed = offered.where(person), claimed.where(person)
    return union_all(offered, claimed).subquery("mine")


def _beyond(mine: Any, start: Cursor, forward: bool) -> ColumnElement[bool]:
    """After (or before) the cursor in the order (created_at, id)."""
    created_at, task_id = mine.c.created_at, mine.c.id
    if forward:
        return or_(
            created_at > start.created_at,
            and_(created_at == start.created_at, task_id > start.task_id),
        )
    return or_(
        created_at < start.created_at,
        and_(created_at == start.created_at, task_id < start.task_id),
    )


@dataclass(frozen=True)
class _Key:
    id: str
    created_at: datetime


@dataclass(frozen=True)
class _Count:
    tasks: int
    upto: int  # of them up to an `after` cursor (or before a `before` one)
    name: str | None  # the process's name in its newest deployed version


def _keys_and_counts(
    session: Session,
    username: str,
    process_id: str | None,
    start: Cursor | None,
    forward: bool,
    size: int,
) -> tuple[list[_Key], dict[str, _Count]]:
    """The page's tasks (their keys) and, per process, the counts: one statement, so the
    person's tasks are found once (a CTE that both halves read) however many there are."""
    mine = _mine(username, None, active=True).element.cte("mine")
    keys = select(mine.c.id, mine.c.created_at)
    if process_id:
        keys = keys.where(mine.c.process_id == process_id)
    if start is not None:
        keys = keys.where(_beyond(mine, start, forward))
    order = (mine.c.created_at, mine.c.id)
    keys = keys.order_by(*(order if forward else (c.desc() for c in order))).limit(size)
    page = keys.subquery("page")
    if start is None:
        upto: ColumnElement[Any] = literal_column("0")
    else:  # after: those not beyond the cursor; before: those before it
        counted = ~_beyond(mine, start, True) if forward else _beyond(mine, start, False)
        upto = func.sum(case((counted, 1), else_=0))
    name = (
        select(ProcessDefinition.name)
        .where(ProcessDefinition.process_id == mine.c.process_id)
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
        .scalar_subquery()
    )
    query = union_all(
        select(
            literal_column("'task'").label("kind"),
            page.c.id,
            page.c.created_at,
            null().label("process_id"),
            null().label("tasks"),
            null().label("upto"),
            null().label("name"),
        ),
        select(
            literal_column("'count'"),
            null(),
            null(),
            mine.c.process_id,
            func.count(),
            upto,
            name,
        ).group_by(mine.c.process_id),
    )
    found: list[_Key] = []
    counts: dict[str, _Count] = {}
    for kind, task_id, created_at, pid, tasks, counted_upto, label in session.execute(query):
        if kind == "task":
            found.append(_Key(task_id, created_at))
        else:
            counts[pid] = _Count(int(tasks), int(counted_upto or 0), label)
    found.sort(key=lambda key: (key.created_at, key.id))
    return found, counts


def _details(session: Session, task_ids: list[str]) -> list[Any]:
    """What the inbox shows of the page's tasks, their cases and processes (a key lookup
    each), in the inbox's order."""
    if not task_ids:
        return []
    query = (
        select(*_COLUMNS)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .where(HumanTask.id.in_(task_ids))
        .order_by(HumanTask.created_at, HumanTask.id)
    )
    return list(session.execute(query))


def _check_user(session: Session, username: str) -> None:
    """As get_user, in one light statement: an unknown or inactive person has no inbox."""
    if not session.scalar(select(User.active).where(User.username == username)):
        raise NotFound(f"Ukjend eller inaktiv brukar: {username}", "unknown_user", value=username)


def _cursor(row: Any) -> Cursor:
    return Cursor(row.created_at, row.id)


def _as_dict(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "instance_id": row.instance_id,
        "process_id": row.process_id,
        "name": row.name,
        "element_id": row.element_id,
        "lane": row.lane,
        "assignee": row.assignee,
        "status": row.status,
        "created_at": row.created_at.isoformat(),
        "created_by": row.created_by,
        "due_at": row.due_at.isoformat() if row.due_at else None,
        "case_title": row.title,
        "case_title_facts": row.title_facts,
        "process_name": row.process_name,
    }


def _bad_link() -> SomeflytError:
    return SomeflytError(
        "Lenkja til denne sida av oppgåvelista er ugyldig. Start frå første side.",
        "bad_inbox_page_link",
    )
