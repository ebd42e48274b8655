"""Kontoregister: the accounts approved cases created, filtered, each with its people."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from engine.cases import services
from engine.store.models import Account
from tests.conftest import central_application, school_application
from tests.web.conftest import by_id, doc, one, only_task, text_of


@pytest.fixture
def accounts(eng):
    """Ålesund's Instagram (with moderators) and Samferdsel's Facebook, which is closed."""
    alesund = services.start_process(
        eng, "account_application", "laerar.alesund", school_application()
    )
    services.complete_human_task(
        eng,
        only_task(eng, "rektor.alesund")["id"],
        "rektor.alesund",
        {"decision": "approve", "moderators": ["laerar.alesund", "laerar2.alesund"]},
    )
    samferdsel = services.start_process(
        eng, "account_application", "tilsett1", central_application()
    )
    services.complete_human_task(
        eng, only_task(eng, "infosjef")["id"], "infosjef", {"decision": "approve"}
    )
    by_instance = {a["instance_id"]: a for a in services.list_accounts(eng)}
    school, central = by_instance[alesund], by_instance[samferdsel]
    with eng.transaction() as session:
        session.execute(update(Account).where(Account.id == central["id"]).values(status="closed"))
    return school, central


def shown(response) -> set[int]:
    assert response.status_code == 200
    rows = doc(response).xpath("//main//table//tbody/tr")
    found = set()
    for row in rows:
        [link] = row.xpath('.//a[starts-with(@href, "/accounts/")]')
        found.add(int(link.get("href").removeprefix("/accounts/")))
    return found


def test_the_registry_lists_every_account_for_everyone(login, accounts):
    school, central = accounts
    for username in ("tilsett2", "laerar.molde", "revisor"):
        assert shown(login(username).get("/accounts/")) == {school["id"], central["id"]}


FILTERS = [
    ("unit=alesund_vgs", {"school"}),
    ("unit=samferdsel", {"central"}),
    ("unit=molde_vgs", set()),
    ("platform=instagram", {"school"}),
    ("platform=facebook", {"central"}),
    ("status=active", {"school"}),
    ("status=closed", {"central"}),
    ("status=bogus", {"school", "central"}),
    ("unit=samferdsel&status=active", set()),
    ("unit=alesund_vgs&platform=instagram&status=active", {"school"}),
]


def test_the_registry_filters(login, accounts):
    school, central = accounts
    ids = {"school": school["id"], "central": central["id"]}
    b = login("tilsett2")
    for query, expected in FILTERS:
        assert shown(b.get(f"/accounts/?{query}")) == {ids[e] for e in expected}, query


def test_the_filters_offer_the_units_platforms_and_keep_the_choice(login, accounts):
    page = doc(login("tilsett2").get("/accounts/?unit=samferdsel&platform=facebook"))
    units = [o.get("value") for o in by_id(page, "f-unit").xpath("./option")]
    assert set(units) == {"", "alesund_vgs", "samferdsel"}
    platforms = [o.get("value") for o in by_id(page, "f-platform").xpath("./option")]
    assert set(platforms) == {"", "facebook", "instagram"}
    assert one(page, '//*[@id="f-unit"]/option[@selected]').get("value") == "samferdsel"
    assert one(page, '//*[@id="f-platform"]/option[@selected]').get("value") == "facebook"


def test_the_account_page_names_owner_deputy_moderators_and_the_approving_case(login, accounts):
    school, _central = accounts
    page = doc(login("tilsett2").get(f"/accounts/{school['id']}"))
    assert "alesundvgs" in text_of(one(page, "//h1"))
    facts = text_of(one(page, '//main//dl[contains(@class, "facts")]'))
    assert "Lise Lærar (laerar.alesund)" in facts  # owner
    assert "Lars Lærar (laerar2.alesund)" in facts  # deputy and moderator
    assert "Ålesund vidaregåande skule" in facts
    assert "instagram@alesund.vgs.no" in facts
    assert "rektor.alesund" in facts  # approved by
    dd = page.xpath("//main//dl/dd")
    assert any(
        "Lise Lærar (laerar.alesund)" in text_of(d) and "Lars Lærar (laerar2.alesund)" in text_of(d)
        for d in dd
    ), "moderators"
    assert page.xpath(f'//main//a[@href="/cases/{school["instance_id"]}"]')


def test_an_unknown_account_is_404(login):
    response = login("tilsett2").get("/accounts/999999")
    assert response.status_code == 404
    assert "Kontoen finst ikkje." in response.get_data(as_text=True)
    assert login("tilsett2").get("/accounts/ikkje-eit-tal").status_code == 404
