"""E6 in the web UI: only management may declare a crisis; while it lasts, every page of every
signed-in user carries the banner, in their language; when management ends it, it is gone."""

from __future__ import annotations

from engine.cases import services
from tests.test_reputation_escalation import complete
from tests.web.conftest import doc, text_of

PAGES = ["/", "/cases/", "/accounts/", "/notifications/", "/absence/", "/replies/"]


def banners(response) -> list[str]:
    assert response.status_code == 200
    return [text_of(b) for b in doc(response).xpath('//main/section[@class="crisis-banner"]')]


def test_only_management_is_offered_the_crisis_process(login):
    for username, offered in (("fylkesdirektor", True), ("komm1", False), ("tilsett1", False)):
        page = doc(login(username).get("/start/"))
        assert bool(page.xpath('//a[@href="/start/crisis_communication"]')) is offered, username
    assert login("komm1").get("/start/crisis_communication").status_code == 404


def test_the_banner_is_on_every_page_while_the_crisis_lasts(eng, login):
    for username in ("tilsett1", "laerar.alesund"):
        assert banners(login(username).get("/")) == []

    response = login("fylkesdirektor").post(
        "/start/crisis_communication",
        {"summary": "Brann på Ålesund vgs", "all_accounts": "on"},
        page="/start/crisis_communication",
    )
    assert response.status_code == 302
    crisis_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert services.show_instance(eng, crisis_id)["process_id"] == "crisis_communication"

    for username in ("tilsett1", "laerar.alesund", "revisor"):
        browser = login(username)
        for url in PAGES:
            [banner] = banners(browser.get(url))
            assert "Krise: Brann på Ålesund vgs" in banner, (username, url)
            assert "Alle dei offisielle kontoane står på vent." in banner
    [english] = banners(login("tilsett2", lang="en").get("/"))
    assert "All official accounts are on hold." in english
    assert english.startswith("Crisis: Brann på Ålesund vgs")  # its title in English too
    assert "Krise" not in english

    complete(eng, crisis_id, "next_step", "fylkesdirektor", {"next": "end"})
    for username in ("tilsett1", "revisor"):
        assert banners(login(username).get("/")) == []
