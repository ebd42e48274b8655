"""Mine oppgåver: what waits for whom, overdue tasks, the process filter, and claiming,
releasing and delegating through the pages."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.cases import services
from tests.conftest import central_application, school_application
from tests.web.conftest import (
    audit_count,
    audit_events,
    by_id,
    deploy_second_process,
    doc,
    field_error,
    links,
    one,
    only_task,
    task_row,
    text_of,
)


def task_rows(page) -> dict[str, object]:
    """Task id -> its table row."""
    rows = {}
    for row in page.xpath("//main//table//tbody/tr"):
        [link] = row.xpath('.//a[starts-with(@href, "/tasks/")]')
        rows[link.get("href").removeprefix("/tasks/")] = row
    return rows


def nav_count(page) -> int:
    return int(text_of(one(page, '//nav//span[@id="task-count"]')))


@pytest.fixture
def two_heads(eng):
    """komm1 becomes head of information too: a central application then has two candidates."""
    services.set_user_roles(eng, "komm1", ["head_of_information", "comms"], "admin")
    instance_id = services.start_process(
        eng, "account_application", "tilsett1", central_application()
    )
    task = only_task(eng, "infosjef")
    assert task["candidates"] == ["infosjef", "komm1"]
    return instance_id, task


def test_inbox_lists_the_task_with_case_process_waiting_and_due_time(eng, login, clock):
    instance_id = services.start_process(
        eng, "account_application", "laerar.alesund", school_application()
    )
    task = only_task(eng, "rektor.alesund")
    clock.advance(timedelta(hours=2, minutes=5))
    page = doc(login("rektor.alesund", lang="en").get("/"))
    row = task_rows(page)[task["id"]]
    cells = row.xpath("./td")
    assert text_of(cells[0]) == "Assess the application"  # the step in the reader's language
    assert not cells[0].xpath(".//*[@lang]")
    [case_link] = row.xpath(f'.//a[@href="/cases/{instance_id}"]')
    # The case's title in English too, from its facts (stored: "alesundvgs på instagram – …").
    assert text_of(case_link) == "alesundvgs on instagram – Ålesund vidaregåande skule"
    assert not case_link.xpath(".//*[@lang]") and case_link.get("lang") is None
    assert services.show_instance(eng, instance_id)["title"].startswith("alesundvgs på ")
    assert "Application for an official account" in text_of(row)
    waiting = one(row, f'.//time[@datetime="{task["created_at"]}"]')
    assert text_of(waiting) == "23.11.2026 10:00"  # Europe/Oslo
    assert "2 hours" in text_of(waiting.getparent())  # waited, by the engine's clock
    due = one(row, f'.//time[@datetime="{task["due_at"]}"]')
    assert text_of(due) == "28.11.2026 10:00"
    assert "overdue" not in (row.get("class") or "")
    assert not row.xpath('.//*[contains(@class, "overdue-badge")]')
    assert nav_count(page) == 1


def test_an_overdue_task_is_highlighted(eng, login, clock):
    services.start_process(eng, "account_application", "laerar.alesund", school_application())
    task = only_task(eng, "rektor.alesund")
    clock.advance(timedelta(days=5, minutes=1))  # due P5D
    b = login("rektor.alesund")
    row = task_rows(doc(b.get("/")))[task["id"]]
    assert "overdue" in row.get("class").split()
    assert row.xpath('.//*[contains(@class, "overdue-badge")]')
    task_page = doc(b.get(f"/tasks/{task['id']}"))
    assert task_page.xpath('//main//*[contains(@class, "overdue-badge")]')


def test_inbox_shows_only_ones_own_tasks_and_the_nav_counts_them(eng, login):
    services.start_process(eng, "account_application", "laerar.alesund", school_application())
    services.start_process(eng, "account_application", "tilsett1", central_application())
    rektor = only_task(eng, "rektor.alesund")
    infosjef = only_task(eng, "infosjef")
    assert set(task_rows(doc(login("rektor.alesund").get("/")))) == {rektor["id"]}
    assert set(task_rows(doc(login("infosjef").get("/")))) == {infosjef["id"]}
    for outsider in ("laerar.alesund", "tilsett1", "rektor.molde", "komm1"):
        page = doc(login(outsider).get("/"))
        assert task_rows(page) == {}, outsider
        assert nav_count(page) == 0
    # the count is on every page, not only the inbox
    assert nav_count(doc(login("infosjef").get("/accounts/"))) == 1


def test_inbox_filters_by_process(eng, login, tmp_path):
    other = deploy_second_process(eng, tmp_path)
    services.start_process(eng, "account_application", "tilsett1", central_application())
    services.start_process(
        eng, other, "tilsett2", central_application(deputy="tilsett1", account_name="Ferje")
    )
    tasks = {t["process_id"]: t["id"] for t in services.list_human_tasks(eng, "infosjef")}
    assert set(tasks) == {"account_application", other}
    b = login("infosjef")
    page = doc(b.get("/"))
    assert set(task_rows(page)) == set(tasks.values())
    options = {o.get("value") for o in by_id(page, "process-filter").xpath("./option")}
    assert options == {"", "account_application", other}
    only = doc(b.get(f"/?process={other}"))
    assert set(task_rows(only)) == {tasks[other]}
    assert one(only, '//select[@id="process-filter"]/option[@selected]').get("value") == other
    assert nav_count(only) == 2  # the count is of all tasks
    assert task_rows(doc(b.get("/?process=no_such_process"))) == {}


def test_claim_hides_the_task_from_the_other_candidate_and_release_gives_it_back(
    eng, login, two_heads
):
    _instance_id, task = two_heads
    komm1, infosjef = login("komm1"), login("infosjef")
    assert task["id"] in task_rows(doc(infosjef.get("/")))

    response = komm1.post(f"/tasks/{task['id']}/claim", page="/")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/tasks/{task['id']}"
    assert task_row(eng, task["id"])["assignee"] == "komm1"
    assert [e["actor"] for e in audit_events(eng, "task_claimed")] == ["komm1"]
    assert task_rows(doc(infosjef.get("/"))) == {}
    assert nav_count(doc(infosjef.get("/"))) == 0
    row = task_rows(doc(komm1.get("/")))[task["id"]]
    assert row.xpath(f'.//form[@action="/tasks/{task["id"]}/release"]')
    assert not row.xpath(f'.//form[@action="/tasks/{task["id"]}/claim"]')
    # the other candidate may no longer act on it
    before = audit_count(eng)
    assert infosjef.post(f"/tasks/{task['id']}/claim").status_code == 403
    assert infosjef.post(f"/tasks/{task['id']}", {"decision": "approve"}).status_code == 403
    assert task_row(eng, task["id"])["status"] == "open"
    assert audit_count(eng) == before

    response = komm1.post(f"/tasks/{task['id']}/release", page=f"/tasks/{task['id']}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert task_row(eng, task["id"])["assignee"] is None
    assert [e["actor"] for e in audit_events(eng, "task_released")] == ["komm1"]
    assert task["id"] in task_rows(doc(infosjef.get("/")))


def test_delegate_hands_the_task_to_another_candidate(eng, login, two_heads):
    _instance_id, task = two_heads
    b = login("infosjef")
    page = doc(b.get(f"/tasks/{task['id']}"))
    options = [o.get("value") for o in by_id(page, "delegate-to").xpath("./option")]
    assert options == ["komm1"]  # the other candidates only
    response = b.post(f"/tasks/{task['id']}/delegate", {"to": "komm1"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert task_row(eng, task["id"])["assignee"] == "komm1"
    [event] = audit_events(eng, "task_delegated")
    assert (event["actor"], event["detail"]["to"]) == ("infosjef", "komm1")
    assert task_rows(doc(b.get("/"))) == {}
    assert task["id"] in task_rows(doc(login("komm1").get("/")))


def test_delegating_to_a_non_candidate_is_422_and_changes_nothing(eng, login, two_heads):
    _instance_id, task = two_heads
    b = login("infosjef")
    b.csrf_from(f"/tasks/{task['id']}")
    before = audit_count(eng)
    for to in ("tilsett2", "ingen.slik", "", "laerar.alesund"):
        response = b.post(f"/tasks/{task['id']}/delegate", {"to": to})
        assert response.status_code == 422, to
        page = doc(response)
        message = f"«{to}» kan ikkje utføre oppgåva «Vurder søknaden»."
        assert field_error(page, "delegate") == message
        select = by_id(page, "delegate-to")
        assert select.get("aria-invalid") == "true"
        assert select.get("aria-describedby") == "delegate-error"
        assert task_row(eng, task["id"])["assignee"] is None
        assert audit_count(eng) == before


def test_a_non_candidate_can_neither_claim_nor_delegate(eng, login, two_heads):
    _instance_id, task = two_heads
    b = login("tilsett2")
    before = audit_count(eng)
    for url, form in (
        (f"/tasks/{task['id']}/claim", {}),
        (f"/tasks/{task['id']}/delegate", {"to": "tilsett2"}),
        (f"/tasks/{task['id']}/release", {}),
    ):
        assert b.post(url, form, page="/").status_code == 403, url
    assert task_row(eng, task["id"])["assignee"] is None
    assert audit_count(eng) == before


def test_an_empty_inbox_offers_to_start_a_case(login):
    page = doc(login("tilsett1").get("/"))
    assert not page.xpath("//main//table")
    assert "/start/" in links(one(page, "//main"))
