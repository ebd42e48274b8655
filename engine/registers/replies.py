"""Saved replies: templates per purpose and tone, in Nynorsk and Bokmål (G3, G6–G8, G10, E5).

A person is answered in the written standard they used (DESIGN: conventions). Texts hold plain
placeholders such as "{author}"; they are replaced by simple substitution, never evaluated, and
a text naming any other placeholder is refused when it is saved. The comms section and admins
maintain the templates; every change is audited with the text before and after, and a template
is never deleted, only deactivated, so history keeps what was sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.bpmn.deployed import decision_outputs
from engine.errors import FormInvalid, NotFound, PermissionDenied
from engine.people.lanes import get_user, is_read_only
from engine.registers.reply_seeds import SEEDS, SeedReply
from engine.store import audit
from engine.store.models import Account, AuditEvent, SavedReply, Unit, User

if TYPE_CHECKING:  # engine.forms imports this module, and bootstrap imports the forms
    from engine.bootstrap import Engine

SYSTEM = "system"
PLACEHOLDERS = ("author", "account_name", "platform", "unit_name")
PURPOSES = (
    "thanks",
    "formal_request",
    "political_referral",
    "confidential_redirect",
    "contact_refusal",
    "answer",
)
TONES = ("factual", "humorous", "formal")
EDITORS = frozenset({"comms", "admin"})
# The routing table's output naming the saved reply a route prescribes (the inquiry routing table):
# deactivating such a template would leave those inquiries unanswerable, so it is refused. The
# keys come from the deployed tables, so a new routing version the comms section deploys counts.
ROUTING_OUTPUT = "reply_template"
FIELDS = ("purpose", "tone", "title_nn", "title_nb", "text_nn", "text_nb")
EVENT_KINDS = (
    "saved_reply_created",
    "saved_reply_changed",
    "saved_reply_deactivated",
    "saved_reply_reactivated",
)
MAX_TITLE = 200
MAX_TEXT = 8000  # the reply form's own limit for a reply

_KEY = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
_BRACED = re.compile(r"\{([^{}]*)\}")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
# How {platform} reads in a sentence ("her på Instagram"); the registry stores lower-case keys.
PLATFORM_NAMES = {
    "facebook": "Facebook",
    "instagram": "Instagram",
    "linkedin": "LinkedIn",
    "x": "X",
    "tiktok": "TikTok",
    "youtube": "YouTube",
    "snapchat": "Snapchat",
}
# Filled into previews on the edit page, so the comms section sees a text as it will read.
SAMPLE_VALUES = {
    "author": "@ola_nordmann",
    "account_name": "alesundvgs",
    "platform": "instagram",
    "unit_name": "Ålesund vidaregåande skule",
}

Errors = dict[str, tuple[str, dict[str, Any]]]


# --- texts -------------------------------------------------------------------------------------


def written_standard(language: str | None) -> str:
    """The start form's `language`: Bokmål is answered in Bokmål, everything else in Nynorsk
    (the county's administrative language)."""
    return "nb" if language == "bokmål" else "nn"


def placeholder_values(data: Mapping[str, Any]) -> dict[str, str]:
    """The placeholders' values from process data; only plain names are read from it."""
    values = {name: str(data[name]) for name in PLACEHOLDERS if data.get(name) not in (None, "")}
    if "platform" in values:
        values["platform"] = PLATFORM_NAMES.get(values["platform"], values["platform"])
    return values


def fill(text: str, data: Mapping[str, Any]) -> str:
    """Replace each known placeholder; one without a value stays visible, to be noticed."""
    values = placeholder_values(data)
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def render(reply: SavedReply, language: str | None, data: Mapping[str, Any]) -> str:
    """The reply in the sender's written standard, placeholders filled."""
    text = reply.text_nb if written_standard(language) == "nb" else reply.text_nn
    return fill(text, data)


def title(reply: SavedReply, ui_lang: str) -> str:
    return reply.title_nb if ui_lang == "nb" else reply.title_nn


def placeholder_error(text: str) -> tuple[str, dict[str, Any]] | None:
    """Why a text's placeholders are not acceptable, or None. Braces are for placeholders only:
    "{user.password}" or "{0}" are refused, not evaluated."""
    allowed = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
    for match in _BRACED.finditer(text):
        if match.group(1) not in PLACEHOLDERS:
            return ("saved_reply_placeholder", {"value": match.group(0), "allowed": allowed})
    if "{" in _BRACED.sub("", text) or "}" in _BRACED.sub("", text):
        return ("saved_reply_brace", {"allowed": allowed})
    return None


def clean_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The editable fields, trimmed and checked; every problem is reported at once."""
    texts = {name: str(fields.get(name) or "").strip() for name in FIELDS}
    tone = texts["tone"] or None
    errors: Errors = {}
    if texts["purpose"] not in PURPOSES:
        errors["purpose"] = ("enum", {"choices": ", ".join(PURPOSES)})
    if tone is not None and tone not in TONES:
        errors["tone"] = ("enum", {"choices": ", ".join(TONES)})
    for name, limit in (("title_nn", MAX_TITLE), ("title_nb", MAX_TITLE)):
        errors.update(_text_error(name, texts[name], limit))
    for name in ("text_nn", "text_nb"):
        errors.update(_text_error(name, texts[name], MAX_TEXT))
        problem = placeholder_error(texts[name])
        if problem and name not in errors:
            errors[name] = problem
    if errors:
        raise FormInvalid(errors)
    return {**texts, "tone": tone}


def _text_error(name: str, value: str, limit: int) -> Errors:
    if not value:
        return {name: ("required", {})}
    if len(value) > limit:
        return {name: ("max_length", {"limit": limit})}
    return {}


# --- reading -----------------------------------------------------------------------------------


def routed_keys(session: Session) -> set[str]:
    """The templates the deployed routing tables prescribe."""
    return decision_outputs(session, ROUTING_OUTPUT)


def as_dict(reply: SavedReply, routed: set[str]) -> dict[str, Any]:
    return {
        "key": reply.key,
        "purpose": reply.purpose,
        "tone": reply.tone,
        "title_nn": reply.title_nn,
        "title_nb": reply.title_nb,
        "text_nn": reply.text_nn,
        "text_nb": reply.text_nb,
        "active": reply.active,
        "updated_at": reply.updated_at,
        "updated_by": reply.updated_by,
        "routed": reply.key in routed,
    }


def list_replies(eng: Engine, *, include_inactive: bool = False) -> list[dict[str, Any]]:
    with eng.reading() as session:
        query = select(SavedReply).order_by(SavedReply.purpose, SavedReply.key)
        if not include_inactive:
            query = query.where(SavedReply.active.is_(True))
        routed = routed_keys(session)
        return [as_dict(reply, routed) for reply in session.scalars(query)]


def get_reply(eng: Engine, key: str) -> dict[str, Any]:
    with eng.reading() as session:
        return as_dict(_reply(session, key), routed_keys(session))


def history(eng: Engine, key: str) -> list[dict[str, Any]]:
    """Every audited change of one template, oldest first (with the texts before and after)."""
    with eng.reading() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.kind.in_(EVENT_KINDS)).order_by(AuditEvent.seq)
        )
        return [
            {"at": e.occurred_at, "actor": e.actor, "kind": e.kind, "detail": e.detail}
            for e in events
            if e.detail.get("key") == key
        ]


def is_selectable(session: Session, key: str) -> bool:
    """Whether a reply task may name this template: it exists and is active."""
    reply = session.scalar(select(SavedReply).where(SavedReply.key == key))
    return reply is not None and reply.active


def inquiry_values(session: Session, data: Mapping[str, Any]) -> dict[str, Any]:
    """An inquiry's data with `unit_name`: the unit that owns the account (E5's school)."""
    account = session.get(Account, data.get("account_id")) if data.get("account_id") else None
    unit = session.get(Unit, account.unit_id) if account is not None else None
    return dict(data) | ({"unit_name": unit.name} if unit is not None else {})


def render_for_inquiry(session: Session, key: str, data: Mapping[str, Any]) -> str | None:
    """The text of template `key` as this inquiry's sender should get it, or None."""
    reply = session.scalar(select(SavedReply).where(SavedReply.key == key))
    if reply is None:
        return None
    return render(reply, data.get("language"), inquiry_values(session, data))


def texts_for_inquiry(eng: Engine, data: Mapping[str, Any], ui_lang: str) -> list[dict[str, str]]:
    """Every active template rendered for this inquiry, for the moderator to copy."""
    with eng.reading() as session:
        values = inquiry_values(session, data)
        replies = session.scalars(
            select(SavedReply).where(SavedReply.active.is_(True)).order_by(SavedReply.key)
        )
        return [
            {
                "key": reply.key,
                "title": title(reply, ui_lang),
                "title_lang": "nb" if ui_lang == "nb" else "nn",
                "text": render(reply, data.get("language"), values),
                "lang": written_standard(data.get("language")),
            }
            for reply in replies
        ]


def _reply(session: Session, key: str, *, lock: bool = False) -> SavedReply:
    query = select(SavedReply).where(SavedReply.key == key)
    reply = session.scalar(query.with_for_update() if lock else query)
    if reply is None:
        raise NotFound(f"Ukjend svarmal: {key}", "unknown_saved_reply")
    return reply


# --- changing ----------------------------------------------------------------------------------


def _editor(session: Session, username: str) -> User:
    user = get_user(session, username)
    if is_read_only(user):
        raise PermissionDenied("Revisorar kan lese alt, men ikkje endre noko.", "read_only")
    if not user.role_names & EDITORS:
        raise PermissionDenied(
            "Berre kommunikasjonsseksjonen og administratorar kan endre svarmalar.", "comms_only"
        )
    return user


def may_edit(eng: Engine, username: str) -> bool:
    with eng.reading() as session:
        try:
            _editor(session, username)
        except PermissionDenied:
            return False
        return True


def seed(eng: Engine) -> list[str]:
    """Add the default templates whose keys are missing; returns the keys added. Idempotent,
    and never overwrites a template the comms section has edited or deactivated."""
    now = eng.clock.now()
    with eng.transaction() as session:
        existing = set(session.scalars(select(SavedReply.key)))
        missing = [s for s in SEEDS if s.key not in existing]
        for default in missing:
            _add(session, default.key, _seed_fields(default), SYSTEM, now)
        return [default.key for default in missing]


def _seed_fields(default: SeedReply) -> dict[str, Any]:
    return {name: getattr(default, name) for name in FIELDS}


def create_reply(eng: Engine, actor: str, key: str, fields: Mapping[str, Any]) -> str:
    now = eng.clock.now()
    key = (key or "").strip()
    with eng.transaction() as session:
        _editor(session, actor)
        errors: Errors = {}
        if not _KEY.match(key):
            errors["key"] = ("saved_reply_key", {})
        elif session.scalar(select(SavedReply.id).where(SavedReply.key == key)) is not None:
            errors["key"] = ("saved_reply_key_taken", {"value": key})
        try:
            cleaned = clean_fields(fields)
        except FormInvalid as exc:
            errors = errors | exc.errors
        if errors:
            raise FormInvalid(errors)
        _add(session, key, cleaned, actor, now)
        return key


def _add(session: Session, key: str, fields: dict[str, Any], actor: str, now: datetime) -> None:
    session.add(SavedReply(key=key, active=True, updated_at=now, updated_by=actor, **fields))
    session.flush()
    audit.record(session, now, actor, "saved_reply_created", detail={"key": key, "after": fields})


def update_reply(eng: Engine, actor: str, key: str, fields: Mapping[str, Any]) -> bool:
    """Save the edited fields; the audit event keeps each changed field's old and new value.
    Returns whether anything changed (an unchanged save records nothing)."""
    now = eng.clock.now()
    with eng.transaction() as session:
        _editor(session, actor)
        reply = _reply(session, key, lock=True)
        cleaned = clean_fields(fields)
        changes = {
            name: {"before": getattr(reply, name), "after": value}
            for name, value in cleaned.items()
            if getattr(reply, name) != value
        }
        if not changes:
            return False
        for name, change in changes.items():
            setattr(reply, name, change["after"])
        reply.updated_at, reply.updated_by = now, actor
        audit.record(
            session, now, actor, "saved_reply_changed", detail={"key": key, "changes": changes}
        )
        return True


def set_reply_active(eng: Engine, actor: str, key: str, active: bool) -> bool:
    """Deactivate (no longer offered) or reactivate a template; returns whether it changed."""
    now = eng.clock.now()
    with eng.transaction() as session:
        _editor(session, actor)
        reply = _reply(session, key, lock=True)
        if reply.active == active:
            return False
        if not active and key in routed_keys(session):
            raise FormInvalid({"active": ("saved_reply_routed", {"value": key})})
        reply.active = active
        reply.updated_at, reply.updated_by = now, actor
        kind = "saved_reply_reactivated" if active else "saved_reply_deactivated"
        audit.record(session, now, actor, kind, detail={"key": key})
        return True
