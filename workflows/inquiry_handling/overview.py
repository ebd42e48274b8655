"""Oversikt over kontoane: the comms section's view of how each active account is answered.

Per active account:

- open inquiries: running `inquiry_handling` cases;
- overdue: of those, the cases with an open human task past its due time, their own or in
  the reputation escalation they wait for;
- answered within 24 hours, over the inquiries received in the last 30 days: the share whose
  answering task (`reply`, or `neutral_review` — where closing without a reply is also an
  answer, G4) was completed by the inquiry's deadline. The deadline is the triage task's
  due time, i.e. received_at + 24 h (G2a), and "received" is that deadline less 24 h. Counted
  are the inquiries answered (in time or late) and those not answered whose deadline has
  passed while still running. An inquiry escalated to the comms section (G9) is answered when
  its escalation's reply is published; one that ended in a crisis, and those still within
  their deadline, are left out. With nothing counted the share is None (shown as "–");
- escalations in progress: running `reputation_escalation` cases about the account.

Five grouped queries whatever the number of accounts; no workflow is deserialized.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from engine.errors import PermissionDenied
from engine.people.lanes import get_user
from engine.store.models import Account, HumanTask, ProcessInstance, Unit

if TYPE_CHECKING:
    from engine.bootstrap import Engine

INQUIRY = "inquiry_handling"
ESCALATION = "reputation_escalation"
DEADLINE_TASK = "triage"  # the first task of every inquiry; due received_at + 24 h (G2a)
ANSWER_TASKS = ("reply", "neutral_review")
PUBLISH_TASK = "publish"  # an escalation's published reply answers its inquiry (G9)
ANSWER_WITHIN = timedelta(hours=24)  # G2a, the diagram's dueIn
WINDOW = timedelta(days=30)
# Who reads the overview: the comms section and its head follow every account (G9, G11),
# admins run the system and auditors check it (read-only, like everything they see).
OVERVIEW_ROLES = frozenset({"comms", "head_of_information", "admin", "auditor"})


@dataclass(frozen=True)
class AccountOverview:
    account_id: int
    account_name: str
    platform: str
    unit_name: str
    open_inquiries: int
    overdue: int
    answered_in_time: int
    answered_counted: int  # the denominator of the share (see the module docstring)
    escalations: int

    @property
    def share_in_time(self) -> float | None:
        """Per cent answered within 24 hours, or None without anything to count."""
        if not self.answered_counted:
            return None
        return 100 * self.answered_in_time / self.answered_counted


def may_see_overview(roles: set[str] | frozenset[str]) -> bool:
    return bool(set(roles) & OVERVIEW_ROLES)


def account_overview(eng: Engine, username: str) -> list[AccountOverview]:
    now = eng.clock.now()
    with eng.reading() as session:
        if not may_see_overview(get_user(session, username).role_names):
            raise PermissionDenied(
                "Oversikta over kontoane er for kommunikasjonsseksjonen.", "overview_not_allowed"
            )
        accounts = session.execute(
            select(Account.id, Account.account_name, Account.platform, Unit.name)
            .join(Unit, Unit.id == Account.unit_id)
            .where(Account.status == "active")
            .order_by(Unit.name, Account.platform, Account.account_name, Account.id)
        ).all()
        running = _running_per_account(session)
        overdue = _overdue_per_account(session, now)
        answered = _answered_per_account(session, now)
        return [
            AccountOverview(
                account_id=account_id,
                account_name=name,
                platform=platform,
                unit_name=unit_name,
                open_inquiries=running.get((account_id, INQUIRY), 0),
                overdue=overdue.get(account_id, 0),
                answered_in_time=answered.get(account_id, (0, 0))[0],
                answered_counted=answered.get(account_id, (0, 0))[1],
                escalations=running.get((account_id, ESCALATION), 0),
            )
            for account_id, name, platform, unit_name in accounts
        ]


def _running_per_account(session: Session) -> dict[tuple[int, str], int]:
    """Running inquiries and escalations, by account and process."""
    rows = session.execute(
        select(ProcessInstance.account_id, ProcessInstance.process_id, func.count())
        .where(
            ProcessInstance.status == "running",
            ProcessInstance.process_id.in_((INQUIRY, ESCALATION)),
            ProcessInstance.account_id.is_not(None),
        )
        .group_by(ProcessInstance.account_id, ProcessInstance.process_id)
    )
    return {(account_id, process_id): count for account_id, process_id, count in rows}


def _overdue_per_account(session: Session, now: datetime) -> dict[int, int]:
    """Running inquiries with an open task past its due time, their own or in the reputation
    escalation they wait for (G9)."""
    inquiry = func.coalesce(ProcessInstance.parent_id, ProcessInstance.id)
    rows = session.execute(
        select(ProcessInstance.account_id, func.count(func.distinct(inquiry)))
        .join(HumanTask, HumanTask.instance_id == ProcessInstance.id)
        .where(
            ProcessInstance.status == "running",
            or_(
                ProcessInstance.process_id == INQUIRY,
                and_(
                    ProcessInstance.process_id == ESCALATION,
                    ProcessInstance.parent_id.is_not(None),
                ),
            ),
            ProcessInstance.account_id.is_not(None),
            HumanTask.status == "open",
            HumanTask.due_at < now,
        )
        .group_by(ProcessInstance.account_id)
    )
    return {account_id: count for account_id, count in rows}


def _answered_per_account(session: Session, now: datetime) -> dict[int, tuple[int, int]]:
    """(answered in time, counted) per account over the inquiries received in the window."""
    deadline = (
        select(HumanTask.instance_id, func.min(HumanTask.due_at).label("due"))
        .where(HumanTask.process_id == INQUIRY, HumanTask.element_id == DEADLINE_TASK)
        .group_by(HumanTask.instance_id)
        .subquery()
    )
    # The answer is the inquiry's own reply, or the reply its reputation escalation published.
    answered_inquiry = func.coalesce(ProcessInstance.parent_id, HumanTask.instance_id)
    answer = (
        select(answered_inquiry.label("instance_id"), func.min(HumanTask.completed_at).label("at"))
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(
            or_(
                and_(HumanTask.process_id == INQUIRY, HumanTask.element_id.in_(ANSWER_TASKS)),
                and_(HumanTask.process_id == ESCALATION, HumanTask.element_id == PUBLISH_TASK),
            ),
            HumanTask.status == "completed",
        )
        .group_by(answered_inquiry)
        .subquery()
    )
    # received_at in [now - 30 days, now]  ⇔  deadline in [now - 30 days + 24 h, now + 24 h]
    received_from, received_to = now - WINDOW + ANSWER_WITHIN, now + ANSWER_WITHIN
    answered = answer.c.at.is_not(None)
    counted = answered | and_(ProcessInstance.status == "running", deadline.c.due < now)
    in_time = and_(answered, answer.c.at <= deadline.c.due)
    rows = session.execute(
        select(
            ProcessInstance.account_id,
            func.sum(case((in_time, 1), else_=0)),
            func.sum(case((counted, 1), else_=0)),
        )
        .join(deadline, deadline.c.instance_id == ProcessInstance.id)
        .outerjoin(answer, answer.c.instance_id == ProcessInstance.id)
        .where(
            ProcessInstance.process_id == INQUIRY,
            ProcessInstance.account_id.is_not(None),
            deadline.c.due >= received_from,
            deadline.c.due <= received_to,
        )
        .group_by(ProcessInstance.account_id)
    )
    return {account_id: (int(good or 0), int(total or 0)) for account_id, good, total in rows}
