"""0008 adds the event_subscription projection: a populated database keeps every row, and the
running cases of before get their subscriptions when `someflyt init` rebuilds them."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import inspect, text

from engine.store.db import make_engine
from engine.store.migrate import alembic_config, upgrade_to_head


def _migrate(engine, verb: str, revision: str) -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, verb)(config, revision)


def test_0008_creates_the_projection_and_keeps_every_case(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'before_events.db'}")
    _migrate(engine, "upgrade", "0007")
    statements = [
        "INSERT INTO unit (id, name, kind, active) VALUES ('skule', 'Skulen', 'school', 1)",
        "INSERT INTO app_user (username, full_name, email, unit_id, active, language) "
        "VALUES ('lise', 'Lise', 'lise@mrfylke.no', 'skule', 1, 'nn')",
        "INSERT INTO process_definition (id, process_id, name, version, content_hash, files, "
        "task_meta, deployed_at, deployed_by) VALUES (1, 'p', 'P', 1, 'h', '{}', '{}', "
        "'2026-11-23 09:00:00', 'system')",
        "INSERT INTO process_instance (id, definition_id, process_id, status, title, "
        "started_by, started_at, version, state) VALUES (1, 1, 'p', 'running', 'P', 'lise', "
        "'2026-11-23 09:00:00', 2, '{}')",
    ]
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    upgrade_to_head(engine)
    indexes = {
        i["name"]: i["column_names"] for i in inspect(engine).get_indexes("event_subscription")
    }
    assert indexes["ix_event_subscription_kind_name"] == ["kind", "name"]
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO event_subscription (instance_id, kind, name, element_id, correlation)"
                " VALUES (1, 'message', NULL, 'wait', '{}')"
            )
        )
        assert connection.execute(text("SELECT count(*) FROM process_instance")).scalar() == 1
    _migrate(engine, "downgrade", "0007")
    assert "event_subscription" not in inspect(engine).get_table_names()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version FROM process_instance")).scalar() == 2
    upgrade_to_head(engine)
    engine.dispose()
