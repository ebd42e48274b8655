"""What form pages share: choices for people and units, and rendering a schema with errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from engine import queries
from engine.errors import FormInvalid
from engine.messages import render
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
    """Field name -> label in the user's language, in form order, from every form of the
    process, then the facts the server adds."""
    labels: dict[str, str] = {}
    for schema in forms.values():
        for name, prop in schema.get("properties", {}).items():
            labels.setdefault(name, translated(prop, lang()) or name)
    return labels | {k: v for k, v in _derived_labels().items() if k not in labels}


def _derived_labels() -> dict[str, str]:
    return {
        "applicant": _("Applicant"),
        "unit_name": _("Name of the unit"),
        "unit_kind": _("Kind of unit"),
        "approver_role": _("Approved by"),
        "warnings": _("Warnings for the approver"),
    }


@dataclass
class DataItem:
    key: str
    label: str
    value: Any


def present_data(data: dict[str, Any], labels: dict[str, str]) -> list[DataItem]:
    """Process data in form order with labels; warnings become sentences in the user's
    language (the engine stores them as message codes)."""
    order = {key: index for index, key in enumerate(labels)}
    items = []
    for key in sorted(data, key=lambda k: (order.get(k, len(order)), k)):
        value = data[key]
        if key == "warnings" and isinstance(value, list):
            value = warning_texts(value)
        items.append(DataItem(key, labels.get(key, key), value))
    return items


def warning_texts(warnings: list[dict[str, Any]]) -> list[str]:
    return [render(w["code"], w.get("params"), lang()) for w in warnings if "code" in w]
