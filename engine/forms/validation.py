"""Server-side form validation: a form's JSON Schema, then named policy checks.

A form file is a JSON Schema (type object) beside the diagrams, read once into a FormSpec
(engine/forms/spec.py). Its standard keywords (required, type, enum, minLength, maxLength,
minItems, uniqueItems, items, format) and `x-minWords` are checked by the `jsonschema` library
(engine/forms/schema.py); around that, this module applies our own keywords: `x-default` fills
an empty field ("actor", "actor_unit", "now", or "data:<name>": a value the process already
holds, such as the saved reply the routing table prescribes), `x-revisable` (a resubmission
keeps earlier values for fields left empty; decision forms must not set it), then `x-checks`
(cross-field policy rules) and `x-derive` (facts the server adds to the data, such as
warnings for the approver), both registered by process packages (engine/extensions.py).
Only fields the form declares are accepted. Before any of that, every value must be one the
database and the pages can hold (engine/forms/values.py: integers a database takes, text
without lone surrogates or control characters, one line in a one-line field), and a moment
with `x-within` must lie that near now (an inquiry received tomorrow, or years ago, is a typo
that would make the case overdue at once).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from engine.clock import OSLO, parse_duration, parse_moment
from engine.errors import FormInvalid
from engine.extensions import installed
from engine.forms.context import Errors, FormContext, is_empty
from engine.forms.schema import field_errors
from engine.forms.spec import FieldSpec, FormSpec, parse_form
from engine.forms.values import value_problem


def validate(
    form: FormSpec | Mapping[str, Any], submitted: dict[str, Any], ctx: FormContext
) -> dict[str, Any]:
    """Return the cleaned data (with defaults and derived facts) or raise FormInvalid.
    `form` is a deployed form's spec, or a schema written in code (read on the spot)."""
    spec = form if isinstance(form, FormSpec) else parse_form(form)
    if not isinstance(submitted, dict):
        raise FormInvalid({"_form": ("type", {"expected": "object"})})
    previous = ctx.data if spec.revisable else {}
    cleaned = _with_defaults(spec.fields, submitted, ctx, previous)
    errors: Errors = {name: ("unknown_field", {}) for name in cleaned if name not in spec.fields}
    # Empty answers count as not given, so `required` (and nothing else) speaks for them.
    given = {k: v for k, v in cleaned.items() if k in spec.fields and not is_empty(v)}
    for name, value in given.items():
        problem = value_problem(value, one_line=not spec.fields[name].multiline)
        if problem:
            errors[name] = problem
    given = {k: v for k, v in given.items() if k not in errors}  # nothing unholdable goes on
    for name, error in field_errors(spec.schema, given, ctx.session, ctx.actor.username).items():
        errors.setdefault(name, error)
    for name, error in _moments_within(spec.fields, given, ctx.now).items():
        errors.setdefault(name, error)
    if not errors:
        for check in spec.checks:
            for name, error in installed().checks[check](cleaned, ctx).items():
                errors.setdefault(name, error)
    if errors:
        raise FormInvalid(errors)
    for derive in spec.derives:
        cleaned.update(installed().derives[derive](cleaned, ctx))
    return cleaned


def _with_defaults(
    fields: Mapping[str, FieldSpec],
    submitted: dict[str, Any],
    ctx: FormContext,
    previous: dict[str, Any],
) -> dict[str, Any]:
    cleaned = {k: v.strip() if isinstance(v, str) else v for k, v in submitted.items()}
    for name, spec in fields.items():
        if not is_empty(cleaned.get(name)):
            continue
        default = spec.x_default or ""
        if name in previous:  # a revision keeps what was entered before
            cleaned[name] = previous[name]
        elif default == "actor":
            cleaned[name] = ctx.actor.username
        elif default == "actor_unit":
            cleaned[name] = ctx.actor.unit_id
        elif default.startswith("data:"):  # e.g. the route's template
            known = ctx.data.get(default.removeprefix("data:"))
            if not is_empty(known):
                cleaned[name] = known
        elif default == "now" and ctx.now is not None:
            cleaned[name] = ctx.now.isoformat()
        elif spec.default is not None:
            cleaned[name] = spec.default
    return cleaned


def _moments_within(
    fields: Mapping[str, FieldSpec], given: Mapping[str, Any], now: datetime | None
) -> Errors:
    """`x-within`: a moment at most `past` before now and `future` after it."""
    errors: Errors = {}
    for name, value in given.items():
        within = fields[name].within
        if not within or now is None or not isinstance(value, str):
            continue
        try:
            moment = parse_moment(value)
        except ValueError:
            continue  # the format has said it is no moment
        if "future" in within and moment > now + parse_duration(within["future"]):
            latest = now + parse_duration(within["future"])
            errors[name] = ("moment_too_late", {"latest": _local(latest)})
        elif "past" in within and moment < now - parse_duration(within["past"]):
            earliest = now - parse_duration(within["past"])
            errors[name] = ("moment_too_early", {"earliest": _local(earliest)})
    return errors


def _local(moment: datetime) -> str:
    return moment.astimezone(OSLO).strftime("%d.%m.%Y %H:%M")
