"""A database outage (issue 14, point 8): every page answers 503 with Retry-After and a page in
the reader's language saying to try again, the connector API a JSON 503; nothing is "someone
else changed this" (409) unless someone did; and the app recovers by itself when the server is
back.

No driver is mocked: the app talks to the real PostgreSQL server through a TCP proxy on
loopback (tests/sockets.py) that the test stops and starts, as a server that goes down and comes
back; and to a SQLite file that cannot be opened.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import delete, select

from engine.bootstrap import Engine
from engine.bpmn.definitions import DefinitionCache
from engine.cases import services
from engine.clock import FixedClock
from engine.config import Settings
from engine.errors import Conflict, DatabaseUnavailable
from engine.people.demo import load_demo
from engine.registers import connectors
from engine.registers.replies import seed as seed_saved_replies
from engine.store.migrate import upgrade_to_head
from engine.store.models import Base, ProcessInstance, User
from tests.conftest import WORKFLOWS, school_application
from tests.connector_support import payload as inquiry_payload
from tests.connector_support import school_account
from tests.sockets import TcpProxy
from tests.web.conftest import Browser, assert_page_structure, doc, only_task
from web import create_app

UNAVAILABLE = {
    "nn": ("Tenesta er utilgjengeleg ei lita stund", "Vent litt og prøv igjen"),
    "nb": ("Tjenesten er utilgjengelig en liten stund", "Vent litt og prøv igjen"),
    "en": ("The service is unavailable for a moment", "Wait a moment and try again"),
}


@pytest.fixture
def proxy(postgres_database: str) -> Iterator[tuple[TcpProxy, str]]:
    """The test's PostgreSQL database, reached through a proxy the test can stop."""
    target = urlsplit(postgres_database)
    proxy = TcpProxy(target.port or 5432, target.hostname or "127.0.0.1").start()
    yield proxy, postgres_database.replace(target.netloc, f"postgres@127.0.0.1:{proxy.port}")
    proxy.stop()


@dataclass
class Outage:
    eng: Engine
    proxy: TcpProxy


@pytest.fixture
def outage(
    proxy: tuple[TcpProxy, str], clock: FixedClock, definition_cache: DefinitionCache
) -> Iterator[Outage]:
    """Like the `eng` fixture, on PostgreSQL through the proxy."""
    server, url = proxy
    engine = Engine(Settings(url, WORKFLOWS), clock=clock, cache=definition_cache)
    upgrade_to_head(engine.db)
    with engine.transaction() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))
        load_demo(session)
    services.deploy_definitions(engine)
    seed_saved_replies(engine)
    yield Outage(engine, server)
    engine.dispose()


def _app(eng: Engine) -> Flask:
    return create_app(
        eng,
        SECRET_KEY="test-secret",
        RATELIMIT_STORAGE_URI="memory://",
        ENQUEUE_NOTIFICATIONS=False,
    )


def assert_unavailable_page(response, lang: str) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)[-2000:]
    assert int(response.headers["Retry-After"]) > 0
    assert_page_structure(response)
    assert doc(response).get("lang") == lang
    body = response.get_data(as_text=True)
    title, advice = UNAVAILABLE[lang]
    assert title in body and advice in body, body
    assert "(503)" in body
    assert "OperationalError" not in body and "psycopg" not in body


def test_a_stopped_database_answers_503_in_every_language_and_recovers(outage) -> None:
    eng, proxy = outage.eng, outage.proxy
    app = _app(eng)
    services.start_process(eng, "account_application", "laerar.alesund", school_application())
    task = only_task(eng, "rektor.alesund")
    readers = {}
    for lang in ("nn", "nb", "en"):
        reader = Browser(app.test_client())
        assert reader.login("komm1").status_code == 302
        if lang != "nn":
            reader.language(lang)
        readers[lang] = reader
    principal = Browser(app.test_client())
    assert principal.login("rektor.alesund").status_code == 302
    principal.csrf_from(f"/tasks/{task['id']}")
    anonymous = Browser(app.test_client())
    anonymous.csrf_from("/login")

    proxy.stop()  # the server goes away; the pooled connections break

    for lang, reader in readers.items():
        assert_unavailable_page(reader.get("/"), lang)
        assert_unavailable_page(reader.get("/cases/?all=1"), lang)
    decided = principal.post(
        f"/tasks/{task['id']}", {"decision": "approve", "moderators": "laerar.alesund"}
    )
    assert_unavailable_page(decided, "nn")  # not 409 "someone got there first", not 500
    assert_unavailable_page(
        anonymous.post("/login", {"username": "komm1", "password": "demo"}), "nn"
    )
    health = app.test_client().get("/healthz")
    assert (health.status_code, health.json["database"]) == (503, "unavailable")

    proxy.start()  # the server is back: the next request works, no restart needed

    assert readers["nb"].get("/").status_code == 200
    with eng.reading() as session:
        assert session.scalar(select(ProcessInstance.status)) == "running"  # nothing half-done
    principal.csrf_from(f"/tasks/{task['id']}")
    again = principal.post(
        f"/tasks/{task['id']}", {"decision": "approve", "moderators": "laerar.alesund"}
    )
    assert again.status_code == 302, again.get_data(as_text=True)[-2000:]
    with eng.reading() as session:
        assert session.scalar(select(ProcessInstance.status)) == "completed"


def test_the_connector_api_gets_a_json_503(outage) -> None:
    eng, proxy = outage.eng, outage.proxy
    app = _app(eng)
    account_id = school_account(eng)
    secret = connectors.create_token(eng, "admin", account_id, "Instagram-kopling").secret

    proxy.stop()
    response = app.test_client().post(
        "/api/v1/inquiries",
        json=inquiry_payload(account_id),
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 503
    assert response.mimetype == "application/json"
    assert int(response.headers["Retry-After"]) > 0
    assert response.json["error"] == "database_unavailable"
    assert "try again" in response.json["message"].lower()

    proxy.start()
    again = app.test_client().post(
        "/api/v1/inquiries",
        json=inquiry_payload(account_id),
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert again.status_code == 201, again.json


def test_services_say_unavailable_not_conflict(outage) -> None:
    """The engine's own answer (the CLI, the jobs): 503 DatabaseUnavailable, never Conflict."""
    eng, proxy = outage.eng, outage.proxy
    services.start_process(eng, "account_application", "laerar.alesund", school_application())
    task = only_task(eng, "rektor.alesund")
    proxy.stop()
    for call in (
        lambda: services.complete_human_task(
            eng,
            task["id"],
            "rektor.alesund",
            {"decision": "approve", "moderators": ["laerar.alesund"]},
        ),
        lambda: services.list_human_tasks(eng, "rektor.alesund"),
    ):
        with pytest.raises(DatabaseUnavailable) as raised:
            call()
        assert not isinstance(raised.value, Conflict)
        assert raised.value.status == 503
        assert "Prøv igjen" in raised.value.localized("nn")


def test_a_deadlock_is_still_a_conflict(outage) -> None:
    """A real conflict stays 409: PostgreSQL picks a deadlock victim, who is told to try again."""
    eng = outage.eng
    barrier = threading.Barrier(2, timeout=30)
    outcomes: dict[str, BaseException | None] = {}

    def lock(first: str, second: str) -> None:
        try:
            with eng.transaction() as session:
                session.get(User, first, with_for_update=True)
                barrier.wait()
                session.get(User, second, with_for_update=True)
            outcomes[first] = None
        except BaseException as exc:  # the test reports what each thread got
            outcomes[first] = exc

    threads = [
        threading.Thread(target=lock, args=("komm1", "komm2")),
        threading.Thread(target=lock, args=("komm2", "komm1")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    errors = [e for e in outcomes.values() if e is not None]
    assert len(outcomes) == 2 and len(errors) == 1, outcomes
    assert isinstance(errors[0], Conflict) and errors[0].status == 409


def test_a_sqlite_file_that_cannot_be_opened_answers_503(tmp_path: Path) -> None:
    missing = tmp_path / "gone" / "someflyt.db"  # its folder does not exist: it cannot be opened
    eng = Engine(Settings(f"sqlite:///{missing}", WORKFLOWS))
    app = _app(eng)
    client = app.test_client()
    with client.session_transaction() as session:  # a session cookie from before the outage
        session["_user_id"] = "komm1"
        session["lang"] = "en"
    assert_unavailable_page(client.get("/"), "en")
    anonymous = Browser(app.test_client())
    anonymous.csrf_from("/login")  # the login page itself needs no database
    assert_unavailable_page(
        anonymous.post("/login", {"username": "komm1", "password": "demo"}), "nn"
    )
    eng.dispose()
