"""Mine oppgåver in pages, in a real browser: axe-core finds nothing serious on a full page
with its pager, the page reflows at 320 CSS px (WCAG 1.4.10: no sideways scrolling, each cell
named by its column), and the pager works from the keyboard."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.support import SQLITE_ONLY, AxeReport
from tests.inbox_support import a_case, add_tasks

pytestmark = SQLITE_ONLY

COMMS = ["infosjef", "komm1", "komm2"]


def sideways_overflow(page: Page) -> int:
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def test_a_full_inbox_with_its_pager_is_accessible_and_reflows_at_320_px(
    eng, open_page: Callable[..., Page], axe: AxeReport
) -> None:
    add_tasks(eng, a_case(eng), 60, COMMS)
    page = open_page("komm1")
    response = page.goto("/")
    assert response is not None and response.status == 200
    expect(page.locator("#pager-range")).to_have_text("1–50 av 60")
    expect(page.locator("main table tbody tr")).to_have_count(50)
    axe.check(page, "inbox-pages")

    page.set_viewport_size({"width": 320, "height": 640})
    assert sideways_overflow(page) <= 0
    first_cell = page.locator("main table tbody tr").first.locator("td").first
    label = first_cell.evaluate("td => getComputedStyle(td, '::before').content")
    assert "Oppgåve" in label  # the column's name before the cell's content
    box = first_cell.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 320
    axe.check(page, "inbox-pages-320px")

    following = page.locator("nav.pager a[rel=next]")
    expect(following).to_be_visible()
    following.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#pager-range")).to_have_text("51–60 av 60")
    expect(page.locator("main table tbody tr")).to_have_count(10)
    assert sideways_overflow(page) <= 0
    previous = page.locator("nav.pager a[rel=prev]")
    previous.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#pager-range")).to_have_text("1–50 av 60")
    axe.assert_clean()
