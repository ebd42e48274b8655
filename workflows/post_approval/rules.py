"""Innlegg med bilete (G11): the rules its forms, lanes and service task name."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.bpmn.scripting import ServiceCall
from engine.extensions import Registry
from engine.forms.builtin import by_account_team
from engine.forms.context import Errors, FormContext, is_empty
from engine.registers import consent_photos
from engine.store import audit
from engine.store.models import ProcessInstance

# G11: a post on an official account is drafted by its owner, deputy or a moderator.
_post_by_account_team = by_account_team("post_not_account_team")


def _photo_consents(data: dict[str, Any], ctx: FormContext) -> Errors:
    """G11: no photo of people without their consent. A draft (or its revision, which keeps
    what it does not change) cannot be sent for approval with a photo lacking one."""
    if data.get("action") == "withdraw":  # a withdrawn post publishes nothing
        return {}
    return consent_photos.photo_problems(ctx.session, ctx.data | data, ctx.moment())


def _photo_consents_at_approval(data: dict[str, Any], ctx: FormContext) -> Errors:
    """G11 again when the post is approved: a consent withdrawn (or run out) since the draft
    blocks the approval. Returning the post for changes is always possible."""
    if data.get("decision") != "approve":
        return {}
    return consent_photos.photo_problems(ctx.session, ctx.data, ctx.moment())


def _comment_when_returned(data: dict[str, Any], ctx: FormContext) -> Errors:
    if data.get("decision") == "revise" and is_empty(data.get("comment")):
        return {"comment": ("post_comment_required", {})}
    return {}


def _post_summary(data: dict[str, Any], ctx: FormContext) -> dict[str, Any]:
    """The post's first words, for its case title."""
    text = " ".join(str(data.get("text") or ctx.data.get("text") or "").split())
    return {"summary": text if len(text) <= 60 else text[:59].rstrip() + "…"}


def _record_post_consents(
    session: Session, instance: ProcessInstance, call: ServiceCall, actor: str, now: datetime
) -> None:
    """G11: remember which consents the approved post relies on, photo by photo."""
    recorded = consent_photos.record_post_consents(session, instance, call.data, now)
    audit.record(
        session,
        now,
        actor,
        "post_consents_recorded",
        instance_id=instance.id,
        detail={"consents": recorded},
    )


def register(registry: Registry) -> None:
    registry.check("post_by_account_team", _post_by_account_team)
    registry.check("g11_photo_consents", _photo_consents)
    registry.check("g11_photo_consents_at_approval", _photo_consents_at_approval)
    registry.check("comment_when_returned", _comment_when_returned)
    registry.derive("post_summary", _post_summary)
    registry.operator("record_post_consents", _record_post_consents)
    # G11: a post is approved by the account's owner or the comms section, never its drafter.
    registry.lane("Kontoeigar eller informasjonsseksjonen", "account_owner")
