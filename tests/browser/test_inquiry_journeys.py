"""The journeys of issue #5 in a real Chromium: a moderator registers an inquiry from the
account page, triages it and answers it; and a reputation-critical inquiry goes through the
comms section (G9: assess, draft, four-eyes approval, publish, lessons learned) while the
section's overview of the accounts follows the numbers.

As in test_journey.py, elements are found by id, name, role and href; the texts asserted come
from the deployed diagrams and form files (Nynorsk, stable) or from the data."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from playwright.sync_api import Page, expect

from engine.bootstrap import Engine
from engine.cases import services
from engine.clock import FixedClock
from tests.browser.support import SQLITE_ONLY, AxeReport, screenshot, wait_for_diagram

pytestmark = SQLITE_ONLY

OWNER, MODERATOR = "laerar.alesund", "rektor.alesund"
INQUIRY_TITLE = "Førespurnad til alesundvgs på instagram"  # the diagram's titleTemplate
# task names and end events from the diagrams
TRIAGE, REPLY = "Vurder førespurnaden", "Svar på førespurnaden"
ASSESS, DRAFT, APPROVE = "Vurder saka", "Lag utkast til svar", "Godkjenn svaret"
PUBLISH, LESSONS = "Publiser svaret", "Avslutt og noter lærdom"
REPLIED, ANSWERED_G9, PUBLISHED = "Svart", "Svart via informasjonsseksjonen (G9)", "Svar publisert"
# The demo clock stands at 2026-11-23 09:00 UTC (10:00 in Ålesund); the reply is due a day later.
RECEIVED_LOCAL = "2026-11-23T10:00"
# the same moment, in UTC or in Norwegian time
DUE_AT = re.compile(r"^2026-11-24T(09:00(:00)?(\+00:00|Z)|10:00(:00)?\+01:00)$")
DUE_SHOWN = "24.11.2026 10:00"
REPLY_TEXT = "Hei! Skulen er open for besøk kvar onsdag klokka 14–16. Velkomen!"
REPLY_URL = "https://www.instagram.com/p/abc123/c/7"


def _submit(page: Page) -> None:
    """Send the page's main form (claim, delegate and the header's forms have other buttons)."""
    page.locator("main button.primary[type=submit]").click()


def _case_id(page: Page) -> int:
    expect(page).to_have_url(re.compile(r"/cases/\d+(#[\w-]+)?$"))
    return int(re.findall(r"/cases/(\d+)", page.url)[0])


def _open_task_from_inbox(page: Page, name: str) -> str:
    """Go to Mine oppgåver, find the one task of that name and open it; returns its URL."""
    page.locator("nav a[href='/']").first.click()
    link = page.locator("main table.list tbody tr td:first-child a", has_text=name)
    expect(link).to_have_count(1)
    href = link.get_attribute("href")
    assert href
    link.click()
    expect(page).to_have_url(re.compile(re.escape(href) + "$"))
    expect(page.locator("h1")).to_have_text(name)
    return href


def _open_task(eng: Engine, instance_id: int) -> dict[str, Any]:
    [task] = [t for t in services.show_instance(eng, instance_id)["tasks"] if t["status"] == "open"]
    return task


def _expect_overview(page: Page, account_id: int, *numbers: str) -> None:
    """The account's row: open inquiries, overdue, answered within 24 h, escalations."""
    page.goto("/overview/")
    cells = page.locator(f"#account-{account_id} td.num")
    expect(cells).to_have_count(4)
    for cell, number in zip(cells.all(), numbers, strict=True):
        expect(cell).to_have_text(re.compile(number))


# --- 1: the moderator registers, triages and answers an inquiry --------------------------------


def test_moderator_registers_triages_and_answers_an_inquiry(
    open_page: Callable[..., Page], eng: Engine, account_id: int, axe: AxeReport
) -> None:
    owner = open_page(OWNER)

    # --- from the registry to the account, and "Registrer ein førespurnad på denne kontoen" --
    owner.goto("/")
    owner.locator("nav a[href='/accounts/']").click()
    owner.locator(f"main table.list a[href='/accounts/{account_id}']").click()
    expect(owner.locator("h1")).to_contain_text("alesundvgs")
    owner.locator("#start-inquiry_handling").click()
    expect(owner).to_have_url(re.compile(r"/start/inquiry_handling\?account_id=\d+$"))
    expect(owner.locator("#field-account_id")).to_have_value(str(account_id))
    expect(owner.locator("#field-received_at")).to_have_value(RECEIVED_LOCAL)  # "now"
    owner.fill("#field-author", "@forelder_kari")
    owner.fill("#field-text", "Når kan vi kome på besøk og sjå skulen?")
    owner.check("input[name='language'][value='nynorsk']")
    screenshot(owner, "inquiry-01-registered")
    _submit(owner)
    case_id = _case_id(owner)
    case_url = f"/cases/{case_id}"
    expect(owner.locator("main .flash.success")).to_be_visible()
    expect(owner.locator("h1")).to_have_text(INQUIRY_TITLE)
    waiting = owner.locator("section[aria-labelledby='open-heading'] li.waiting-task")
    expect(waiting).to_have_count(1)  # beside it, the deadlines the case waits for
    expect(waiting.locator("a[href^='/tasks/']")).to_have_text(TRIAGE)

    # --- the inbox: the triage task, due 24 hours after the inquiry came in (G2a) -----------
    owner.locator("nav a[href='/']").first.click()
    row = owner.locator("main table.list tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator(f"a[href='{case_url}']")).to_have_text(INQUIRY_TITLE)
    due = row.locator("td").nth(4).locator("time")
    expect(due).to_have_attribute("datetime", DUE_AT)
    expect(due).to_have_text(DUE_SHOWN)
    axe.check(owner, "inbox-inquiry")

    # --- triage: a question ------------------------------------------------------------------
    _open_task_from_inbox(owner, TRIAGE)
    data = owner.locator("section[aria-labelledby='data-heading']")
    expect(data).to_contain_text("Når kan vi kome på besøk og sjå skulen?")
    expect(owner.locator("main dl.facts")).to_contain_text(DUE_SHOWN)
    axe.check(owner, "task-triage")
    owner.select_option("#field-category", "question")
    _submit(owner)
    expect(owner).to_have_url(re.compile(re.escape(case_url) + "$"))
    expect(owner.locator("main .flash.success")).to_be_visible()

    # --- the reply task: first without a tone, which a question needs (G6) ------------------
    reply_url = _open_task_from_inbox(owner, REPLY)
    texts = owner.locator("#saved-reply-texts")
    expect(texts.locator("p.empty")).to_be_visible()  # a question prescribes no saved reply
    owner.select_option("#field-template", "pupil_contact_refusal")
    expect(texts.locator("[data-key=pupil_contact_refusal] p.reply-text")).to_be_visible()
    expect(texts.locator("p.empty")).to_be_hidden()
    owner.select_option("#field-template", "")  # the moderator writes their own reply instead
    expect(texts.locator("p.empty")).to_be_visible()
    expect(texts.locator("[data-key=pupil_contact_refusal]")).to_be_hidden()
    owner.fill("#field-reply_text", REPLY_TEXT)
    owner.fill("#field-published_url", REPLY_URL)
    with owner.expect_response(f"**{reply_url}") as answer:
        _submit(owner)
    assert answer.value.status == 422

    summary = owner.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary.locator("li")).to_have_count(1)
    tone_error = owner.locator("#tone-error")
    expect(tone_error).to_be_visible()
    expect(tone_error).not_to_be_empty()
    tone = owner.locator(".field.has-error fieldset")  # the radio group, tied to its error
    expect(tone).to_have_attribute("aria-describedby", "tone-error")
    expect(tone.locator("#tone-error")).to_have_count(1)
    expect(owner.locator(".field.has-error")).to_have_count(1)
    expect(owner.locator("input[name='tone'][aria-invalid='true']")).to_have_count(3)
    # what was typed is still there, and nothing was saved
    expect(owner.locator("#field-reply_text")).to_have_value(REPLY_TEXT)
    expect(owner.locator("#field-published_url")).to_have_value(REPLY_URL)
    open_task = _open_task(eng, case_id)
    assert (open_task["element_id"], open_task["status"]) == ("reply", "open")
    assert "reply_text" not in services.show_instance(eng, case_id)["data"]
    screenshot(owner, "inquiry-02-reply-without-tone")
    axe.check(owner, "task-reply-errors")

    # The summary's link takes the keyboard to the first choice; Space picks it.
    link = summary.locator("a[href='#field-tone-1']")
    expect(link).to_be_visible()
    link.focus()
    owner.keyboard.press("Enter")
    factual = owner.locator("#field-tone-1")
    expect(factual).to_be_focused()
    expect(factual).to_have_attribute("value", "factual")
    owner.keyboard.press("Space")
    expect(factual).to_be_checked()
    _submit(owner)

    # --- done: the case says "Svart", and the inbox is empty --------------------------------
    expect(owner).to_have_url(re.compile(re.escape(case_url) + r"(#field-tone-1)?$"))
    expect(owner.locator("main dd.status-completed")).to_have_text(re.compile(rf": {REPLIED}$"))
    expect(owner.locator("section[aria-labelledby='open-heading']")).to_have_count(0)
    replied = owner.locator("ol.timeline > li", has=owner.locator("dd", has_text=REPLY_TEXT))
    expect(replied).to_have_count(1)
    expect(replied.locator("dd", has_text=REPLY_URL)).to_have_count(1)
    expect(owner.locator("#task-count")).to_have_text("0")
    wait_for_diagram(owner)
    end = owner.locator("#diagram .djs-element[data-element-id='end_replied']")
    expect(end).to_have_class(re.compile(r"\bcompleted\b"))
    screenshot(owner, "inquiry-03-replied")
    finished = services.show_instance(eng, case_id)
    assert (finished["status"], finished["outcome"]) == ("completed", REPLIED)
    assert finished["data"]["tone"] == "factual"
    axe.assert_clean()


# --- 2: a reputation-critical inquiry goes through the comms section (G9) ---------------------


def test_comms_section_answers_a_reputation_critical_inquiry(
    open_page: Callable[..., Page],
    eng: Engine,
    clock: FixedClock,
    account_id: int,
    axe: AxeReport,
) -> None:
    now = clock.now()

    def inquiry(received: timedelta, text: str) -> int:
        data = {
            "account_id": account_id,
            "author": "@sint_forelder",
            "text": text,
            "received_at": (now - received).isoformat(),
            "language": "nynorsk",
        }
        return services.start_process(eng, "inquiry_handling", OWNER, data)

    # An older inquiry nobody has looked at: open and past its deadline.
    inquiry(timedelta(hours=30), "Kvifor svarar de aldri?")
    comms = open_page("komm1")
    _expect_overview(comms, account_id, r"^1$", r"^1$", r"^0 %\s*\(0/1\)$", r"^0$")

    # --- a moderator triages a new inquiry as possibly reputation-critical ------------------
    critical = "Lærar X sa noko grovt til eleven min i timen i dag."
    inquiry_id = inquiry(timedelta(hours=1), critical)
    moderator = open_page(MODERATOR)
    moderator.goto(f"/tasks/{_open_task(eng, inquiry_id)['id']}")
    expect(moderator.locator("h1")).to_have_text(TRIAGE)
    moderator.select_option("#field-category", "reputation_critical")
    _submit(moderator)
    expect(moderator).to_have_url(re.compile(rf"/cases/{inquiry_id}$"))
    expect(moderator.locator("main dd.status-running")).to_be_visible()
    escalation_link = moderator.locator("main dl.facts dd a[href^='/cases/']")
    expect(escalation_link).to_have_count(1)
    escalation_url = escalation_link.get_attribute("href")
    assert escalation_url
    escalation_id = int(escalation_url.rsplit("/", 1)[1])
    _expect_overview(comms, account_id, r"^2$", r"^1$", r"^0 %\s*\(0/1\)$", r"^1$")
    axe.check(comms, "overview-escalation")

    # --- komm1 assesses and hands the matter to komm2 ---------------------------------------
    _open_task_from_inbox(comms, ASSESS)
    expect(comms.locator("section[aria-labelledby='data-heading']")).to_contain_text(critical)
    axe.check(comms, "task-assess")
    comms.check("input[name='severity'][value='high']")
    comms.fill("#field-summary", "Skulda for grov åtferd mot ein elev")
    comms.check("input[name='action'][value='respond']")
    comms.fill("#field-handler", "komm2")
    _submit(comms)
    expect(comms).to_have_url(re.compile(rf"{escalation_url}$"))
    expect(comms.locator("h1")).to_have_text(
        "Mogleg omdømmesak: Skulda for grov åtferd mot ein elev"
    )

    # --- komm2 drafts the response ----------------------------------------------------------
    handler = open_page("komm2")
    _open_task_from_inbox(handler, DRAFT)
    axe.check(handler, "task-draft")
    draft = "Vi tek dette på alvor og har teke kontakt med skulen. Send oss ei melding."
    handler.fill("#field-response_draft", draft)
    handler.fill("#field-consulted", "Rektor ved Ålesund vgs")
    _submit(handler)
    expect(handler).to_have_url(re.compile(rf"{escalation_url}$"))

    # --- four eyes: the approval is not komm2's ---------------------------------------------
    approve = _open_task(eng, escalation_id)
    assert approve["element_id"] == "approve"
    approve_url = f"/tasks/{approve['id']}"
    handler.locator("nav a[href='/']").first.click()
    expect(handler.locator(f"main a[href='{approve_url}']")).to_have_count(0)
    expect(handler.locator("main p.empty")).to_be_visible()
    # The comms section reads every case, so komm2 may look at the task, but gets no form.
    response = handler.goto(approve_url)
    assert response is not None and response.status == 200
    expect(handler.locator("h1")).to_have_text(APPROVE)
    expect(handler.locator("main p.notice")).to_be_visible()
    expect(handler.locator("main form")).to_have_count(0)
    expect(handler.locator("input[name='decision']")).to_have_count(0)
    axe.check(handler, "task-approve-not-yours")
    # and a hand-made approval is refused, and saves nothing
    token = handler.locator("input[name='csrf_token']").first.get_attribute("value")
    assert token
    refused = handler.request.post(
        approve_url, form={"csrf_token": token, "decision": "approve"}, max_redirects=0
    )
    assert refused.status == 403
    assert _open_task(eng, escalation_id)["id"] == approve["id"]

    # --- the head of information approves ---------------------------------------------------
    head = open_page("infosjef")
    assert _open_task_from_inbox(head, APPROVE) == approve_url
    expect(head.locator("section[aria-labelledby='data-heading']")).to_contain_text(draft)
    axe.check(head, "task-approve")
    head.check("input[name='decision'][value='approve']")
    _submit(head)
    expect(head).to_have_url(re.compile(rf"{escalation_url}$"))

    # --- the moderator publishes it and records the link ------------------------------------
    owner = open_page(OWNER)
    owner.goto("/")
    publish_row = owner.locator("main table.list tbody tr", has_text=PUBLISH)
    expect(publish_row.locator("td").nth(4).locator("time")).to_have_attribute(
        "datetime",
        re.compile(r"^2026-11-24T08:00"),  # still the inquiry's 24 hours (G2a)
    )
    _open_task_from_inbox(owner, PUBLISH)
    expect(owner.locator("section[aria-labelledby='data-heading']")).to_contain_text(draft)
    axe.check(owner, "task-publish")
    _submit(owner)  # without the link first: required
    expect(owner.locator("#error-summary a[href='#field-published_url']")).to_be_visible()
    expect(owner.locator("#field-published_url")).to_have_attribute("aria-invalid", "true")
    axe.check(owner, "task-publish-errors")
    owner.fill("#field-published_url", REPLY_URL)
    _submit(owner)
    expect(owner).to_have_url(re.compile(rf"{escalation_url}$"))

    # --- komm1 closes with lessons learned --------------------------------------------------
    _open_task_from_inbox(comms, LESSONS)
    axe.check(comms, "task-lessons")
    comms.fill("#field-lessons_learned", "Vi svarte innan fristen; rektor var rask å hjelpe.")
    _submit(comms)
    expect(comms).to_have_url(re.compile(rf"{escalation_url}$"))
    expect(comms.locator("main dd.status-completed")).to_have_text(re.compile(f": {PUBLISHED}$"))
    back = comms.locator(f"main dl.facts dd a[href='/cases/{inquiry_id}']")
    expect(back).to_have_text(INQUIRY_TITLE)
    wait_for_diagram(comms)
    screenshot(comms, "g9-01-escalation-completed")
    axe.check(comms, "case-escalation-completed")

    # --- the inquiry is answered through the comms section, and links to the escalation ----
    back.click()
    expect(comms).to_have_url(re.compile(rf"/cases/{inquiry_id}$"))
    status = comms.locator("main dd.status-completed")
    expect(status).to_have_text(re.compile(re.escape(f": {ANSWERED_G9}") + "$"))
    child = comms.locator("main dl.facts dd", has=comms.locator(f"a[href='{escalation_url}']"))
    expect(child.locator("a")).to_have_text(
        "Mogleg omdømmesak: Skulda for grov åtferd mot ein elev"
    )
    expect(child).to_contain_text(PUBLISHED)
    events = comms.locator("ol.timeline > li p.event strong")
    expect(events.filter(has_text="Tilknytt sak starta")).to_have_count(1)  # not "child_started"
    expect(events.filter(has_text="Melding motteken frå ei tilknytt sak")).to_have_count(1)
    wait_for_diagram(comms)
    screenshot(comms, "g9-02-inquiry-answered")
    axe.check(comms, "case-inquiry-answered-g9")

    # the overview: the old one still open and late; the escalated one answered in time
    _expect_overview(comms, account_id, r"^1$", r"^1$", r"^50 %\s*\(1/2\)$", r"^0$")
    note = comms.locator("main p.muted").last  # and the note says the escalated one counts
    expect(note).to_contain_text("er svara når svaret seksjonen har koordinert, er publisert")
    screenshot(comms, "g9-03-overview-after")
    axe.assert_clean()
