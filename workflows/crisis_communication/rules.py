"""Kriskommunikasjon (E6): the rules its forms and service tasks name, and the hold it puts
on the accounts in crisis, which other processes' forms check.

While management leads a crisis, every page says so, and ordinary work on the accounts in
crisis (replies, post approvals) waits. The `crisis_mode` operator writes the hold into the
package's own table (models.CrisisHold); the audit events record that it did.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.bpmn.scripting import ServiceCall
from engine.errors import WorkflowFailed
from engine.extensions import Activity, Notice, Registry
from engine.forms.context import Errors, FormContext
from engine.store import audit
from engine.store.models import Account, ProcessInstance, User
from workflows.crisis_communication.models import CrisisHold

PROCESS = "crisis_communication"
MODE_ON, MODE_OFF = "crisis_mode_on", "crisis_mode_off"


@dataclass(frozen=True)
class ActiveCrisis:
    instance_id: int
    title: str
    since: datetime
    accounts: list[int] | None  # None: every official account
    title_facts: dict[str, Any] | None = None  # to name it in a reader's language (banner)


def active_crises(session: Session) -> list[ActiveCrisis]:
    """The crises in force now, oldest first."""
    holds = session.execute(
        select(CrisisHold, ProcessInstance.title_facts)
        .join(ProcessInstance, ProcessInstance.id == CrisisHold.instance_id)
        .where(CrisisHold.released_at.is_(None), ProcessInstance.status == "running")
        .order_by(CrisisHold.since, CrisisHold.instance_id)
    )
    return [ActiveCrisis(h.instance_id, h.title, h.since, h.accounts, f) for h, f in holds]


def crisis_holding(session: Session, account_id: int | None) -> ActiveCrisis | None:
    """The crisis that holds ordinary work on this account, if any."""
    for crisis in active_crises(session):
        if crisis.accounts is None or account_id in crisis.accounts:
            return crisis
    return None


def _banners(session: Session, user: User) -> list[Notice]:
    """E6: every signed-in page says that a crisis is in force."""
    return [
        Notice(
            "crisis_banner_all" if c.accounts is None else "crisis_banner_some",
            {"title": c.title, "since": c.since, "count": len(c.accounts or [])}
            | {"process_id": PROCESS, "title_facts": c.title_facts},
            c.instance_id,
            kind="crisis",
        )
        for c in active_crises(session)
    ]


def _held_accounts(session: Session, account_ids: list[int]) -> dict[int, list[Activity]]:
    crises = active_crises(session)
    return {
        account_id: [
            Activity("account_held_by_crisis", {"title": c.title}, c.instance_id)
            for c in crises
            if c.accounts is None or account_id in c.accounts
        ]
        for account_id in account_ids
    }


def _crisis_teams(session: Session, instance: ProcessInstance, data: dict[str, Any]) -> list[str]:
    return _account_teams(session, crisis_accounts(data))


def _crisis_accounts_chosen(data: dict[str, Any], ctx: FormContext) -> Errors:
    """E6: a crisis covers every official account, or the ones chosen."""
    if data.get("decision") == "decline" or data.get("all_accounts"):
        return {}
    if not data.get("crisis_accounts"):
        return {"crisis_accounts": ("crisis_accounts_required", {})}
    return {}


def _not_held_by_crisis(data: dict[str, Any], ctx: FormContext) -> Errors:
    """E6: while a crisis holds the account, its ordinary work waits (a form-wide error): a
    reply is not sent, a post not approved. Sending a post back stays possible."""
    if data.get("decision") not in (None, "approve"):
        return {}
    crisis = crisis_holding(ctx.session, data.get("account_id", ctx.data.get("account_id")))
    if crisis is not None:
        return {"crisis": ("held_by_crisis", {"title": crisis.title})}
    return {}


def _declared_by_management(data: dict[str, Any], ctx: FormContext) -> dict[str, Any]:
    """A crisis management declares needs no confirmation; a proposed one does (E6)."""
    return {"started_by_message": False}


def crisis_accounts(data: dict[str, Any]) -> list[int] | None:
    """The accounts a crisis covers: None for all of them (E6)."""
    if data.get("all_accounts", True):
        return None
    return sorted(int(a) for a in data.get("crisis_accounts") or [])


def _account_teams(session: Session, account_ids: list[int] | None) -> list[str]:
    """Owners, deputies and moderators of the given active accounts (None: all of them)."""
    query = select(Account).where(Account.status == "active")
    if account_ids is not None:
        query = query.where(Account.id.in_(account_ids))
    people: set[str] = set()
    for account in session.scalars(query):
        people |= {account.owner, account.deputy} | {m.username for m in account.moderators}
    return sorted(people)


def _crisis_mode(
    session: Session, instance: ProcessInstance, call: ServiceCall, actor: str, now: datetime
) -> None:
    """E6: the crisis's accounts are held ("on") or released ("off")."""
    state = str(call.params["state"])
    if state not in ("on", "off"):
        raise WorkflowFailed(f"crisis_mode state must be 'on' or 'off', not {state!r}")
    hold = session.get(CrisisHold, instance.id)
    if state == "on":
        if hold is None:
            hold = CrisisHold(instance_id=instance.id)
            session.add(hold)
        hold.title, hold.since, hold.released_at = instance.title, now, None
        hold.accounts = crisis_accounts(call.data)
    elif hold is not None and hold.released_at is None:
        hold.released_at = now
    audit.record(
        session,
        now,
        actor,
        MODE_ON if state == "on" else MODE_OFF,
        instance_id=instance.id,
        detail={"accounts": crisis_accounts(call.data)},
    )


def register(registry: Registry) -> None:
    registry.check("crisis_accounts_chosen", _crisis_accounts_chosen)
    registry.check("not_held_by_crisis", _not_held_by_crisis)
    registry.derive("declared_by_management", _declared_by_management)
    registry.operator("crisis_mode", _crisis_mode)
    registry.recipient("crisis_teams", _crisis_teams)
    registry.notice(_banners)
    registry.activity(_held_accounts)
