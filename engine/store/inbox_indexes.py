"""The indexes the inbox reads (migration 0010), for the models' `__table_args__`.

Partial indexes of the open tasks only, a small share of `human_task` once it is old; the
inbox's queries say status = 'open' as a literal, so both planners can prove the predicate
(a bound parameter would hide it). The candidate table holds rows of open tasks only (those of
a closed task are deleted), so one index range of (username, task_id) is a person's offers.
"""

from __future__ import annotations

from sqlalchemy import Index, text

OPEN_TASK = "status = 'open'"
CLAIMED_TASK = "status = 'open' AND assignee IS NOT NULL"


def _partial(name: str, where: str, *columns: str) -> Index:
    """The same partial index on SQLite and PostgreSQL; process_id makes it cover the inbox."""
    return Index(
        name, *columns, "process_id", postgresql_where=text(where), sqlite_where=text(where)
    )


def open_task_indexes() -> tuple[Index, ...]:
    return (
        # an offered task, probed by id: open, unclaimed, its place in the order
        _partial("ix_human_task_open_lookup", OPEN_TASK, "id", "assignee", "created_at"),
        # the tasks a person has claimed, in the inbox's order
        _partial("ix_human_task_open_assignee", CLAIMED_TASK, "assignee", "created_at", "id"),
    )


def candidate_indexes() -> tuple[Index, ...]:
    return (Index("ix_human_task_candidate_user_task", "username", "task_id"),)
