"""Who may act on a human task, and the person a use case acts for."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import (
    NotFound,
    PermissionDenied,
    TaskAlreadyCompleted,
)
from engine.people.lanes import get_user, includes_starter, is_read_only
from engine.store.models import (
    HumanTask,
    ProcessInstance,
    User,
)

SYSTEM = "system"


def acting_user(session: Session, username: str) -> User:
    user = get_user(session, username)
    if is_read_only(user):
        raise PermissionDenied("Revisorar kan lese alt, men ikkje endre noko.", "read_only")
    return user


def locked_open_task(session: Session, task_id: str) -> tuple[HumanTask, ProcessInstance]:
    """Lock the instance, then the task: the order every writer uses (timers lock instances),
    so two transactions never wait on each other in a cycle."""
    instance_id = session.scalar(select(HumanTask.instance_id).where(HumanTask.id == task_id))
    if instance_id is None:
        raise NotFound(f"Ukjend oppgåve: {task_id}", "unknown_task")
    instance = session.scalar(
        select(ProcessInstance).where(ProcessInstance.id == instance_id).with_for_update()
    )
    task = session.scalar(select(HumanTask).where(HumanTask.id == task_id).with_for_update())
    # Found just above, and neither row is ever deleted; the instance is the task's foreign key.
    assert instance is not None and task is not None
    if task.status != "open":
        raise TaskAlreadyCompleted(task.name, task.completed_by)
    return task, instance


def ensure_may_act(task: HumanTask, instance: ProcessInstance, actor: User) -> None:
    refusal = why_may_not_act(task, instance, actor)
    if refusal:
        raise refusal


def why_may_not_act(
    task: HumanTask, instance: ProcessInstance, actor: User
) -> PermissionDenied | None:
    """Why `actor` may not act on an open task, or None if they may."""
    if actor.username == instance.started_by and not includes_starter(
        task.candidate_rule, instance.started_by
    ):
        return PermissionDenied("Du kan ikkje avgjere di eiga sak.", "own_case")
    if task.assignee and task.assignee != actor.username:
        return PermissionDenied(
            f"Oppgåva er teken av {task.assignee}.", "task_taken", assignee=task.assignee
        )
    if actor.username not in task.candidates and task.assignee != actor.username:
        return PermissionDenied(
            f"Du kan ikkje utføre oppgåva «{task.name}».", "not_candidate", task=task.name
        )
    return None
