"""Spørsmål og kommentarar på kontoane (G2–G10): the rules its forms and lanes name."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.extensions import Activity, ReadModel, Registry
from engine.forms.builtin import by_account_team
from engine.forms.context import Errors, FormContext, is_empty
from engine.registers import replies
from engine.store.models import ProcessInstance
from workflows.inquiry_handling import overview

# An inquiry on an official account is registered by its team (or the account's connector).
_inquiry_by_account_team = by_account_team("not_account_team")


def _neutral_reply_text(data: dict[str, Any], ctx: FormContext) -> Errors:
    """G4: a neutral comment may be closed without reply; a reply needs its text."""
    if data.get("answer") == "reply" and is_empty(data.get("reply_text")):
        return {"reply_text": ("reply_text_required", {})}
    if data.get("answer") == "close" and not is_empty(data.get("reply_text")):
        return {"reply_text": ("reply_text_when_closing", {})}
    return {}


def _reply_fits_route(data: dict[str, Any], ctx: FormContext) -> Errors:
    """The routing table (inquiry_routing.dmn) says, per category, which saved reply must be
    used (`reply_template`), whether the moderator may write on substance (`free_text`: not for
    political (G8) or confidential (G10) inquiries) and whether a tone is chosen (G6). Where
    free text is allowed, a chosen saved reply may be the whole answer (G3's thanks, E5)."""
    errors: Errors = {}
    wanted = ctx.data.get("reply_template")
    if wanted and data.get("template") not in (None, "", wanted):
        errors["template"] = ("reply_template_fixed", {"template": wanted})
    if ctx.data.get("free_text"):
        if is_empty(data.get("reply_text")) and is_empty(data.get("template")):
            errors["reply_text"] = ("reply_text_required", {})
    elif not is_empty(data.get("reply_text")):
        errors["reply_text"] = ("reply_no_substance", {"template": wanted or ""})
    if ctx.data.get("tone_required") and is_empty(data.get("tone")):
        errors["tone"] = ("required", {})
    return errors


def _reply_template(data: dict[str, Any], ctx: FormContext) -> dict[str, Any]:
    """The saved reply the route prescribes, when the form left it out. (Today's reply form
    says this with `x-default`; kept for instances pinned to the version that derived it.)"""
    if is_empty(data.get("template")) and ctx.data.get("reply_template"):
        return {"template": ctx.data["reply_template"]}
    return {}


def _saved_reply_text(data: dict[str, Any], ctx: FormContext) -> dict[str, Any]:
    """The saved reply's text as sent: in the sender's written standard with the placeholders
    filled, recorded with the answer because the template may be edited later."""
    if is_empty(data.get("template")):
        return {}
    facts = ctx.data | data
    text = replies.render_for_inquiry(ctx.session, data["template"], facts)
    return {"template_text": text} if text is not None else {}


PROCESS = "inquiry_handling"


def _open_inquiries(session: Session, account_ids: list[int]) -> dict[int, list[Activity]]:
    """How many inquiries on each account are still being handled (G2)."""
    if not account_ids:
        return {}
    counts = session.execute(
        select(ProcessInstance.account_id, func.count(ProcessInstance.id))
        .where(
            ProcessInstance.process_id == PROCESS,
            ProcessInstance.status == "running",
            ProcessInstance.account_id.in_(account_ids),
        )
        .group_by(ProcessInstance.account_id)
    )
    return {
        account_id: [Activity("account_has_open_inquiry", {"count": count}, public=False)]
        for account_id, count in counts
    }


def register(registry: Registry) -> None:
    registry.check("inquiry_by_account_team", _inquiry_by_account_team)
    registry.check("g4_neutral_reply_text", _neutral_reply_text)
    registry.check("inquiry_reply_fits_route", _reply_fits_route)
    registry.derive("reply_template", _reply_template)
    registry.derive("saved_reply_text", _saved_reply_text)
    # G2b: the answer not given in time goes to the account's deputy.
    registry.lane("Stedfortredar", "account_deputy")
    registry.activity(_open_inquiries)
    # Platform connectors' inquiries (POST /api/v1/inquiries) start this process.
    registry.channel("inquiries", PROCESS)
    registry.read_model(
        "account_overview",
        ReadModel(
            overview.account_overview,
            overview.OVERVIEW_ROLES,
            {"window_days": overview.WINDOW.days},
        ),
    )
