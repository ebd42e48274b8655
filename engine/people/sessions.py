"""Server-side sessions of the web app (issue 14, point 3).

A signed cookie alone stays valid for as long as its signature does: a copy taken before
logout still worked after it. So a login opens a session here: the browser's cookie holds a
random token, the `web_session` table its SHA-256 (a database reader cannot take a session
over). Every request checks the row. It ends

- at logout (the row is deleted),
- when the person is deactivated or gets a new password (every row of theirs is deleted, in
  the same transaction as the change),
- after `idle` without a request (SOMEFLYT_SESSION_IDLE_HOURS, 8) or `absolute` after the
  login whatever happens (SOMEFLYT_SESSION_MAX_DAYS, 7).

A request refreshes `last_seen_at` at most once a minute, so reading pages writes little.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from engine.store.models import WebSession

if TYPE_CHECKING:  # the engine's services import this module; bootstrap imports them
    from engine.bootstrap import Engine

TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionLimits:
    idle: timedelta = timedelta(hours=8)
    absolute: timedelta = timedelta(days=7)

    @classmethod
    def from_env(cls) -> SessionLimits:
        env = os.environ.get
        return cls(
            idle=timedelta(hours=float(env("SOMEFLYT_SESSION_IDLE_HOURS", "8"))),
            absolute=timedelta(days=float(env("SOMEFLYT_SESSION_MAX_DAYS", "7"))),
        )

    def expired(self, row: WebSession, now: datetime) -> bool:
        return now - row.last_seen_at > self.idle or now - row.created_at > self.absolute


def _key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_session(eng: Engine, username: str, limits: SessionLimits) -> str:
    """A new session for `username`; returns the token for the cookie (shown nowhere else).
    Sessions of theirs that have run out are cleared on the way."""
    now = eng.clock.now()
    token = secrets.token_urlsafe(32)
    with eng.transaction() as session:
        session.execute(
            delete(WebSession).where(
                WebSession.username == username,
                or_(
                    WebSession.last_seen_at < now - limits.idle,
                    WebSession.created_at < now - limits.absolute,
                ),
            )
        )
        session.add(WebSession(id=_key(token), username=username, created_at=now, last_seen_at=now))
    return token


def session_valid(eng: Engine, token: str | None, username: str, limits: SessionLimits) -> bool:
    """Whether `token` is a live session of `username` (and mark it seen)."""
    if not token:
        return False
    now = eng.clock.now()
    with eng.reading() as session:
        row = session.get(WebSession, _key(token))
        if row is None or row.username != username:
            return False
        expired, stale = limits.expired(row, now), now - row.last_seen_at > TOUCH_EVERY
    if expired:
        end_session(eng, token)
        return False
    if stale:
        with eng.transaction() as session:
            row = session.get(WebSession, _key(token))
            if row is None:  # ended meanwhile (a logout in another tab)
                return False
            row.last_seen_at = max(row.last_seen_at, now)
    return True


def end_session(eng: Engine, token: str | None) -> None:
    if not token:
        return
    with eng.transaction() as session:
        session.execute(delete(WebSession).where(WebSession.id == _key(token)))


def end_sessions_of(session: Session, username: str) -> int:
    """End every session of `username`, in the caller's transaction; returns how many."""
    result = session.execute(delete(WebSession).where(WebSession.username == username))
    return int(getattr(result, "rowcount", 0) or 0)
