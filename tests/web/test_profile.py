"""Mi side: a person chooses the language of their pages and e-mails; it is kept, it decides
the pages after the next login, and a value that is not nn, nb or en changes nothing."""

from __future__ import annotations

from sqlalchemy import select

from engine.bootstrap import Engine
from engine.cases import services
from engine.store.models import User
from tests.conftest import school_application
from tests.web.conftest import assert_page_structure, by_id, doc, only_task, task_row, text_of


def _language(eng: Engine, username: str) -> str:
    with eng.reading() as session:
        return session.scalar(select(User.language).where(User.username == username))


def test_my_page_is_in_the_navigation_and_offers_the_three_languages_nynorsk_first(login):
    b = login("komm1")
    page = doc(b.get("/"))
    [link] = page.xpath('//header//a[@href="/me/"]')
    assert text_of(link).startswith("Mi side")
    response = b.get("/me/")
    assert response.status_code == 200
    assert_page_structure(response)
    tree = doc(response)
    choices = tree.xpath('//input[@name="language"]')
    assert [c.get("value") for c in choices] == ["nn", "nb", "en"]
    assert [c.get("value") for c in choices if c.get("checked") is not None] == ["nn"]
    assert text_of(one_label(tree, "language-en")) == "English"
    assert tree.xpath('//form[@action="/me/"]//input[@name="csrf_token"]')
    assert text_of(tree.xpath("//legend")[0]) == "Språk for sider og e-post"


def one_label(tree, control_id: str):
    [label] = tree.xpath(f'//label[@for="{control_id}"]')
    return label


def test_choosing_english_is_kept_and_the_pages_follow_it(eng, browser):
    b = browser()
    assert b.login("komm1").status_code == 302
    response = b.post("/me/", {"language": "en"}, page="/me/")
    assert response.status_code == 302 and response.headers["Location"] == "/me/"
    assert _language(eng, "komm1") == "en"
    page = doc(b.get("/me/"))
    assert page.get("lang") == "en"
    assert "Pages and e-mails now come in English" in text_of(page)
    checked = page.xpath('//input[@name="language"][@checked]/@value')
    assert checked == ["en"]

    again = browser()  # another day, another browser: the choice is the person's
    assert again.login("komm1").status_code == 302
    assert doc(again.get("/")).get("lang") == "en"


def test_an_unknown_language_is_refused_with_400_and_nothing_changes(eng, browser):
    b = browser()
    assert b.login("komm1").status_code == 302
    b.post("/me/", {"language": "nb"}, page="/me/")
    for bad in ("xx", "", "EN", "nn; drop table app_user"):
        response = b.post("/me/", {"language": bad}, page="/me/")
        assert response.status_code == 400, bad
        assert "nn, nb, en" in text_of(doc(response))
        assert _language(eng, "komm1") == "nb"
    assert doc(b.get("/")).get("lang") == "nb"


def test_without_the_security_token_nothing_changes(eng, browser):
    b = browser()
    assert b.login("komm1").status_code == 302
    response = b.post("/me/", {"language": "en"}, csrf=False)
    assert response.status_code == 400
    assert _language(eng, "komm1") == "nn"


def test_a_reader_who_chose_english_sees_the_task_in_english_in_the_inbox(eng, browser):
    services.start_process(eng, "account_application", "laerar.alesund", school_application())
    task = only_task(eng, "rektor.alesund")
    b = browser()
    assert b.login("rektor.alesund").status_code == 302
    b.post("/me/", {"language": "en"}, page="/me/")

    inbox = doc(b.get("/"))
    [row] = inbox.xpath(f'//tr[.//a[@href="/tasks/{task["id"]}"]]')
    assert text_of(row.xpath("./td")[0]) == "Assess the application"
    assert "Application for an official account" in text_of(row)
    page = doc(b.get(f"/tasks/{task['id']}"))
    assert text_of(page.xpath("//h1")[0]) == "Assess the application"
    instructions = by_id(page, "instructions-heading").getparent()
    assert "Read the objective (A3)" in text_of(instructions)
    assert not instructions.xpath(".//*[@lang='nn']")
    assert task_row(eng, task["id"])["name"] == "Vurder søknaden"  # the data stays the diagram's
