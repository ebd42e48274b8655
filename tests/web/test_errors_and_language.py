"""Error pages (in the user's language, never a stack trace) and choosing the language."""

from __future__ import annotations

import itertools

from engine.cases import services
from engine.people import directory
from tests.conftest import school_application
from tests.web.conftest import (
    Browser,
    assert_page_structure,
    audit_count,
    doc,
    only_task,
    stays_on_site,
)
from web import create_app


def assert_error_page(response, status: int, lang: str = "nn") -> str:
    assert response.status_code == status
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert "Traceback" not in body
    assert 'File "' not in body
    assert_page_structure(response)
    assert doc(response).get("lang") == lang
    assert f"({status})" in body
    return body


def test_an_unknown_url_gets_the_404_page(login, browser):
    for b in (browser(), login("komm1")):
        assert_error_page(b.get("/finst/ikkje"), 404)


def test_the_wrong_method_gets_the_405_page(login):
    b = login("komm1")
    assert_error_page(b.client.get("/logout"), 405)
    assert_error_page(b.client.put("/cases/"), 405)


def test_the_403_page_speaks_the_users_language(eng, login):
    services.start_process(eng, "account_application", "laerar.alesund", school_application())
    task = only_task(eng, "rektor.alesund")
    b = login("laerar.alesund")
    body = assert_error_page(b.get(f"/tasks/{task['id']}"), 403)
    assert "Du kan ikkje avgjere di eiga sak." in body
    b.language("nb")
    body = assert_error_page(b.get(f"/tasks/{task['id']}"), 403, "nb")
    assert "Du kan ikke avgjøre din egen sak." in body
    b.language("en")
    body = assert_error_page(b.get(f"/tasks/{task['id']}"), 403, "en")
    assert "You cannot decide your own case." in body
    assert "Du kan ikkje" not in body


def test_an_unexpected_error_gets_the_500_page_without_details(eng, caplog):
    app = create_app(
        eng,
        SECRET_KEY="test-secret",
        RATELIMIT_STORAGE_URI="memory://",
        ENQUEUE_NOTIFICATIONS=False,
    )

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals: password=hunter2")

    body = assert_error_page(Browser(app.test_client()).get("/boom"), 500)
    assert "hunter2" not in body and "RuntimeError" not in body
    assert "hunter2" in caplog.text  # logged for the operators instead


def test_a_csrf_failure_and_the_rate_limit_get_error_pages(eng):
    app = create_app(
        eng,
        SECRET_KEY="test-secret",
        RATELIMIT_STORAGE_URI="memory://",
        LOGIN_FAILURES_PER_MINUTE=1,
        ENQUEUE_NOTIFICATIONS=False,
    )
    b = Browser(app.test_client())
    assert_error_page(b.post("/language", {"lang": "en"}, csrf=False), 400)
    assert b.login("komm1", "feil").status_code == 401
    assert_error_page(b.login("komm1", "feil"), 429)


# --- language ----------------------------------------------------------------------------------


def test_nynorsk_is_the_default(browser, login):
    assert doc(browser().get("/login")).get("lang") == "nn"
    assert doc(login("komm1").get("/")).get("lang") == "nn"


def test_the_language_can_be_chosen_and_stays(login, browser):
    for lang, (b, url) in itertools.product(
        ("nb", "en", "nn"), ((browser(), "/login"), (login("komm1"), "/accounts/"))
    ):
        b.csrf_from()
        response = b.post("/language", {"lang": lang, "next": "/accounts/?platform=x"})
        assert response.status_code == 302
        assert response.headers["Location"] == "/accounts/?platform=x"
        for _ in range(2):  # kept for the session, not only the next page
            page = doc(b.get(url))
            assert page.get("lang") == lang
            selected = page.xpath('//select[@id="lang-select"]/option[@selected]/@value')
            assert selected == [lang]


def test_logging_in_switches_to_the_language_the_person_chose(eng, browser):
    """The login page speaks what the visitor picks; once signed in, the person's own choice
    (their page, Nynorsk until they change it) decides, as it does for their e-mails."""
    b = browser()
    b.csrf_from("/login")
    b.language("en", "/login")
    assert doc(b.get("/login")).get("lang") == "en"
    assert b.login("komm1").status_code == 302
    assert doc(b.get("/")).get("lang") == "nn"

    directory.set_language(eng, "komm1", "nb")
    b = browser()
    assert b.login("komm1").status_code == 302
    assert doc(b.get("/")).get("lang") == "nb"


def test_an_unknown_language_changes_nothing(login):
    b = login("komm1", lang="nb")
    b.language("xx")
    assert doc(b.get("/")).get("lang") == "nb"


def test_the_language_form_redirects_only_to_local_paths(browser):
    b = browser()
    b.csrf_from("/login")
    for target in (
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "/\t/evil.example/",
        "javascript:alert(1)",
        "",
    ):
        response = b.post("/language", {"lang": "en", "next": target})
        assert response.status_code == 302, target
        location = response.headers["Location"]
        assert stays_on_site(location), (target, location)
        assert location == "/" or location.startswith("/%"), (target, location)


def test_the_language_form_returns_to_the_page_it_was_on(login):
    b = login("komm1")
    page = doc(b.get("/cases/?all=1&q=x"))
    [next_value] = page.xpath('//form[@action="/language"]//input[@name="next"]/@value')
    assert next_value == "/cases/?all=1&q=x"
    response = b.post("/language", {"lang": "en", "next": next_value})
    assert response.headers["Location"] == "/cases/?all=1&q=x"


def test_a_too_large_upload_gets_the_413_page(eng, login):
    b = login("admin")
    b.csrf_from("/admin/deploy")
    before = audit_count(eng)
    # The body is built by hand: bytes stay in memory, where the test client would spool a
    # large file to a temporary file that nobody closes once the app refuses to read it.
    body = (
        b"--grense\r\n"
        b'Content-Disposition: form-data; name="csrf_token"\r\n\r\n'
        + b.token.encode()
        + b"\r\n--grense\r\n"
        b'Content-Disposition: form-data; name="files"; filename="stor.bpmn"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n"
        + b" " * (5 * 1024 * 1024 + 1)
        + b"\r\n--grense--\r\n"
    )
    response = b.client.post(
        "/admin/deploy", data=body, content_type="multipart/form-data; boundary=grense"
    )
    assert_error_page(response, 413)
    assert audit_count(eng) == before
