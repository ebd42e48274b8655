"""The Alembic migrations create exactly the models' schema, and upgrade a database that holds
data without losing any of it."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from engine.db import make_engine
from engine.migrate import alembic_config, upgrade_to_head
from engine.models import Base


def test_migrated_schema_matches_the_models(eng):
    with eng.db.connect() as connection:
        context = MigrationContext.configure(connection)
        assert compare_metadata(context, Base.metadata) == []


def _migrate(engine, verb: str, revision: str) -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, verb)(config, revision)


def test_upgrade_keeps_the_rows_of_a_populated_sqlite_database(tmp_path: Path) -> None:
    """0002 adds unit.active to a database whose units are referenced by users (SQLite
    enforces the foreign keys, so a table rebuild would fail)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    _migrate(engine, "upgrade", "0001")
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO unit (id, name, kind) VALUES ('skule', 'Skulen', 'school')")
        )
        connection.execute(
            text(
                "INSERT INTO app_user (username, full_name, email, unit_id, active) "
                "VALUES ('lise', 'Lise', 'lise@mrfylke.no', 'skule', 1)"
            )
        )
    upgrade_to_head(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT id, active FROM unit")).all() == [("skule", 1)]
        assert connection.execute(text("SELECT unit_id FROM app_user")).scalar() == "skule"
    _migrate(engine, "downgrade", "0001")
    upgrade_to_head(engine)
    engine.dispose()
