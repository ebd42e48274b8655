"""axe-core on Administrasjon → Koplingsnøklar in each state an admin meets it: the list, a form
with errors, and a new token's one-time secret (then revoked with the keyboard)."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from engine.bootstrap import Engine
from engine.registers import connectors
from tests.browser.support import SQLITE_ONLY, AxeReport
from tests.connector_support import school_account

pytestmark = SQLITE_ONLY
PAGE = "/admin/connectors/"


def test_connector_token_page(open_page: Callable[..., Page], axe: AxeReport, eng: Engine) -> None:
    account_id = school_account(eng)
    connectors.create_token(eng, "admin", account_id, "Gammal kopling")
    admin = open_page("admin")
    response = admin.goto(PAGE)
    assert response is not None and response.status == 200
    axe.check(admin, "admin-connectors")

    admin.locator("main button.primary[type=submit]").click()  # no account chosen
    expect(admin.locator("#error-summary")).to_be_visible()
    axe.check(admin, "admin-connectors-errors")

    admin.select_option("#field-account_id", str(account_id))
    admin.fill("#field-name", "Instagram-kopling")
    admin.locator("main button.primary[type=submit]").click()
    secret = admin.locator("#issued-secret")
    expect(admin.locator("#issued-heading")).to_be_visible()
    assert secret.input_value().startswith("sft_")
    axe.check(admin, "admin-connectors-issued")

    revoke = admin.get_by_role("button", name="Trekk tilbake").first
    revoke.focus()
    admin.keyboard.press("Enter")
    expect(admin.locator(".flash.success")).to_be_visible()
    axe.check(admin, "admin-connectors-revoked")
    axe.assert_clean()
