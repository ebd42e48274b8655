"""Fråvær in the browser: register, list and cancel; an owner registers for the team; the
account page says who is away and offers the team the inquiry form with the account chosen."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine.people import absences
from engine.store.models import Absence
from tests.accounts import DEPUTY, MODERATOR, OWNER, approved_school_account
from tests.conftest import START
from tests.web.conftest import (
    assert_page_structure,
    audit_events,
    by_id,
    doc,
    field_error,
    one,
    text_of,
)

# START is 09:00 UTC on 23 November: 10:00 Norwegian time.
PERIOD = {"starts_at": "2026-11-23T10:00", "ends_at": "2026-11-27T16:00", "note": "Kurs i Oslo"}


def stored(eng) -> list[Absence]:
    with eng.reading() as session:
        rows = session.scalars(select(Absence).order_by(Absence.id)).all()
        session.expunge_all()
        return list(rows)


def test_everyone_registers_and_cancels_their_own_absence(eng, login):
    b = login("laerar.molde")
    page = b.get("/absence/")
    assert page.status_code == 200
    assert_page_structure(page)
    tree = doc(page)
    assert one(tree, '//nav//a[@href="/absence/"]').get("aria-current") == "page"
    assert tree.xpath('//input[@name="starts_at"]/@type') == ["datetime-local"]
    assert not tree.xpath('//select[@name="username"]')  # only themselves: no choice to make

    answer = b.post("/absence/", PERIOD)
    assert answer.status_code == 302
    [absence] = stored(eng)
    assert (absence.username, absence.created_by, absence.note) == (
        "laerar.molde",
        "laerar.molde",
        "Kurs i Oslo",
    )
    assert absence.starts_at == START  # wall-clock time in Norway, stored as the moment
    assert absence.ends_at == START + timedelta(days=4, hours=6)

    listed = doc(b.get("/absence/"))
    row = one(listed, "//table//tbody/tr")
    assert "Kurs i Oslo" in text_of(row)
    assert "Borte no" in text_of(row)  # it has begun

    cancelled = b.post(f"/absence/{absence.id}/cancel", {})
    assert cancelled.status_code == 302
    assert stored(eng)[0].cancelled_at is not None
    assert not doc(b.get("/absence/")).xpath("//table")
    assert [e["kind"] for e in audit_events(eng) if e["kind"].startswith("absence_")] == [
        "absence_registered",
        "absence_cancelled",
    ]


def test_validation_messages_sit_next_to_their_fields_and_nothing_is_stored(eng, login):
    b = login("laerar.molde", lang="nb")
    page = b.post("/absence/", {"starts_at": "2026-11-25T10:00", "ends_at": "2026-11-24T10:00"})
    assert page.status_code == 422
    assert_page_structure(page)
    tree = doc(page)
    assert "Slutten må komme etter starten." in field_error(tree, "absence-ends_at")
    assert one(tree, '//input[@name="starts_at"]').get("value") == "2026-11-25T10:00"  # kept

    empty = doc(b.post("/absence/", {"starts_at": "", "ends_at": ""}))
    assert "Feltet må fylles ut." in field_error(empty, "absence-starts_at")
    past = doc(b.post("/absence/", {"starts_at": "2026-11-20T10:00", "ends_at": "2026-11-24T10"}))
    assert field_error(past, "absence-starts_at")
    assert stored(eng) == []


def test_posting_without_the_csrf_token_is_refused(eng, login):
    b = login("laerar.molde")
    assert b.post("/absence/", PERIOD, csrf=False).status_code == 400
    assert stored(eng) == []


def test_an_owner_registers_for_the_team_and_the_account_page_shows_who_is_away(eng, login):
    account_id = approved_school_account(eng)
    b = login(OWNER)
    tree = doc(b.get("/absence/"))
    choices = one(tree, '//select[@name="username"]').xpath("./option/@value")
    assert choices[0] == OWNER and sorted(choices) == sorted([OWNER, DEPUTY, MODERATOR])
    assert b.post("/absence/", PERIOD | {"username": DEPUTY}).status_code == 302
    [absence] = stored(eng)
    assert (absence.username, absence.created_by) == (DEPUTY, OWNER)

    # The deputy sees it too and may cancel it; someone outside the team may not.
    assert "Kurs i Oslo" in text_of(doc(login(DEPUTY).get("/absence/")))
    outsider = login("laerar.molde")
    assert not doc(outsider.get("/absence/")).xpath("//table")
    # An absence they may not see is answered as one that does not exist (issue 14).
    assert outsider.post(f"/absence/{absence.id}/cancel", {}).status_code == 404
    # … and cannot register for a team they are not on, even with a crafted form.
    assert outsider.post("/absence/", PERIOD | {"username": DEPUTY}).status_code == 403

    page = b.get(f"/accounts/{account_id}")
    assert_page_structure(page)
    assert text_of(by_id(doc(page), "away-now")) == f"Lars Lærar ({DEPUTY})"
    absences.cancel_absence(eng, OWNER, absence.id)
    assert text_of(by_id(doc(b.get(f"/accounts/{account_id}")), "away-now")) == "Ingen"


def test_auditors_read_absences_but_register_none(eng, login):
    absences.register_absence(eng, "komm1", "komm1", START, START + timedelta(days=1))
    b = login("revisor")
    tree = doc(b.get("/absence/"))
    assert not tree.xpath("//form[@action='/absence/']")
    assert "komm1" in text_of(one(tree, "//table"))
    assert not tree.xpath("//table//button")
    assert b.post("/absence/", PERIOD).status_code == 403
