"""What absences do to a human task's candidates (G2b), when it becomes ready and whenever its
candidates are resolved again.

- Candidates who are away are left out, and so not notified, as long as someone remains.
  If everyone the lane names is away, the task goes to all of them as usual: someone must
  answer, and an empty inbox would hide it.
- On an account's team lane (`account_team:<id>`), when the owner is away, or the deputy is
  the only one left, the task is assigned straight to the deputy. If the deputy is away too,
  nobody is assigned: whoever of the team is present gets it (or all of them, as above).
- Tasks already open when an absence is registered stay where they are (hand them over with
  "delegate"); the deadline reassignment of G2b still gives the reply to the deputy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from engine.people.absences import absent_users
from engine.store import audit
from engine.store.models import Account, HumanTask


@dataclass(frozen=True)
class Routing:
    candidates: set[str]
    assignee: str | None  # the deputy standing in for an absent owner, else None
    absent: list[str]  # who was left out because they are away


def without_absent(candidates: set[str], away: set[str]) -> set[str]:
    """The candidates who are present, or all of them if nobody is."""
    return (candidates - away) or candidates


def route_new_task(session: Session, rule: str, candidates: set[str], now: datetime) -> Routing:
    """Who gets a task that has just become ready, given who is away now."""
    away = absent_users(session, candidates, now)
    present = without_absent(candidates, away)
    left_out = sorted(candidates - present)
    if not left_out:
        return Routing(candidates, None, [])
    return Routing(present, _standing_in_deputy(session, rule, present, away), left_out)


def _standing_in_deputy(
    session: Session, rule: str, present: set[str], away: set[str]
) -> str | None:
    kind, _, value = rule.partition(":")
    if kind != "account_team" or not value.isdigit():
        return None
    account = session.get(Account, int(value))
    if account is None or account.deputy not in present:
        return None
    if account.owner in away or present == {account.deputy}:
        return account.deputy
    return None


def record_routing(
    session: Session, task: HumanTask, routing: Routing, actor: str, now: datetime
) -> None:
    """The history says who was away and who took the task instead."""
    if not routing.absent:
        return
    kind = "task_assigned_for_absence" if routing.assignee else "absent_candidates_left_out"
    audit.record(
        session,
        now,
        actor,
        kind,
        instance_id=task.instance_id,
        task_id=task.id,
        detail={
            "task": task.name,
            "absent": routing.absent,
            "assignee": routing.assignee,
            "candidates": sorted(routing.candidates),
        },
    )
