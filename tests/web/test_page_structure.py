"""Every page, for the users who see it: a language, one <main id="main">, one h1, unique ids
and a label for every form control (WCAG 1.3.1, 2.4.6, 3.1.1, 4.1.2)."""

from __future__ import annotations

import pytest

from engine.cases import services
from tests.conftest import central_application, school_application
from tests.web.conftest import assert_page_structure, check_each, doc, only_task


@pytest.fixture
def state(eng) -> dict[str, object]:
    school = services.start_process(
        eng, "account_application", "laerar.alesund", school_application()
    )
    done = only_task(eng, "rektor.alesund")
    services.complete_human_task(
        eng,
        done["id"],
        "rektor.alesund",
        {"decision": "approve", "moderators": ["laerar.alesund"]},
    )
    central = services.start_process(
        eng,
        "account_application",
        "tilsett1",
        central_application(mailbox="tilsett1@mrfylke.no"),  # with a warning for the approver
    )
    molde = services.start_process(
        eng,
        "account_application",
        "laerar.molde",
        school_application(account_name="moldevgs", deputy="laerar.kristiansund"),
    )
    services.complete_human_task(
        eng,
        only_task(eng, "rektor.molde")["id"],
        "rektor.molde",
        {"decision": "revise", "comment": "Skriv meir om kapasiteten."},
    )
    [account] = services.list_accounts(eng)
    return {
        "school": school,
        "central": central,
        "molde": molde,
        "done_task": done["id"],
        "open_task": only_task(eng, "infosjef")["id"],
        "revise_task": only_task(eng, "laerar.molde")["id"],
        "account": account["id"],
    }


PAGES = [
    # (user or None for anonymous, url, status)
    (None, "/login", 200),
    (None, "/finst/ikkje", 404),
    ("infosjef", "/", 200),
    ("tilsett2", "/", 200),
    ("laerar.alesund", "/start/", 200),
    ("laerar.alesund", "/start/account_application", 200),
    ("admin", "/start/account_application", 200),
    ("infosjef", "/tasks/{open_task}", 200),
    ("komm1", "/tasks/{open_task}", 200),
    ("revisor", "/tasks/{open_task}", 200),
    ("rektor.alesund", "/tasks/{done_task}", 200),
    ("laerar.molde", "/tasks/{revise_task}", 200),
    ("laerar.alesund", "/cases/", 200),
    ("tilsett2", "/cases/", 200),
    ("komm1", "/cases/?all=1", 200),
    ("laerar.alesund", "/cases/{school}", 200),
    ("tilsett1", "/cases/{central}", 200),
    ("laerar.molde", "/cases/{molde}", 200),
    ("tilsett2", "/accounts/", 200),
    ("tilsett2", "/accounts/?platform=ingen", 200),
    ("tilsett2", "/accounts/{account}", 200),
    ("revisor", "/audit/", 200),
    ("revisor", "/audit/verify", 200),
    ("revisor", "/me/", 200),
    ("admin", "/admin/users", 200),
    ("admin", "/admin/users/new", 200),
    ("admin", "/admin/users/komm1", 200),
    ("admin", "/admin/units", 200),
    ("admin", "/admin/deploy", 200),
    ("komm1", "/replies/", 200),
    ("komm1", "/replies/new", 200),
    ("komm1", "/replies/thanks", 200),
    ("komm1", "/replies/thanks/edit", 200),
    ("tilsett2", "/replies/", 200),
    ("tilsett2", "/replies/pupil_contact_refusal", 200),
    ("tilsett2", "/replies/new", 403),
    ("rektor.molde", "/cases/{school}", 404),
    ("komm1", "/admin/users", 403),
    ("komm1", "/tasks/finst-ikkje", 404),
    ("komm1", "/finst/ikkje", 404),
]


def test_page_structure(login, browser, state):
    browsers = {user: login(user) if user else browser() for user in {p[0] for p in PAGES}}

    def check(page: tuple[str | None, str, int]) -> None:
        username, url, status = page
        response = browsers[username].get(url.format(**state))
        assert response.status_code == status
        assert_page_structure(response)

    check_each(PAGES, check)


def test_page_structure_in_other_languages(login, state):
    b = login("infosjef")
    for lang in ("nb", "en"):
        b.language(lang)
        for url in ("/", "/tasks/{open_task}", "/cases/{central}", "/accounts/", "/finst/ikkje"):
            response = b.get(url.format(**state))
            assert_page_structure(response)
            assert doc(response).get("lang") == lang
