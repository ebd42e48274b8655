"""The one setup point: configuration, database, definition cache and clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine.bpmn.definitions import DefinitionCache
from engine.clock import Clock, SystemClock
from engine.config import Settings
from engine.delivery.notifications import OUTBOX_KEY
from engine.errors import Conflict, DatabaseUnavailable
from engine.extensions import Registry, installed
from engine.store.anchoring import SESSION_INFO as AUDIT_KEY
from engine.store.db import (
    READ_ONLY,
    is_conflict,
    is_unavailable,
    make_engine,
    make_session_factory,
)
from engine.texts import processes


class Engine:
    """Everything a service call needs. Build one with bootstrap(); nothing happens at import."""

    def __init__(
        self, settings: Settings, clock: Clock | None = None, cache: DefinitionCache | None = None
    ) -> None:
        self.settings = settings
        self.db = make_engine(settings.database_url)
        # Every session carries the audit key, so each event it records is signed with it.
        self.sessions = make_session_factory(self.db, {AUDIT_KEY: settings.audit_key})
        self.cache = cache or DefinitionCache()
        self.clock: Clock = clock or SystemClock()
        # The installed process packages, loaded (and checked) once, before any request.
        self.registry: Registry = installed()
        # Told the ids of notifications a unit of work queued, after it committed (the web
        # app hands them to the broker at once; the beat sweep finds any that were missed).
        self.on_outbox: Callable[[list[int]], None] | None = None

    @property
    def texts(self) -> processes.ProcessTexts:
        """The process folders' own texts (names, instructions, notifications) in nn/nb/en."""
        return processes.load(self.settings.workflows_dir)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A unit of work: commits when the block ends normally, otherwise rolls back."""
        session = self.sessions()
        queued: list[int] = []
        try:
            with session.begin():
                yield session
                if session.info.get(OUTBOX_KEY):
                    session.flush()
                    queued = [message.id for message in session.info.pop(OUTBOX_KEY)]
        except StaleDataError as exc:
            raise _concurrent_change() from exc
        except IntegrityError as exc:
            raise Conflict(
                f"Lagringa kom i konflikt med eksisterande data: {exc.orig}", "already_exists"
            ) from exc
        except DBAPIError as exc:
            # Only a deadlock victim or a serialization failure is a conflict with another
            # change (409); a server that is gone or stays busy is not (503, try again).
            if is_conflict(exc):
                raise _concurrent_change() from exc
            if is_unavailable(exc):
                raise DatabaseUnavailable() from exc
            raise
        finally:
            session.close()
        if queued and self.on_outbox is not None:
            self.on_outbox(queued)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only unit of work: never takes SQLite's write lock, always rolls back."""
        session = self.sessions()
        try:
            session.connection(execution_options={READ_ONLY: True})
            yield session
        except DBAPIError as exc:
            if is_unavailable(exc):
                raise DatabaseUnavailable() from exc
            raise
        finally:
            session.close()  # rolls back; on a broken connection the pool only logs

    def dispose(self) -> None:
        self.db.dispose()


def _concurrent_change() -> Conflict:
    return Conflict(
        "Saka vart endra av nokon andre i same augneblink. Prøv igjen.", "concurrent_change"
    )


def bootstrap(settings: Settings | None = None, clock: Clock | None = None) -> Engine:
    return Engine(settings or Settings.from_env(), clock)
