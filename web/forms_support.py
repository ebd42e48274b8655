"""What form pages share: choices for people and units, and rendering a form with errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_login import current_user

from engine.errors import FormInvalid, PermissionDenied
from engine.forms.spec import FormSpec
from engine.people.directory import UNIT_KINDS
from engine.people.lanes import ROLES
from engine.registers import consent_photos, consents, listing, replies
from engine.texts import DATA_CONTEXT, package_texts, translate
from web.extensions import engine
from web.form_fields import Field, Option, build_fields, options_for
from web.i18n import lang
from web.moments import when
from web.vocabulary import role_label, unit_kind_label


def choices(unit: str | None = None) -> dict[str, list[Option]]:
    """Options by JSON-Schema format; `username[]` (several people) lists the people of the
    case's unit, since moderators and the like come from there (A5)."""
    people = listing.users(engine())
    units = listing.units(engine())
    accounts = listing.accounts(engine(), status="active", with_activity=False)
    account_options = [
        Option(str(a["id"]), f"{a['account_name']} ({a['platform']}, {a['unit_name']})")
        for a in accounts
    ]
    return {
        "saved_reply": _saved_reply_options(include_inactive=False),
        "account": account_options,
        "account[]": account_options,
        "username": [Option(p["username"], f"{p['full_name']} ({p['username']})") for p in people],
        "username[]": [
            Option(p["username"], f"{p['full_name']} ({p['username']})")
            for p in people
            if unit and p["unit_id"] == unit
        ],
        "unit": [Option(u["id"], u["name"]) for u in units],
        "consent[]": _consent_options(active_only=True),
    }


def _consent_options(*, active_only: bool) -> list[Option]:
    """Consents by the person's name and what they cover (G11), as far as the reader may see
    them; a post's photos choose among the active ones."""
    if not current_user.is_authenticated:
        return []
    if active_only:
        found = consent_photos.selectable(engine(), current_user.username)
    else:
        try:
            found = consents.list_consents(engine(), current_user.username)
        except PermissionDenied:
            found = []
    everywhere = _("all official accounts")
    return [
        Option(str(c["id"]), f"{c['person_name']} ({c['account_name'] or everywhere}, #{c['id']})")
        for c in found
    ]


@dataclass
class FormView:
    fields: list[Field]
    people: list[Option]  # for the person picker
    general_errors: list[str]  # errors that belong to no single field


def form_view(
    form: FormSpec,
    values: dict[str, Any],
    error: FormInvalid | None = None,
    unit: str | None = None,
) -> FormView:
    options = choices(unit)
    errors = error.messages(lang()) if error else {}
    fields = build_fields(form, lang(), values, errors, options)
    named = {f.name for f in fields}
    general = [text for name, text in errors.items() if name not in named]
    return FormView(fields, options["username"], general)


@dataclass
class Vocabulary:
    """How to show a process's data: field labels in form order, and labels of values."""

    labels: dict[str, str]
    values: dict[str, dict[str, str]]
    moments: frozenset[str] = frozenset()  # date-time fields, shown as dates, not ISO text


def data_vocabulary(forms: dict[str, FormSpec]) -> Vocabulary:
    labels: dict[str, str] = {}
    values: dict[str, dict[str, str]] = {}
    names = _names_by_format()
    for form in forms.values():
        for name, spec in form.fields.items():
            labels.setdefault(name, spec.text(lang()) or name)
            options = {o.value: o.label for o in options_for(spec, lang(), names)}
            if options:
                values.setdefault(name, options)
    derived = {
        "applicant": _("Applicant"),
        "unit_name": _("Name of the unit"),
        "unit_kind": _("Kind of unit"),
        "approver_role": _("Approved by"),
    }
    # Facts a process package adds to its cases (a photo's removal: the post, the photos) are
    # named in its own texts.
    derived |= package_texts(DATA_CONTEXT, lang())
    labels |= {key: text for key, text in derived.items() if key not in labels}
    moments = frozenset(
        spec.name for form in forms.values() for spec in form.with_format("date-time")
    )
    values["unit_kind"] = {kind: unit_kind_label(kind) for kind in UNIT_KINDS}
    values["approver_role"] = {role: role_label(role) for role in ROLES}
    return Vocabulary(labels, values, moments)


def _names_by_format() -> dict[str, list[Option]]:
    """People and units by their display names, including those since deactivated."""
    people = [
        Option(p["username"], f"{p['full_name']} ({p['username']})")
        for p in listing.users(engine(), include_inactive=True)
    ]
    units = [Option(u["id"], u["name"]) for u in listing.units(engine(), include_inactive=True)]
    accounts = [
        Option(str(a["id"]), f"{a['account_name']} ({a['platform']})")
        for a in listing.accounts(engine(), with_activity=False)
    ]
    return {
        "username": people,
        "username[]": people,
        "unit": units,
        "account": accounts,
        "account[]": accounts,
        "saved_reply": _saved_reply_options(include_inactive=True),
        "consent[]": _consent_options(active_only=False),
    }


def _saved_reply_options(*, include_inactive: bool) -> list[Option]:
    """Saved replies by their title in the reader's language (Bokmål, else Nynorsk)."""
    title = "title_nb" if lang() == "nb" else "title_nn"
    return [
        Option(r["key"], r[title])
        for r in replies.list_replies(engine(), include_inactive=include_inactive)
    ]


@dataclass
class DataItem:
    key: str
    label: str
    value: Any


def present_data(data: dict[str, Any], vocabulary: Vocabulary) -> list[DataItem]:
    """The data people entered or the server derived, in form order and in the reader's
    language; bookkeeping of service tasks stays out (the JSON export has everything)."""
    items = []
    for key, label in vocabulary.labels.items():
        if key not in data:
            continue
        value = data[key]
        names = vocabulary.values.get(key, {})
        if key == "warnings" and isinstance(value, list):
            value = warning_texts(value)
        elif key in vocabulary.moments and isinstance(value, str):
            value = _moment_text(value)
        elif isinstance(value, list):
            value = [names.get(str(v), v) for v in value]
        elif isinstance(value, str | int) and not isinstance(value, bool):
            value = names.get(str(value), value)
        items.append(DataItem(key, label, value))
    return items


def _moment_text(value: str) -> str:
    """A stored moment in the reader's local time, as the rest of the UI shows moments."""
    try:
        return when(value)
    except ValueError:
        return value  # whatever was typed, shown as typed


def warning_texts(warnings: list[dict[str, Any]]) -> list[str]:
    return [translate(w["code"], w.get("params"), lang()) for w in warnings if "code" in w]
