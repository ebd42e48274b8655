"""Avvikle ein offisiell konto (A1: few but clear accounts): the rules its forms, service task
and notification name, and the mark a closure under way puts on its account.

Who may ask: the account's owner, the principal of the school that owns it, or the comms
section. The approver is the one the account-routing table names (lane "Godkjennar", from
workflows/account_application), never the person who asked. Nothing that keeps the account
busy (`Registry.activities`: an open inquiry, a crisis hold, a forum pause, as the packages
that run them report it) may be running when the closure is asked for, approved or carried
out. The `close_account` operator closes the account in the registry and revokes its
connector tokens, each audited.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.bpmn.scripting import ServiceCall
from engine.clock import OSLO, parse_moment
from engine.errors import WorkflowFailed
from engine.extensions import Activity, Registry, installed
from engine.forms.builtin import confirmed
from engine.forms.context import Errors, FormContext, is_empty
from engine.people.lanes import resolve_rule
from engine.store import audit
from engine.store.models import Account, AccountModerator, ApiToken, ProcessInstance

PROCESS = "account_closure"

# The activity a closure under way reports: a second request for the same account waits.
CLOSURE_UNDER_WAY = "account_closure_pending"

# A confirmation may name a moment a little ahead of the server's clock (clocks differ), not
# a day that has not come.
DONE_AT_TOLERANCE = timedelta(minutes=15)


Check = Callable[[dict[str, Any], FormContext], Errors]


def _account_id(data: dict[str, Any], ctx: FormContext) -> Any:
    return data.get("account_id", ctx.data.get("account_id"))


def _requested_by_owner_principal_or_comms(data: dict[str, Any], ctx: FormContext) -> Errors:
    """A1: the account's owner, the principal of the school that owns it, or the comms
    section asks to close an account; nobody else (a teacher on its team included)."""
    account = ctx.session.get(Account, data["account_id"])
    rules = [f"user:{account.owner}", f"principal:{account.unit_id}", "role:comms"]
    if any(ctx.actor.username in resolve_rule(rule, ctx.session) for rule in rules):
        return {}
    return {"account_id": ("closure_not_allowed", {})}


def _handover_named(data: dict[str, Any], ctx: FormContext) -> Errors:
    """An account handed over on the platform is handed to someone: the request names them."""
    if data.get("platform_action") == "hand_over" and is_empty(data.get("handover_to")):
        return {"handover_to": ("closure_handover_to_required", {})}
    return {}


def _handover_noted(data: dict[str, Any], ctx: FormContext) -> Errors:
    """The confirmation of a handover says who took the account over."""
    if data.get("done_how") == "hand_over" and is_empty(data.get("note")):
        return {"note": ("closure_handover_note_required", {})}
    return {}


def _done_not_in_future(data: dict[str, Any], ctx: FormContext) -> Errors:
    """The team confirms what it did, so the moment it names has come."""
    if parse_moment(data["done_at"]) > ctx.moment() + DONE_AT_TOLERANCE:
        return {"done_at": ("closure_done_in_future", {})}
    return {}


def _not_busy(field: str, *, only_when_approving: bool = False) -> Check:
    """A1: an account is closed only when nothing keeps it busy. The refusal sits on `field`
    and names everything that must end first, each as the package that runs it says it
    (an open inquiry, a crisis hold, a forum pause). A closure's own mark (it is under way)
    stops a second request, not the case that made it."""

    def check(data: dict[str, Any], ctx: FormContext) -> Errors:
        if only_when_approving and data.get("decision") != "approve":
            return {}
        account_id = _account_id(data, ctx)
        own_case = bool(ctx.data)  # a task of a running closure, not a new request
        busy = [
            activity
            for activity in installed().activities(ctx.session, [account_id]).get(account_id, [])
            if not (own_case and activity.code == CLOSURE_UNDER_WAY)
        ]
        if not busy:
            return {}
        errors: Errors = {field: ("account_busy", {"count": len(busy)})}
        for activity in busy:
            key = activity.code
            if key in errors:  # two open inquiries: each is named
                key = f"{activity.code}:{activity.instance_id}"
            errors[key] = (activity.code, _said(activity))
        return errors

    return check


def _said(activity: Activity) -> dict[str, Any]:
    """An activity's parameters for its message; its end, if it has one, as Norway's clock
    shows it (a pause "til 04.01.2027 08:00")."""
    params = dict(activity.params)
    if activity.until is not None:
        params["until"] = activity.until.astimezone(OSLO).strftime("%d.%m.%Y %H:%M")
    return params


def _closures_under_way(session: Session, account_ids: list[int]) -> dict[int, list[Activity]]:
    """The accounts a running closure is about: the registry shows it, a second one waits."""
    rows = session.execute(
        select(ProcessInstance.id, ProcessInstance.account_id, ProcessInstance.title).where(
            ProcessInstance.process_id == PROCESS,
            ProcessInstance.status == "running",
            ProcessInstance.account_id.in_(account_ids),
        )
    )
    found: dict[int, list[Activity]] = {}
    for instance_id, account_id, title in rows:
        found.setdefault(account_id, []).append(
            Activity(CLOSURE_UNDER_WAY, {"title": title}, instance_id, public=False)
        )
    return found


def _close_account(
    session: Session, instance: ProcessInstance, call: ServiceCall, actor: str, now: datetime
) -> None:
    """A1: the account is closed in the registry, and every connector token of it that is
    still valid is revoked; who did it and when are in the audit trail."""
    account = session.get(Account, call.data["account_id"], with_for_update=True)
    if account is None:
        raise WorkflowFailed(f"close_account: no account {call.data['account_id']!r}")
    if account.status == "active":
        account.status = "closed"
        audit.record(
            session,
            now,
            actor,
            "account_closed",
            instance_id=instance.id,
            detail={
                "account_id": account.id,
                "platform": account.platform,
                "account_name": account.account_name,
                "unit": account.unit_id,
                "closed_by": actor,
                "closed_at": now.isoformat(),
                "requested_by": call.data.get("applicant"),
                "done_how": call.data.get("done_how"),
                "done_at": call.data.get("done_at"),
            },
        )
    tokens = session.scalars(
        select(ApiToken)
        .where(ApiToken.account_id == account.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.id)
    )
    for token in tokens:
        token.revoked_by, token.revoked_at = actor, now
        audit.record(
            session,
            now,
            actor,
            "api_token_revoked",
            instance_id=instance.id,
            detail={
                "token_id": token.id,
                "account_id": token.account_id,
                "prefix": token.prefix,
                "name": token.name,
                "reason": "account_closed",
            },
        )


def _closed_account_team(
    session: Session, instance: ProcessInstance, data: dict[str, Any]
) -> list[str]:
    """The owner, deputy and moderators the account had: told it is closed, although the
    closed account no longer names a team (`account_team` names active accounts' only)."""
    account = session.get(Account, data["account_id"])
    if account is None:
        return []
    moderators = session.scalars(
        select(AccountModerator.username).where(AccountModerator.account_id == account.id)
    )
    return sorted({account.owner, account.deputy, *moderators})


def register(registry: Registry) -> None:
    registry.check(
        "a1_closure_requested_by_owner_principal_or_comms", _requested_by_owner_principal_or_comms
    )
    registry.check("a1_closure_handover_named", _handover_named)
    registry.check("a1_closure_account_not_busy", _not_busy("account_id"))
    registry.check(
        "a1_closure_not_busy_at_approval", _not_busy("decision", only_when_approving=True)
    )
    registry.check("a1_closure_not_busy_at_confirmation", _not_busy("closure_done"))
    registry.check("a1_closure_done_confirmed", confirmed("closure_done", "confirm_closure_done"))
    registry.check("a1_closure_done_not_in_future", _done_not_in_future)
    registry.check("a1_closure_handover_noted", _handover_noted)
    registry.operator("close_account", _close_account)
    registry.recipient("closed_account_team", _closed_account_team)
    registry.activity(_closures_under_way)
