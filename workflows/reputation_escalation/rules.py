"""Mogleg omdømmesak (G9): the rules its forms name."""

from __future__ import annotations

from typing import Any

from engine.extensions import Registry
from engine.forms.context import Errors, FormContext, is_empty
from engine.people.lanes import resolve_rule


def _handler_in_comms(data: dict[str, Any], ctx: FormContext) -> Errors:
    """G9: a response is coordinated by a named handler of the communications section."""
    if data.get("action") != "respond":
        return {}
    if is_empty(data.get("handler")):
        return {"handler": ("required", {})}
    if data["handler"] not in resolve_rule("role:comms", ctx.session):
        return {"handler": ("handler_not_comms", {"value": data["handler"]})}
    if data["handler"] == ctx.data.get("applicant"):  # nobody handles what they raised
        return {"handler": ("handler_raised_it", {"value": data["handler"]})}
    return {}


def register(registry: Registry) -> None:
    registry.check("handler_in_comms", _handler_in_comms)
