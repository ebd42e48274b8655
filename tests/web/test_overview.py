"""Oversikt over kontoane in the browser: for the comms section, admins and auditors only."""

from __future__ import annotations

from datetime import timedelta

from engine.cases import services
from tests.accounts import OWNER, approved_school_account
from tests.conftest import START
from tests.test_inquiry_handling import inquiry
from tests.web.conftest import assert_page_structure, doc, one, text_of


def test_the_comms_section_reads_the_figures_per_account(eng, login):
    account_id = approved_school_account(eng)
    late = START - timedelta(hours=30)
    services.start_process(eng, "inquiry_handling", OWNER, inquiry(account_id))
    services.start_process(
        eng, "inquiry_handling", OWNER, inquiry(account_id, received_at=late.isoformat())
    )
    b = login("komm1")
    page = b.get("/overview/")
    assert page.status_code == 200
    assert_page_structure(page)
    tree = doc(page)
    assert one(tree, '//nav//a[@href="/overview/"]').get("aria-current") == "page"
    table = one(tree, "//table")
    assert text_of(one(table, "./caption")) == "1 aktiv konto"
    assert all(th.get("scope") == "col" for th in table.xpath("./thead//th"))
    row = one(table, f'.//tr[@id="account-{account_id}"]')
    assert one(row, "./th").get("scope") == "row"
    cells = [text_of(td) for td in row.xpath("./td")]
    # unit, open, overdue, answered within 24 h, escalations, cases
    assert cells[1:5] == ["2", "1", "0 % (0/1)", "0"]
    assert all(td.get("class") == "num" for td in row.xpath("./td")[1:5])
    links = row.xpath(".//a/@href")
    assert f"/accounts/{account_id}" in links
    cases = f"/cases/?all=1&account={account_id}&status=running"
    assert cases in links
    listed = doc(b.get(cases))
    assert len(listed.xpath("//table/tbody/tr")) == 2


def test_no_data_is_a_dash(eng, login):
    approved_school_account(eng)
    row = one(doc(login("infosjef").get("/overview/")), "//tbody/tr")
    cell = row.xpath("./td")[3]
    assert one(cell, './span[@aria-hidden="true"]').text == "–"  # seen; read out: "ingen data"
    assert one(cell, './span[@class="visually-hidden"]').text == "ingen data"


def test_others_get_403_and_no_link(eng, login):
    for username in (OWNER, "rektor.alesund", "fylkesdirektor"):
        b = login(username)
        assert b.get("/overview/").status_code == 403, username
        assert not doc(b.get("/")).xpath('//a[@href="/overview/"]'), username
    assert login("revisor").get("/overview/").status_code == 200
    assert login("admin").get("/overview/").status_code == 200


def test_the_note_says_how_escalated_inquiries_count(eng, login):
    """The figures count an inquiry escalated to the comms section once its reply is published
    (engine/overview.py, G9); the note under the table says so, in every language."""
    from tests.test_reputation_escalation import ASSESSMENT, complete, escalated_inquiry

    account_id = approved_school_account(eng)
    _inquiry_id, escalation_id = escalated_inquiry(eng, account_id)
    complete(eng, escalation_id, "assess", "komm1", ASSESSMENT | {"handler": "komm2"})
    complete(eng, escalation_id, "draft", "komm2", {"response_draft": "Vi ser på saka."})
    complete(eng, escalation_id, "approve", "infosjef", {"decision": "approve"})
    complete(eng, escalation_id, "publish", OWNER, {"published_url": "https://x.no/1"})
    notes = {
        "nn": "er svara når svaret seksjonen har koordinert, er publisert",
        "nb": "er besvart når svaret seksjonen har koordinert, er publisert",
        "en": "is answered when the reply coordinated by the section is published",
    }
    for lang, note in notes.items():
        page = doc(login("komm1", lang=lang).get("/overview/"))
        row = one(page, f'//tr[@id="account-{account_id}"]')
        assert text_of(row.xpath("./td")[3]) == "100 % (1/1)"  # the escalated one counts
        assert note in text_of(one(page, '//main//p[@class="muted"]')), lang
