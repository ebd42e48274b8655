"""Absences (G2b: "if the administrator is away, another person takes over answering").

A person registers when they are away, from–to. While an absence lasts, new human tasks leave
them out (engine.people.absence_routing). Who may register for whom:

- everyone for themselves;
- an account's owner for that account's deputy and moderators;
- an administrator for anyone.

An absence is never deleted: cancelling sets `cancelled_at`, so the history keeps who was away
when. Registering and cancelling are audit events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine.clock import parse_moment
from engine.errors import FormInvalid, NotFound, PermissionDenied
from engine.people.lanes import get_user, is_read_only
from engine.store import audit
from engine.store.models import Absence, Account, User

if TYPE_CHECKING:  # bootstrap → notifications → …; only the type is needed here
    from engine.bootstrap import Engine

# A start a little in the past is fine (the form was opened a while ago, or "since this
# morning"); further back changes nothing, since absence only steers tasks from now on.
PAST_TOLERANCE = timedelta(hours=1)
LONGEST = timedelta(days=366)  # longer than a year is a leave of absence: change the account
NOTE_LENGTH = 200
# Who sees every absence: those who run the system, follow every account, or check it.
SEES_ALL_ABSENCES = frozenset({"admin", "comms", "head_of_information", "auditor"})

Errors = dict[str, tuple[str, dict[str, Any]]]


@dataclass(frozen=True)
class AbsenceView:
    id: int
    username: str
    full_name: str
    starts_at: datetime
    ends_at: datetime
    note: str | None
    created_by: str
    current: bool  # going on now
    may_cancel: bool


# --- who is away -------------------------------------------------------------------------------


def absent_users(session: Session, usernames: set[str] | list[str], now: datetime) -> set[str]:
    """Those of `usernames` with an absence (not cancelled) that covers `now`."""
    names = set(usernames)
    if not names:
        return set()
    return set(
        session.scalars(
            select(Absence.username).where(
                Absence.username.in_(sorted(names)),
                Absence.cancelled_at.is_(None),
                Absence.starts_at <= now,
                Absence.ends_at > now,
            )
        )
    )


def team_away_now(eng: Engine, account_id: int) -> list[str]:
    """Who of an account's owner, deputy and moderators is away now (for the account page)."""
    with eng.reading() as session:
        account = session.get(Account, account_id)
        if account is None:
            raise NotFound(f"Ukjend konto: {account_id}", "unknown_account")
        return sorted(absent_users(session, _team(session, account), eng.clock.now()))


# --- registering and cancelling ----------------------------------------------------------------


def register_absence(
    eng: Engine,
    actor: str,
    username: str,
    starts_at: datetime | str | None,
    ends_at: datetime | str | None,
    note: str | None = None,
) -> int:
    """Register that `username` is away from `starts_at` until `ends_at`; returns its id.

    Moments may be given as ISO-8601 text (from a form); every problem is reported at once."""
    now = eng.clock.now()
    with eng.transaction() as session:
        acting = _acting_user(session, actor)
        person = session.get(User, username)
        if person is None or not person.active:
            raise FormInvalid({"username": ("unknown_user", {"value": username})})
        if not may_manage(session, acting, username):
            raise PermissionDenied(
                f"Du kan ikkje registrere fråvær for {username}.", "absence_not_yours"
            )
        start, end, note = _validated(starts_at, ends_at, note, now)
        absence = Absence(
            username=username,
            starts_at=start,
            ends_at=end,
            note=note,
            created_by=actor,
            created_at=now,
        )
        session.add(absence)
        session.flush()
        audit.record(
            session,
            now,
            actor,
            "absence_registered",
            detail={
                "absence_id": absence.id,
                "username": username,
                "starts_at": start.isoformat(),
                "ends_at": end.isoformat(),
            },
        )
        return absence.id


def cancel_absence(eng: Engine, actor: str, absence_id: int) -> None:
    """Cancel an absence (kept, marked cancelled). Whoever may register it may cancel it."""
    now = eng.clock.now()
    with eng.transaction() as session:
        acting = _acting_user(session, actor)
        absence = session.get(Absence, absence_id, with_for_update=True)
        # One the actor may not even see is answered as one that does not exist (issue 14).
        if absence is None or not _may_see(session, acting, absence.username):
            raise NotFound(f"Ukjend fråvær: {absence_id}", "unknown_absence")
        if not may_manage(session, acting, absence.username):
            raise PermissionDenied(
                f"Du kan ikkje registrere fråvær for {absence.username}.", "absence_not_yours"
            )
        if absence.cancelled_at is not None:
            return  # a second click changes nothing
        absence.cancelled_at = now
        audit.record(
            session,
            now,
            actor,
            "absence_cancelled",
            detail={"absence_id": absence.id, "username": absence.username},
        )


def _validated(
    starts_at: datetime | str | None,
    ends_at: datetime | str | None,
    note: str | None,
    now: datetime,
) -> tuple[datetime, datetime, str | None]:
    errors: Errors = {}
    start = _moment("starts_at", starts_at, errors)
    end = _moment("ends_at", ends_at, errors)
    note = (note or "").strip() or None
    if note and len(note) > NOTE_LENGTH:
        errors["note"] = ("max_length", {"limit": NOTE_LENGTH})
    if start is not None and start < now - PAST_TOLERANCE:
        errors["starts_at"] = ("absence_in_past", {})
    if start is not None and end is not None:
        if end <= start:
            errors["ends_at"] = ("absence_end_before_start", {})
        elif end - start > LONGEST:
            errors["ends_at"] = ("absence_too_long", {"days": LONGEST.days})
    if errors:
        raise FormInvalid(errors)
    assert start is not None and end is not None
    return start, end, note


def _moment(field: str, value: datetime | str | None, errors: Errors) -> datetime | None:
    if isinstance(value, datetime):
        if value.tzinfo is None:  # a moment without a zone is ambiguous: refuse, don't guess
            errors[field] = ("date_time", {"value": value.isoformat()})
            return None
        return value
    if value is None or not str(value).strip():
        errors[field] = ("required", {})
        return None
    try:
        return parse_moment(str(value).strip())
    except ValueError:
        errors[field] = ("date_time", {"value": value})
        return None


# --- who may register for whom -----------------------------------------------------------------


def may_manage(session: Session, actor: User, username: str) -> bool:
    """Whether `actor` may register and cancel absences of `username`."""
    if actor.username == username or "admin" in actor.role_names:
        return True
    return username in _owned_teams(session, actor.username)


def _may_see(session: Session, actor: User, username: str) -> bool:
    """Whether `actor` sees absences of `username` in the list (list_absences)."""
    if actor.role_names & SEES_ALL_ABSENCES:
        return True
    return actor.username == username or username in _owned_teams(session, actor.username)


def manageable_people(eng: Engine, actor: str) -> list[dict[str, str]]:
    """The people `actor` may register absence for (themselves first), for the form's list."""
    with eng.reading() as session:
        acting = get_user(session, actor)
        if is_read_only(acting):
            return []
        query = select(User.username, User.full_name).where(User.active.is_(True))
        if "admin" not in acting.role_names:
            query = query.where(User.username.in_(sorted(_owned_teams(session, actor) | {actor})))
        rows = session.execute(query.order_by(User.full_name)).all()
        people = [{"username": u, "full_name": n} for u, n in rows]
        return sorted(people, key=lambda p: p["username"] != actor)  # stable: self first


def _owned_teams(session: Session, owner: str) -> set[str]:
    """The deputies and moderators of the active accounts `owner` owns."""
    accounts = list(
        session.scalars(select(Account).where(Account.owner == owner, Account.status == "active"))
    )
    people: set[str] = set()
    for account in accounts:  # moderators come with the account (selectin: one more query)
        people |= _team(session, account)
    return people - {owner}


def _team(session: Session, account: Account) -> set[str]:
    return {account.owner, account.deputy, *(m.username for m in account.moderators)}


# --- listing -----------------------------------------------------------------------------------


def list_absences(eng: Engine, actor: str) -> list[AbsenceView]:
    """Current and coming absences the actor may see: their own; an account owner also their
    teams'; administrators, the comms section and auditors everyone's."""
    now = eng.clock.now()
    with eng.reading() as session:
        acting = get_user(session, actor)
        query = (
            select(Absence, User.full_name)
            .join(User, User.username == Absence.username)
            .where(Absence.cancelled_at.is_(None), Absence.ends_at > now)
            .order_by(Absence.starts_at, Absence.id)
        )
        if not acting.role_names & SEES_ALL_ABSENCES:
            team = _owned_teams(session, actor)
            query = query.where(or_(Absence.username == actor, Absence.username.in_(sorted(team))))
        writable = not is_read_only(acting)
        return [
            AbsenceView(
                id=a.id,
                username=a.username,
                full_name=full_name,
                starts_at=a.starts_at,
                ends_at=a.ends_at,
                note=a.note,
                created_by=a.created_by,
                current=a.starts_at <= now,
                may_cancel=writable and may_manage(session, acting, a.username),
            )
            for a, full_name in session.execute(query)
        ]


def _acting_user(session: Session, username: str) -> User:
    user = get_user(session, username)
    if is_read_only(user):
        raise PermissionDenied("Revisorar kan lese alt, men ikkje endre noko.", "read_only")
    return user
