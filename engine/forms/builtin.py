"""Form rules every process may name, and the building blocks process packages share.

They speak of what the engine itself knows (cases, the registers of accounts and units), never
of one process: a check a single process needs lives in its folder's rules.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from engine.cases.visibility import may_view_case
from engine.forms.context import Errors, FormContext, is_empty
from engine.forms.values import as_id
from engine.people.lanes import resolve_rule
from engine.store.models import Account, Unit

if TYPE_CHECKING:
    from engine.extensions import Registry

Check = Callable[[dict[str, Any], FormContext], Errors]

# Decisions that say no: they say why.
REFUSALS = ("reject", "revise", "decline")


def comment_unless_approved(data: dict[str, Any], ctx: FormContext) -> Errors:
    """A decision that says no (reject, revise, or a crisis declined) says why."""
    if data.get("decision") in REFUSALS and is_empty(data.get("comment")):
        return {"comment": ("comment_required", {})}
    return {}


def case_visible_to_actor(data: dict[str, Any], ctx: FormContext) -> Errors:
    """A case referred to (the inquiry a question is about) must be one the person may open
    themselves; an unknown number gets the same answer, so nothing is revealed."""
    case_id = data.get("case_id")
    if is_empty(case_id) or (
        isinstance(case_id, int)
        and as_id(case_id) is not None  # a larger number names no case
        and may_view_case(ctx.session, ctx.actor, case_id)
    ):
        return {}
    return {"case_id": ("case_not_visible", {"value": case_id})}


def account_facts(data: dict[str, Any], ctx: FormContext) -> dict[str, Any]:
    """The account's name and platform as the registry has them, for titles and lists."""
    if data.get("account_id") is None:  # a reputation matter may concern no account
        return {}
    account = ctx.session.get(Account, data["account_id"])
    if account is None:
        return {}
    return {"account_name": account.account_name, "platform": account.platform}


def account_unit_facts(data: dict[str, Any], ctx: FormContext) -> dict[str, Any]:
    """The account's facts and its unit's, so a routing table names the approver (A2's rule:
    a school's principal, else the head of information); the requester does not choose."""
    account = ctx.session.get(Account, data["account_id"])
    unit = ctx.session.get(Unit, account.unit_id) if account is not None else None
    if unit is None:
        return {}
    return account_facts(data, ctx) | {
        "unit": unit.id,
        "unit_kind": unit.kind,
        "unit_name": unit.name,
    }


def by_account_team(refusal: str) -> Check:
    """A check that the case's account (`account_id`) is one the person works on: its owner,
    deputy or a moderator, or a connector holding a token of that very account. `refusal` is
    the message code that says what only the team may do."""

    def check(data: dict[str, Any], ctx: FormContext) -> Errors:
        if ctx.connector_account_id is not None:
            if ctx.connector_account_id != data["account_id"]:
                return {"account_id": ("token_other_account", {})}
            return {}
        team = resolve_rule(f"account_team:{data['account_id']}", ctx.session)
        if ctx.actor.username not in team:
            return {"account_id": (refusal, {})}
        return {}

    return check


def confirmed(field: str, refusal: str) -> Check:
    """A step that is done only when the person ticks that it is (the notice is up)."""

    def check(data: dict[str, Any], ctx: FormContext) -> Errors:
        return {} if data.get(field) is True else {field: (refusal, {})}

    return check


def active_accounts(ctx: FormContext, unit: str, platform: str) -> int:
    """Active accounts of a unit on a platform; asked by a check and a warning, counted once."""
    key = ("active_accounts", unit, platform)
    if key not in ctx.memo:
        ctx.memo[key] = (
            ctx.session.scalar(
                select(func.count(Account.id)).where(
                    Account.unit_id == unit,
                    Account.platform == platform,
                    Account.status == "active",
                )
            )
            or 0
        )
    return int(ctx.memo[key])


def register(registry: Registry) -> None:
    registry.check("comment_unless_approved", comment_unless_approved)
    registry.check("case_visible_to_actor", case_visible_to_actor)
    registry.derive("account_facts", account_facts)
    registry.derive("account_unit_facts", account_unit_facts)
