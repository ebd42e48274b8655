"""The journey of issue #3 in a real Chromium: a teacher applies for an official account, the
principal approves and names a moderator, the teacher sees the decision and the auditor reads
the timeline and the diagram.

UI labels are being translated, so elements are found by id, name, role and href; the texts
asserted come from the deployed diagram and form files (Nynorsk, stable) or from the data."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from engine.bootstrap import Engine
from engine.clock import FixedClock
from engine.people.demo import SAMPLE_SCHOOL_APPLICATION
from engine.store.models import ProcessInstance
from tests.browser.support import SQLITE_ONLY, screenshot, start_case, wait_for_diagram

pytestmark = SQLITE_ONLY

APP = SAMPLE_SCHOOL_APPLICATION
PROCESS_NAME = "Søknad om offisiell konto"  # the BPMN process name
APPROVED = "Konto oppretta"  # the end event the approved case finishes on: its outcome
# the decision as the timeline shows it: its label from the form file, or the stored value
DECISION_SHOWN = re.compile(r"Godkjenn|approve")
WAITED_3_HOURS = re.compile(r"\([^()\d]*\b3\b[^()\d]*\)$")  # "(for 3 timar sidan)"
INSTRUCTIONS = "Les formålet (A3)"  # start of the approval task's documentation in the BPMN


def _cases_started(eng: Engine) -> int:
    with eng.reading() as session:
        return session.scalar(select(func.count()).select_from(ProcessInstance)) or 0


def _log_in_by_keyboard(page: Page, username: str) -> None:
    page.goto("/login")
    page.focus("#username")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    expect(page.locator("#password")).to_be_focused()
    page.keyboard.type("demo")
    page.keyboard.press("Enter")
    expect(page.locator("form[action='/logout']")).to_be_attached()


def _fill_application_by_keyboard(page: Page, *, account_name: bool) -> None:
    """Every required field from the keyboard alone, moving on with Tab (which also checks
    that the tab order follows the form): type-ahead and arrow keys in the lists, typing in
    the rest. The account name is left empty unless `account_name`."""
    page.focus("#field-platform")
    page.keyboard.type(str(APP["platform"]))  # type-ahead picks the option
    typed = {
        "account_name": str(APP["account_name"]) if account_name else "",
        "objective": str(APP["objective"]),
        "capacity": str(APP["capacity"]),
        "owner": "laerar.alesund",
        "deputy": str(APP["deputy"]),
        "mailbox": str(APP["mailbox"]),
    }
    for name in ("account_name", "unit", "objective", "capacity", "owner", "deputy", "mailbox"):
        page.keyboard.press("Tab")
        field = page.locator(f"#field-{name}")
        expect(field).to_be_focused()
        if name == "unit":
            for _ in range(10):  # down the list to the applicant's school
                if field.input_value() == "alesund_vgs":
                    break
                page.keyboard.press("ArrowDown")
        else:
            page.keyboard.type(typed[name])


def test_account_application_journey(
    open_page: Callable[..., Page], eng: Engine, clock: FixedClock
) -> None:
    # --- the teacher logs in: no tasks yet ------------------------------------------------
    teacher = open_page()
    _log_in_by_keyboard(teacher, "laerar.alesund")
    expect(teacher).to_have_url(re.compile(r"/$"))
    expect(teacher.locator("main table.list")).to_have_count(0)
    expect(teacher.locator("main p.empty")).to_be_visible()
    expect(teacher.locator("#task-count")).to_have_text("0")
    screenshot(teacher, "journey-01-teacher-inbox-empty")

    # --- starts "Søknad om offisiell konto" from the form ----------------------------------
    teacher.locator("nav a[href='/start/']").click()
    teacher.locator("main a[href='/start/account_application']").click()
    expect(teacher.locator("h1")).to_have_text(PROCESS_NAME)
    # labels come from the form file
    expect(teacher.locator("label[for='field-platform']")).to_contain_text("Plattform")

    # First with the account name left empty: the error sits at that field, nothing starts.
    _fill_application_by_keyboard(teacher, account_name=False)
    expect(teacher.locator("#field-platform")).to_have_value("instagram")
    expect(teacher.locator("#field-unit")).to_have_value("alesund_vgs")
    teacher.keyboard.press("Enter")  # in the e-mail field: submits the form
    account = teacher.locator("#field-account_name")
    expect(account).to_have_attribute("aria-invalid", "true")
    expect(account).to_have_attribute("aria-describedby", "account_name-error")
    error = teacher.locator("#account_name-error")
    expect(error).to_be_visible()
    expect(error).not_to_be_empty()
    # next to its field: in the same field block, right before the input
    field = teacher.locator(".field.has-error", has=account)
    expect(field.locator("#account_name-error")).to_have_count(1)
    expect(field.locator("#account_name-error + #field-account_name")).to_have_count(1)
    expect(teacher.locator(".field.has-error")).to_have_count(1)
    expect(teacher.locator("#error-summary a[href='#field-account_name']")).to_be_visible()
    expect(teacher.locator("#field-objective")).to_have_value(str(APP["objective"]))
    expect(teacher.locator("#field-mailbox")).to_have_value(str(APP["mailbox"]))
    assert _cases_started(eng) == 0
    screenshot(teacher, "journey-02-start-form-with-error")

    # The summary's link takes the keyboard to the field; then Enter sends the form again.
    teacher.focus("#error-summary a[href='#field-account_name']")
    teacher.keyboard.press("Enter")
    expect(account).to_be_focused()
    teacher.keyboard.type(str(APP["account_name"]))
    teacher.keyboard.press("Enter")
    # (a browser keeps the #fragment the summary's link added across the redirect)
    expect(teacher).to_have_url(re.compile(r"/cases/\d+(#field-account_name)?$"))
    case_id = int(re.findall(r"/cases/(\d+)", teacher.url)[0])
    case_url = f"/cases/{case_id}"
    assert _cases_started(eng) == 1
    expect(teacher.locator("main .flash.success")).to_be_visible()
    expect(teacher.locator("h1")).to_contain_text(str(APP["account_name"]))
    wait_for_diagram(teacher)
    screenshot(teacher, "journey-03-case-started")

    # --- sees it under Mine saker ----------------------------------------------------------
    teacher.locator("nav a[href='/cases/']").click()
    row = teacher.locator("main table.list tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator(f"a[href='{case_url}']")).to_contain_text(str(APP["account_name"]))
    expect(row).to_contain_text(PROCESS_NAME)
    screenshot(teacher, "journey-04-teacher-my-cases")

    # --- the auditor may look at the open task, but gets no form to act -------------------
    auditor = open_page("revisor")
    auditor.goto(case_url)
    waiting = auditor.locator("section[aria-labelledby='open-heading'] a[href^='/tasks/']")
    expect(waiting).to_have_count(1)
    task_url = waiting.get_attribute("href")
    assert task_url
    waiting.click()
    expect(auditor).to_have_url(re.compile(re.escape(task_url) + "$"))
    expect(auditor.locator("#instructions-heading")).to_be_visible()
    expect(auditor.locator("main form")).to_have_count(0)
    expect(auditor.locator("input[name='decision']")).to_have_count(0)
    expect(auditor.locator("main p.notice")).to_be_visible()
    expect(auditor.locator("nav a[href='/start/']")).to_have_count(0)
    response = auditor.goto("/start/account_application")
    assert response is not None and response.status == 403
    screenshot(auditor, "journey-05-auditor-403-on-start-form")

    # --- three hours later the principal logs in and sees the task and its waiting time ---
    clock.advance(timedelta(hours=3))
    principal = open_page()
    _log_in_by_keyboard(principal, "rektor.alesund")
    expect(principal.locator("#task-count")).to_have_text("1")
    task_row = principal.locator("main table.list tbody tr")
    expect(task_row).to_have_count(1)
    expect(task_row.locator(f"a[href='{task_url}']")).to_be_visible()
    expect(task_row.locator(f"a[href='{case_url}']")).to_contain_text(str(APP["account_name"]))
    waited = task_row.locator("td:has(time):has(.muted)")  # "waiting since"
    expect(waited.locator("time")).to_have_attribute("datetime", re.compile(r"^2026-11-23T09:00"))
    expect(waited.locator(".muted")).to_have_text(re.compile(r"^\D*\b3\b\D*$"))  # 3 hours
    screenshot(principal, "journey-06-principal-inbox")

    # --- opens it: instructions and the application data -----------------------------------
    task_row.locator(f"a[href='{task_url}']").click()
    expect(principal.locator("#instructions-heading")).to_be_visible()
    instructions = principal.locator("section[aria-labelledby='instructions-heading']")
    expect(instructions).to_contain_text(INSTRUCTIONS)
    data = principal.locator("section[aria-labelledby='data-heading']")
    expect(data.locator("dt", has_text="Plattform")).to_be_visible()
    for key in ("platform", "account_name", "objective", "capacity", "deputy", "mailbox"):
        shown = re.compile(re.escape(str(APP[key])), re.IGNORECASE)  # instagram or Instagram
        expect(data.locator("dd", has_text=shown).first).to_be_visible()
    # waiting since: "23.11.2026 10:00 (for 3 timar sidan)" or "(3 hours ago)"
    expect(principal.locator("main dl.facts dd", has_text=WAITED_3_HOURS)).to_have_count(1)

    # --- approves and names laerar2.alesund moderator, by keyboard --------------------------
    approve = principal.locator("input[name='decision'][value='approve']")
    approve.focus()
    principal.keyboard.press("Space")
    expect(approve).to_be_checked()
    moderator = principal.locator("input[name='moderators'][value='laerar2.alesund']")
    moderator.focus()
    principal.keyboard.press("Space")
    expect(moderator).to_be_checked()
    screenshot(principal, "journey-07-task-page-filled")
    principal.locator(f"main form[action='{task_url}'] button[type=submit]").click()
    expect(principal).to_have_url(re.compile(re.escape(case_url) + "$"))
    expect(principal.locator("main dd.status-completed")).to_contain_text(APPROVED)
    expect(principal.locator("#task-count")).to_have_text("0")

    # --- the teacher sees the decision -----------------------------------------------------
    teacher.goto(case_url)
    expect(teacher.locator("main dd.status-completed")).to_contain_text(APPROVED)
    expect(teacher.locator("section[aria-labelledby='open-heading']")).to_have_count(0)
    teacher.locator("nav a[href='/cases/']").click()
    expect(teacher.locator("main table.list tbody tr")).to_contain_text(APPROVED)
    teacher.goto(case_url)
    wait_for_diagram(teacher)
    screenshot(teacher, "journey-08-teacher-sees-decision")

    # --- the auditor reads the timeline and the diagram ------------------------------------
    auditor.goto("/cases/?all=1")
    auditor.locator(f"main a[href='{case_url}']").click()
    expect(auditor).to_have_url(re.compile(re.escape(case_url) + "$"))
    events = auditor.locator("ol.timeline > li")
    started = events.filter(has_text="laerar.alesund").first
    for key in ("account_name", "objective", "deputy", "mailbox"):
        expect(started).to_contain_text(str(APP[key]))
    decided = events.filter(has=auditor.locator("dt", has_text="Avgjerd"))  # the form's label
    expect(decided).to_have_count(1)
    expect(decided.locator("p.event")).to_contain_text("rektor.alesund")  # who
    expect(decided.locator("dd", has_text=DECISION_SHOWN)).to_have_count(1)  # what
    expect(decided.locator("dd", has_text="laerar2.alesund")).to_have_count(1)  # the moderator
    expect(events.filter(has=auditor.locator("a[href^='/accounts/']"))).to_have_count(1)
    expect(auditor.locator("a[href$='/history.json']")).to_be_visible()
    expect(auditor.locator("a[href$='/history.csv']")).to_be_visible()

    wait_for_diagram(auditor)
    expect(auditor.locator("#diagram .djs-element.completed").first).to_be_attached()
    for element in ("start", "decide", "registration", "end_approved"):
        done = auditor.locator(f"#diagram .djs-element[data-element-id='{element}']")
        expect(done).to_have_class(re.compile(r"\bcompleted\b"))
    expect(auditor.locator("#diagram .djs-element.current")).to_have_count(0)
    expect(auditor.locator("main form")).to_have_count(0)  # read only: nothing to act on
    screenshot(auditor, "journey-09-auditor-case-timeline-diagram")


def test_running_case_marks_the_current_step(open_page: Callable[..., Page], eng: Engine) -> None:
    case_id, _task = start_case(eng)
    auditor = open_page("revisor")
    auditor.goto(f"/cases/{case_id}")
    wait_for_diagram(auditor)
    decide = auditor.locator("#diagram .djs-element[data-element-id='decide']")
    expect(decide).to_have_class(re.compile(r"\bcurrent\b"))
    start = auditor.locator("#diagram .djs-element[data-element-id='start']")
    expect(start).to_have_class(re.compile(r"\bcompleted\b"))


def test_skip_link_is_the_first_stop_and_moves_focus_to_main(
    open_page: Callable[..., Page],
) -> None:
    for username in (None, "laerar.alesund"):
        page = open_page(username)
        page.goto("/" if username else "/login")
        page.keyboard.press("Tab")
        skip = page.locator("a.skip-link")
        expect(skip).to_be_focused()
        expect(skip).to_be_in_viewport()  # shown on screen once focused
        page.keyboard.press("Enter")
        expect(page.locator("main#main")).to_be_focused()
        page.keyboard.press("Tab")  # and the next stop is inside main, not back in the header
        expect(page.locator("main :focus")).to_have_count(1)


def test_no_link_leads_to_an_error_page(open_page: Callable[..., Page], eng: Engine) -> None:
    """Every link on the main pages, for each kind of user, opens a page (no 403 or 404)."""
    case_id, task_id = start_case(eng)
    pages = {
        "laerar.alesund": ["/", "/start/", "/cases/", f"/cases/{case_id}", "/accounts/"],
        "rektor.alesund": ["/", f"/tasks/{task_id}", f"/cases/{case_id}"],
        "revisor": ["/", "/cases/?all=1", f"/cases/{case_id}", f"/tasks/{task_id}", "/audit/"],
        "admin": ["/admin/users", "/admin/units", "/admin/deploy"],
    }
    broken = []
    for username, paths in pages.items():
        page = open_page(username)
        checked: set[str] = set()  # the menu links repeat on every page
        for path in paths:
            response = page.goto(path)
            assert response is not None and response.ok, f"{username}: {path} answered {response}"
            links = page.eval_on_selector_all(
                "a[href^='/']", "links => links.map(a => a.getAttribute('href'))"
            )
            for href in sorted(set(links) - checked):
                checked.add(href)
                status = page.request.get(href).status
                if status >= 400:
                    broken.append(f"{username} on {path}: link {href} answers HTTP {status}")
    assert not broken, "links to error pages:\n" + "\n".join(broken)
