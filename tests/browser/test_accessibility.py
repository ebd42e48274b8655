"""axe-core (WCAG 2.0/2.1 A and AA rules) on every page, in the states people meet them: empty
and full, with and without form errors, the error pages, and in Bokmål and English.

A test fails on violations of impact "serious" or "critical" and lists them all (page, rule,
help text, elements). Every finding of every impact is also written to
screenshots/axe-violations.json, beside a full-page screenshot of each page checked."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from engine.bootstrap import Engine
from engine.cases import services
from engine.clock import FixedClock
from engine.people.demo import SAMPLE_SCHOOL_APPLICATION
from tests.accounts import approved_school_account
from tests.browser.support import SQLITE_ONLY, AxeReport, start_case, wait_for_diagram
from tests.test_forum_pause import FROM as FORUM_PAUSE_FROM
from tests.test_forum_pause import pause as forum_pause

pytestmark = SQLITE_ONLY

BROKEN_BPMN = {
    "name": "broken.bpmn",
    "mimeType": "application/xml",
    "buffer": b'<?xml version="1.0"?>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/'
    b'BPMN/20100524/MODEL"><bpmn:process id="broken" isExecutable="true"><bpmn:userTask',
}


def _submit(page: Page) -> None:
    """Send the page's main form (its primary button; claim, delegate and the header's
    forms have others)."""
    page.locator("main button.primary[type=submit]").click()


def _goto(page: Page, path: str, status: int = 200) -> None:
    response = page.goto(path)
    assert response is not None
    assert response.status == status, f"{path}: HTTP {response.status}, expected {status}"


def test_login_and_error_pages(open_page: Callable[..., Page], axe: AxeReport) -> None:
    anonymous = open_page()
    _goto(anonymous, "/login")
    axe.check(anonymous, "login")
    anonymous.fill("#username", "laerar.alesund")
    anonymous.fill("#password", "wrong password")
    _submit(anonymous)
    expect(anonymous.locator("#login-error")).to_be_visible()
    expect(anonymous.locator("#password")).to_have_attribute("aria-invalid", "true")
    axe.check(anonymous, "login-error")
    _goto(anonymous, "/no-such-page", 404)
    axe.check(anonymous, "404-logged-out")

    teacher = open_page("laerar.alesund")
    _goto(teacher, "/admin/users", 403)
    axe.check(teacher, "403")
    _goto(teacher, "/cases/999999", 404)
    axe.check(teacher, "404")
    axe.assert_clean()


def test_applicant_pages(open_page: Callable[..., Page], axe: AxeReport) -> None:
    teacher = open_page("laerar.alesund")
    _goto(teacher, "/")
    expect(teacher.locator("main p.empty")).to_be_visible()
    axe.check(teacher, "inbox-empty")
    _goto(teacher, "/start/")
    axe.check(teacher, "start-list")
    _goto(teacher, "/start/account_application")
    axe.check(teacher, "start-form")

    _submit(teacher)  # everything empty
    expect(teacher.locator("#error-summary")).to_be_visible()
    expect(teacher.locator("#field-account_name")).to_have_attribute("aria-invalid", "true")
    axe.check(teacher, "start-form-errors")

    app = SAMPLE_SCHOOL_APPLICATION
    teacher.select_option("#field-platform", str(app["platform"]))
    for name in ("account_name", "objective", "capacity", "deputy", "mailbox"):
        teacher.fill(f"#field-{name}", str(app[name]))
    _submit(teacher)
    expect(teacher).to_have_url(re.compile(r"/cases/\d+$"))
    wait_for_diagram(teacher)
    axe.check(teacher, "case-running")

    _goto(teacher, "/cases/")
    expect(teacher.locator("main table.list tbody tr")).to_have_count(1)
    axe.check(teacher, "my-cases")
    _goto(teacher, "/cases/?q=nothing-like-this&status=completed")
    axe.check(teacher, "my-cases-none-found")
    axe.assert_clean()


def test_approver_pages(open_page: Callable[..., Page], axe: AxeReport, eng: Engine) -> None:
    # the first with an E8 warning for the approver (the teacher's own address)
    case_id, task_id = start_case(eng, mailbox="laerar.alesund@mrfylke.no")
    _other_case, other_task = start_case(eng, account_name="alesundvgs.elevrad")
    principal = open_page("rektor.alesund")
    _goto(principal, "/")
    expect(principal.locator("main table.list tbody tr")).to_have_count(2)
    axe.check(principal, "inbox-with-tasks")

    _goto(principal, f"/tasks/{task_id}")
    axe.check(principal, "task")
    principal.check("input[name='decision'][value='reject']")  # a rejection needs a comment
    _submit(principal)
    expect(principal.locator("#error-summary")).to_be_visible()
    axe.check(principal, "task-errors")

    # Someone else decides the other case while the principal has it open: 409.
    _goto(principal, f"/tasks/{other_task}")
    services.complete_human_task(
        eng, other_task, "rektor.alesund", {"decision": "reject", "comment": "Ein konto held."}
    )
    principal.check("input[name='decision'][value='reject']")
    principal.fill("#field-comment", "Ein konto er nok for skulen.")
    with principal.expect_response(f"**/tasks/{other_task}") as answer:
        _submit(principal)
    assert answer.value.status == 409
    axe.check(principal, "409")

    _goto(principal, f"/tasks/{task_id}")
    principal.check("input[name='decision'][value='approve']")
    principal.check("input[name='moderators'][value='laerar2.alesund']")
    _submit(principal)
    expect(principal).to_have_url(re.compile(rf"/cases/{case_id}$"))
    expect(principal.locator("main dd.status-completed")).to_be_visible()
    wait_for_diagram(principal)
    axe.check(principal, "case-completed")

    _goto(principal, "/notifications/")
    expect(principal.locator("main ul.notifications li")).to_have_count(2)
    axe.check(principal, "notifications")

    _goto(principal, "/accounts/")
    axe.check(principal, "registry")
    principal.locator("main table.list a[href^='/accounts/']").first.click()
    expect(principal).to_have_url(re.compile(r"/accounts/\d+$"))
    axe.check(principal, "account")
    _goto(principal, "/accounts/?platform=nothing")
    axe.check(principal, "registry-none-found")
    axe.assert_clean()


def test_auditor_pages(open_page: Callable[..., Page], axe: AxeReport, eng: Engine) -> None:
    case_id, task_id = start_case(eng)
    auditor = open_page("revisor")
    _goto(auditor, "/audit/")
    axe.check(auditor, "audit")
    auditor.locator("main a[href='/audit/verify']").click()
    expect(auditor.locator("#result-heading")).to_be_visible()
    axe.check(auditor, "audit-verify")
    _goto(auditor, "/cases/?all=1")
    axe.check(auditor, "all-cases")
    _goto(auditor, f"/cases/{case_id}")
    wait_for_diagram(auditor)
    axe.check(auditor, "case-auditor")
    _goto(auditor, f"/tasks/{task_id}")
    expect(auditor.locator("main p.notice")).to_be_visible()
    axe.check(auditor, "task-read-only")
    axe.assert_clean()


def test_admin_pages(open_page: Callable[..., Page], axe: AxeReport) -> None:
    admin = open_page("admin")
    _goto(admin, "/admin/users")
    axe.check(admin, "admin-users")
    admin.locator("main a[href='/admin/users/laerar.alesund']").click()
    expect(admin.locator("#field-username")).to_have_value("laerar.alesund")
    axe.check(admin, "admin-user-edit")
    _goto(admin, "/admin/users/new")
    axe.check(admin, "admin-user-new")
    _submit(admin)
    expect(admin.locator("#error-summary")).to_be_visible()
    axe.check(admin, "admin-user-new-errors")
    _goto(admin, "/admin/units")
    axe.check(admin, "admin-units")
    _submit(admin)
    expect(admin.locator("main [role=alert]")).to_be_visible()
    axe.check(admin, "admin-units-errors")
    _goto(admin, "/admin/notifications")
    axe.check(admin, "admin-notifications")
    _goto(admin, "/admin/deploy")
    axe.check(admin, "admin-deploy")
    _submit(admin)  # no file chosen
    expect(admin.locator("#files-error")).to_be_visible()
    axe.check(admin, "admin-deploy-no-file")
    admin.set_input_files("#field-files", files=[BROKEN_BPMN])
    with admin.expect_response("**/admin/deploy") as answer:
        _submit(admin)
    assert answer.value.status == 422
    expect(admin.locator("#problems")).to_be_visible()
    axe.check(admin, "admin-deploy-problems")
    axe.assert_clean()


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_pages_in_bokmal_and_english(
    open_page: Callable[..., Page], axe: AxeReport, eng: Engine, lang: str
) -> None:
    _case_id, task_id = start_case(eng)
    anonymous = open_page(lang=lang)
    _goto(anonymous, "/login")
    expect(anonymous.locator("html")).to_have_attribute("lang", lang)
    axe.check(anonymous, f"login-{lang}")

    principal = open_page("rektor.alesund", lang=lang)
    _goto(principal, "/")
    expect(principal.locator("main table.list tbody tr")).to_have_count(1)
    axe.check(principal, f"inbox-with-tasks-{lang}")
    _goto(principal, f"/tasks/{task_id}")
    axe.check(principal, f"task-{lang}")
    principal.check("input[name='decision'][value='revise']")  # needs a comment
    _submit(principal)
    expect(principal.locator("#error-summary")).to_be_visible()
    axe.check(principal, f"task-errors-{lang}")

    teacher = open_page("laerar.alesund", lang=lang)
    _goto(teacher, "/start/account_application")
    axe.check(teacher, f"start-form-{lang}")
    _submit(teacher)
    expect(teacher.locator("#error-summary")).to_be_visible()
    axe.check(teacher, f"start-form-errors-{lang}")
    _goto(teacher, "/cases/")
    axe.check(teacher, f"my-cases-{lang}")
    axe.assert_clean()


def test_absence_overview_and_account_pages(
    open_page: Callable[..., Page], axe: AxeReport, eng: Engine
) -> None:
    account_id = approved_school_account(eng)
    owner = open_page("laerar.alesund")
    _goto(owner, "/absence/")
    expect(owner.locator("main p.empty")).to_be_visible()
    axe.check(owner, "absence-empty")
    _submit(owner)  # nothing filled in
    expect(owner.locator("#absence-starts_at")).to_have_attribute("aria-invalid", "true")
    axe.check(owner, "absence-errors")
    owner.select_option("#absence-username", "laerar2.alesund")
    owner.fill("#absence-starts_at", "2026-11-23T10:00")
    owner.fill("#absence-ends_at", "2026-11-27T16:00")
    _submit(owner)
    expect(owner.locator("main table")).to_be_visible()
    axe.check(owner, "absence-list")
    _goto(owner, f"/accounts/{account_id}")
    expect(owner.locator("#away-now")).to_contain_text("laerar2.alesund")
    axe.check(owner, "account-page-team")
    owner.locator("#start-inquiry_handling").click()
    expect(owner.locator("#field-account_id")).to_have_value(str(account_id))
    axe.check(owner, "inquiry-form-preselected")

    comms = open_page("komm1")
    _goto(comms, "/overview/")
    axe.check(comms, "overview")
    _goto(comms, "/me/")
    expect(comms.locator("#language-nn")).to_be_checked()
    axe.check(comms, "my-page")
    axe.assert_clean()


def test_forum_pause_pages(
    open_page: Callable[..., Page], axe: AxeReport, eng: Engine, clock: FixedClock
) -> None:
    """G2c: the request with its help and errors, the approver's task, the moderator's task,
    and the registry showing the paused forum."""
    account_id = approved_school_account(eng)
    owner = open_page("laerar.alesund")
    _goto(owner, f"/accounts/{account_id}")
    owner.locator("#start-forum_pause").click()
    expect(owner.locator("#field-account_id")).to_have_value(str(account_id))
    axe.check(owner, "forum-pause-form")
    owner.fill("#field-paused_from", "2026-12-21T15:00")
    owner.fill("#field-paused_to", "2026-12-20T15:00")
    _submit(owner)
    expect(owner.locator("#error-summary")).to_be_visible()
    expect(owner.locator("#field-notice_nn")).to_have_attribute("aria-invalid", "true")
    axe.check(owner, "forum-pause-form-errors")

    instance_id = services.start_process(
        eng, "forum_pause", "laerar.alesund", forum_pause(account_id)
    )
    [decide] = services.list_human_tasks(eng, "rektor.alesund", "forum_pause")
    principal = open_page("rektor.alesund")
    _goto(principal, f"/tasks/{decide['id']}")
    axe.check(principal, "forum-pause-decision")
    services.complete_human_task(eng, decide["id"], "rektor.alesund", {"decision": "approve"})
    clock.set(FORUM_PAUSE_FROM)
    services.fire_due_timers(eng, FORUM_PAUSE_FROM)
    [publish] = services.list_human_tasks(eng, "laerar.alesund", "forum_pause")
    owner = open_page("laerar.alesund")  # weeks later: signed in anew (sessions end when idle)
    _goto(owner, f"/tasks/{publish['id']}")
    axe.check(owner, "forum-pause-publish")
    _goto(owner, "/accounts/")
    expect(owner.locator("main table .activity")).to_have_count(1)
    axe.check(owner, "registry-paused")
    _goto(owner, f"/cases/{instance_id}")
    wait_for_diagram(owner)
    axe.check(owner, "forum-pause-case")
    axe.assert_clean()
