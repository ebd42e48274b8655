"""Which cases a person may see: the rule the case pages and a form's case reference share."""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.orm import Session

from engine.store.models import AuditEvent, HumanTask, HumanTaskCandidate, ProcessInstance, User

# Roles that see every case: the comms section follows everything (G11), admins run the
# system and auditors check it.
SEES_ALL_CASES = frozenset({"comms", "admin", "auditor"})


def sees_all_cases(user: User) -> bool:
    return bool(user.role_names & SEES_ALL_CASES)


def took_part(username: str) -> ColumnElement[bool]:
    """Cases the user started, acted in (any audit event) or may act on now."""
    acted = exists().where(
        AuditEvent.instance_id == ProcessInstance.id, AuditEvent.actor == username
    )
    candidate = exists().where(
        HumanTaskCandidate.task_id == HumanTask.id,
        HumanTask.instance_id == ProcessInstance.id,
        HumanTaskCandidate.username == username,
    )
    assigned = exists().where(
        HumanTask.instance_id == ProcessInstance.id, HumanTask.assignee == username
    )
    return or_(ProcessInstance.started_by == username, acted, candidate, assigned)


def may_view_case(session: Session, user: User, instance_id: int) -> bool:
    """Whether the case exists and the user may open it."""
    if session.get(ProcessInstance, instance_id) is None:
        return False
    if sees_all_cases(user):
        return True
    return bool(
        session.scalar(
            select(func.count())
            .select_from(ProcessInstance)
            .where(ProcessInstance.id == instance_id, took_part(user.username))
        )
    )
