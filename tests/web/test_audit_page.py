"""Verifying the audit chain from the web: for auditors and admins only."""

from __future__ import annotations

from sqlalchemy import delete, update

from engine.cases import services
from engine.store.models import AuditEvent
from tests.conftest import central_application
from tests.web.conftest import audit_count, audit_events, by_id, doc, text_of


def result_section(response):
    assert response.status_code == 200
    return by_id(doc(response), "result-heading").getparent()


def test_an_intact_chain_is_reported_with_the_number_of_events(eng, login):
    services.start_process(eng, "account_application", "tilsett1", central_application())
    for b in (login("revisor"), login("admin")):
        assert b.get("/audit/").status_code == 200
        before = audit_count(eng)
        section = result_section(b.get("/audit/verify"))
        assert "ok" in section.get("class").split()
        assert "broken" not in section.get("class").split()
        assert str(before) in text_of(section)
        assert audit_count(eng) == before  # verifying writes nothing


def test_a_tampered_event_is_named(eng, login):
    services.start_process(eng, "account_application", "tilsett1", central_application())
    b = login("revisor")
    [started] = audit_events(eng, "instance_started")
    seq = started["seq"]
    with eng.transaction() as session:
        session.execute(
            update(AuditEvent)
            .where(AuditEvent.seq == seq)
            .values(detail=started["detail"] | {"process_id": "forfalska"})
        )
    section = result_section(b.get("/audit/verify"))
    assert "broken" in section.get("class").split()
    assert f"event {seq} (instance_started) was altered" in text_of(section)
    assert str(seq) in text_of(section.xpath(".//strong")[0])
    assert services.verify_audit(eng).broken_seq == seq


def test_others_may_not_audit(login):
    for username in ("komm1", "infosjef", "fylkesdirektor", "tilsett1"):
        b = login(username)
        assert b.get("/audit/").status_code == 403, username
        assert b.get("/audit/verify").status_code == 403, username
        nav = doc(b.get("/")).xpath("//header//nav")[0]
        assert not nav.xpath('.//a[@href="/audit/"]')


def test_a_deleted_event_is_named(eng, login):
    b = login("revisor")
    services.start_process(eng, "account_application", "tilsett1", central_application())
    services.start_process(
        eng, "account_application", "tilsett2", central_application(deputy="tilsett1")
    )
    started, _later = audit_events(eng, "instance_started")
    with eng.transaction() as session:
        session.execute(delete(AuditEvent).where(AuditEvent.seq == started["seq"]))
    section = result_section(b.get("/audit/verify"))
    assert "broken" in section.get("class").split()
    assert f"event {started['seq']} is missing (deleted)" in text_of(section)
