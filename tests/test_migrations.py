"""The Alembic migrations create exactly the models' schema, and upgrade a database that holds
data without losing any of it."""

from __future__ import annotations

import json
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.orm import Session

from engine.config import PROJECT_ROOT
from engine.store.db import make_engine
from engine.store.migrate import alembic_config, upgrade_to_head
from engine.store.models import Base, ProcessInstance
from engine.texts.processes import ProcessTexts
from engine.texts.titles import Title, case_title


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


def test_0005_adds_the_consent_register_to_a_populated_database(tmp_path: Path) -> None:
    """0005 only creates tables: an account and a case from before stay, and consents and the
    posts that use them can point at them."""
    engine = make_engine(f"sqlite:///{tmp_path / 'before_consents.db'}")
    _migrate(engine, "upgrade", "0004")
    statements = [
        "INSERT INTO unit (id, name, kind, active) VALUES ('skule', 'Skulen', 'school', 1)",
        "INSERT INTO app_user (username, full_name, email, unit_id, active) "
        "VALUES ('lise', 'Lise', 'lise@mrfylke.no', 'skule', 1)",
        "INSERT INTO process_definition (id, process_id, name, version, content_hash, files, "
        "task_meta, deployed_at, deployed_by) VALUES (1, 'post_approval', 'Innlegg', 1, 'h', "
        "'{}', '{}', '2026-11-23 09:00:00', 'system')",
        "INSERT INTO process_instance (id, definition_id, process_id, status, title, started_by, "
        "started_at, version, state) VALUES (1, 1, 'post_approval', 'completed', 'Innlegg', "
        "'lise', '2026-11-23 09:00:00', 1, '{}')",
        "INSERT INTO account (id, platform, account_name, unit_id, owner, deputy, "
        "closed_to_public, status, approved_by, approved_at, instance_id) VALUES (1, "
        "'instagram', 'skulen', 'skule', 'lise', 'lise', 0, 'active', 'lise', "
        "'2026-11-23 09:00:00', 1)",
    ]
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    upgrade_to_head(engine)
    with engine.begin() as connection:
        assert connection.execute(text("SELECT account_name FROM account")).scalar() == "skulen"
        connection.execute(
            text(
                "INSERT INTO consent (id, person_name, under_15, given_by, given_on, account_id, "
                "scope, storage, recorded_by, recorded_at) VALUES (1, 'Kari', 0, 'self', "
                "'2026-11-20', 1, 'Skuleåret', 'Arkivet', 'lise', '2026-11-23 09:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO post_consent (instance_id, consent_id, photo, recorded_at) "
                "VALUES (1, 1, 'Kari', '2026-11-23 09:00:00')"
            )
        )
        assert connection.execute(text("SELECT count(*) FROM post_consent")).scalar() == 1
    _migrate(engine, "downgrade", "0004")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM process_instance")).scalar() == 1
    upgrade_to_head(engine)
    engine.dispose()


def test_0006_gives_every_existing_user_nynorsk_and_keeps_them(tmp_path: Path) -> None:
    """0006 adds app_user.language: users from before keep everything and read Nynorsk until
    they choose otherwise; going back down drops only the column."""
    engine = make_engine(f"sqlite:///{tmp_path / 'before_language.db'}")
    _migrate(engine, "upgrade", "0005")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO unit (id, name, kind, active) VALUES ('skule', 'Skulen', 'school', 1)"
            )
        )
        for name in ("lise", "ola"):
            connection.execute(
                text(
                    "INSERT INTO app_user (username, full_name, email, unit_id, password_hash, "
                    "active) VALUES (:u, :u, :e, 'skule', 'hash', 1)"
                ),
                {"u": name, "e": f"{name}@mrfylke.no"},
            )
        connection.execute(text("INSERT INTO user_role (username, role) VALUES ('lise', 'comms')"))
    upgrade_to_head(engine)
    with engine.begin() as connection:
        rows = connection.execute(
            text("SELECT username, email, password_hash, language FROM app_user ORDER BY 1")
        ).all()
        assert rows == [
            ("lise", "lise@mrfylke.no", "hash", "nn"),
            ("ola", "ola@mrfylke.no", "hash", "nn"),
        ]
        assert connection.execute(text("SELECT role FROM user_role")).scalar() == "comms"
        connection.execute(text("UPDATE app_user SET language = 'en' WHERE username = 'ola'"))
    _migrate(engine, "downgrade", "0005")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM app_user")).scalar() == 2
    upgrade_to_head(engine)
    engine.dispose()


def test_0007_keeps_every_case_and_its_stored_title_without_facts(tmp_path: Path) -> None:
    """0007 adds process_instance.title_facts: a case from before keeps its row and its
    (Nynorsk) title, and has no facts, so every reader sees that title; going back down drops
    only the column."""
    engine = make_engine(f"sqlite:///{tmp_path / 'before_title_facts.db'}")
    _migrate(engine, "upgrade", "0006")
    statements = [
        "INSERT INTO unit (id, name, kind, active) VALUES ('skule', 'Skulen', 'school', 1)",
        "INSERT INTO app_user (username, full_name, email, unit_id, active, language) "
        "VALUES ('lise', 'Lise', 'lise@mrfylke.no', 'skule', 1, 'en')",
        "INSERT INTO process_definition (id, process_id, name, version, content_hash, files, "
        "task_meta, deployed_at, deployed_by) VALUES (1, 'post_approval', 'Innlegg', 1, 'h', "
        "'{}', '{}', '2026-11-23 09:00:00', 'system')",
        "INSERT INTO process_instance (id, definition_id, process_id, status, title, "
        "business_key, started_by, started_at, version, state) VALUES (1, 1, 'post_approval', "
        "'running', 'Innlegg på skulen: Open dag', 'P-1', 'lise', '2026-11-23 09:00:00', 3, "
        "'{\"s\": 1}')",
    ]
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    upgrade_to_head(engine)
    with engine.begin() as connection:
        rows = connection.execute(
            text(
                "SELECT id, title, business_key, status, version, state, title_facts "
                "FROM process_instance"
            )
        ).all()
        assert rows == [(1, "Innlegg på skulen: Open dag", "P-1", "running", 3, '{"s": 1}', None)]
    with Session(engine) as session:  # the model reads it as a case without facts
        instance = session.get_one(ProcessInstance, 1)
        assert (instance.title, instance.title_facts) == ("Innlegg på skulen: Open dag", None)
        texts = ProcessTexts(PROJECT_ROOT / "workflows")
        shown = case_title(texts, "post_approval", instance.title, instance.title_facts, "en")
        assert shown == Title("Innlegg på skulen: Open dag", "nn")
        instance.title_facts = {"account_name": "skulen", "summary": "Open dag"}
        session.commit()
        shown = case_title(texts, "post_approval", instance.title, instance.title_facts, "en")
        assert shown == Title("Post on skulen: Open dag", "en")
    with engine.connect() as connection:
        facts = connection.execute(text("SELECT title_facts FROM process_instance")).scalar()
        assert json.loads(facts) == {"account_name": "skulen", "summary": "Open dag"}
    _migrate(engine, "downgrade", "0006")
    with engine.connect() as connection:
        kept = connection.execute(text("SELECT id, title FROM process_instance")).all()
        assert kept == [(1, "Innlegg på skulen: Open dag")]
    upgrade_to_head(engine)
    engine.dispose()
