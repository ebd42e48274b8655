"""Who holds a human task: claim, release, delegate, and candidates after role changes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.bootstrap import Engine
from engine.bpmn import runtime, serialization
from engine.cases.permissions import acting_user, ensure_may_act, locked_open_task
from engine.delivery.notifications import add_notification, is_confidential, task_details
from engine.errors import (
    FormInvalid,
    PermissionDenied,
)
from engine.people.absence_routing import without_absent
from engine.people.absences import absent_users
from engine.people.lanes import ROLES, candidates_for, get_user
from engine.store import audit
from engine.store.models import (
    HumanTask,
    HumanTaskCandidate,
    ProcessDefinition,
    ProcessInstance,
    UserRole,
)


def claim_human_task(eng: Engine, task_id: str, username: str) -> None:
    _assign(eng, task_id, username, username, "task_claimed")


def release_human_task(eng: Engine, task_id: str, username: str) -> None:
    _assign(eng, task_id, username, None, "task_released")


def _assign(eng: Engine, task_id: str, username: str, assignee: str | None, kind: str) -> None:
    now = eng.clock.now()
    with eng.transaction() as session:
        actor = acting_user(session, username)
        task, instance = locked_open_task(session, task_id)
        # An admin may hand back a task someone took and then left (holiday, illness).
        if not (assignee is None and "admin" in actor.role_names):
            ensure_may_act(task, instance, actor)
        task.assignee = assignee
        audit.record(
            session,
            now,
            actor.username,
            kind,
            instance_id=task.instance_id,
            task_id=task.id,
            detail={"task": task.name},
        )


def delegate_human_task(eng: Engine, task_id: str, username: str, to: str) -> None:
    """Hand a task to another of its candidates (a colleague with time, or the deputy)."""
    now = eng.clock.now()
    with eng.transaction() as session:
        actor = acting_user(session, username)
        task, instance = locked_open_task(session, task_id)
        ensure_may_act(task, instance, actor)
        if to not in task.candidates:  # candidates never include the applicant of a decision
            raise FormInvalid({"to": ("not_candidate_delegate", {"value": to, "task": task.name})})
        task.assignee = to
        definition = session.get(ProcessDefinition, instance.definition_id)
        assert definition is not None  # the instance's foreign key
        data = runtime.task_data(
            serialization.load_state(eng.cache.get(definition), instance.state), task_id
        )
        add_notification(
            session,
            f"task_delegated:{task.id}:{to}:{now.isoformat()}",
            to,
            "task_delegated",
            instance,
            now,
            confidential=is_confidential(data),
            **task_details(task),
        )
        audit.record(
            session,
            now,
            actor.username,
            "task_delegated",
            instance_id=task.instance_id,
            task_id=task.id,
            detail={"task": task.name, "to": to},
        )


def set_user_roles(eng: Engine, username: str, roles: list[str], admin: str) -> list[str]:
    """Change a user's roles; open tasks get their candidates resolved again at once."""
    now = eng.clock.now()
    with eng.transaction() as session:
        acting = acting_user(session, admin)
        if "admin" not in acting.role_names:
            raise PermissionDenied("Berre administratorar kan endre roller.", "admin_only")
        if set(roles) - set(ROLES):
            raise FormInvalid({"roles": ("enum", {"choices": ", ".join(sorted(ROLES))})})
        user = get_user(session, username)
        before = sorted(user.role_names)
        user.roles = [UserRole(role=role) for role in sorted(set(roles))]
        session.flush()
        audit.record(
            session,
            now,
            admin,
            "roles_changed",
            detail={"username": username, "before": before, "after": sorted(set(roles))},
        )
        return refresh_candidates(session, now)


def refresh_candidates(session: Session, now: datetime) -> list[str]:
    """Resolve every open task's candidate rule again; returns the ids of tasks that changed.
    Who is away now stays left out, as when the task became ready
    (engine.people.absence_routing)."""
    changed = []
    open_tasks = session.scalars(
        select(HumanTask).where(HumanTask.status == "open").with_for_update()
    ).all()
    named: dict[str, set[str]] = {}
    for task in open_tasks:
        instance = session.get(ProcessInstance, task.instance_id)
        assert instance is not None  # the task's foreign key
        named[task.id] = candidates_for(task.candidate_rule, instance.started_by, session)
    away = absent_users(session, set().union(*named.values()), now)
    for task in open_tasks:
        wanted = without_absent(named[task.id], away)
        if wanted != set(task.candidates):
            task.candidate_rows = [HumanTaskCandidate(username=u) for u in sorted(wanted)]
            changed.append(task.id)
    return changed
