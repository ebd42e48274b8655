"""Helpers for the web tests: a browser-like test client that logs in through the real login
form (CSRF on), reads pages with lxml, and checks the database through the engine."""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import html as lxml_html
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from engine.bootstrap import Engine
from engine.cases import services
from engine.people.demo import DEMO_PASSWORD
from engine.store.models import AuditEvent, HumanTask, ProcessInstance, WebSession
from tests.conftest import WORKFLOWS
from web.auth import SESSION_TOKEN

CSRF_INPUT = re.compile(r'name="csrf_token"\s+value="([^"]+)"')
LANGS = ("nn", "nb", "en")
SESSION_COOKIE = "session"


# --- the browser ---------------------------------------------------------------------------------


class Browser:
    """A test client that keeps the CSRF token of the last page it read, like a browser tab."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.token: str | None = None

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        response = self.client.get(url, **kwargs)
        if response.mimetype == "text/html":
            found = CSRF_INPUT.search(response.get_data(as_text=True))
            if found:
                self.token = found.group(1)
        return response

    def csrf_from(self, url: str | None = None) -> str:
        """Read `url` (which must render) and return its form's CSRF token; without a url, the
        inbox when signed in, else the login page."""
        if url is None:
            url = "/" if self.get("/").status_code == 200 else "/login"
        response = self.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert self.token, f"no csrf_token on {url}"
        return self.token

    def post(
        self,
        url: str,
        data: dict[str, Any] | None = None,
        *,
        page: str | None = None,
        csrf: bool = True,
        **kwargs: Any,
    ) -> TestResponse:
        """POST a form. With `page`, its token is read first (as a user submitting that page);
        otherwise the token of the last page read is sent. `csrf=False` sends none."""
        form = dict(data or {})
        if csrf:
            if page is not None or self.token is None:
                self.csrf_from(page)
            form["csrf_token"] = self.token
        response = self.client.post(url, data=form, **kwargs)
        if response.mimetype == "text/html":
            found = CSRF_INPUT.search(response.get_data(as_text=True))
            if found:
                self.token = found.group(1)
        return response

    def login(
        self, username: str, password: str = DEMO_PASSWORD, next_url: str | None = None
    ) -> TestResponse:
        url = "/login" if next_url is None else f"/login?next={next_url}"
        self.csrf_from(url)
        return self.post(url, {"username": username, "password": password})

    def logout(self) -> TestResponse:
        return self.post("/logout", page="/")

    def language(self, lang: str, next_url: str = "/") -> TestResponse:
        response = self.post("/language", {"lang": lang, "next": next_url})
        assert response.status_code == 302, response.status_code
        return response


@pytest.fixture
def browser(app: Flask) -> Callable[[], Browser]:
    """A fresh, anonymous browser on the test app."""
    return lambda: Browser(app.test_client())


# Sessions a real login gave, by username: the cookie and the server-side session's token.
# Logging in costs an argon2 verification (a quarter of a second or more on a busy machine), so
# tests that are not about logging in reuse the session cookie of an earlier login through the
# form, as a browser keeps it, and put its server-side row back into this test's fresh
# database. Every page reads the user fresh from the database, so a reused session still
# follows this test's data.
_SESSIONS: dict[str, tuple[str, str]] = {}


def reopen(eng: Engine, username: str, token: str) -> None:
    """The server-side row of a session a login of an earlier test opened."""
    key = hashlib.sha256(token.encode("utf-8")).hexdigest()
    now = eng.clock.now()
    with eng.transaction() as session:
        row = session.get(WebSession, key)
        if row is None:
            session.add(WebSession(id=key, username=username, created_at=now, last_seen_at=now))
        else:  # as if just signed in, however far the test's clock has moved
            row.created_at = row.last_seen_at = now


@pytest.fixture
def login(app: Flask) -> Callable[..., Browser]:
    """login("komm1") → a browser signed in as komm1; login("komm1", lang="en") in English."""

    def signed_in(username: str, lang: str | None = None) -> Browser:
        b = Browser(app.test_client())
        if username in _SESSIONS:
            cookie_value, token = _SESSIONS[username]
            reopen(app.extensions["someflyt"], username, token)
            b.client.set_cookie(SESSION_COOKIE, cookie_value)
            b.csrf_from("/")
        else:
            response = b.login(username)
            assert response.status_code == 302, (username, response.status_code)
            assert response.headers["Location"] == "/"
            cookie = b.client.get_cookie(SESSION_COOKIE)
            assert cookie is not None
            with b.client.session_transaction() as stored:
                token = stored[SESSION_TOKEN]
            _SESSIONS[username] = (cookie.value, token)
            b.csrf_from("/")  # the login made a new CSRF secret: read the page it leads to
        if lang:
            b.language(lang)
        return b

    return signed_in


def stays_on_site(location: str) -> bool:
    """Whether a browser following this Location stays on our site. Browsers read a backslash
    as a slash and drop tabs and newlines, so those are normalised first, as they would."""
    normalised = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
    resolved = urlsplit(urljoin("https://someflyt.example/page", normalised))
    return resolved.scheme == "https" and resolved.netloc == "someflyt.example"


# --- reading pages -------------------------------------------------------------------------------


def doc(response: TestResponse) -> lxml_html.HtmlElement:
    assert not 300 <= response.status_code < 400, f"a redirect to {response.location}"
    assert response.mimetype == "text/html", response.mimetype
    return lxml_html.fromstring(response.get_data(as_text=True))


def text_of(element: lxml_html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def one(tree: lxml_html.HtmlElement, xpath: str) -> lxml_html.HtmlElement:
    found = tree.xpath(xpath)
    assert len(found) == 1, f"{xpath!r}: {len(found)} matches"
    return found[0]


def by_id(tree: lxml_html.HtmlElement, element_id: str) -> lxml_html.HtmlElement:
    return one(tree, f'//*[@id="{element_id}"]')


def links(tree: lxml_html.HtmlElement) -> set[str]:
    return {a.get("href") for a in tree.iter("a") if a.get("href")}


def field_error(tree: lxml_html.HtmlElement, name: str) -> str:
    """The error shown next to field `name`, which its control(s) must point at."""
    error = by_id(tree, f"{name}-error")
    described = tree.xpath(f'//*[contains(concat(" ", @aria-describedby, " "), " {name}-error ")]')
    assert described, f"nothing is described by #{name}-error"
    return text_of(error)


def assert_page_structure(response: TestResponse) -> None:
    """What every page must have: a language, one main landmark with id=main, exactly one
    h1, unique ids, and a label (or a fieldset legend) for every visible form control."""
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert "Traceback" not in body
    tree = lxml_html.fromstring(body)
    assert tree.tag == "html"
    assert tree.get("lang") in LANGS, tree.get("lang")
    mains = tree.xpath("//main")
    assert len(mains) == 1 and mains[0].get("id") == "main", "one <main id=main>"
    assert len(tree.xpath("//h1")) == 1, [text_of(h) for h in tree.xpath("//h1")]
    assert text_of(tree.xpath("//h1")[0]), "empty h1"
    ids = [e.get("id") for e in tree.xpath("//*[@id]")]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"duplicate ids: {duplicates}"
    labelled = {label.get("for") for label in tree.xpath("//label[@for]")}
    for control in tree.xpath("//input | //select | //textarea"):
        kind = (control.get("type") or "").lower()
        if control.tag == "input" and kind in ("hidden", "submit", "button", "reset", "image"):
            continue
        if control.get("id") and control.get("id") in labelled:
            continue
        in_fieldset = control.xpath("ancestor::fieldset[legend[normalize-space()]]")
        assert in_fieldset, f"unlabelled <{control.tag} name={control.get('name')!r}>"


# --- the database --------------------------------------------------------------------------------


def audit_count(eng: Engine) -> int:
    with eng.reading() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def audit_events(eng: Engine, kind: str | None = None) -> list[dict[str, Any]]:
    with eng.reading() as session:
        query = select(AuditEvent).order_by(AuditEvent.seq)
        if kind:
            query = query.where(AuditEvent.kind == kind)
        return [
            {
                "seq": e.seq,
                "actor": e.actor,
                "kind": e.kind,
                "instance_id": e.instance_id,
                "task_id": e.task_id,
                "detail": e.detail,
            }
            for e in session.scalars(query)
        ]


def instance_count(eng: Engine) -> int:
    with eng.reading() as session:
        return session.scalar(select(func.count()).select_from(ProcessInstance)) or 0


def task_row(eng: Engine, task_id: str) -> dict[str, Any]:
    with eng.reading() as session:
        task = session.get(HumanTask, task_id)
        assert task is not None
        return services.task_as_dict(task)


def only_task(eng: Engine, username: str) -> dict[str, Any]:
    tasks = services.list_human_tasks(eng, username)
    assert len(tasks) == 1, tasks
    return tasks[0]


# --- workflows -----------------------------------------------------------------------------------

BPMN_NAME = "account_application.bpmn"


def workflows_copy(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    """A copy of the account application's folder with each `old` (which must occur once)
    replaced by `new`."""
    folder = tmp_path / "workflows" / "account_application"
    shutil.copytree(WORKFLOWS / "account_application", folder)
    bpmn = folder / BPMN_NAME
    text = bpmn.read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
        text = text.replace(old, new)
    bpmn.write_text(text, encoding="utf-8")
    return folder


def deploy_second_process(eng: Engine, tmp_path: Path) -> str:
    """Deploy a copy of the account application as another process ("account_copy")."""
    folder = workflows_copy(
        tmp_path,
        ('processRef="account_application"', 'processRef="account_copy"'),
        (
            '<bpmn:process id="account_application" name="Søknad om offisiell konto"',
            '<bpmn:process id="account_copy" name="Kopi: søknad om konto"',
        ),
    )
    results = services.deploy_definitions(eng, [folder / "account_application.bpmn"])
    [result] = [r for r in results if r["created"]]
    assert result["process_id"] == "account_copy"
    return "account_copy"


def check_each(cases: list[Any], check: Callable[[Any], None]) -> None:
    """Run `check` on every case and report all that fail, not only the first (one test over
    many pages costs one database set-up instead of one per page)."""
    problems = []
    for case in cases:
        try:
            check(case)
        except AssertionError as exc:
            problems.append(f"{case}: {exc}")
    assert not problems, "\n".join(problems)
