"""JSON Schema forms (beside the diagrams) turned into fields for the templates, and posted
HTML form data turned back into the values the engine validates.

Form files speak Nynorsk; a field may carry translations as
`"x-i18n": {"nb": {"title": …, "description": …, "labels": {value: label}}, "en": {…}}`.
A field's `description` is shown under its label as a hint, tied to the control.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from werkzeug.datastructures import MultiDict

OSLO = ZoneInfo("Europe/Oslo")
# Long answers get a text area; short ones a line.
_TEXTAREA_FROM = 300
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


def translated(node: dict[str, Any], lang: str, key: str = "title") -> str:
    local = node.get("x-i18n", {}).get(lang, {})
    return str(local.get(key) or node.get(key) or "")


def form_title(schema: dict[str, Any], lang: str) -> str:
    return translated(schema, lang)


def build_fields(
    schema: dict[str, Any],
    lang: str,
    values: dict[str, Any],
    errors: dict[str, str],
    choices: dict[str, list[Option]],
) -> list[Field]:
    """`choices` gives options for fields whose values are people or units (by format)."""
    required = set(schema.get("required", []))
    fields = []
    for name, prop in schema.get("properties", {}).items():
        fields.append(
            Field(
                name=name,
                label=translated(prop, lang) or name,
                widget=_widget(prop),
                required=name in required,
                value=values.get(name, prop.get("default")),
                error=errors.get(name),
                options=options_for(prop, lang, choices),
                max_length=prop.get("maxLength"),
                min_length=prop.get("minLength"),
                hint=translated(prop, lang, "description"),
            )
        )
    return fields


def _widget(prop: dict[str, Any]) -> str:
    kind = prop.get("type")
    if kind == "boolean":
        return "checkbox"
    if kind == "array":
        return "checkboxes"
    if "enum" in prop:
        return "radio" if len(prop["enum"]) <= _RADIO_UP_TO else "select"
    if prop.get("format") in ("unit", "account", "saved_reply"):
        return "select"
    if prop.get("format") == "date-time":
        return "datetime"
    if prop.get("format") == "username":
        return "person"
    if prop.get("format") == "email":
        return "email"
    if prop.get("format") == "uri":  # a link, however long it may be, is one line
        return "url"
    if (prop.get("maxLength") or 0) >= _TEXTAREA_FROM:
        return "textarea"
    return "text"


def options_for(prop: dict[str, Any], lang: str, choices: dict[str, list[Option]]) -> list[Option]:
    """An enum's values with their labels, or the choices for the field's format."""
    several = prop.get("type") == "array"
    items = prop.get("items", {}) if several else prop
    if "enum" in items:
        labels = items.get("x-labels", {}) | prop.get("x-i18n", {}).get(lang, {}).get("labels", {})
        return [Option(str(v), str(labels.get(v, v))) for v in items["enum"]]
    return list(choices.get(items.get("format", "") + ("[]" if several else ""), []))


def initial_values(
    schema: dict[str, Any],
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
        name: known[prop["x-default"]]
        for name, prop in schema.get("properties", {}).items()
        if prop.get("x-default") in known
    }


def preselected(schema: dict[str, Any], args: MultiDict[str, str]) -> dict[str, Any]:
    """Fields naming an account that a link may choose in advance, e.g. the account page's
    "register an inquiry" (`?account_id=7`). Only the choice is made; the person still sees
    it, may change it, and sends the form themselves."""
    return {
        name: int(args[name])
        for name, prop in schema.get("properties", {}).items()
        if prop.get("format") == "account" and args.get(name, "").isdigit()
    }


def parse_submission(schema: dict[str, Any], form: MultiDict[str, str]) -> dict[str, Any]:
    """Only the schema's fields; empty text is left out so `required` and revisable forms
    (which keep earlier answers for fields left empty) work as in the engine."""
    data: dict[str, Any] = {}
    for name, prop in schema.get("properties", {}).items():
        kind = prop.get("type")
        if kind == "boolean":
            data[name] = form.get(name) in ("on", "true", "1")
        elif kind == "array":
            values = [v.strip() for raw in form.getlist(name) for v in raw.split(",")]
            if prop.get("items", {}).get("type") == "integer":  # e.g. several accounts
                data[name] = [int(v) if v.lstrip("-").isdigit() else v for v in values if v]
            else:
                data[name] = [v for v in values if v]
        else:
            value = form.get(name, "").strip()
            if value == "":
                continue
            if prop.get("format") == "date-time":
                data[name] = _moment_from_local(value)
            elif kind == "integer":
                data[name] = int(value) if value.lstrip("-").isdigit() else value
            else:
                data[name] = value
    return data


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
    except ValueError:
        return str(value or "")
    if moment.tzinfo is not None:
        moment = moment.astimezone(OSLO)
    return moment.strftime("%Y-%m-%dT%H:%M")
