"""Mine saker / Saker and the case page: who sees what, search, status, timeline, diagram and
the history exports."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from engine.cases import services
from tests.conftest import central_application, school_application
from tests.web.conftest import by_id, check_each, doc, one, only_task, text_of

APPROVE_SCHOOL = {"decision": "approve", "moderators": ["laerar.alesund"]}


@pytest.fixture
def cases(eng):
    """Three cases: Ålesund (decided by rektor.alesund), Samferdsel and Molde (both open)."""
    alesund = services.start_process(
        eng, "account_application", "laerar.alesund", school_application()
    )
    task = only_task(eng, "rektor.alesund")
    services.complete_human_task(eng, task["id"], "rektor.alesund", APPROVE_SCHOOL)
    samferdsel = services.start_process(
        eng, "account_application", "tilsett1", central_application()
    )
    molde = services.start_process(
        eng,
        "account_application",
        "laerar.molde",
        school_application(account_name="moldevgs", deputy="laerar.kristiansund"),
    )
    return {"alesund": alesund, "samferdsel": samferdsel, "molde": molde}


def listed(response) -> set[int]:
    assert response.status_code == 200
    page = doc(response)
    found = set()
    for row in page.xpath("//main//table//tbody/tr"):
        [link] = row.xpath('.//a[starts-with(@href, "/cases/")]')
        found.add(int(link.get("href").removeprefix("/cases/")))
    return found


WHO_SEES = [
    # username, their cases (/cases/), with ?all=1
    ("laerar.alesund", {"alesund"}, {"alesund"}),  # started it
    ("laerar2.alesund", set(), set()),  # only named as deputy
    ("rektor.alesund", {"alesund"}, {"alesund"}),  # decided it
    ("infosjef", {"samferdsel"}, {"alesund", "samferdsel", "molde"}),  # candidate; comms
    ("rektor.molde", {"molde"}, {"molde"}),  # candidate
    ("tilsett2", set(), set()),
    ("komm1", set(), {"alesund", "samferdsel", "molde"}),  # comms see everything
    ("admin", set(), {"alesund", "samferdsel", "molde"}),
    ("revisor", set(), {"alesund", "samferdsel", "molde"}),
    ("fylkesdirektor", set(), set()),  # management reads no cases it has no part in
]


def test_who_sees_which_cases(login, cases):
    def check(row: tuple[str, set[str], set[str]]) -> None:
        username, mine, everything = row
        b = login(username)
        assert listed(b.get("/cases/")) == {cases[c] for c in mine}
        assert listed(b.get("/cases/?all=1")) == {cases[c] for c in everything}
        sees_all = everything == set(cases)
        nav = one(doc(b.get("/")), "//header//nav")
        assert bool(nav.xpath('.//a[@href="/cases/?all=1"]')) == sees_all

    check_each(WHO_SEES, check)


def test_search_by_title_and_filter_by_status(login, cases):
    b = login("komm1")
    assert listed(b.get("/cases/?all=1&q=samferdsel")) == {cases["samferdsel"]}
    assert listed(b.get("/cases/?all=1&q=SAMFERDSEL%20MRFK")) == {cases["samferdsel"]}
    assert listed(b.get("/cases/?all=1&q=vidareg")) == {cases["alesund"], cases["molde"]}
    assert listed(b.get("/cases/?all=1&q=finst+ikkje")) == set()
    assert listed(b.get("/cases/?all=1&status=completed")) == {cases["alesund"]}
    assert listed(b.get("/cases/?all=1&status=running")) == {cases["samferdsel"], cases["molde"]}
    assert listed(b.get("/cases/?all=1&status=failed")) == set()
    assert listed(b.get("/cases/?all=1&status=bogus")) == set(cases.values())  # ignored
    assert listed(b.get("/cases/?all=1&q=vidareg&status=running")) == {cases["molde"]}
    page = doc(b.get("/cases/?all=1&q=vidareg&status=running"))
    assert by_id(page, "case-search").get("value") == "vidareg"
    assert one(page, '//*[@id="case-status"]/option[@selected]').get("value") == "running"
    assert page.xpath('//form[@role="search"]//input[@name="all"][@value="1"]')
    # searching one's own cases stays within them
    mine = login("laerar.alesund")
    assert listed(mine.get("/cases/?q=samferdsel")) == set()
    assert listed(mine.get("/cases/?q=alesund")) == {cases["alesund"]}


def test_the_case_page_shows_status_timeline_and_data(eng, login, cases):
    page = doc(login("laerar.alesund").get(f"/cases/{cases['alesund']}"))
    case = services.show_instance(eng, cases["alesund"])
    assert text_of(one(page, "//h1")) == case["title"]
    status = one(page, '//dd[contains(@class, "status-")]')
    assert "status-completed" in status.get("class")
    assert "Konto oppretta" in text_of(status)
    timeline = one(page, '//ol[contains(@class, "timeline")]')
    entries = timeline.xpath("./li")
    assert len(entries) == len(case["history"])
    started, decided = text_of(entries[0]), text_of(entries[1])
    assert "laerar.alesund" in started
    assert "instagram@alesund.vgs.no" in started  # the data entered
    assert "Namn på kontoen" in started  # labelled from the form
    assert "rektor.alesund" in decided and "Vurder søknaden" in decided
    times = timeline.xpath(".//time/@datetime")
    assert times[0] == case["history"][0]["at"]
    # An event the process package records is named by the package's own texts.
    events = [text_of(e) for e in timeline.xpath('./li/p[@class="event"]/strong')]
    assert "Konto registrert" in events and "account_registered" not in events
    registry_links = page.xpath('//main//a[starts-with(@href, "/accounts/")]')
    [account] = services.list_accounts(eng)
    assert f"/accounts/{account['id']}" in {a.get("href") for a in registry_links}
    hrefs = {a.get("href") for a in page.xpath("//main//a")}
    assert {
        f"/cases/{cases['alesund']}/history.json",
        f"/cases/{cases['alesund']}/history.csv",
    } <= hrefs


def test_the_case_page_of_a_running_case_names_who_it_waits_for(eng, login, cases):
    task = only_task(eng, "infosjef")
    page = doc(login("tilsett1").get(f"/cases/{cases['samferdsel']}"))
    assert "status-running" in one(page, '//dd[contains(@class, "status-")]').get("class")
    waiting = by_id(page, "open-heading").getparent()
    assert "Vurder søknaden" in text_of(waiting) and "infosjef" in text_of(waiting)
    # the applicant may not open the approver's task, so it is not a link for them …
    assert not waiting.xpath(f'.//a[@href="/tasks/{task["id"]}"]')
    # … but it is for the one who may do it
    page = doc(login("infosjef").get(f"/cases/{cases['samferdsel']}"))
    waiting = by_id(page, "open-heading").getparent()
    assert waiting.xpath(f'.//a[@href="/tasks/{task["id"]}"]')


def test_the_diagram_container_when_the_viewer_is_installed(app, login, cases, tmp_path):
    viewer = tmp_path / "bpmn-js" / "dist" / "bpmn-navigated-viewer.production.min.js"
    viewer.parent.mkdir(parents=True)
    viewer.write_text("/* viewer */")
    app.config["NODE_MODULES"] = tmp_path
    b = login("tilsett1")
    page = doc(b.get(f"/cases/{cases['samferdsel']}"))
    diagram = by_id(page, "diagram")
    assert diagram.get("data-xml") == f"/cases/{cases['samferdsel']}/diagram.bpmn"
    assert "decide" in diagram.get("data-current").split()
    assert "start" in diagram.get("data-completed").split()
    figure = one(diagram, "ancestor::figure")
    assert text_of(one(figure, "./figcaption"))  # the legend, and where the same is in text
    scripts = page.xpath("//script/@src")
    assert "/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js" in scripts
    with b.client.get("/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js") as asset:
        assert asset.status_code == 200
        assert asset.get_data(as_text=True) == "/* viewer */"
    assert b.get("/vendor/bpmn-js/../../../etc/passwd").status_code == 404
    assert b.get("/vendor/bpmn-js/package.json").status_code == 404
    assert b.get("/vendor/left-pad/index.js").status_code == 404


def test_the_notice_when_the_viewer_is_not_installed(app, login, cases, tmp_path):
    app.config["NODE_MODULES"] = tmp_path  # empty
    page = doc(login("tilsett1").get(f"/cases/{cases['samferdsel']}"))
    assert not page.xpath('//*[@id="diagram"]')
    section = by_id(page, "diagram-heading").getparent()
    assert section.xpath('.//p[contains(@class, "notice")]')
    assert not page.xpath('//script[contains(@src, "bpmn")]')


def test_the_diagram_is_the_bpmn_of_the_cases_version(login, cases):
    response = login("tilsett1").get(f"/cases/{cases['samferdsel']}/diagram.bpmn")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert '<bpmn:process id="account_application"' in response.get_data(as_text=True)


SUFFIXES = ["", "/diagram.bpmn", "/history.json", "/history.csv"]


def test_an_outsider_gets_404_on_the_case_and_its_exports(login, cases):
    """A case one may not see is answered exactly as one that does not exist (issue 14)."""
    b = login("rektor.molde")
    for suffix in SUFFIXES:
        response = b.get(f"/cases/{cases['alesund']}{suffix}")
        assert response.status_code == 404, suffix
        assert response.mimetype == "text/html"
        body = response.get_data(as_text=True)
        assert "Saka finst ikkje." in body
        assert "alesundvgs" not in body


def test_an_unknown_case_is_404(login):
    b = login("komm1")
    for suffix in SUFFIXES:
        response = b.get(f"/cases/999999{suffix}")
        assert response.status_code == 404, suffix
        assert "Saka finst ikkje." in response.get_data(as_text=True)


def test_history_json_is_the_cases_events(eng, login, cases):
    response = login("laerar.alesund").get(f"/cases/{cases['alesund']}/history.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    exported = json.loads(response.get_data(as_text=True))
    case = services.show_instance(eng, cases["alesund"])
    assert exported["id"] == cases["alesund"]
    assert (exported["status"], exported["outcome"]) == ("completed", "Konto oppretta")
    assert exported["started_by"] == "laerar.alesund"
    assert exported["history"] == case["history"]
    assert [e["kind"] for e in exported["history"]][:2] == ["instance_started", "task_completed"]


def test_history_csv_has_a_header_and_one_row_per_event(eng, login, cases):
    response = login("laerar.alesund").get(f"/cases/{cases['alesund']}/history.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    header, *events = rows
    assert header == ["seq", "at", "actor", "kind", "task_id", "detail"]
    history = services.show_instance(eng, cases["alesund"])["history"]
    assert len(events) == len(history)
    for row, event in zip(events, history, strict=True):
        assert row[0] == str(event["seq"])
        assert (row[2], row[3]) == (event["actor"], event["kind"])
        assert json.loads(row[5]) == event["detail"]
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # charset given once


def test_search_text_is_taken_literally(login, cases):
    """% and _ are wildcards in SQL LIKE; a user searching for them means the characters."""
    b = login("komm1")
    assert listed(b.get("/cases/?all=1&q=%25")) == set()
    assert listed(b.get("/cases/?all=1&q=alesund%25instagram")) == set()
    assert listed(b.get("/cases/?all=1&q=l_sund")) == set()  # would match "alesund"
    # the business key holds a real underscore, and is found by it
    assert listed(b.get("/cases/?all=1&q=molde_vgs/")) == {cases["molde"]}


def test_an_inquiry_and_its_reputation_escalation_link_to_each_other(eng, login, account_id):
    """G9: the inquiry waits for the escalation it started; each case page links the other,
    for those who may open it."""
    from tests.test_inquiry_handling import PROCESS, inquiry, triage

    # The deputy registers it, the owner triages it (and so starts the escalation).
    inquiry_id = services.start_process(eng, PROCESS, "laerar2.alesund", inquiry(account_id))
    triage(eng, "reputation_critical")
    inquiry = services.show_instance(eng, inquiry_id)
    [escalation_id] = [
        e["detail"]["child_id"] for e in inquiry["history"] if e["kind"] == "child_started"
    ]
    for username in ("laerar.alesund", "komm1"):  # who triaged it; the comms section
        page = doc(login(username).get(f"/cases/{inquiry_id}"))
        link = one(page, f'//dl[@class="facts"]//a[@href="/cases/{escalation_id}"]')
        assert text_of(link) == "Mogleg omdømmesak"
        back = doc(login(username).get(f"/cases/{escalation_id}"))
        one(back, f'//dl[@class="facts"]//a[@href="/cases/{inquiry_id}"]')
    # The deputy took no part in the escalation: no link to a page they may not open.
    response = login("laerar2.alesund").get(f"/cases/{inquiry_id}")
    assert response.status_code == 200
    assert not doc(response).xpath(f'//a[@href="/cases/{escalation_id}"]')
    assert login("laerar2.alesund").get(f"/cases/{escalation_id}").status_code == 404


@pytest.mark.parametrize("lang", ["nn", "nb", "en"])
def test_every_event_in_a_linked_cases_timeline_is_named(eng, login, account_id, lang):
    """The timeline names each event in the reader's language, also those between linked
    cases (an escalation started, the messages between it and its inquiry): never the code."""
    from tests.test_reputation_escalation import ASSESSMENT, complete, escalated_inquiry

    inquiry_id, escalation_id = escalated_inquiry(eng, account_id)
    complete(eng, escalation_id, "assess", "komm1", ASSESSMENT | {"handler": "komm2"})
    complete(eng, escalation_id, "draft", "komm2", {"response_draft": "Vi ser på saka."})
    complete(eng, escalation_id, "approve", "infosjef", {"decision": "approve"})
    complete(eng, escalation_id, "publish", "laerar.alesund", {"published_url": "https://x.no/1"})
    complete(eng, escalation_id, "lessons", "komm1", {"lessons_learned": "Svar raskare."})
    comms = login("komm1", lang=lang)
    for case_id, kinds in (
        (inquiry_id, {"child_started", "message_received"}),
        (escalation_id, {"message_sent"}),
    ):
        history = services.show_instance(eng, case_id)["history"]
        assert kinds <= {e["kind"] for e in history}
        page = doc(comms.get(f"/cases/{case_id}"))
        named = [
            text_of(s) for s in page.xpath('//ol[@class="timeline"]/li/p[@class="event"]/strong')
        ]
        assert len(named) == len(history)
        assert not [name for name in named if re.fullmatch(r"[a-z]+(_[a-z]+)+", name)], named
