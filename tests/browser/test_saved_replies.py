"""Lagra svar in a real browser: axe-core on the comms section's pages, and the reply task
showing the text of whichever saved reply the moderator picks."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from engine.bootstrap import Engine
from engine.cases import services
from tests.browser.support import SQLITE_ONLY, AxeReport
from tests.conftest import school_application

pytestmark = SQLITE_ONLY


def test_saved_reply_pages(open_page: Callable[..., Page], axe: AxeReport) -> None:
    comms = open_page("komm1")
    comms.goto("/replies/")
    axe.check(comms, "replies")
    comms.locator("main a[href='/replies/thanks']").click()
    expect(comms.locator("h1")).to_have_text("Takk for tilbakemeldinga (G3)")
    axe.check(comms, "reply")
    comms.goto("/replies/thanks/edit")
    comms.fill("#field-text_nn", "Takk, {namn}!")
    comms.locator("main button.primary[type=submit]").click()
    expect(comms.locator("#error-summary")).to_be_visible()
    expect(comms.locator("#field-text_nn")).to_have_attribute("aria-invalid", "true")
    axe.check(comms, "reply-edit-errors")
    comms.fill("#field-text_nn", "Takk, {author}!")
    comms.locator("main button[value=preview]").click()
    expect(comms.locator("#preview")).to_contain_text("Takk, @ola_nordmann!")
    axe.check(comms, "reply-edit-preview")
    comms.goto("/replies/new")
    axe.check(comms, "reply-new")
    axe.assert_clean()


def test_the_reply_task_shows_the_chosen_saved_reply(
    open_page: Callable[..., Page], axe: AxeReport, eng: Engine
) -> None:
    owner = "laerar.alesund"
    services.start_process(eng, "account_application", owner, school_application())
    [decision] = services.list_human_tasks(eng, "rektor.alesund")
    services.complete_human_task(
        eng, decision["id"], "rektor.alesund", {"decision": "approve", "moderators": [owner]}
    )
    [account] = services.list_accounts(eng)
    inquiry = {
        "account_id": account["id"],
        "author": "@elev_ola",
        "text": "Kan du legge meg til?",
        "received_at": "2026-11-23T08:00:00+00:00",
        "language": "nynorsk",
    }
    services.start_process(eng, "inquiry_handling", owner, inquiry)
    [triage] = services.list_human_tasks(eng, owner)
    services.complete_human_task(eng, triage["id"], owner, {"category": "question"})
    [reply] = services.list_human_tasks(eng, owner)

    page = open_page(owner)
    page.goto(f"/tasks/{reply['id']}")
    texts = page.locator("#saved-reply-texts")
    expect(texts.locator("p.empty")).to_be_visible()  # a question prescribes no template
    page.select_option("#field-template", "pupil_contact_refusal")
    shown = texts.locator("[data-key=pupil_contact_refusal] p.reply-text")
    expect(shown).to_be_visible()
    expect(shown).to_have_text(
        "Takk for invitasjonen om å bli satt i forbindelse her på Instagram! Dessverre må eg "
        "avstå tilbodet ditt så lenge du er elev ved Ålesund vidaregåande skule."
    )
    expect(texts.locator("p.empty")).to_be_hidden()
    axe.check(page, "task-saved-reply")
    axe.assert_clean()
