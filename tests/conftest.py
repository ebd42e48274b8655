"""Fixtures: the same integration suite runs on SQLite and on PostgreSQL.

PostgreSQL comes from SOMEFLYT_TEST_POSTGRES_URL (default: the local server). Without a server
the PostgreSQL half is skipped and says so; with CI=true a missing server fails the run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, delete, text

from engine.bootstrap import Engine
from engine.bpmn.definitions import DefinitionCache
from engine.cases import services
from engine.cases.services import deploy_definitions
from engine.clock import FixedClock
from engine.config import PROJECT_ROOT, Settings
from engine.people.demo import SAMPLE_SCHOOL_APPLICATION, load_demo
from engine.registers.replies import seed as seed_saved_replies
from engine.store.migrate import upgrade_to_head
from engine.store.models import Base
from tests.smtp_sink import SmtpSink
from web import create_app

POSTGRES_URL = os.environ.get(
    "SOMEFLYT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
WORKFLOWS = PROJECT_ROOT / "workflows"
# The tests' audit key: every event the test engine records is signed, as in production.
AUDIT_KEY = b"test-audit-key-0123456789abcdef0123456789abcdef"


def _psycopg_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def _require_postgres() -> None:
    try:
        engine = create_engine(_psycopg_url(POSTGRES_URL))
        with engine.connect():
            pass
        engine.dispose()
    except Exception as exc:  # any failure to connect means: no server here
        reason = f"PostgreSQL not reachable at {POSTGRES_URL}: {exc.__class__.__name__}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI=true: a missing server is a failure)")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test run, dropped afterwards."""
    _require_postgres()
    name = f"someflyt_test_{uuid.uuid4().hex[:8]}"
    admin = create_engine(_psycopg_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = POSTGRES_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'someflyt.db'}"
    else:
        url = request.getfixturevalue("postgres_database")
    engine = Engine(Settings(url, WORKFLOWS))
    upgrade_to_head(engine.db)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def definition_cache() -> DefinitionCache:
    return DefinitionCache()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def eng(
    database_url: str, clock: FixedClock, definition_cache: DefinitionCache
) -> Iterator[Engine]:
    """An engine on a clean database with the demo people and the workflows deployed."""
    settings = Settings(database_url, WORKFLOWS, audit_key=AUDIT_KEY)
    engine = Engine(settings, clock=clock, cache=definition_cache)
    with engine.transaction() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))
        load_demo(session)
    deploy_definitions(engine)
    seed_saved_replies(engine)  # as `someflyt init` does
    yield engine
    engine.dispose()


@pytest.fixture
def app(eng: Engine) -> Flask:
    """The web app on the test engine; CSRF stays on, as in production."""
    return create_app(
        eng,
        SECRET_KEY="test-secret",
        RATELIMIT_STORAGE_URI="memory://",
        ENQUEUE_NOTIFICATIONS=False,
    )


@pytest.fixture
def account_id(eng) -> int:
    """alesundvgs on Instagram: owner laerar.alesund, deputy laerar2.alesund, and the principal
    as a further moderator."""
    owner, moderator = "laerar.alesund", "rektor.alesund"
    services.start_process(eng, "account_application", owner, school_application())
    [decision] = services.list_human_tasks(eng, "rektor.alesund")
    services.complete_human_task(
        eng,
        decision["id"],
        "rektor.alesund",
        {"decision": "approve", "moderators": [owner, moderator]},
    )
    [account] = services.list_accounts(eng)
    return account["id"]


def school_application(**overrides: Any) -> dict[str, Any]:
    """A valid application from Ålesund vidaregåande skule (applicant laerar.alesund)."""
    return SAMPLE_SCHOOL_APPLICATION | overrides


def central_application(**overrides: Any) -> dict[str, Any]:
    """A valid application from Samferdsel (applicant tilsett1)."""
    return {
        "platform": "facebook",
        "account_name": "Samferdsel MRFK",
        "objective": "Informere trafikantar om ferjer, vegarbeid og stengde vegar i fylket.",
        "capacity": "Vaktlaget svarar på kvardagar; to tilsette deler ansvaret for kontoen.",
        "deputy": "tilsett2",
        "mailbox": "samferdsel@mrfylke.no",
    } | overrides


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A real SMTP server on a free loopback port (see tests/smtp_sink.py)."""
    sink = SmtpSink().start()
    yield sink
    sink.stop()
