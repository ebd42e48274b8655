"""Mine oppgåver in pages of 50: "1–50 av N" in each language, previous and next links that
keep the process filter, the header's count on every page, and a broken link answered 400."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.cases import services
from tests.conftest import START
from tests.inbox_support import a_case, add_tasks
from tests.web.conftest import (
    audit_count,
    by_id,
    deploy_second_process,
    doc,
    one,
    text_of,
)

COMMS = ["infosjef", "komm1", "komm2"]


def rows(page) -> list[str]:
    found = []
    for row in page.xpath("//main//table//tbody/tr"):
        [link] = row.xpath('.//a[starts-with(@href, "/tasks/")]')
        found.append(link.get("href").removeprefix("/tasks/"))
    return found


def pager(page):
    return one(page, '//main//nav[@class="pager"]')


def link(page, rel: str) -> str | None:
    found = pager(page).xpath(f'.//a[@rel="{rel}"]/@href')
    assert len(found) <= 1
    return found[0] if found else None


def nav_count(page) -> int:
    return int(text_of(one(page, '//nav//span[@id="task-count"]')))


@pytest.fixture
def hundred_and_twenty(eng) -> list[str]:
    """120 open tasks offered to the comms section, a minute apart: the inbox's order."""
    return [task_id for _, task_id in sorted(add_tasks(eng, a_case(eng), 120, COMMS))]


def test_the_inbox_shows_fifty_at_a_time_with_place_total_and_links(login, hundred_and_twenty):
    b = login("komm1")
    first = doc(b.get("/"))
    assert rows(first) == hundred_and_twenty[:50]
    assert text_of(by_id(first, "pager-range")) == "1–50 av 120"
    assert link(first, "prev") is None
    assert "120 oppgåver du kan handsame" in text_of(one(first, "//main//table/caption"))
    assert nav_count(first) == 120
    nav = pager(first)
    assert nav.get("aria-label") == "Sider i oppgåvelista"
    assert text_of(one(nav, './/a[@rel="next"]')) == "Neste side →"

    second = doc(b.get(link(first, "next")))
    assert rows(second) == hundred_and_twenty[50:100]
    assert text_of(by_id(second, "pager-range")) == "51–100 av 120"
    assert text_of(one(pager(second), './/a[@rel="prev"]')) == "← Førre side"
    assert nav_count(second) == 120

    third = doc(b.get(link(second, "next")))
    assert rows(third) == hundred_and_twenty[100:]
    assert text_of(by_id(third, "pager-range")) == "101–120 av 120"
    assert link(third, "next") is None

    back = doc(b.get(link(third, "prev")))
    assert rows(back) == hundred_and_twenty[50:100]
    assert text_of(by_id(back, "pager-range")) == "51–100 av 120"
    assert rows(doc(b.get(link(back, "prev")))) == hundred_and_twenty[:50]


@pytest.mark.parametrize(
    ("lang", "shown", "label", "next_text"),
    [
        ("nb", "1–50 av 120", "Sider i oppgavelisten", "Neste side"),
        ("en", "1–50 of 120", "Pages of the task list", "Next page"),
    ],
)
def test_the_place_reads_in_the_readers_language(
    login, hundred_and_twenty, lang, shown, label, next_text
):
    page = doc(login("komm1", lang=lang).get("/"))
    assert text_of(by_id(page, "pager-range")) == shown
    assert pager(page).get("aria-label") == label
    assert text_of(one(pager(page), './/a[@rel="next"]')).startswith(next_text)
    second = doc(login("komm1", lang=lang).get(link(page, "next")))
    previous = text_of(one(pager(second), './/a[@rel="prev"]'))
    assert previous.endswith({"nb": "Forrige side", "en": "Previous page"}[lang])


def test_a_short_list_has_its_place_and_no_links(eng, login):
    add_tasks(eng, a_case(eng), 3, COMMS)
    page = doc(login("komm2").get("/"))
    assert len(rows(page)) == 3
    assert text_of(by_id(page, "pager-range")) == "1–3 av 3"
    assert not pager(page).xpath(".//a") and not pager(page).xpath(".//ul")


def test_the_links_keep_the_process_filter(eng, login, tmp_path):
    other = deploy_second_process(eng, tmp_path)
    add_tasks(eng, a_case(eng), 10, COMMS)
    filtered = add_tasks(eng, a_case(eng, other, account_name="kopi"), 60, COMMS, first=START)
    expected = [task_id for _, task_id in sorted(filtered)]
    b = login("komm1")
    page = doc(b.get(f"/?process={other}"))
    assert rows(page) == expected[:50]
    assert text_of(by_id(page, "pager-range")) == "1–50 av 60"
    assert nav_count(page) == 70  # the header counts every process
    following = link(page, "next")
    assert f"process={other}" in following
    second = doc(b.get(following))
    assert rows(second) == expected[50:]
    assert text_of(by_id(second, "pager-range")) == "51–60 av 60"
    assert f"process={other}" in link(second, "prev")
    assert one(second, '//select[@id="process-filter"]/option[@selected]').get("value") == other


def test_the_header_count_is_one_count_on_every_other_page(eng, login):
    add_tasks(eng, a_case(eng), 55, COMMS, step=timedelta(seconds=1))
    assert nav_count(doc(login("komm1").get("/accounts/"))) == 55
    assert nav_count(doc(login("tilsett1").get("/accounts/"))) == 0
    assert services.count_human_tasks(eng, "komm1") == 55


@pytest.mark.parametrize(
    "query", ["?after=garbage", "?before=1.", "?after=99999999999999999999.x", "?after=1.a%20b"]
)
def test_a_broken_page_link_is_400_with_a_message_and_changes_nothing(
    eng, login, hundred_and_twenty, query
):
    before = audit_count(eng)
    response = login("komm1", lang="en").get("/" + query)
    assert response.status_code == 400
    page = doc(response)
    assert "The link to this page of the task list is not valid" in text_of(one(page, "//main"))
    assert audit_count(eng) == before
    nn = login("komm1").get("/" + query)
    assert nn.status_code == 400
    assert "Lenkja til denne sida av oppgåvelista er ugyldig" in nn.get_data(as_text=True)
