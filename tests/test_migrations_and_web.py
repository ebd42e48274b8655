"""The Alembic migrations create exactly the models' schema; the app factory serves a page."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine import services
from engine.models import Base
from tests.conftest import central_application
from web import create_app


def test_migrated_schema_matches_the_models(eng):
    with eng.db.connect() as connection:
        context = MigrationContext.configure(connection)
        assert compare_metadata(context, Base.metadata) == []


def test_overview_page_lists_the_registry(eng):
    services.start_process(eng, "account_application", "tilsett1", central_application())
    [task] = services.list_human_tasks(eng, "infosjef")
    services.complete_human_task(eng, task["id"], "infosjef", {"decision": "approve"})
    client = create_app(eng).test_client()
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="nn">' in html
    assert "Samferdsel MRFK" in html
    assert client.get("/healthz").get_json() == {"status": "ok"}
