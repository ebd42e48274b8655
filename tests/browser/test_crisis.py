"""E6 in a real browser: management declares a crisis through the start form, another person's
pages carry the banner at once, and it is gone when management ends the crisis."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.support import SQLITE_ONLY, AxeReport, screenshot

pytestmark = SQLITE_ONLY

BANNER = "main section.crisis-banner"


def test_declaring_and_ending_a_crisis_shows_and_removes_the_banner(
    open_page: Callable[..., Page], axe: AxeReport
) -> None:
    employee = open_page("tilsett1")
    employee.goto("/")
    expect(employee.locator(BANNER)).to_have_count(0)

    leader = open_page("fylkesdirektor")
    leader.goto("/start/")
    leader.get_by_role("link", name="Erklær krise").click()
    axe.check(leader, "crisis-declaration")
    leader.get_by_label("Kva er krisa?").fill("Brann på Ålesund vgs")
    leader.locator("main form button[type=submit]").last.click()
    expect(leader.locator("h1")).to_have_text("Krise: Brann på Ålesund vgs")
    expect(leader.locator(BANNER)).to_be_visible()

    employee.reload()
    banner = employee.locator(BANNER)
    expect(banner).to_contain_text("Krise: Brann på Ålesund vgs")
    expect(banner).to_contain_text("Alle dei offisielle kontoane står på vent.")
    axe.check(employee, "crisis-banner")
    screenshot(employee, "crisis-banner")

    # Management ends it from its task: "Leiinga styrer krisa" → "Krisa er over".
    leader.goto("/")
    leader.get_by_role("link", name="Leiinga styrer krisa").first.click()
    axe.check(leader, "crisis-next-step")
    leader.get_by_label("Krisa er over: avslutt").check()
    task_url = leader.url.removeprefix(leader.url.split("/tasks/")[0])
    leader.locator(f"main form[action='{task_url}'] button[type=submit]").click()
    expect(leader.locator(BANNER)).to_have_count(0)
    employee.reload()
    expect(employee.locator(BANNER)).to_have_count(0)
    axe.assert_clean()
