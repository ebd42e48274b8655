"""Crisis mode (E6): while management leads a crisis, every page says so, and ordinary work on
the accounts in crisis (post approvals, forum activity) is held.

A crisis is a running `crisis_communication` case between its `crisis_mode_on` and
`crisis_mode_off` audit events, written by the service operator `crisis_mode`. The events are
the record of the "pause all" and of its release, so no table of its own is needed; there are
only ever a handful of running crisis cases to look at.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.store.models import AuditEvent, ProcessInstance

PROCESS = "crisis_communication"
MODE_ON, MODE_OFF = "crisis_mode_on", "crisis_mode_off"


@dataclass(frozen=True)
class ActiveCrisis:
    instance_id: int
    title: str
    since: datetime
    accounts: list[int] | None  # None: every official account


def active_crises(session: Session) -> list[ActiveCrisis]:
    """The crises in force now, oldest first."""
    events = session.execute(
        select(AuditEvent.kind, AuditEvent.occurred_at, AuditEvent.detail, ProcessInstance)
        .join(ProcessInstance, ProcessInstance.id == AuditEvent.instance_id)
        .where(
            ProcessInstance.process_id == PROCESS,
            ProcessInstance.status == "running",
            AuditEvent.kind.in_((MODE_ON, MODE_OFF)),
        )
        .order_by(AuditEvent.seq)
    )
    latest: dict[int, tuple[str, datetime, dict[str, Any], ProcessInstance]] = {}
    for kind, at, detail, instance in events:
        latest[instance.id] = (kind, at, detail, instance)
    return [
        ActiveCrisis(instance.id, instance.title, at, detail.get("accounts"))
        for kind, at, detail, instance in latest.values()
        if kind == MODE_ON
    ]


def crisis_holding(session: Session, account_id: int | None) -> ActiveCrisis | None:
    """The crisis that holds ordinary work on this account, if any."""
    for crisis in active_crises(session):
        if crisis.accounts is None or account_id in crisis.accounts:
            return crisis
    return None
