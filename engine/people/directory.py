"""Administering people and units. Open tasks follow every change at once (DESIGN: group
changes reach open tasks), because candidates are resolved again in the same transaction."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.bootstrap import Engine
from engine.cases.services import refresh_candidates
from engine.errors import FormInvalid, NotFound, PermissionDenied, SomeflytError
from engine.forms.context import Errors
from engine.people.lanes import ROLES, is_read_only
from engine.people.passwords import hash_password, verify_password
from engine.people.sessions import end_sessions_of
from engine.store import audit
from engine.store.models import Unit, User, UserRole
from engine.texts import DEFAULT_LANGUAGE, LANGUAGES

_IDENTIFIER = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
UNIT_KINDS = ("administration", "department", "school")
MIN_PASSWORD = 10


def _admin(session: Session, username: str) -> User:
    user = session.get(User, username)
    if user is None or not user.active or "admin" not in user.role_names:
        raise PermissionDenied("Berre administratorar kan gjere dette.", "admin_only")
    if is_read_only(user):  # an auditor changes nothing, whatever else they hold
        raise PermissionDenied("Revisorar kan lese alt, men ikkje endre noko.", "read_only")
    return user


def _person_errors(session: Session, fields: dict[str, Any]) -> Errors:
    errors: Errors = {}
    if not (fields.get("full_name") or "").strip():
        errors["full_name"] = ("required", {})
    if not _EMAIL.match(fields.get("email") or ""):
        errors["email"] = ("email", {})
    unit_id = fields.get("unit_id") or ""
    unit = session.get(Unit, unit_id)
    if unit is None or not unit.active:
        errors["unit_id"] = ("unknown_unit", {"value": unit_id})
    unknown = set(fields.get("roles") or []) - set(ROLES)
    if unknown:
        errors["roles"] = ("enum", {"choices": ", ".join(sorted(ROLES))})
    return errors


def create_user(eng: Engine, admin: str, fields: dict[str, Any], password: str) -> str:
    """A new local user; every problem with the form is reported at once."""
    now = eng.clock.now()
    with eng.transaction() as session:
        _admin(session, admin)
        return _add_user(session, admin, fields, password, now)


def create_first_admin(eng: Engine, fields: dict[str, Any], unit_name: str, password: str) -> str:
    """A fresh installation's first administrator, made from the command line by whoever runs
    the server; refused once an active administrator exists (then admins add people)."""
    now = eng.clock.now()
    with eng.transaction() as session:
        admins = session.scalar(
            select(func.count())
            .select_from(User)
            .join(UserRole)
            .where(UserRole.role == "admin", User.active.is_(True))
        )
        if admins:
            raise PermissionDenied(
                "Det finst alt ein administrator; legg til folk i nettlesaren.", "admin_exists"
            )
        unit_id = fields.get("unit_id") or ""
        if _IDENTIFIER.match(unit_id) and session.get(Unit, unit_id) is None:
            session.add(Unit(id=unit_id, name=unit_name or unit_id, kind="administration"))
            session.flush()
            audit.record(session, now, "setup", "unit_created", detail={"unit": unit_id})
        return _add_user(session, "setup", fields | {"roles": ["admin"]}, password, now)


def _add_user(
    session: Session, actor: str, fields: dict[str, Any], password: str, now: datetime
) -> str:
    username = (fields.get("username") or "").strip()
    errors = _person_errors(session, fields)
    if not _IDENTIFIER.match(username):
        errors["username"] = ("identifier", {})
    elif session.get(User, username) is not None:
        errors["username"] = ("username_taken", {"value": username})
    if len(password) < MIN_PASSWORD:
        errors["password"] = ("min_length", {"limit": MIN_PASSWORD})
    if errors:
        raise FormInvalid(errors)
    roles = sorted(set(fields.get("roles") or []))
    session.add(
        User(
            username=username,
            full_name=fields["full_name"].strip(),
            email=fields["email"].strip(),
            unit_id=fields["unit_id"],
            password_hash=hash_password(password),
            active=True,
            roles=[UserRole(role=r) for r in roles],
        )
    )
    session.flush()
    audit.record(
        session,
        now,
        actor,
        "user_created",
        detail={"username": username, "unit": fields["unit_id"], "roles": roles},
    )
    refresh_candidates(session, now)
    return username


def update_user(eng: Engine, admin: str, username: str, fields: dict[str, Any]) -> list[str]:
    """Change name, e-mail, unit, roles, whether the user is active and (a non-empty
    `password`) their password; returns the ids of open tasks whose candidates changed.
    Deactivating someone or giving them a new password ends every session of theirs."""
    now = eng.clock.now()
    with eng.transaction() as session:
        _admin(session, admin)
        user = session.get(User, username)
        if user is None:
            raise NotFound(f"Ukjend brukar: {username}", "unknown_user", value=username)
        errors = _person_errors(session, fields)
        password = fields.get("password") or ""
        if password and len(password) < MIN_PASSWORD:
            errors["password"] = ("min_length", {"limit": MIN_PASSWORD})
        if errors:
            raise FormInvalid(errors)
        before = _person_snapshot(user)
        roles = sorted(set(fields.get("roles") or []))
        if username == admin and ("admin" not in roles or not fields.get("active", True)):
            # Nobody locks themselves out; another admin can do it if it is really meant.
            raise FormInvalid({"roles": ("admin_self", {})})
        user.full_name = fields["full_name"].strip()
        user.email = fields["email"].strip()
        user.unit_id = fields["unit_id"]
        user.active = bool(fields.get("active", True))
        if roles != sorted(user.role_names):
            user.roles = [UserRole(role=r) for r in roles]
        if password:
            user.password_hash = hash_password(password)
        session.flush()
        after = _person_snapshot(user)
        changes: dict[str, Any] = {
            k: [before[k], after[k]] for k in before if before[k] != after[k]
        }
        if password:
            changes["password"] = "changed"  # that it changed, never what it is
        if password or not user.active:
            ended = end_sessions_of(session, username)
            if ended:
                changes["sessions_ended"] = ended
        if changes:
            audit.record(
                session, now, admin, "user_changed", detail={"username": username, **changes}
            )
        return refresh_candidates(session, now)


def _person_snapshot(user: User) -> dict[str, Any]:
    return {
        "full_name": user.full_name,
        "email": user.email,
        "unit": user.unit_id,
        "active": user.active,
        "roles": sorted(user.role_names),
    }


def create_unit(eng: Engine, admin: str, fields: dict[str, Any]) -> str:
    now = eng.clock.now()
    with eng.transaction() as session:
        _admin(session, admin)
        unit_id = (fields.get("id") or "").strip()
        errors: Errors = {}
        if not _IDENTIFIER.match(unit_id):
            errors["id"] = ("identifier", {})
        elif session.get(Unit, unit_id) is not None:
            errors["id"] = ("unit_taken", {"value": unit_id})
        if not (fields.get("name") or "").strip():
            errors["name"] = ("required", {})
        if fields.get("kind") not in UNIT_KINDS:
            errors["kind"] = ("enum", {"choices": ", ".join(UNIT_KINDS)})
        parent = fields.get("parent_id") or None
        if parent and not getattr(session.get(Unit, parent), "active", False):
            errors["parent_id"] = ("unknown_unit", {"value": parent})
        if errors:
            raise FormInvalid(errors)
        session.add(
            Unit(id=unit_id, name=fields["name"].strip(), kind=fields["kind"], parent_id=parent)
        )
        session.flush()
        audit.record(
            session,
            now,
            admin,
            "unit_created",
            detail={"unit": unit_id, "name": fields["name"].strip(), "kind": fields["kind"]},
        )
        return unit_id


def set_unit_active(eng: Engine, admin: str, unit_id: str, active: bool) -> None:
    """Close or reopen a unit. A unit with active people cannot close: move them first, so
    nobody is left in a unit no form accepts."""
    now = eng.clock.now()
    with eng.transaction() as session:
        _admin(session, admin)
        unit = session.get(Unit, unit_id, with_for_update=True)
        if unit is None:
            raise NotFound(f"Ukjend eining: {unit_id}", "unknown_unit", value=unit_id)
        if not active:
            members = session.scalar(
                select(func.count())
                .select_from(User)
                .where(User.unit_id == unit_id, User.active.is_(True))
            )
            if members:
                raise FormInvalid({"unit": ("unit_has_people", {"count": members})})
        if unit.active != active:
            unit.active = active
            audit.record(
                session,
                now,
                admin,
                "unit_reopened" if active else "unit_closed",
                detail={"unit": unit_id},
            )


def set_language(eng: Engine, username: str, language: str) -> None:
    """The language a person reads pages and e-mails in; anything but nn, nb or en is refused."""
    if language not in LANGUAGES:
        raise SomeflytError(
            f"Ukjend språk: {language[:20]}", "unknown_language", choices=", ".join(LANGUAGES)
        )
    with eng.transaction() as session:
        user = session.get(User, username)
        if user is None or not user.active:
            raise NotFound(f"Ukjend brukar: {username}", "unknown_user", value=username)
        user.language = language


def language_of(eng: Engine, username: str) -> str:
    with eng.reading() as session:
        user = session.get(User, username)
        return user.language if user else DEFAULT_LANGUAGE


def authenticate(eng: Engine, username: str, password: str) -> str | None:
    """The username if the password is right and the user active; audited either way."""
    now = eng.clock.now()
    with eng.transaction() as session:
        user = session.get(User, username)
        stored = user.password_hash if user is not None and user.active else None
        ok = verify_password(stored, password)
        audit.record(
            session,
            now,
            username if ok else "anonymous",
            "login" if ok else "login_failed",
            detail={"username": username[:64]},
        )
        return username if ok else None
