"""Samtykkeregister and posts with photos in the browser (G11): the register's pages and who
sees them, the post form's consent choices, and the approval refused with a clear message."""

from __future__ import annotations

from datetime import timedelta

from engine.cases import services
from engine.registers import consents
from tests.accounts import DEPUTY, OWNER
from tests.conftest import START
from tests.web.conftest import (
    assert_page_structure,
    by_id,
    doc,
    field_error,
    links,
    one,
    text_of,
)

FIELDS = {
    "person_name": "Kari Nordmann",
    "given_by": "self",
    "given_on": "2026-11-20",
    "scope": "Bilete frå skulekvardagen, skuleåret 2026/27.",
    "storage": "Arkivsak 26/1234",
}


def test_the_register_is_in_the_menu_of_account_teams_and_the_comms_section_only(
    eng, login, account_id
):
    for username in (DEPUTY, "komm1", "revisor"):
        page = login(username).get("/consents/")
        assert page.status_code == 200, username
        assert_page_structure(page)
        assert "/consents/" in links(doc(page))
    b = login("tilsett1")
    assert "/consents/" not in links(doc(b.get("/")))
    assert b.get("/consents/").status_code == 403
    assert login("revisor").get("/consents/new").status_code == 403


def test_a_moderator_registers_searches_and_withdraws_a_consent(eng, login, account_id):
    b = login(DEPUTY, lang="en")
    form = b.get("/consents/new")
    assert form.status_code == 200
    assert_page_structure(form)
    tree = doc(form)
    # A moderator registers for their own accounts only: no "all accounts" choice.
    options = [o.get("value") for o in tree.xpath('//select[@name="account_id"]/option')]
    assert options == [str(account_id)]

    refused = b.post("/consents/new", FIELDS | {"under_15": "on", "account_id": account_id})
    assert refused.status_code == 422
    tree = doc(refused)
    assert_page_structure(refused)
    assert "guardian" in text_of(by_id(tree, "error-summary"))
    assert "must come from a guardian" in field_error(tree, "given_by")

    done = b.post(
        "/consents/new",
        FIELDS
        | {
            "under_15": "on",
            "given_by": "guardian",
            "guardian_name": "Pål Forelder",
            "account_id": account_id,
        },
    )
    assert done.status_code == 302
    page = b.get(done.headers["Location"])
    assert_page_structure(page)
    assert "Pål Forelder" in text_of(doc(page))

    listing = doc(b.get("/consents/?name=kari"))
    assert [text_of(a) for a in listing.xpath("//table//td/a")] == ["Kari Nordmann"]
    assert doc(b.get("/consents/?name=ola")).xpath("//table//td/a") == []

    [consent] = consents.list_consents(eng, DEPUTY)
    url = f"/consents/{consent['id']}"
    empty = b.post(f"{url}/withdraw", {"reason": ""}, page=url)
    assert empty.status_code == 422
    assert field_error(doc(empty), "reason") == "This field is required."
    withdrawn = b.post(f"{url}/withdraw", {"reason": "Mora ringde."}, page=url)
    assert withdrawn.status_code == 302
    page = doc(b.get(url))
    assert "Withdrawn" in text_of(page) and "Mora ringde." in text_of(page)
    assert page.xpath(f'//form[@action="{url}/withdraw"]') == []


def test_the_post_form_offers_the_active_consents_and_the_approval_says_why_it_is_refused(
    eng, login, account_id
):
    kari = consents.register_consent(eng, "komm1", FIELDS | {"account_id": account_id})
    b = login(DEPUTY)
    form = b.get("/start/post_approval")
    assert form.status_code == 200
    assert_page_structure(form)
    tree = doc(form)
    [choice] = tree.xpath('//input[@name="photo_1_consents"]')
    assert choice.get("value") == str(kari)
    assert "Kari Nordmann" in text_of(one(tree, f'//label[@for="{choice.get("id")}"]'))

    planned = (START + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    post = {
        "account_id": account_id,
        "text": "Open dag på skulen!",
        "planned_at": planned,
        "photo_1_label": "Kari i verkstaden",
        "photo_1_people": "1",
    }
    refused = b.post("/start/post_approval", post)
    assert refused.status_code == 422
    assert "G11" in field_error(doc(refused), "photo_1_consents")
    started = b.post("/start/post_approval", post | {"photo_1_consents": str(kari)})
    assert started.status_code == 302

    consents.withdraw_consent(eng, "komm1", kari, "Trekt.")
    [task] = [t for t in services.list_human_tasks(eng, OWNER) if t["element_id"] == "approve"]
    approver = login(OWNER, lang="en")
    response = approver.post(
        f"/tasks/{task['id']}", {"decision": "approve"}, page=f"/tasks/{task['id']}"
    )
    assert response.status_code == 422
    summary = text_of(by_id(doc(response), "error-summary"))
    assert "Kari Nordmann withdrew their consent" in summary


def test_the_removal_task_names_the_post_and_the_photo(eng, login, account_id):
    kari = consents.register_consent(eng, "komm1", FIELDS | {"account_id": account_id})
    post = {
        "account_id": account_id,
        "text": "Open dag på skulen!",
        "planned_at": (START + timedelta(days=1)).isoformat(),
        "photo_1_label": "Kari i verkstaden",
        "photo_1_people": 1,
        "photo_1_consents": [str(kari)],
    }
    post_id = services.start_process(eng, "post_approval", DEPUTY, post)
    [task] = [t for t in services.list_human_tasks(eng, OWNER) if t["element_id"] == "approve"]
    services.complete_human_task(eng, task["id"], OWNER, {"decision": "approve"})
    [removal_id] = consents.withdraw_consent(eng, DEPUTY, kari, "Trekt.")
    [task] = [t for t in services.list_human_tasks(eng, OWNER) if t["instance_id"] == removal_id]
    page = login(OWNER, lang="en").get(f"/tasks/{task['id']}")
    assert page.status_code == 200
    assert_page_structure(page)
    text = text_of(doc(page))
    assert "Photos to remove" in text and "Kari i verkstaden" in text
    assert "Open dag på skulen!" in text  # the post's title
    shown = doc(login("komm1").get(f"/consents/{kari}"))
    assert f"/cases/{post_id}" in links(shown) and f"/cases/{removal_id}" in links(shown)
    english = doc(login("komm1", lang="en").get(f"/consents/{kari}"))  # the cases' titles too
    post_title = "Innlegg på alesundvgs: Open dag på skulen!"  # stored; the removal's fact
    assert text_of(one(english, f'//main//a[@href="/cases/{post_id}"]')) == (
        "Post on alesundvgs: Open dag på skulen!"
    )
    removal = one(english, f'//main//a[@href="/cases/{removal_id}"]')
    assert text_of(removal) == f"Remove photo: {post_title}"
