"""Avvikle ein offisiell konto (A1) in the browser: the start page offers it, the request form
with its choices, its refusals beside the fields (nothing stored), and the registry showing the
account closed."""

from __future__ import annotations

from engine.cases import services
from tests.accounts import OWNER, approved_school_account
from tests.test_account_closure import REASON, done
from tests.test_crisis_communication import declare
from tests.web.conftest import (
    assert_page_structure,
    audit_count,
    by_id,
    doc,
    field_error,
    instance_count,
    one,
    text_of,
)

PROCESS = "account_closure"
URL = f"/start/{PROCESS}"


def test_the_start_page_offers_the_owner_to_close_an_account(eng, login):
    page = doc(login(OWNER).get("/start/"))
    [link] = page.xpath(f'//main//a[@href="{URL}"]')
    assert text_of(link) == "Be om å avvikle ein offisiell konto"
    page = doc(login(OWNER, lang="en").get("/start/"))
    [link] = page.xpath(f'//main//a[@href="{URL}"]')
    assert text_of(link) == "Ask to close an official account"


def test_the_owners_account_page_links_to_the_closure_of_that_account(eng, login):
    account_id = approved_school_account(eng)
    page = doc(login(OWNER).get(f"/accounts/{account_id}"))
    link = by_id(page, f"start-{PROCESS}")
    assert link.get("href") == f"{URL}?account_id={account_id}"
    assert text_of(link) == "Be om å avvikle ein offisiell konto"


def test_the_request_form_names_the_account_the_reason_and_what_happens_on_the_platform(eng, login):
    account_id = approved_school_account(eng)
    response = login(OWNER).get(f"{URL}?account_id={account_id}")
    assert response.status_code == 200
    assert_page_structure(response)
    tree = doc(response)
    assert text_of(one(tree, "//h1")) == "Avvikle ein offisiell konto"
    selected = one(tree, '//select[@name="account_id"]').xpath("./option[@selected]/@value")
    assert selected == [str(account_id)]
    reason = one(tree, '//textarea[@name="reason"]')
    assert "i heile setningar" in text_of(by_id(tree, reason.get("aria-describedby")))
    choices = [
        text_of(label)
        for label in tree.xpath('//input[@name="platform_action"]/following-sibling::label')
    ]
    assert choices == ["Leggjast ned (slettast eller deaktiverast)", "Overlatast til nokon andre"]
    assert tree.xpath('//*[@name="handover_to"]') and tree.xpath('//*[@name="followers_to"]')


def test_a_request_from_someone_else_is_422_beside_the_account_and_stores_nothing(eng, login):
    account_id = approved_school_account(eng)
    b = login("laerar.molde", lang="nb")
    before = (instance_count(eng), audit_count(eng))  # after the login, which is audited
    values = {"account_id": str(account_id), "reason": REASON, "platform_action": "close"}
    response = b.post(URL, values, page=URL)
    assert response.status_code == 422
    assert_page_structure(response)
    assert field_error(doc(response), "account_id") == (
        "Bare eieren av kontoen, rektor ved skolen som eier den, og kommunikasjonsseksjonen kan "
        "be om å avvikle kontoen (A1)."
    )
    del values["platform_action"]
    response = b.post(URL, values | {"reason": "Ferdig."})
    assert response.status_code == 422
    tree = doc(response)
    assert field_error(tree, "reason") == "Skriv minst 20 tegn."
    assert field_error(tree, "platform_action") == "Feltet må fylles ut."
    assert (instance_count(eng), audit_count(eng)) == before


def test_a_request_during_a_crisis_says_which_crisis_holds_the_account(eng, login):
    account_id = approved_school_account(eng)
    declare(eng)
    b = login(OWNER)
    before = (instance_count(eng), audit_count(eng))
    values = {"account_id": str(account_id), "reason": REASON, "platform_action": "close"}
    response = b.post(URL, values, page=URL)
    assert response.status_code == 422
    tree = doc(response)
    assert field_error(tree, "account_id") == (
        "Kontoen kan ikkje avviklast før det som er nemnt øvst i skjemaet, er over (A1)."
    )
    summary = [text_of(li) for li in tree.xpath('//main//*[@role="alert"]//li | //main//ul/li')]
    assert "Kontoen står på vent i krisa «Krise: Brann på Ålesund vgs» (E6)." in summary
    assert (instance_count(eng), audit_count(eng)) == before


def test_the_team_confirms_and_the_registry_shows_the_account_closed(eng, login):
    account_id = approved_school_account(eng)
    b = login(OWNER)
    values = {"account_id": str(account_id), "reason": REASON, "platform_action": "hand_over"}
    values["handover_to"] = "Ålesund kommune"
    assert b.post(URL, values, page=URL).status_code == 302
    page = doc(b.get(f"/accounts/{account_id}"))  # the registry says a closure is under way
    assert text_of(by_id(page, "account-activity")) == (
        "Ei avvikling av kontoen er alt i gang: «Avvikling: alesundvgs på instagram»."
    )
    [decide] = services.list_human_tasks(eng, "rektor.alesund", PROCESS)
    services.complete_human_task(eng, decide["id"], "rektor.alesund", {"decision": "approve"})

    [task] = services.list_human_tasks(eng, OWNER, PROCESS)
    page = b.get(f"/tasks/{task['id']}")
    assert_page_structure(page)
    tree = doc(page)
    checked = tree.xpath('//input[@name="done_how"][@checked]/@value')
    assert checked == ["hand_over"]  # what the request said, for the team to confirm

    services.complete_human_task(
        eng, task["id"], OWNER, done(done_how="hand_over", note="Kommunen styrer kontoen no.")
    )
    [row] = doc(b.get("/accounts/")).xpath("//main//table//tbody/tr")
    assert text_of(row.xpath("./td")[-1]) == "Nedlagd"
    page = doc(b.get(f"/accounts/{account_id}"))
    assert not page.xpath('//a[contains(@href, "/start/inquiry_handling")]')
