"""Søknad om offisiell konto (A1–A5): the rules its forms, lanes and service task name."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.bpmn.scripting import ServiceCall
from engine.extensions import Registry
from engine.forms.builtin import active_accounts
from engine.forms.context import Errors, FormContext, is_empty
from engine.people.context import InstanceContext
from engine.people.lanes import resolve_rule, unit_and_descendants
from engine.store import audit
from engine.store.models import Account, AccountModerator, ProcessInstance, Unit, User


def _unit_within_applicant(data: dict[str, Any], ctx: FormContext) -> Errors:
    """An applicant applies for their own unit (or one below it); admins for any."""
    if "admin" in ctx.actor.role_names:
        return {}
    applicant = ctx.session.get(User, ctx.data.get("applicant", ctx.actor.username))
    if data["unit"] not in unit_and_descendants(ctx.session, applicant.unit_id):
        return {"unit": ("unit_not_yours", {})}
    return {}


def _owner_and_deputy_not_approver(data: dict[str, Any], ctx: FormContext) -> Errors:
    """A4 (issue 14): the owner is the applicant, or a person of the applicant's unit whom
    the applicant names (an admin applying for a unit: a person of that unit); the one who
    will approve the application is neither its owner nor its deputy."""
    applicant = ctx.session.get(User, ctx.data.get("applicant", ctx.actor.username))
    assert applicant is not None  # who applies is signed in, or started the case
    errors: Errors = {}
    owner = data.get("owner")
    if owner != applicant.username:
        units = unit_and_descendants(ctx.session, applicant.unit_id)
        if "admin" in applicant.role_names:
            units |= unit_and_descendants(ctx.session, data["unit"])
        person = ctx.session.get(User, owner)
        if person is None or person.unit_id not in units:
            errors["owner"] = ("owner_not_in_unit", {})
    approvers = _would_approve(ctx.session, data["unit"], applicant.username)
    if "owner" not in errors and owner in approvers:
        errors["owner"] = ("owner_is_approver", {"value": owner})
    if data.get("deputy") in approvers:
        errors["deputy"] = ("deputy_is_approver", {"value": data["deputy"]})
    return errors


def _would_approve(session: Session, unit_id: str, applicant: str) -> set[str]:
    """Who the Godkjennar lane will name: the role account_routing.dmn gives the unit's kind
    (a school: its principal; any other unit: the head of information), one step up when
    that is the applicant."""
    unit = session.get(Unit, unit_id)
    role = "principal" if unit is not None and unit.kind == "school" else "head_of_information"
    context = InstanceContext(started_by=applicant, data={"approver_role": role, "unit": unit_id})
    return _approver(context, session)[1]


def _deputy_not_owner(data: dict[str, Any], ctx: FormContext) -> Errors:
    if data.get("deputy") == data.get("owner"):
        return {"deputy": ("deputy_is_owner", {})}
    return {}


def _second_account_justified(data: dict[str, Any], ctx: FormContext) -> Errors:
    """A1: one official account per unit and platform, unless justified."""
    if active_accounts(ctx, data["unit"], data["platform"]) and is_empty(data.get("justification")):
        return {"justification": ("justification_required", {"platform": data["platform"]})}
    return {}


def _moderators_from_school(data: dict[str, Any], ctx: FormContext) -> Errors:
    """A5: at a school, approval names at least one moderator, all from that school."""
    unit = ctx.session.get(Unit, ctx.data.get("unit"))
    moderators = data.get("moderators") or []
    if unit is None or unit.kind != "school":
        return {"moderators": ("moderators_only_school", {})} if moderators else {}
    if data.get("decision") != "approve":
        return {}
    if not moderators:
        return {"moderators": ("moderators_required", {})}
    for username in moderators:
        user = ctx.session.get(User, username)
        if user is None or user.unit_id != unit.id:
            return {"moderators": ("moderator_other_unit", {"value": username, "unit": unit.name})}
    return {}


def _unit_facts(data: dict[str, Any], ctx: FormContext) -> dict[str, Any]:
    """The unit decides routing (A2): the server, not the applicant, says what kind it is."""
    unit = ctx.session.get(Unit, data["unit"])
    return {"unit_kind": unit.kind, "unit_name": unit.name}


def _approver_warnings(data: dict[str, Any], ctx: FormContext) -> dict[str, Any]:
    """A1 and E8 warnings for the approver, as message codes the UI renders per language."""
    warnings = []
    count = active_accounts(ctx, data["unit"], data["platform"])
    if count:
        warnings.append(
            {
                "code": "warning_second_account",
                "params": {"count": count, "platform": data["platform"]},
            }
        )
    if _looks_personal(ctx.session, data.get("mailbox", "")):
        warnings.append(
            {"code": "warning_personal_mailbox", "params": {"mailbox": data["mailbox"]}}
        )
    return {"warnings": warnings}


def _looks_personal(session: Session, mailbox: str) -> bool:
    """E8: a person's own address, or one whose local part is a user's name."""
    mailbox = mailbox.lower()
    local = mailbox.partition("@")[0]
    return bool(
        session.scalar(
            select(func.count(User.username)).where(
                (func.lower(User.email) == mailbox) | (func.lower(User.username) == local)
            )
        )
    )


def _register_account(
    session: Session, instance: ProcessInstance, call: ServiceCall, actor: str, now: datetime
) -> None:
    """A1/A5: the approved account enters the registry with its moderators."""
    data = call.data
    account = Account(
        platform=data["platform"],
        account_name=data["account_name"],
        unit_id=data["unit"],
        owner=data["owner"],
        deputy=data["deputy"],
        mailbox=data.get("mailbox"),
        closed_to_public=bool(data.get("teacher_pupil_group")),
        justification=data.get("justification") or None,
        status="active",
        approved_by=actor,
        approved_at=now,
        instance_id=instance.id,
    )
    account.moderators = [AccountModerator(username=u) for u in data.get("moderators") or []]
    session.add(account)
    session.flush()
    audit.record(
        session,
        now,
        actor,
        "account_registered",
        instance_id=instance.id,
        detail={
            "account_id": account.id,
            "platform": account.platform,
            "account_name": account.account_name,
            "unit": account.unit_id,
            "owner": account.owner,
            "deputy": account.deputy,
            "moderators": [m.username for m in account.moderators],
        },
    )


def _approver(ctx: InstanceContext, session: Session) -> tuple[str, set[str]]:
    """A2: the DMN names the approving role from the unit. Nobody decides their own application,
    so when the approver is the applicant it goes one step up: principal → head of information →
    management."""
    chain = ["role:head_of_information", "role:management"]
    if ctx.data.get("approver_role") == "principal":
        chain.insert(0, f"principal:{ctx.data.get('unit')}")
    for rule in chain:
        users = resolve_rule(rule, session) - {ctx.started_by}
        if users:
            return rule, users
    return chain[-1], set()


def register(registry: Registry) -> None:
    registry.check("unit_within_applicant", _unit_within_applicant)
    registry.check("deputy_not_owner", _deputy_not_owner)
    registry.check("owner_and_deputy_not_approver", _owner_and_deputy_not_approver)
    registry.check("a1_second_account_justified", _second_account_justified)
    registry.check("a5_moderators_from_school", _moderators_from_school)
    registry.derive("unit_facts", _unit_facts)
    registry.derive("approver_warnings", _approver_warnings)
    registry.operator("register_account", _register_account)
    # A2: the routing table (account_routing.dmn, also used by other processes) names the role.
    registry.lane("Godkjennar", _approver)
