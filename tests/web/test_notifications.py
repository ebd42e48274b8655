"""Varsel in the app, failed deliveries for admins, and what /healthz reports."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from engine.cases import services
from engine.config import MailSettings
from engine.delivery import send as delivery
from engine.store.models import OutboxMessage
from tests.conftest import school_application
from tests.web.conftest import assert_page_structure, by_id, doc, one, text_of


def _start(eng) -> int:
    return services.start_process(
        eng, "account_application", "laerar.alesund", school_application()
    )


def test_the_notification_list_links_the_task_and_clears_the_badge(eng, login):
    _start(eng)
    [task] = services.list_human_tasks(eng, "rektor.alesund")
    b = login("rektor.alesund")
    assert text_of(by_id(doc(b.get("/")), "unread-count")) == "1"
    page = b.get("/notifications/")
    assert_page_structure(page)
    item = one(doc(page), '//ul[@class="notifications"]/li')
    assert item.get("class") == "unread"
    assert one(item, ".//a").get("href") == f"/tasks/{task['id']}"
    assert "Vurder søknaden" in text_of(item)
    assert not doc(b.get("/")).xpath('//*[@id="unread-count"]')  # read now
    again = doc(b.get("/notifications/"))
    assert one(again, '//ul[@class="notifications"]/li').get("class") is None


def test_someone_elses_notifications_are_not_listed(eng, login):
    _start(eng)
    page = doc(login("laerar2.alesund").get("/notifications/"))
    assert not page.xpath('//ul[@class="notifications"]/li')


def test_admins_see_failed_deliveries_and_send_them_again(eng, login, smtp_sink):
    eng.settings = dataclasses.replace(
        eng.settings, mail=MailSettings(host="127.0.0.1", port=smtp_sink.port, max_attempts=1)
    )
    _start(eng)
    with eng.reading() as session:
        outbox_id = session.scalar(select(OutboxMessage.id))
    smtp_sink.refuse()
    assert delivery.deliver(eng, outbox_id) == "failed"

    assert login("komm1").get("/admin/notifications").status_code == 403
    assert login("revisor").post(f"/admin/notifications/{outbox_id}/retry").status_code == 403
    admin = login("admin")
    page = admin.get("/admin/notifications")
    assert_page_structure(page)
    row = one(doc(page), "//table/tbody/tr")
    assert "rektor.alesund" in text_of(row) and "451" in text_of(row)
    response = admin.post(f"/admin/notifications/{outbox_id}/retry")
    assert response.status_code == 302
    smtp_sink.refuse(False)
    assert delivery.deliver(eng, outbox_id) == "sent"
    assert len(smtp_sink.received()) == 1
    assert admin.post(f"/admin/notifications/{outbox_id}/retry").status_code == 404


def test_healthz_reports_the_database(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "broker": "not used"}
