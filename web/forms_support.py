"""What form pages share: choices for people and units, and rendering a schema with errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine import queries
from engine.errors import FormInvalid
from web.extensions import engine
from web.form_fields import Field, Option, build_fields, translated
from web.i18n import lang


def choices(unit: str | None = None) -> dict[str, list[Option]]:
    """Options by JSON-Schema format; `username[]` (several people) lists the people of the
    case's unit, since moderators and the like come from there (A5)."""
    people = queries.users(engine(), include_inactive=False)
    units = queries.units(engine())
    return {
        "username": [Option(p["username"], f"{p['full_name']} ({p['username']})") for p in people],
        "username[]": [
            Option(p["username"], f"{p['full_name']} ({p['username']})")
            for p in people
            if unit and p["unit_id"] == unit
        ],
        "unit": [Option(u["id"], u["name"]) for u in units],
    }


@dataclass
class FormView:
    fields: list[Field]
    people: list[Option]  # for the person picker
    general_errors: list[str]  # errors that belong to no single field


def form_view(
    schema: dict[str, Any],
    values: dict[str, Any],
    error: FormInvalid | None = None,
    unit: str | None = None,
) -> FormView:
    options = choices(unit)
    errors = error.messages(lang()) if error else {}
    fields = build_fields(schema, lang(), values, errors, options)
    named = {f.name for f in fields}
    general = [text for name, text in errors.items() if name not in named]
    return FormView(fields, options["username"], general)


def data_labels(forms: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Field name -> label in the user's language, from every form of the process."""
    labels: dict[str, str] = {}
    for schema in forms.values():
        for name, prop in schema.get("properties", {}).items():
            labels.setdefault(name, translated(prop, lang()) or name)
    return labels
