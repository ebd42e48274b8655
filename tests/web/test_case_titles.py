"""A case's title in the reader's language on every page that names it: the inbox, the task
page, the case list, the case page and its linked cases, and the notifications. The title is
the process folder's template for that language filled with the facts kept at start; a case
from before the facts were kept shows the Nynorsk title it was stored with."""

from __future__ import annotations

from engine.cases import services
from engine.delivery import notifications
from engine.store.models import ProcessInstance
from tests.conftest import school_application
from tests.test_inquiry_handling import PROCESS, inquiry, triage
from tests.test_reputation_escalation import ASSESSMENT, child_of, complete
from tests.web.conftest import doc, one, text_of

APPLICATION = {
    "nn": "alesundvgs på instagram – Ålesund vidaregåande skule",
    "nb": "alesundvgs på instagram – Ålesund vidaregåande skule",
    "en": "alesundvgs on instagram – Ålesund vidaregåande skule",
}
INQUIRY = {
    "nn": "Førespurnad til alesundvgs på instagram",
    "nb": "Henvendelse til alesundvgs på instagram",
    "en": "Inquiry to alesundvgs on instagram",
}
ESCALATION = {  # named by its process until the assessment gives its summary
    "nn": "Mogleg omdømmesak",
    "nb": "Mulig omdømmesak",
    "en": "Possible reputation case",
}


def _link(page, instance_id: int):
    [link] = page.xpath(f'//main//table//a[@href="/cases/{instance_id}"]')
    return link


def test_a_reader_sees_every_case_titled_in_their_language(eng, login, account_id):
    application_id = services.list_accounts(eng)[0]["instance_id"]
    inquiry_id = services.start_process(eng, PROCESS, "laerar2.alesund", inquiry(account_id))
    triage(eng, "reputation_critical")
    escalation_id = child_of(eng, inquiry_id)
    stored = services.show_instance(eng, inquiry_id)
    assert stored["title"] == INQUIRY["nn"]  # search, audit and the archive keep the Nynorsk
    assert stored["title_facts"] == {"account_name": "alesundvgs", "platform": "instagram"}
    for lang in ("nn", "nb", "en"):
        comms = login("komm1", lang=lang)
        listing = doc(comms.get("/cases/?all=1"))
        assert text_of(_link(listing, application_id)) == APPLICATION[lang]
        assert text_of(_link(listing, inquiry_id)) == INQUIRY[lang]
        assert text_of(_link(listing, escalation_id)) == ESCALATION[lang]
        assert not _link(listing, inquiry_id).xpath(".//*[@lang]")  # said in the page's own

        page = doc(comms.get(f"/cases/{inquiry_id}"))
        assert text_of(one(page, "//h1")) == INQUIRY[lang]
        assert text_of(one(page, "//head/title")).startswith(INQUIRY[lang])
        linked = one(page, f'//dl[@class="facts"]//a[@href="/cases/{escalation_id}"]')
        assert text_of(linked) == ESCALATION[lang]
        back = doc(comms.get(f"/cases/{escalation_id}"))
        linked = one(back, f'//dl[@class="facts"]//a[@href="/cases/{inquiry_id}"]')
        assert text_of(linked) == INQUIRY[lang]

        inbox = doc(comms.get("/"))  # the comms section assesses the escalation
        [row] = inbox.xpath(f'//main//table//tr[.//a[@href="/cases/{escalation_id}"]]')
        assert text_of(_link(row, escalation_id)) == ESCALATION[lang]
        assert ESCALATION[lang] in text_of(one(row, ".//button"))  # the button's hidden name

    complete(eng, escalation_id, "assess", "komm1", ASSESSMENT | {"handler": "komm2"})
    assert services.show_instance(eng, escalation_id)["title_facts"] == {
        "summary": "Skulda for mobbing"
    }
    english = login("komm2", lang="en")
    task = one(doc(english.get("/")), '//main//table//a[starts-with(@href, "/tasks/")]')
    task_page = doc(english.get(task.get("href")))
    case_link = one(task_page, f'//dl[@class="facts"]//a[@href="/cases/{escalation_id}"]')
    assert text_of(case_link) == "Possible reputation case: Skulda for mobbing"
    assert "Possible reputation case: Skulda for mobbing" in text_of(one(task_page, "//title"))


def test_a_case_from_before_its_title_had_facts_keeps_its_stored_title(eng, login):
    """0007 leaves a case's title_facts empty (NULL): every reader sees the Nynorsk title it
    was stored with, marked as Nynorsk on an English page."""
    instance_id = services.start_process(
        eng, "account_application", "laerar.alesund", school_application()
    )
    with eng.transaction() as session:
        session.get_one(ProcessInstance, instance_id).title_facts = None
    english = login("rektor.alesund", lang="en")
    inbox = doc(english.get("/"))
    [row] = inbox.xpath(f'//main//table//tr[.//a[@href="/cases/{instance_id}"]]')
    link = _link(row, instance_id)
    assert text_of(link) == APPLICATION["nn"]
    assert link.xpath('./span[@lang="nn"]')
    page = doc(english.get(f"/cases/{instance_id}"))
    assert text_of(one(page, "//h1")) == APPLICATION["nn"]
    assert one(page, "//h1").xpath('./span[@lang="nn"]')
    listing = doc(login("laerar.alesund", lang="en").get("/cases/"))
    assert text_of(_link(listing, instance_id)) == APPLICATION["nn"]


def test_in_app_notifications_name_the_case_in_the_readers_language(eng, login):
    instance_id = services.start_process(
        eng, "account_application", "laerar.alesund", school_application()
    )
    with eng.transaction() as session:  # one about a confidential case (G10) beside it
        notifications.add_notification(
            session,
            "secret:1",
            "rektor.alesund",
            "task_ready",
            session.get_one(ProcessInstance, instance_id),
            eng.clock.now(),
            confidential=True,
            task="Vurder",
            task_id="t-1",
        )
    for lang, confidential in (("en", "a confidential case"), ("nn", None)):
        page = doc(login("rektor.alesund", lang=lang).get("/notifications/"))
        secret, ready = (text_of(item) for item in page.xpath('//ul[@class="notifications"]/li'))
        assert APPLICATION[lang] in ready, ready
        assert "alesundvgs" not in secret
        if confidential:
            assert confidential in secret
    english = doc(login("rektor.alesund", lang="en").get("/notifications/"))
    assert "alesundvgs på" not in text_of(one(english, '//ul[@class="notifications"]'))
