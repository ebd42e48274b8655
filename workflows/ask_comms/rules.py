"""Spør informasjonsseksjonen (E4, E9): the rules its forms name."""

from __future__ import annotations

from typing import Any

from engine.extensions import Registry
from engine.forms.context import Errors, FormContext, is_empty


def _follow_up_question_when_asked(data: dict[str, Any], ctx: FormContext) -> Errors:
    """E9: a follow-up question needs its text; closing sends none (so none is lost unread)."""
    if data.get("decision") == "follow_up" and is_empty(data.get("follow_up_question")):
        return {"follow_up_question": ("follow_up_question_required", {})}
    if data.get("decision") == "close" and not is_empty(data.get("follow_up_question")):
        return {"follow_up_question": ("follow_up_question_when_closing", {})}
    return {}


def _asked_at(data: dict[str, Any], ctx: FormContext) -> dict[str, Any]:
    """When a question was put to the comms section, by the server's clock (not the form):
    the answer is due a working day later (E4, E9). A form that closes the case asks nothing."""
    if data.get("decision") == "close" or ctx.now is None:
        return {}
    return {"asked_at": ctx.now.isoformat()}


def register(registry: Registry) -> None:
    registry.check("follow_up_question_when_asked", _follow_up_question_when_asked)
    registry.derive("asked_at", _asked_at)
