"""The account page offers its team a way to register an inquiry, with the account chosen and
the time it came in set to now."""

from __future__ import annotations

from engine.cases import services
from tests.accounts import MODERATOR, OWNER, approved_school_account
from tests.test_inquiry_handling import inquiry
from tests.web.conftest import assert_page_structure, by_id, doc, one, text_of


def test_the_team_registers_an_inquiry_from_the_account_page(eng, login):
    account_id = approved_school_account(eng)
    b = login(MODERATOR)
    page = doc(b.get(f"/accounts/{account_id}"))
    link = one(page, '//a[@id="start-inquiry_handling"]').get("href")
    assert link == f"/start/inquiry_handling?account_id={account_id}"

    form = b.get(link)
    assert_page_structure(form)
    tree = doc(form)
    selected = one(tree, '//select[@name="account_id"]').xpath("./option[@selected]/@value")
    assert selected == [str(account_id)]
    # 09:00 UTC on the test clock is 10:00 in Norway in November.
    assert one(tree, '//input[@name="received_at"]').get("value") == "2026-11-23T10:00"

    answer = b.post(
        link,
        {
            "account_id": str(account_id),
            "author": "@ola_nordmann",
            "text": "Når er det open dag?",
            "received_at": "2026-11-23T10:00",
            "language": "nynorsk",
        },
    )
    assert answer.status_code == 302
    [task] = services.list_human_tasks(eng, OWNER, "inquiry_handling")
    assert task["due_at"] == "2026-11-24T09:00:00+00:00"


def test_the_received_time_defaults_to_now_when_left_empty(eng):
    account_id = approved_school_account(eng)
    instance_id = services.start_process(
        eng,
        "inquiry_handling",
        OWNER,
        {"account_id": account_id, "author": "@a", "text": "Hei", "language": "nynorsk"},
    )
    assert services.show_instance(eng, instance_id)["data"]["received_at"] == (
        eng.clock.now().isoformat()
    )


def test_others_see_no_inquiry_form_on_the_account_page(eng, login):
    account_id = approved_school_account(eng)
    for reader in ("laerar.molde", "komm1", "revisor"):
        page = doc(login(reader).get(f"/accounts/{account_id}"))
        assert not page.xpath('//a[@id="start-inquiry_handling"]'), reader


def test_how_many_inquiries_are_open_is_told_only_to_the_team_and_the_comms_section(eng, login):
    """The account page says what keeps the account busy; the number of open inquiries (some
    may be confidential, G10) only to those who may see them."""
    account_id = approved_school_account(eng)
    services.start_process(eng, "inquiry_handling", "laerar.alesund", inquiry(account_id))
    for reader, told in (("laerar.alesund", True), ("komm1", True), ("laerar.molde", False)):
        page = doc(login(reader).get(f"/accounts/{account_id}"))
        said = text_of(by_id(page, "account-activity"))
        assert ("1." in said and "arbeid" in said) is told, (reader, said)
