"""Database engine and sessions; the same code runs on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

READ_ONLY = "someflyt_read_only"


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, open transactions (so BEGIN IMMEDIATE below works).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Writers take the write lock up front: two never deadlock on a lock upgrade, and the
        # second waits (busy timeout) instead of failing with "database is locked". Readers
        # start a plain transaction and, with WAL, never wait for a writer.
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(
    engine: Engine, info: dict[str, Any] | None = None
) -> sessionmaker[Session]:
    """Sessions of `engine`; each one's `info` starts as a copy of `info` (the audit key)."""
    return sessionmaker(engine, expire_on_commit=False, info=info or {})


def is_unavailable(exc: BaseException) -> bool:
    """Whether a database error means the server is not there (refused, restarting, a broken
    connection, SQLite's file that cannot be opened or stays locked): transient, and nobody's
    change — the request may be sent again as it was."""
    if isinstance(exc, OperationalError | InterfaceError):
        return not is_conflict(exc)
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def is_conflict(exc: DBAPIError) -> bool:
    """A real conflict with another transaction: PostgreSQL chose this one as a deadlock victim
    or could not serialize it (SQLSTATE class 40, "transaction rollback")."""
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return isinstance(sqlstate, str) and sqlstate.startswith("40")
