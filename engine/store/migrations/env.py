"""Alembic environment: run by engine.store.migrate with a connection, or by `alembic` with a
URL."""

from __future__ import annotations

from alembic import context

from engine.config import Settings
from engine.extensions import installed
from engine.store.db import make_engine
from engine.store.models import Base

config = context.config
installed()  # the process packages' tables join the metadata
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(
        config.get_main_option("sqlalchemy.url") or Settings.from_env().database_url
    )
    with engine.connect() as connection:
        _run(connection)


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
