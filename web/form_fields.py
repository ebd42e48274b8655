"""Forms (engine/forms/spec.py FormSpec, parsed once from the JSON Schema files beside the
diagrams) turned into fields for the templates, and posted HTML form data turned back into the
values the engine validates.

A field's translations come from its `x-i18n`; its `description` is shown under its label as a
hint, tied to the control.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from werkzeug.datastructures import MultiDict

from engine.clock import OSLO
from engine.forms.spec import FieldSpec, FormSpec
from engine.forms.values import as_id

_RADIO_UP_TO = 4


@dataclass
class Option:
    value: str
    label: str


@dataclass
class Field:
    name: str
    label: str
    widget: str  # text | email | url | textarea | select | radio | checkbox | checkboxes | person
    # | datetime
    required: bool
    value: Any = None
    error: str | None = None
    options: list[Option] = field(default_factory=list)
    max_length: int | None = None
    min_length: int | None = None
    hint: str = ""  # the schema's `description`: how to fill the field in

    @property
    def chosen(self) -> set[str]:
        if isinstance(self.value, list):
            return {str(v) for v in self.value}
        return {str(self.value)} if self.value not in (None, "") else set()


def form_title(form: FormSpec, lang: str) -> str:
    return form.text(lang)


def build_fields(
    form: FormSpec,
    lang: str,
    values: dict[str, Any],
    errors: dict[str, str],
    choices: dict[str, list[Option]],
) -> list[Field]:
    """`choices` gives options for fields whose values are people or units (by format)."""
    return [
        Field(
            name=name,
            label=spec.text(lang) or name,
            widget=_widget(spec),
            required=spec.required,
            value=values.get(name, spec.default),
            error=errors.get(name),
            options=options_for(spec, lang, choices),
            max_length=spec.max_length,
            min_length=spec.min_length,
            hint=spec.text(lang, "description"),
        )
        for name, spec in form.fields.items()
    ]


def _widget(spec: FieldSpec) -> str:
    if spec.kind == "boolean":
        return "checkbox"
    if spec.several:
        return "checkboxes"
    if spec.enum is not None:
        return "radio" if len(spec.enum) <= _RADIO_UP_TO else "select"
    if spec.format in ("unit", "account", "saved_reply"):
        return "select"
    if spec.format == "date-time":
        return "datetime"
    if spec.format == "username":
        return "person"
    if spec.format == "email":
        return "email"
    if spec.format == "uri":  # a link, however long it may be, is one line
        return "url"
    if spec.multiline:  # long answers get a text area; short ones a line (engine/forms/spec.py)
        return "textarea"
    return "text"


def options_for(spec: FieldSpec, lang: str, choices: dict[str, list[Option]]) -> list[Option]:
    """An enum's values with their labels, or the choices for the field's format."""
    each = spec.each
    if each.enum is not None:
        labels = spec.value_labels(lang)
        return [Option(str(v), str(labels.get(v, v))) for v in each.enum]
    return list(choices.get((each.format or "") + ("[]" if spec.several else ""), []))


def initial_values(
    form: FormSpec,
    username: str,
    unit_id: str,
    now: datetime,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What a blank form shows: the same defaults the engine fills in for empty fields
    (`x-default`: the person, their unit, "now", or "data:<name>" from the process data so far),
    so the person sees them and can change them."""
    known = {"actor": username, "actor_unit": unit_id, "now": now.isoformat()}
    known |= {f"data:{name}": value for name, value in (data or {}).items() if value is not None}
    return {
        name: known[spec.x_default] for name, spec in form.fields.items() if spec.x_default in known
    }


def preselected(form: FormSpec, args: MultiDict[str, str]) -> dict[str, Any]:
    """Fields naming an account that a link may choose in advance, e.g. the account page's
    "register an inquiry" (`?account_id=7`). Only the choice is made; the person still sees
    it, may change it, and sends the form themselves."""
    chosen = {spec.name: as_id(args.get(spec.name, "")) for spec in form.with_format("account")}
    return {name: value for name, value in chosen.items() if value is not None}


def parse_submission(form: FormSpec, posted: MultiDict[str, str]) -> dict[str, Any]:
    """Only the form's fields; empty text is left out so `required` and revisable forms
    (which keep earlier answers for fields left empty) work as in the engine."""
    data: dict[str, Any] = {}
    for name, spec in form.fields.items():
        if spec.kind == "boolean":
            data[name] = posted.get(name) in ("on", "true", "1")
        elif spec.several:
            values = [v.strip() for raw in posted.getlist(name) for v in raw.split(",")]
            if spec.each.kind == "integer":  # e.g. several accounts
                data[name] = [_number(v) for v in values if v]
            else:
                data[name] = [v for v in values if v]
        else:
            value = posted.get(name, "").strip()
            if value == "":
                continue
            if spec.format == "date-time":
                data[name] = _moment_from_local(value)
            elif spec.kind == "integer":
                data[name] = _number(value)
            else:
                data[name] = value
    return data


_INTEGER = re.compile(r"-?[0-9]{1,40}")


def _number(text: str) -> int | str:
    """Digits as the integer they write; anything else ("²", 5,000 digits, "12a") as typed, for
    the engine's type check to name (int() would take "١٢" and fail on "²")."""
    return int(text) if _INTEGER.fullmatch(text) else text


def _moment_from_local(text: str) -> str:
    """A browser's datetime-local value is wall-clock time in Norway; the engine stores
    moments with their offset. Anything unreadable goes through as typed, for the engine's
    check to name."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=OSLO)
    return moment.isoformat()


def local_input_value(value: Any) -> str:
    """An ISO moment as a datetime-local field shows it (Norwegian wall-clock time)."""
    try:
        moment = datetime.fromisoformat(str(value))
        if moment.tzinfo is not None:
            moment = moment.astimezone(OSLO)
    except (ValueError, OverflowError):  # year 1 or 9999 as typed: shown as typed
        return str(value or "")
    return moment.strftime("%Y-%m-%dT%H:%M")
