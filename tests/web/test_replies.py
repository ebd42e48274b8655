"""Lagra svar in the browser: the comms section keeps the templates, everyone may read them,
and the reply task shows the chosen one as the sender will read it."""

from __future__ import annotations

from engine.cases import services
from engine.registers import replies
from tests.conftest import school_application
from tests.web.conftest import (
    assert_page_structure,
    audit_events,
    by_id,
    doc,
    field_error,
    links,
    one,
    text_of,
)

EDIT = {
    "purpose": "thanks",
    "tone": "",
    "title_nn": "Takk (G3)",
    "title_nb": "Takk (G3)",
    "text_nn": "Takk, {author}!",
    "text_nb": "Takk, {author}! Hilsen {account_name}.",
}


def _reply(eng, key: str) -> dict:
    return replies.get_reply(eng, key)


def test_the_comms_section_lists_and_edits_saved_replies(eng, login):
    b = login("komm1")
    page = b.get("/replies/")
    assert page.status_code == 200
    assert_page_structure(page)
    tree = doc(page)
    assert "/replies/" in links(tree)  # in the main menu
    titles = [text_of(a) for a in tree.xpath("//table//td/a")]
    assert "Avslå kontaktførespurnad frå elev (E5)" in titles and len(titles) == 5
    assert "/replies/new" in links(tree)

    edit = b.get("/replies/thanks/edit")
    assert_page_structure(edit)
    assert one(doc(edit), '//textarea[@name="text_nb"]').text.startswith("Tusen takk")
    saved = b.post("/replies/thanks/edit", EDIT | {"action": "save"})
    assert saved.status_code == 302 and saved.headers["Location"] == "/replies/thanks"
    assert _reply(eng, "thanks")["text_nb"] == EDIT["text_nb"]
    [event] = audit_events(eng, "saved_reply_changed")
    assert event["actor"] == "komm1"
    assert event["detail"]["changes"]["text_nb"]["before"].startswith("Tusen takk")

    shown = b.get("/replies/thanks")
    assert_page_structure(shown)
    assert "Takk, @ola_nordmann! Hilsen alesundvgs." in text_of(doc(shown))  # the preview
    assert "Tusen takk" in text_of(by_id(doc(shown), "history-heading").getparent())


def test_a_new_template_with_errors_says_so_next_to_each_field(eng, login):
    b = login("infosjef", lang="nb")
    form = EDIT | {"key": "apningstider", "title_nb": "", "text_nn": "Hei {namn}", "action": "save"}
    wrong = b.post("/replies/new", form)
    assert wrong.status_code == 422
    assert_page_structure(wrong)
    tree = doc(wrong)
    assert "{namn}" in field_error(tree, "text_nn") and "{author}" in field_error(tree, "text_nn")
    assert field_error(tree, "title_nb") == "Feltet må fylles ut."
    assert len(by_id(tree, "error-summary").xpath(".//li")) == 2
    assert one(tree, '//textarea[@name="text_nn"]').text == "Hei {namn}"  # nothing is lost
    assert "apningstider" not in {r["key"] for r in replies.list_replies(eng)}

    preview = b.post(
        "/replies/new", form | {"title_nb": "Åpent", "text_nn": "Hei {author}", "action": "preview"}
    )
    assert preview.status_code == 200
    assert "Hei @ola_nordmann" in text_of(by_id(doc(preview), "preview"))
    assert "apningstider" not in {r["key"] for r in replies.list_replies(eng)}  # not saved

    made = b.post("/replies/new", form | {"title_nb": "Åpent", "text_nn": "Hei {author}"})
    assert made.status_code == 302
    assert _reply(eng, "apningstider")["text_nn"] == "Hei {author}"


def test_others_may_read_but_not_change_saved_replies(eng, login):
    for username in ("laerar.alesund", "revisor"):
        b = login(username)
        page = b.get("/replies/")
        assert page.status_code == 200
        tree = doc(page)
        assert "/replies/" in links(tree.xpath("//nav")[0])  # moderators copy the texts
        assert not tree.xpath("//form[contains(@action, '/active')]")
        assert "/replies/new" not in links(tree)
        assert b.get("/replies/pupil_contact_refusal").status_code == 200
        assert b.get("/replies/new").status_code == 403
        assert b.get("/replies/thanks/edit").status_code == 403
        assert b.post("/replies/thanks/edit", EDIT | {"action": "save"}).status_code == 403
        assert b.post("/replies/pupil_contact_refusal/active", {"active": "0"}).status_code == 403
    assert _reply(eng, "thanks")["text_nn"].startswith("Tusen takk")
    assert _reply(eng, "pupil_contact_refusal")["active"]
    assert audit_events(eng, "saved_reply_changed") == []


def test_changes_need_the_csrf_token(eng, login):
    b = login("komm1")
    b.get("/replies/")
    refused = b.post("/replies/pupil_contact_refusal/active", {"active": "0"}, csrf=False)
    assert refused.status_code == 400
    refused = b.post("/replies/thanks/edit", EDIT | {"action": "save"}, csrf=False)
    assert refused.status_code == 400
    assert _reply(eng, "pupil_contact_refusal")["active"]
    assert _reply(eng, "thanks")["text_nn"].startswith("Tusen takk")


def test_deactivate_and_reactivate_but_never_a_template_the_routing_table_names(eng, login):
    b = login("komm2")
    tree = doc(b.get("/replies/"))
    buttons = tree.xpath("//form[contains(@action, '/active')]/@action")
    assert buttons == ["/replies/pupil_contact_refusal/active"]  # only the unrouted one

    done = b.post("/replies/pupil_contact_refusal/active", {"active": "0"}, page="/replies/")
    assert done.status_code == 302
    assert not _reply(eng, "pupil_contact_refusal")["active"]
    again = b.post("/replies/pupil_contact_refusal/active", {"active": "1"}, page="/replies/")
    assert again.status_code == 302
    assert _reply(eng, "pupil_contact_refusal")["active"]

    refused = b.post("/replies/thanks/active", {"active": "0"}, page="/replies/")
    assert refused.status_code == 422
    assert "thanks" in text_of(by_id(doc(refused), "reply-error"))
    assert _reply(eng, "thanks")["active"]


def test_the_reply_task_offers_saved_replies_and_shows_the_text_to_copy(eng, login):
    services.start_process(eng, "account_application", "laerar.alesund", school_application())
    [decision] = services.list_human_tasks(eng, "rektor.alesund")
    services.complete_human_task(
        eng,
        decision["id"],
        "rektor.alesund",
        {"decision": "approve", "moderators": ["laerar.alesund"]},
    )
    [account] = services.list_accounts(eng)
    instance_id = services.start_process(
        eng,
        "inquiry_handling",
        "laerar.alesund",
        {
            "account_id": account["id"],
            "author": "@kari_nordmann",
            "text": "Så flott konsert!",
            "received_at": "2026-11-23T08:00:00+00:00",
            "language": "bokmål",
        },
    )
    [triage] = services.list_human_tasks(eng, "laerar.alesund")
    services.complete_human_task(eng, triage["id"], "laerar.alesund", {"category": "positive"})
    [reply] = services.list_human_tasks(eng, "laerar.alesund")

    b = login("laerar.alesund")
    page = b.get(f"/tasks/{reply['id']}")
    assert page.status_code == 200
    assert_page_structure(page)
    tree = doc(page)
    select = one(tree, '//select[@name="template"]')
    assert select.xpath("./option[@selected]/@value") == ["thanks"]  # the route's template
    assert "pupil_contact_refusal" in select.xpath("./option/@value")
    shown = tree.xpath('//div[@class="saved-reply-text"][not(@hidden)]')
    assert [d.get("data-key") for d in shown] == ["thanks"]
    text = one(shown[0], './/p[@class="reply-text"]')
    assert text.get("lang") == "nb"  # the sender wrote Bokmål
    assert text_of(text) == (
        "Tusen takk for den fine tilbakemeldingen, @kari_nordmann! Det setter vi stor pris på."
    )
    assert tree.xpath('//script[contains(@src, "saved_reply.js")]')

    answered = b.post(
        f"/tasks/{reply['id']}",
        {"template": "thanks", "published_url": "https://www.instagram.com/p/x/c/2/"},
    )
    assert answered.status_code == 302
    data = services.show_instance(eng, instance_id)["data"]
    assert data["template_text"] == text_of(text)
    assert data["published_url"] == "https://www.instagram.com/p/x/c/2/"
    case = doc(b.get(f"/cases/{instance_id}"))
    data_list = by_id(case, "data-heading").getparent()
    assert "Lagra svar (mal) Takk for tilbakemeldinga (G3)" in text_of(data_list)  # its title
    assert f"Teksten i det lagra svaret, slik han vart sendt {text_of(text)}" in text_of(data_list)
