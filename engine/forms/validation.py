"""Server-side form validation: a small JSON Schema subset plus named policy checks.

A form file is a JSON Schema (type object) beside the diagrams. Besides the standard keywords
(required, type, enum, minLength, maxLength, minItems, uniqueItems, items, format) it may name
`x-checks` (cross-field policy rules) and `x-derive` (facts the server adds to the data, such
as warnings for the approver), both registered by process packages (engine/extensions.py);
`x-revisable` (a resubmission keeps earlier values for fields left empty; decision forms must
not set it). Only fields the form declares are accepted. `x-default` fills an empty field:
"actor", "actor_unit", "now", or "data:<name>" (a value the process already holds, such as
the saved reply the routing table prescribes).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from engine.clock import parse_moment
from engine.errors import FormInvalid
from engine.extensions import installed
from engine.forms.context import Errors, FormContext, is_empty
from engine.registers import consents, replies
from engine.store.models import Account, Unit, User

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "boolean": bool,
    "array": list,
    "integer": int,
    "object": dict,
}


def validate(schema: dict[str, Any], submitted: dict[str, Any], ctx: FormContext) -> dict[str, Any]:
    """Return the cleaned data (with defaults and derived facts) or raise FormInvalid."""
    if not isinstance(submitted, dict):
        raise FormInvalid({"_form": ("type", {"expected": "object"})})
    props: dict[str, Any] = schema.get("properties", {})
    previous = ctx.data if schema.get("x-revisable") else {}
    cleaned = _with_defaults(props, submitted, ctx, previous)
    errors: Errors = {name: ("unknown_field", {}) for name in cleaned if name not in props}
    for name in schema.get("required", []):
        if is_empty(cleaned.get(name)):
            errors.setdefault(name, ("required", {}))
    for name, value in cleaned.items():
        if name in props and name not in errors and not is_empty(value):
            error = _check_value(props[name], value, ctx)
            if error:
                errors[name] = error
    if not errors:
        for check in schema.get("x-checks", []):
            for field, error in installed().checks[check](cleaned, ctx).items():
                errors.setdefault(field, error)
    if errors:
        raise FormInvalid(errors)
    for derive in schema.get("x-derive", []):
        cleaned.update(installed().derives[derive](cleaned, ctx))
    return cleaned


def _with_defaults(
    props: dict[str, Any], submitted: dict[str, Any], ctx: FormContext, previous: dict[str, Any]
) -> dict[str, Any]:
    cleaned = {k: v.strip() if isinstance(v, str) else v for k, v in submitted.items()}
    for name, prop in props.items():
        if not is_empty(cleaned.get(name)):
            continue
        if name in previous:  # a revision keeps what was entered before
            cleaned[name] = previous[name]
        elif prop.get("x-default") == "actor":
            cleaned[name] = ctx.actor.username
        elif prop.get("x-default") == "actor_unit":
            cleaned[name] = ctx.actor.unit_id
        elif str(prop.get("x-default", "")).startswith("data:"):  # e.g. the route's template
            known = ctx.data.get(prop["x-default"].removeprefix("data:"))
            if not is_empty(known):
                cleaned[name] = known
        elif prop.get("x-default") == "now" and ctx.now is not None:
            cleaned[name] = ctx.now.isoformat()
        elif "default" in prop:
            cleaned[name] = prop["default"]
    return cleaned


def _check_value(
    prop: dict[str, Any], value: Any, ctx: FormContext
) -> tuple[str, dict[str, Any]] | None:
    expected = prop.get("type")
    if expected and (
        not isinstance(value, TYPES[expected])
        or (expected == "integer" and isinstance(value, bool))
    ):
        return ("type", {"expected": expected})
    if "enum" in prop and value not in prop["enum"]:
        return ("enum", {"choices": ", ".join(map(str, prop["enum"]))})
    if prop.get("format") == "account":
        account = ctx.session.get(Account, value) if isinstance(value, int) else None
        if account is None:
            return ("unknown_account_value", {"value": value})
        if account.status != "active":  # closed (A1): say so, not "no such account"
            params = {"account_name": account.account_name, "platform": account.platform}
            return ("account_closed_value", params)
    if isinstance(value, str):
        if len(value) < prop.get("minLength", 0):
            return ("min_length", {"limit": prop["minLength"]})
        if "maxLength" in prop and len(value) > prop["maxLength"]:
            return ("max_length", {"limit": prop["maxLength"]})
        if len(value.split()) < prop.get("x-minWords", 0):
            return ("min_words", {"limit": prop["x-minWords"]})
        return _check_format(prop.get("format"), value, ctx)
    if isinstance(value, list):
        if len(value) < prop.get("minItems", 0):
            return ("min_items", {"limit": prop["minItems"]})
        if prop.get("uniqueItems") and len(set(map(str, value))) != len(value):
            return ("unique_items", {})
        for item in value:
            error = _check_value(prop.get("items", {}), item, ctx)
            if error:
                return error
    return None


def _is_web_address(value: str) -> bool:
    """A link people can follow: http(s), a host, no spaces (e.g. a published reply, G2)."""
    parts = urlsplit(value)
    return (
        parts.scheme in ("http", "https")
        and bool(parts.netloc)
        and not any(c.isspace() for c in value)
    )


def _check_format(
    fmt: str | None, value: str, ctx: FormContext
) -> tuple[str, dict[str, Any]] | None:
    if fmt == "email" and not _EMAIL.match(value):
        return ("email", {})
    if fmt == "uri" and not _is_web_address(value):
        return ("uri", {"value": value})
    if fmt == "username":
        user = ctx.session.get(User, value)
        if user is None or not user.active:
            return ("unknown_user", {"value": value})
    if fmt == "date-time":
        try:
            parse_moment(value)
        except ValueError:
            return ("date_time", {"value": value})
    if fmt == "unit":
        unit = ctx.session.get(Unit, value)
        if unit is None or not unit.active:
            return ("unknown_unit", {"value": value})
    if fmt == "saved_reply" and not replies.is_selectable(ctx.session, value):
        return ("saved_reply_inactive", {"value": value})
    if fmt == "consent" and not consents.consent_exists(ctx.session, value):
        return ("unknown_consent_value", {"value": value})
    return None
