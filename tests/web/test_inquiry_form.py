"""Registering an inquiry in the browser: the account is chosen from the registry and the
moment it came in is typed as Norwegian wall-clock time."""

from __future__ import annotations

from engine.cases import services
from tests.conftest import school_application
from tests.web.conftest import assert_page_structure, doc, field_error, one


def _account(eng) -> int:
    services.start_process(eng, "account_application", "laerar.alesund", school_application())
    [decision] = services.list_human_tasks(eng, "rektor.alesund")
    services.complete_human_task(
        eng,
        decision["id"],
        "rektor.alesund",
        {"decision": "approve", "moderators": ["laerar2.alesund"]},
    )
    [account] = services.list_accounts(eng)
    return account["id"]


FORM = {
    "author": "@ola_nordmann",
    "text": "Når er det open dag på skulen?",
    "received_at": "2026-11-23T10:15",  # 09:15 UTC in November
    "language": "nynorsk",
}


def test_the_owner_registers_an_inquiry_in_local_time(eng, login):
    account_id = _account(eng)
    b = login("laerar.alesund")
    page = b.get("/start/inquiry_handling")
    assert_page_structure(page)
    options = one(doc(page), '//select[@name="account_id"]').xpath("./option/@value")
    assert str(account_id) in options
    assert one(doc(page), '//input[@name="received_at"]').get("type") == "datetime-local"
    assert one(doc(page), '//input[@name="link"]').get("type") == "url"  # one line, a link

    wrong = b.post("/start/inquiry_handling", FORM | {"account_id": "999"})
    assert wrong.status_code == 422
    assert field_error(doc(wrong), "account_id")
    assert services.list_human_tasks(eng, "laerar.alesund", "inquiry_handling") == []

    answer = b.post("/start/inquiry_handling", FORM | {"account_id": str(account_id)})
    assert answer.status_code == 302
    instance_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    data = services.show_instance(eng, instance_id)["data"]
    assert data["account_id"] == account_id
    assert data["received_at"] == "2026-11-23T10:15:00+01:00"
    case = doc(b.get(f"/cases/{instance_id}"))
    shown = "".join(case.xpath('//dl[@class="data"]//dd/text()'))
    assert "alesundvgs (instagram)" in shown
    assert "23.11.2026 10:15" in shown and "2026-11-23T" not in shown  # read as a date
