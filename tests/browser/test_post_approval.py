"""The post-approval journey of issue 6 in a real Chromium (G11): a moderator drafts a post with
a photo of a pupil and is refused for want of consent, registers the guardian's consent, sends
the post again, the account owner approves it, and the moderator records the published link.
axe-core checks every new page (the register, its form, a consent, the post form with its
errors, the approval task)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from playwright.sync_api import Page, expect

from engine.bootstrap import Engine
from engine.cases import services
from engine.clock import FixedClock
from tests.accounts import DEPUTY, OWNER
from tests.browser.support import SQLITE_ONLY, AxeReport

pytestmark = SQLITE_ONLY

PHOTO = "Per ved dreiebenken"


def _submit(page: Page) -> None:
    page.locator("main form[method=post] button.primary").click()


def _fill_post(page: Page, account_id: int, planned: str, *, consent: bool) -> None:
    page.goto("/start/post_approval")
    page.select_option("#field-account_id", str(account_id))
    page.fill("#field-text", "Open dag i verkstaden: kom og sjå kva elevane lagar!")
    page.fill("#field-planned_at", planned)
    page.fill("#field-photo_1_label", PHOTO)
    page.fill("#field-photo_1_people", "1")
    if consent:
        page.get_by_label("Per Elev", exact=False).first.check()


def _task(eng: Engine, username: str, element: str) -> str:
    [task] = [t for t in services.list_human_tasks(eng, username) if t["element_id"] == element]
    return str(task["id"])


def test_post_approval_journey(
    open_page: Callable[..., Page],
    eng: Engine,
    clock: FixedClock,
    account_id: int,
    axe: AxeReport,
) -> None:
    planned = (clock.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    moderator = open_page(DEPUTY)

    # --- a photo of a pupil without consent is refused --------------------------------------
    _fill_post(moderator, account_id, planned, consent=False)
    axe.check(moderator, "post-form")
    _submit(moderator)
    summary = moderator.locator("#error-summary")
    expect(summary).to_contain_text("G11")
    expect(moderator.locator("#photo_1_consents-error")).to_contain_text(PHOTO)
    axe.check(moderator, "post-form-refused")

    # --- the guardian's consent goes into the register --------------------------------------
    moderator.locator("nav a[href='/consents/']").click()
    expect(moderator.locator("h1")).to_be_visible()
    axe.check(moderator, "consents")
    moderator.locator("main a[href='/consents/new']").click()
    axe.check(moderator, "consent-form")
    moderator.fill("#field-person_name", "Per Elev")
    moderator.check("#field-under_15")
    _submit(moderator)  # a pupil under 15 needs a guardian: refused, and said so
    expect(moderator.locator("#given_by-error")).to_be_visible()
    axe.check(moderator, "consent-form-refused")
    moderator.check("#field-given_by-guardian")
    moderator.fill("#field-guardian_name", "Pål Forelder")
    moderator.fill("#field-given_on", "2026-11-20")
    moderator.select_option("#field-account_id", str(account_id))
    moderator.fill("#field-scope", "Bilete frå verkstaden på Instagram, skuleåret 2026/27.")
    moderator.fill("#field-storage", "Arkivsak 26/1234, dokument 2")
    _submit(moderator)
    expect(moderator.locator("main")).to_contain_text("Pål Forelder")
    axe.check(moderator, "consent")

    # --- the post with the consent goes for approval ----------------------------------------
    _fill_post(moderator, account_id, planned, consent=True)
    _submit(moderator)
    expect(moderator).to_have_url(re.compile(r"/cases/\d+$"))

    # --- the account owner approves; the drafter could not --------------------------------
    owner = open_page(OWNER)
    owner.goto(f"/tasks/{_task(eng, OWNER, 'approve')}")
    expect(owner.locator("main")).to_contain_text(PHOTO)
    axe.check(owner, "post-approval-task")
    owner.check("input[name=decision][value=approve]")
    _submit(owner)

    # --- the moderator publishes and records the link ---------------------------------------
    moderator.goto(f"/tasks/{_task(eng, DEPUTY, 'publish')}")
    moderator.fill("#field-published_url", "https://www.instagram.com/p/open-dag/")
    _submit(moderator)
    expect(moderator.locator("main")).to_contain_text("Publisert")

    moderator.goto("/consents/")
    expect(moderator.locator("main table")).to_contain_text("Per Elev")
    axe.assert_clean()
